//! The redirect function: `GET /r/{token}` (and `HEAD`) of blast e-mails. It verifies the signed
//! link token, records the recipient's access (automated hits of e-mail scanners apart), and
//! answers 302 to the planroom's page for the target with a fresh contact session. A tracking
//! failure never strands a recipient: the redirect goes on to the cached planroom address or the
//! configured fallback page.

mod page;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use shared::config::{self, ConfigError};
use shared::contact_session::ContactSession;
use shared::event::{EventInput, ObjectRef};
use shared::first_access::{Capture, Source};
use shared::http::{self, Auth, Route, RouteTable};
use shared::ids::{Id, Name};
use shared::key_source::KeySource;
use shared::link_token::{LinkError, LinkToken};
use shared::scanner::{Hit, Rules, Signal};
use shared::signing::Keyring;
use shared::store::{self, DynamoStore, StoredBlast, StoredRecipient};
use shared::user_activity::ActivitySettings;
use shared::user_activity::row::UserFields;
use shared::user_activity::sources::CaptureKind;
use shared::{Result, budget, planroom, time};

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
    /// Planroom base URLs seen so far: the redirect still works while DynamoDB does not answer.
    bases: Mutex<HashMap<String, String>>,
}

/// Settings of the redirect beyond storage and keys.
#[derive(Debug, Clone)]
pub struct RedirectSettings {
    /// Scanner rules.
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
    /// `FALLBACK_URL`, `SESSION_IN`, `REDIRECT_BUDGET_MS`, `SCANNER_SEND_WINDOW_SECONDS`, `SCANNER_BURST_LINKS`,
    /// `SCANNER_NETWORKS`.
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
            bases: Mutex::new(HashMap::new()),
        }
    }
}

impl RedirectSettings {
    /// Reads the settings from the environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        let defaults = Rules::default();
        let rules = Rules {
            send_window_seconds: i64::try_from(config::number(
                "SCANNER_SEND_WINDOW_SECONDS",
                u64::try_from(defaults.send_window_seconds).unwrap_or(30),
            )?)
            .map_err(|_| ConfigError("SCANNER_SEND_WINDOW_SECONDS is too large".into()))?,
            burst_links: u32::try_from(config::number("SCANNER_BURST_LINKS", u64::from(defaults.burst_links))?)
                .map_err(|_| ConfigError("SCANNER_BURST_LINKS is too large".into()))?,
            ..defaults
        }
        .with_extra_networks(&config::or("SCANNER_NETWORKS", ""))
        .map_err(ConfigError)?;
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
/// whatever the table does; recording the hit is best effort inside that budget.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let Some(endpoint) = ROUTES.endpoint(&req) else {
        return page::finish(page::not_found(), false);
    };
    let head = endpoint == Endpoint::Probe;
    let budget = budget::for_request(app.budget, http::lambda_deadline(&req));
    page::finish(budget::within(budget, follow(app, &req, head)).await, head)
}

async fn follow(app: &App, req: &Request, head: bool) -> Response<Body> {
    let raw = req.path_parameters_ref().and_then(|p| p.first("token")).unwrap_or_default();
    let now = jiff::Timestamp::now();
    let token = match LinkToken::decode(raw, &app.keys, now.as_second()) {
        Ok(token) => token,
        Err(LinkError::Expired) => return page::gone(),
        Err(LinkError::Invalid) => return page::not_found(),
    };
    let (Ok(planroom), Ok(job), Ok(blast_id)) =
        (Id::parse("planroom", &token.planroom), Id::parse("job", &token.job), Id::parse("blast", &token.blast))
    else {
        return page::not_found();
    };
    let hit = HitFacts::of(req, head);
    // Three independent reads, one round trip: where to send them, who they are, what was sent.
    let (base, recipient, blast) = tokio::join!(
        app.store.base_url(&planroom),
        app.store.recipient(&planroom, &job, &token.recipient, &token.blast),
        app.store.blast(&planroom, &job, &token.blast),
    );
    let (base, storage_failed) = match base {
        Ok(Some(base)) => {
            remember(app, &token.planroom, &base);
            (Some(base), false)
        }
        Ok(None) => (None, false),
        Err(err) => {
            tracing::error!(error = %err.chain(), blast = token.blast, "planroom address not read: storage unavailable");
            (cached(app, &token.planroom), true)
        }
    };
    let automated = match (recipient, blast) {
        (Ok(None), _) | (_, Ok(None)) => return page::not_found(), // not (or no longer, or not yet) registered
        (Ok(Some(recipient)), Ok(Some(blast))) => {
            let signal = classify(app, &token, &planroom, &job, &blast, &hit).await;
            let source = Source::Blast(blast_id);
            if let Err(err) =
                record(app, &token, (&planroom, &job), &recipient, &blast, &source, (signal, hit.user_agent), now).await
            {
                tracing::error!(error = %err.chain(), blast = token.blast, recipient = token.recipient,
                    target = token.target_id, "tracked-link hit not recorded");
            }
            signal
        }
        (Err(err), _) | (_, Err(err)) => {
            tracing::error!(error = %err.chain(), blast = token.blast, recipient = token.recipient,
                target = token.target_id, "tracked-link hit not recorded: storage unavailable");
            app.rules.classify(&hit.signals(None, 1))
        }
    };
    let Some(base) = base.or_else(|| app.fallback_url.clone()) else {
        return if storage_failed { page::unavailable() } else { page::not_found() };
    };
    let session = ContactSession {
        planroom: token.planroom.clone(),
        job: token.job.clone(),
        blast: token.blast.clone(),
        recipient: token.recipient.clone(),
        expires_at: now.as_second().saturating_add(app.session_ttl_seconds),
        automated: automated.map(|signal| signal.code().to_owned()),
    }
    .encode(&app.keys);
    let target = planroom::target_url(&base, &token.job, token.target_kind, &token.target_id);
    page::found(&app.session_in.locate(&target, &session))
}

/// What a hit shows about itself, before anything is read.
struct HitFacts<'a> {
    method: &'static str,
    user_agent: Option<&'a str>,
    source_ip: Option<std::net::IpAddr>,
    now: i64,
}

impl<'a> HitFacts<'a> {
    fn of(req: &'a Request, head: bool) -> Self {
        let source_ip = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref().and_then(|ip| ip.parse().ok()),
            _ => None,
        };
        HitFacts {
            method: if head { "HEAD" } else { "GET" },
            user_agent: http::header(req, "user-agent"),
            source_ip,
            now: jiff::Timestamp::now().as_second(),
        }
    }

    /// The hit with what storage told about it: the send time and the links of the burst window.
    fn signals(&self, sent: Option<jiff::Timestamp>, distinct_links_in_burst: u32) -> Hit<'a> {
        Hit {
            method: self.method,
            user_agent: self.user_agent,
            source_ip: self.source_ip,
            seconds_since_send: sent.map(|s| self.now - s.as_second()),
            distinct_links_in_burst,
        }
    }
}

/// The signal that marks the hit automated, if any: what it shows about itself, the links of
/// the recipient opened in the burst window (noted now), and how soon after the send it came.
async fn classify(
    app: &App,
    token: &LinkToken,
    planroom: &Id,
    job: &Id,
    blast: &StoredBlast,
    hit: &HitFacts<'_>,
) -> Option<Signal> {
    let link = format!("{}#{}#{}", token.action.as_str(), token.target_kind.as_str(), token.target_id);
    let burst = match app.store.note_link_hit(planroom, job, &token.recipient, &link, hit.now).await {
        Ok(burst) => burst,
        Err(err) => {
            tracing::warn!(error = %err.chain(), "burst window not read; judging the hit without it");
            1
        }
    };
    let sent = blast.sent_at.as_deref().and_then(time::parse_instant);
    app.rules.classify(&hit.signals(sent, burst))
}

/// Records the hit, automated or not.
#[allow(clippy::too_many_arguments)]
async fn record(
    app: &App,
    token: &LinkToken,
    (planroom, job): (&Id, &Id),
    recipient: &StoredRecipient,
    blast: &StoredBlast,
    source: &Source,
    (signal, user_agent): (Option<Signal>, Option<&str>),
    now: jiff::Timestamp,
) -> Result<()> {
    let automated = signal.map(Signal::code);
    let target_name = blast.target_name(token.target_kind.as_str(), &token.target_id).unwrap_or_default();
    let events = [EventInput {
        event_id: None,
        job: job.clone(),
        activity: token.action,
        object: ObjectRef {
            kind: token.target_kind,
            id: Id::parse("target", &token.target_id)?,
            name: Name::parse("name", target_name).unwrap_or_default(),
        },
        section: None,
        url: None,
        device: None,
    }];
    let at = time::format(now);
    let capture = Capture { planroom, individual: &recipient.individual, source, automated, at: &at, events: &events };
    let user = UserFields::of_recipient(&recipient.individual);
    let recorded = app.store.record_and_log(CaptureKind::LinkHit, &capture, &user, user_agent).await?;
    let first = recorded.first().is_some_and(|r| r.first);
    tracing::info!(blast = token.blast, automated, first, "tracked link followed");
    Ok(())
}

fn remember(app: &App, planroom: &str, base: &str) {
    if let Ok(mut bases) = app.bases.lock() {
        bases.insert(planroom.to_owned(), base.to_owned());
    }
}

fn cached(app: &App, planroom: &str) -> Option<String> {
    app.bases.lock().ok().and_then(|b| b.get(planroom).cloned())
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
