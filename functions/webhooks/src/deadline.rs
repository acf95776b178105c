//! `coverage.missing`: at `bid_due_at` minus the job's lead time, who is missing what.

use serde::Deserialize;
use shared::coverage::{Ask, RowsBy, Step};
use shared::ids::Id;
use shared::store::JobStore;
use shared::webhook::{self, EventKind};
use shared::{Result, coverage_reading};

use crate::{App, Event};

/// What a job's schedule invokes the function with.
#[derive(Debug, Clone, Deserialize)]
pub struct Deadline {
    /// The planroom.
    pub planroom_id: String,
    /// The job.
    pub job_id: String,
    /// The bid time the schedule was made for: a schedule left from an earlier `bid_due_at` does
    /// nothing.
    pub bid_due_at: String,
}

/// Alerts the job's endpoints about the bidders missing a file, when the job still has the bid
/// time the schedule was made for.
pub async fn fire(app: &App, deadline: &Deadline) -> Result<()> {
    let planroom = Id::parse("planroom", &deadline.planroom_id)?;
    let job_id = Id::parse("job", &deadline.job_id)?;
    let Some(job) = app.store.get_job(&planroom, &job_id).await? else { return Ok(()) };
    if job.bid_due_at.as_deref() != Some(deadline.bid_due_at.as_str()) {
        tracing::info!(job = %job_id, "a deadline for an earlier bid time: nothing to do");
        return Ok(());
    }
    let zone = shared::time::zone(&job.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let ask = Ask { by: RowsBy::Individual, extra_files: &[], missing_only: true, automated: false, zone: &zone };
    let coverage = coverage_reading::job_coverage(&app.store, &planroom, &job_id, &ask).await?;
    let missing: Vec<serde_json::Value> = coverage
        .rows
        .iter()
        .map(|row| {
            let files: Vec<serde_json::Value> = row
                .cells
                .iter()
                .zip(&coverage.columns)
                .filter(|(cell, _)| cell.step < Step::Viewed)
                .map(|(cell, column)| serde_json::json!({"file_id": column.file_id, "name": column.name, "step": cell.step}))
                .collect();
            serde_json::json!({"individual_id": row.individual_id, "name": row.name, "email": row.email,
                               "company_name": row.company_name, "files": files})
        })
        .collect();
    let key = format!("coverage.missing:{}:{}", job_id, deadline.bid_due_at);
    let now = shared::time::now().1;
    let body = webhook::payload(
        EventKind::CoverageMissing,
        &now,
        serde_json::json!({
            "planroom_id": planroom,
            "job_id": job_id,
            "job_name": job.name,
            "job_number": job.number,
            "bid_due_at": job.bid_due_at,
            "files": coverage.columns.iter().map(|c| serde_json::json!({"file_id": c.file_id, "name": c.name})).collect::<Vec<_>>(),
            "missing": missing,
        }),
    );
    let event = Event { kind: EventKind::CoverageMissing, key: &key, at: &deadline.bid_due_at, body };
    for endpoint in app.store.endpoints(&planroom).await? {
        if endpoint.wants(EventKind::CoverageMissing, job_id.as_str()) {
            app.enqueue(&planroom, &endpoint, &event).await?;
        }
    }
    app.publish(&planroom, &[event]).await
}
