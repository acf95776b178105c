//! CORS as API Gateway HTTP APIs answer it, with the template's `CorsConfiguration`: a preflight
//! (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) that no route takes is answered by
//! the gateway itself; one the `$default` route takes reaches its function, and the gateway puts
//! the configured CORS headers on the function's answer; other requests from an allowed origin get
//! the origin echoed. An origin that is not
//! allowed gets no CORS header at all, so the browser refuses the answer.
//! `make check-infra` compares these settings with the template's.

use lambda_http::http::{HeaderMap, HeaderValue, StatusCode};
use lambda_http::{Body, Response};

/// `AllowMethods` of the template.
pub const ALLOW_METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"];

/// `AllowHeaders` of the template.
pub const ALLOW_HEADERS: [&str; 4] = ["authorization", "content-type", "idempotency-key", "x-contact-session"];

/// `ExposeHeaders` of the template: what a page of another origin may read of an answer beyond
/// the CORS-safelisted headers (how long to wait before retrying a 503).
pub const EXPOSE_HEADERS: [&str; 1] = ["retry-after"];

/// `MaxAge` of the template, in seconds.
pub const MAX_AGE_SECONDS: u32 = 600;

/// The response headers API Gateway owns when CORS is configured.
const CORS_HEADERS: [&str; 6] = [
    "access-control-allow-origin",
    "access-control-allow-methods",
    "access-control-allow-headers",
    "access-control-max-age",
    "access-control-expose-headers",
    "access-control-allow-credentials",
];

/// The dev server's default `CORS_ALLOWED_ORIGINS`: pages served from this machine, any port.
pub const DEFAULT_ORIGINS: &str = "http://localhost:*,http://127.0.0.1:*";

/// The allowed origins: exact (`https://plans.example.com`) or any port of a host (`http://localhost:*`).
#[derive(Debug, Clone)]
pub struct Cors {
    origins: Vec<String>,
    /// [`ALLOW_METHODS`] and [`ALLOW_HEADERS`] as header values, made once.
    methods: HeaderValue,
    headers: HeaderValue,
    expose: HeaderValue,
}

impl Cors {
    /// From a comma-separated list, as `CORS_ALLOWED_ORIGINS` holds it.
    pub fn new(spec: &str) -> Self {
        let origins =
            spec.split(',').map(|o| o.trim().trim_end_matches('/').to_owned()).filter(|o| !o.is_empty()).collect();
        let listed = |items: &[&str]| HeaderValue::from_str(&items.join(",")).expect("constant header names");
        Cors {
            origins,
            methods: listed(&ALLOW_METHODS),
            headers: listed(&ALLOW_HEADERS),
            expose: listed(&EXPOSE_HEADERS),
        }
    }

    /// Whether `origin` (as a browser sends it: `scheme://host[:port]`) may call the API.
    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|allowed| match allowed.strip_suffix(":*") {
            Some(host) => {
                origin == host
                    || origin
                        .strip_prefix(host)
                        .and_then(|rest| rest.strip_prefix(':'))
                        .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
            }
            None => allowed == "*" || allowed == origin,
        })
    }

    /// The gateway's own answer to a preflight from `origin` that no route takes: 204, with the
    /// CORS headers when it is allowed.
    pub fn preflight(&self, origin: &str) -> Response<Body> {
        let mut res = Response::new(Body::Empty);
        *res.status_mut() = StatusCode::NO_CONTENT;
        self.decorate_preflight(origin, res.headers_mut());
        res
    }

    /// Adds the CORS headers of a preflight's answer from `origin` (the gateway's own, or the one
    /// the `$default` route's function gave): replaced by the configured ones when it is allowed,
    /// none when it is not (API Gateway ignores CORS headers from integrations).
    pub fn decorate_preflight(&self, origin: &str, headers: &mut HeaderMap) {
        for name in CORS_HEADERS {
            headers.remove(name);
        }
        headers.append("vary", HeaderValue::from_static("origin"));
        if self.allows(origin)
            && let Ok(value) = HeaderValue::from_str(origin)
        {
            headers.insert("access-control-allow-origin", value);
            headers.insert("access-control-allow-methods", self.methods.clone());
            headers.insert("access-control-allow-headers", self.headers.clone());
            headers.insert("access-control-max-age", HeaderValue::from(MAX_AGE_SECONDS));
        }
    }

    /// Adds the CORS headers of an actual request's answer from `origin` (those a function set
    /// are ignored, as API Gateway ignores them).
    pub fn decorate(&self, origin: Option<&str>, headers: &mut HeaderMap) {
        for name in CORS_HEADERS {
            headers.remove(name);
        }
        let Some(origin) = origin else { return };
        headers.append("vary", HeaderValue::from_static("origin"));
        if self.allows(origin)
            && let Ok(value) = HeaderValue::from_str(origin)
        {
            headers.insert("access-control-allow-origin", value);
            headers.insert("access-control-expose-headers", self.expose.clone());
        }
    }
}

impl Default for Cors {
    fn default() -> Self {
        Cors::new(DEFAULT_ORIGINS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_port_of_a_listed_host_and_exact_origins_are_allowed() {
        let cors = Cors::new("http://localhost:*, https://plans.example.com/");
        assert!(cors.allows("http://localhost:5173"));
        assert!(cors.allows("http://localhost"));
        assert!(cors.allows("https://plans.example.com"));
        for refused in [
            "http://localhost.evil.test",
            "http://localhost:51x3",
            "http://localhost:",
            "https://localhost:5173",
            "https://plans.example.com.evil.test",
            "null",
        ] {
            assert!(!cors.allows(refused), "{refused}");
        }
    }

    #[test]
    fn the_header_lists_are_the_constants() {
        let res = Cors::default().preflight("http://127.0.0.1:8080");
        let h = res.headers();
        assert_eq!(h["access-control-allow-origin"], "http://127.0.0.1:8080");
        assert_eq!(h["access-control-allow-methods"], ALLOW_METHODS.join(","));
        assert_eq!(h["access-control-allow-headers"], ALLOW_HEADERS.join(","));
        assert_eq!(h["access-control-max-age"], "600");
        assert!(Cors::default().preflight("https://evil.test").headers().get("access-control-allow-origin").is_none());
    }
}
