//! The capture function: the planroom frontend registers jobs and posts the view, download and
//! order events of its logged-in users; each event becomes or bumps a first-access record.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::config::{self, ClaimNames, ConfigError};
use shared::event::decode_batch;
use shared::first_access::{Source, record_batch};
use shared::http::{self, Auth, Route};
use shared::job::JobInput;
use shared::store::{self, DynamoStore, JobStore};
use shared::{Error, Result};

/// The routes this function serves.
pub const ROUTES: &[Route] = &[
    Route {
        key: "PUT /v1/jobs/{job_id}",
        auth: Auth::Jwt,
    },
    Route {
        key: "POST /v1/events",
        auth: Auth::Jwt,
    },
];

/// What the handler needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct App {
    store: DynamoStore,
    claims: ClaimNames,
}

impl App {
    /// Builds the app from `TABLE_NAME`, the `CLAIM_*` names and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let sdk = store::aws_config().await;
        Ok(App::new(
            DynamoStore::from_sdk(&sdk, table),
            ClaimNames::from_env(),
        ))
    }

    /// Builds the app from its parts.
    pub fn new(store: DynamoStore, claims: ClaimNames) -> Self {
        App { store, claims }
    }
}

/// Serves one request; every failure becomes a JSON error answer.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::answer(dispatch(app, &req).await)
}

async fn dispatch(app: &App, req: &Request) -> Result<Response<Body>> {
    match http::route_key(req) {
        Some("PUT /v1/jobs/{job_id}") => put_job(app, req).await,
        Some("POST /v1/events") => post_events(app, req).await,
        _ => Err(Error::NotFound("no such route".into())),
    }
}

/// `PUT /v1/jobs/{job_id}`: staff register or update a job of their planroom.
async fn put_job(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let job_id = http::path_id(req, "job_id")?;
    let job = http::json_body::<JobInput>(req)?.validate(job_id)?;
    let created = app.store.put_job(&caller.planroom, &job).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(http::json(status, &job))
}

/// `POST /v1/events`: a batch of a logged-in user's events.
async fn post_events(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    let events = decode_batch(http::body(req, http::MAX_BODY_BYTES)?)?;
    let results = record_batch(
        &app.store,
        &caller.planroom,
        &caller.individual,
        &Source::Login,
        &events,
    )
    .await?;
    Ok(http::json(StatusCode::OK, &json!({ "results": results })))
}
