//! Staff read the planroom's webhook endpoints and each one's deliveries with their attempts.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::cursor::{self, Cursor};
use shared::store::page::PageArgs;
use shared::{Error, Result, http};

use crate::{App, list_answer, params};

/// `GET /v1/webhooks`: the planroom's endpoints (never their secrets).
pub async fn list(app: &App, caller: &Caller) -> Result<Response<Body>> {
    caller.require_staff()?;
    let endpoints = app.store.endpoints(&caller.planroom).await?;
    Ok(http::json(StatusCode::OK, &json!({ "items": endpoints })))
}

/// `GET /v1/webhooks/{webhook_id}/deliveries`: the endpoint's deliveries, newest event first,
/// each with its `webhook-id` (`message_id`), status, body and every attempt.
pub async fn deliveries(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    caller.require_staff()?;
    let not_found = || Error::NotFound("no such webhook".into());
    let id = http::path_id(req, "webhook_id").map_err(|_| not_found())?;
    app.store.endpoint(&caller.planroom, id.as_str()).await?.ok_or_else(not_found)?;
    let limit = params::limit(req)?;
    let scope = cursor::scope(&["deliveries", caller.planroom.as_str(), id.as_str()]);
    let start = params::cursor(req, &app.keys, &scope)?.map(|c| c.key);
    let (deliveries, page) = app.store.deliveries(&caller.planroom, id.as_str(), PageArgs { limit, start }).await?;
    let items: Vec<serde_json::Value> = deliveries
        .iter()
        .map(|d| {
            let mut item = json!(d);
            // The body as sent, as JSON again (it was stored as the exact bytes signed).
            item["payload"] = serde_json::from_str(&d.payload).unwrap_or(serde_json::Value::Null);
            item
        })
        .collect();
    let next_cursor = page.next.map(|key| cursor::encode(&app.keys, &scope, Cursor { phase: 0, key }));
    Ok(list_answer(&items, next_cursor))
}
