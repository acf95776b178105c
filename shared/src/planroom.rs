//! Planroom settings: the registered https base URL that tracked links redirect to. Destinations
//! are only ever built from it and ids, never taken from a token or a query, so there is no open
//! redirect.

use crate::activity::ObjectKind;
use crate::{Error, Result};

/// Validates a planroom base URL: `https://host[:port][/path]`, no query, fragment or credentials;
/// stored without a trailing slash.
pub fn parse_base_url(text: &str) -> Result<String> {
    let invalid = || Error::validation("base_url must be an https URL without query, fragment or credentials");
    let rest = text.trim().strip_prefix("https://").ok_or_else(invalid)?;
    let host = rest.split('/').next().unwrap_or_default();
    let bad_char =
        |c: char| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '@' | '\\' | '"' | '<' | '>');
    if host.is_empty() || host.starts_with('.') || rest.chars().any(bad_char) || text.chars().count() > 512 {
        return Err(invalid());
    }
    Ok(format!("https://{}", rest.trim_end_matches('/')))
}

/// The planroom page of a link target: `{base}/jobs/{job}`, `…/sections/{id}` or `…/files/{id}`,
/// each id percent-encoded as one path segment.
pub fn target_url(base: &str, job: &str, kind: ObjectKind, id: &str) -> String {
    let job_url = format!("{base}/jobs/{}", segment(job));
    match kind {
        ObjectKind::Job => job_url,
        ObjectKind::Section => format!("{job_url}/sections/{}", segment(id)),
        ObjectKind::File => format!("{job_url}/files/{}", segment(id)),
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_https_bases_are_accepted() {
        assert_eq!(parse_base_url("https://plans.acme.test/").unwrap(), "https://plans.acme.test");
        assert_eq!(parse_base_url("https://plans.acme.test/pr/1").unwrap(), "https://plans.acme.test/pr/1");
        for bad in [
            "http://x.test",
            "https://",
            "https://x.test?a=1",
            "https://u@x.test",
            "https://x.test#f",
            "javascript:alert(1)",
            "https://x test",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn targets_are_built_from_ids_only() {
        assert_eq!(
            target_url("https://p.test", "j 1", ObjectKind::File, "../../evil.com"),
            "https://p.test/jobs/j%201/files/..%2F..%2Fevil.com"
        );
        assert_eq!(target_url("https://p.test", "j", ObjectKind::Section, "s"), "https://p.test/jobs/j/sections/s");
        assert_eq!(target_url("https://p.test", "j", ObjectKind::Job, "j"), "https://p.test/jobs/j");
    }
}
