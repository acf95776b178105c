//! Jobs as the planroom registers them: the metadata that drives customer visibility and reports.

use serde::{Deserialize, Serialize};

use crate::ids::{Id, Name};
use crate::{Error, Result};

/// A registered job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    /// The planroom's id for the job.
    pub job_id: Id,
    /// Display name.
    pub name: Name,
    /// The planroom's job number.
    pub number: Option<Name>,
    /// The customer company the job is assigned to.
    pub company_id: Option<Id>,
    /// That company's name.
    pub company_name: Option<Name>,
    /// IANA time zone for reports.
    pub time_zone: String,
    /// Whether this is a demo job.
    pub is_demo: bool,
    /// When bids are due (stored form, UTC), when the planroom says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bid_due_at: Option<String>,
    /// Hours before `bid_due_at` the `coverage.missing` alert fires (default 48).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage_alert_hours: Option<u16>,
    /// When the job was first registered (stored form); set by storage, `None` for a job being
    /// registered and for jobs registered before it was kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// The body of `PUT /v1/jobs/{job_id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobInput {
    name: String,
    number: Option<String>,
    company_id: Option<String>,
    company_name: Option<String>,
    time_zone: Option<String>,
    #[serde(default)]
    is_demo: bool,
    bid_due_at: Option<String>,
    coverage_alert_hours: Option<u16>,
}

impl JobInput {
    /// Validates the body into the job `job_id`.
    pub fn validate(self, job_id: Id) -> Result<Job> {
        let time_zone = self.time_zone.unwrap_or_else(|| "UTC".into());
        crate::time::zone(&time_zone)
            .ok_or_else(|| Error::validation(format!("time_zone {time_zone:?} is not an IANA time zone")))?;
        let name = Name::parse("name", &self.name)?;
        if name.as_str().is_empty() {
            return Err(Error::validation("name must not be empty"));
        }
        Ok(Job {
            job_id,
            name,
            number: self.number.as_deref().map(|n| Name::parse("number", n)).transpose()?,
            company_id: self.company_id.as_deref().map(|c| Id::parse("company_id", c)).transpose()?,
            company_name: self.company_name.as_deref().map(|c| Name::parse("company_name", c)).transpose()?,
            time_zone,
            is_demo: self.is_demo,
            bid_due_at: self
                .bid_due_at
                .as_deref()
                .map(|text| {
                    text.parse::<jiff::Timestamp>()
                        .map(crate::time::format)
                        .map_err(|_| Error::validation("bid_due_at must be an RFC 3339 instant with its offset"))
                })
                .transpose()?,
            coverage_alert_hours: match self.coverage_alert_hours {
                Some(hours @ 1..=720) => Some(hours),
                Some(_) => return Err(Error::validation("coverage_alert_hours must be 1 to 720")),
                None => None,
            },
            created_at: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> Result<Job> {
        let input: JobInput = serde_json::from_str(json).map_err(|e| Error::validation(e.to_string()))?;
        input.validate(Id::parse("job_id", "j1").unwrap())
    }

    #[test]
    fn validates_time_zone_and_name() {
        let job = input(r#"{"name":"School","company_id":"acme","time_zone":"America/Chicago"}"#).unwrap();
        assert_eq!(job.time_zone, "America/Chicago");
        assert_eq!(input(r#"{"name":"School"}"#).unwrap().time_zone, "UTC");
        assert!(input(r#"{"name":"School","time_zone":"Mars/Olympus"}"#).is_err());
        assert!(input(r#"{"name":""}"#).is_err());
        assert!(input(r#"{"name":"x","owner":"me"}"#).is_err());
        let due = input(r#"{"name":"x","bid_due_at":"2026-12-10T14:00:00-06:00"}"#).unwrap();
        assert_eq!(due.bid_due_at.as_deref(), Some("2026-12-10T20:00:00.000Z"));
        assert!(input(r#"{"name":"x","bid_due_at":"2026-12-10"}"#).is_err());
        assert!(input(r#"{"name":"x","bid_due_at":"next week"}"#).is_err());
    }
}
