//! The dev server, the "embedded default": every function's handler on the template's routes,
//! behind a local stand-in for the API Gateway JWT authorizer, against the local AWS stand-in.

pub mod authorizer;
pub mod cors;
pub mod gateway;
pub mod lake_engine;
pub mod limits;
pub mod principals;
pub mod stream;
pub mod web;
pub mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use export::failures::Drainer;
use export::storage::Bucket;
use export::worker::Worker;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming as IncomingBody;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use lambda_http::Body;
use shared::config::{self, ClaimNames, ConfigError};
use shared::signing::Keyring;
use shared::store::{self, DynamoStore};
use shared::user_activity::ActivitySettings;
use tokio::net::TcpListener;

pub use authorizer::DevAuthorizer;
pub use gateway::{Functions, Gateway};

/// API Gateway's own payload limit for HTTP APIs.
const MAX_REQUEST_BYTES: usize = 10 * 1024 * 1024;

/// The documented development signing key (links, sessions, cursors); never use it deployed.
pub const DEV_SIGNING_KEYS: &str = "dev:ZGV2LW9ubHktc2lnbmluZy1rZXktZG8tbm90LWRlcGxveS0wMDAw";

/// Dev server settings, from the environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The table (created when missing).
    pub table: String,
    /// The JWT signing secret of the authorizer stand-in.
    pub jwt_secret: String,
    /// The HMAC keys of links, sessions and cursors.
    pub signing_keys: String,
    /// Settings of the redirect function.
    pub redirect: redirect::RedirectSettings,
    /// The reports bucket (created when missing).
    pub bucket: String,
    /// The time budget of one API request.
    pub request_budget: Duration,
    /// How long a new export may wait for the worker.
    pub export_start_within: Duration,
    /// How long exports are kept (`EXPORT_RETENTION_DAYS`).
    pub export_retention: Duration,
    /// Origins of browser pages allowed to call the API (`CORS_ALLOWED_ORIGINS`).
    pub cors_allowed_origins: String,
    /// The judge's windows (`SCANNER_*`).
    pub windows: shared::hit_judgement::Windows,
    /// The webhook delivery queue's name (`WEBHOOK_QUEUE_NAME`).
    pub webhook_queue: String,
    /// The EventBridge bus (`EVENT_BUS_NAME`).
    pub event_bus: String,
    /// The schedule group of the jobs' alerts (`SCHEDULE_GROUP`).
    pub schedule_group: String,
    /// Seconds before each retry of a webhook delivery (`WEBHOOK_RETRY_SECONDS`).
    pub webhook_retry: Vec<u64>,
    /// How long a delivery attempt may take (`WEBHOOK_TIMEOUT_MS`).
    pub webhook_timeout: Duration,
    /// How often the lake's closed days are compacted (`LAKE_COMPACT_SECONDS`; on AWS daily).
    pub lake_compact_every: Duration,
}

impl Settings {
    /// `TABLE_NAME` (default `planroom-activity-local`), `DEV_JWT_SECRET` (default
    /// [`authorizer::DEFAULT_SECRET`]), `SIGNING_KEYS` (default [`DEV_SIGNING_KEYS`]),
    /// `REQUEST_BUDGET_MS`, `EXPORT_START_WITHIN_SECONDS`, `CORS_ALLOWED_ORIGINS` (default
    /// [`cors::DEFAULT_ORIGINS`]) and the redirect's own settings.
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Settings {
            table: config::or("TABLE_NAME", "planroom-activity-local"),
            jwt_secret: config::or("DEV_JWT_SECRET", authorizer::DEFAULT_SECRET),
            signing_keys: config::or("SIGNING_KEYS", DEV_SIGNING_KEYS),
            redirect: redirect::RedirectSettings::from_env()?,
            bucket: config::or("BUCKET_NAME", "planroom-activity-exports-local"),
            request_budget: shared::budget::from_env("REQUEST_BUDGET_MS", 8000)?,
            export_start_within: Duration::from_secs(config::number(
                "EXPORT_START_WITHIN_SECONDS",
                export::DEFAULT_START_WITHIN.as_secs(),
            )?),
            cors_allowed_origins: config::or("CORS_ALLOWED_ORIGINS", cors::DEFAULT_ORIGINS),
            export_retention: export::retention_from_env()?,
            windows: redirect::judge::windows_from_env()?,
            webhook_queue: config::or("WEBHOOK_QUEUE_NAME", "planroom-activity-webhooks-local"),
            event_bus: config::or("EVENT_BUS_NAME", "planroom-activity-local"),
            schedule_group: config::or("SCHEDULE_GROUP", "planroom-activity-deadlines-local"),
            webhook_retry: match std::env::var("WEBHOOK_RETRY_SECONDS") {
                Ok(text) => shared::webhook::parse_schedule(&text)
                    .ok_or_else(|| ConfigError("WEBHOOK_RETRY_SECONDS must be comma-separated seconds".into()))?,
                Err(_) => shared::webhook::RETRY_SECONDS.to_vec(),
            },
            webhook_timeout: Duration::from_millis(config::number(
                "WEBHOOK_TIMEOUT_MS",
                ::webhooks::DEFAULT_TIMEOUT.as_millis() as u64,
            )?),
            lake_compact_every: Duration::from_secs(config::number("LAKE_COMPACT_SECONDS", 600)?.max(1)),
        })
    }
}

/// Connects to AWS (or the stand-in), creates the table if missing, and builds the gateway for an
/// API reachable at `public_base` (e.g. `http://127.0.0.1:3000`).
pub async fn gateway(settings: &Settings, public_base: &str) -> Result<Gateway, ConfigError> {
    let sdk = store::aws_config().await;
    let store = DynamoStore::from_sdk(&sdk, &settings.table);
    shared::table::create_if_missing(&store)
        .await
        .map_err(|e| ConfigError(format!("cannot create table {}: {}", settings.table, e.chain())))?;
    local_bucket(&sdk, settings).await?;
    webhooks::create_local(&sdk, settings)
        .await
        .map_err(|e| ConfigError(format!("cannot create the webhook queue, bus or schedule group: {e}")))?;
    gateway_with(&sdk, settings, public_base)
}

/// Builds the gateway on an already loaded AWS configuration, creating nothing.
pub fn gateway_with(
    sdk: &aws_config::SdkConfig,
    settings: &Settings,
    public_base: &str,
) -> Result<Gateway, ConfigError> {
    let store = DynamoStore::from_sdk(sdk, &settings.table).with_activity(ActivitySettings::from_env()?);
    gateway_on(store, sdk, settings, public_base)
}

/// Builds the gateway on a store of the caller's (benchmarks count its requests), creating nothing.
pub fn gateway_on(
    store: DynamoStore,
    sdk: &aws_config::SdkConfig,
    settings: &Settings,
    public_base: &str,
) -> Result<Gateway, ConfigError> {
    let claims = ClaimNames::from_env();
    let keys = Keyring::parse(&settings.signing_keys)?;
    let links =
        capture::LinkSettings { public_base: Some(public_base.to_owned()), ..capture::LinkSettings::from_env()? };
    let bucket = Bucket::new(&principals::sdk_as(sdk, principals::EXPORT), settings.bucket.clone(), true);
    let budget = settings.request_budget;
    let as_function = |principal| principals::store_as(&store, principal);
    let functions = Functions {
        capture: capture::App::new(as_function(principals::CAPTURE), claims.clone(), keys.clone(), links)
            .with_budget(budget)
            .with_deadlines(capture::deadlines::Deadlines::new(
                &principals::sdk_as(sdk, principals::CAPTURE),
                settings.schedule_group.clone(),
                webhooks::scheduler_role_arn(),
                webhooks::function_arn(),
            ))
            .with_webhooks_over_loopback_http(),
        redirect: redirect::App::new(as_function(principals::REDIRECT), keys.clone(), settings.redirect.clone()),
        query: query::App::new(as_function(principals::QUERY), claims.clone(), keys).with_budget(budget),
        export: export::App::new(as_function(principals::EXPORT), bucket, claims, export::storage::url_ttl_from_env()?)
            .with_budget(budget)
            .with_start_within(settings.export_start_within)
            .with_retention(settings.export_retention),
    };
    Ok(Gateway::new(DevAuthorizer::new(settings.jwt_secret.as_bytes()), functions)
        .with_cors(cors::Cors::new(&settings.cors_allowed_origins)))
}

/// The reports bucket in the local stand-in (path-style addressing: no DNS for bucket names there).
async fn local_bucket(sdk: &aws_config::SdkConfig, settings: &Settings) -> Result<Bucket, ConfigError> {
    let bucket = Bucket::new(sdk, settings.bucket.clone(), true);
    export::storage::create_bucket_if_missing(&bucket)
        .await
        .map_err(|e| ConfigError(format!("cannot create bucket {}: {}", settings.bucket, e.chain())))?;
    Ok(bucket)
}

/// Runs the stream's consumers (the export worker and the drainer of its on-failure queue, the
/// judge of tracked-link hits) until the future is dropped.
pub async fn run_worker(settings: &Settings) -> Result<(), ConfigError> {
    let sdk = store::aws_config().await;
    run_worker_through(&sdk, &sdk, settings).await
}

/// [`run_worker`] with the worker and the judge of tracked-link hits reaching AWS through
/// `worker_sdk` (a fault proxy, in tests) while the stream and the drainer use `sdk`.
pub async fn run_worker_through(
    sdk: &aws_config::SdkConfig,
    worker_sdk: &aws_config::SdkConfig,
    settings: &Settings,
) -> Result<(), ConfigError> {
    let judge_sdk = worker_sdk;
    local_bucket(sdk, settings).await?;
    // The worker, its event source (Lambda reads the stream with the worker's role) and the
    // drainer each call AWS as themselves.
    let worker_sdk = principals::sdk_as(worker_sdk, principals::EXPORT_WORKER);
    let drainer_sdk = principals::sdk_as(sdk, principals::EXPORT_FAILURES);
    let bucket = Bucket::new(&principals::sdk_as(sdk, principals::EXPORT_WORKER), settings.bucket.clone(), true);
    let store = DynamoStore::from_sdk(&worker_sdk, &settings.table).with_activity(ActivitySettings::from_env()?);
    let lake_reader = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&principals::sdk_as(sdk, principals::EXPORT_WORKER))
            .force_path_style(true)
            .build(),
    );
    let engine = lake_engine::LocalLake::new(lake_reader, settings.bucket.clone());
    let worker = Worker::new(store, bucket).with_engine(Arc::new(engine));
    let drainer = Drainer::new(
        DynamoStore::from_sdk(&drainer_sdk, &settings.table),
        aws_sdk_dynamodbstreams::Client::new(&drainer_sdk),
    );
    let judge_sdk = principals::sdk_as(judge_sdk, principals::HIT_JUDGE);
    let judge_store = DynamoStore::from_sdk(&judge_sdk, &settings.table).with_activity(ActivitySettings::from_env()?);
    let judge = redirect::judge::Judge::new(judge_store, settings.windows);
    // The webhook function: its outbox on the stream, its sender on the delivery queue, its
    // deadlines on the schedules.
    let names = webhooks::create_local(sdk, settings)
        .await
        .map_err(|e| ConfigError(format!("cannot create the webhook queue, bus or schedule group: {e}")))?;
    let webhooks_sdk = principals::sdk_as(sdk, principals::WEBHOOKS);
    let outlets = ::webhooks::Outlets {
        queue_url: names.queue_url.clone(),
        bus: names.bus.clone(),
        schedule: settings.webhook_retry.clone(),
        timeout: settings.webhook_timeout,
    };
    let webhooks_store = DynamoStore::from_sdk(&webhooks_sdk, &settings.table);
    let hooks = ::webhooks::App::new(&webhooks_sdk, webhooks_store, outlets)?;
    let lake_sdk = principals::sdk_as(sdk, principals::LAKE);
    let lake = ::lake::App {
        store: DynamoStore::from_sdk(&lake_sdk, &settings.table),
        bucket: ::lake::LakeBucket::new(&lake_sdk, settings.bucket.clone(), true),
    };
    let consumers = stream::Consumers { worker, drainer, judge, webhooks: hooks.clone(), lake: lake.clone() };
    let sqs = aws_sdk_sqs::Client::new(&webhooks_sdk);
    // The scheduler calls the function as the service does, not as a function.
    let scheduler = aws_sdk_scheduler::Client::new(sdk);
    tokio::join!(
        stream::feed(sdk, &settings.table, &consumers),
        webhooks::poll_queue(&hooks, &sqs, &names.queue_url),
        webhooks::run_schedules(&hooks, &scheduler, &names.group),
        stream::compact_every(&lake, settings.lake_compact_every),
    );
    Ok(())
}

/// Serves `gateway` on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, gateway: Arc<Gateway>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(err) => {
                    tracing::warn!(error = %err, "accept failed");
                    continue;
                }
            },
            () = &mut shutdown => return,
        };
        let gateway = gateway.clone();
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let gateway = gateway.clone();
                async move { Ok::<_, std::convert::Infallible>(serve_one(&gateway, req, peer).await) }
            });
            if let Err(err) = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await {
                tracing::debug!(error = %err, "connection closed with an error");
            }
        });
    }
}

async fn serve_one(
    gateway: &Gateway,
    req: hyper::Request<IncomingBody>,
    peer: SocketAddr,
) -> hyper::Response<Full<Bytes>> {
    let started = std::time::Instant::now();
    let (parts, body) = req.into_parts();
    let response = match Limited::new(body, MAX_REQUEST_BYTES).collect().await {
        Ok(collected) => {
            let incoming = gateway::Incoming {
                method: parts.method.as_str(),
                path: parts.uri.path(),
                query: parts.uri.query().unwrap_or_default(),
                headers: &parts.headers,
                body: collected.to_bytes(),
                peer,
            };
            gateway.handle(incoming).await
        }
        Err(_) => shared::http::error(&shared::Error::PayloadTooLarge { limit: MAX_REQUEST_BYTES }),
    };
    let (res_parts, body) = response.into_parts();
    let bytes = match body {
        Body::Text(text) => Bytes::from(text),
        Body::Binary(bytes) => Bytes::from(bytes),
        _ => Bytes::new(),
    };
    tracing::info!(
        method = %parts.method,
        path = parts.uri.path(),
        status = res_parts.status.as_u16(),
        millis = started.elapsed().as_millis() as u64,
        "request"
    );
    hyper::Response::from_parts(res_parts, Full::new(bytes))
}
