//! The log: every accepted event is one row, written once, conditionally on a key that holds its
//! id ([`super::partition`]). The row is at once the event's dataset row, its log entry and its
//! duplicate check: a retry of an event finds its row and answers what the row says it answered,
//! and a stored row is never rewritten.
//!
//! Besides its 33 dataset fields, a row keeps what the service needs of it: whose events share its
//! partition, when it arrived, what recording it answered (a captured access), and for a
//! tracked-link hit, how far it is judged.

use jiff::Timestamp;

use super::partition;
use super::select::Row;
use crate::first_access::Recorded;
use crate::ids::Id;
use crate::judgement::Confidence;

/// An event as the log keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct LogEntry {
    /// Its dataset row.
    pub row: Row,
    /// Whose events share its partition: the individual (people and blast recipients), or the user
    /// who posted it (`POST /v1/user-activity`, the service's own actions).
    pub owner: String,
    /// The id part of its sort key ([`partition::event_key`], or a fresh id).
    pub key: String,
    /// When it reached the service (its time is the client's `occurred_at` when given).
    pub arrived_at: Timestamp,
    /// What recording it answered (captured accesses): its retry answers the same.
    pub result: Option<Recorded>,
    /// A tracked-link hit's judgement so far.
    pub hit: Option<HitMark>,
    /// The hit (its row's sort key) whose landing page this event is.
    pub landing_of: Option<String>,
}

/// How far a tracked-link hit is judged when its row is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitMark {
    /// Nothing about the hit itself marked it a machine's: the judge decides (bursts, timing, its
    /// landing page) from the hits around it.
    pub pending: bool,
    /// How sure the judgement in the row is.
    pub confidence: Confidence,
    /// When the blast went out (for "too soon after the send").
    pub sent_at: Option<Timestamp>,
}

/// A row's place: its partition and sort key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RowKey {
    /// Partition key.
    pub pk: String,
    /// Sort key.
    pub sk: String,
}

impl LogEntry {
    /// Its time, stored form.
    pub fn time(&self) -> &str {
        self.row.get("event_timestamp").and_then(|v| v.as_str()).unwrap_or_default()
    }

    /// Where it is stored in `planroom`'s log with `shards` shards a day.
    pub fn row_key(&self, planroom: &Id, shards: u32) -> RowKey {
        row_key(planroom, self.time(), &self.owner, &self.key, shards)
    }
}

/// Where the event `key` of `owner` at `time` (stored form) is stored.
pub fn row_key(planroom: &Id, time: &str, owner: &str, key: &str, shards: u32) -> RowKey {
    RowKey {
        pk: partition::pk(planroom, partition::day_of(time), partition::shard(owner, shards)),
        sk: partition::sk(time, key),
    }
}

/// A fresh event id (for events whose client gave none): 32 hex characters.
pub fn new_key() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_owners_events_of_a_day_share_a_partition_in_time_order() {
        let planroom = Id::parse("p", "p").unwrap();
        let a = row_key(&planroom, "2026-12-03T10:00:00.000Z", "ind-1", "k1", 8);
        let b = row_key(&planroom, "2026-12-03T10:00:01.000Z", "ind-1", "k0", 8);
        assert_eq!(a.pk, b.pk);
        assert!(a.sk < b.sk, "time first");
        let next_day = row_key(&planroom, "2026-12-04T00:00:00.000Z", "ind-1", "k1", 8);
        assert_ne!(a.pk, next_day.pk);
        assert_eq!(new_key().len(), 32);
    }
}
