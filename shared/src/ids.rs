//! Validated identifiers and names, parsed once at the edge.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Longest id accepted, in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// Longest display name accepted, in bytes.
pub const MAX_NAME_BYTES: usize = 1024;

fn check_text(field: &str, value: &str, max: usize, allow_empty: bool) -> Result<()> {
    if !allow_empty && value.trim().is_empty() {
        return Err(Error::validation(format!("{field} must not be empty")));
    }
    if value.len() > max {
        return Err(Error::validation(format!("{field} must be at most {max} bytes")));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::validation(format!("{field} must not contain control characters")));
    }
    Ok(())
}

/// A non-empty id of at most [`MAX_ID_BYTES`] bytes without control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Id(String);

impl Id {
    /// Validates `value` as the id named `field` in error messages.
    pub fn parse(field: &str, value: &str) -> Result<Self> {
        check_text(field, value, MAX_ID_BYTES, false)?;
        Ok(Id(value.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A display name of at most [`MAX_NAME_BYTES`] bytes without control characters (may be empty).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    /// Validates `value` as the name named `field` in error messages.
    pub fn parse(field: &str, value: &str) -> Result<Self> {
        check_text(field, value, MAX_NAME_BYTES, true)?;
        Ok(Name(value.trim().to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Validates optional free text such as a URL or a device label.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) => {
            check_text(field, v, max, true)?;
            Ok(Some(v.to_owned()).filter(|v| !v.is_empty()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_empty_long_and_control_characters() {
        assert!(Id::parse("id", "file-1").is_ok());
        assert!(Id::parse("id", "").is_err());
        assert!(Id::parse("id", "  ").is_err());
        assert!(Id::parse("id", &"x".repeat(257)).is_err());
        assert!(Id::parse("id", &"x".repeat(256)).is_ok());
        assert!(Id::parse("id", "a\u{0}b").is_err());
        assert!(Id::parse("id", "a\nb").is_err());
        assert!(Id::parse("id", "山田#%").is_ok());
    }

    #[test]
    fn names_may_be_empty_but_not_controlled() {
        assert_eq!(Name::parse("name", " Zoë ").unwrap().as_str(), "Zoë");
        assert!(Name::parse("name", "").is_ok());
        assert!(Name::parse("name", "a\tb").is_err());
    }
}
