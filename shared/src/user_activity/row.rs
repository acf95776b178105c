//! A row from what the service knows at the moment of an event: the event itself, who did it (from
//! verified claims, or the blast for a recipient) and the job (as registered).

use jiff::Timestamp;
use serde_json::Value;

use super::device::DeviceType;
use super::select::Row;
use super::taxonomy::EventType;
use crate::time;

/// Who did it; a missing value is `null` in the row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserFields {
    /// The claims' subject, or the recipient's individual id.
    pub user_id: Option<String>,
    /// Their e-mail, lower-cased.
    pub user_email: Option<String>,
    /// The e-mail they log in with, when it differs.
    pub user_login_email: Option<String>,
    /// Their name.
    pub user_name: Option<String>,
    /// Their role claim.
    pub user_role: Option<String>,
    /// `staff`, `customer` or `contact`.
    pub user_type: &'static str,
    /// Their company (the claims', or the blast's for a recipient).
    pub company_name: Option<String>,
    /// Job title.
    pub user_job_title: Option<String>,
    /// Default permission template.
    pub user_default_permission_template: Option<String>,
    /// Whether the account is active.
    pub user_is_active: Option<bool>,
    /// Whether they are an authorized bidder.
    pub user_is_authorized_bidder: Option<bool>,
    /// Their last login.
    pub user_last_login_at: Option<String>,
}

/// The job of the event, as registered.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobFields {
    /// Its id.
    pub job_id: String,
    /// Its name.
    pub job_name: Option<String>,
    /// Its number.
    pub job_number: Option<String>,
    /// Whether it is a demo job.
    pub job_is_demo: Option<bool>,
    /// Its IANA time zone (the day of `event_date`).
    pub time_zone: Option<String>,
}

/// The event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventFields {
    /// Its id.
    pub event_id: String,
    /// When it happened.
    pub at: Timestamp,
    /// Its category.
    pub event_type: EventType,
    /// What happened.
    pub event_name: String,
    /// A finer kind.
    pub event_subtype: Option<String>,
    /// Which tool.
    pub tool_name: String,
    /// What it was done to: kind, id, name.
    pub object: Option<(String, String, Option<String>)>,
    /// Where.
    pub url: Option<String>,
    /// The device.
    pub device_type: DeviceType,
    /// `login`, `blast:{id}` or `api`.
    pub source: String,
    /// Why it was judged automated (an e-mail scanner), if it was.
    pub automated_reason: Option<String>,
}

/// The row of `event` by `user` in `job` (none for planroom-wide events), every field present.
pub fn build(event: &EventFields, user: &UserFields, job: Option<&JobFields>) -> Row {
    let zone = job.and_then(|j| j.time_zone.as_deref()).and_then(time::zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
    let flag = |v: Option<bool>| v.map_or(Value::Null, Value::from);
    let (object_kind, object_id, object_name) = match &event.object {
        Some((kind, id, name)) => (Value::from(kind.clone()), Value::from(id.clone()), text(name)),
        None => (Value::Null, Value::Null, Value::Null),
    };
    let fields: [(&str, Value); 33] = [
        ("event_id", Value::from(event.event_id.clone())),
        ("event_timestamp", Value::from(time::format(event.at))),
        ("event_date", Value::from(event.at.to_zoned_datetime(zone).date().to_string())),
        ("event_type", Value::from(event.event_type.as_str())),
        ("event_name", Value::from(event.event_name.clone())),
        ("event_subtype", text(&event.event_subtype)),
        ("tool_name", Value::from(event.tool_name.clone())),
        ("count", Value::from(1)),
        ("object_kind", object_kind),
        ("object_id", object_id),
        ("object_name", object_name),
        ("url", text(&event.url)),
        ("device_type", Value::from(event.device_type.as_str())),
        ("is_api", Value::from(event.device_type.is_api())),
        ("company_name", text(&user.company_name)),
        ("job_id", job.map_or(Value::Null, |j| Value::from(j.job_id.clone()))),
        ("job_name", job.map_or(Value::Null, |j| text(&j.job_name))),
        ("job_number", job.map_or(Value::Null, |j| text(&j.job_number))),
        ("job_is_demo", job.map_or(Value::Null, |j| flag(j.job_is_demo))),
        ("user_id", text(&user.user_id)),
        ("user_email", text(&user.user_email.as_ref().map(|e| e.to_lowercase()))),
        ("user_login_email", text(&user.user_login_email.as_ref().map(|e| e.to_lowercase()))),
        ("user_name", text(&user.user_name)),
        ("user_role", text(&user.user_role)),
        ("user_type", Value::from(user.user_type)),
        ("user_job_title", text(&user.user_job_title)),
        ("user_default_permission_template", text(&user.user_default_permission_template)),
        ("user_is_active", flag(user.user_is_active)),
        ("user_is_authorized_bidder", flag(user.user_is_authorized_bidder)),
        ("user_last_login_at", text(&user.user_last_login_at)),
        ("source", Value::from(event.source.clone())),
        ("automated", Value::from(event.automated_reason.is_some())),
        ("automated_reason", text(&event.automated_reason)),
    ];
    fields.into_iter().map(|(name, value)| (name.to_owned(), value)).collect()
}

#[cfg(test)]
mod tests {
    use super::super::FIELDS;
    use super::*;

    #[test]
    fn a_row_has_every_field_its_day_in_the_jobs_zone_and_null_for_what_is_unknown() {
        let event = EventFields {
            event_id: "ev-1".into(),
            at: "2026-11-26T03:30:00.123Z".parse().unwrap(),
            event_type: EventType::View,
            event_name: "File viewed".into(),
            event_subtype: None,
            tool_name: "Documents".into(),
            object: Some(("file".into(), "add-3".into(), Some("Addendum 3.pdf".into()))),
            url: None,
            device_type: DeviceType::Mobile,
            source: "blast:b-1".into(),
            automated_reason: None,
        };
        let user = UserFields {
            user_id: Some("ind-1".into()),
            user_email: Some("Zoe@Bidder.test".into()),
            user_type: "contact",
            ..UserFields::default()
        };
        let job = JobFields {
            job_id: "job-1".into(),
            job_name: Some("Elm Street School".into()),
            time_zone: Some("America/Chicago".into()),
            job_is_demo: Some(false),
            ..JobFields::default()
        };
        let row = build(&event, &user, Some(&job));
        assert_eq!(row.keys().len(), 33);
        assert!(FIELDS.iter().all(|f| row.contains_key(*f)));
        assert_eq!(row["event_timestamp"], "2026-11-26T03:30:00.123Z");
        assert_eq!(row["event_date"], "2026-11-25", "21:30 the day before in Chicago");
        assert_eq!(row["user_email"], "zoe@bidder.test");
        assert_eq!(
            (&row["is_api"], &row["automated"], &row["count"]),
            (&Value::from(false), &Value::from(false), &Value::from(1))
        );
        assert_eq!(row["user_job_title"], Value::Null);
        let planroom_wide = build(&event, &user, None);
        assert_eq!(planroom_wide["event_date"], "2026-11-26", "UTC without a job");
        assert_eq!(planroom_wide["job_id"], Value::Null);
    }
}
