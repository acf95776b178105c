//! The HTTP edge shared by every API function: reading bodies and parameters, writing JSON
//! answers, and turning an [`Error`] into `{"error": {"code", "message"}}`.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;

use crate::ids::Id;
use crate::{Error, Result};

/// How a route authenticates its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// API Gateway's JWT authorizer verifies a bearer token and passes its claims.
    Jwt,
    /// No authorizer: the function verifies what it needs itself (a link token, a contact session).
    None,
}

/// A route as API Gateway (and the dev server) matches it: `"METHOD /path/{param}"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    /// The route key, e.g. `"POST /v1/events"`.
    pub key: &'static str,
    /// Its authorizer.
    pub auth: Auth,
}

/// A function's routes, each with what serves it: the one table its dispatcher, the dev server
/// and the template and OpenAPI checks read. A route key not in it is a 404, never another route.
#[derive(Debug)]
pub struct RouteTable<E: 'static>(pub &'static [(Route, E)]);

impl<E: Copy> RouteTable<E> {
    /// The routes.
    pub fn routes(&self) -> impl Iterator<Item = Route> + use<E> {
        let table: &'static [(Route, E)] = self.0;
        table.iter().map(|(route, _)| *route)
    }

    /// What serves the route API Gateway matched for `req`, if it is one of ours.
    pub fn endpoint(&self, req: &Request) -> Option<E> {
        let key = route_key(req)?;
        self.0.iter().find(|(route, _)| route.key == key).map(|(_, endpoint)| *endpoint)
    }
}

/// An API Gateway (HTTP API, payload 2.0) request for `route_key` without authorizer claims, as
/// unit tests of a function's dispatcher need one.
pub fn gateway_request(route_key: &str, path: &str) -> Result<Request> {
    let (method, _) = route_key.split_once(' ').unwrap_or(("GET", route_key));
    let payload = serde_json::json!({
        "version": "2.0", "routeKey": route_key, "rawPath": path, "rawQueryString": "", "headers": {},
        "requestContext": {"accountId": "test", "apiId": "test", "domainName": "test.example", "domainPrefix": "test",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "203.0.113.9", "userAgent": "test"},
            "requestId": "test", "routeKey": route_key, "stage": "$default", "time": "26/Nov/2026:10:00:00 +0000",
            "timeEpoch": 1795600000000u64},
        "isBase64Encoded": false,
    });
    lambda_http::request::from_str(&payload.to_string()).map_err(|e| Error::internal("building a test request", e))
}

/// Lambda's deadline for this invocation (epoch milliseconds), when running on Lambda.
pub fn lambda_deadline(req: &Request) -> Option<u64> {
    req.lambda_context_ref().map(|context| context.deadline)
}

/// Largest JSON body the API accepts.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// Largest body of a blast: its 5,000 recipients with names and companies do not fit in
/// [`MAX_BODY_BYTES`] (API Gateway's own limit is 10 MB).
pub const MAX_BLAST_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The route key API Gateway matched (`"POST /v1/events"`), as set by API Gateway or the dev server.
pub fn route_key(req: &Request) -> Option<&str> {
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.route_key.as_deref(),
        _ => None,
    }
}

/// The request body, refused with 413 past `limit` bytes.
pub fn body(req: &Request, limit: usize) -> Result<&[u8]> {
    let bytes: &[u8] = match req.body() {
        Body::Empty => &[],
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => &[],
    };
    if bytes.len() > limit {
        return Err(Error::PayloadTooLarge { limit });
    }
    Ok(bytes)
}

/// Decodes a JSON body of at most [`MAX_BODY_BYTES`]: 400 for bad syntax, 422 for a body that
/// breaks the schema.
pub fn json_body<T: serde::de::DeserializeOwned>(req: &Request) -> Result<T> {
    json_body_within(req, MAX_BODY_BYTES)
}

/// [`json_body`] with a limit of `limit` bytes.
pub fn json_body_within<T: serde::de::DeserializeOwned>(req: &Request, limit: usize) -> Result<T> {
    let bytes = body(req, limit)?;
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| Error::BadRequest(format!("body is not valid JSON: {e}")))?;
    crate::json_shape::require_objects(&value)?;
    serde_json::from_value(value).map_err(|e| Error::validation(e.to_string()))
}

/// A validated path parameter.
pub fn path_id(req: &Request, name: &str) -> Result<Id> {
    let params = req.path_parameters_ref();
    let value = params.and_then(|p| p.first(name)).ok_or_else(|| Error::NotFound("no such route".into()))?;
    Id::parse(name, value).map_err(|_| Error::NotFound(format!("no such {name}")))
}

/// A query-string parameter, if present and non-empty.
pub fn query<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    typed_query(req, name).filter(|v| !v.is_empty())
}

/// A query-string parameter as sent, empty included: for numbers, flags and enums, whose empty
/// value is not a value (the OpenAPI document's types say so) and gets a 400.
pub fn typed_query<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.query_string_parameters_ref().and_then(|q| q.first(name))
}

/// Every value of a repeatable query-string parameter (`?file_id=a&file_id=b`), empty ones left
/// out, read from the raw query string: API Gateway joins repeated values with commas in its
/// parsed parameters, which would split values that hold a comma.
pub fn query_all(req: &Request, name: &str) -> Vec<String> {
    let Some(raw) = req.uri().query().filter(|q| !q.is_empty()) else {
        let values = req.query_string_parameters_ref().and_then(|q| q.all(name)).unwrap_or_default();
        return values.into_iter().filter(|v| !v.is_empty()).map(str::to_owned).collect();
    };
    let decode = |text: &str| {
        let spaced = text.replace('+', " ");
        percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy().into_owned()
    };
    raw.split('&')
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(key) == name).then(|| decode(value))
        })
        .filter(|v| !v.is_empty())
        .collect()
}

/// A header's value as text.
pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

/// A JSON answer.
pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => respond(status, "application/json", bytes),
        Err(err) => error(&Error::internal("serialising the answer", err)),
    }
}

/// An empty 204 answer (a CORS preflight's, whose headers the gateway adds).
pub fn no_content() -> Response<Body> {
    let mut res = Response::new(Body::Empty);
    *res.status_mut() = StatusCode::NO_CONTENT;
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The JSON error answer for `err`, logging the internal chain of server-side failures.
pub fn error(err: &Error) -> Response<Body> {
    let status = err.status();
    if status.is_server_error() {
        tracing::error!(code = err.code(), error = %err.chain(), "request failed");
    } else {
        tracing::info!(code = err.code(), error = %err, "request rejected");
    }
    let body = serde_json::json!({"error": {"code": err.code(), "message": err.public_message()}});
    let mut res = respond(status, "application/json", body.to_string().into_bytes());
    if status == StatusCode::SERVICE_UNAVAILABLE {
        res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if let Error::MethodNotAllowed { allow, .. } = err
        && let Ok(value) = HeaderValue::from_str(allow)
    {
        res.headers_mut().insert(header::ALLOW, value);
    }
    res
}

/// Maps a handler's result to an answer.
pub fn answer(result: Result<Response<Body>>) -> Response<Body> {
    result.unwrap_or_else(|err| error(&err))
}

fn respond(status: StatusCode, content_type: &'static str, bytes: Vec<u8>) -> Response<Body> {
    // Text, not binary: Lambda would send a binary body base64-encoded, a third larger against its
    // 6 MB response limit.
    let body = match String::from_utf8(bytes) {
        Ok(text) => Body::Text(text),
        Err(err) => Body::Binary(err.into_bytes()),
    };
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_answer_with_code_and_safe_message_only() {
        let res = error(&Error::internal("talking to DynamoDB", "secret table name leaked"));
        assert_eq!(res.status(), 500);
        let Body::Text(text) = res.body() else { panic!("a JSON answer is text") };
        assert!(text.contains(r#""code":"internal""#));
        assert!(!text.contains("secret"));
    }

    #[test]
    fn unavailable_answers_say_when_to_retry() {
        let res = error(&Error::Unavailable { context: "reading".into(), source: "throttled".into() });
        assert_eq!(res.status(), 503);
        assert_eq!(res.headers()[header::RETRY_AFTER], "1");
        assert!(error(&Error::validation("x")).headers().get(header::RETRY_AFTER).is_none());
    }

    #[test]
    fn oversized_bodies_are_413() {
        let req = Request::new(Body::Text("x".repeat(11)));
        assert_eq!(body(&req, 10).unwrap_err().status(), 413);
        assert_eq!(body(&req, 11).unwrap().len(), 11);
    }
}
