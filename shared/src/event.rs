//! The body of `POST /v1/events` (and `/v1/contact-events`): 1 to 25 activity events from the
//! planroom frontend, decoded and validated at the edge.

use serde::Deserialize;
use serde_json::Value;

use crate::activity::{Activity, ObjectKind};
use crate::ids::{Id, Name, optional_text};
use crate::{Error, Result};

/// Most events one request may carry.
pub const MAX_EVENTS: usize = 25;
const MAX_URL_BYTES: usize = 2048;
const MAX_DEVICE_BYTES: usize = 256;

/// An object of the planroom: a file, a section or the job itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// File, section or job.
    pub kind: ObjectKind,
    /// The planroom's id for it.
    pub id: Id,
    /// Its display name when the event happened.
    pub name: Name,
}

/// A section a file belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionRef {
    /// The planroom's id for it.
    pub id: Id,
    /// Its display name.
    pub name: Name,
}

/// Longest `event_id`.
pub const MAX_EVENT_ID_CHARS: usize = 64;

/// The client's own id for one event: a retry of the event carries the same id and changes nothing.
/// 1 to 64 characters of `A-Z a-z 0-9 _ -`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EventId(String);

impl EventId {
    /// Validates an event id.
    pub fn parse(text: &str) -> Result<Self> {
        let valid = (1..=MAX_EVENT_ID_CHARS).contains(&text.len())
            && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if valid {
            Ok(EventId(text.to_owned()))
        } else {
            Err(Error::validation(format!("event_id must be 1 to {MAX_EVENT_ID_CHARS} characters of A-Z a-z 0-9 _ -")))
        }
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One validated activity event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInput {
    /// The client's id of the event, which makes a retry of it harmless.
    pub event_id: Option<EventId>,
    /// The job the object belongs to.
    pub job: Id,
    /// What was done.
    pub activity: Activity,
    /// To what.
    pub object: ObjectRef,
    /// The file's section, when the object is a file in one.
    pub section: Option<SectionRef>,
    /// The page the event happened on.
    pub url: Option<String>,
    /// The device label the frontend reports (e.g. `desktop`, `mobile`).
    pub device: Option<String>,
    /// When it happened: the client's `occurred_at` (within a day before arrival and five minutes
    /// after it), else its arrival.
    pub at: jiff::Timestamp,
    /// Whether the client gave `occurred_at` (with `event_id`, its row's key then follows from both).
    pub client_time: bool,
}

#[derive(Deserialize)]
struct RawEvent {
    event_id: Option<String>,
    occurred_at: Option<String>,
    job_id: String,
    activity: Activity,
    object: RawObject,
    section: Option<RawSection>,
    url: Option<String>,
    device: Option<String>,
}

#[derive(Deserialize)]
struct RawObject {
    kind: ObjectKind,
    id: String,
    name: Option<String>,
}

#[derive(Deserialize)]
struct RawSection {
    id: String,
    name: Option<String>,
}

/// Decodes a batch that arrived at `arrival`: either `{"events": [...]}` or a bare array of events.
pub fn decode_batch(body: &[u8], arrival: jiff::Timestamp) -> Result<Vec<EventInput>> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| Error::BadRequest(format!("body is not valid JSON: {e}")))?;
    let events = match value {
        Value::Object(mut map) => match map.remove("events") {
            Some(Value::Array(events)) => events,
            Some(_) => return Err(Error::validation("events must be an array")),
            None => return Err(Error::validation("events is required")),
        },
        Value::Array(events) => events,
        _ => {
            return Err(Error::validation("body must be an object with an events array"));
        }
    };
    if events.is_empty() || events.len() > MAX_EVENTS {
        return Err(Error::validation(format!("events must hold 1 to {MAX_EVENTS} events, got {}", events.len())));
    }
    events
        .into_iter()
        .enumerate()
        .map(|(i, raw)| {
            crate::json_shape::require_objects(&raw).map_err(|e| Error::validation(format!("events[{i}]: {e}")))?;
            let raw: RawEvent =
                serde_json::from_value(raw).map_err(|e| Error::validation(format!("events[{i}]: {e}")))?;
            validate(raw, arrival).map_err(|e| Error::validation(format!("events[{i}].{e}")))
        })
        .collect()
}

/// A client's `occurred_at`: an RFC 3339 instant near `arrival` ([`crate::time::event_time`]).
pub fn occurred_at(text: Option<&str>, arrival: jiff::Timestamp) -> Result<jiff::Timestamp> {
    let parsed = match text {
        None => None,
        Some(text) => Some(
            text.parse::<jiff::Timestamp>()
                .map_err(|_| Error::validation(format!("occurred_at {text:?} is not an RFC 3339 instant")))?,
        ),
    };
    crate::time::event_time(parsed, arrival).map_err(|why| Error::validation(format!("occurred_at {why}")))
}

fn validate(raw: RawEvent, arrival: jiff::Timestamp) -> Result<EventInput> {
    let object = ObjectRef {
        kind: raw.object.kind,
        id: Id::parse("object.id", &raw.object.id)?,
        name: Name::parse("object.name", raw.object.name.as_deref().unwrap_or_default())?,
    };
    let section = match raw.section {
        Some(s) => Some(SectionRef {
            id: Id::parse("section.id", &s.id)?,
            name: Name::parse("section.name", s.name.as_deref().unwrap_or_default())?,
        }),
        None => None,
    };
    Ok(EventInput {
        event_id: raw.event_id.as_deref().map(EventId::parse).transpose()?,
        job: Id::parse("job_id", &raw.job_id)?,
        activity: raw.activity,
        object,
        section,
        url: optional_text("url", raw.url.as_deref(), MAX_URL_BYTES)?,
        device: optional_text("device", raw.device.as_deref(), MAX_DEVICE_BYTES)?,
        at: occurred_at(raw.occurred_at.as_deref(), arrival)?,
        client_time: raw.occurred_at.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arrival() -> jiff::Timestamp {
        "2026-12-03T14:00:00Z".parse().unwrap()
    }

    #[test]
    fn occurred_at_is_the_events_time_and_a_time_too_far_is_422() {
        let at = |extra: &str| {
            let body = format!(r#"[{{"job_id":"j","activity":"view","object":{{"kind":"file","id":"f"}}{extra}}}]"#);
            decode_batch(body.as_bytes(), arrival())
        };
        assert_eq!(at("").unwrap()[0].at, arrival());
        let offline = at(r#","occurred_at":"2026-12-03T02:30:00.5-06:00""#).unwrap();
        assert_eq!(crate::time::format(offline[0].at), "2026-12-03T08:30:00.500Z");
        for bad in [
            r#","occurred_at":"2026-12-01T00:00:00Z""#,
            r#","occurred_at":"2026-12-03T14:06:00Z""#,
            r#","occurred_at":"yesterday""#,
            r#","occurred_at":7"#,
        ] {
            let err = at(bad).unwrap_err();
            assert_eq!(err.status(), 422, "{bad}");
        }
    }

    const ONE: &str = r#"{"job_id":"j1","activity":"view","object":{"kind":"file","id":"f1","name":"A-101.pdf"},
        "section":{"id":"s1","name":"Drawings"},"url":"https://p.example/f1","device":"desktop"}"#;

    #[test]
    fn decodes_wrapped_and_bare_batches() {
        let wrapped = decode_batch(format!(r#"{{"events":[{ONE}]}}"#).as_bytes(), arrival()).unwrap();
        let bare = decode_batch(format!("[{ONE},{ONE}]").as_bytes(), arrival()).unwrap();
        assert_eq!(wrapped.len(), 1);
        assert_eq!(bare.len(), 2);
        assert_eq!(wrapped[0], bare[1]);
        assert_eq!(wrapped[0].object.name.as_str(), "A-101.pdf");
        assert_eq!(wrapped[0].section.as_ref().unwrap().id.as_str(), "s1");
    }

    #[test]
    fn event_ids_are_short_plain_tokens() {
        for good in ["a", "A-z_09", &"x".repeat(64), "0190c6b2-1f3e-7c4a-9b1d-6f2e8a1c3d5e"] {
            assert_eq!(EventId::parse(good).unwrap().as_str(), good);
        }
        for bad in ["", " a", "a/b", "a.b", "ü", &"x".repeat(65), "a\0"] {
            assert_eq!(EventId::parse(bad).unwrap_err().status(), 422, "{bad:?}");
        }
        let batch = decode_batch(
            br#"[{"event_id":"ev-1","job_id":"j","activity":"view","object":{"kind":"file","id":"f"}},
                 {"job_id":"j","activity":"view","object":{"kind":"file","id":"f"}}]"#,
            arrival(),
        )
        .unwrap();
        assert_eq!(batch[0].event_id.as_ref().map(EventId::as_str), Some("ev-1"));
        assert_eq!(batch[1].event_id, None);
    }

    #[test]
    fn malformed_json_is_400_and_schema_breaks_are_422() {
        assert_eq!(decode_batch(b"{not json", arrival()).unwrap_err().status(), 400);
        let cases = [
            r#"{"events":[]}"#.to_string(),
            format!(r#"{{"events":[{}]}}"#, vec![ONE; 26].join(",")),
            r#"{"events":[{"job_id":"j","activity":"print","object":{"kind":"file","id":"f"}}]}"#.into(),
            r#"{"events":[{"job_id":"j","activity":"view","object":{"kind":"folder","id":"f"}}]}"#.into(),
            r#"{"events":[{"job_id":7,"activity":"view","object":{"kind":"file","id":"f"}}]}"#.into(),
            r#"{"events":[{"job_id":"j\u0007","activity":"view","object":{"kind":"file","id":"f"}}]}"#.into(),
            format!(
                r#"{{"events":[{{"job_id":"j","activity":"view","object":{{"kind":"file","id":"{}"}}}}]}}"#,
                "x".repeat(257)
            ),
            r#"{"events":"x"}"#.into(),
            r#"{"events":[["j","view",["file","f",null],null,null,null]]}"#.into(),
            r#"{"events":[{"job_id":"j","activity":"view","object":["file","f"]}]}"#.into(),
            r#"42"#.into(),
            r#"{"events":[{"event_id":"","job_id":"j","activity":"view","object":{"kind":"file","id":"f"}}]}"#.into(),
            r#"{"events":[{"event_id":"a b","job_id":"j","activity":"view","object":{"kind":"file","id":"f"}}]}"#
                .into(),
            r#"{"events":[{"event_id":"é","job_id":"j","activity":"view","object":{"kind":"file","id":"f"}}]}"#.into(),
            r#"{"events":[{"event_id":7,"job_id":"j","activity":"view","object":{"kind":"file","id":"f"}}]}"#.into(),
            format!(
                r#"{{"events":[{{"event_id":"{}","job_id":"j","activity":"view","object":{{"kind":"file","id":"f"}}}}]}}"#,
                "e".repeat(65)
            ),
        ];
        for body in cases {
            assert_eq!(decode_batch(body.as_bytes(), arrival()).unwrap_err().status(), 422, "{body}");
        }
    }
}
