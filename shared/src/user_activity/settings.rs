//! How rows are kept: over how many partitions a planroom's day is spread, and for how long.

use jiff::Timestamp;

use super::partition::DEFAULT_SHARDS;
use crate::config::{self, ConfigError};

/// Days a row stays in the table (the hot window) when `ACTIVITY_RETENTION_DAYS` does not say
/// otherwise: longer than the 31-day windows `GET /v1/user-activity` reads; the lake keeps rows
/// for its own retention.
pub const DEFAULT_RETENTION_DAYS: u64 = 35;
/// Most shards a day (each is one Query per day of a window read).
pub const MAX_SHARDS: u64 = 64;

/// Where rows go and how long they stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivitySettings {
    /// Partitions per planroom and UTC day (`ACTIVITY_WRITE_SHARDS`, default 8). Readers read
    /// every shard, so it may be raised on a live table, never lowered.
    pub shards: u32,
    /// Days until DynamoDB's TTL removes a row (`ACTIVITY_RETENTION_DAYS`, default 35).
    pub retention_days: u64,
}

impl Default for ActivitySettings {
    fn default() -> Self {
        ActivitySettings { shards: DEFAULT_SHARDS, retention_days: DEFAULT_RETENTION_DAYS }
    }
}

impl ActivitySettings {
    /// From `ACTIVITY_WRITE_SHARDS` (1 to 64) and `ACTIVITY_RETENTION_DAYS` (1 to 3,650).
    pub fn from_env() -> Result<Self, ConfigError> {
        let shards = config::number("ACTIVITY_WRITE_SHARDS", u64::from(DEFAULT_SHARDS))?;
        if !(1..=MAX_SHARDS).contains(&shards) {
            return Err(ConfigError(format!("ACTIVITY_WRITE_SHARDS must be 1 to {MAX_SHARDS}")));
        }
        let retention_days = config::number("ACTIVITY_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)?;
        if !(1..=3650).contains(&retention_days) {
            return Err(ConfigError("ACTIVITY_RETENTION_DAYS must be 1 to 3650".into()));
        }
        Ok(ActivitySettings { shards: shards as u32, retention_days })
    }

    /// When a row of an event at `at` expires (epoch seconds).
    pub fn expires_at(&self, at: Timestamp) -> i64 {
        at.as_second().saturating_add(i64::try_from(self.retention_days).unwrap_or(3650) * 24 * 3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_expire_after_the_retention_from_their_event() {
        let settings = ActivitySettings { shards: 8, retention_days: 400 };
        let at: Timestamp = "2026-11-26T00:00:00Z".parse().unwrap();
        assert_eq!(settings.expires_at(at) - at.as_second(), 400 * 86_400);
    }
}
