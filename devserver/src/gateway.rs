//! The local API Gateway: matches a request to a route of the template, runs the JWT authorizer
//! stand-in, builds the same payload (format 2.0) API Gateway sends to Lambda, and hands it to the
//! function's own handler.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use base64::Engine;
use bytes::Bytes;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use shared::Error;
use shared::http::{Auth, Route};

use crate::authorizer::DevAuthorizer;
use crate::cors::Cors;
use crate::limits;
use crate::web::WebClient;

/// The functions whose handlers the dev server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// `functions/capture`.
    Capture,
    /// `functions/redirect`.
    Redirect,
    /// `functions/query`.
    Query,
    /// `functions/export` (the API; its worker runs from [`crate::stream`]).
    Export,
}

/// Every route of the service with the function that serves it.
pub fn routes() -> Vec<(Route, Function)> {
    let tagged = |routes: Vec<Route>, f: Function| routes.into_iter().map(move |r| (r, f));
    tagged(capture::ROUTES.routes().collect(), Function::Capture)
        .chain(tagged(redirect::ROUTES.routes().collect(), Function::Redirect))
        .chain(tagged(query::ROUTES.routes().collect(), Function::Query))
        .chain(tagged(export::ROUTES.routes().collect(), Function::Export))
        .collect()
}

/// The functions' handler state.
#[derive(Debug)]
pub struct Functions {
    /// The capture function.
    pub capture: capture::App,
    /// The redirect function.
    pub redirect: redirect::App,
    /// The query function.
    pub query: query::App,
    /// The export API.
    pub export: export::App,
}

/// Routes, authorizer, CORS and functions.
#[derive(Debug)]
pub struct Gateway {
    routes: Vec<(Route, Function)>,
    authorizer: DevAuthorizer,
    functions: Functions,
    cors: Cors,
    web: Option<WebClient>,
}

/// A request as the dev server read it off the socket.
pub struct Incoming<'a> {
    /// The HTTP method.
    pub method: &'a str,
    /// The path, still percent-encoded.
    pub path: &'a str,
    /// The raw query string.
    pub query: &'a str,
    /// The headers.
    pub headers: &'a http::HeaderMap,
    /// The body.
    pub body: Bytes,
    /// The client's address.
    pub peer: SocketAddr,
}

impl Gateway {
    /// A gateway over the given functions.
    pub fn new(authorizer: DevAuthorizer, functions: Functions) -> Self {
        Gateway { routes: routes(), authorizer, functions, cors: Cors::default(), web: None }
    }

    /// The same gateway with these CORS origins.
    pub fn with_cors(self, cors: Cors) -> Self {
        Gateway { cors, ..self }
    }

    /// The same gateway also serving the reference web client under `/ui/`.
    pub fn with_web(self, web: WebClient) -> Self {
        Gateway { web: Some(web), ..self }
    }

    /// Serves one request as API Gateway does: the web client's pages (when served); a CORS
    /// preflight answered by the gateway itself only when no route takes it (a `$default` route
    /// takes every request no other route matches, preflights included); anything else through
    /// its route; then the CORS headers of its origin added to the function's answer.
    pub async fn handle(&self, incoming: Incoming<'_>) -> Response<Body> {
        if let Some(web) = &self.web
            && WebClient::serves(incoming.path)
        {
            return web.answer(incoming.method, incoming.path).await;
        }
        let origin = header(incoming.headers, "origin").map(str::to_owned);
        let preflight = origin.is_some()
            && incoming.method == "OPTIONS"
            && header(incoming.headers, "access-control-request-method").is_some();
        if preflight && self.find(incoming.method, incoming.path).is_none() {
            return self.cors.preflight(origin.as_deref().unwrap_or_default());
        }
        let res = self.route(incoming).await;
        let mut res = limits::refuse_oversized(res);
        match (&origin, preflight) {
            (Some(origin), true) => self.cors.decorate_preflight(origin, res.headers_mut()),
            _ => self.cors.decorate(origin.as_deref(), res.headers_mut()),
        }
        res
    }

    async fn route(&self, incoming: Incoming<'_>) -> Response<Body> {
        // API Gateway's own answers have its own shape, `{"message": …}`.
        let Some((route, function, params)) = self.find(incoming.method, incoming.path) else {
            return limits::gateway_error(StatusCode::NOT_FOUND, "Not Found");
        };
        let claims = match route.auth {
            Auth::Jwt => match self.authorizer.verify(header(incoming.headers, "authorization")) {
                Some(claims) => Some(claims),
                None => return limits::authorizer_refusal(),
            },
            Auth::None => None,
        };
        let payload = payload(route, &incoming, &params, claims.as_ref());
        let request: Request = match lambda_http::request::from_str(&payload.to_string()) {
            Ok(req) => req,
            Err(err) => {
                return shared::http::error(&Error::BadRequest(format!("unreadable request: {err}")));
            }
        };
        match function {
            Function::Capture => capture::handle(&self.functions.capture, request).await,
            Function::Redirect => redirect::handle(&self.functions.redirect, request).await,
            Function::Query => query::handle(&self.functions.query, request).await,
            Function::Export => export::handle(&self.functions.export, request).await,
        }
    }

    /// The route matching `method` and `path`, else API Gateway's catch-all `$default` route.
    fn find(&self, method: &str, path: &str) -> Option<(Route, Function, BTreeMap<String, String>)> {
        let exact = self.routes.iter().find_map(|(route, function)| {
            let (route_method, template) = route.key.split_once(' ')?;
            if route_method != method {
                return None;
            }
            shared::routes::match_path(template, path).map(|params| (*route, *function, params))
        });
        exact.or_else(|| {
            let (route, function) = self.routes.iter().find(|(route, _)| route.key == shared::routes::UNMATCHED)?;
            Some((*route, *function, BTreeMap::new()))
        })
    }
}

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The API Gateway HTTP API payload, format 2.0.
fn payload(
    route: Route,
    incoming: &Incoming<'_>,
    params: &BTreeMap<String, String>,
    claims: Option<&HashMap<String, String>>,
) -> Value {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in incoming.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.entry(name.as_str().to_owned()).and_modify(|v| *v = format!("{v},{value}")).or_insert(value);
    }
    let mut query: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(incoming.query.as_bytes()) {
        query.entry(name.into_owned()).and_modify(|v| *v = format!("{v},{value}")).or_insert(value.into_owned());
    }
    let now = jiff::Timestamp::now();
    let mut context = json!({
        "accountId": "local",
        "apiId": "local",
        "domainName": "127.0.0.1",
        "domainPrefix": "local",
        "http": {
            "method": incoming.method,
            "path": incoming.path,
            "protocol": "HTTP/1.1",
            "sourceIp": incoming.peer.ip().to_string(),
            "userAgent": header(incoming.headers, "user-agent").unwrap_or_default(),
        },
        "requestId": format!("local-{}", now.as_nanosecond()),
        "routeKey": route.key,
        "stage": "$default",
        "time": now.to_string(),
        "timeEpoch": now.as_millisecond(),
    });
    if let Some(claims) = claims {
        context["authorizer"] = json!({"jwt": {"claims": claims, "scopes": null}});
    }
    let body = (!incoming.body.is_empty()).then(|| base64::engine::general_purpose::STANDARD.encode(&incoming.body));
    json!({
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": incoming.path,
        "rawQueryString": incoming.query,
        "headers": headers,
        "queryStringParameters": if query.is_empty() { Value::Null } else { json!(query) },
        "pathParameters": if params.is_empty() { Value::Null } else { json!(params) },
        "requestContext": context,
        "body": body,
        "isBase64Encoded": body.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_route_list_is_the_functions_routes() {
        let mut served: Vec<&str> =
            routes().iter().map(|(r, _)| r.key).filter(|k| *k != shared::routes::UNMATCHED).collect();
        let mut listed = shared::routes::API_ROUTES.to_vec();
        served.sort_unstable();
        listed.sort_unstable();
        assert_eq!(served, listed, "shared::routes::API_ROUTES must list exactly the functions' routes");
        assert!(routes().iter().any(|(r, f)| r.key == shared::routes::UNMATCHED && *f == Function::Query));
    }
}
