//! The coverage report: who is missing what, as CSV (one row per bidder and file) or PDF (who is
//! missing what, then every cell), from the same matrix `GET /v1/jobs/{job_id}/coverage` answers.

use shared::coverage::{Ask, Cell, Column, Coverage, Row, RowsBy, Step};
use shared::{Result, coverage_reading};

use crate::csv_report::{csv_error, write_page};
use crate::pdf::PdfWriter;
use crate::pdf_report::{columns, header, io};
use crate::report::Context;
use crate::storage::{SharedBuffer, Upload};

/// Columns of the CSV: one row per bidder and file.
pub const CSV_COLUMNS: [&str; 17] = [
    "job_id",
    "job_name",
    "bidder",
    "company",
    "individual_id",
    "email",
    "file_id",
    "file_name",
    "step",
    "first_at_utc",
    "time_zone",
    "first_at_local",
    "first_by",
    "sent_at_utc",
    "viewed_at_utc",
    "downloaded_at_utc",
    "automated_hits",
];

async fn matrix(ctx: &Context<'_>) -> Result<Coverage> {
    let ask = Ask {
        by: ctx.request.by.unwrap_or(RowsBy::Company),
        extra_files: &[],
        missing_only: false,
        automated: ctx.request.include_automated,
        zone: &ctx.zone,
    };
    coverage_reading::job_coverage(ctx.store, &ctx.planroom, &ctx.request.job, &ask).await
}

/// A row's label: the company, or the person.
fn bidder(row: &Row) -> String {
    match (&row.company_name, &row.name, &row.individual_id) {
        (_, Some(name), _) if !name.is_empty() => name.clone(),
        (Some(company), _, _) => company.clone(),
        (_, _, Some(id)) => id.clone(),
        _ => String::new(),
    }
}

fn step(cell: &Cell) -> &'static str {
    cell.step.as_str()
}

/// Writes the CSV; answers the rows written.
pub async fn write_csv(ctx: &Context<'_>, buffer: &SharedBuffer, upload: &mut Upload) -> Result<u64> {
    let coverage = matrix(ctx).await?;
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(buffer.clone());
    out.write_record(CSV_COLUMNS).map_err(csv_error)?;
    let mut rows = 0;
    for row in &coverage.rows {
        let lines = row.cells.iter().zip(&coverage.columns).map(|(cell, column)| csv_line(ctx, row, cell, column));
        rows += write_page(&mut out, lines)?;
        upload.flush(buffer).await?;
    }
    Ok(rows)
}

fn csv_line(ctx: &Context<'_>, row: &Row, cell: &Cell, column: &Column) -> Vec<String> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    vec![
        ctx.request.job.to_string(),
        ctx.job_name(),
        bidder(row),
        text(&row.company_name),
        text(&row.individual_id),
        text(&row.email),
        column.file_id.clone(),
        column.name.clone(),
        step(cell).to_owned(),
        text(&cell.first_at),
        ctx.zone_name.clone(),
        text(&cell.first_at_local),
        text(&cell.first_by),
        text(&cell.sent_at),
        text(&cell.viewed_at),
        text(&cell.downloaded_at),
        cell.automated.as_ref().map_or_else(String::new, |a| a.hits.to_string()),
    ]
}

/// Writes the PDF: who is missing what, then every cell; answers the rows written.
pub async fn write_pdf(ctx: &Context<'_>, buffer: &SharedBuffer, upload: &mut Upload) -> Result<u64> {
    let coverage = matrix(ctx).await?;
    let mut pdf = PdfWriter::new(buffer.clone(), header(ctx, None)).map_err(io)?;
    let complete = coverage.rows.iter().filter(|r| r.missing == 0).count();
    pdf.text(&format!(
        "{} bidders, {} files: {complete} have viewed every file, {} are missing at least one.",
        coverage.rows.len(),
        coverage.columns.len(),
        coverage.rows.len() - complete
    ))
    .map_err(io)?;
    pdf.heading("Who is missing what").map_err(io)?;
    pdf.table(columns(&[
        ("Bidder", 3.0),
        ("Company", 2.5),
        ("Viewed", 1.0),
        ("Missing", 1.0),
        ("Not viewed yet", 6.0),
    ]))
    .map_err(io)?;
    for row in coverage.rows.iter().filter(|r| r.missing > 0) {
        let missing: Vec<&str> = row
            .cells
            .iter()
            .zip(&coverage.columns)
            .filter(|(cell, _)| cell.step < Step::Viewed)
            .map(|(_, column)| if column.name.is_empty() { column.file_id.as_str() } else { column.name.as_str() })
            .collect();
        let cells = [
            bidder(row),
            row.company_name.clone().unwrap_or_default(),
            row.viewed.to_string(),
            row.missing.to_string(),
            missing.join(", "),
        ];
        pdf.row(&cells.iter().map(String::as_str).collect::<Vec<_>>()).map_err(io)?;
    }
    upload.flush(buffer).await?;
    pdf.heading("Every bidder and file").map_err(io)?;
    pdf.table(columns(&[("Bidder", 3.0), ("File", 3.5), ("Step", 1.4), ("First access", 2.4), ("Sent", 2.4)]))
        .map_err(io)?;
    for row in &coverage.rows {
        for (cell, column) in row.cells.iter().zip(&coverage.columns) {
            let first = cell.first_at.as_deref().map(|t| ctx.local_readable(t)).unwrap_or_default();
            let sent = cell.sent_at.as_deref().map(|t| ctx.local_readable(t)).unwrap_or_default();
            let file = if column.name.is_empty() { column.file_id.clone() } else { column.name.clone() };
            let cells = [bidder(row), file, step(cell).replace('_', " "), first, sent];
            pdf.row(&cells.iter().map(String::as_str).collect::<Vec<_>>()).map_err(io)?;
        }
        upload.flush(buffer).await?;
    }
    if coverage.rows.is_empty() {
        pdf.text("No bidders yet: the job has no blasts and no activity.").map_err(io)?;
    }
    let rows = pdf.rows();
    pdf.finish().map_err(io)?;
    Ok(rows)
}
