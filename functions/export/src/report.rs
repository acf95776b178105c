//! What every report needs: the export's job, its time zone, and its rows read from DynamoDB a
//! page at a time, so generation holds one page in memory whatever the report's size.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;
use shared::export::ExportRequest;
use shared::ids::Id;
use shared::job::Job;
use shared::records::{AccessRecord, IndividualSummary};
use shared::store::DynamoStore;
use shared::store::page::PageArgs;
use shared::store::records::access_record;
use shared::summaries::{self, IndividualOrder};
use shared::summarizing;
use shared::{Result, time};

/// Items read from DynamoDB per page.
const PAGE_ITEMS: usize = 1000;

/// One report's inputs.
#[derive(Debug)]
pub struct Context<'a> {
    /// Where to read.
    pub store: &'a DynamoStore,
    /// The tenant.
    pub planroom: Id,
    /// What was asked for.
    pub request: &'a ExportRequest,
    /// The job's registered metadata, if any.
    pub job: Option<Job>,
    /// Local times are shown in this zone.
    pub zone: TimeZone,
    /// Its IANA name.
    pub zone_name: String,
    /// When the report was generated (UTC, stored form).
    pub generated_at: String,
    /// Benchmarks only: generate this many first-access records instead of reading them, so the
    /// writers and the upload can be measured apart from the storage they read.
    pub generated_records: Option<u64>,
}

impl Context<'_> {
    /// The job's name, or its id when it was never registered.
    pub fn job_name(&self) -> String {
        self.job.as_ref().map_or_else(|| self.request.job.to_string(), |j| j.name.to_string())
    }

    /// The job's number, if registered.
    pub fn job_number(&self) -> Option<String> {
        self.job.as_ref().and_then(|j| j.number.as_ref()).map(ToString::to_string)
    }

    /// A stored UTC time in the report's zone with its offset (`2026-11-25T09:13:00-06:00`), or ""
    /// when absent.
    pub fn local(&self, utc: &str) -> String {
        utc.parse::<Timestamp>().map(|ts| time::local_with_offset(ts, &self.zone)).unwrap_or_default()
    }

    /// A stored UTC time in the report's zone as people read it (`2026-11-25 09:13:00`; the zone
    /// is named in the report's header), or "" when absent.
    pub fn local_readable(&self, utc: &str) -> String {
        utc.parse::<Timestamp>()
            .map(|ts| ts.to_zoned_datetime(self.zone.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default()
    }

    /// The first-access records of the report, page by page: human ones, then automated ones
    /// when asked for; only one individual's for an individual report.
    pub fn records(&self) -> RecordPages<'_> {
        RecordPages { ctx: self, automated: false, start: None, done: false, generated: 0 }
    }

    /// The job's individuals by name: the people, then (when asked for) those only scanners
    /// touched. Computed from the job's records ([`shared::summaries`]).
    pub async fn individuals(&self) -> Result<Vec<IndividualSummary>> {
        let all = summarizing::job_summaries(self.store, &self.planroom, &self.request.job, None, true).await?;
        Ok(summaries::page(all, IndividualOrder::Name, self.request.include_automated, None, usize::MAX).0)
    }

    /// One individual's summary.
    pub async fn individual(&self, id: &str) -> Result<Option<IndividualSummary>> {
        Ok(summarizing::job_summaries(self.store, &self.planroom, &self.request.job, Some(id), true)
            .await?
            .into_iter()
            .next())
    }
}

/// Pages of first-access records.
#[derive(Debug)]
pub struct RecordPages<'a> {
    ctx: &'a Context<'a>,
    automated: bool,
    start: Option<BTreeMap<String, String>>,
    done: bool,
    generated: u64,
}

impl RecordPages<'_> {
    /// The next non-empty page, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Vec<AccessRecord>>> {
        let ctx = self.ctx;
        if let Some(total) = ctx.generated_records {
            let page: Vec<AccessRecord> =
                (self.generated..total.min(self.generated + PAGE_ITEMS as u64)).map(generated).collect();
            self.generated += page.len() as u64;
            return Ok(Some(page).filter(|p| !p.is_empty()));
        }
        let individual = ctx.request.individual_id.as_ref().map(Id::as_str);
        while !self.done {
            let args = PageArgs { limit: PAGE_ITEMS, start: self.start.take() };
            let page = ctx.store.accesses(&ctx.planroom, &ctx.request.job, individual, self.automated, args).await?;
            match page.next {
                Some(key) => self.start = Some(key),
                None if !self.automated && ctx.request.include_automated => self.automated = true,
                None => self.done = true,
            }
            if !page.items.is_empty() {
                return Ok(Some(page.items.iter().map(access_record).collect()));
            }
        }
        Ok(None)
    }
}

/// A plausible record, 20 files per individual, for benchmarks.
fn generated(n: u64) -> AccessRecord {
    use shared::records::{ObjectView, SectionView};
    let person = n / 20;
    AccessRecord {
        job_id: "bench-job".into(),
        individual_id: format!("{person:032x}"),
        name: format!("Person {person:05} Ångström"),
        email: Some(format!("person{person:05}@company{}.test", person % 50)),
        company_name: Some(format!("Company {:02}", person % 50)),
        activity: "view".into(),
        object: ObjectView {
            kind: "file".into(),
            id: format!("file-{:04}", n % 20),
            name: format!("A-{:03} Floor plan.pdf", n % 20),
        },
        section: Some(SectionView { id: "s-1".into(), name: "Drawings".into() }),
        first_at: "2026-11-25T14:03:07.123Z".into(),
        last_at: "2026-11-25T16:44:00.500Z".into(),
        count: n % 7 + 1,
        source: "login".into(),
        device: Some("desktop".into()),
        automated: false,
        automated_reason: None,
        confidence: Some("high".into()),
        sources: vec!["login".into()],
        first_at_local: None,
        last_at_local: None,
    }
}

/// Now, in the stored form.
pub fn now_text() -> String {
    time::now().1
}
