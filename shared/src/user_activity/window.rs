//! The `[from, to)` window of a read: dates (midnight UTC) or RFC 3339 instants, `to` after
//! `from`, at most 31 days apart. Used by `GET /v1/user-activity`, its exports and the audit.

use jiff::Timestamp;

use crate::time;

/// Longest window.
pub const MAX_DAYS: i64 = 31;

/// The window of `from` and `to`, or why not (a message for a 400 or 422).
pub fn parse(from: Option<&str>, to: Option<&str>) -> Result<(Timestamp, Timestamp), String> {
    let instant = |name: &str, text: Option<&str>| {
        let text = text.filter(|t| !t.trim().is_empty()).ok_or_else(|| format!("{name} is required"))?;
        time::parse_instant(text.trim())
            .ok_or_else(|| format!("{name} must be an RFC 3339 instant or a date (YYYY-MM-DD)"))
    };
    let (from, to) = (instant("from", from)?, instant("to", to)?);
    let (first, last) = (Timestamp::UNIX_EPOCH, Timestamp::from_second(253_402_300_799).unwrap_or(Timestamp::MAX));
    if from < first || to > last {
        return Err("from and to must be between 1970-01-01 and 9999-12-31".into());
    }
    if to <= from {
        return Err("to must be after from".into());
    }
    if to.duration_since(from) > jiff::SignedDuration::from_hours(MAX_DAYS * 24) {
        return Err(format!("from and to must be at most {MAX_DAYS} days apart"));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_at_most_31_days_and_never_reversed() {
        let (from, to) = parse(Some("2026-11-01"), Some("2026-12-02")).unwrap();
        assert_eq!(time::format(from), "2026-11-01T00:00:00.000Z");
        assert_eq!(time::format(to), "2026-12-02T00:00:00.000Z");
        assert!(parse(Some("2026-11-01T10:00:00+01:00"), Some("2026-11-01T09:00:01Z")).is_ok());
        for (from, to) in [
            (Some("2026-11-01"), Some("2026-12-02T00:00:00.001Z")),
            (Some("2026-11-02"), Some("2026-11-01")),
            (Some("2026-11-01"), Some("2026-11-01")),
            (Some("yesterday"), Some("2026-11-01")),
            (None, Some("2026-11-01")),
            (Some("2026-11-01"), Some(" ")),
            (Some("-009999-01-02T01:59:59Z"), Some("-009999-01-02T01:59:59.0005Z")),
        ] {
            assert!(parse(from, to).is_err(), "{from:?} {to:?}");
        }
    }
}
