//! The job's Activity tab: its individuals, and one individual's first accesses.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::cursor;
use shared::records::{AccessRecord, IndividualSummary};
use shared::store::reads::IndividualOrder;
use shared::{Error, Result, http};

use crate::{App, list_answer, params, phases, visible_job};

/// `GET /v1/jobs/{job_id}/activity/individuals`: people with a human access; with
/// `include_automated=true`, then those only scanners touched.
pub async fn list(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let job = visible_job(app, caller, req).await?;
    let sort = http::typed_query(req, "sort").unwrap_or("name");
    let order = IndividualOrder::parse(sort)
        .ok_or_else(|| Error::BadRequest("sort must be name, company or first_at".into()))?;
    let include_automated = params::flag(req, "include_automated")?;
    let limit = params::limit(req)?;
    let scope =
        cursor::scope(&["individuals", caller.planroom.as_str(), job.as_str(), sort, &include_automated.to_string()]);
    let start = params::cursor(req, &app.keys, &scope)?;
    let partitions = 1 + u32::from(include_automated);
    let (items, next) = phases::read(partitions, start, limit, |phase, args| {
        app.store.individuals(&caller.planroom, &job, order, phase == 1, args)
    })
    .await?;
    let items: Vec<IndividualSummary> = items.iter().map(IndividualSummary::from_item).collect();
    Ok(list_answer(&items, next.map(|c| cursor::encode(&app.keys, &scope, c))))
}

/// `GET /v1/jobs/{job_id}/activity/individuals/{individual_id}`: the individual's summary and a
/// page of their first accesses (human ones, then automated ones when asked for).
pub async fn detail(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let job = visible_job(app, caller, req).await?;
    let individual = http::path_id(req, "individual_id")?;
    let include_automated = params::flag(req, "include_automated")?;
    let limit = params::limit(req)?;
    let summary = app
        .store
        .individual(&caller.planroom, &job, individual.as_str())
        .await?
        .map(|item| IndividualSummary::from_item(&item))
        .filter(|s| include_automated || s.human)
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
    let items: Vec<AccessRecord> = items.iter().map(AccessRecord::from_item).collect();
    let next_cursor = next.map(|c| cursor::encode(&app.keys, &scope, c));
    Ok(http::json(StatusCode::OK, &json!({ "individual": summary, "items": items, "next_cursor": next_cursor })))
}
