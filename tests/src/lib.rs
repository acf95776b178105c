//! What every end-to-end test needs: [`TestApp::spawn`] starts the dev server on a free port
//! against the local AWS stand-in and hands back a client with request helpers, a planroom of the
//! test's own (so tests never collide), and a view of everything stored for that planroom.

pub mod proxy;

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use devserver::{DevAuthorizer, Settings};
use redirect::RedirectSettings;
use serde_json::{Value, json};
use shared::scanner::Rules;

/// The table the tests use in the local stand-in.
pub const TEST_TABLE: &str = "planroom-activity-test";

/// The reports bucket the tests use in the local stand-in.
pub const TEST_BUCKET: &str = "planroom-activity-test-exports";

/// Starts the export worker on the table's stream once per test process, on a thread of its own
/// that outlives every test's runtime.
fn start_worker_once(settings: &Settings) {
    static WORKER: std::sync::Once = std::sync::Once::new();
    let settings = settings.clone();
    WORKER.call_once(move || {
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("worker runtime");
            if let Err(err) = runtime.block_on(devserver::run_worker(&settings)) {
                eprintln!("the export worker stopped: {err}");
            }
        });
    });
}

/// A stored item.
pub type Item = HashMap<String, AttributeValue>;

/// A running dev server and a client for it.
pub struct TestApp {
    /// `http://127.0.0.1:{port}`.
    pub base: String,
    /// The test's own planroom.
    pub planroom: String,
    /// The HTTP client.
    pub http: reqwest::Client,
    /// The authorizer stand-in, to mint tokens.
    pub auth: DevAuthorizer,
    /// A direct DynamoDB client, to look at what was stored.
    pub dynamo: aws_sdk_dynamodb::Client,
}

/// An answer: status and JSON body (`Value::Null` when the body is not JSON).
#[derive(Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Parsed body.
    pub body: Value,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
}

/// A fresh, unique id with a readable prefix.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

impl TestApp {
    /// Starts a dev server on a free port for a new planroom.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with_keys(devserver::DEV_SIGNING_KEYS).await
    }

    /// Starts a dev server whose links, sessions and cursors are signed with `signing_keys`.
    pub async fn spawn_with_keys(signing_keys: &str) -> TestApp {
        assert!(
            std::env::var("AWS_ENDPOINT_URL").is_ok(),
            "AWS_ENDPOINT_URL is not set: run the tests with `make test`, which starts the local AWS stand-in"
        );
        // Logs of the server side show up in a failing test's output.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(std::env::var("RUST_LOG").unwrap_or("info".into()))
            .try_init();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        let settings = Settings {
            table: TEST_TABLE.into(),
            jwt_secret: "e2e-secret".into(),
            signing_keys: signing_keys.into(),
            redirect: RedirectSettings { rules: Rules::default(), session_ttl_seconds: 600, fallback_url: None },
            bucket: TEST_BUCKET.into(),
        };
        start_worker_once(&settings);
        let gateway = Arc::new(devserver::gateway(&settings, &base).await.expect("dev server gateway"));
        tokio::spawn(devserver::serve(listener, gateway, std::future::pending()));
        let sdk = shared::store::aws_config().await;
        TestApp {
            base,
            planroom: unique("pr"),
            // Redirects are looked at, not followed.
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
            auth: DevAuthorizer::new(b"e2e-secret"),
            dynamo: aws_sdk_dynamodb::Client::new(&sdk),
        }
    }

    /// Starts a dev server that reaches AWS through `endpoint` (e.g. a [`proxy::FaultProxy`]) with
    /// short SDK timeouts, and sends recipients to `fallback_url` when the planroom's address cannot be read.
    pub async fn spawn_through(endpoint: &str, fallback_url: Option<&str>) -> TestApp {
        let healthy = TestApp::spawn().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a free port");
        let base = format!("http://{}", listener.local_addr().expect("local address"));
        let sdk = shared::store::aws_config_with(&shared::store::SdkSettings {
            endpoint: Some(endpoint.to_owned()),
            attempt_timeout: std::time::Duration::from_millis(500),
            operation_timeout: std::time::Duration::from_millis(1500),
        })
        .await;
        let settings = Settings {
            table: TEST_TABLE.into(),
            jwt_secret: "e2e-secret".into(),
            signing_keys: devserver::DEV_SIGNING_KEYS.into(),
            redirect: RedirectSettings {
                rules: Rules::default(),
                session_ttl_seconds: 600,
                fallback_url: fallback_url.map(str::to_owned),
            },
            bucket: TEST_BUCKET.into(),
        };
        let gateway = Arc::new(devserver::gateway_with(&sdk, &settings, &base).expect("gateway"));
        tokio::spawn(devserver::serve(listener, gateway, std::future::pending()));
        TestApp { base, ..healthy }
    }

    /// A staff token of this planroom.
    pub fn staff(&self) -> String {
        self.token_for(&self.planroom, json!({"sub": "staff-1", "email": "staff@planroom.test", "name": "Pat Staff", "role": "staff", "approved": true}))
    }

    /// An approved customer token of this planroom for `email` at company `company_id`.
    pub fn customer(&self, email: &str, company_id: &str) -> String {
        self.token_for(
            &self.planroom,
            json!({"sub": format!("sub-{email}"), "email": email, "name": format!("User {email}"), "role": "customer",
                   "company_id": company_id, "company_name": format!("Company {company_id}"), "approved": true}),
        )
    }

    /// A token with `claims` for `planroom`.
    pub fn token_for(&self, planroom: &str, mut claims: Value) -> String {
        claims["planroom_id"] = json!(planroom);
        self.auth.mint(&claims, 600)
    }

    /// Sends a request with an optional bearer token and a raw body.
    pub async fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<Vec<u8>>) -> Answer {
        let bearer = token.map(|t| format!("Bearer {t}"));
        let headers: Vec<(&str, &str)> = bearer.iter().map(|b| ("authorization", b.as_str())).collect();
        self.send_with(method, path, &headers, body).await
    }

    /// Sends a request to a path (or a full URL) with extra headers.
    pub async fn send_with(&self, method: &str, url: &str, headers: &[(&str, &str)], body: Option<Vec<u8>>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let url = if url.starts_with("http") { url.to_owned() } else { format!("{}{}", self.base, url) };
        let mut req = self.http.request(method, url);
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(body) = body {
            req = req.header("content-type", "application/json").body(body);
        }
        let res = req.send().await.expect("request reaches the dev server");
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.expect("response body");
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Answer { status, body, headers }
    }

    /// Sends JSON.
    pub async fn json(&self, method: &str, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.send(method, path, token, Some(body.to_string().into_bytes())).await
    }

    /// `POST /v1/events` with `events`.
    pub async fn post_events(&self, token: &str, events: Value) -> Answer {
        self.json("POST", "/v1/events", Some(token), &json!({ "events": events })).await
    }

    /// Every item stored for `planroom`, sorted by key, to compare before and after.
    pub async fn stored(&self, planroom: &str) -> Vec<Item> {
        let prefix = format!("P#{planroom}");
        let mut items = Vec::new();
        let mut start = None;
        loop {
            // A Scan is fine in a test: it only looks at what the product stored.
            let out = self
                .dynamo
                .scan()
                .table_name(TEST_TABLE)
                .filter_expression("begins_with(pk, :p)")
                .expression_attribute_values(":p", AttributeValue::S(prefix.clone()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .expect("scan the test table");
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                break;
            }
        }
        items.sort_by_key(|i| (text(i, "pk").to_owned(), text(i, "sk").to_owned()));
        items
    }
}

impl Answer {
    /// A response header as text ("" when absent).
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

/// A string attribute of an item ("" when absent).
pub fn text<'a>(item: &'a Item, name: &str) -> &'a str {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str).unwrap_or_default()
}

/// A number attribute of an item (0 when absent).
pub fn number(item: &Item, name: &str) -> u64 {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// One view event of a file.
pub fn view(job: &str, file: &str) -> Value {
    json!({"job_id": job, "activity": "view", "object": {"kind": "file", "id": file, "name": format!("{file}.pdf")},
           "section": {"id": "s-1", "name": "Drawings"}, "device": "desktop"})
}
