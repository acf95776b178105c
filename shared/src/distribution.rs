//! A blast's certificate of distribution: per recipient, when the blast was registered as sent to
//! them, and the first human open, view and download of each file it carried, beside the hits
//! judged automated with their reasons. Its data has a SHA-256 digest that depends on nothing but
//! the data (not on when it was generated), so a copy can be checked against the service later.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::coverage::BlastMember;
use crate::records::{AccessRecord, BlastView};

/// A file (or other target) the blast carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentFile {
    /// `file`, `section` or `job`.
    pub kind: String,
    /// The planroom's id.
    pub id: String,
    /// Its name as the blast gave it.
    pub name: String,
    /// Its SHA-256 as the sender gave it at blast time.
    pub sha256: Option<String>,
}

/// One recipient's first human accesses of one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileAccess {
    /// The file.
    pub id: String,
    /// First human hit on the file's link in this blast.
    pub opened_at: Option<String>,
    /// First view of the file, by any way.
    pub viewed_at: Option<String>,
    /// First download of the file, by any way.
    pub downloaded_at: Option<String>,
}

/// Hits judged automated on one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AutomatedHits {
    /// `view` or `download`.
    pub activity: String,
    /// The object's kind.
    pub kind: String,
    /// The object.
    pub id: String,
    /// How many hits.
    pub hits: u64,
    /// The first.
    pub first_at: String,
    /// Why they were judged automated.
    pub reason: Option<String>,
    /// How sure.
    pub confidence: Option<String>,
}

/// One recipient's line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecipientLine {
    /// The individual.
    pub individual_id: String,
    /// Name as the blast gave it.
    pub name: String,
    /// E-mail the blast went to.
    pub email: Option<String>,
    /// Company as the blast gave it.
    pub company_name: Option<String>,
    /// One entry per file, in the blast's order.
    pub files: Vec<FileAccess>,
    /// Hits on their links judged automated (scanners), never counted as theirs.
    pub automated: Vec<AutomatedHits>,
}

/// The certificate's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificate {
    /// The job.
    pub job_id: String,
    /// The blast.
    pub blast_id: String,
    /// Its name.
    pub blast_name: String,
    /// When it was registered with the service.
    pub registered_at: Option<String>,
    /// When the sender said it went out.
    pub sent_at: Option<String>,
    /// What it carried.
    pub files: Vec<SentFile>,
    /// Its recipients, by company then name.
    pub recipients: Vec<RecipientLine>,
}

/// The certificate of `blast` (of `job_id`) from its recipients `members` and the job's records
/// (people's and scanners').
pub fn certificate(job_id: &str, blast: &BlastView, members: &[BlastMember], records: &[AccessRecord]) -> Certificate {
    let files: Vec<SentFile> = blast
        .targets
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| {
            Some(SentFile {
                kind: t["kind"].as_str()?.to_owned(),
                id: t["id"].as_str()?.to_owned(),
                name: t["name"].as_str().unwrap_or_default().to_owned(),
                sha256: t["sha256"].as_str().map(str::to_owned),
            })
        })
        .collect();
    let earliest = |slot: &mut Option<String>, at: &str| {
        if !at.is_empty() && slot.as_deref().is_none_or(|s| at < s) {
            *slot = Some(at.to_owned());
        }
    };
    let mut recipients: Vec<RecipientLine> = members
        .iter()
        .filter(|m| m.blast_id == blast.blast_id)
        .map(|m| {
            let theirs: Vec<&AccessRecord> = records.iter().filter(|r| r.individual_id == m.individual_id).collect();
            let accesses = files
                .iter()
                .map(|file| {
                    let mut access = FileAccess { id: file.id.clone(), ..FileAccess::default() };
                    let of_file =
                        theirs.iter().filter(|r| !r.automated && r.object.kind == file.kind && r.object.id == file.id);
                    for r in of_file {
                        if r.sources.iter().any(|s| s == &blast.blast_id) {
                            earliest(&mut access.opened_at, &r.first_at);
                        }
                        match r.activity.as_str() {
                            "view" => earliest(&mut access.viewed_at, &r.first_at),
                            "download" => earliest(&mut access.downloaded_at, &r.first_at),
                            _ => {}
                        }
                    }
                    access
                })
                .collect();
            let mut automated: Vec<AutomatedHits> = theirs
                .iter()
                .filter(|r| r.automated)
                .filter(|r| {
                    r.sources.iter().any(|s| s == &blast.blast_id)
                        || files.iter().any(|f| f.kind == r.object.kind && f.id == r.object.id)
                })
                .map(|r| AutomatedHits {
                    activity: r.activity.clone(),
                    kind: r.object.kind.clone(),
                    id: r.object.id.clone(),
                    hits: r.count,
                    first_at: r.first_at.clone(),
                    reason: r.automated_reason.clone(),
                    confidence: r.confidence.clone(),
                })
                .collect();
            automated.sort_by(|a, b| (&a.first_at, &a.id, &a.activity).cmp(&(&b.first_at, &b.id, &b.activity)));
            RecipientLine {
                individual_id: m.individual_id.clone(),
                name: m.name.clone(),
                email: m.email.clone(),
                company_name: m.company_name.clone(),
                files: accesses,
                automated,
            }
        })
        .collect();
    let key = |r: &RecipientLine| {
        let company = r.company_name.as_deref().map(crate::search_text::fold).unwrap_or_default();
        (company, crate::search_text::fold(&r.name), r.individual_id.clone())
    };
    recipients.sort_by_cached_key(key);
    Certificate {
        job_id: job_id.to_owned(),
        blast_id: blast.blast_id.clone(),
        blast_name: blast.name.clone(),
        registered_at: blast.created_at.clone(),
        sent_at: blast.sent_at.clone(),
        files,
        recipients,
    }
}

/// The SHA-256 (hex) of the certificate's data as JSON: the same data, the same digest.
pub fn digest(certificate: &Certificate) -> String {
    // Serialising strings, numbers and options cannot fail.
    let bytes = serde_json::to_vec(certificate).unwrap_or_default();
    Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::ObjectView;

    fn blast() -> BlastView {
        BlastView {
            blast_id: "b1".into(),
            name: "Addendum 3".into(),
            sent_at: Some("2026-12-01T15:00:00.000Z".into()),
            created_at: Some("2026-12-01T14:59:00.000Z".into()),
            targets: serde_json::json!([
                {"kind": "file", "id": "add-3", "name": "Addendum 3.pdf", "action": "view", "sha256": "ab".repeat(32)},
                {"kind": "file", "id": "add-4", "name": "Addendum 4.pdf", "action": "download"},
            ]),
            reminder_of: None,
        }
    }

    fn member(who: &str, company: &str) -> BlastMember {
        BlastMember {
            blast_id: "b1".into(),
            individual_id: who.into(),
            name: format!("Person {who}"),
            email: Some(format!("{who}@x.test")),
            company_name: Some(company.into()),
        }
    }

    fn record(who: &str, activity: &str, file: &str, at: &str, source: &str, automated: bool) -> AccessRecord {
        AccessRecord {
            job_id: "j".into(),
            individual_id: who.into(),
            name: String::new(),
            email: None,
            company_name: None,
            activity: activity.into(),
            object: ObjectView { kind: "file".into(), id: file.into(), name: String::new() },
            section: None,
            first_at: at.into(),
            last_at: at.into(),
            count: 2,
            source: source.into(),
            device: None,
            automated,
            automated_reason: automated.then(|| "burst".to_owned()),
            confidence: automated.then(|| "high".to_owned()),
            sources: vec![source.into()],
            first_at_local: None,
            last_at_local: None,
        }
    }

    #[test]
    fn each_recipient_has_first_open_view_and_download_per_file_and_scanners_beside() {
        let members = [member("zed", "Zeta"), member("ann", "Alpha"), member("bo", "Alpha")];
        let records = [
            record("ann", "view", "add-3", "2026-12-01T16:00:00.000Z", "b1", false),
            record("ann", "download", "add-3", "2026-12-02T09:00:00.000Z", "login", false),
            record("bo", "view", "add-3", "2026-12-01T15:00:02.000Z", "b1", true),
            record("zed", "view", "add-4", "2026-11-30T10:00:00.000Z", "login", false),
        ];
        let cert = certificate("j", &blast(), &members, &records);
        assert_eq!(cert.files[0].sha256.as_deref(), Some("ab".repeat(32).as_str()));
        assert_eq!(cert.files[1].sha256, None);
        let order: Vec<&str> = cert.recipients.iter().map(|r| r.individual_id.as_str()).collect();
        assert_eq!(order, ["ann", "bo", "zed"], "by company, then name");
        let ann = &cert.recipients[0].files[0];
        assert_eq!(ann.opened_at.as_deref(), Some("2026-12-01T16:00:00.000Z"));
        assert_eq!(ann.viewed_at.as_deref(), Some("2026-12-01T16:00:00.000Z"));
        assert_eq!(ann.downloaded_at.as_deref(), Some("2026-12-02T09:00:00.000Z"));
        let bo = &cert.recipients[1];
        assert_eq!(bo.files[0], FileAccess { id: "add-3".into(), ..FileAccess::default() }, "a scanner is not Bo");
        assert_eq!((bo.automated.len(), bo.automated[0].hits), (1, 2));
        assert_eq!(bo.automated[0].reason.as_deref(), Some("burst"));
        let zed = &cert.recipients[2].files[1];
        assert_eq!((zed.opened_at.as_deref(), zed.viewed_at.is_some()), (None, true), "viewed by login, not the link");
    }

    #[test]
    fn the_digest_follows_the_data_and_nothing_else() {
        let members = [member("ann", "Alpha")];
        let records = [record("ann", "view", "add-3", "2026-12-01T16:00:00.000Z", "b1", false)];
        let a = digest(&certificate("j", &blast(), &members, &records));
        assert_eq!(a, digest(&certificate("j", &blast(), &members, &records)), "the same data, the same digest");
        assert_eq!(a.len(), 64);
        let later = [record("ann", "view", "add-3", "2026-12-01T16:00:01.000Z", "b1", false)];
        assert_ne!(a, digest(&certificate("j", &blast(), &members, &later)));
    }
}
