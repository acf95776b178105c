//! Report exports. The API (`POST /v1/jobs/{job_id}/exports`, `GET /v1/exports/{export_id}`)
//! stores an export item and reports on it; the [`worker`], triggered by that item's insert on the
//! table's stream, generates the CSV or PDF into a private bucket. Downloads are freshly presigned
//! URLs valid for minutes, never stored.

mod csv_report;
mod pdf;
mod pdf_report;
mod report;
pub mod storage;
pub mod worker;

use std::time::Duration;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::config::{self, ClaimNames, ConfigError};
use shared::export::{ExportInput, Status, export_id};
use shared::http::{self, Auth, Route};
use shared::store::exports::ExportRecord;
use shared::store::{self, DynamoStore};
use shared::{Error, Result, time, visibility};

use crate::storage::Bucket;

/// The routes this function serves.
pub const ROUTES: &[Route] = &[
    Route { key: "POST /v1/jobs/{job_id}/exports", auth: Auth::Jwt },
    Route { key: "GET /v1/exports/{export_id}", auth: Auth::Jwt },
];

/// How long export items (and their objects, by the bucket's lifecycle rule) are kept.
pub const RETENTION_DAYS: i64 = 7;

/// What the handler needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct App {
    store: DynamoStore,
    bucket: Bucket,
    claims: ClaimNames,
    url_ttl: Duration,
}

impl App {
    /// Builds the app from `TABLE_NAME`, `BUCKET_NAME`, `EXPORT_URL_TTL_SECONDS`, the `CLAIM_*`
    /// names and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let sdk = store::aws_config().await;
        let bucket = Bucket::from_env(&sdk)?;
        Ok(App::new(DynamoStore::from_sdk(&sdk, table), bucket, ClaimNames::from_env(), storage::url_ttl_from_env()?))
    }

    /// Builds the app from its parts.
    pub fn new(store: DynamoStore, bucket: Bucket, claims: ClaimNames, url_ttl: Duration) -> Self {
        App { store, bucket, claims, url_ttl }
    }
}

/// Serves one request; every failure becomes a JSON error answer.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    http::answer(dispatch(app, &req).await)
}

async fn dispatch(app: &App, req: &Request) -> Result<Response<Body>> {
    match http::route_key(req) {
        Some("POST /v1/jobs/{job_id}/exports") => create(app, req).await,
        Some("GET /v1/exports/{export_id}") => status(app, req).await,
        _ => Err(Error::NotFound("no such route".into())),
    }
}

/// `POST /v1/jobs/{job_id}/exports`: 202 with the (new, or with the same `Idempotency-Key`,
/// existing) export.
async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    let job = http::path_id(req, "job_id").map_err(|_| Error::NotFound("no such job".into()))?;
    visibility::visible_job(&app.store, &caller, &job).await?;
    let request = http::json_body::<ExportInput>(req)?.validate(job)?;
    let id = export_id(&caller.planroom, &caller.sub, http::header(req, "idempotency-key"))?;
    let (now, now_text) = time::now();
    let expires_at = now.as_second() + RETENTION_DAYS * 24 * 3600;
    let existing = app.store.create_export(&caller.planroom, &id, &request, &caller.sub, &now_text, expires_at).await?;
    let status = match existing {
        None => Status::Pending,
        Some(existing) if existing.request == request => existing.status,
        Some(_) => return Err(Error::validation("this Idempotency-Key was used for a different export")),
    };
    Ok(http::json(StatusCode::ACCEPTED, &json!({ "export_id": id, "status": status })))
}

/// `GET /v1/exports/{export_id}`: status, and a freshly presigned URL when ready.
async fn status(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    let not_found = || Error::NotFound("no such export".into());
    let id = http::path_id(req, "export_id").map_err(|_| not_found())?;
    let export = app.store.export(&caller.planroom, id.as_str()).await?.ok_or_else(not_found)?;
    visibility::visible_job(&app.store, &caller, &export.request.job).await.map_err(|_| not_found())?;
    Ok(http::json(StatusCode::OK, &view(app, export).await?))
}

async fn view(app: &App, export: ExportRecord) -> Result<serde_json::Value> {
    let now = jiff::Timestamp::now();
    // A worker that died leaves `running` with a lease that runs out: say so instead of waiting forever.
    let (status, error) = match export.status {
        Status::Running if export.lease_until < now.as_second() => {
            (Status::Failed, Some("generation did not finish in time".to_owned()))
        }
        status => (status, export.error.clone()),
    };
    let mut body = json!({
        "export_id": export.export_id,
        "job_id": export.request.job,
        "status": status,
        "format": export.request.format,
        "report": export.request.report,
        "rows": export.rows,
        "bytes": export.bytes,
        "created_at": export.created_at,
    });
    if let Some(error) = error {
        body["error"] = json!(error);
    }
    if let (Status::Ready, Some(key)) = (status, &export.s3_key) {
        let filename = format!(
            "activity-{}-{}.{}",
            export.request.report.as_str(),
            export.export_id,
            export.request.format.as_str()
        );
        body["url"] = json!(app.bucket.presign(key, &filename, app.url_ttl).await?);
        body["expires_at"] = json!(time::format(now + app.url_ttl));
    }
    Ok(body)
}
