//! The redirect function: `GET /r/{token}` (and `HEAD`) of blast e-mails. It verifies the signed
//! link token, records the recipient's access (automated hits of e-mail scanners apart), and
//! answers 302 to the planroom's page for the target with a fresh contact session. A tracking
//! failure never strands a recipient: the redirect goes on to the cached planroom address or the
//! configured fallback page.

mod page;

use std::collections::HashMap;
use std::sync::Mutex;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use shared::config::{self, ConfigError};
use shared::contact_session::ContactSession;
use shared::event::{EventInput, ObjectRef};
use shared::first_access::{Access, FirstAccessStore, Source};
use shared::http::{self, Auth, Route};
use shared::ids::{Id, Name};
use shared::link_token::{LinkError, LinkToken};
use shared::scanner::{Hit, Rules};
use shared::signing::Keyring;
use shared::store::{self, DynamoStore};
use shared::{Result, planroom, time};

/// The routes this function serves.
pub const ROUTES: &[Route] =
    &[Route { key: "GET /r/{token}", auth: Auth::None }, Route { key: "HEAD /r/{token}", auth: Auth::None }];

/// What the handler needs, built once per cold start.
#[derive(Debug)]
pub struct App {
    store: DynamoStore,
    keys: Keyring,
    rules: Rules,
    session_ttl_seconds: i64,
    fallback_url: Option<String>,
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
}

impl App {
    /// Builds the app from `TABLE_NAME`, `SIGNING_KEYS`, `SESSION_TTL_MINUTES` (default 480),
    /// `FALLBACK_URL`, `SCANNER_SEND_WINDOW_SECONDS`, `SCANNER_BURST_LINKS`, `SCANNER_NETWORKS`.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let keys = Keyring::parse(&config::required("SIGNING_KEYS")?)?;
        let settings = RedirectSettings::from_env()?;
        let sdk = store::aws_config().await;
        Ok(App::new(DynamoStore::from_sdk(&sdk, table), keys, settings))
    }

    /// Builds the app from its parts.
    pub fn new(store: DynamoStore, keys: Keyring, settings: RedirectSettings) -> Self {
        App {
            store,
            keys,
            rules: settings.rules,
            session_ttl_seconds: settings.session_ttl_seconds,
            fallback_url: settings.fallback_url,
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
        })
    }
}

/// Serves one request.
pub async fn handle(app: &App, req: Request) -> Response<Body> {
    let head = req.method() == lambda_http::http::Method::HEAD;
    page::finish(follow(app, &req, head).await, head)
}

async fn follow(app: &App, req: &Request, head: bool) -> Response<Body> {
    let raw = req.path_parameters_ref().and_then(|p| p.first("token")).unwrap_or_default();
    let now = jiff::Timestamp::now();
    let token = match LinkToken::decode(raw, &app.keys, now.as_second()) {
        Ok(token) => token,
        Err(LinkError::Expired) => return page::gone(),
        Err(LinkError::Invalid) => return page::not_found(),
    };
    let (Ok(planroom), Ok(job)) = (Id::parse("planroom", &token.planroom), Id::parse("job", &token.job)) else {
        return page::not_found();
    };
    let (base, storage_ok) = match app.store.base_url(&planroom).await {
        Ok(Some(base)) => {
            remember(app, &token.planroom, &base);
            (Some(base), true)
        }
        Ok(None) => (None, true),
        Err(err) => {
            // Storage is down or slow: send the recipient on without waiting for it again.
            tracing::error!(error = %err.chain(), blast = token.blast, recipient = token.recipient,
                target = token.target_id, "tracked-link hit not recorded: storage unavailable");
            (cached(app, &token.planroom), false)
        }
    };
    if storage_ok {
        match record(app, req, &token, &planroom, &job, head, now).await {
            Ok(true) => {}
            Ok(false) => return page::not_found(),
            Err(err) => tracing::error!(error = %err.chain(), blast = token.blast, recipient = token.recipient,
                target = token.target_id, "tracked-link hit not recorded"),
        }
    }
    let Some(base) = base.or_else(|| app.fallback_url.clone()) else {
        return if storage_ok { page::not_found() } else { page::unavailable() };
    };
    let session = ContactSession {
        planroom: token.planroom.clone(),
        job: token.job.clone(),
        blast: token.blast.clone(),
        recipient: token.recipient.clone(),
        expires_at: now.as_second().saturating_add(app.session_ttl_seconds),
    }
    .encode(&app.keys);
    let target = planroom::target_url(&base, &token.job, token.target_kind, &token.target_id);
    page::found(&format!("{target}?contact_session={session}"))
}

/// Records the hit; `Ok(false)` when the recipient is not (or no longer) registered.
async fn record(
    app: &App,
    req: &Request,
    token: &LinkToken,
    planroom: &Id,
    job: &Id,
    head: bool,
    now: jiff::Timestamp,
) -> Result<bool> {
    // The recipient and the target's name are independent reads: one round trip, not two.
    let (recipient, target_name) = tokio::try_join!(
        app.store.recipient(planroom, job, &token.recipient, &token.blast),
        app.store.blast_target_name(planroom, job, &token.blast, token.target_kind.as_str(), &token.target_id),
    )?;
    let Some(recipient) = recipient else {
        return Ok(false);
    };
    let target_name = target_name.unwrap_or_default();
    let link = format!("{}#{}#{}", token.action.as_str(), token.target_kind.as_str(), token.target_id);
    let burst = app.store.note_link_hit(planroom, job, &token.recipient, &link, now.as_second()).await?;
    let source_ip = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.http.source_ip.as_deref().and_then(|ip| ip.parse().ok()),
        _ => None,
    };
    let sent = recipient.sent_at.as_deref().and_then(time::parse_instant);
    let hit = Hit {
        method: if head { "HEAD" } else { "GET" },
        user_agent: http::header(req, "user-agent"),
        source_ip,
        seconds_since_send: sent.map(|s| now.as_second() - s.as_second()),
        distinct_links_in_burst: burst,
    };
    let automated = app.rules.classify(&hit).map(|signal| signal.code());
    let event = EventInput {
        job: job.clone(),
        activity: token.action,
        object: ObjectRef {
            kind: token.target_kind,
            id: Id::parse("target", &token.target_id)?,
            name: Name::parse("name", &target_name).unwrap_or_default(),
        },
        section: None,
        url: None,
        device: None,
    };
    let source = Source::Blast(Id::parse("blast", &token.blast)?);
    let at = time::format(now);
    let access =
        Access { planroom, individual: &recipient.individual, event: &event, source: &source, automated, at: &at };
    let recorded = app.store.record(&access).await?;
    tracing::info!(blast = token.blast, automated, first = recorded.first, "tracked link followed");
    Ok(true)
}

fn remember(app: &App, planroom: &str, base: &str) {
    if let Ok(mut bases) = app.bases.lock() {
        bases.insert(planroom.to_owned(), base.to_owned());
    }
}

fn cached(app: &App, planroom: &str) -> Option<String> {
    app.bases.lock().ok().and_then(|b| b.get(planroom).cloned())
}
