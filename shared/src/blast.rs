//! Blasts: a job's e-mail to a list of contacts, each link of which identifies its recipient.

use serde::Deserialize;

use crate::activity::{Activity, ObjectKind};
use crate::ids::{Id, Name};
use crate::individual::{Email, Individual};
use crate::{Error, Result};

/// Most recipients one blast may have.
pub const MAX_RECIPIENTS: usize = 5_000;
/// Most link targets one blast may have.
pub const MAX_TARGETS: usize = 20;
/// Most links (recipients × targets) one blast may have.
pub const MAX_LINKS: usize = 20_000;
/// Most links one answer carries (the blast's registration, or a page of `…/links`): 5,000 links
/// are about 1.7 MB of JSON, well under Lambda's 6 MB response limit.
pub const LINKS_PER_PAGE: usize = 5_000;

/// The body of `POST /v1/jobs/{job_id}/blasts`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlastInput {
    name: String,
    recipients: Vec<RecipientInput>,
    targets: Vec<TargetInput>,
    sent_at: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecipientInput {
    contact_id: Option<String>,
    email: String,
    name: Option<String>,
    company_name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetInput {
    kind: ObjectKind,
    id: String,
    name: Option<String>,
    action: Activity,
    sha256: Option<String>,
}

/// A validated blast.
#[derive(Debug, Clone)]
pub struct Blast {
    /// Display name.
    pub name: Name,
    /// Distinct recipients (by individual), in the order given.
    pub recipients: Vec<Recipient>,
    /// What the links open.
    pub targets: Vec<Target>,
    /// When the e-mail went out (stored form), when the sender says so.
    pub sent_at: Option<String>,
}

/// One recipient.
#[derive(Debug, Clone)]
pub struct Recipient {
    /// The planroom's contact id, when given.
    pub contact_id: Option<Id>,
    /// The recipient as an individual.
    pub individual: Individual,
}

/// One link target.
#[derive(Debug, Clone)]
pub struct Target {
    /// File, section or job.
    pub kind: ObjectKind,
    /// The planroom's id.
    pub id: Id,
    /// Display name.
    pub name: Name,
    /// `view` or `download`.
    pub action: Activity,
    /// The SHA-256 of the file as sent (64 hex digits, lower case), when the sender gave it: the
    /// certificate of distribution prints it.
    pub sha256: Option<String>,
}

impl BlastInput {
    /// Validates the body.
    pub fn validate(self) -> Result<Blast> {
        let name = Name::parse("name", &self.name)?;
        if self.recipients.is_empty() || self.recipients.len() > MAX_RECIPIENTS {
            return Err(Error::validation(format!("recipients must hold 1 to {MAX_RECIPIENTS} recipients")));
        }
        if self.targets.is_empty() || self.targets.len() > MAX_TARGETS {
            return Err(Error::validation(format!("targets must hold 1 to {MAX_TARGETS} targets")));
        }
        if self.recipients.len() * self.targets.len() > MAX_LINKS {
            return Err(Error::validation(format!(
                "a blast may have at most {MAX_LINKS} links (recipients × targets)"
            )));
        }
        let sent_at = match self.sent_at.as_deref() {
            None => None,
            Some(text) => Some(crate::time::format(
                crate::time::parse_instant(text)
                    .ok_or_else(|| Error::validation("sent_at must be an RFC 3339 instant"))?,
            )),
        };
        let mut seen = std::collections::HashSet::new();
        let mut recipients = Vec::with_capacity(self.recipients.len());
        for (i, r) in self.recipients.into_iter().enumerate() {
            let recipient = r.validate().map_err(|e| Error::validation(format!("recipients[{i}].{e}")))?;
            if seen.insert(recipient.individual.id.clone()) {
                recipients.push(recipient);
            }
        }
        let targets = self
            .targets
            .into_iter()
            .enumerate()
            .map(|(i, t)| t.validate().map_err(|e| Error::validation(format!("targets[{i}].{e}"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Blast { name, recipients, targets, sent_at })
    }
}

impl RecipientInput {
    fn validate(self) -> Result<Recipient> {
        let email = Email::parse(&self.email)?;
        let name = Name::parse("name", self.name.as_deref().unwrap_or_default())?;
        let company = self.company_name.as_deref().map(|c| Name::parse("company_name", c)).transpose()?;
        Ok(Recipient {
            contact_id: self.contact_id.as_deref().map(|c| Id::parse("contact_id", c)).transpose()?,
            individual: Individual::by_email(email, name, company.filter(|c| !c.as_str().is_empty())),
        })
    }
}

impl TargetInput {
    fn validate(self) -> Result<Target> {
        if self.action == Activity::Order {
            return Err(Error::validation("action must be view or download"));
        }
        Ok(Target {
            kind: self.kind,
            id: Id::parse("id", &self.id)?,
            name: Name::parse("name", self.name.as_deref().unwrap_or_default())?,
            action: self.action,
            sha256: self
                .sha256
                .map(|hash| {
                    let valid = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
                    if valid {
                        Ok(hash.to_ascii_lowercase())
                    } else {
                        Err(Error::validation("sha256 must be 64 hex digits"))
                    }
                })
                .transpose()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: serde_json::Value) -> Result<Blast> {
        serde_json::from_value::<BlastInput>(json).map_err(|e| Error::validation(e.to_string()))?.validate()
    }

    #[test]
    fn duplicate_recipients_are_one_individual() {
        let blast = parse(serde_json::json!({"name": "Addendum 3", "recipients": [
            {"email": "A@x.com", "name": "Ann"}, {"email": "a@x.com"}, {"email": "b@x.com", "contact_id": "c2"}],
            "targets": [{"kind": "file", "id": "f1", "name": "Addendum 3.pdf", "action": "view"}]}))
        .unwrap();
        assert_eq!(blast.recipients.len(), 2);
        assert_eq!(blast.recipients[1].contact_id.as_ref().unwrap().as_str(), "c2");
    }

    #[test]
    fn bad_blasts_are_rejected() {
        let target = serde_json::json!([{"kind": "file", "id": "f1", "action": "view"}]);
        assert!(parse(serde_json::json!({"name": "x", "recipients": [], "targets": target})).is_err());
        assert!(parse(serde_json::json!({"name": "x", "recipients": [{"email": "nope"}], "targets": target})).is_err());
        let hashed = |h: &str| serde_json::json!([{"kind": "file", "id": "f1", "action": "view", "sha256": h}]);
        let ok = parse(
            serde_json::json!({"name": "x", "recipients": [{"email": "a@x.com"}], "targets": hashed(&"AB".repeat(32))}),
        );
        assert_eq!(ok.unwrap().targets[0].sha256.as_deref(), Some("ab".repeat(32).as_str()));
        for bad in ["ab", &"zz".repeat(32)] {
            assert!(
                parse(serde_json::json!({"name": "x", "recipients": [{"email": "a@x.com"}], "targets": hashed(bad)}))
                    .is_err()
            );
        }
        let order = serde_json::json!([{"kind": "file", "id": "f1", "action": "order"}]);
        assert!(
            parse(serde_json::json!({"name": "x", "recipients": [{"email": "a@x.com"}], "targets": order})).is_err()
        );
        let many: Vec<_> = (0..5001).map(|i| serde_json::json!({"email": format!("u{i}@x.com")})).collect();
        assert!(parse(serde_json::json!({"name": "x", "recipients": many, "targets": target})).is_err());
    }
}
