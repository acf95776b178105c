//! Opaque, tamper-proof pagination cursors: the next page's start key, signed (purpose
//! `cursor`) and bound to the query it came from, so a cursor can neither be forged nor replayed
//! against another job, planroom or filter.

use std::collections::BTreeMap;

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::signing::Keyring;
use crate::{Error, Result};

const PURPOSE: &str = "cursor";

/// Where the next page starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    /// Which part of a multi-part read (e.g. which month of an audit range).
    #[serde(rename = "p")]
    pub phase: u32,
    /// The start key (string attributes only).
    #[serde(rename = "k")]
    pub key: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
struct Signed {
    #[serde(rename = "s")]
    scope: String,
    #[serde(flatten)]
    cursor: Cursor,
}

/// Encodes `cursor` for the query identified by `scope`.
pub fn encode(keys: &Keyring, scope: &str, cursor: Cursor) -> String {
    let signed = Signed { scope: scope.to_owned(), cursor };
    // Serialising strings and numbers to JSON cannot fail.
    let payload = serde_json::to_vec(&signed).unwrap_or_default();
    keys.sign(PURPOSE, &payload)
}

/// Decodes a cursor given back by a client: 400 unless it is ours, intact and for this `scope`.
pub fn decode(keys: &Keyring, scope: &str, token: &str) -> Result<Cursor> {
    let invalid = || Error::BadRequest("invalid cursor".into());
    let payload = keys.verify(PURPOSE, token).map_err(|_| invalid())?;
    let signed: Signed = serde_json::from_slice(&payload).map_err(|_| invalid())?;
    if signed.scope != scope {
        return Err(invalid());
    }
    Ok(signed.cursor)
}

/// A scope string from the parts that define a query; parts are length-prefixed so no two
/// different queries share a scope.
pub fn scope(parts: &[&str]) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    parts.iter().map(|p| engine.encode(p)).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> Keyring {
        Keyring::new(vec![("k1".into(), vec![7u8; 32])]).unwrap()
    }

    fn cursor() -> Cursor {
        Cursor { phase: 2, key: BTreeMap::from([("pk".into(), "P#a".into()), ("sk".into(), "IND#x".into())]) }
    }

    #[test]
    fn round_trips_within_its_scope_only() {
        let token = encode(&keys(), "individuals|p|j", cursor());
        assert_eq!(decode(&keys(), "individuals|p|j", &token).unwrap(), cursor());
        assert_eq!(decode(&keys(), "individuals|p|j2", &token).unwrap_err().status(), 400);
    }

    #[test]
    fn tampered_cursors_are_400() {
        let token = encode(&keys(), "s", cursor());
        let mut bytes = token.into_bytes();
        let mid = bytes.len() / 2;
        bytes[mid] = if bytes[mid] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        assert_eq!(decode(&keys(), "s", &tampered).unwrap_err().status(), 400);
        assert_eq!(decode(&keys(), "s", "garbage").unwrap_err().status(), 400);
    }

    #[test]
    fn scopes_do_not_collide_on_separators() {
        assert_ne!(scope(&["a|b", "c"]), scope(&["a", "b|c"]));
    }
}
