//! CSV reports: RFC 4180, UTF-8, one row per first-access record (or per individual for a
//! summary), every dimension we hold, times in UTC and in the report's zone, formula cells
//! neutralised. Rows stream from DynamoDB pages into the multipart upload.

use shared::export::Report;
use shared::records::{AccessRecord, IndividualSummary};
use shared::spreadsheet::neutralise;
use shared::{Error, Result};

use crate::report::Context;
use crate::storage::{SharedBuffer, Upload};

/// Columns of the detailed and individual reports.
pub const RECORD_COLUMNS: [&str; 23] = [
    "job_id",
    "job_name",
    "job_number",
    "individual_id",
    "name",
    "email",
    "company",
    "source",
    "activity",
    "object_kind",
    "object_id",
    "object_name",
    "section_id",
    "section_name",
    "first_at_utc",
    "last_at_utc",
    "time_zone",
    "first_at_local",
    "last_at_local",
    "count",
    "device",
    "automated",
    "automated_reason",
];

/// Columns of the summary report.
pub const SUMMARY_COLUMNS: [&str; 15] = [
    "job_id",
    "job_name",
    "individual_id",
    "name",
    "email",
    "company",
    "sources",
    "files_viewed",
    "downloads",
    "orders",
    "first_at_utc",
    "last_at_utc",
    "time_zone",
    "first_at_local",
    "last_at_local",
];

pub fn csv_error(err: csv::Error) -> Error {
    Error::internal("writing CSV", err)
}

/// Writes the report into `buffer`, flushing parts to `upload`; answers the rows written.
pub async fn write(ctx: &Context<'_>, buffer: &SharedBuffer, upload: &mut Upload) -> Result<u64> {
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(buffer.clone());
    let mut rows = 0u64;
    if ctx.request.report == Report::Summary {
        out.write_record(SUMMARY_COLUMNS).map_err(csv_error)?;
        for page in ctx.individuals().await?.chunks(1000) {
            rows += write_page(&mut out, page.iter().map(|s| summary_row(ctx, s)))?;
            upload.flush(buffer).await?;
        }
    } else {
        out.write_record(RECORD_COLUMNS).map_err(csv_error)?;
        let mut pages = ctx.records();
        while let Some(page) = pages.next().await? {
            rows += write_page(&mut out, page.iter().map(|r| record_row(ctx, r)))?;
            upload.flush(buffer).await?;
        }
    }
    out.flush().map_err(|e| Error::internal("writing CSV", e))?;
    Ok(rows)
}

/// Writes one page of rows, every cell neutralised, and flushes them into the buffer.
pub fn write_page(out: &mut csv::Writer<SharedBuffer>, rows: impl Iterator<Item = Vec<String>>) -> Result<u64> {
    let mut written = 0;
    for row in rows {
        out.write_record(row.iter().map(|c| neutralise(c).into_owned())).map_err(csv_error)?;
        written += 1;
    }
    out.flush().map_err(|e| Error::internal("writing CSV", e))?;
    Ok(written)
}

fn record_row(ctx: &Context<'_>, r: &AccessRecord) -> Vec<String> {
    let section = r.section.as_ref();
    vec![
        r.job_id.clone(),
        ctx.job_name(),
        ctx.job_number().unwrap_or_default(),
        r.individual_id.clone(),
        r.name.clone(),
        r.email.clone().unwrap_or_default(),
        r.company_name.clone().unwrap_or_default(),
        r.source.clone(),
        r.activity.clone(),
        r.object.kind.clone(),
        r.object.id.clone(),
        r.object.name.clone(),
        section.map(|s| s.id.clone()).unwrap_or_default(),
        section.map(|s| s.name.clone()).unwrap_or_default(),
        r.first_at.clone(),
        r.last_at.clone(),
        ctx.zone_name.clone(),
        ctx.local(&r.first_at),
        ctx.local(&r.last_at),
        r.count.to_string(),
        r.device.clone().unwrap_or_default(),
        r.automated.to_string(),
        r.automated_reason.clone().unwrap_or_default(),
    ]
}

fn summary_row(ctx: &Context<'_>, s: &IndividualSummary) -> Vec<String> {
    let first = s.first_at.clone().unwrap_or_default();
    let last = s.last_at.clone().unwrap_or_default();
    vec![
        ctx.request.job.to_string(),
        ctx.job_name(),
        s.individual_id.clone(),
        s.name.clone(),
        s.email.clone().unwrap_or_default(),
        s.company_name.clone().unwrap_or_default(),
        s.sources.join(" "),
        s.files_viewed.to_string(),
        s.downloads.to_string(),
        s.orders.to_string(),
        first.clone(),
        last.clone(),
        ctx.zone_name.clone(),
        ctx.local(&first),
        ctx.local(&last),
    ]
}
