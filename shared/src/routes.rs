//! Every route of the API in one list, for what no single function knows: a known path asked with a
//! method it does not have answers 405 with `Allow`, an unknown path 404. API Gateway hands such
//! requests to the `$default` route (served by the query function); the dev server does the same.
//! The dev server's tests keep this list equal to the functions' route tables.

use crate::Error;

/// The route key of API Gateway's catch-all route.
pub const UNMATCHED: &str = "$default";

/// `"METHOD /path/{param}"` of every route the functions serve.
pub const API_ROUTES: [&str; 13] = [
    "PUT /v1/planroom",
    "PUT /v1/jobs/{job_id}",
    "POST /v1/jobs/{job_id}/blasts",
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
];

/// Whether `path` (as received, percent-encoded) fits the path template `template`.
pub fn fits(template: &str, path: &str) -> bool {
    let (mut want, mut got) = (template.split('/'), path.split('/'));
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') => {
                if g.is_empty() {
                    return false;
                }
            }
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// The methods the API serves on `path`, in the list's order (empty for an unknown path).
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    let mut methods: Vec<&'static str> = Vec::new();
    for key in API_ROUTES {
        if let Some((method, template)) = key.split_once(' ')
            && fits(template, path)
            && !methods.contains(&method)
        {
            methods.push(method);
        }
    }
    methods
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
}
