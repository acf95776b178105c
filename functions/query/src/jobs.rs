//! A job as registered, and how its blasts did.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::caller::Role;
use shared::cursor::{self, Cursor};
use shared::store::page::PageArgs;
use shared::store::{JobFilter, JobStore};
use shared::{Error, Result, engagement, http, search_text, summarizing, visibility};

use crate::{App, list_answer, params, visible_job};

/// Longest `q` of the job list.
const MAX_QUERY_CHARS: usize = 200;

/// `GET /v1/jobs`: the jobs the caller may see (staff: the planroom's; an approved user of a
/// customer company: the jobs assigned to it; anyone else: none), newest first, `limit` a page,
/// `q` matching name or number whatever the case and accents.
pub async fn list(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let q = http::typed_query(req, "q").map(str::trim).unwrap_or_default();
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(Error::BadRequest(format!("q must be at most {MAX_QUERY_CHARS} characters")));
    }
    let text = search_text::fold(q);
    let limit = params::limit(req)?;
    let company = match caller.role {
        Role::Staff => None,
        Role::Customer => match (&caller.company_id, caller.approved) {
            (Some(company), true) => Some(company),
            _ => return Ok(list_answer::<()>(&[], None)),
        },
    };
    let scope = cursor::scope(&["jobs", caller.planroom.as_str(), company.map_or("", |c| c.as_str()), &text]);
    let start = params::cursor(req, &app.keys, &scope)?.map(|c| c.key);
    let filter = JobFilter { company, text: Some(&text) };
    let (jobs, page) = app.store.list_jobs(&caller.planroom, &filter, PageArgs { limit, start }).await?;
    let next_cursor = page.next.map(|key| cursor::encode(&app.keys, &scope, Cursor { phase: 0, key }));
    Ok(list_answer(&jobs, next_cursor))
}

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
