//! The job's Activity tab: its individuals, and one individual's first accesses.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::cursor;
use shared::records::AccessRecord;
use shared::summaries::{self, IndividualOrder};
use shared::summarizing;
use shared::{Error, Result, http};

use crate::{App, list_answer, params, phases, visible_job};
use shared::store::records::access_record;

/// `GET /v1/jobs/{job_id}/activity/individuals`: people with a human access; with
/// `include_automated=true`, then those only scanners touched. Computed from the job's records.
pub async fn list(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let (job, zone) = visible_job(app, caller, req).await?;
    let sort = http::typed_query(req, "sort").unwrap_or("name");
    let order = IndividualOrder::parse(sort)
        .ok_or_else(|| Error::BadRequest("sort must be name, company or first_at".into()))?;
    let include_automated = params::flag(req, "include_automated")?;
    let limit = params::limit(req)?;
    let scope =
        cursor::scope(&["individuals", caller.planroom.as_str(), job.as_str(), sort, &include_automated.to_string()]);
    let start = params::cursor(req, &app.keys, &scope)?;
    // People's records only, unless scanners' are asked for: a page of people costs people.
    let all = summarizing::job_summaries(&app.store, &caller.planroom, &job, None, include_automated).await?;
    let (mut items, next) = summaries::page(all, order, include_automated, start.as_ref(), limit);
    if !include_automated {
        // What scanners did on the page's people's links, read for them alone.
        let ids: Vec<&str> = items.iter().map(|s| s.individual_id.as_str()).collect();
        let hits = app.store.automated_hits(&caller.planroom, &job, &ids).await?;
        for summary in &mut items {
            summary.automated_hits = hits.get(&summary.individual_id).copied().unwrap_or(0);
        }
    }
    let items: Vec<_> = items.into_iter().map(|s| s.localized(&zone)).collect();
    Ok(list_answer(&items, next.map(|c| cursor::encode(&app.keys, &scope, c))))
}

/// `GET /v1/jobs/{job_id}/activity/individuals/{individual_id}`: the individual's summary and a
/// page of their first accesses (human ones, then automated ones when asked for).
pub async fn detail(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let (job, zone) = visible_job(app, caller, req).await?;
    let individual = http::path_id(req, "individual_id")?;
    let include_automated = params::flag(req, "include_automated")?;
    let limit = params::limit(req)?;
    let summary = summarizing::job_summaries(&app.store, &caller.planroom, &job, Some(individual.as_str()), true)
        .await?
        .into_iter()
        .find(|s| include_automated || s.human)
        .map(|s| s.localized(&zone))
        .ok_or_else(|| Error::NotFound("no such individual in this job".into()))?;
    let scope = cursor::scope(&[
        "individual",
        caller.planroom.as_str(),
        job.as_str(),
        individual.as_str(),
        &include_automated.to_string(),
    ]);
    let start = params::cursor(req, &app.keys, &scope)?;
    // Human first accesses, then automated ones when asked for.
    let (items, next) = phases::read(1 + u32::from(include_automated), start, limit, |phase, args| {
        app.store.accesses(&caller.planroom, &job, Some(individual.as_str()), phase == 1, args)
    })
    .await?;
    let items: Vec<AccessRecord> = items.iter().map(|i| access_record(i).localized(&zone)).collect();
    let next_cursor = next.map(|c| cursor::encode(&app.keys, &scope, c));
    Ok(http::json(StatusCode::OK, &json!({ "individual": summary, "items": items, "next_cursor": next_cursor })))
}
