//! Lambda's response limit, enforced as AWS enforces it: a function's answer travels to API Gateway
//! as the JSON payload of the Lambda Runtime API (status, headers, body, a binary body
//! base64-encoded), and a payload over 6 MB is refused by Lambda; API Gateway then answers its own
//! `500 {"message":"Internal Server Error"}`. Refusing it here makes a test of a large answer fail
//! locally first.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::{Map, Value, json};

/// Lambda's limit on a synchronous invocation's response payload, in bytes.
pub const MAX_RESPONSE_PAYLOAD_BYTES: usize = 6_291_556;

/// The size of the payload Lambda would get for `res` (as `lambda_http` sends it for an HTTP API).
pub fn payload_bytes(res: &Response<Body>) -> usize {
    use base64::Engine;
    let (body, base64) = match res.body() {
        Body::Text(text) => (Value::from(text.as_str()), false),
        Body::Binary(bytes) => (Value::from(base64::engine::general_purpose::STANDARD.encode(bytes)), true),
        _ => (Value::Null, false),
    };
    let headers: Map<String, Value> = res
        .headers()
        .iter()
        .map(|(name, value)| (name.to_string(), Value::from(String::from_utf8_lossy(value.as_bytes()))))
        .collect();
    let payload = json!({"statusCode": res.status().as_u16(), "headers": headers, "multiValueHeaders": {},
        "body": body, "isBase64Encoded": base64, "cookies": []});
    serde_json::to_vec(&payload).map_or(usize::MAX, |bytes| bytes.len())
}

/// `res`, or API Gateway's 500 when Lambda would refuse it for its size.
pub fn refuse_oversized(res: Response<Body>) -> Response<Body> {
    let size = payload_bytes(&res);
    if size <= MAX_RESPONSE_PAYLOAD_BYTES {
        return res;
    }
    tracing::error!(
        size,
        limit = MAX_RESPONSE_PAYLOAD_BYTES,
        "Lambda refuses a response this large; API Gateway answers 500"
    );
    gateway_error(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
}

/// An answer of API Gateway itself: `{"message": …}`, not the functions' error shape.
pub fn gateway_error(status: StatusCode, message: &str) -> Response<Body> {
    let mut res = Response::new(Body::Text(json!({ "message": message }).to_string()));
    *res.status_mut() = status;
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

/// The JWT authorizer's 401: API Gateway's `{"message":"Unauthorized"}`. The dev server adds the
/// API's own `error` object beside it (the contract's `unauthorized`), so a client written for
/// either shape works here; on AWS only `message` comes, and clients must read it when `error` is
/// absent (the web client does).
pub fn authorizer_refusal() -> Response<Body> {
    let body = json!({"message": "Unauthorized",
        "error": {"code": "unauthorized", "message": "a valid bearer token is required"}});
    let mut res = Response::new(Body::Text(body.to_string()));
    *res.status_mut() = StatusCode::UNAUTHORIZED;
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_binary_body_counts_base64_encoded_and_the_limit_is_lambdas() {
        let text = Response::new(Body::Text("x".repeat(3_000)));
        let binary = Response::new(Body::Binary(vec![b'x'; 3_000]));
        assert!(payload_bytes(&binary) >= payload_bytes(&text) + 999, "base64 makes 3,000 bytes 4,000");
        let just_over = Response::new(Body::Text("x".repeat(MAX_RESPONSE_PAYLOAD_BYTES)));
        let refused = refuse_oversized(just_over);
        assert_eq!(refused.status(), 500);
        assert!(matches!(refused.body(), Body::Text(t) if t == r#"{"message":"Internal Server Error"}"#));
        let fits = Response::new(Body::Text("x".repeat(MAX_RESPONSE_PAYLOAD_BYTES - 200)));
        assert_eq!(refuse_oversized(fits).status(), 200);
    }
}
