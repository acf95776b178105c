//! Report exports. The API (`POST /v1/jobs/{job_id}/exports`, `GET /v1/exports/{export_id}`)
//! stores an export item and reports on it; the [`worker`], triggered by that item's insert on the
//! table's stream, generates the CSV or PDF into a private bucket. Downloads are freshly presigned
//! URLs valid for minutes, never stored.

mod activity_csv;
mod certificate;
mod coverage_report;
mod csv_report;
pub mod failures;
pub mod lake_answer;
pub mod lake_engine;
mod lake_export;
mod lake_queries;
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
use shared::export::{ActivityExportInput, ExportInput, ExportSpec, Report, Status, export_id, status_at};
use shared::http::{self, Auth, Route, RouteTable};
use shared::store::exports::ExportRecord;
use shared::store::{self, DynamoStore};
use shared::user_activity::sources::{Action, REPORTS};
use shared::user_activity::{ActivitySettings, EventType};
use shared::{Error, Result, budget, download_name, time, visibility};

use crate::storage::Bucket;

/// What this function does, one variant per route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Ask for a report.
    Create,
    /// Its status, and the download when ready.
    Status,
    /// Ask for a User Activity export.
    CreateUserActivity,
    /// Ask the lake a question.
    CreateQuery,
    /// A lake query's status, and its answer when ready.
    QueryStatus,
}

/// The routes this function serves.
pub const ROUTES: RouteTable<Endpoint> = RouteTable(&[
    (Route { key: "POST /v1/jobs/{job_id}/exports", auth: Auth::Jwt }, Endpoint::Create),
    (Route { key: "GET /v1/exports/{export_id}", auth: Auth::Jwt }, Endpoint::Status),
    (Route { key: "POST /v1/user-activity/exports", auth: Auth::Jwt }, Endpoint::CreateUserActivity),
    (Route { key: "POST /v1/user-activity/queries", auth: Auth::Jwt }, Endpoint::CreateQuery),
    (Route { key: "GET /v1/user-activity/queries/{query_id}", auth: Auth::Jwt }, Endpoint::QueryStatus),
]);

/// How long exports are kept by default (`EXPORT_RETENTION_DAYS`, the template's
/// `ExportRetentionDays`): the item expires then, and the bucket's lifecycle rule deletes the
/// report at the next UTC midnight after the same number of days, so an export never answers
/// `ready` with a link to a deleted file.
pub const DEFAULT_RETENTION_DAYS: u64 = 7;

/// How long an export may wait for a worker before it reads `failed` (`EXPORT_START_WITHIN_SECONDS`):
/// the stream delivers an insert within seconds, and the worker's event source retries for at
/// most an hour.
pub const DEFAULT_START_WITHIN: Duration = Duration::from_secs(15 * 60);

/// The default time budget of one request (`REQUEST_BUDGET_MS`), below the function's timeout.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(8);

/// What the handler needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct App {
    store: DynamoStore,
    bucket: Bucket,
    claims: ClaimNames,
    url_ttl: Duration,
    start_within: Duration,
    budget: Duration,
    retention: Duration,
}

impl App {
    /// Builds the app from `TABLE_NAME`, `BUCKET_NAME`, `EXPORT_URL_TTL_SECONDS`,
    /// `EXPORT_START_WITHIN_SECONDS`, `EXPORT_RETENTION_DAYS`, `REQUEST_BUDGET_MS`, the `CLAIM_*`
    /// names and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let sdk = store::aws_config().await;
        let bucket = Bucket::from_env(&sdk)?;
        let start_within =
            Duration::from_secs(config::number("EXPORT_START_WITHIN_SECONDS", DEFAULT_START_WITHIN.as_secs())?);
        let budget = budget::from_env("REQUEST_BUDGET_MS", DEFAULT_BUDGET.as_millis() as u64)?;
        let store = DynamoStore::from_sdk(&sdk, table).with_activity(ActivitySettings::from_env()?);
        let app = App::new(store, bucket, ClaimNames::from_env(), storage::url_ttl_from_env()?);
        Ok(App { start_within, budget, retention: retention_from_env()?, ..app })
    }

    /// Builds the app from its parts, with the default start deadline and time budget.
    pub fn new(store: DynamoStore, bucket: Bucket, claims: ClaimNames, url_ttl: Duration) -> Self {
        App {
            store,
            bucket,
            claims,
            url_ttl,
            start_within: DEFAULT_START_WITHIN,
            budget: DEFAULT_BUDGET,
            retention: Duration::from_secs(DEFAULT_RETENTION_DAYS * 24 * 3600),
        }
    }

    /// The same app keeping exports for `retention`.
    pub fn with_retention(self, retention: Duration) -> Self {
        App { retention, ..self }
    }

    /// The same app with another start deadline for new exports.
    pub fn with_start_within(self, start_within: Duration) -> Self {
        App { start_within, ..self }
    }

    /// The same app with another time budget per request.
    pub fn with_budget(self, budget: Duration) -> Self {
        App { budget, ..self }
    }
}

/// Serves one request within its time budget; every failure becomes a JSON error answer.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let budget = budget::for_request(app.budget, http::lambda_deadline(&req));
    http::answer(budget::run(budget, dispatch(app, &req)).await)
}

async fn dispatch(app: &App, req: &Request) -> Result<Response<Body>> {
    match ROUTES.endpoint(req) {
        Some(Endpoint::Create) => create(app, req).await,
        Some(Endpoint::Status) => status(app, req).await,
        Some(Endpoint::CreateUserActivity) => create_user_activity(app, req).await,
        Some(Endpoint::CreateQuery) => lake_queries::create(app, req).await,
        Some(Endpoint::QueryStatus) => lake_queries::status(app, req).await,
        None => Err(Error::NotFound("no such route".into())),
    }
}

/// `POST /v1/jobs/{job_id}/exports`: 202 with the (new, or with the same `Idempotency-Key`,
/// existing) export.
async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    let job = http::path_id(req, "job_id").map_err(|_| Error::NotFound("no such job".into()))?;
    visibility::visible_job(&app.store, &caller, &job).await?;
    let request = http::json_body::<ExportInput>(req)?.validate(job)?;
    // A certificate is of a blast that exists (the same 404 as for a job one may not see).
    if let Some(blast) = &request.blast_id
        && app.store.blast(&caller.planroom, &request.job, blast.as_str()).await?.is_none()
    {
        return Err(Error::NotFound("no such blast".into()));
    }
    enqueue(app, req, &caller, ExportSpec::Job(request)).await
}

/// `POST /v1/user-activity/exports` (staff only): 202 with the export, as for a job's.
async fn create_user_activity(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let query = http::json_body::<ActivityExportInput>(req)?.validate()?;
    enqueue(app, req, &caller, ExportSpec::UserActivity(query)).await
}

/// Stores the export (once per `Idempotency-Key`) and logs the request as an `Export` row.
async fn enqueue(app: &App, req: &Request, caller: &Caller, spec: ExportSpec) -> Result<Response<Body>> {
    let (id, status) = store_export(app, req, caller, spec).await?;
    Ok(http::json(StatusCode::ACCEPTED, &json!({ "export_id": id, "status": status })))
}

/// Stores the export (once per `Idempotency-Key`): its id and status.
pub(crate) async fn store_export(
    app: &App,
    req: &Request,
    caller: &Caller,
    spec: ExportSpec,
) -> Result<(String, Status)> {
    let id = export_id(&caller.planroom, &caller.sub, http::header(req, "idempotency-key"))?;
    let (now, now_text) = time::now();
    let expires_at = now.as_second().saturating_add(i64::try_from(app.retention.as_secs()).unwrap_or(i64::MAX / 2));
    let start_by = now.as_second() + i64::try_from(app.start_within.as_secs()).unwrap_or(i64::MAX / 2);
    let existing =
        app.store.create_export(&caller.planroom, &id, &spec, &caller.sub, &now_text, start_by, expires_at).await?;
    let status = match existing {
        None => {
            let action = Action {
                event_type: EventType::Export,
                event_name: "Report requested",
                event_subtype: Some(spec.report_name()),
                tool_name: REPORTS,
                object: Some(("export", &id, None)),
            };
            app.store.log_action(caller, &action, http::header(req, "user-agent"), spec.job()).await;
            Status::Pending
        }
        Some(existing) if existing.request == spec => existing.status,
        Some(_) => return Err(Error::validation("this Idempotency-Key was used for a different request")),
    };
    Ok((id, status))
}

/// `GET /v1/exports/{export_id}`: status, and a freshly presigned URL when ready. A job's export
/// is seen by whoever sees the job, a User Activity export by the planroom's staff.
async fn status(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    let not_found = || Error::NotFound("no such export".into());
    let id = http::path_id(req, "export_id").map_err(|_| not_found())?;
    let export = app.store.export(&caller.planroom, id.as_str()).await?.ok_or_else(not_found)?;
    let job = match export.request.job() {
        Some(job) => visibility::visible_job(&app.store, &caller, job).await.map_err(|_| not_found())?,
        None => {
            caller.require_staff().map_err(|_| not_found())?;
            None
        }
    };
    let body = view(app, export, job.as_ref()).await?;
    if body.get("url").is_some() {
        let action = Action {
            event_type: EventType::Download,
            event_name: "Report download link issued",
            event_subtype: body["report"].as_str(),
            tool_name: REPORTS,
            object: Some(("export", id.as_str(), None)),
        };
        let job = body["job_id"].as_str().and_then(|j| shared::ids::Id::parse("job_id", j).ok());
        app.store.log_action(&caller, &action, http::header(req, "user-agent"), job.as_ref()).await;
    }
    Ok(http::json(StatusCode::OK, &body))
}

pub(crate) async fn view(app: &App, export: ExportRecord, job: Option<&shared::job::Job>) -> Result<serde_json::Value> {
    let now = jiff::Timestamp::now();
    // Nothing stays pending or running for ever: past its deadline an export has failed, and the
    // table is told so, so that a late worker can no longer take it or finish it.
    let (status, error) = match status_at(export.status, export.start_by, export.lease_until, now.as_second()) {
        (Status::Failed, Some(reason)) => {
            let planroom = shared::ids::Id::parse("planroom", &export.planroom)?;
            if let Err(err) = app.store.fail_export(&planroom, &export.export_id, reason, &time::format(now)).await {
                tracing::warn!(export_id = export.export_id, error = %err.chain(), "could not record a missed deadline");
            }
            (Status::Failed, Some(reason.to_owned()))
        }
        (status, _) => (status, export.error.clone()),
    };
    let mut body = json!({
        "export_id": export.export_id,
        "job_id": export.request.job(),
        "status": status,
        "format": export.request.format(),
        "report": export.request.report_name(),
        "rows": export.rows,
        "bytes": export.bytes,
        "created_at": export.created_at,
    });
    match &export.request {
        ExportSpec::UserActivity(query) => {
            body["from"] = json!(query.from);
            body["to"] = json!(query.to);
            body["source"] = json!(query.source);
        }
        ExportSpec::LakeQuery(query) => {
            body["from"] = json!(query.from);
            body["to"] = json!(query.to);
        }
        ExportSpec::Job(_) => {}
    }
    if let Some(error) = error {
        body["error"] = json!(error);
    }
    if let Some(digest) = &export.digest {
        body["digest"] = json!(digest);
    }
    if let (Status::Ready, Some(key)) = (status, &export.s3_key) {
        let filename = download_file_name(&export, job);
        // Never valid past the export itself (its report is deleted no earlier).
        let left = Duration::from_secs(u64::try_from(export.expires_at - now.as_second()).unwrap_or(0).max(1));
        let ttl = app.url_ttl.min(left);
        body["url"] = json!(app.bucket.presign(key, &filename, ttl).await?);
        body["expires_at"] = json!(time::format(now + ttl));
    }
    Ok(body)
}

/// What the report downloads as: after its job (`J-1042 Riverside Clinic - coverage
/// 2026-12-03.pdf`, the date the export was asked for, in the job's time zone), or after its
/// window for a User Activity export.
pub(crate) fn download_file_name(export: &ExportRecord, job: Option<&shared::job::Job>) -> String {
    let extension = export.request.format().as_str();
    let zone = job.and_then(|j| shared::time::zone(&j.time_zone)).unwrap_or(jiff::tz::TimeZone::UTC);
    let day = |utc: &str| {
        utc.parse::<jiff::Timestamp>().map(|t| t.to_zoned_datetime(zone.clone()).date().to_string()).unwrap_or_default()
    };
    match &export.request {
        ExportSpec::LakeQuery(query) => {
            let (from, to) = (day(&query.from), day(&query.to));
            download_name::file_name(
                None,
                "User Activity query",
                &format!("{from} to {to}"),
                &day(&export.created_at),
                extension,
            )
        }
        ExportSpec::UserActivity(query) => {
            let (from, to) = (day(&query.from), day(&query.to));
            download_name::file_name(
                None,
                "User Activity",
                &format!("{from} to {to}"),
                &day(&export.created_at),
                extension,
            )
        }
        ExportSpec::Job(request) => {
            let label = match request.report {
                Report::Summary => "activity summary",
                Report::Detailed => "detailed activity",
                Report::Individual => "individual activity",
                Report::Coverage => "coverage",
                Report::Distribution => "certificate of distribution",
            };
            let name = job.map_or_else(|| request.job.to_string(), |j| j.name.to_string());
            let number = job.and_then(|j| j.number.as_ref()).map(|n| n.as_str());
            download_name::file_name(number, &name, label, &day(&export.created_at), extension)
        }
    }
}

/// `EXPORT_RETENTION_DAYS` (1 to 3,650, default 7), as the bucket's lifecycle rule keeps reports.
pub fn retention_from_env() -> Result<Duration, ConfigError> {
    let days = config::number("EXPORT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)?;
    if !(1..=3650).contains(&days) {
        return Err(ConfigError("EXPORT_RETENTION_DAYS must be between 1 and 3650".into()));
    }
    Ok(Duration::from_secs(days * 24 * 3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_route_of_another_function_is_a_404_never_one_of_ours() {
        let sdk = shared::store::SdkConfig::builder().behavior_version(aws_config::BehaviorVersion::latest()).build();
        let bucket = Bucket::new(&sdk, "b".into(), true);
        let app = App::new(DynamoStore::unconnected("t"), bucket, ClaimNames::default(), Duration::from_secs(60));
        let res = handle(&app, http::gateway_request("GET /v1/activity", "/v1/activity").unwrap()).await;
        assert_eq!(res.status(), 404);
    }
}
