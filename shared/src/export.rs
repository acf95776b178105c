//! Report exports: what a caller asks for, and the life of an export
//! (`pending` → `running` → `ready` | `failed`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::coverage::RowsBy;
use crate::ids::Id;
use crate::{Error, Result};

/// File format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// RFC 4180 CSV, UTF-8.
    Csv,
    /// A printable PDF.
    Pdf,
    /// JSON (the distribution certificate's data).
    Json,
}

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Report {
    /// One line per individual with counts, first and last access.
    Summary,
    /// Every individual with their first accesses.
    Detailed,
    /// One individual's first accesses.
    Individual,
    /// The job's bidders by its documents ([`crate::coverage`]).
    Coverage,
    /// A blast's certificate of distribution ([`crate::distribution`]).
    Distribution,
}

/// Where an export is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Stored, waiting for the worker.
    Pending,
    /// The worker is generating it.
    Running,
    /// Uploaded; downloadable by presigned URL.
    Ready,
    /// Generation failed; `error` says why.
    Failed,
}

impl Status {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Running => "running",
            Status::Ready => "ready",
            Status::Failed => "failed",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Status::Pending),
            "running" => Some(Status::Running),
            "ready" => Some(Status::Ready),
            "failed" => Some(Status::Failed),
            _ => None,
        }
    }
}

impl Format {
    /// The stored form and file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Pdf => "pdf",
            Format::Json => "json",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "csv" => Some(Format::Csv),
            "pdf" => Some(Format::Pdf),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The object's content type.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Pdf => "application/pdf",
            Format::Json => "application/json",
        }
    }
}

impl Report {
    /// The stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Report::Summary => "summary",
            Report::Detailed => "detailed",
            Report::Individual => "individual",
            Report::Coverage => "coverage",
            Report::Distribution => "distribution",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        [Report::Summary, Report::Detailed, Report::Individual, Report::Coverage, Report::Distribution]
            .into_iter()
            .find(|r| r.as_str() == text)
    }

    /// The formats the report comes in.
    pub fn formats(self) -> &'static [Format] {
        match self {
            Report::Summary | Report::Detailed | Report::Individual | Report::Coverage => &[Format::Csv, Format::Pdf],
            Report::Distribution => &[Format::Pdf, Format::Json],
        }
    }
}

/// The body of `POST /v1/jobs/{job_id}/exports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportInput {
    format: Format,
    report: Report,
    individual_id: Option<String>,
    blast_id: Option<String>,
    by: Option<String>,
    time_zone: Option<String>,
    #[serde(default)]
    include_automated: bool,
}

/// A validated export request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    /// The job.
    pub job: Id,
    /// CSV or PDF.
    pub format: Format,
    /// Which report.
    pub report: Report,
    /// The individual of an `individual` report.
    pub individual_id: Option<Id>,
    /// The blast of a `distribution` report.
    pub blast_id: Option<Id>,
    /// The rows of a `coverage` report (by company when absent).
    pub by: Option<RowsBy>,
    /// Time zone for local times; `None`: the job's.
    pub time_zone: Option<String>,
    /// Whether automated (scanner) hits are included.
    pub include_automated: bool,
}

impl ExportInput {
    /// Validates the body for `job`.
    pub fn validate(self, job: Id) -> Result<ExportRequest> {
        if let Some(tz) = &self.time_zone {
            crate::time::zone(tz)
                .ok_or_else(|| Error::validation(format!("time_zone {tz:?} is not an IANA time zone")))?;
        }
        let individual_id = self.individual_id.as_deref().map(|i| Id::parse("individual_id", i)).transpose()?;
        let blast_id = self.blast_id.as_deref().map(|b| Id::parse("blast_id", b)).transpose()?;
        let by = self
            .by
            .as_deref()
            .map(|b| RowsBy::parse(b).ok_or_else(|| Error::validation("by must be company or individual")))
            .transpose()?;
        let report = self.report;
        if (report == Report::Individual) != individual_id.is_some() {
            return Err(Error::validation("individual_id goes with report individual, and only with it"));
        }
        if (report == Report::Distribution) != blast_id.is_some() {
            return Err(Error::validation("blast_id goes with report distribution, and only with it"));
        }
        if by.is_some() && report != Report::Coverage {
            return Err(Error::validation("by goes only with report coverage"));
        }
        if !report.formats().contains(&self.format) {
            let formats: Vec<&str> = report.formats().iter().map(|f| f.as_str()).collect();
            return Err(Error::validation(format!("a {} report is {}", report.as_str(), formats.join(" or "))));
        }
        Ok(ExportRequest {
            job,
            format: self.format,
            report,
            individual_id,
            blast_id,
            by,
            time_zone: self.time_zone,
            include_automated: self.include_automated,
        })
    }
}

/// What an export reports on.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportSpec {
    /// A job's first accesses (`POST /v1/jobs/{job_id}/exports`).
    Job(ExportRequest),
    /// A window of the User Activity dataset (`POST /v1/user-activity/exports`).
    UserActivity(ActivityExport),
    /// A query of the lake (`POST /v1/user-activity/queries`).
    LakeQuery(crate::lake::query::LakeQuery),
}

impl ExportSpec {
    /// The job, for a job's report.
    pub fn job(&self) -> Option<&Id> {
        match self {
            ExportSpec::Job(request) => Some(&request.job),
            ExportSpec::UserActivity(_) | ExportSpec::LakeQuery(_) => None,
        }
    }

    /// The file format.
    pub fn format(&self) -> Format {
        match self {
            ExportSpec::Job(request) => request.format,
            ExportSpec::UserActivity(_) | ExportSpec::LakeQuery(_) => Format::Csv,
        }
    }

    /// The report's stored name: `summary`, `detailed`, `individual` or `user_activity`.
    pub fn report_name(&self) -> &'static str {
        match self {
            ExportSpec::Job(request) => request.report.as_str(),
            ExportSpec::UserActivity(_) => USER_ACTIVITY_REPORT,
            ExportSpec::LakeQuery(_) => LAKE_QUERY_REPORT,
        }
    }
}

/// The stored report name of a User Activity export.
pub const USER_ACTIVITY_REPORT: &str = "user_activity";

/// The stored report name of a query of the lake.
pub const LAKE_QUERY_REPORT: &str = "user_activity_query";

/// Where a User Activity export reads its rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The table's hot window (windows of at most 31 days), newest first.
    #[default]
    Table,
    /// The lake (any window), through its engine, streamed.
    Lake,
}

impl Source {
    fn is_table(&self) -> bool {
        *self == Source::Table
    }
}

/// A validated User Activity export: the window, filters, columns or groups, as a query would
/// take them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityExport {
    /// Where the rows are read.
    #[serde(default, skip_serializing_if = "Source::is_table")]
    pub source: Source,
    /// Start of the window (RFC 3339, UTC, inclusive).
    pub from: String,
    /// End of the window (exclusive).
    pub to: String,
    /// `{field: [values]}` as given (validated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<serde_json::Value>,
    /// Columns, comma-separated (all when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<String>,
    /// Grouped fields, comma-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
}

use crate::lake::query::Names;

/// The body of `POST /v1/user-activity/exports`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActivityExportInput {
    from: String,
    to: String,
    filters: Option<serde_json::Value>,
    fields: Option<Names>,
    group_by: Option<Names>,
    format: Format,
    #[serde(default)]
    source: Option<Source>,
}

impl ActivityExportInput {
    /// Validates the body: the window's rules, known field names, CSV only (each a 422).
    pub fn validate(self) -> Result<ActivityExport> {
        use crate::user_activity::{Filters, Grouping, Selection, window};
        if self.format != Format::Csv {
            return Err(Error::validation("a User Activity export is csv only"));
        }
        let source = self.source.unwrap_or_default();
        let (from, to) = match source {
            Source::Table => window::parse(Some(&self.from), Some(&self.to)).map_err(Error::validation)?,
            Source::Lake => crate::lake::query::window(&self.from, &self.to)?,
        };
        let as_422 = |err: Error| Error::validation(err.public_message());
        if let Some(filters) = &self.filters {
            Filters::from_json(filters)?;
        }
        let fields = self.fields.map(Names::joined);
        Selection::parse(fields.as_deref()).map_err(as_422)?;
        let group_by = self.group_by.map(Names::joined);
        if let Some(group_by) = &group_by {
            Grouping::parse(group_by).map_err(as_422)?;
        }
        let export = ActivityExport {
            source,
            from: crate::time::format(from),
            to: crate::time::format(to),
            filters: self.filters.filter(|f| f.as_object().is_some_and(|o| !o.is_empty())),
            fields,
            group_by,
        };
        // The lake's own limits (values' lengths and number) are a 422 now, not a failed export.
        if source == Source::Lake {
            export.lake_query()?;
        }
        Ok(export)
    }
}

impl ActivityExport {
    /// The export as a query of the lake: the same window, filters (each field's values, any of
    /// them), columns or groups, every row (no limit).
    pub fn lake_query(&self) -> Result<crate::lake::query::LakeQuery> {
        let mut body = serde_json::json!({"from": self.from, "to": self.to});
        if let Some(filters) = &self.filters {
            body["filters"] = filters.clone();
        }
        // As from the table, groups take the place of the columns.
        match (&self.group_by, &self.fields) {
            (Some(group_by), _) => body["group_by"] = serde_json::Value::from(group_by.clone()),
            (None, Some(fields)) => body["fields"] = serde_json::Value::from(fields.clone()),
            (None, None) => {}
        }
        let input: crate::lake::query::QueryInput =
            serde_json::from_value(body).map_err(|e| Error::validation(e.to_string()))?;
        let mut query = input.validate()?;
        query.limit = 0;
        Ok(query)
    }
}

/// Why an export that never finished reads `failed`.
pub const NOT_STARTED: &str = "the report was not started in time; request it again";
/// Why an export whose worker stopped reads `failed`.
pub const NOT_FINISHED: &str = "the report did not finish in time; request it again";
/// Why an export the worker's event source gave up on reads `failed`.
pub const GAVE_UP: &str = "the report worker failed on every attempt; request it again";

/// An export's status as of `now` (unix seconds): one still `pending` after `start_by`, or still
/// `running` after its worker's lease, has failed, with the reason; nothing stays pending or
/// running for ever.
pub fn status_at(stored: Status, start_by: i64, lease_until: i64, now: i64) -> (Status, Option<&'static str>) {
    match stored {
        Status::Pending if now >= start_by => (Status::Failed, Some(NOT_STARTED)),
        Status::Running if now >= lease_until => (Status::Failed, Some(NOT_FINISHED)),
        other => (other, None),
    }
}

/// Longest `Idempotency-Key` accepted.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The export id: derived from the caller and their `Idempotency-Key` so a retried request finds
/// the export it created, or random without a key.
pub fn export_id(planroom: &Id, caller_sub: &str, idempotency_key: Option<&str>) -> Result<String> {
    match idempotency_key {
        Some(key) => {
            if key.len() > MAX_IDEMPOTENCY_KEY || key.chars().any(|c| c.is_control()) {
                return Err(Error::BadRequest(format!(
                    "Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters without control characters"
                )));
            }
            let digest = Sha256::digest(format!("{planroom}\0{caller_sub}\0{key}").as_bytes());
            Ok(format!("e-{}", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>()))
        }
        None => Ok(format!("e-{}", uuid::Uuid::new_v4().simple())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Id {
        Id::parse("id", s).unwrap()
    }

    #[test]
    fn idempotency_keys_give_stable_ids_per_caller() {
        let a = export_id(&id("p"), "u1", Some("k")).unwrap();
        assert_eq!(a, export_id(&id("p"), "u1", Some("k")).unwrap());
        assert_ne!(a, export_id(&id("p"), "u2", Some("k")).unwrap());
        assert_ne!(a, export_id(&id("p2"), "u1", Some("k")).unwrap());
        assert_ne!(export_id(&id("p"), "u1", None).unwrap(), export_id(&id("p"), "u1", None).unwrap());
        assert!(export_id(&id("p"), "u1", Some("a\nb")).is_err());
    }

    #[test]
    fn nothing_stays_pending_or_running_past_its_deadline() {
        assert_eq!(status_at(Status::Pending, 100, 0, 99), (Status::Pending, None));
        assert_eq!(status_at(Status::Pending, 100, 0, 100), (Status::Failed, Some(NOT_STARTED)));
        assert_eq!(status_at(Status::Running, 100, 500, 499), (Status::Running, None));
        assert_eq!(status_at(Status::Running, 100, 500, 500), (Status::Failed, Some(NOT_FINISHED)));
        assert_eq!(status_at(Status::Ready, 100, 500, 9999), (Status::Ready, None));
        assert_eq!(status_at(Status::Failed, 100, 500, 0), (Status::Failed, None));
    }

    #[test]
    fn individual_reports_need_an_individual() {
        let parse = |json: &str| serde_json::from_str::<ExportInput>(json).unwrap().validate(id("j"));
        assert!(parse(r#"{"format":"pdf","report":"individual"}"#).is_err());
        assert!(parse(r#"{"format":"pdf","report":"summary","individual_id":"x"}"#).is_err());
        assert!(parse(r#"{"format":"csv","report":"detailed","time_zone":"Nowhere/City"}"#).is_err());
        let ok =
            parse(r#"{"format":"csv","report":"individual","individual_id":"x","time_zone":"Europe/Paris"}"#).unwrap();
        assert_eq!(ok.individual_id.unwrap().as_str(), "x");
    }
}
