//! Timestamps as stored: RFC 3339 UTC with milliseconds, fixed width so they sort as strings.

use jiff::Timestamp;

/// The stored text form of `ts`, e.g. `2026-11-25T21:13:06.123Z`.
pub fn format(ts: Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Now, in the stored text form.
pub fn now() -> (Timestamp, String) {
    let ts = Timestamp::now();
    (ts, format(ts))
}

/// Parses a client-supplied instant (`2026-11-01T00:00:00Z` or a bare date `2026-11-01`, read as UTC midnight).
pub fn parse_instant(text: &str) -> Option<Timestamp> {
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Some(ts);
    }
    let date: jiff::civil::Date = text.parse().ok()?;
    date.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok().map(|z| z.timestamp())
}

/// The IANA time zone names the service accepts: the bundled database's, spelled exactly as there.
pub fn zone_names() -> Vec<String> {
    let mut names: Vec<String> = jiff::tz::db().available().map(|n| n.as_str().to_owned()).collect();
    names.sort();
    names
}

/// The time zone `name`, if it is one of [`zone_names`] (case and spelling exact, as the OpenAPI
/// document's enum lists them).
pub fn zone(name: &str) -> Option<jiff::tz::TimeZone> {
    static NAMES: std::sync::LazyLock<std::collections::HashSet<String>> =
        std::sync::LazyLock::new(|| zone_names().into_iter().collect());
    if NAMES.contains(name) { jiff::tz::TimeZone::get(name).ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_spelled_as_in_the_database() {
        assert!(zone("America/Chicago").is_some());
        assert!(zone("UTC").is_some());
        assert!(zone("america/chicago").is_none(), "the document's enum is case-exact");
        assert!(zone("Mars/Olympus").is_none());
        assert!(zone_names().len() > 300);
    }

    #[test]
    fn format_is_fixed_width_and_sortable() {
        let a = format("2026-01-02T03:04:05Z".parse().unwrap());
        let b = format("2026-01-02T03:04:05.120Z".parse().unwrap());
        assert_eq!(a, "2026-01-02T03:04:05.000Z");
        assert_eq!(b, "2026-01-02T03:04:05.120Z");
        assert!(a < b);
    }

    #[test]
    fn parse_accepts_dates_and_instants_only() {
        assert_eq!(format(parse_instant("2026-11-01").unwrap()), "2026-11-01T00:00:00.000Z");
        assert!(parse_instant("2026-11-01T10:00:00+02:00").is_some());
        assert!(parse_instant("yesterday").is_none());
    }
}
