//! The query function: what staff and customers read — a job's individuals (the Activity tab),
//! one individual's first accesses, who accessed a file (and which blast recipients have not), and
//! the planroom-wide audit.

mod audit;
mod file;
mod individuals;
mod params;

use lambda_http::{Body, Request, Response};
use shared::caller::Caller;
use shared::config::{self, ClaimNames, ConfigError};
use shared::http::{self, Auth, Route};
use shared::ids::Id;
use shared::signing::Keyring;
use shared::store::{self, DynamoStore};
use shared::{Error, Result, visibility};

/// The routes this function serves.
pub const ROUTES: &[Route] = &[
    Route { key: "GET /v1/jobs/{job_id}/activity/individuals", auth: Auth::Jwt },
    Route { key: "GET /v1/jobs/{job_id}/activity/individuals/{individual_id}", auth: Auth::Jwt },
    Route { key: "GET /v1/jobs/{job_id}/files/{file_id}/activity", auth: Auth::Jwt },
    Route { key: "GET /v1/activity", auth: Auth::Jwt },
];

/// What the handler needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct App {
    store: DynamoStore,
    claims: ClaimNames,
    keys: Keyring,
}

impl App {
    /// Builds the app from `TABLE_NAME`, `SIGNING_KEYS` (cursor signing), the `CLAIM_*` names and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let keys = Keyring::parse(&config::required("SIGNING_KEYS")?)?;
        let sdk = store::aws_config().await;
        Ok(App::new(DynamoStore::from_sdk(&sdk, table), ClaimNames::from_env(), keys))
    }

    /// Builds the app from its parts.
    pub fn new(store: DynamoStore, claims: ClaimNames, keys: Keyring) -> Self {
        App { store, claims, keys }
    }
}

/// Serves one request; every failure becomes a JSON error answer.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::answer(dispatch(app, &req).await)
}

async fn dispatch(app: &App, req: &Request) -> Result<Response<Body>> {
    let route = http::route_key(req).unwrap_or_default();
    if !ROUTES.iter().any(|r| r.key == route) {
        return Err(Error::NotFound("no such route".into()));
    }
    let caller = Caller::from_request(req, &app.claims)?;
    match route {
        "GET /v1/jobs/{job_id}/activity/individuals" => individuals::list(app, &caller, req).await,
        "GET /v1/jobs/{job_id}/activity/individuals/{individual_id}" => individuals::detail(app, &caller, req).await,
        "GET /v1/jobs/{job_id}/files/{file_id}/activity" => file::activity(app, &caller, req).await,
        _ => audit::list(app, &caller, req).await,
    }
}

/// The job of the path, once the caller is known to be allowed to see it; otherwise the same 404
/// whether or not the job exists.
async fn visible_job(app: &App, caller: &Caller, req: &Request) -> Result<Id> {
    let job_id = http::path_id(req, "job_id").map_err(|_| Error::NotFound("no such job".into()))?;
    visibility::visible_job(&app.store, caller, &job_id).await?;
    Ok(job_id)
}

/// The `{items, next_cursor}` answer of a list.
fn list_answer<T: serde::Serialize>(items: &[T], next_cursor: Option<String>) -> Response<Body> {
    http::json(lambda_http::http::StatusCode::OK, &serde_json::json!({ "items": items, "next_cursor": next_cursor }))
}
