//! What every end-to-end test needs: [`TestApp::spawn`] starts the dev server on a free port
//! against the local AWS stand-in, with a table of the test's own and an export worker on its
//! stream, and hands back a client with request helpers, a planroom of the test's own, and a view
//! of everything stored for that planroom. Tests never collide, and looking at what one stored
//! never waits on what the others stored.

pub mod dynamo_proxy;
pub mod proxy;
pub mod receiver;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use devserver::{DevAuthorizer, Settings};
use dynamo_proxy::DynamoProxy;
use redirect::RedirectSettings;
use serde_json::{Value, json};
use shared::hit_judgement::Windows;
use shared::scanner::Rules;

/// The prefix of the tables the tests make in the local stand-in (one per test).
pub const TEST_TABLE: &str = "planroom-activity-test";

/// The reports bucket the tests use in the local stand-in.
pub const TEST_BUCKET: &str = "planroom-activity-test-exports";

/// AWS configuration reaching the stand-in through `endpoint`, with these SDK timeouts.
pub async fn sdk_through(endpoint: &str, attempt: Duration, operation: Duration) -> shared::store::SdkConfig {
    shared::store::aws_config_with(&shared::store::SdkSettings {
        endpoint: Some(endpoint.to_owned()),
        attempt_timeout: attempt,
        operation_timeout: operation,
    })
    .await
}

/// How a test's dev server is set up.
#[derive(Debug, Clone)]
pub struct Options {
    /// Another app's table to share (that app's worker serves it); `None`: a new table with a
    /// worker of its own.
    pub table: Option<String>,
    /// Where the functions reach AWS (a proxy); `None`: the stand-in itself.
    pub endpoint: Option<String>,
    /// SDK attempt timeout when `endpoint` is set.
    pub attempt_timeout: Duration,
    /// SDK operation timeout when `endpoint` is set.
    pub operation_timeout: Duration,
    /// Keys of links, sessions and cursors.
    pub signing_keys: String,
    /// The redirect's fallback page.
    pub fallback_url: Option<String>,
    /// Scanner rules the redirect applies by itself.
    pub rules: Rules,
    /// The judge's windows.
    pub windows: Windows,
    /// Time budget of an API request.
    pub request_budget: Duration,
    /// Time budget of a tracked link.
    pub redirect_budget: Duration,
    /// How long a new export may wait for the worker.
    pub export_start_within: Duration,
    /// Where the redirect puts the contact session.
    pub session_in: redirect::SessionIn,
    /// How long exports are kept.
    pub export_retention: Duration,
    /// Seconds before each retry of a webhook delivery (short: tests wait for them).
    pub webhook_retry: Vec<u64>,
    /// How long a webhook attempt may take.
    pub webhook_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            table: None,
            endpoint: None,
            attempt_timeout: Duration::from_millis(500),
            operation_timeout: Duration::from_millis(1500),
            signing_keys: devserver::DEV_SIGNING_KEYS.into(),
            fallback_url: None,
            rules: Rules::default(),
            windows: Windows::default(),
            request_budget: capture::DEFAULT_BUDGET,
            redirect_budget: redirect::DEFAULT_BUDGET,
            export_start_within: export::DEFAULT_START_WITHIN,
            session_in: redirect::SessionIn::default(),
            export_retention: Duration::from_secs(export::DEFAULT_RETENTION_DAYS * 24 * 3600),
            webhook_retry: vec![1, 1, 1, 1],
            webhook_timeout: Duration::from_secs(2),
        }
    }
}

/// The jobs every test app registers in its planroom, assigned to the company `acme`: events,
/// rows and blasts may only name a registered job the caller may see. A test of anything else
/// names another job.
pub const REGISTERED_JOBS: &[&str] = &["job-1", "job-2", "j"];

/// The first-access records (`FA#…` people's, `AUTO#…` scanners') among `items`.
pub fn records(items: &[Item], automated: bool) -> Vec<&Item> {
    let prefix = if automated { "AUTO#" } else { "FA#" };
    items.iter().filter(|i| text(i, "sk").starts_with(prefix)).collect()
}

/// The sum of the counts of `records`.
pub fn counted(records: &[&Item]) -> u64 {
    records.iter().map(|r| number(r, "count")).sum()
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
    /// The test's table.
    pub table: String,
    /// The proxy between the test's stream consumers (export worker, hit judge) and DynamoDB,
    /// to make them fail.
    pub worker: DynamoProxy,
    /// The job items the test app registered before the test began (see [`REGISTERED_JOBS`]).
    registered: std::sync::Mutex<Vec<Item>>,
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
        TestApp::spawn_with(Options::default()).await
    }

    /// Starts a dev server that reaches AWS through `endpoint` (e.g. a [`proxy::FaultProxy`]) with
    /// short SDK timeouts, and sends recipients to `fallback_url` when the planroom's address cannot be read.
    pub async fn spawn_through(endpoint: &str, fallback_url: Option<&str>) -> TestApp {
        let options = Options {
            endpoint: Some(endpoint.into()),
            fallback_url: fallback_url.map(str::to_owned),
            ..Options::default()
        };
        TestApp::spawn_with(options).await
    }

    /// Starts a dev server (set up as `options` say) that reaches DynamoDB through a fresh
    /// [`DynamoProxy`], to be told which of DynamoDB's answers to give.
    pub async fn behind_proxy(options: Options) -> (TestApp, DynamoProxy) {
        let proxy = DynamoProxy::start(&std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL")).await;
        let app = TestApp::spawn_with(Options { endpoint: Some(proxy.url.clone()), ..options }).await;
        (app, proxy)
    }

    /// Starts a dev server on a free port for a new planroom, set up as `options` say.
    pub async fn spawn_with(options: Options) -> TestApp {
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
        let table = options.table.clone().unwrap_or_else(|| unique(TEST_TABLE));
        let settings = Settings {
            table: table.clone(),
            jwt_secret: "e2e-secret".into(),
            signing_keys: options.signing_keys.clone(),
            redirect: RedirectSettings {
                rules: options.rules.clone(),
                session_ttl_seconds: 600,
                fallback_url: options.fallback_url.clone(),
                budget: options.redirect_budget,
                session_in: options.session_in,
            },
            bucket: TEST_BUCKET.into(),
            request_budget: options.request_budget,
            export_start_within: options.export_start_within,
            cors_allowed_origins: devserver::cors::DEFAULT_ORIGINS.into(),
            export_retention: options.export_retention,
            windows: options.windows,
            // The test's own queue, bus and schedule group: only its own worker reads them.
            webhook_queue: format!("{table}-hooks"),
            event_bus: format!("{table}-bus"),
            schedule_group: format!("{table}-deadlines"),
            webhook_retry: options.webhook_retry.clone(),
            webhook_timeout: options.webhook_timeout,
            // Tests compact the lake themselves, when they mean to.
            lake_compact_every: std::time::Duration::from_secs(24 * 3600),
        };
        let sdk = shared::store::aws_config().await;
        // The table and bucket are created through the stand-in itself, whatever the endpoint.
        devserver::gateway(&settings, &base).await.expect("dev server gateway");
        let stand_in = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
        let worker = DynamoProxy::start(&stand_in).await;
        if options.table.is_none() {
            // The worker lives as long as the test's runtime.
            let worker_sdk = sdk_through(&worker.url, Duration::from_secs(3), Duration::from_secs(8)).await;
            let (sdk, settings) = (sdk.clone(), settings.clone());
            tokio::spawn(async move {
                if let Err(err) = devserver::run_worker_through(&sdk, &worker_sdk, &settings).await {
                    eprintln!("the export worker stopped: {err}");
                }
            });
        }
        let gateway = match &options.endpoint {
            Some(endpoint) => {
                let through = sdk_through(endpoint, options.attempt_timeout, options.operation_timeout).await;
                devserver::gateway_with(&through, &settings, &base).expect("gateway")
            }
            None => devserver::gateway_with(&sdk, &settings, &base).expect("gateway"),
        };
        tokio::spawn(devserver::serve(listener, Arc::new(gateway), std::future::pending()));
        let app = TestApp {
            base,
            planroom: unique("pr"),
            // Redirects are looked at, not followed.
            http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client"),
            auth: DevAuthorizer::new(b"e2e-secret"),
            dynamo: aws_sdk_dynamodb::Client::new(&sdk),
            table,
            worker,
            registered: std::sync::Mutex::default(),
        };
        app.register_jobs(REGISTERED_JOBS, "acme").await;
        let jobs: Vec<Item> = app.stored(&app.planroom).await;
        *app.registered.lock().expect("registered jobs") = jobs;
        app
    }

    /// Registers `jobs` in this planroom, assigned to the company `company_id`, straight into the
    /// table (no staff action is logged, so tests that count rows count only their own).
    pub async fn register_jobs(&self, jobs: &[&str], company_id: &str) {
        use shared::store::JobStore;
        let store = shared::store::DynamoStore::new(self.dynamo.clone(), &self.table);
        let planroom = shared::ids::Id::parse("planroom", &self.planroom).expect("planroom id");
        for job in jobs {
            let job = shared::job::Job {
                job_id: shared::ids::Id::parse("job", job).expect("job id"),
                name: shared::ids::Name::parse("name", &format!("Job {job}")).expect("name"),
                number: None,
                company_id: Some(shared::ids::Id::parse("company", company_id).expect("company id")),
                company_name: Some(
                    shared::ids::Name::parse("company", &format!("Company {company_id}")).expect("name"),
                ),
                time_zone: "UTC".into(),
                is_demo: false,
                bid_due_at: None,
                coverage_alert_hours: None,
                created_at: None,
            };
            store.put_job(&planroom, &job, jiff::Timestamp::now()).await.expect("registering a job");
        }
    }

    /// The lake function as the dev server runs it, on this test's table and the tests' bucket.
    pub async fn lake(&self) -> lake::App {
        let sdk = shared::store::aws_config().await;
        lake::App {
            store: shared::store::DynamoStore::new(self.dynamo.clone(), &self.table),
            bucket: lake::LakeBucket::new(&sdk, TEST_BUCKET.into(), true),
        }
    }

    /// Asks the lake (`POST /v1/user-activity/queries` as staff) and waits for the answer's
    /// first page (or fails the test after 60 s).
    pub async fn ask_lake(&self, query: &Value) -> Value {
        let staff = self.staff();
        let asked = self.json("POST", "/v1/user-activity/queries", Some(&staff), query).await;
        assert_eq!(asked.status, 202, "{query}: {:?}", asked.body);
        let id = asked.body["query_id"].as_str().expect("a query id").to_owned();
        self.lake_answer(&staff, &id).await
    }

    /// Polls `GET /v1/user-activity/queries/{id}` until the answer is ready, then gathers every
    /// page's items into `items`.
    pub async fn lake_answer(&self, token: &str, id: &str) -> Value {
        for _ in 0..300 {
            let answer = self.send("GET", &format!("/v1/user-activity/queries/{id}"), Some(token), None).await;
            assert_eq!(answer.status, 200, "{:?}", answer.body);
            match answer.body["status"].as_str() {
                Some("ready") => {
                    let mut body = answer.body;
                    let mut items = body["items"].as_array().cloned().unwrap_or_default();
                    let mut next = body["next_page"].as_u64();
                    while let Some(page) = next {
                        let more = self
                            .send("GET", &format!("/v1/user-activity/queries/{id}?page={page}"), Some(token), None)
                            .await;
                        assert_eq!(more.status, 200, "{:?}", more.body);
                        items.extend(more.body["items"].as_array().cloned().unwrap_or_default());
                        next = more.body["next_page"].as_u64();
                    }
                    body["items"] = Value::from(items);
                    return body;
                }
                Some("pending" | "running") => tokio::time::sleep(Duration::from_millis(200)).await,
                _ => panic!("the query did not succeed: {:?}", answer.body),
            }
        }
        panic!("query {id} was not answered within 60 s");
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

    /// `POST /v1/contact-events` with `events`, authenticated by a contact `session`.
    pub async fn post_contact_events(&self, session: &str, events: Value) -> Answer {
        let body = json!({ "events": events }).to_string().into_bytes();
        self.send_with("POST", "/v1/contact-events", &[("x-contact-session", session)], Some(body)).await
    }

    /// Registers the planroom's address and a blast of `job` to `recipients` (e-mails) with the
    /// targets `add-3` (a file, viewed) and `s-2` (a section, downloaded); `sent_at` as given.
    pub async fn blast(&self, job: &str, recipients: &[&str], sent_at: Option<&str>) -> Blast {
        let staff = self.staff();
        let base =
            self.json("PUT", "/v1/planroom", Some(&staff), &json!({"base_url": "https://plans.example.test/"})).await;
        assert_eq!(base.status, 200, "{:?}", base.body);
        let mut blast = json!({
            "name": "Addendum 3 is out",
            "recipients": recipients.iter().map(|e| json!({"email": e, "name": format!("Name of {e}")})).collect::<Vec<_>>(),
            "targets": [
                {"kind": "file", "id": "add-3", "name": "Addendum 3.pdf", "action": "view"},
                {"kind": "section", "id": "s-2", "name": "Addenda", "action": "download"},
            ],
        });
        if let Some(sent_at) = sent_at {
            blast["sent_at"] = json!(sent_at);
        }
        let answer = self.json("POST", &format!("/v1/jobs/{job}/blasts"), Some(&staff), &blast).await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        Blast(answer.body)
    }

    /// Polls `GET /v1/exports/{export_id}` until the export is ready (or fails the test after 60 s).
    pub async fn export_ready(&self, token: &str, export_id: &str) -> Value {
        for _ in 0..300 {
            let answer = self.send("GET", &format!("/v1/exports/{export_id}"), Some(token), None).await;
            assert_eq!(answer.status, 200, "{:?}", answer.body);
            match answer.body["status"].as_str() {
                Some("ready") => return answer.body,
                Some("pending" | "running") => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
                _ => panic!("export did not succeed: {:?}", answer.body),
            }
        }
        panic!("export {export_id} was not ready within 60 s");
    }

    /// The job's Activity tab rows (`GET /v1/jobs/{job}/activity/individuals`, as staff, up to 200).
    pub async fn individuals(&self, job: &str, include_automated: bool) -> Vec<Value> {
        let path = format!("/v1/jobs/{job}/activity/individuals?limit=200&include_automated={include_automated}");
        let answer = self.send("GET", &path, Some(&self.staff()), None).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        answer.body["items"].as_array().cloned().unwrap_or_default()
    }

    /// What is stored for this planroom once `settled` says so (the judge of tracked-link hits
    /// works from the table's stream, a moment after the click); fails the test after 15 s.
    pub async fn stored_when(&self, what: &str, settled: impl Fn(&[Item]) -> bool) -> Vec<Item> {
        for _ in 0..150 {
            let stored = self.stored(&self.planroom).await;
            if settled(&stored) {
                return stored;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("not within 15 s: {what}; stored: {:#?}", self.stored(&self.planroom).await);
    }

    /// Follows a tracked link as a browser does (`GET`, a desktop Chrome user agent).
    pub async fn click(&self, url: &str) -> Answer {
        self.send_with("GET", url, &[("user-agent", BROWSER)], None).await
    }
}

/// A desktop Chrome's user agent.
pub const BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/// A send time long enough ago that a click now is a person's, not a delivery-time scanner's.
pub fn an_hour_ago() -> String {
    shared::time::format(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1))
}

/// A registered blast's answer.
#[derive(Debug, Clone)]
pub struct Blast(pub Value);

impl Blast {
    /// The tracked link of `email` to `target`.
    pub fn link(&self, email: &str, target: &str) -> String {
        self.0["links"]
            .as_array()
            .and_then(|links| links.iter().find(|l| l["email"] == email && l["target_id"] == target))
            .and_then(|l| l["url"].as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no link of {email} to {target}"))
    }

    /// The blast's id.
    pub fn id(&self) -> String {
        self.0["blast_id"].as_str().unwrap_or_default().to_owned()
    }
}

impl Answer {
    /// The contact session a redirect handed out (in the page's fragment).
    pub fn session(&self) -> String {
        let location = self.header("location");
        location
            .split_once("#contact_session=")
            .map(|(_, s)| s.to_owned())
            .unwrap_or_else(|| panic!("no session in {location:?}"))
    }
}

impl TestApp {
    /// Every item stored for `planroom`, sorted by key, to compare before and after; the job
    /// items the test app registered itself, as long as they are unchanged, are left out.
    pub async fn stored(&self, planroom: &str) -> Vec<Item> {
        let prefix = format!("P#{planroom}");
        let mut items = Vec::new();
        let mut start = None;
        loop {
            // A Scan is fine in a test: it only looks at what the product stored, in the test's own table.
            let out = self
                .dynamo
                .scan()
                .table_name(&self.table)
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
        let registered = self.registered.lock().expect("registered jobs").clone();
        items.retain(|i| !registered.contains(i));
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
