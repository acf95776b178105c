//! The rows each source of events makes: a capture (the planroom's view, download and order
//! events, repeats included; a tracked-link hit), a posted user event, and the service's own write
//! actions. Who did it comes from the verified claims (or, for a blast recipient, the blast), the
//! job's fields from the job as registered.

use jiff::Timestamp;

use super::device::DeviceType;
use super::input::UserEvent;
use super::log::LogEntry;
use super::row::{self, EventFields, JobFields, UserFields};
use super::taxonomy::EventType;
use crate::activity::Activity;
use crate::caller::{Caller, Role};
use crate::first_access::{Capture, Recorded};
use crate::ids::Id;
use crate::individual::Individual;
use crate::job::Job;

/// The tool of captured planroom events.
pub const DOCUMENTS: &str = "Documents";
/// The tool of tracked links (and blasts).
pub const BLASTS: &str = "Blasts";
/// The tool of reports.
pub const REPORTS: &str = "Reports";

impl UserFields {
    /// A logged-in user, from their verified claims.
    pub fn of_caller(caller: &Caller) -> Self {
        let profile = &caller.profile;
        UserFields {
            user_id: Some(caller.sub.clone()),
            user_email: caller.individual.email.as_ref().map(|e| e.as_str().to_owned()),
            user_login_email: profile.login_email.clone(),
            user_name: Some(caller.individual.name.to_string()).filter(|n| !n.is_empty()),
            user_role: profile.role.clone(),
            user_type: match caller.role {
                Role::Staff => "staff",
                Role::Customer => "customer",
            },
            company_name: caller.individual.company_name.as_ref().map(ToString::to_string),
            user_job_title: profile.job_title.clone(),
            user_default_permission_template: profile.permission_template.clone(),
            user_is_active: profile.active,
            user_is_authorized_bidder: profile.authorized_bidder,
            user_last_login_at: profile.last_login.clone(),
        }
    }

    /// A blast recipient, as the blast named them.
    pub fn of_recipient(individual: &Individual) -> Self {
        UserFields {
            user_id: Some(individual.id.clone()),
            user_email: individual.email.as_ref().map(|e| e.as_str().to_owned()),
            user_name: Some(individual.name.to_string()).filter(|n| !n.is_empty()),
            user_type: "contact",
            company_name: individual.company_name.as_ref().map(ToString::to_string),
            ..UserFields::default()
        }
    }
}

impl JobFields {
    /// The job `id`, with its registered fields when it is registered.
    pub fn of(id: &Id, job: Option<&Job>) -> Self {
        JobFields {
            job_id: id.to_string(),
            job_name: job.map(|j| j.name.to_string()),
            job_number: job.and_then(|j| j.number.as_ref().map(ToString::to_string)),
            job_is_demo: job.map(|j| j.is_demo),
            time_zone: job.map(|j| j.time_zone.clone()),
        }
    }
}

/// Which kind of capture made the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaptureKind {
    /// Events the planroom posted (`POST /v1/events`, `POST /v1/contact-events`).
    Events,
    /// A tracked-link hit.
    LinkHit,
}

/// A fresh event id for an event the client gave none.
pub fn new_event_id() -> String {
    super::log::new_key()
}

/// The client's id of event `i` of a capture, else `key` (its generated one).
fn shown_id(capture: &Capture<'_>, i: usize, key: &str) -> String {
    capture.events[i].event_id.as_ref().map_or_else(|| key.to_owned(), |id| id.as_str().to_owned())
}

/// The log entry of event `i` of `capture`, stored under `key`, having answered `result` (a
/// tracked-link hit has none yet: the judge records it). `job` is the event's job as registered.
#[allow(clippy::too_many_arguments)]
pub fn capture_entry(
    kind: CaptureKind,
    capture: &Capture<'_>,
    i: usize,
    key: &str,
    result: Option<&Recorded>,
    user: &UserFields,
    user_agent: Option<&str>,
    job: &JobFields,
    arrived_at: Timestamp,
) -> LogEntry {
    let event = &capture.events[i];
    let said = event
        .device
        .as_deref()
        .and_then(|d| serde_json::from_value::<DeviceType>(serde_json::Value::from(d.to_lowercase())).ok());
    let noun = event.object.kind.as_str();
    let (event_type, event_name, subtype, tool) = match kind {
        CaptureKind::Events => (
            EventType::of_activity(event.activity),
            format!("{} {noun}", past(event.activity)),
            noun.to_owned(),
            DOCUMENTS,
        ),
        CaptureKind::LinkHit => {
            (EventType::View, "Followed tracked link".to_owned(), event.activity.as_str().to_owned(), BLASTS)
        }
    };
    let fields = EventFields {
        event_id: shown_id(capture, i, key),
        at: event.at,
        event_type,
        event_name,
        event_subtype: Some(subtype),
        tool_name: tool.to_owned(),
        object: Some((
            noun.to_owned(),
            event.object.id.to_string(),
            Some(event.object.name.to_string()).filter(|n| !n.is_empty()),
        )),
        url: event.url.clone(),
        device_type: DeviceType::of(said, user_agent),
        source: capture.source.as_stored(),
        automated_reason: capture.judgement.automated.clone(),
    };
    LogEntry {
        row: row::build(&fields, user, Some(job)),
        owner: capture.individual.id.clone(),
        key: key.to_owned(),
        arrived_at,
        result: result.cloned(),
        hit: None,
        landing_of: None,
    }
}

/// The log entry of a tracked link's landing page shown, event `i` of the recipient's `capture`
/// (a view of the link's own target through the session the link handed out): not a second view,
/// the evidence that a person followed the link `hit` (its row's sort key). Stored under `key`.
#[allow(clippy::too_many_arguments)]
pub fn landing_entry(
    capture: &Capture<'_>,
    i: usize,
    key: &str,
    hit: &str,
    user: &UserFields,
    user_agent: Option<&str>,
    job: &JobFields,
    arrived_at: Timestamp,
) -> LogEntry {
    let mut entry = capture_entry(CaptureKind::Events, capture, i, key, None, user, user_agent, job, arrived_at);
    let fields = [
        ("event_type", EventType::Validate.as_str()),
        ("event_name", "Tracked link confirmed by its landing page"),
        ("tool_name", BLASTS),
    ];
    for (name, value) in fields {
        entry.row.insert(name.to_owned(), serde_json::Value::from(value));
    }
    entry.landing_of = Some(hit.to_owned());
    entry
}

fn past(activity: Activity) -> &'static str {
    match activity {
        Activity::View => "Viewed",
        Activity::Download => "Downloaded",
        Activity::Order => "Ordered prints of",
    }
}

/// The source of rows a client posted (`POST /v1/user-activity`): the client says what happened,
/// the service did not see it.
pub const CLIENT: &str = "client";

/// The log entry of an event posted to `POST /v1/user-activity` by `user` (owner `owner`), stored
/// under `key` with the dataset id `event_id`, at `at`.
#[allow(clippy::too_many_arguments)]
pub fn user_event_entry(
    event: &UserEvent,
    event_id: &str,
    key: &str,
    owner: &str,
    user: &UserFields,
    user_agent: Option<&str>,
    job: Option<&JobFields>,
    arrived_at: Timestamp,
) -> LogEntry {
    let fields = EventFields {
        event_id: event_id.to_owned(),
        at: event.at,
        event_type: event.event_type,
        event_name: event.event_name.clone(),
        event_subtype: event.event_subtype.clone(),
        tool_name: event.tool_name.clone(),
        object: event
            .object
            .as_ref()
            .map(|o| (o.kind.clone(), o.id.to_string(), o.name.as_ref().map(ToString::to_string))),
        url: event.url.clone(),
        device_type: DeviceType::of(event.device_type, user_agent),
        source: CLIENT.into(),
        automated_reason: None,
    };
    LogEntry {
        row: row::build(&fields, user, job),
        owner: owner.to_owned(),
        key: key.to_owned(),
        arrived_at,
        result: None,
        hit: None,
        landing_of: None,
    }
}

/// One of the service's own write actions, done by a logged-in user.
#[derive(Debug, Clone)]
pub struct Action<'a> {
    /// Its category.
    pub event_type: EventType,
    /// What happened ("Job registered").
    pub event_name: &'a str,
    /// A finer kind, if any.
    pub event_subtype: Option<&'a str>,
    /// Which tool.
    pub tool_name: &'a str,
    /// What it was done to: kind, id, name.
    pub object: Option<(&'a str, &'a str, Option<&'a str>)>,
}

/// The log entry of `action` by `caller` at `at` (in `job`, if it is about one).
pub fn action_entry(
    action: &Action<'_>,
    caller: &Caller,
    at: Timestamp,
    user_agent: Option<&str>,
    job: Option<&JobFields>,
) -> LogEntry {
    let key = new_event_id();
    let fields = EventFields {
        event_id: key.clone(),
        at,
        event_type: action.event_type,
        event_name: action.event_name.to_owned(),
        event_subtype: action.event_subtype.map(str::to_owned),
        tool_name: action.tool_name.to_owned(),
        object: action.object.map(|(k, i, n)| (k.to_owned(), i.to_owned(), n.map(str::to_owned))),
        url: None,
        device_type: DeviceType::of(None, user_agent),
        source: "login".into(),
        automated_reason: None,
    };
    LogEntry {
        row: row::build(&fields, &UserFields::of_caller(caller), job),
        owner: caller.sub.clone(),
        key,
        arrived_at: at,
        result: None,
        hit: None,
        landing_of: None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::Value;

    use super::*;
    use crate::config::ClaimNames;
    use crate::event::decode_batch;
    use crate::first_access::Source;
    use crate::judgement::{Confidence, Judgement};

    fn caller() -> Caller {
        let claims: HashMap<String, String> = [
            ("sub", "u-1"),
            ("planroom_id", "p-1"),
            ("role", "customer"),
            ("email", "Zoe@Bidder.test"),
            ("name", "Zoe Ng"),
            ("company_name", "Bidder Co"),
            ("job_title", "Estimator"),
            ("authorized_bidder", "true"),
            ("active", "maybe"),
            ("login_email", "ZOE@login.test"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Caller::from_claims(&claims, &ClaimNames::default()).unwrap()
    }

    #[test]
    fn a_callers_row_takes_its_user_from_the_claims_and_null_for_what_they_lack() {
        let user = UserFields::of_caller(&caller());
        assert_eq!(user.user_type, "customer");
        assert_eq!(user.user_email.as_deref(), Some("zoe@bidder.test"));
        assert_eq!(user.user_login_email.as_deref(), Some("zoe@login.test"));
        assert_eq!(user.user_job_title.as_deref(), Some("Estimator"));
        assert_eq!(user.user_is_authorized_bidder, Some(true));
        assert_eq!(user.user_is_active, None, "neither true nor false");
        assert_eq!(user.user_default_permission_template, None);
        let action = Action {
            event_type: EventType::CreateUpdate,
            event_name: "Job registered",
            event_subtype: None,
            tool_name: "Jobs",
            object: Some(("job", "j-1", Some("Elm"))),
        };
        let at = "2026-11-26T10:00:00Z".parse().unwrap();
        let entry = action_entry(&action, &caller(), at, Some("curl/8.5"), None);
        assert_eq!(
            (&entry.row["event_type"], &entry.row["device_type"], &entry.row["is_api"]),
            (&"Create/Update".into(), &"api".into(), &Value::Bool(true))
        );
        assert_eq!(entry.row["user_role"], "customer");
        assert_eq!(entry.owner, "u-1");
    }

    #[test]
    fn a_captured_event_is_one_entry_at_its_own_time_with_what_it_answered() {
        let arrival: Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
        let events = decode_batch(
            br#"[{"event_id":"e1","job_id":"j1","activity":"order","object":{"kind":"file","id":"f1","name":"A.pdf"},"device":"Tablet","occurred_at":"2026-11-26T08:00:00Z"},
                 {"job_id":"j1","activity":"view","object":{"kind":"file","id":"f1"}}]"#,
            arrival,
        )
        .unwrap();
        let planroom = Id::parse("p", "p-1").unwrap();
        let recipient = caller().individual;
        let source = Source::Blast(Id::parse("b", "b-7").unwrap());
        let judgement = Judgement::automated("prefetch", Confidence::High);
        let capture = Capture {
            planroom: &planroom,
            individual: &recipient,
            source: &source,
            judgement: &judgement,
            events: &events,
        };
        let job = JobFields::of(&Id::parse("j", "j1").unwrap(), None);
        let user = UserFields::of_recipient(&recipient);
        let result = Recorded {
            first: true,
            first_at: "2026-11-26T08:00:00.000Z".into(),
            count: 1,
            taken_as: judgement.taken_as(),
            automated_reason: judgement.automated.clone(),
            landing: false,
        };
        let first = capture_entry(CaptureKind::Events, &capture, 0, "k0", Some(&result), &user, None, &job, arrival);
        assert_eq!(first.row["event_id"], "e1");
        assert_eq!(first.time(), "2026-11-26T08:00:00.000Z", "the client's time");
        assert_eq!(first.row["event_type"], "Submit");
        assert_eq!(first.row["device_type"], "tablet");
        assert_eq!((&first.row["source"], &first.row["automated"]), (&"blast:b-7".into(), &Value::Bool(true)));
        assert_eq!(first.row["automated_reason"], "prefetch");
        assert_eq!(first.row["user_type"], "contact");
        assert_eq!((first.owner.as_str(), first.arrived_at), (recipient.id.as_str(), arrival));
        assert_eq!(first.result, Some(result));
        let second = capture_entry(CaptureKind::Events, &capture, 1, "k1", None, &user, None, &job, arrival);
        assert_eq!(second.row["event_id"], "k1", "a generated id is its key");
        let hit = capture_entry(CaptureKind::LinkHit, &capture, 1, "k2", None, &user, None, &job, arrival);
        assert_eq!(
            (&hit.row["event_type"], &hit.row["tool_name"], &hit.row["event_subtype"]),
            (&"View".into(), &"Blasts".into(), &"view".into())
        );
        let landing = landing_entry(&capture, 1, "k3", "2026-11-26T09:59:59.000Z#hit", &user, None, &job, arrival);
        assert_eq!((&landing.row["event_type"], &landing.row["tool_name"]), (&"Validate".into(), &"Blasts".into()));
        assert_eq!(landing.landing_of.as_deref(), Some("2026-11-26T09:59:59.000Z#hit"));
    }
}
