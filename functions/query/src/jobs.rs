//! A job as registered, and how its blasts did.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::store::JobStore;
use shared::{Error, Result, engagement, http, summarizing, visibility};

use crate::{App, visible_job};

/// `GET /v1/jobs/{job_id}`: the job as registered (its time zone is how the Activity tab shows
/// times); the same 404 for a job that does not exist and one the caller may not see.
pub async fn job(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let not_found = || Error::NotFound("no such job".into());
    let job_id = http::path_id(req, "job_id").map_err(|_| not_found())?;
    let job = app.store.get_job(&caller.planroom, &job_id).await?.ok_or_else(not_found)?;
    visibility::require_job_visible(caller, Some(&job))?;
    Ok(http::json(StatusCode::OK, &job))
}

/// `GET /v1/jobs/{job_id}/blasts`: every blast of the job with its funnel, newest first.
pub async fn blasts(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let (job, _) = visible_job(app, caller, req).await?;
    // Boxed: SDK futures side by side would otherwise sit on the caller's stack.
    let ((heads, recipients), individuals) = tokio::try_join!(
        Box::pin(app.store.engagement_items(&caller.planroom, &job)),
        Box::pin(summarizing::job_summaries(&app.store, &caller.planroom, &job, None, false))
    )?;
    let items = engagement::of_blasts(&heads, &recipients, &individuals);
    Ok(http::json(StatusCode::OK, &json!({ "items": items })))
}
