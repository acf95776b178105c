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

/// How long before its arrival a client may say an event happened (`occurred_at`): an offline
/// client's event up to a day late is still its own time.
pub const MAX_EVENT_AGE: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);
/// How far ahead of its arrival a client's clock may be.
pub const MAX_EVENT_LEAD: jiff::SignedDuration = jiff::SignedDuration::from_mins(5);

/// When an event happened: the client's `occurred_at` when it is within [`MAX_EVENT_AGE`] before
/// `arrival` and [`MAX_EVENT_LEAD`] after it, else why not; `arrival` without one.
pub fn event_time(occurred_at: Option<Timestamp>, arrival: Timestamp) -> Result<Timestamp, String> {
    let Some(at) = occurred_at else { return Ok(arrival) };
    if at < arrival - MAX_EVENT_AGE {
        return Err(format!("is more than 24 hours before the event arrived ({})", format(arrival)));
    }
    if at > arrival + MAX_EVENT_LEAD {
        return Err(format!("is more than 5 minutes after the event arrived ({})", format(arrival)));
    }
    // Stored with millisecond precision, like every other time.
    Ok(Timestamp::from_millisecond(at.as_millisecond()).unwrap_or(at))
}

/// `ts` in `zone` with its UTC offset (`2026-12-03T08:15:00-06:00`): a local time that says which.
pub fn local_with_offset(ts: Timestamp, zone: &jiff::tz::TimeZone) -> String {
    ts.to_zoned_datetime(zone.clone()).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
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
    fn an_event_is_at_its_clients_time_within_a_day_before_and_five_minutes_after_arrival() {
        let arrival: Timestamp = "2026-12-03T14:00:00Z".parse().unwrap();
        assert_eq!(event_time(None, arrival), Ok(arrival));
        for ok in ["2026-12-02T14:00:00Z", "2026-12-03T13:59:59.9999Z", "2026-12-03T14:05:00Z"] {
            let at: Timestamp = ok.parse().unwrap();
            assert_eq!(event_time(Some(at), arrival).map(|t| t.as_millisecond()), Ok(at.as_millisecond()), "{ok}");
        }
        for late in ["2026-12-02T13:59:59Z", "2026-12-03T14:05:01Z", "2020-01-01T00:00:00Z"] {
            assert!(event_time(Some(late.parse().unwrap()), arrival).is_err(), "{late}");
        }
    }

    #[test]
    fn local_times_carry_their_offset() {
        let at: Timestamp = "2026-12-03T14:15:00Z".parse().unwrap();
        let chicago = jiff::tz::TimeZone::get("America/Chicago").unwrap();
        assert_eq!(local_with_offset(at, &chicago), "2026-12-03T08:15:00-06:00");
        assert_eq!(local_with_offset(at, &jiff::tz::TimeZone::UTC), "2026-12-03T14:15:00+00:00");
    }

    #[test]
    fn parse_accepts_dates_and_instants_only() {
        assert_eq!(format(parse_instant("2026-11-01").unwrap()), "2026-11-01T00:00:00.000Z");
        assert!(parse_instant("2026-11-01T10:00:00+02:00").is_some());
        assert!(parse_instant("yesterday").is_none());
    }
}
