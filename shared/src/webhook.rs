//! Webhooks as the Standard Webhooks 1.0 specification has them: endpoints a planroom registers,
//! the events it subscribes to, `whsec_` secrets, signatures (`v1,` + base64 of HMAC-SHA256 over
//! `{id}.{timestamp}.{body}`; during a rotation one per secret, space-separated), stable message
//! ids receivers deduplicate on, and the retry schedule.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ids::Id;
use crate::{Error, Result};

/// What a planroom can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum EventKind {
    /// A bidder's first human access of a file was recorded.
    #[serde(rename = "access.first")]
    AccessFirst,
    /// A job's bids are due soon and bidders are missing files.
    #[serde(rename = "coverage.missing")]
    CoverageMissing,
}

impl EventKind {
    /// The wire and stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::AccessFirst => "access.first",
            EventKind::CoverageMissing => "coverage.missing",
        }
    }

    /// Parses the wire and stored form.
    pub fn parse(text: &str) -> Option<Self> {
        [EventKind::AccessFirst, EventKind::CoverageMissing].into_iter().find(|k| k.as_str() == text)
    }
}

/// Most endpoints one planroom may register.
pub const MAX_ENDPOINTS: usize = 20;
/// Longest endpoint URL.
pub const MAX_URL_BYTES: usize = 2048;

/// The body of `POST /v1/webhooks`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointInput {
    url: String,
    events: Vec<String>,
    job_id: Option<String>,
    description: Option<String>,
}

/// A validated endpoint registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEndpoint {
    /// Where deliveries go.
    pub url: String,
    /// What it gets.
    pub events: Vec<EventKind>,
    /// Only this job's events, when given.
    pub job: Option<Id>,
    /// The planroom's own words for it.
    pub description: Option<String>,
}

impl EndpointInput {
    /// Validates the body: an `https` URL (or, with `allow_http`, a loopback `http` one, for the
    /// local stack), known events, at least one.
    pub fn validate(self, allow_http: bool) -> Result<NewEndpoint> {
        let url = endpoint_url(&self.url, allow_http)?;
        if self.events.is_empty() {
            return Err(Error::validation("events must name at least one of access.first, coverage.missing"));
        }
        let mut events = Vec::new();
        for event in &self.events {
            let kind = EventKind::parse(event).ok_or_else(|| {
                Error::validation(format!("unknown event {event:?}: access.first or coverage.missing"))
            })?;
            if events.contains(&kind) {
                return Err(Error::validation(format!("events names {event:?} twice")));
            }
            events.push(kind);
        }
        events.sort();
        let description = match self.description {
            Some(text) => Some(crate::ids::Name::parse("description", &text)?.as_str().to_owned()),
            None => None,
        };
        Ok(NewEndpoint {
            url,
            events,
            job: self.job_id.as_deref().map(|j| Id::parse("job_id", j)).transpose()?,
            description,
        })
    }
}

/// An endpoint URL: absolute `https` with a host and no credentials; `http` only to a loopback
/// host and only when `allow_http` (the dev server's receivers).
pub fn endpoint_url(text: &str, allow_http: bool) -> Result<String> {
    let invalid = |why: &str| Error::validation(format!("url {why}"));
    if text.len() > MAX_URL_BYTES || text.chars().any(char::is_control) {
        return Err(invalid("must be at most 2048 bytes without control characters"));
    }
    let (scheme, rest) = text.split_once("://").ok_or_else(|| invalid("must be an absolute https URL"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(invalid("must not carry credentials"));
    }
    // The host without its port (an IPv6 literal keeps its brackets).
    let host = if authority.starts_with('[') {
        authority.split_inclusive(']').next().unwrap_or_default()
    } else {
        authority.split(':').next().unwrap_or_default()
    };
    if host.is_empty() || host.contains(' ') {
        return Err(invalid("must name a host"));
    }
    let loopback = matches!(host, "127.0.0.1" | "localhost" | "[::1]");
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(text.to_owned()),
        "http" if allow_http && loopback => Ok(text.to_owned()),
        _ => Err(invalid("must be https")),
    }
}

/// A new secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut bytes = Vec::with_capacity(32);
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes.extend_from_slice(uuid::Uuid::new_v4().as_bytes());
    format!("whsec_{}", STANDARD.encode(bytes))
}

/// The signature of one delivery attempt with `secret` (`v1,` + base64 of HMAC-SHA256 over
/// `{id}.{timestamp}.{body}`); `None` when the secret is not one of ours.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD.decode(secret.strip_prefix("whsec_")?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header: one signature per secret in use, space-separated.
pub fn signature_header(secrets: &[&str], id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets.iter().filter_map(|s| signature(s, id, timestamp, body)).collect::<Vec<_>>().join(" ")
}

/// A message id that is the same for the same event to the same endpoint, however often the
/// event is seen (stream replays): what receivers deduplicate on.
pub fn message_id(webhook_id: &str, event_key: &str) -> String {
    let digest = Sha256::digest(format!("{webhook_id}\0{event_key}").as_bytes());
    format!("msg_{}", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// Seconds to wait before each attempt after the first (the specification's example schedule):
/// 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: the last attempt is 27 h 35 min after the first.
pub const RETRY_SECONDS: [u64; 7] = [5, 300, 1800, 7200, 18000, 36000, 36000];

/// The wait before the next attempt, after `attempts` failed ones, by `schedule`; `None`: give up.
pub fn next_delay(attempts: usize, schedule: &[u64]) -> Option<u64> {
    attempts.checked_sub(1).and_then(|i| schedule.get(i)).copied()
}

/// Parses a retry schedule (`WEBHOOK_RETRY_SECONDS`, comma-separated seconds).
pub fn parse_schedule(text: &str) -> Option<Vec<u64>> {
    let schedule: Option<Vec<u64>> = text.split(',').map(|s| s.trim().parse().ok()).collect();
    schedule.filter(|s| !s.is_empty() && s.iter().all(|d| *d <= 43_200))
}

/// Hours before `bid_due_at` the `coverage.missing` alert fires, unless the job says otherwise.
pub const DEFAULT_ALERT_LEAD_HOURS: u16 = 48;

/// When a job's `coverage.missing` alert fires: `lead_hours` before bids are due, or in a few
/// seconds when that is past already; `None` once bids are due.
pub fn alert_at(bid_due_at: jiff::Timestamp, lead_hours: u16, now: jiff::Timestamp) -> Option<jiff::Timestamp> {
    if bid_due_at <= now {
        return None;
    }
    let at = bid_due_at - jiff::SignedDuration::from_hours(i64::from(lead_hours));
    Some(at.max(now + jiff::SignedDuration::from_secs(2)))
}

/// The JSON body of a delivery: `{type, timestamp, data}`.
pub fn payload(kind: EventKind, timestamp: &str, data: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "type": kind.as_str(), "timestamp": timestamp, "data": data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_specifications_example() {
        // The Standard Webhooks specification's published test vector.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        let sig = signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        let both = signature_header(&[secret, &new_secret()], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body);
        assert!(both.starts_with(&sig) && both.split(' ').count() == 2);
        assert_eq!(signature("nope", "m", 1, b""), None);
    }

    #[test]
    fn secrets_are_32_random_bytes_and_message_ids_are_stable() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert_eq!(STANDARD.decode(a.strip_prefix("whsec_").unwrap()).unwrap().len(), 32);
        assert_eq!(message_id("w1", "e1"), message_id("w1", "e1"));
        assert_ne!(message_id("w1", "e1"), message_id("w2", "e1"));
    }

    #[test]
    fn endpoints_are_https_without_credentials() {
        assert!(endpoint_url("https://hooks.example.com/x?y=1", false).is_ok());
        for bad in ["http://hooks.example.com", "ftp://x", "https://user:pw@x.com", "x.com", "https:///path"] {
            assert!(endpoint_url(bad, false).is_err(), "{bad}");
        }
        assert!(endpoint_url("http://127.0.0.1:8080/hook", true).is_ok());
        assert!(endpoint_url("http://127.0.0.1:8080/hook", false).is_err());
        assert!(endpoint_url("http://10.0.0.1/hook", true).is_err(), "only loopback over http");
    }

    #[test]
    fn retries_last_more_than_a_day_then_stop() {
        let total: u64 = RETRY_SECONDS.iter().sum();
        assert!(total >= 24 * 3600, "{total}");
        assert_eq!(next_delay(1, &RETRY_SECONDS), Some(5));
        assert_eq!(next_delay(RETRY_SECONDS.len() + 1, &RETRY_SECONDS), None);
        assert_eq!(parse_schedule("1, 2,3"), Some(vec![1, 2, 3]));
        assert_eq!(parse_schedule("1,x"), None);
    }

    #[test]
    fn the_alert_fires_its_lead_before_bids_are_due_and_never_after() {
        let now: jiff::Timestamp = "2026-12-04T12:00:00Z".parse().unwrap();
        let due: jiff::Timestamp = "2026-12-10T20:00:00Z".parse().unwrap();
        assert_eq!(alert_at(due, 48, now), Some("2026-12-08T20:00:00Z".parse().unwrap()));
        let soon: jiff::Timestamp = "2026-12-05T00:00:00Z".parse().unwrap();
        assert_eq!(alert_at(soon, 48, now), Some("2026-12-04T12:00:02Z".parse().unwrap()), "past its lead: now");
        assert_eq!(alert_at(now, 48, now), None);
    }

    #[test]
    fn registrations_name_known_events() {
        let input = |json: &str| serde_json::from_str::<EndpointInput>(json).unwrap().validate(false);
        let ok = input(r#"{"url":"https://x.com/h","events":["coverage.missing","access.first"]}"#);
        assert_eq!(ok.unwrap().events, [EventKind::AccessFirst, EventKind::CoverageMissing]);
        assert!(input(r#"{"url":"https://x.com/h","events":["access.first","access.first"]}"#).is_err());
        assert!(input(r#"{"url":"https://x.com/h","events":[]}"#).is_err());
        assert!(input(r#"{"url":"https://x.com/h","events":["access.all"]}"#).is_err());
    }
}
