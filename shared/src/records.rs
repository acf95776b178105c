//! What the activity reads return: individual summaries (computed from records by
//! [`crate::summaries`]) and first-access records (read from their items by
//! [`crate::store::records::access_record`]). The query API and the reports both speak these.

use jiff::tz::TimeZone;
use serde::Serialize;

/// One individual's activity in one job (the Activity tab's row).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndividualSummary {
    /// Stable id (see [`crate::individual`]).
    pub individual_id: String,
    /// Display name.
    pub name: String,
    /// Normalised e-mail, when known.
    pub email: Option<String>,
    /// Company name, when known.
    pub company_name: Option<String>,
    /// `login` and/or the ids of the blasts the individual came by (for an individual only
    /// scanners touched: the blasts whose links the scanners opened).
    pub sources: Vec<String>,
    /// Distinct files viewed.
    pub files_viewed: u64,
    /// Distinct files, sections and jobs downloaded.
    pub downloads: u64,
    /// Distinct files, sections and jobs ordered.
    pub orders: u64,
    /// First human access (or first automated hit when there is no human one).
    pub first_at: Option<String>,
    /// Last human access (or last automated hit when there is no human one).
    pub last_at: Option<String>,
    /// Hits judged automated (e-mail scanners); never counted above.
    pub automated_hits: u64,
    /// `first_at` in the job's time zone, with its offset (`2026-12-03T08:15:00-06:00`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_at_local: Option<String>,
    /// `last_at` in the job's time zone, with its offset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_at_local: Option<String>,
    /// Whether any access of this individual was human.
    #[serde(skip)]
    pub human: bool,
}

/// One blast's head as its engagement reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct BlastView {
    /// The blast.
    pub blast_id: String,
    /// Its display name.
    pub name: String,
    /// When the e-mail went out, when the sender said so.
    pub sent_at: Option<String>,
    /// When the blast was registered.
    pub created_at: Option<String>,
    /// What its links open: `[{kind, id, name, action}]`.
    pub targets: serde_json::Value,
    /// The blast it reminds of, for a reminder.
    pub reminder_of: Option<String>,
}

/// One first-access record: an individual's first (and latest) access of one kind to one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessRecord {
    /// The job.
    pub job_id: String,
    /// Who.
    pub individual_id: String,
    /// Their name when it was recorded.
    pub name: String,
    /// Their e-mail.
    pub email: Option<String>,
    /// Their company.
    pub company_name: Option<String>,
    /// `view`, `download` or `order`.
    pub activity: String,
    /// The object.
    pub object: ObjectView,
    /// The object's section, if any.
    pub section: Option<SectionView>,
    /// First access.
    pub first_at: String,
    /// Latest access.
    pub last_at: String,
    /// Number of accesses.
    pub count: u64,
    /// `login` or the blast id it came by.
    pub source: String,
    /// Device label, when reported.
    pub device: Option<String>,
    /// Whether this record holds automated (scanner) hits.
    pub automated: bool,
    /// Why the hits were judged automated.
    pub automated_reason: Option<String>,
    /// How sure the judgement is: `high` or `medium` (absent on records kept from before it was).
    pub confidence: Option<String>,
    /// Every way the accesses came (`login`, a blast id, `client`), in order.
    #[serde(skip)]
    pub sources: Vec<String>,
    /// `first_at` in the job's time zone, with its offset (`2026-12-03T08:15:00-06:00`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_at_local: Option<String>,
    /// `last_at` in the job's time zone, with its offset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_at_local: Option<String>,
}

/// An object as shown in records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObjectView {
    /// `file`, `section` or `job`.
    pub kind: String,
    /// The planroom's id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A section as shown in records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionView {
    /// The planroom's id.
    pub id: String,
    /// Display name.
    pub name: String,
}

/// A blast recipient as stored with the job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientView {
    /// The recipient as an individual.
    #[serde(skip)]
    pub individual_id: String,
    /// E-mail.
    pub email: String,
    /// Display name.
    pub name: String,
    /// The blast.
    pub blast_id: String,
}

/// A stored UTC time in `zone`, with its offset; `None` when absent or unreadable.
fn local(utc: &str, zone: &TimeZone) -> Option<String> {
    utc.parse::<jiff::Timestamp>().ok().map(|ts| crate::time::local_with_offset(ts, zone))
}

impl IndividualSummary {
    /// The summary with its local times in `zone`.
    pub fn localized(mut self, zone: &TimeZone) -> Self {
        self.first_at_local = self.first_at.as_deref().and_then(|t| local(t, zone));
        self.last_at_local = self.last_at.as_deref().and_then(|t| local(t, zone));
        self
    }
}

impl AccessRecord {
    /// The record with its local times in `zone`.
    pub fn localized(mut self, zone: &TimeZone) -> Self {
        self.first_at_local = local(&self.first_at, zone);
        self.last_at_local = local(&self.last_at, zone);
        self
    }
}
