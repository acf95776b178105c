//! Where the lake's objects live: `lake/user_activity/planroom={p}/day={YYYY-MM-DD}/{file}`,
//! Hive-style so Athena's partition projection and any Parquet reader find the partitions in the
//! path. The planroom's id is percent-encoded (anything but `A-Z a-z 0-9 - _ .`), the value the
//! `planroom` column then holds. Files are `ingest-…` (written from the table's stream, named by
//! a digest of the event ids they hold, so a replayed batch rewrites its own file) or `day-…`
//! (a closed day compacted, named by a digest of the files it replaced).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha2::{Digest, Sha256};

use crate::ids::Id;

/// The prefix of the table's objects (the Glue table's location).
pub const TABLE_PREFIX: &str = "lake/user_activity/";

const KEEP: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// The `planroom` partition value of a planroom.
pub fn planroom_value(planroom: &Id) -> String {
    utf8_percent_encode(planroom.as_str(), KEEP).to_string()
}

/// The prefix of a planroom's objects.
pub fn planroom_prefix(planroom: &Id) -> String {
    format!("{TABLE_PREFIX}planroom={}/", planroom_value(planroom))
}

/// The prefix of one day's objects of a planroom.
pub fn day_prefix(planroom: &Id, day: &str) -> String {
    format!("{}day={day}/", planroom_prefix(planroom))
}

/// What a lake file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Rows of one stream batch.
    Ingest,
    /// A closed day, compacted.
    Day,
}

/// The key of a file of `kind` holding what `names` name (event ids, or replaced keys): the same
/// names give the same key, so writing them again replaces the file.
pub fn file_key(planroom: &Id, day: &str, kind: FileKind, names: &[&str]) -> String {
    let mut sorted: Vec<&str> = names.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut hasher = Sha256::new();
    for name in sorted {
        hasher.update(name.as_bytes());
        hasher.update([0]);
    }
    let digest: String = hasher.finalize()[..12].iter().map(|b| format!("{b:02x}")).collect();
    let prefix = match kind {
        FileKind::Ingest => "ingest",
        FileKind::Day => "day",
    };
    format!("{}{prefix}-{digest}.parquet", day_prefix(planroom, day))
}

/// The kind of file a key names, if it is a lake file.
pub fn kind_of(key: &str) -> Option<FileKind> {
    let name = key.rsplit('/').next()?;
    if !name.ends_with(".parquet") {
        return None;
    }
    if name.starts_with("ingest-") {
        Some(FileKind::Ingest)
    } else if name.starts_with("day-") {
        Some(FileKind::Day)
    } else {
        None
    }
}

/// The UTC day (`YYYY-MM-DD`) of a row's `event_timestamp`, its partition.
pub fn day_of(event_timestamp: &str) -> Option<&str> {
    let day = event_timestamp.get(..10)?;
    day.parse::<jiff::civil::Date>().ok().map(|_| day)
}

/// The days from `first` to `last` inclusive (`YYYY-MM-DD`), at most `max` of them.
pub fn days(first: jiff::civil::Date, last: jiff::civil::Date, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut day = first;
    while day <= last && out.len() < max {
        out.push(day.to_string());
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_hive_style_with_the_planroom_encoded_and_names_follow_content() {
        let p = Id::parse("planroom", "acme/../x=1").unwrap();
        assert_eq!(planroom_value(&p), "acme%2F..%2Fx%3D1");
        assert_eq!(day_prefix(&p, "2026-12-04"), "lake/user_activity/planroom=acme%2F..%2Fx%3D1/day=2026-12-04/");
        let a = file_key(&p, "2026-12-04", FileKind::Ingest, &["e2", "e1"]);
        assert_eq!(a, file_key(&p, "2026-12-04", FileKind::Ingest, &["e1", "e2", "e1"]));
        assert_ne!(a, file_key(&p, "2026-12-04", FileKind::Ingest, &["e1"]));
        assert_eq!(kind_of(&a), Some(FileKind::Ingest));
        assert_eq!(kind_of(&file_key(&p, "2026-12-04", FileKind::Day, &[&a])), Some(FileKind::Day));
        assert_eq!(kind_of("lake/user_activity/x/notes.txt"), None);
        assert_eq!(day_of("2026-12-04T10:00:00.000Z"), Some("2026-12-04"));
        assert_eq!(day_of("yesterday"), None);
        let d = |s: &str| s.parse::<jiff::civil::Date>().unwrap();
        assert_eq!(
            days(d("2026-12-30"), d("2027-01-02"), 10),
            ["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]
        );
        assert_eq!(days(d("2026-01-01"), d("2026-12-31"), 3).len(), 3);
    }
}
