//! An HTTP proxy in front of the local AWS stand-in that answers chosen DynamoDB calls the way
//! real DynamoDB does when it is busy or unhappy: `TransactionConflictException`, a
//! `TransactionCanceledException` with a given reason list, throttling, a validation error, a
//! slow answer, an answer that never comes, or the call applied and its answer lost. The service
//! runs its real SDK against it, so every error path is the one AWS would exercise, and the test
//! then looks at what the stand-in stored.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};
use tokio::net::TcpListener;

/// What the proxy does with a matching call.
#[derive(Debug, Clone)]
pub enum Action {
    /// Answers with DynamoDB's error body: `__type`, message and any extra fields (such as
    /// `CancellationReasons`), without passing the call on.
    Fail {
        /// HTTP status (400 for client-side errors, 500 for `InternalServerError`).
        status: u16,
        /// The error body.
        body: Value,
    },
    /// Waits, then passes the call on.
    Delay(Duration),
    /// Passes the call on (so it is applied), then holds the answer this long: a client whose
    /// attempt times out meanwhile never learns that it succeeded.
    ApplyThenStall(Duration),
    /// Never answers.
    Hang,
}

/// A rule: calls of `operation` (the `X-Amz-Target` operation, e.g. `TransactWriteItems`, or
/// `*`) whose body contains `body_contains`, handled with `action`, `times` times (`None`: always).
#[derive(Debug, Clone)]
pub struct Rule {
    /// The DynamoDB operation.
    pub operation: String,
    /// A text the request body must contain.
    pub body_contains: Option<String>,
    /// What to do.
    pub action: Action,
    /// How many calls it applies to.
    pub times: Option<usize>,
}

impl Rule {
    /// A rule for every call of `operation`.
    pub fn on(operation: &str, action: Action) -> Rule {
        Rule { operation: operation.into(), body_contains: None, action, times: None }
    }

    /// Only for calls whose body contains `text`.
    pub fn containing(self, text: &str) -> Rule {
        Rule { body_contains: Some(text.into()), ..self }
    }

    /// Only for the next `n` matching calls.
    pub fn times(self, n: usize) -> Rule {
        Rule { times: Some(n), ..self }
    }
}

/// DynamoDB's error body for `code`.
pub fn error(code: &str, message: &str) -> Action {
    let prefix = if code == "ThrottlingException" {
        "com.amazon.coral.availability#"
    } else {
        "com.amazonaws.dynamodb.v20120810#"
    };
    let status = if code == "InternalServerError" { 500 } else { 400 };
    Action::Fail { status, body: json!({"__type": format!("{prefix}{code}"), "message": message}) }
}

/// A cancelled transaction with one reason per item (`"None"` for items that were fine).
pub fn cancelled(reasons: &[&str]) -> Action {
    let reasons: Vec<Value> = reasons
        .iter()
        .map(|code| match *code {
            "None" => json!({"Code": "None"}),
            code => json!({"Code": code, "Message": format!("{code} (injected)")}),
        })
        .collect();
    let listed: Vec<&str> = reasons.iter().map(|r| r["Code"].as_str().unwrap_or("None")).collect();
    Action::Fail {
        status: 400,
        body: json!({
            "__type": "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
            "Message": format!("Transaction cancelled, please refer cancellation reasons for specific reasons [{}]", listed.join(", ")),
            "CancellationReasons": reasons,
        }),
    }
}

/// One call that reached the proxy.
#[derive(Debug, Clone)]
pub struct Call {
    /// The DynamoDB operation (or the HTTP method and path of an S3 call).
    pub operation: String,
    /// The request body.
    pub request: String,
    /// The answer's status.
    pub status: u16,
    /// The answer's body.
    pub answer: String,
}

#[derive(Default)]
struct State {
    rules: Vec<Rule>,
    calls: Vec<Call>,
}

/// A running proxy.
#[derive(Clone)]
pub struct DynamoProxy {
    /// `http://127.0.0.1:{port}`, to use as the SDK's endpoint.
    pub url: String,
    state: Arc<Mutex<State>>,
}

impl DynamoProxy {
    /// Starts a proxy that passes everything on to `target` (`http://127.0.0.1:PORT`).
    pub async fn start(target: &str) -> DynamoProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let state = Arc::new(Mutex::new(State::default()));
        let proxy = DynamoProxy { url, state };
        let client = reqwest::Client::new();
        let target = target.trim_end_matches('/').to_owned();
        let shared = proxy.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (proxy, client, target) = (shared.clone(), client.clone(), target.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let (proxy, client, target) = (proxy.clone(), client.clone(), target.clone());
                        async move { Ok::<_, Infallible>(proxy.handle(&client, &target, req).await) }
                    });
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        proxy
    }

    /// Adds a rule; rules are tried in the order they were added.
    pub fn add(&self, rule: Rule) {
        self.lock().rules.push(rule);
    }

    /// Removes every rule: everything passes on again.
    pub fn clear(&self) {
        self.lock().rules.clear();
    }

    /// Removes the rules that match on `text` (a test's own export id, say).
    pub fn remove_containing(&self, text: &str) {
        self.lock().rules.retain(|r| r.body_contains.as_deref() != Some(text));
    }

    /// The calls of `operation` that reached the proxy so far.
    pub fn calls(&self, operation: &str) -> Vec<Call> {
        self.lock().calls.iter().filter(|c| c.operation == operation).cloned().collect()
    }

    /// Forgets the calls seen so far.
    pub fn forget_calls(&self) {
        self.lock().calls.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn handle(
        &self,
        client: &reqwest::Client,
        target: &str,
        req: hyper::Request<Incoming>,
    ) -> hyper::Response<Full<Bytes>> {
        let (parts, body) = req.into_parts();
        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let text = String::from_utf8_lossy(&body).into_owned();
        let operation = match parts.headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
            Some(target) => target.rsplit('.').next().unwrap_or(target).to_owned(),
            None => format!("{} {}", parts.method, parts.uri.path()),
        };
        let action = {
            let mut state = self.lock();
            let rule = state.rules.iter_mut().find(|r| {
                (r.operation == "*" || r.operation == operation)
                    && r.body_contains.as_ref().is_none_or(|t| text.contains(t.as_str()))
                    && r.times != Some(0)
            });
            rule.map(|r| {
                if let Some(times) = r.times.as_mut() {
                    *times -= 1;
                }
                r.action.clone()
            })
        };
        // A call is noted as soon as its answer is known, before any stall: a client that gives up
        // waiting drops this future, and the call must still show.
        let note = |status: u16, answer: &[u8]| {
            self.lock().calls.push(Call {
                operation: operation.clone(),
                request: text.clone(),
                status,
                answer: String::from_utf8_lossy(answer).into_owned(),
            });
        };
        let (status, headers, answer) = match action {
            Some(Action::Fail { status, body }) => (status, HashMap::new(), body.to_string().into_bytes()),
            Some(Action::Hang) => {
                note(0, b"");
                std::future::pending::<()>().await;
                unreachable!("a hung call never answers")
            }
            Some(Action::Delay(pause)) => {
                tokio::time::sleep(pause).await;
                forward(client, target, &parts, body).await
            }
            Some(Action::ApplyThenStall(pause)) => {
                let (status, headers, answer) = forward(client, target, &parts, body).await;
                note(status, &answer);
                tokio::time::sleep(pause).await;
                return response(status, headers, answer);
            }
            None => forward(client, target, &parts, body).await,
        };
        note(status, &answer);
        response(status, headers, answer)
    }
}

fn response(status: u16, headers: HashMap<String, String>, answer: Vec<u8>) -> hyper::Response<Full<Bytes>> {
    let mut res = hyper::Response::new(Full::new(Bytes::from(answer)));
    *res.status_mut() = hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::BAD_GATEWAY);
    res.headers_mut().insert("content-type", hyper::header::HeaderValue::from_static("application/x-amz-json-1.0"));
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) =
            (hyper::header::HeaderName::try_from(name), hyper::header::HeaderValue::try_from(value))
        {
            res.headers_mut().insert(name, value);
        }
    }
    res
}

/// Passes a call on to the stand-in: status, the headers that matter, body.
async fn forward(
    client: &reqwest::Client,
    target: &str,
    parts: &hyper::http::request::Parts,
    body: Bytes,
) -> (u16, HashMap<String, String>, Vec<u8>) {
    let url = format!("{target}{}", parts.uri.path_and_query().map_or("/", |p| p.as_str()));
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut request = client.request(method, url).body(body);
    for (name, value) in &parts.headers {
        if name != "host" && name != "content-length" {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    match request.send().await {
        Ok(res) => {
            let status = res.status().as_u16();
            let headers = res
                .headers()
                .iter()
                .filter(|(n, _)| {
                    n.as_str() == "content-type" || n.as_str() == "etag" || n.as_str().starts_with("x-amz")
                })
                .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect();
            (status, headers, res.bytes().await.map(|b| b.to_vec()).unwrap_or_default())
        }
        Err(err) => (502, HashMap::new(), format!("proxy could not reach the stand-in: {err}").into_bytes()),
    }
}
