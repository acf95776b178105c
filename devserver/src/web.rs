//! The reference web client under `/ui/`: the built files of `web/` (`WEB_DIST`), the demo
//! planroom page for every path under `/ui/planroom/` (where tracked links land locally), and
//! `/ui/config.json`, which tells the client where the API is and, on this local server only,
//! hands it ready-made sign-in tokens.

use std::path::{Path, PathBuf};

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};

/// Where the client is served.
pub const PREFIX: &str = "/ui";
/// Where the built client is by default: `web/dist` of this checkout.
pub const DEFAULT_DIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/dist");

/// The built web client and its configuration.
#[derive(Debug, Clone)]
pub struct WebClient {
    dist: PathBuf,
    config: String,
}

impl WebClient {
    /// Serves the files of `dist` and `config` (JSON) as `/ui/config.json`.
    pub fn new(dist: impl Into<PathBuf>, config: &serde_json::Value) -> Self {
        WebClient { dist: dist.into(), config: config.to_string() }
    }

    /// Whether `path` is the client's.
    pub fn serves(path: &str) -> bool {
        path == PREFIX || path.starts_with("/ui/")
    }

    /// Answers a request for one of the client's paths.
    pub async fn answer(&self, method: &str, path: &str) -> Response<Body> {
        if method != "GET" && method != "HEAD" {
            let mut res = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
            res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            return res;
        }
        let rest = path.strip_prefix(PREFIX).unwrap_or_default();
        let mut res = match rest {
            "" => {
                let mut res = text(StatusCode::MOVED_PERMANENTLY, "");
                res.headers_mut().insert(header::LOCATION, HeaderValue::from_static("/ui/"));
                res
            }
            "/config.json" => with_type(Response::new(Body::Text(self.config.clone())), "application/json"),
            _ => match file_of(rest) {
                Some(file) => self.file(&file).await,
                None => text(StatusCode::NOT_FOUND, "no such page"),
            },
        };
        let headers = res.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
        headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
        headers.insert("content-security-policy", HeaderValue::from_static("frame-ancestors 'none'"));
        if method == "HEAD" {
            *res.body_mut() = Body::Empty;
        }
        res
    }

    async fn file(&self, relative: &Path) -> Response<Body> {
        match tokio::fs::read(self.dist.join(relative)).await {
            Ok(bytes) => with_type(Response::new(Body::Binary(bytes)), content_type(relative)),
            Err(_) if !self.dist.join("index.html").is_file() => text(
                StatusCode::NOT_FOUND,
                &format!("the web client is not built in {}: run `make web`", self.dist.display()),
            ),
            Err(_) => text(StatusCode::NOT_FOUND, "no such page"),
        }
    }
}

/// The file under the client's root that answers `rest` (the path after `/ui`): the app for
/// `/`, the demo planroom page for anything under `/planroom`, else the file itself. `None` for a
/// path that tries to leave the root or is not UTF-8.
fn file_of(rest: &str) -> Option<PathBuf> {
    if rest == "/" {
        return Some(PathBuf::from("index.html"));
    }
    if rest == "/planroom" || rest.starts_with("/planroom/") {
        return Some(PathBuf::from("planroom.html"));
    }
    let mut file = PathBuf::new();
    for segment in rest.trim_start_matches('/').split('/') {
        let segment = percent_encoding::percent_decode_str(segment).decode_utf8().ok()?;
        let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        if segment.is_empty() || segment.starts_with('.') || !segment.chars().all(plain) {
            return None;
        }
        file.push(segment.as_ref());
    }
    Some(file)
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()).unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn text(status: StatusCode, message: &str) -> Response<Body> {
    let mut res = with_type(Response::new(Body::Text(message.to_owned())), "text/plain; charset=utf-8");
    *res.status_mut() = status;
    res
}

fn with_type(mut res: Response<Body>, content_type: &'static str) -> Response<Body> {
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_to_files_under_the_root_only() {
        assert_eq!(file_of("/"), Some(PathBuf::from("index.html")));
        assert_eq!(file_of("/planroom/jobs/job-1/files/add%203"), Some(PathBuf::from("planroom.html")));
        assert_eq!(file_of("/assets/index-abc.js"), Some(PathBuf::from("assets/index-abc.js")));
        for bad in ["/../Cargo.toml", "/assets/%2e%2e/x", "/a//b", "/.env", "/a%2Fb", "/a\\b", "/%ff"] {
            assert_eq!(file_of(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn the_config_is_served_and_other_methods_are_refused() {
        let dir = std::env::temp_dir().join(format!("web-{}", std::process::id()));
        let web = WebClient::new(&dir, &serde_json::json!({"api_base": "http://127.0.0.1:3000"}));
        let config = web.answer("GET", "/ui/config.json").await;
        assert_eq!(config.status(), 200);
        assert_eq!(config.headers()["content-type"], "application/json");
        assert_eq!(web.answer("POST", "/ui/").await.headers()["allow"], "GET, HEAD");
        let missing = web.answer("GET", "/ui/").await;
        assert_eq!(missing.status(), 404);
        assert!(matches!(missing.body(), Body::Text(t) if t.contains("make web")));
        assert_eq!(web.answer("GET", "/ui").await.headers()["location"], "/ui/");
        assert!(WebClient::serves("/ui/x") && !WebClient::serves("/uix") && !WebClient::serves("/v1/ui/"));
    }
}
