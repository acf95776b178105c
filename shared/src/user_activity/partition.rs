//! Where rows live: one partition per planroom, UTC day and shard. Writes of one planroom spread
//! over `shards` partitions a day, so 5,000 events a second stay under DynamoDB's 1,000 write units
//! a second per partition with 8 shards; a window reads only its days' partitions, newest first
//! within each (the sort key starts with the timestamp), never the table.
//!
//! An event's shard is a hash of its owner (the individual, or the user who posted it), so one
//! person's events of a day sit in one partition, in time order: the judge of tracked-link hits
//! reads a person's hits around one with a single Query, and the table's stream hands them over in
//! order. Rows written before kept their shard (a hash of the event's id); reads read every shard.
//! The sort key is the event's time and its key: a digest of its owner and the client's
//! `event_id` (so a retry finds its own row, and two people's equal ids never meet) or a fresh id.

use jiff::Timestamp;

use crate::ids::Id;
use crate::keys;

/// Shards a day when `ACTIVITY_WRITE_SHARDS` does not say otherwise.
pub const DEFAULT_SHARDS: u32 = 8;

/// The shard of an owner's events (or, for rows written before, of an event id): FNV-1a, modulo
/// `shards` (stable across releases).
pub fn shard(owner: &str, shards: u32) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in owner.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash % shards.max(1)
}

/// The partition of a planroom's rows of one UTC day (`YYYY-MM-DD`) and shard.
pub fn pk(planroom: &Id, day: &str, shard: u32) -> String {
    format!("P#{}#UA#{day}#{shard}", keys::part(planroom.as_str()))
}

/// The planroom whose log partition `pk` is (the inverse of [`pk`]).
pub fn planroom_of(pk: &str) -> Option<Id> {
    let (escaped, _) = pk.strip_prefix("P#")?.split_once("#UA#")?;
    let planroom = escaped.replace("%23", "#").replace("%25", "%");
    Id::parse("planroom", &planroom).ok()
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

/// The key of an event in its row's sort key: 32 hex characters of SHA-256 over its owner and the
/// client's id (`kind` names the id's space: `event`, `landing`, `content`), so a retry of the
/// same event finds its row and equal ids of two owners never meet.
pub fn event_key(kind: &str, owner: &str, client_id: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{kind}\0{owner}\0{client_id}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// The UTC day (`YYYY-MM-DD`) of a stored timestamp.
pub fn day_of(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
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
        assert_eq!(planroom_of("P#p%231#UA#2026-11-26#3"), Some(planroom));
        assert_eq!(planroom_of("P#p#J#j"), None);
        assert_eq!(sk("2026-11-26T10:00:00.000Z", "a#b"), "2026-11-26T10:00:00.000Z#a%23b");
    }

    #[test]
    fn event_keys_separate_owners_and_kinds_and_never_change() {
        let key = event_key("event", "ind-1", "ev-1");
        assert_eq!(key.len(), 32);
        assert_eq!(key, event_key("event", "ind-1", "ev-1"));
        assert_ne!(key, event_key("event", "ind-2", "ev-1"), "two people's ids never meet");
        assert_ne!(key, event_key("landing", "ind-1", "ev-1"));
        assert_eq!(day_of("2026-11-26T10:00:00.000Z"), "2026-11-26");
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
