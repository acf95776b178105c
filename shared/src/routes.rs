//! Every route of the API in one list, for what no single function knows: a known path asked with a
//! method it does not have answers 405 with `Allow`, an unknown path 404. API Gateway hands such
//! requests to the `$default` route (served by the query function); the dev server does the same.
//! The dev server's tests keep this list equal to the functions' route tables.

use std::collections::BTreeMap;

use crate::Error;

/// The route key of API Gateway's catch-all route.
pub const UNMATCHED: &str = "$default";

/// `"METHOD /path/{param}"` of every route the functions serve.
pub const API_ROUTES: [&str; 29] = [
    "PUT /v1/planroom",
    "PUT /v1/jobs/{job_id}",
    "GET /v1/jobs",
    "GET /v1/jobs/{job_id}",
    "GET /v1/jobs/{job_id}/coverage",
    "POST /v1/jobs/{job_id}/blasts",
    "GET /v1/jobs/{job_id}/blasts",
    "GET /v1/jobs/{job_id}/blasts/{blast_id}/links",
    "POST /v1/jobs/{job_id}/blasts/{blast_id}/reminders",
    "POST /v1/events",
    "POST /v1/contact-events",
    "GET /r/{token}",
    "HEAD /r/{token}",
    "GET /v1/jobs/{job_id}/activity/individuals",
    "GET /v1/jobs/{job_id}/activity/individuals/{individual_id}",
    "GET /v1/jobs/{job_id}/files/{file_id}/activity",
    "GET /v1/activity",
    "POST /v1/jobs/{job_id}/exports",
    "GET /v1/exports/{export_id}",
    "POST /v1/user-activity",
    "GET /v1/user-activity",
    "POST /v1/user-activity/exports",
    "POST /v1/user-activity/queries",
    "GET /v1/user-activity/queries/{query_id}",
    "POST /v1/webhooks",
    "GET /v1/webhooks",
    "DELETE /v1/webhooks/{webhook_id}",
    "POST /v1/webhooks/{webhook_id}/rotate",
    "GET /v1/webhooks/{webhook_id}/deliveries",
];

/// Matches `/v1/jobs/{job_id}` against a request path, decoding the parameters.
pub fn match_path(template: &str, path: &str) -> Option<BTreeMap<String, String>> {
    let mut want = template.split('/');
    let mut got = path.split('/');
    let mut params = BTreeMap::new();
    loop {
        match (want.next(), got.next()) {
            (None, None) => return Some(params),
            (Some(w), Some(g)) => {
                if let Some(name) = w.strip_prefix('{').and_then(|w| w.strip_suffix('}')) {
                    if g.is_empty() {
                        return None;
                    }
                    let value = percent_encoding::percent_decode_str(g).decode_utf8().ok()?;
                    params.insert(name.to_owned(), value.into_owned());
                } else if w != g {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

/// The methods the API serves on `path`, in the list's order (empty for an unknown path).
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    let mut methods: Vec<&'static str> = Vec::new();
    for key in API_ROUTES {
        if let Some((method, template)) = key.split_once(' ')
            && match_path(template, path).is_some()
            && !methods.contains(&method)
        {
            methods.push(method);
        }
    }
    methods
}

/// Whether a request is a browser's CORS preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`). API Gateway hands a preflight to the `$default` route when
/// there is one: its function answers it (204), and the gateway adds the configured CORS headers.
pub fn is_preflight(method: &str, origin: Option<&str>, request_method: Option<&str>) -> bool {
    method.eq_ignore_ascii_case("OPTIONS") && origin.is_some() && request_method.is_some()
}

/// The answer to a request no route matched: 405 with the path's methods, or 404.
pub fn unmatched(method: &str, path: &str) -> Error {
    let allowed = allowed_methods(path);
    if allowed.is_empty() {
        Error::NotFound("no such route".into())
    } else {
        Error::MethodNotAllowed { method: method.to_owned(), allow: allowed.join(", ") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_templates_with_decoded_parameters() {
        let p = match_path("/v1/jobs/{job_id}", "/v1/jobs/job%201").unwrap();
        assert_eq!(p["job_id"], "job 1");
        assert!(match_path("/v1/jobs/{job_id}", "/v1/jobs/").is_none());
        assert!(match_path("/v1/jobs/{job_id}", "/v1/jobs/a/b").is_none());
        assert!(match_path("/v1/events", "/v1/events").unwrap().is_empty());
        assert!(match_path("/v1/events", "/v1/event").is_none());
    }

    #[test]
    fn known_paths_name_their_methods() {
        assert_eq!(allowed_methods("/v1/planroom"), ["PUT"]);
        assert_eq!(allowed_methods("/r/abc.def.ghi"), ["GET", "HEAD"]);
        assert_eq!(allowed_methods("/v1/jobs/job%201/activity/individuals"), ["GET"]);
        assert!(allowed_methods("/v1/jobs//activity/individuals").is_empty());
        assert!(allowed_methods("/v1/nothing").is_empty());
        let err = unmatched("TRACE", "/v1/events");
        assert_eq!(err.status(), 405);
        assert!(matches!(err, Error::MethodNotAllowed { ref allow, .. } if allow == "POST"));
        assert_eq!(unmatched("GET", "/v2/events").status(), 404);
    }

    #[test]
    fn a_preflight_is_options_with_an_origin_and_the_method_asked_for() {
        assert!(is_preflight("OPTIONS", Some("https://p.example"), Some("POST")));
        assert!(!is_preflight("OPTIONS", Some("https://p.example"), None), "a plain OPTIONS is a method");
        assert!(!is_preflight("OPTIONS", None, Some("POST")));
        assert!(!is_preflight("GET", Some("https://p.example"), Some("POST")));
    }
}
