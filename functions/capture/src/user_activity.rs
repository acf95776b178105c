//! `POST /v1/user-activity`: what the planroom's frontend does elsewhere (an addendum
//! acknowledged, a bid submitted, a file uploaded), as User Activity rows of the caller. Who did
//! it comes from the verified claims only. The post is stored whole or not at all: any malformed
//! event is a 422 before anything is written. An `event_id` posted before by the same user is
//! answered again and its row stored once, at the time it was first posted.

use std::collections::HashMap;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::ids::Id;
use shared::user_activity::input;
use shared::user_activity::row::UserFields;
use shared::user_activity::sources::{new_event_id, user_event_row};
use shared::{Error, Result, http, time};

use crate::App;

/// `POST /v1/user-activity`: 200 `{results: [{event_id}]}` in request order.
pub async fn post(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    let events = input::decode(http::body(req, http::MAX_BODY_BYTES)?)?;
    let at = time::now().1;
    let ids: Vec<String> =
        events.iter().map(|e| e.event_id.as_ref().map_or_else(new_event_id, |id| id.as_str().to_owned())).collect();
    let mut given: Vec<&str> = events.iter().filter_map(|e| e.event_id.as_ref().map(|id| id.as_str())).collect();
    given.sort_unstable();
    given.dedup();
    let firsts = app.store.claim_event_ids(&caller.planroom, &caller.sub, &given, &at).await?;
    let time_of: HashMap<&str, &String> = given.iter().copied().zip(&firsts).collect();
    let mut jobs: Vec<&Id> = events.iter().filter_map(|e| e.job.as_ref()).collect();
    jobs.sort();
    jobs.dedup();
    let jobs = app.store.job_fields(&caller.planroom, &jobs).await?;
    let user = UserFields::of_caller(&caller);
    let user_agent = http::header(req, "user-agent");
    let rows = events
        .iter()
        .zip(&ids)
        .map(|(event, id)| {
            let when = time_of.get(id.as_str()).map_or(at.as_str(), |t| t.as_str());
            let when = time::parse_instant(when)
                .ok_or_else(|| Error::internal("reading a remembered event id", "its time is not an instant"))?;
            let job = event.job.as_ref().and_then(|j| jobs.get(j));
            Ok(user_event_row(event, id, when, &user, user_agent, job))
        })
        .collect::<Result<Vec<_>>>()?;
    app.store.log_activity(&caller.planroom, &rows).await?;
    let results: Vec<_> = ids.iter().map(|id| json!({ "event_id": id })).collect();
    Ok(http::json(StatusCode::OK, &json!({ "results": results })))
}
