//! Where rows live: one partition per planroom, UTC day and shard. Writes of one planroom spread
//! over `shards` partitions a day (an event's shard is a hash of its id, so a retried event lands
//! on the same item), so 5,000 events a second stay under DynamoDB's 1,000 write units a second
//! per partition with 8 shards; a window reads only its days' partitions, newest first within each
//! (the sort key starts with the timestamp), never the table.

use jiff::Timestamp;

use crate::ids::Id;
use crate::keys;

/// Shards a day when `ACTIVITY_WRITE_SHARDS` does not say otherwise.
pub const DEFAULT_SHARDS: u32 = 8;

/// The shard of an event: FNV-1a of its id, modulo `shards` (stable across releases).
pub fn shard(event_id: &str, shards: u32) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in event_id.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % shards.max(1)
}

/// The partition of a planroom's rows of one UTC day (`YYYY-MM-DD`) and shard.
pub fn pk(planroom: &Id, day: &str, shard: u32) -> String {
    format!("P#{}#UA#{day}#{shard}", keys::part(planroom.as_str()))
}

/// The partition that lists the UTC days (sort key `YYYY-MM-DD`) a planroom has rows on, so a
/// window reads only its days that hold any.
pub fn days_pk(planroom: &Id) -> String {
    format!("P#{}#UADAYS", keys::part(planroom.as_str()))
}

/// The sort key of a row: its timestamp (`…T…Z`, fixed width), then its id.
pub fn sk(timestamp: &str, event_id: &str) -> String {
    format!("{timestamp}#{}", keys::part(event_id))
}

/// The UTC days of `[from, to)`, newest first.
pub fn days(from: Timestamp, to: Timestamp) -> Vec<String> {
    let utc = jiff::tz::TimeZone::UTC;
    let first = from.to_zoned_datetime(utc.clone()).date();
    let last_instant = if to > from { to - jiff::SignedDuration::from_nanos(1) } else { from };
    let last = last_instant.to_zoned_datetime(utc).date();
    let mut out = Vec::new();
    let mut day = last;
    while day >= first {
        out.push(day.to_string());
        match day.yesterday() {
            Ok(previous) => day = previous,
            Err(_) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn shards_are_stable_and_spread_and_keys_escape_ids() {
        assert_eq!(shard("ev-1", 8), shard("ev-1", 8));
        let mut seen = [0u32; 8];
        for i in 0..8_000 {
            seen[shard(&format!("ev-{i}"), 8) as usize] += 1;
        }
        assert!(seen.iter().all(|n| (800..1200).contains(n)), "{seen:?}");
        assert_eq!(shard("anything", 0), 0);
        let planroom = Id::parse("planroom", "p#1").unwrap();
        assert_eq!(pk(&planroom, "2026-11-26", 3), "P#p%231#UA#2026-11-26#3");
        assert_eq!(sk("2026-11-26T10:00:00.000Z", "a#b"), "2026-11-26T10:00:00.000Z#a%23b");
    }

    #[test]
    fn a_window_reads_its_utc_days_newest_first_and_no_more() {
        assert_eq!(days(ts("2026-11-01T00:00:00Z"), ts("2026-11-03T00:00:00Z")), ["2026-11-02", "2026-11-01"]);
        assert_eq!(
            days(ts("2026-11-01T23:00:00Z"), ts("2026-11-03T00:00:01Z")),
            ["2026-11-03", "2026-11-02", "2026-11-01"]
        );
        assert_eq!(days(ts("2026-12-31T12:00:00Z"), ts("2027-01-01T12:00:00Z")), ["2027-01-01", "2026-12-31"]);
        assert_eq!(days(ts("2026-11-01T00:00:00Z"), ts("2026-12-02T00:00:00Z")).len(), 31);
    }
}
