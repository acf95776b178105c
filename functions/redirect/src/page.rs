//! The answers of the redirect route: a 302, or a small HTML page. Every answer carries
//! `Cache-Control: no-store` and `Referrer-Policy: no-referrer`; a HEAD gets the same status and
//! headers as a GET, without a body.

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};

/// A redirect to `location`.
pub fn found(location: &str) -> Response<Body> {
    let mut res = html(StatusCode::FOUND, "Redirecting", "Taking you to the planroom…");
    match HeaderValue::from_str(location) {
        Ok(value) => {
            res.headers_mut().insert(header::LOCATION, value);
            res
        }
        Err(_) => not_found(),
    }
}

/// The link is not valid: tampered, truncated, or signed with a key no longer configured.
pub fn not_found() -> Response<Body> {
    html(StatusCode::NOT_FOUND, "Link not found", "This link is not valid. Please use the latest e-mail you received.")
}

/// Nowhere to send the recipient: the planroom's address cannot be read and no fallback is set.
pub fn unavailable() -> Response<Body> {
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again shortly",
        "The planroom is briefly unavailable. Please try the link again in a minute.",
    )
}

/// The link has expired.
pub fn gone() -> Response<Body> {
    html(StatusCode::GONE, "Link expired", "This link has expired. Please ask the planroom for a new one.")
}

fn html(status: StatusCode, title: &str, message: &str) -> Response<Body> {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1><p>{message}</p></body></html>"
    );
    let mut res = Response::new(Body::Text(body));
    *res.status_mut() = status;
    let headers = res.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    res
}

/// Adds the headers every answer carries and drops the body of a HEAD answer.
pub fn finish(mut res: Response<Body>, head: bool) -> Response<Body> {
    let headers = res.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if head {
        *res.body_mut() = Body::Empty;
    }
    res
}
