//! PDF reports: summary (one line per individual), detailed (each individual with their first
//! accesses) and individual. Rows stream from DynamoDB pages through the PDF writer into the
//! multipart upload; there is no row cap.

use shared::export::Report;
use shared::records::{AccessRecord, IndividualSummary};
use shared::{Error, Result};

use crate::pdf::{Column, PdfHeader, PdfWriter};
use crate::report::Context;
use crate::storage::{SharedBuffer, Upload};

pub fn io(err: std::io::Error) -> Error {
    Error::internal("writing PDF", err)
}

pub fn columns(spec: &[(&str, f32)]) -> Vec<Column> {
    spec.iter().map(|(title, weight)| Column { title: (*title).to_owned(), weight: *weight }).collect()
}

const SUMMARY_COLUMNS: [(&str, f32); 8] = [
    ("Name", 3.0),
    ("E-mail", 3.5),
    ("Company", 2.5),
    ("Files viewed", 1.2),
    ("Downloads", 1.2),
    ("Orders", 1.0),
    ("First access", 2.2),
    ("Last access", 2.2),
];

const RECORD_COLUMNS: [(&str, f32); 8] = [
    ("Activity", 1.3),
    ("Kind", 1.0),
    ("Object", 4.0),
    ("Section", 2.2),
    ("First access", 2.2),
    ("Last access", 2.2),
    ("Count", 0.8),
    ("Source", 2.0),
];

fn title(report: Report) -> &'static str {
    match report {
        Report::Summary => "Activity summary",
        Report::Detailed => "Detailed activity",
        Report::Individual => "Individual activity",
        Report::Coverage => "Addendum coverage",
        Report::Distribution => "Certificate of distribution",
    }
}

/// The header every page of `ctx`'s report carries, with an optional `note` line.
pub fn header(ctx: &Context<'_>, note: Option<String>) -> PdfHeader {
    PdfHeader {
        title: title(ctx.request.report).to_owned(),
        job_name: ctx.job_name(),
        job_number: ctx.job_number(),
        generated_at: format!("{} ({})", ctx.local_readable(&ctx.generated_at), ctx.zone_name),
        time_zone: ctx.zone_name.clone(),
        note,
    }
}

/// Writes the report into `buffer`, flushing parts to `upload`; answers the rows written.
pub async fn write(ctx: &Context<'_>, buffer: &SharedBuffer, upload: &mut Upload) -> Result<u64> {
    let mut pdf = PdfWriter::new(buffer.clone(), header(ctx, None)).map_err(io)?;
    match ctx.request.report {
        Report::Coverage | Report::Distribution => {
            return Err(Error::internal("writing PDF", "coverage and distribution have writers of their own"));
        }
        Report::Summary => summary(ctx, &mut pdf, buffer, upload).await?,
        Report::Detailed => records(ctx, &mut pdf, buffer, upload).await?,
        Report::Individual => {
            let id = ctx.request.individual_id.as_ref().map(|i| i.to_string()).unwrap_or_default();
            match ctx.individual(&id).await? {
                Some(person) => {
                    pdf.heading(&who(&person.name, person.email.as_deref(), person.company_name.as_deref()))
                        .map_err(io)?;
                    pdf.text(&counts(&person)).map_err(io)?;
                }
                None => pdf.heading(&id).map_err(io)?,
            }
            records(ctx, &mut pdf, buffer, upload).await?;
        }
    }
    let rows = pdf.rows();
    pdf.finish().map_err(io)?;
    Ok(rows)
}

async fn summary(
    ctx: &Context<'_>,
    pdf: &mut PdfWriter<SharedBuffer>,
    buffer: &SharedBuffer,
    upload: &mut Upload,
) -> Result<()> {
    pdf.table(columns(&SUMMARY_COLUMNS)).map_err(io)?;
    for page in ctx.individuals().await?.chunks(1000) {
        for s in page {
            let first = s.first_at.as_deref().map(|t| ctx.local_readable(t)).unwrap_or_default();
            let last = s.last_at.as_deref().map(|t| ctx.local_readable(t)).unwrap_or_default();
            let row = [
                s.name.as_str(),
                s.email.as_deref().unwrap_or_default(),
                s.company_name.as_deref().unwrap_or_default(),
                &s.files_viewed.to_string(),
                &s.downloads.to_string(),
                &s.orders.to_string(),
                &first,
                &last,
            ];
            pdf.row(&row).map_err(io)?;
        }
        upload.flush(buffer).await?;
    }
    if pdf.rows() == 0 {
        pdf.text("No activity recorded.").map_err(io)?;
    }
    Ok(())
}

/// First-access records, with a heading whenever the individual changes (detailed report).
async fn records(
    ctx: &Context<'_>,
    pdf: &mut PdfWriter<SharedBuffer>,
    buffer: &SharedBuffer,
    upload: &mut Upload,
) -> Result<()> {
    let per_individual = ctx.request.report == Report::Detailed;
    let mut current: Option<String> = None;
    let mut pages = ctx.records();
    if !per_individual {
        pdf.table(columns(&RECORD_COLUMNS)).map_err(io)?;
    }
    while let Some(page) = pages.next().await? {
        for r in &page {
            if per_individual && current.as_deref() != Some(r.individual_id.as_str()) {
                pdf.heading(&who(&r.name, r.email.as_deref(), r.company_name.as_deref())).map_err(io)?;
                pdf.table(columns(&RECORD_COLUMNS)).map_err(io)?;
                current = Some(r.individual_id.clone());
            }
            pdf.row(&record_row(ctx, r).iter().map(String::as_str).collect::<Vec<_>>()).map_err(io)?;
        }
        upload.flush(buffer).await?;
    }
    if pdf.rows() == 0 {
        pdf.text("No activity recorded.").map_err(io)?;
    }
    Ok(())
}

fn record_row(ctx: &Context<'_>, r: &AccessRecord) -> [String; 8] {
    let activity = if r.automated { format!("{} (automated)", r.activity) } else { r.activity.clone() };
    let object = if r.object.name.is_empty() { r.object.id.clone() } else { r.object.name.clone() };
    [
        activity,
        r.object.kind.clone(),
        object,
        r.section.as_ref().map(|s| s.name.clone()).unwrap_or_default(),
        ctx.local_readable(&r.first_at),
        ctx.local_readable(&r.last_at),
        r.count.to_string(),
        r.source.clone(),
    ]
}

fn who(name: &str, email: Option<&str>, company: Option<&str>) -> String {
    let mut text = if name.is_empty() { email.unwrap_or("(unknown)").to_owned() } else { name.to_owned() };
    if let (Some(email), false) = (email, name.is_empty()) {
        text.push_str(&format!(" <{email}>"));
    }
    if let Some(company) = company {
        text.push_str(&format!(" · {company}"));
    }
    text
}

fn counts(s: &IndividualSummary) -> String {
    format!(
        "Files viewed: {} · Downloads: {} · Orders: {} · Sources: {}",
        s.files_viewed,
        s.downloads,
        s.orders,
        s.sources.join(", ")
    )
}
