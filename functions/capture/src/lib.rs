//! The capture function: the planroom frontend registers jobs and posts the view, download and
//! order events of its logged-in users; each post is applied whole, once per `event_id`.

mod blasts;
mod contact;
pub mod deadlines;
mod reminders;
mod user_activity;
mod webhooks;

use std::collections::HashMap;
use std::time::Duration;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::config::{self, ClaimNames, ConfigError};
use shared::event::decode_batch;
use shared::first_access::{Capture, Source};
use shared::http::{self, Auth, Route, RouteTable};
use shared::ids::Id;
use shared::job::JobInput;
use shared::judgement::{Confidence, Judgement};
use shared::key_source::KeySource;
use shared::recording::{self, CaptureRequest};
use shared::signing::Keyring;
use shared::store::{self, DynamoStore, JobStore};
use shared::user_activity::row::{JobFields, UserFields};
use shared::user_activity::sources::Action;
use shared::user_activity::{ActivitySettings, EventType};
use shared::{Error, Result, budget, visibility};

/// What this function does, one variant per route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// Register the planroom's base URL.
    PutPlanroom,
    /// Register or update a job.
    PutJob,
    /// Register a blast and mint its links.
    PostBlast,
    /// A page of a blast's links.
    BlastLinks,
    /// A reminder of a blast to whoever has not viewed its files.
    PostReminder,
    /// Events of a logged-in user.
    PostEvents,
    /// Events of a blast recipient, by contact session.
    PostContactEvents,
    /// User Activity events of what the frontend does elsewhere.
    PostUserActivity,
    /// Register a webhook endpoint.
    PostWebhook,
    /// Rotate an endpoint's secret.
    RotateWebhook,
    /// Delete an endpoint.
    DeleteWebhook,
}

/// The routes this function serves.
pub const ROUTES: RouteTable<Endpoint> = RouteTable(&[
    (Route { key: "PUT /v1/planroom", auth: Auth::Jwt }, Endpoint::PutPlanroom),
    (Route { key: "PUT /v1/jobs/{job_id}", auth: Auth::Jwt }, Endpoint::PutJob),
    (Route { key: "POST /v1/jobs/{job_id}/blasts", auth: Auth::Jwt }, Endpoint::PostBlast),
    (Route { key: "GET /v1/jobs/{job_id}/blasts/{blast_id}/links", auth: Auth::Jwt }, Endpoint::BlastLinks),
    (Route { key: "POST /v1/jobs/{job_id}/blasts/{blast_id}/reminders", auth: Auth::Jwt }, Endpoint::PostReminder),
    (Route { key: "POST /v1/webhooks", auth: Auth::Jwt }, Endpoint::PostWebhook),
    (Route { key: "POST /v1/webhooks/{webhook_id}/rotate", auth: Auth::Jwt }, Endpoint::RotateWebhook),
    (Route { key: "DELETE /v1/webhooks/{webhook_id}", auth: Auth::Jwt }, Endpoint::DeleteWebhook),
    (Route { key: "POST /v1/events", auth: Auth::Jwt }, Endpoint::PostEvents),
    (Route { key: "POST /v1/contact-events", auth: Auth::None }, Endpoint::PostContactEvents),
    (Route { key: "POST /v1/user-activity", auth: Auth::Jwt }, Endpoint::PostUserActivity),
]);

/// The default time budget of one request (`REQUEST_BUDGET_MS`), below the function's timeout.
pub const DEFAULT_BUDGET: Duration = Duration::from_secs(8);

/// What the handler needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct App {
    store: DynamoStore,
    claims: ClaimNames,
    keys: Keyring,
    links: LinkSettings,
    budget: Duration,
    deadlines: Option<deadlines::Deadlines>,
    webhooks_over_http: bool,
}

/// How tracked links are made.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    /// The redirect's own base URL (its function URL) for `{base}/r/{token}`; `None`: the API's.
    pub link_base: Option<String>,
    /// The API's public base URL for `{base}/r/{token}`; `None`: `https://` + the request's domain.
    pub public_base: Option<String>,
    /// How long a link stays valid, in seconds.
    pub ttl_seconds: i64,
}

impl LinkSettings {
    /// `LINK_BASE_URL` and `PUBLIC_API_URL` (optional) and `LINK_TTL_DAYS` (default 180).
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(LinkSettings {
            link_base: std::env::var("LINK_BASE_URL").ok().filter(|u| !u.is_empty()),
            public_base: std::env::var("PUBLIC_API_URL").ok().filter(|u| !u.is_empty()),
            ttl_seconds: i64::try_from(config::number("LINK_TTL_DAYS", 180)?.saturating_mul(24 * 3600))
                .map_err(|_| ConfigError("LINK_TTL_DAYS is too large".into()))?,
        })
    }
}

impl App {
    /// Builds the app from `TABLE_NAME`, `SIGNING_KEYS_SECRET_ID` (or `SIGNING_KEYS`), the link settings, `REQUEST_BUDGET_MS`,
    /// the `CLAIM_*` names and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let links = LinkSettings::from_env()?;
        let budget = budget::from_env("REQUEST_BUDGET_MS", DEFAULT_BUDGET.as_millis() as u64)?;
        let sdk = store::aws_config().await;
        let keys = KeySource::from_env()?.load(&sdk).await?;
        let store = DynamoStore::from_sdk(&sdk, table).with_activity(ActivitySettings::from_env()?);
        let deadlines = deadlines::Deadlines::from_env(&sdk)?;
        Ok(App { deadlines, ..App::new(store, ClaimNames::from_env(), keys, links).with_budget(budget) })
    }

    /// Builds the app from its parts, with the default time budget, no alert schedules and
    /// endpoints over https only.
    pub fn new(store: DynamoStore, claims: ClaimNames, keys: Keyring, links: LinkSettings) -> Self {
        App { store, claims, keys, links, budget: DEFAULT_BUDGET, deadlines: None, webhooks_over_http: false }
    }

    /// The same app scheduling each job's `coverage.missing` alert with `deadlines`.
    pub fn with_deadlines(self, deadlines: deadlines::Deadlines) -> Self {
        App { deadlines: Some(deadlines), ..self }
    }

    /// The same app taking `http` endpoints on a loopback host (the local stack's receivers).
    pub fn with_webhooks_over_loopback_http(self) -> Self {
        App { webhooks_over_http: true, ..self }
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
        Some(Endpoint::PutPlanroom) => blasts::put_planroom(app, req).await,
        Some(Endpoint::PutJob) => put_job(app, req).await,
        Some(Endpoint::PostBlast) => blasts::post_blast(app, req).await,
        Some(Endpoint::BlastLinks) => blasts::links(app, req).await,
        Some(Endpoint::PostReminder) => reminders::post(app, req).await,
        Some(Endpoint::PostWebhook) => webhooks::register(app, req).await,
        Some(Endpoint::RotateWebhook) => webhooks::rotate(app, req).await,
        Some(Endpoint::DeleteWebhook) => webhooks::delete(app, req).await,
        Some(Endpoint::PostEvents) => post_events(app, req).await,
        Some(Endpoint::PostContactEvents) => contact::post_events(app, req).await,
        Some(Endpoint::PostUserActivity) => user_activity::post(app, req).await,
        None => Err(Error::NotFound("no such route".into())),
    }
}

/// `PUT /v1/jobs/{job_id}`: staff register or update a job of their planroom.
async fn put_job(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let job_id = http::path_id(req, "job_id")?;
    let job = http::json_body::<JobInput>(req)?.validate(job_id)?;
    let now = jiff::Timestamp::now();
    let (job, created) = app.store.put_job(&caller.planroom, &job, now).await?;
    // The job is stored first: a failed schedule answers 503, and the same PUT again (which
    // changes nothing more) schedules it.
    if let Some(deadlines) = &app.deadlines {
        deadlines.sync(&caller.planroom, &job, now).await?;
    }
    let action = Action {
        event_type: EventType::CreateUpdate,
        event_name: if created { "Job registered" } else { "Job updated" },
        event_subtype: None,
        tool_name: "Jobs",
        object: Some(("job", job.job_id.as_str(), Some(job.name.as_str()))),
    };
    app.store.log_action(&caller, &action, http::header(req, "user-agent"), Some(&job.job_id)).await;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok(http::json(status, &job))
}

/// `POST /v1/events`: a batch of a logged-in user's events, each counted and logged once per
/// `event_id` ([`shared::recording`]). Every job named is a registered job the caller may see, or
/// the post is a 404 and nothing is stored.
async fn post_events(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    let arrived = jiff::Timestamp::now();
    let events = decode_batch(http::body(req, http::MAX_BODY_BYTES)?, arrived)?;
    let jobs = job_fields(app, &caller, events.iter().map(|e| &e.job)).await?;
    // A logged-in user is a person.
    let judgement = Judgement::human(Confidence::High);
    let capture = Capture {
        planroom: &caller.planroom,
        individual: &caller.individual,
        source: &Source::Login,
        judgement: &judgement,
        events: &events,
    };
    let user = UserFields::of_caller(&caller);
    let request = CaptureRequest {
        capture,
        user: &user,
        user_agent: http::header(req, "user-agent"),
        jobs: &jobs,
        arrived,
        landing: None,
    };
    let results = recording::record(&app.store, &request).await?;
    Ok(http::json(StatusCode::OK, &json!({ "results": results })))
}

/// The row fields of the jobs named, once each is a registered job `caller` may write to.
async fn job_fields<'a>(
    app: &App,
    caller: &Caller,
    named: impl Iterator<Item = &'a Id>,
) -> Result<HashMap<Id, JobFields>> {
    let mut ids: Vec<&Id> = named.collect();
    ids.sort();
    ids.dedup();
    let jobs = visibility::writable_jobs(&app.store, caller, &ids).await?;
    Ok(jobs.iter().map(|job| (job.job_id.clone(), JobFields::of(&job.job_id, Some(job)))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> App {
        let keys = Keyring::new(vec![("k".into(), vec![7; 32])]).unwrap();
        let links = LinkSettings { link_base: None, public_base: None, ttl_seconds: 60 };
        App::new(DynamoStore::unconnected("t"), ClaimNames::default(), keys, links)
    }

    #[tokio::test]
    async fn a_route_of_another_function_is_a_404_never_one_of_ours() {
        for (route, path) in
            [("GET /v1/activity", "/v1/activity"), ("GET /r/{token}", "/r/x"), ("DELETE /v1/events", "/v1/events")]
        {
            let res = handle(&app(), http::gateway_request(route, path).unwrap()).await;
            assert_eq!(res.status(), 404, "{route}");
        }
        assert_eq!(ROUTES.routes().count(), 11);
    }
}
