//! The redirect function: `GET /r/{token}` (and `HEAD`) of blast e-mails. It opens the link's
//! sealed token, judges what the request shows about itself (a `HEAD`, a scanner's user agent or
//! network), logs the hit (one write: the link carries the recipient, the target and the job, and
//! the planroom's address is remembered per container), and answers 302 to the planroom's page for
//! the target with a fresh contact session. The judge ([`judge`]) decides the hits nothing marked
//! from the hits around them, and records them. A tracking failure never strands a recipient: the
//! redirect goes on to the remembered planroom address or the configured fallback page, and a hit
//! that could not be logged is written to the function's log with everything needed to replay it.

mod bases;
mod hit;
pub mod judge;
mod page;

use std::time::Duration;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use shared::config::{self, ConfigError};
use shared::contact_session::{ContactSession, SessionHit};
use shared::http::{self, Auth, Route, RouteTable};
use shared::ids::Id;
use shared::key_source::KeySource;
use shared::link_token::{LinkError, LinkToken};
use shared::scanner::{Hit, Rules};
use shared::signing::Keyring;
use shared::store::{self, DynamoStore};
use shared::user_activity::ActivitySettings;
use shared::user_activity::log::LogEntry;
use shared::{Result, budget, keys, planroom};

use crate::bases::Bases;
use crate::hit::Subject;

/// What this function does, one variant per route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// A person (or a scanner) following a tracked link.
    Follow,
    /// A link checker probing it.
    Probe,
}

/// The routes this function serves (both answered by [`handle`]).
pub const ROUTES: RouteTable<Endpoint> = RouteTable(&[
    (Route { key: "GET /r/{token}", auth: Auth::None }, Endpoint::Follow),
    (Route { key: "HEAD /r/{token}", auth: Auth::None }, Endpoint::Probe),
]);

/// The default time budget of a tracked link (`REDIRECT_BUDGET_MS`): the recipient is on their
/// way within it whatever the table does.
pub const DEFAULT_BUDGET: Duration = Duration::from_millis(2500);

/// What the handler needs, built once per cold start.
#[derive(Debug)]
pub struct App {
    store: DynamoStore,
    keys: Keyring,
    rules: Rules,
    session_ttl_seconds: i64,
    fallback_url: Option<String>,
    budget: Duration,
    session_in: SessionIn,
    /// Planroom base URLs, remembered for a minute.
    bases: Bases,
}

/// Settings of the redirect beyond storage and keys.
#[derive(Debug, Clone)]
pub struct RedirectSettings {
    /// What marks a request a machine's by itself.
    pub rules: Rules,
    /// How long a contact session lasts, in seconds.
    pub session_ttl_seconds: i64,
    /// Where to send a recipient when the planroom's address cannot be had.
    pub fallback_url: Option<String>,
    /// The time a tracked link may take, recording included.
    pub budget: Duration,
    /// Where the redirect puts the contact session (`SESSION_IN`).
    pub session_in: SessionIn,
}

/// Where the planroom page gets the contact session from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SessionIn {
    /// `#contact_session=…`: read by the page's script, never sent to a server, so it reaches no
    /// access log and no `Referer` (the default).
    #[default]
    Fragment,
    /// `?contact_session=…`: for planrooms that need the session server-side.
    Query,
}

impl SessionIn {
    /// `fragment` or `query`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        match text {
            "fragment" => Ok(SessionIn::Fragment),
            "query" => Ok(SessionIn::Query),
            other => Err(ConfigError(format!("SESSION_IN must be fragment or query, not {other:?}"))),
        }
    }

    /// The page of `target` carrying `session`.
    pub fn locate(self, target: &str, session: &str) -> String {
        match self {
            SessionIn::Fragment => format!("{target}#contact_session={session}"),
            SessionIn::Query => format!("{target}?contact_session={session}"),
        }
    }
}

impl App {
    /// Builds the app from `TABLE_NAME`, `SIGNING_KEYS_SECRET_ID` (or `SIGNING_KEYS`), `SESSION_TTL_MINUTES` (default 480),
    /// `FALLBACK_URL`, `SESSION_IN`, `REDIRECT_BUDGET_MS` and `SCANNER_NETWORKS`.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let settings = RedirectSettings::from_env()?;
        let sdk = store::aws_config().await;
        let keys = KeySource::from_env()?.load(&sdk).await?;
        Ok(App::new(DynamoStore::from_sdk(&sdk, table).with_activity(ActivitySettings::from_env()?), keys, settings))
    }

    /// Builds the app from its parts.
    pub fn new(store: DynamoStore, keys: Keyring, settings: RedirectSettings) -> Self {
        App {
            store,
            keys,
            rules: settings.rules,
            session_ttl_seconds: settings.session_ttl_seconds,
            fallback_url: settings.fallback_url,
            budget: settings.budget,
            session_in: settings.session_in,
            bases: Bases::default(),
        }
    }
}

impl RedirectSettings {
    /// Reads the settings from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let rules = Rules::default().with_extra_networks(&config::or("SCANNER_NETWORKS", "")).map_err(ConfigError)?;
        let fallback_url = match std::env::var("FALLBACK_URL").ok().filter(|u| !u.is_empty()) {
            Some(url) => Some(planroom::parse_base_url(&url).map_err(|e| ConfigError(format!("FALLBACK_URL: {e}")))?),
            None => None,
        };
        Ok(RedirectSettings {
            rules,
            session_ttl_seconds: i64::try_from(config::number("SESSION_TTL_MINUTES", 480)? * 60)
                .map_err(|_| ConfigError("SESSION_TTL_MINUTES is too large".into()))?,
            fallback_url,
            budget: budget::from_env("REDIRECT_BUDGET_MS", DEFAULT_BUDGET.as_millis() as u64)?,
            session_in: SessionIn::parse(&config::or("SESSION_IN", "fragment"))?,
        })
    }
}

/// Serves one request: a redirect (or a small page) within the redirect's time budget,
/// whatever the table does. The request comes through API Gateway's route, or straight to the
/// function's URL (whose only route is `$default`: the path says it).
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let endpoint = ROUTES.endpoint(&req).or_else(|| function_url_endpoint(&req));
    let Some(endpoint) = endpoint else {
        return page::finish(page::not_found(), false);
    };
    let head = endpoint == Endpoint::Probe;
    let budget = budget::for_request(app.budget, http::lambda_deadline(&req));
    page::finish(budget::within(budget, follow(app, &req, head)).await, head)
}

/// A request to the function's URL: `GET` or `HEAD` of `/r/{token}`.
fn function_url_endpoint(req: &Request) -> Option<Endpoint> {
    if http::route_key(req) != Some(shared::routes::UNMATCHED) {
        return None;
    }
    token_of(req)?;
    match req.method().as_str() {
        "GET" => Some(Endpoint::Follow),
        "HEAD" => Some(Endpoint::Probe),
        _ => None,
    }
}

/// The token: API Gateway's path parameter, or the path's last segment at a function URL.
fn token_of(req: &Request) -> Option<String> {
    if let Some(token) = req.path_parameters_ref().and_then(|p| p.first("token")) {
        return Some(token.to_owned());
    }
    let path = req.raw_http_path();
    let token = path.strip_prefix("/r/")?;
    (!token.is_empty() && !token.contains('/')).then(|| token.to_owned())
}

async fn follow(app: &App, req: &Request, head: bool) -> Response<Body> {
    let raw = token_of(req).unwrap_or_default();
    let now = jiff::Timestamp::now();
    let token = match LinkToken::decode(&raw, &app.keys, now.as_second()) {
        Ok(token) => token,
        Err(LinkError::Expired) => return page::gone(),
        Err(LinkError::Invalid) => return page::not_found(),
    };
    let (Ok(planroom), Ok(job)) = (Id::parse("planroom", &token.planroom), Id::parse("job", &token.job)) else {
        return page::not_found();
    };
    let user_agent = http::header(req, "user-agent");
    let signal =
        app.rules.classify(&Hit { method: if head { "HEAD" } else { "GET" }, user_agent, source_ip: source_ip(req) });
    let subject = match Subject::of_link(&token, &job) {
        Some(subject) => Ok(Some(subject)),
        None => old_link_subject(app, &token, &planroom, &job).await,
    };
    let subject = match subject {
        Ok(Some(subject)) => Some(subject),
        Ok(None) => return page::not_found(), // an old link of a recipient or blast not (or no longer) registered
        Err(err) => {
            tracing::error!(error = %err.chain(), blast = token.blast, "an old link's recipient not read: the hit is not recorded");
            None
        }
    };
    let Ok(target) = Id::parse("target", &token.target_id) else { return page::not_found() };
    let entry = subject.as_ref().map(|s| hit::entry(&planroom, &token, s, signal, user_agent, now));
    // One round trip: the hit's row, and the planroom's address when it is not remembered.
    let (logged, base) = tokio::join!(log_hit(app, &planroom, entry.as_ref()), base_url(app, &planroom));
    let Some(base) = base.or_else(|| app.fallback_url.clone()) else {
        return page::unavailable();
    };
    let session = ContactSession {
        planroom: token.planroom.clone(),
        job: token.job.clone(),
        blast: token.blast.clone(),
        recipient: token.recipient.clone(),
        expires_at: now.as_second().saturating_add(app.session_ttl_seconds),
        automated: signal.map(|signal| signal.code().to_owned()),
        hit: logged.map(|row| SessionHit {
            row,
            at_ms: now.as_millisecond(),
            record: keys::first_access_sk(
                &subject.as_ref().map(|s| s.individual.id.clone()).unwrap_or_else(|| token.recipient.clone()),
                token.action,
                token.target_kind,
                &target,
                false,
            ),
        }),
    }
    .encode(&app.keys);
    let destination = planroom::target_url(&base, &token.job, token.target_kind, &token.target_id);
    page::found(&app.session_in.locate(&destination, &session))
}

/// The client's address as API Gateway (or the function URL) saw it.
fn source_ip(req: &Request) -> Option<std::net::IpAddr> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref().and_then(|ip| ip.parse().ok()),
        _ => None,
    }
}

/// Logs the hit; its row's sort key when logged. A hit that cannot be logged is written to the
/// function's log, with every field, for replay: the recipient goes on regardless.
async fn log_hit(app: &App, planroom: &Id, entry: Option<&shared::Result<LogEntry>>) -> Option<String> {
    let entry = match entry? {
        Ok(entry) => entry,
        Err(err) => {
            tracing::error!(error = %err.chain(), "a tracked-link hit could not be described: not recorded");
            return None;
        }
    };
    let key = entry.row_key(planroom, app.store.activity().shards);
    match app.store.put_entries(planroom, std::slice::from_ref(entry)).await {
        Ok(()) => {
            let pending = entry.hit.as_ref().is_some_and(|h| h.pending);
            tracing::info!(pending, automated = entry.row["automated"].as_bool(), "tracked link followed");
            Some(key.sk)
        }
        Err(err) => {
            let row = serde_json::Value::Object(entry.row.clone());
            tracing::error!(error = %err.chain(), planroom = planroom.as_str(), pk = key.pk, sk = key.sk, %row,
                owner = entry.owner, sent_at = ?entry.hit.as_ref().and_then(|h| h.sent_at),
                "tracked-link hit not recorded: replay it from this line");
            None
        }
    }
}

/// The planroom's address: remembered, or read (and remembered), or the last known when the read
/// fails.
async fn base_url(app: &App, planroom: &Id) -> Option<String> {
    if let Some(base) = app.bases.fresh(planroom.as_str()) {
        return Some(base);
    }
    match app.store.base_url(planroom).await {
        Ok(Some(base)) => {
            app.bases.remember(planroom.as_str(), &base);
            Some(base)
        }
        Ok(None) => None,
        Err(err) => {
            tracing::error!(error = %err.chain(), "planroom address not read: storage unavailable");
            app.bases.last_known(planroom.as_str())
        }
    }
}

/// An old (version 1) link's recipient, target and job, read from the table; `None` when the
/// recipient or the blast is not registered.
async fn old_link_subject(app: &App, token: &LinkToken, planroom: &Id, job: &Id) -> Result<Option<Subject>> {
    let jobs = [job];
    let (recipient, blast, jobs) = tokio::join!(
        app.store.recipient(planroom, job, &token.recipient, &token.blast),
        app.store.blast(planroom, job, &token.blast),
        app.store.job_fields(planroom, &jobs),
    );
    let (Some(recipient), Some(blast)) = (recipient?, blast?) else { return Ok(None) };
    let job_fields = jobs?.remove(job).unwrap_or_else(|| shared::user_activity::row::JobFields::of(job, None));
    Ok(Some(Subject::of_stored(token, &recipient, &blast, job_fields)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_route_of_another_function_is_a_404_page() {
        let keys = Keyring::new(vec![("k".into(), vec![7; 32])]).unwrap();
        let settings = RedirectSettings {
            rules: Rules::default(),
            session_ttl_seconds: 60,
            fallback_url: None,
            budget: DEFAULT_BUDGET,
            session_in: SessionIn::default(),
        };
        let app = App::new(DynamoStore::unconnected("t"), keys, settings);
        let res = handle(&app, http::gateway_request("POST /v1/events", "/v1/events").unwrap()).await;
        assert_eq!(res.status(), 404);
        assert_eq!(res.headers()["cache-control"], "no-store");
    }

    #[test]
    fn the_session_goes_in_the_fragment_unless_the_query_is_asked_for() {
        assert_eq!(
            SessionIn::parse("fragment").unwrap().locate("https://p/jobs/j", "s.1"),
            "https://p/jobs/j#contact_session=s.1"
        );
        assert_eq!(
            SessionIn::parse("query").unwrap().locate("https://p/jobs/j", "s.1"),
            "https://p/jobs/j?contact_session=s.1"
        );
        assert!(SessionIn::parse("Query").is_err());
        assert_eq!(SessionIn::default(), SessionIn::Fragment);
    }
}
