//! Staff register, rotate and delete the planroom's webhook endpoints.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::store::webhooks::Endpoint;
use shared::webhook::{self, EndpointInput, MAX_ENDPOINTS};
use shared::{Error, Result, http, time, visibility};

use crate::App;

/// How long a rotated-out secret still signs deliveries (receivers switch over meanwhile).
pub const ROTATION_SECONDS: i64 = 24 * 3600;

/// `POST /v1/webhooks`: 201 with the endpoint and its `whsec_` secret, shown this once.
pub async fn register(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let new = http::json_body::<EndpointInput>(req)?.validate(app.webhooks_over_http)?;
    if let Some(job) = &new.job {
        visibility::writable_jobs(&app.store, &caller, &[job]).await?;
    }
    if app.store.endpoints(&caller.planroom).await?.len() >= MAX_ENDPOINTS {
        return Err(Error::validation(format!("a planroom has at most {MAX_ENDPOINTS} webhook endpoints")));
    }
    let endpoint = Endpoint {
        webhook_id: format!("wh_{}", uuid::Uuid::new_v4().simple()),
        url: new.url,
        events: new.events,
        job_id: new.job.map(|j| j.as_str().to_owned()),
        description: new.description,
        created_at: time::now().1,
        secret: webhook::new_secret(),
        previous_secret: None,
    };
    app.store.put_endpoint(&caller.planroom, &endpoint).await?;
    tracing::info!(webhook_id = endpoint.webhook_id, "webhook registered");
    let mut body = json!(endpoint);
    body["secret"] = json!(endpoint.secret);
    Ok(http::json(StatusCode::CREATED, &body))
}

/// `POST /v1/webhooks/{webhook_id}/rotate`: a new secret, shown this once; the old one still
/// signs (beside the new) for 24 hours.
pub async fn rotate(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let not_found = || Error::NotFound("no such webhook".into());
    let id = http::path_id(req, "webhook_id").map_err(|_| not_found())?;
    let secret = webhook::new_secret();
    let until = jiff::Timestamp::now().as_second() + ROTATION_SECONDS;
    let endpoint =
        app.store.rotate_secret(&caller.planroom, id.as_str(), &secret, until).await?.ok_or_else(not_found)?;
    let expires = jiff::Timestamp::from_second(until).map(time::format).unwrap_or_default();
    let mut body = json!(endpoint);
    body["secret"] = json!(secret);
    body["previous_secret_expires_at"] = json!(expires);
    Ok(http::json(StatusCode::OK, &body))
}

/// `DELETE /v1/webhooks/{webhook_id}`: 204; nothing more is delivered to it.
pub async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let not_found = || Error::NotFound("no such webhook".into());
    let id = http::path_id(req, "webhook_id").map_err(|_| not_found())?;
    if app.store.delete_endpoint(&caller.planroom, id.as_str()).await? {
        Ok(http::no_content())
    } else {
        Err(not_found())
    }
}
