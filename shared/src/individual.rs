//! Individuals: one person is one individual per planroom, keyed by normalised e-mail, whether
//! they came by a blast link or logged in.

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::ids::Name;
use crate::{Error, Result};

/// A normalised e-mail address: trimmed and lower-cased, with one `@` between non-empty parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses and normalises an e-mail address.
    pub fn parse(text: &str) -> Result<Self> {
        let email = text.trim().to_lowercase();
        // Characters of the text as sent, as the OpenAPI document's maxLength counts them.
        let valid = text.chars().count() <= 254
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(email.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@') && domain.contains('.'));
        if valid { Ok(Email(email)) } else { Err(Error::validation(format!("{text:?} is not an e-mail address"))) }
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who did something: the identity an access is attributed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Individual {
    /// Stable id derived from the e-mail (or, without one, from the login subject).
    pub id: String,
    /// Normalised e-mail, when known.
    pub email: Option<Email>,
    /// Display name.
    pub name: Name,
    /// The individual's company, when known.
    pub company_name: Option<Name>,
}

impl Individual {
    /// The individual with this e-mail.
    pub fn by_email(email: Email, name: Name, company_name: Option<Name>) -> Self {
        Individual { id: individual_id("email", email.as_str()), email: Some(email), name, company_name }
    }

    /// A logged-in user without an e-mail claim, keyed by the login subject.
    pub fn by_subject(sub: &str, name: Name, company_name: Option<Name>) -> Self {
        Individual { id: individual_id("sub", sub), email: None, name, company_name }
    }
}

/// 32 hex characters of SHA-256 over the identifying value: opaque, stable, URL-safe.
fn individual_id(kind: &str, value: &str) -> String {
    let digest = Sha256::digest(format!("{kind}:{value}").as_bytes());
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_validated() {
        assert_eq!(Email::parse("  Zoe@Example.COM ").unwrap().as_str(), "zoe@example.com");
        for bad in ["", "zoe", "@example.com", "zoe@", "zoe@@x.com", "zo e@x.com", "zoe@localhost"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn same_email_is_same_individual_whatever_the_case() {
        let a = Individual::by_email(Email::parse("A@x.com").unwrap(), Name::default(), None);
        let b = Individual::by_email(Email::parse("a@X.com").unwrap(), Name::default(), None);
        let c = Individual::by_subject("a@x.com", Name::default(), None);
        assert_eq!(a.id, b.id);
        assert_ne!(a.id, c.id);
        assert_eq!(a.id.len(), 32);
    }
}
