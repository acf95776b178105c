//! The rows each source of events makes: a capture (the planroom's view, download and order
//! events, repeats included; a tracked-link hit), a posted user event, and the service's own write
//! actions. Who did it comes from the verified claims (or, for a blast recipient, the blast), the
//! job's fields from the job as registered.

use jiff::Timestamp;

use super::device::DeviceType;
use super::input::UserEvent;
use super::row::{self, EventFields, JobFields, UserFields};
use super::select::Row;
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
    uuid::Uuid::new_v4().simple().to_string()
}

/// One row per event of `capture`, repeats included. `results` are what the capture answered:
/// an event applied before (a retry) keeps the time it was first applied, so its row has the key
/// it had and is stored once; an event whose id another individual used first (its time empty)
/// has no row. `jobs` gives each event's job fields.
pub fn capture_rows(
    kind: CaptureKind,
    capture: &Capture<'_>,
    results: &[Recorded],
    user: &UserFields,
    user_agent: Option<&str>,
    jobs: &dyn Fn(&Id) -> JobFields,
) -> Vec<Row> {
    capture
        .events
        .iter()
        .zip(results)
        .filter_map(|(event, result)| {
            // An empty time: the id was first used by someone else, whose row is not this one's.
            let at = result.at.parse::<Timestamp>().ok()?;
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
                event_id: event.event_id.as_ref().map_or_else(new_event_id, |id| id.as_str().to_owned()),
                at,
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
                automated_reason: capture.automated.map(str::to_owned),
            };
            Some(row::build(&fields, user, Some(&jobs(&event.job))))
        })
        .collect()
}

fn past(activity: Activity) -> &'static str {
    match activity {
        Activity::View => "Viewed",
        Activity::Download => "Downloaded",
        Activity::Order => "Ordered prints of",
    }
}

/// The row of an event posted to `POST /v1/user-activity`, stored under `event_id` at `at`.
pub fn user_event_row(
    event: &UserEvent,
    event_id: &str,
    at: Timestamp,
    user: &UserFields,
    user_agent: Option<&str>,
    job: Option<&JobFields>,
) -> Row {
    let fields = EventFields {
        event_id: event_id.to_owned(),
        at,
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
        source: "login".into(),
        automated_reason: None,
    };
    row::build(&fields, user, job)
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

/// The row of `action` by `caller` at `at` (in `job`, if it is about one).
pub fn action_row(
    action: &Action<'_>,
    caller: &Caller,
    at: Timestamp,
    user_agent: Option<&str>,
    job: Option<&JobFields>,
) -> Row {
    let fields = EventFields {
        event_id: new_event_id(),
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
    row::build(&fields, &UserFields::of_caller(caller), job)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde_json::Value;

    use super::*;
    use crate::config::ClaimNames;
    use crate::event::decode_batch;
    use crate::first_access::Source;

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
        let row = action_row(&action, &caller(), at, Some("curl/8.5"), None);
        assert_eq!(
            (&row["event_type"], &row["device_type"], &row["is_api"]),
            (&"Create/Update".into(), &"api".into(), &Value::Bool(true))
        );
        assert_eq!(row["user_role"], "customer");
    }

    #[test]
    fn a_capture_makes_one_row_per_event_and_a_retry_keeps_its_first_time() {
        let events = decode_batch(
            br#"[{"event_id":"e1","job_id":"j1","activity":"order","object":{"kind":"file","id":"f1","name":"A.pdf"},"device":"Tablet"},
                 {"job_id":"j1","activity":"view","object":{"kind":"file","id":"f1"}}]"#,
        )
        .unwrap();
        let planroom = Id::parse("p", "p-1").unwrap();
        let recipient = caller().individual;
        let source = Source::Blast(Id::parse("b", "b-7").unwrap());
        let capture = Capture {
            planroom: &planroom,
            individual: &recipient,
            source: &source,
            automated: Some("prefetch"),
            at: "2026-11-26T10:00:00.000Z",
            events: &events,
        };
        let results = vec![
            Recorded { at: "2026-11-20T08:00:00.000Z".into(), ..Recorded::default() },
            Recorded { at: "2026-11-26T10:00:00.000Z".into(), ..Recorded::default() },
        ];
        let jobs = |id: &Id| JobFields::of(id, None);
        let rows =
            capture_rows(CaptureKind::Events, &capture, &results, &UserFields::of_recipient(&recipient), None, &jobs);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["event_id"], "e1");
        assert_eq!(rows[0]["event_timestamp"], "2026-11-20T08:00:00.000Z", "the first application's time");
        assert_eq!(rows[0]["event_type"], "Submit");
        assert_eq!(rows[0]["device_type"], "tablet");
        assert_eq!((&rows[0]["source"], &rows[0]["automated"]), (&"blast:b-7".into(), &Value::Bool(true)));
        assert_eq!(rows[0]["automated_reason"], "prefetch");
        assert_eq!(rows[0]["user_type"], "contact");
        assert_eq!(rows[1]["event_type"], "View");
        assert_eq!(rows[1]["event_id"].as_str().map(str::len), Some(32), "a generated id");
        let hit = capture_rows(CaptureKind::LinkHit, &capture, &results[1..], &UserFields::default(), None, &jobs);
        assert_eq!(
            (&hit[0]["event_type"], &hit[0]["tool_name"], &hit[0]["event_subtype"]),
            (&"View".into(), &"Blasts".into(), &"order".into())
        );
    }
}
