//! The short-lived session a blast recipient gets after a verified link click.
//!
//! A recipient has no account; clicking a genuine tracked link proves they received the blast. The
//! session lets them keep browsing that job's documents for a while without re-clicking, and names
//! exactly which planroom, job, blast and recipient it covers, so activity is attributed to them.
//! It is a signed token (purpose `"session"`), so the server stores nothing, and it cannot be
//! confused with a link token even when both are signed with the same key.
//!
//! The session also carries how the click that minted it was judged: a session handed to an
//! e-mail scanner records everything done through it as automated, so a scanner that goes on to
//! "browse" the planroom page never becomes a person's first access. Version 2 of the payload adds
//! that judgement; version 1 sessions (minted before it) are still read, as human, until they
//! expire. Version 3 adds the click itself (its row, its time and the record it counts in), so the
//! landing page's view of the link's own target is known as the same view, not a second one.

use crate::signing::codec::{Reader, Writer};
use crate::signing::{Keyring, open_expiring};

/// Signing purpose of contact sessions; keeps them apart from every other token kind.
const PURPOSE: &str = "session";

/// Payload format version; a new layout gets a new number so old sessions fail cleanly.
const VERSION: u8 = 3;

/// The version before the click travelled with the session.
const VERSION_2: u8 = 2;

/// The version before the scanner judgement travelled with the session.
const VERSION_1: u8 = 1;

/// Who a contact session belongs to and what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactSession {
    /// Planroom the blast was sent from.
    pub planroom: String,
    /// The job the recipient may browse.
    pub job: String,
    /// The blast whose link was clicked.
    pub blast: String,
    /// The recipient who clicked.
    pub recipient: String,
    /// When the session ends, in unix seconds.
    pub expires_at: i64,
    /// Why the click that minted the session looked automated (a [`crate::scanner::Signal`]
    /// code), or `None` for a person.
    pub automated: Option<String>,
    /// The click that minted it (`None` in sessions minted before version 3).
    pub hit: Option<SessionHit>,
}

/// The tracked-link hit a session was handed out for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionHit {
    /// Its row's sort key.
    pub row: String,
    /// When it was, in unix milliseconds.
    pub at_ms: i64,
    /// The record it counts in (its sort key in the job's partition).
    pub record: String,
}

/// Why a contact session token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    /// Not a genuine, well-formed session (forged, altered, truncated, retired key or another purpose).
    #[error("invalid contact session")]
    Invalid,
    /// A genuine session whose time is up.
    #[error("contact session expired")]
    Expired,
}

impl ContactSession {
    /// The signed, URL- and cookie-safe session token (only `[A-Za-z0-9_.-]`).
    pub fn encode(&self, keys: &Keyring) -> String {
        keys.sign(PURPOSE, &self.to_payload())
    }

    /// Verifies and reads a session token; a genuine one is `Expired` once `now_unix >= expires_at`.
    pub fn decode(token: &str, keys: &Keyring, now_unix: i64) -> Result<ContactSession, SessionError> {
        let refusals = (SessionError::Invalid, SessionError::Expired);
        open_expiring(keys, PURPOSE, token, now_unix, Self::from_payload, |s: &Self| s.expires_at, refusals)
    }

    fn to_payload(&self) -> Vec<u8> {
        let mut writer = Writer::new(if self.hit.is_some() { VERSION } else { VERSION_2 });
        writer
            .put_str(&self.planroom)
            .put_str(&self.job)
            .put_str(&self.blast)
            .put_str(&self.recipient)
            .put_i64(self.expires_at)
            .put_str(self.automated.as_deref().unwrap_or_default());
        if let Some(hit) = &self.hit {
            writer.put_str(&hit.row).put_i64(hit.at_ms).put_str(&hit.record);
        }
        writer.finish()
    }

    fn from_payload(payload: &[u8]) -> Option<ContactSession> {
        let mut r = Reader::new(payload);
        let version = r.get_u8()?;
        if ![VERSION, VERSION_2, VERSION_1].contains(&version) {
            return None;
        }
        let mut session = ContactSession {
            planroom: r.get_str()?,
            job: r.get_str()?,
            blast: r.get_str()?,
            recipient: r.get_str()?,
            expires_at: r.get_i64()?,
            automated: None,
            hit: None,
        };
        if version >= VERSION_2 {
            session.automated = Some(r.get_str()?).filter(|reason| !reason.is_empty());
        }
        if version == VERSION {
            session.hit = Some(SessionHit { row: r.get_str()?, at_ms: r.get_i64()?, record: r.get_str()? });
        }
        r.finish()?;
        Some(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::{Activity, ObjectKind};
    use crate::link_token::LinkToken;

    const NOW: i64 = 1_750_000_000;

    fn ring(kid: &str, fill: u8) -> Keyring {
        match Keyring::new(vec![(kid.to_owned(), vec![fill; 32])]) {
            Ok(ring) => ring,
            Err(e) => panic!("{e}"),
        }
    }

    fn session() -> ContactSession {
        ContactSession {
            planroom: "pr-1".into(),
            job: "Jöb №4".into(),
            blast: "bl-2".into(),
            recipient: "rc-3".into(),
            expires_at: NOW + 900,
            automated: None,
            hit: None,
        }
    }

    /// A version 1 payload, as sessions minted before the scanner judgement travelled carry it.
    fn version_1(session: &ContactSession) -> Vec<u8> {
        Writer::new(VERSION_1)
            .put_str(&session.planroom)
            .put_str(&session.job)
            .put_str(&session.blast)
            .put_str(&session.recipient)
            .put_i64(session.expires_at)
            .finish()
    }

    #[test]
    fn the_click_travels_in_version_3() {
        let keys = ring("k1", 1);
        let hit = SessionHit {
            row: "2026-12-03T10:00:00.000Z#k1".into(),
            at_ms: NOW * 1000,
            record: "FA#i#view#file#f".into(),
        };
        let with_hit = ContactSession { hit: Some(hit), ..session() };
        assert_eq!(ContactSession::decode(&with_hit.encode(&keys), &keys, NOW), Ok(with_hit));
    }

    #[test]
    fn the_scanner_judgement_travels_and_old_sessions_read_as_human() {
        let keys = ring("k1", 1);
        let scanner = ContactSession { automated: Some("head_request".into()), ..session() };
        assert_eq!(ContactSession::decode(&scanner.encode(&keys), &keys, NOW), Ok(scanner));
        let old = keys.sign(PURPOSE, &version_1(&session()));
        assert_eq!(ContactSession::decode(&old, &keys, NOW), Ok(session()));
        assert_eq!(ContactSession::decode(&old, &keys, NOW + 900), Err(SessionError::Expired));
    }

    #[test]
    fn round_trips_and_is_url_safe() {
        let keys = ring("k1", 1);
        let token = session().encode(&keys);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)), "{token}");
        assert_eq!(ContactSession::decode(&token, &keys, NOW), Ok(session()));
    }

    #[test]
    fn every_single_character_tamper_is_invalid() {
        let keys = ring("k1", 1);
        let token = session().encode(&keys);
        for i in 0..token.len() {
            let replacement = if token.as_bytes()[i] == b'-' { "_" } else { "-" };
            let mut tampered = token.clone();
            tampered.replace_range(i..i + 1, replacement);
            assert_eq!(ContactSession::decode(&tampered, &keys, NOW), Err(SessionError::Invalid), "position {i}");
        }
    }

    #[test]
    fn every_truncation_is_invalid() {
        let keys = ring("k1", 1);
        let token = session().encode(&keys);
        for len in 0..token.len() {
            assert_eq!(ContactSession::decode(&token[..len], &keys, NOW), Err(SessionError::Invalid), "length {len}");
        }
    }

    #[test]
    fn expires_exactly_at_expires_at() {
        let keys = ring("k1", 1);
        let token = session().encode(&keys);
        assert!(ContactSession::decode(&token, &keys, NOW + 899).is_ok());
        assert_eq!(ContactSession::decode(&token, &keys, NOW + 900), Err(SessionError::Expired));
    }

    #[test]
    fn a_retired_key_is_invalid() {
        let token = session().encode(&ring("old", 1));
        assert_eq!(ContactSession::decode(&token, &ring("new", 2), NOW), Err(SessionError::Invalid));
    }

    #[test]
    fn link_and_session_tokens_do_not_cross() {
        let keys = ring("k1", 1);
        let link = LinkToken {
            planroom: "pr-1".into(),
            blast: "bl-2".into(),
            recipient: "rc-3".into(),
            job: "job-4".into(),
            target_kind: ObjectKind::Job,
            target_id: "job-4".into(),
            action: Activity::View,
            expires_at: NOW + 900,
            details: None,
        };
        assert_eq!(ContactSession::decode(&link.encode(&keys), &keys, NOW), Err(SessionError::Invalid));
        // Even the session's own payload is refused when signed for another purpose.
        let as_link = keys.sign("link", &session().to_payload());
        assert_eq!(ContactSession::decode(&as_link, &keys, NOW), Err(SessionError::Invalid));
        assert!(LinkToken::decode(&session().encode(&keys), &keys, NOW).is_err());
    }

    #[test]
    fn genuinely_signed_but_malformed_payloads_are_invalid() {
        let keys = ring("k1", 1);
        let good = session().to_payload();
        let mut wrong_version = good.clone();
        wrong_version[0] = 0;
        let mut trailing = good.clone();
        trailing.extend_from_slice(&[0, 0]);
        let mut bad_utf8 = good.clone();
        bad_utf8[3] = 0xff; // first byte of the planroom text
        let mut v1_with_judgement = good.clone();
        v1_with_judgement[0] = VERSION_1;
        let mut v3_without_hit = good.clone();
        v3_without_hit[0] = VERSION;
        for payload in
            [wrong_version, trailing, bad_utf8, good[..good.len() - 3].to_vec(), v1_with_judgement, v3_without_hit]
        {
            let token = keys.sign(PURPOSE, &payload);
            assert_eq!(ContactSession::decode(&token, &keys, NOW), Err(SessionError::Invalid), "{payload:?}");
        }
    }
}
