//! The certificate of distribution of one blast, as PDF (the data digest on every page) or JSON
//! (the data, its digest and when it was generated).

use std::io::Write;

use shared::distribution::{self, Certificate};
use shared::{Error, Result, coverage_reading};

use crate::pdf::PdfWriter;
use crate::pdf_report::{columns, header, io};
use crate::report::Context;
use crate::storage::{SharedBuffer, Upload};

/// The certificate's data and its digest, read for `ctx`'s blast.
pub async fn read(ctx: &Context<'_>) -> Result<(Certificate, String)> {
    let blast_id =
        ctx.request.blast_id.as_ref().ok_or_else(|| Error::validation("a distribution report needs blast_id"))?;
    let activity = coverage_reading::job_activity(ctx.store, &ctx.planroom, &ctx.request.job, true).await?;
    let blast = activity
        .blasts
        .iter()
        .find(|b| b.blast_id == blast_id.as_str())
        .ok_or_else(|| Error::NotFound(format!("no such blast: {blast_id}")))?;
    let certificate = distribution::certificate(ctx.request.job.as_str(), blast, &activity.members, &activity.records);
    let digest = distribution::digest(&certificate);
    Ok((certificate, digest))
}

/// Writes the JSON; answers the recipients written and the digest.
pub async fn write_json(ctx: &Context<'_>, buffer: &SharedBuffer, upload: &mut Upload) -> Result<(u64, String)> {
    let (certificate, digest) = read(ctx).await?;
    let body = serde_json::json!({
        "digest": digest,
        "digest_of": "SHA-256 of the certificate object, serialised compactly in this order",
        "generated_at": ctx.generated_at,
        "certificate": certificate,
    });
    let mut out = buffer.clone();
    serde_json::to_writer_pretty(&mut out, &body).map_err(|e| Error::internal("writing JSON", e))?;
    out.flush().map_err(|e| Error::internal("writing JSON", e))?;
    upload.flush(buffer).await?;
    Ok((certificate.recipients.len() as u64, digest))
}

/// Writes the PDF; answers the rows written and the digest.
pub async fn write_pdf(ctx: &Context<'_>, buffer: &SharedBuffer, upload: &mut Upload) -> Result<(u64, String)> {
    let (c, digest) = read(ctx).await?;
    let note = format!("Data digest (SHA-256): {digest}");
    let mut pdf = PdfWriter::new(buffer.clone(), header(ctx, Some(note))).map_err(io)?;
    let local = |t: &Option<String>| t.as_deref().map(|t| ctx.local_readable(t)).unwrap_or_default();
    pdf.heading(&format!("Blast: {} ({})", c.blast_name, c.blast_id)).map_err(io)?;
    pdf.text(&format!("Registered as sent: {}", local(&c.registered_at))).map_err(io)?;
    if c.sent_at.is_some() && c.sent_at != c.registered_at {
        pdf.text(&format!("Sent, as the sender said: {}", local(&c.sent_at))).map_err(io)?;
    }
    pdf.text(&format!("Recipients: {}", c.recipients.len())).map_err(io)?;
    pdf.heading("Files").map_err(io)?;
    for file in &c.files {
        pdf.text(&format!("{} ({} {})", file.name, file.kind, file.id)).map_err(io)?;
        pdf.text(&format!("    SHA-256: {}", file.sha256.as_deref().unwrap_or("not given at blast time")))
            .map_err(io)?;
    }
    pdf.heading("First human access per recipient and file").map_err(io)?;
    pdf.table(columns(&[
        ("Recipient", 3.2),
        ("Company", 2.2),
        ("File", 2.6),
        ("Opened", 2.0),
        ("Viewed", 2.0),
        ("Downloaded", 2.0),
    ]))
    .map_err(io)?;
    for r in &c.recipients {
        let who = match &r.email {
            Some(email) if !r.name.is_empty() => format!("{} <{email}>", r.name),
            Some(email) => email.clone(),
            None => r.name.clone(),
        };
        for (access, file) in r.files.iter().zip(&c.files) {
            let name = if file.name.is_empty() { file.id.clone() } else { file.name.clone() };
            let cells = [
                who.clone(),
                r.company_name.clone().unwrap_or_default(),
                name,
                local(&access.opened_at),
                local(&access.viewed_at),
                local(&access.downloaded_at),
            ];
            pdf.row(&cells.iter().map(String::as_str).collect::<Vec<_>>()).map_err(io)?;
        }
        upload.flush(buffer).await?;
    }
    let automated: Vec<_> = c.recipients.iter().flat_map(|r| r.automated.iter().map(move |a| (r, a))).collect();
    pdf.heading("Hits judged automated (e-mail scanners; never counted as a person's)").map_err(io)?;
    if automated.is_empty() {
        pdf.text("None.").map_err(io)?;
    } else {
        pdf.table(columns(&[("Recipient", 3.2), ("Object", 2.6), ("Hits", 0.8), ("First", 2.2), ("Reason", 3.0)]))
            .map_err(io)?;
        for (r, a) in automated {
            let reason = match (&a.reason, &a.confidence) {
                (Some(reason), Some(confidence)) => format!("{reason} ({confidence})"),
                (Some(reason), None) => reason.clone(),
                _ => String::new(),
            };
            let first = ctx.local_readable(&a.first_at);
            let cells =
                [r.email.clone().unwrap_or_else(|| r.name.clone()), a.id.clone(), a.hits.to_string(), first, reason];
            pdf.row(&cells.iter().map(String::as_str).collect::<Vec<_>>()).map_err(io)?;
        }
    }
    pdf.text("").map_err(io)?;
    pdf.text("The digest above is the SHA-256 of this certificate's data (its JSON form, without the").map_err(io)?;
    pdf.text("generation time): the same report asked again while nothing changed has the same digest.").map_err(io)?;
    let rows = pdf.rows();
    pdf.finish().map_err(io)?;
    Ok((rows, digest))
}
