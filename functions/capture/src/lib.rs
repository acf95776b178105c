//! The capture function: the planroom frontend registers jobs and posts the view, download and
//! order events of its logged-in users; each event becomes or bumps a first-access record.

mod blasts;
mod contact;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::config::{self, ClaimNames, ConfigError};
use shared::event::decode_batch;
use shared::first_access::{Source, record_batch};
use shared::http::{self, Auth, Route};
use shared::job::JobInput;
use shared::signing::Keyring;
use shared::store::{self, DynamoStore, JobStore};
use shared::{Error, Result};

/// The routes this function serves.
pub const ROUTES: &[Route] = &[
    Route { key: "PUT /v1/planroom", auth: Auth::Jwt },
    Route { key: "PUT /v1/jobs/{job_id}", auth: Auth::Jwt },
    Route { key: "POST /v1/jobs/{job_id}/blasts", auth: Auth::Jwt },
    Route { key: "POST /v1/events", auth: Auth::Jwt },
    Route { key: "POST /v1/contact-events", auth: Auth::None },
];

/// What the handler needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct App {
    store: DynamoStore,
    claims: ClaimNames,
    keys: Keyring,
    links: LinkSettings,
}

/// How tracked links are made.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    /// The API's public base URL for `{base}/r/{token}`; `None`: `https://` + the request's domain.
    pub public_base: Option<String>,
    /// How long a link stays valid, in seconds.
    pub ttl_seconds: i64,
}

impl LinkSettings {
    /// `PUBLIC_API_URL` (optional) and `LINK_TTL_DAYS` (default 180).
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(LinkSettings {
            public_base: std::env::var("PUBLIC_API_URL").ok().filter(|u| !u.is_empty()),
            ttl_seconds: i64::try_from(config::number("LINK_TTL_DAYS", 180)?.saturating_mul(24 * 3600))
                .map_err(|_| ConfigError("LINK_TTL_DAYS is too large".into()))?,
        })
    }
}

impl App {
    /// Builds the app from `TABLE_NAME`, `SIGNING_KEYS`, the link settings, the `CLAIM_*` names
    /// and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let keys = Keyring::parse(&config::required("SIGNING_KEYS")?)?;
        let links = LinkSettings::from_env()?;
        let sdk = store::aws_config().await;
        Ok(App::new(DynamoStore::from_sdk(&sdk, table), ClaimNames::from_env(), keys, links))
    }

    /// Builds the app from its parts.
    pub fn new(store: DynamoStore, claims: ClaimNames, keys: Keyring, links: LinkSettings) -> Self {
        App { store, claims, keys, links }
    }
}

/// Serves one request; every failure becomes a JSON error answer.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::answer(dispatch(app, &req).await)
}

async fn dispatch(app: &App, req: &Request) -> Result<Response<Body>> {
    match http::route_key(req) {
        Some("PUT /v1/planroom") => blasts::put_planroom(app, req).await,
        Some("PUT /v1/jobs/{job_id}") => put_job(app, req).await,
        Some("POST /v1/jobs/{job_id}/blasts") => blasts::post_blast(app, req).await,
        Some("POST /v1/events") => post_events(app, req).await,
        Some("POST /v1/contact-events") => contact::post_events(app, req).await,
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
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(http::json(status, &job))
}

/// `POST /v1/events`: a batch of a logged-in user's events.
async fn post_events(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    let events = decode_batch(http::body(req, http::MAX_BODY_BYTES)?)?;
    let results = record_batch(&app.store, &caller.planroom, &caller.individual, &Source::Login, &events).await?;
    Ok(http::json(StatusCode::OK, &json!({ "results": results })))
}
