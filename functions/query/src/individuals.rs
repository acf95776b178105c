//! The job's Activity tab: its individuals, and one individual's first accesses.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::cursor::{self, Cursor};
use shared::records::{AccessRecord, IndividualSummary};
use shared::store::page::PageArgs;
use shared::store::reads::IndividualOrder;
use shared::{Error, Result, http};

use crate::{App, list_answer, params, visible_job};

/// `GET /v1/jobs/{job_id}/activity/individuals`.
pub async fn list(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let job = visible_job(app, caller, req).await?;
    let sort = http::query(req, "sort").unwrap_or("name");
    let order = IndividualOrder::parse(sort)
        .ok_or_else(|| Error::BadRequest("sort must be name, company or first_at".into()))?;
    let include_automated = params::flag(req, "include_automated")?;
    let limit = params::limit(req)?;
    let scope =
        cursor::scope(&["individuals", caller.planroom.as_str(), job.as_str(), sort, &include_automated.to_string()]);
    let start = params::cursor(req, &app.keys, &scope)?.map(|c| c.key);
    let page =
        app.store.individuals(&caller.planroom, &job, order, include_automated, PageArgs { limit, start }).await?;
    let items: Vec<IndividualSummary> = page.items.iter().map(IndividualSummary::from_item).collect();
    let next = page.next.map(|key| cursor::encode(&app.keys, &scope, Cursor { phase: 0, key }));
    Ok(list_answer(&items, next))
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
    let mut position = params::cursor(req, &app.keys, &scope)?.unwrap_or(Cursor { phase: 0, key: Default::default() });
    let mut items = Vec::new();
    let mut next = None;
    // Phase 0 reads human first accesses, phase 1 automated ones.
    let last_phase = u32::from(include_automated);
    while position.phase <= last_phase && items.len() < limit {
        let start = Some(std::mem::take(&mut position.key)).filter(|k| !k.is_empty());
        let page = app
            .store
            .accesses(
                &caller.planroom,
                &job,
                Some(individual.as_str()),
                position.phase == 1,
                PageArgs { limit: limit - items.len(), start },
            )
            .await?;
        items.extend(page.items.iter().map(AccessRecord::from_item));
        match page.next {
            Some(key) => {
                next = Some(Cursor { phase: position.phase, key });
                break;
            }
            None => position.phase += 1,
        }
    }
    if next.is_none() && position.phase <= last_phase && items.len() == limit {
        next = Some(Cursor { phase: position.phase, key: Default::default() });
    }
    let next_cursor = next.map(|c| cursor::encode(&app.keys, &scope, c));
    Ok(http::json(StatusCode::OK, &json!({ "individual": summary, "items": items, "next_cursor": next_cursor })))
}
