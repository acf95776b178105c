//! The query function: what staff and customers read — a job's individuals (the Activity tab),
//! one individual's first accesses, who accessed a file (and which blast recipients have not), and
//! the planroom-wide audit; a job as registered and how its blasts did.

mod audit;
mod coverage;
mod file;
mod individuals;
mod jobs;
mod params;
mod phases;
mod user_activity;
mod webhooks;

use std::time::Duration;

use lambda_http::{Body, Request, RequestExt, Response};
use shared::caller::Caller;
use shared::config::{self, ClaimNames, ConfigError};
use shared::http::{self, Auth, Route, RouteTable};
use shared::ids::Id;
use shared::key_source::KeySource;
use shared::signing::Keyring;
use shared::store::{self, DynamoStore};
use shared::user_activity::ActivitySettings;
use shared::{Error, Result, budget, routes, visibility};

/// What this function does, one variant per route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// The job's Activity tab.
    Individuals,
    /// One individual's first accesses.
    Individual,
    /// Who accessed a file, and who has not.
    FileActivity,
    /// The planroom-wide audit.
    Audit,
    /// The jobs the caller may see.
    Jobs,
    /// A job as registered.
    Job,
    /// The job's bidders by its documents.
    Coverage,
    /// A job's blasts and their funnels.
    Blasts,
    /// The User Activity dataset.
    UserActivity,
    /// The planroom's webhook endpoints.
    Webhooks,
    /// One endpoint's deliveries.
    WebhookDeliveries,
    /// API Gateway's catch-all: a request no other route matched (405 with `Allow`, or 404), and
    /// every CORS preflight (204; the gateway adds the CORS headers).
    Unmatched,
}

/// The routes this function serves.
pub const ROUTES: RouteTable<Endpoint> = RouteTable(&[
    (Route { key: "GET /v1/jobs/{job_id}/activity/individuals", auth: Auth::Jwt }, Endpoint::Individuals),
    (
        Route { key: "GET /v1/jobs/{job_id}/activity/individuals/{individual_id}", auth: Auth::Jwt },
        Endpoint::Individual,
    ),
    (Route { key: "GET /v1/jobs/{job_id}/files/{file_id}/activity", auth: Auth::Jwt }, Endpoint::FileActivity),
    (Route { key: "GET /v1/activity", auth: Auth::Jwt }, Endpoint::Audit),
    (Route { key: "GET /v1/jobs", auth: Auth::Jwt }, Endpoint::Jobs),
    (Route { key: "GET /v1/jobs/{job_id}", auth: Auth::Jwt }, Endpoint::Job),
    (Route { key: "GET /v1/jobs/{job_id}/coverage", auth: Auth::Jwt }, Endpoint::Coverage),
    (Route { key: "GET /v1/jobs/{job_id}/blasts", auth: Auth::Jwt }, Endpoint::Blasts),
    (Route { key: "GET /v1/user-activity", auth: Auth::Jwt }, Endpoint::UserActivity),
    (Route { key: "GET /v1/webhooks", auth: Auth::Jwt }, Endpoint::Webhooks),
    (Route { key: "GET /v1/webhooks/{webhook_id}/deliveries", auth: Auth::Jwt }, Endpoint::WebhookDeliveries),
    (Route { key: routes::UNMATCHED, auth: Auth::None }, Endpoint::Unmatched),
]);

/// The default time budget of one request (`REQUEST_BUDGET_MS`), below the function's timeout.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(8);

/// What the handler needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct App {
    store: DynamoStore,
    claims: ClaimNames,
    keys: Keyring,
    budget: Duration,
}

impl App {
    /// Builds the app from `TABLE_NAME`, `SIGNING_KEYS_SECRET_ID` or `SIGNING_KEYS` (cursor signing),
    /// `REQUEST_BUDGET_MS`, the `CLAIM_*` names and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let budget = budget::from_env("REQUEST_BUDGET_MS", DEFAULT_BUDGET.as_millis() as u64)?;
        let sdk = store::aws_config().await;
        let keys = KeySource::from_env()?.load(&sdk).await?;
        let store = DynamoStore::from_sdk(&sdk, table).with_activity(ActivitySettings::from_env()?);
        Ok(App::new(store, ClaimNames::from_env(), keys).with_budget(budget))
    }

    /// Builds the app from its parts, with the default time budget.
    pub fn new(store: DynamoStore, claims: ClaimNames, keys: Keyring) -> Self {
        App { store, claims, keys, budget: DEFAULT_BUDGET }
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
    let Some(endpoint) = ROUTES.endpoint(req) else {
        return Err(Error::NotFound("no such route".into()));
    };
    // The catch-all route has no authorizer: it answers without a caller.
    let caller = || Caller::from_request(req, &app.claims);
    match endpoint {
        Endpoint::Individuals => individuals::list(app, &caller()?, req).await,
        Endpoint::Individual => individuals::detail(app, &caller()?, req).await,
        Endpoint::FileActivity => file::activity(app, &caller()?, req).await,
        Endpoint::Audit => audit::list(app, &caller()?, req).await,
        Endpoint::Jobs => jobs::list(app, &caller()?, req).await,
        Endpoint::Job => jobs::job(app, &caller()?, req).await,
        Endpoint::Coverage => coverage::matrix(app, &caller()?, req).await,
        Endpoint::Blasts => jobs::blasts(app, &caller()?, req).await,
        Endpoint::UserActivity => user_activity::list(app, &caller()?, req).await,
        Endpoint::Webhooks => webhooks::list(app, &caller()?).await,
        Endpoint::WebhookDeliveries => webhooks::deliveries(app, &caller()?, req).await,
        Endpoint::Unmatched
            if routes::is_preflight(
                req.method().as_str(),
                http::header(req, "origin"),
                http::header(req, "access-control-request-method"),
            ) =>
        {
            Ok(http::no_content())
        }
        Endpoint::Unmatched => Err(routes::unmatched(req.method().as_str(), req.raw_http_path())),
    }
}

/// The job of the path, once the caller is known to be allowed to see it; otherwise the same 404
/// whether or not the job exists.
async fn visible_job(app: &App, caller: &Caller, req: &Request) -> Result<(Id, jiff::tz::TimeZone)> {
    let job_id = http::path_id(req, "job_id").map_err(|_| Error::NotFound("no such job".into()))?;
    let job = visibility::visible_job(&app.store, caller, &job_id).await?;
    // Local times are the job's; a job staff read that was never registered has UTC's.
    let zone = job.and_then(|j| shared::time::zone(&j.time_zone)).unwrap_or(jiff::tz::TimeZone::UTC);
    Ok((job_id, zone))
}

/// The `{items, next_cursor}` answer of a list.
fn list_answer<T: serde::Serialize>(items: &[T], next_cursor: Option<String>) -> Response<Body> {
    http::json(lambda_http::http::StatusCode::OK, &serde_json::json!({ "items": items, "next_cursor": next_cursor }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_route_of_another_function_is_a_404_never_one_of_ours() {
        let keys = Keyring::new(vec![("k".into(), vec![7; 32])]).unwrap();
        let app = App::new(DynamoStore::unconnected("t"), ClaimNames::default(), keys);
        for (route, path) in [("POST /v1/events", "/v1/events"), ("GET /v1/exports/{export_id}", "/v1/exports/e")] {
            let res = handle(&app, http::gateway_request(route, path).unwrap()).await;
            assert_eq!(res.status(), 404, "{route} must not fall through to the audit");
        }
    }
}
