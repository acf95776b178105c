//! What a downloaded report is called: after its job, not an id
//! (`J-1042 Riverside Clinic - coverage 2026-12-03.pdf`), and how `Content-Disposition` carries a
//! name in any script (RFC 6266: an ASCII `filename` for old clients, `filename*` in UTF-8 per
//! RFC 8187 for the rest).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Longest name, in characters, before its extension.
const MAX_STEM_CHARS: usize = 120;

/// RFC 8187's `attr-char`: everything else is percent-encoded.
const ATTR_CHAR: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// `{number} {job name} - {report} {date}.{extension}`, with what file systems refuse
/// (`/ \ : * ? " < > |` and control characters) replaced and the length bounded.
pub fn file_name(job_number: Option<&str>, job_name: &str, report: &str, date: &str, extension: &str) -> String {
    let job = match job_number.filter(|n| !n.trim().is_empty()) {
        Some(number) if !job_name.contains(number) => format!("{} {}", number.trim(), job_name.trim()),
        _ => job_name.trim().to_owned(),
    };
    let stem = format!("{job} - {report} {date}");
    let mut clean: String = stem
        .chars()
        .map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '-' } else { c })
        .take(MAX_STEM_CHARS)
        .collect();
    clean = clean.trim().trim_start_matches('.').to_owned();
    format!("{clean}.{extension}")
}

/// The `Content-Disposition` of an attachment named `name`.
pub fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{}", utf8_percent_encode(name, ATTR_CHAR))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_after_the_job_safe_for_file_systems() {
        assert_eq!(
            file_name(Some("J-1042"), "Riverside Clinic", "coverage", "2026-12-03", "pdf"),
            "J-1042 Riverside Clinic - coverage 2026-12-03.pdf"
        );
        assert_eq!(
            file_name(None, "A/B: \"C\"", "certificate", "2026-12-03", "json"),
            "A-B- -C- - certificate 2026-12-03.json"
        );
        assert_eq!(file_name(Some("24-017"), "24-017 School", "x", "d", "csv"), "24-017 School - x d.csv");
        assert!(file_name(None, &"x".repeat(500), "r", "d", "pdf").chars().count() <= MAX_STEM_CHARS + 4);
    }

    #[test]
    fn any_script_survives_content_disposition() {
        let header = content_disposition("Clínica Nº 5 – 東京.pdf");
        assert!(header.starts_with("attachment; filename=\"Clinica No 5 _ __.pdf\"; "), "{header}");
        assert!(
            header.ends_with("filename*=UTF-8''Cl%C3%ADnica%20N%C2%BA%205%20%E2%80%93%20%E6%9D%B1%E4%BA%AC.pdf"),
            "{header}"
        );
        assert!(header.is_ascii());
        let quoted = content_disposition("a\"b\\c.pdf");
        assert!(quoted.contains("filename=\"a_b_c.pdf\""), "{quoted}");
    }
}
