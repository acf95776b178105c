//! The body of `POST /v1/user-activity`: 1 to 25 events of what the planroom's frontend did
//! elsewhere (an addendum acknowledged is a `Sign`, a bid submitted a `Submit`, a file uploaded an
//! `Upload`). Anything malformed is a 422 naming the event and the field, and nothing is stored.

use serde::Deserialize;
use serde_json::Value;

use super::device::DeviceType;
use super::taxonomy::EventType;
use crate::event::EventId;
use crate::ids::{Id, Name, optional_text};
use crate::{Error, Result};

/// Most events one post may carry.
pub const MAX_EVENTS: usize = 25;
const MAX_LABEL_BYTES: usize = 256;
const MAX_URL_BYTES: usize = 2048;

/// One validated event.
#[derive(Debug, Clone, PartialEq)]
pub struct UserEvent {
    /// The client's id (retries answer the first result), when given.
    pub event_id: Option<EventId>,
    /// The category.
    pub event_type: EventType,
    /// What happened, in the planroom's words ("Addendum acknowledged").
    pub event_name: String,
    /// A finer kind, when given.
    pub event_subtype: Option<String>,
    /// Which tool of the planroom ("Bid Management", "Documents").
    pub tool_name: String,
    /// The job, when the event is about one.
    pub job: Option<Id>,
    /// What it was done to.
    pub object: Option<UserObject>,
    /// Where, when given.
    pub url: Option<String>,
    /// The device, when the client says.
    pub device_type: Option<DeviceType>,
    /// When it happened: the client's `occurred_at` (within a day before arrival and five minutes
    /// after it), else its arrival.
    pub at: jiff::Timestamp,
    /// Whether the client gave `occurred_at` (an event without `event_id` is then identified by its
    /// content and that time, so a retried post stores it once).
    pub client_time: bool,
}

impl UserEvent {
    /// What identifies the event when its client gave no `event_id`: its content and the client's
    /// time, or nothing (each post is a new event) without one.
    pub fn content_id(&self) -> Option<String> {
        if !self.client_time {
            return None;
        }
        let object = self.object.as_ref().map(|o| format!("{}\0{}", o.kind, o.id.as_str())).unwrap_or_default();
        Some(format!(
            "{}\0{}\0{}\0{}\0{}\0{}\0{}",
            crate::time::format(self.at),
            self.event_type.as_str(),
            self.event_name,
            self.event_subtype.as_deref().unwrap_or_default(),
            self.tool_name,
            self.job.as_ref().map(Id::as_str).unwrap_or_default(),
            object
        ))
    }
}

/// The object of an event: any kind of the planroom's (`file`, `bid`, `addendum`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct UserObject {
    /// Its kind.
    pub kind: String,
    /// Its id.
    pub id: Id,
    /// Its display name.
    pub name: Option<Name>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEvent {
    event_id: Option<String>,
    event_type: String,
    event_name: String,
    event_subtype: Option<String>,
    tool_name: String,
    job_id: Option<String>,
    object: Option<RawObject>,
    url: Option<String>,
    device_type: Option<DeviceType>,
    occurred_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawObject {
    kind: String,
    id: String,
    name: Option<String>,
}

/// Decodes `{"events": [...]}` that arrived at `arrival`: not JSON is a 400, anything else wrong a 422.
pub fn decode(body: &[u8], arrival: jiff::Timestamp) -> Result<Vec<UserEvent>> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| Error::BadRequest(format!("body is not valid JSON: {e}")))?;
    let events = match value.get("events") {
        Some(Value::Array(events)) => events,
        Some(_) => return Err(Error::validation("events must be an array")),
        None => return Err(Error::validation("body must be an object with an events array")),
    };
    if events.is_empty() || events.len() > MAX_EVENTS {
        return Err(Error::validation(format!("events must hold 1 to {MAX_EVENTS} events, got {}", events.len())));
    }
    events
        .iter()
        .enumerate()
        .map(|(i, raw)| {
            let raw: RawEvent =
                serde_json::from_value(raw.clone()).map_err(|e| Error::validation(format!("events[{i}]: {e}")))?;
            validate(raw, arrival).map_err(|e| Error::validation(format!("events[{i}].{e}")))
        })
        .collect()
}

fn validate(raw: RawEvent, arrival: jiff::Timestamp) -> Result<UserEvent> {
    let event_type = EventType::parse(&raw.event_type).ok_or_else(|| {
        let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        Error::validation(format!("event_type {:?} is not one of {}", raw.event_type, all.join(", ")))
    })?;
    let required = |field: &str, value: &str| -> Result<String> {
        optional_text(field, Some(value), MAX_LABEL_BYTES)?
            .ok_or_else(|| Error::validation(format!("{field} must not be empty")))
    };
    let object = match raw.object {
        Some(o) => Some(UserObject {
            kind: required("object.kind", o.kind.trim())?,
            id: Id::parse("object.id", &o.id)?,
            name: o.name.as_deref().map(|n| Name::parse("object.name", n)).transpose()?,
        }),
        None => None,
    };
    let url = optional_text("url", raw.url.as_deref(), MAX_URL_BYTES)?;
    if let Some(url) = &url
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        return Err(Error::validation("url must be an http or https URL"));
    }
    Ok(UserEvent {
        event_id: raw.event_id.as_deref().map(EventId::parse).transpose()?,
        event_type,
        event_name: required("event_name", raw.event_name.trim())?,
        event_subtype: optional_text("event_subtype", raw.event_subtype.as_deref(), MAX_LABEL_BYTES)?,
        tool_name: required("tool_name", raw.tool_name.trim())?,
        job: raw.job_id.as_deref().map(|j| Id::parse("job_id", j)).transpose()?,
        object,
        url,
        device_type: raw.device_type,
        at: crate::event::occurred_at(raw.occurred_at.as_deref(), arrival)?,
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
    fn an_event_without_an_id_is_identified_by_its_content_and_client_time_only() {
        let body = |extra: &str| {
            format!(r#"{{"events": [{{"event_type": "Sign", "event_name": "Ack", "tool_name": "Bids"{extra}}}]}}"#)
        };
        let timed = decode(body(r#", "occurred_at": "2026-12-03T13:00:00Z""#).as_bytes(), arrival()).unwrap();
        let again = decode(body(r#", "occurred_at": "2026-12-03T13:00:00Z""#).as_bytes(), arrival()).unwrap();
        assert_eq!(timed[0].content_id(), again[0].content_id());
        assert!(timed[0].content_id().is_some());
        let other = decode(body(r#", "occurred_at": "2026-12-03T13:00:01Z""#).as_bytes(), arrival()).unwrap();
        assert_ne!(timed[0].content_id(), other[0].content_id());
        assert_eq!(decode(body("").as_bytes(), arrival()).unwrap()[0].content_id(), None);
    }

    #[test]
    fn a_post_decodes_in_order_and_any_bad_event_refuses_the_whole_post() {
        let body = br#"{"events": [
            {"event_id": "ack-1", "event_type": "Sign", "event_name": "Addendum acknowledged", "tool_name": "Bid Management",
             "job_id": "job-1", "object": {"kind": "addendum", "id": "add-3", "name": "Addendum 3"}, "device_type": "tablet"},
            {"event_type": "Withdraw/Void", "event_name": "Bid withdrawn", "tool_name": "Bids", "url": "https://plans.example.com/b/7"}
        ]}"#;
        let events = decode(body, arrival()).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].event_type, EventType::Sign);
        assert_eq!(events[0].object.as_ref().map(|o| o.kind.as_str()), Some("addendum"));
        assert_eq!(events[0].device_type, Some(DeviceType::Tablet));
        assert_eq!(events[1].event_type, EventType::WithdrawVoid);
        assert_eq!(events[1].job, None);

        let ok = r#"{"event_type": "View", "event_name": "x", "tool_name": "t"}"#;
        let bad = [
            r#"{"event_type": "view", "event_name": "x", "tool_name": "t"}"#.to_owned(),
            r#"{"event_type": "View", "event_name": " ", "tool_name": "t"}"#.to_owned(),
            r#"{"event_type": "View", "event_name": "x"}"#.to_owned(),
            r#"{"event_type": "View", "event_name": "x", "tool_name": "t", "device_type": "phone"}"#.to_owned(),
            r#"{"event_type": "View", "event_name": "x", "tool_name": "t", "url": "javascript:alert(1)"}"#.to_owned(),
            r#"{"event_type": "View", "event_name": "x", "tool_name": "t", "event_id": "a b"}"#.to_owned(),
            r#"{"event_type": "View", "event_name": "x", "tool_name": "t", "colour": "red"}"#.to_owned(),
        ];
        for event in bad {
            let body = format!(r#"{{"events": [{ok}, {event}]}}"#);
            let err = decode(body.as_bytes(), arrival()).unwrap_err();
            assert!(matches!(&err, Error::Validation(m) if m.starts_with("events[1]")), "{event}: {err}");
        }
        assert!(matches!(decode(b"{", arrival()), Err(Error::BadRequest(_))));
        assert!(matches!(decode(br#"{"events": []}"#, arrival()), Err(Error::Validation(_))));
        let too_many = format!(r#"{{"events": [{}]}}"#, vec![ok; 26].join(","));
        assert!(matches!(decode(too_many.as_bytes(), arrival()), Err(Error::Validation(_))));
    }
}
