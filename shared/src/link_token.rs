//! Tokens of the tracked links in blast e-mails.
//!
//! Each link in a blast carries a token naming who it was sent to and what it opens, so a click is
//! recorded and routed without a database read and without trusting anything in the URL. The token
//! holds ids and names, never a URL: where a link leads is decided by the server from the ids, so a
//! token can never be turned into an open redirect. Tokens are for the purpose `"link"` and expire.
//!
//! Version 2 tokens are *sealed* ([`Keyring::seal`]): encrypted and authenticated, so they also
//! carry what the click's row needs (the recipient, the target's name, the send time, the job) —
//! the redirect writes the row in its one round trip — without showing a recipient's e-mail in the
//! URL. Version 1 tokens (signed, ids only) of links sent before still work; the redirect then reads
//! the recipient and the blast.

use crate::activity::{Activity, ObjectKind};
use crate::signing::codec::{Reader, Writer};
use crate::signing::{Keyring, open_expiring};

/// Signing purpose of link tokens; keeps them apart from every other token kind.
const PURPOSE: &str = "link";

/// Payload format version of sealed tokens.
const VERSION: u8 = 2;
/// The version of signed tokens (ids only).
const VERSION_1: u8 = 1;

/// What one tracked link in a blast e-mail stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkToken {
    /// Planroom the blast was sent from.
    pub planroom: String,
    /// The blast (e-mail campaign) containing the link.
    pub blast: String,
    /// The recipient the e-mail was addressed to.
    pub recipient: String,
    /// The job the blast is about.
    pub job: String,
    /// Kind of object the link opens.
    pub target_kind: ObjectKind,
    /// Id of the object the link opens.
    pub target_id: String,
    /// What following the link does (and is recorded as).
    pub action: Activity,
    /// When the link stops working, in unix seconds.
    pub expires_at: i64,
    /// What a version 2 token carries besides (`None` for a version 1 token).
    pub details: Option<LinkDetails>,
}

/// What a sealed link carries for its click's row and judgement, as the blast registered it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkDetails {
    /// The recipient's e-mail (normalised).
    pub email: String,
    /// Their name, as the blast gave it.
    pub name: String,
    /// Their company, when given.
    pub company: Option<String>,
    /// The target's display name.
    pub target_name: String,
    /// When the e-mail went out, in unix milliseconds.
    pub sent_at_ms: i64,
    /// The job's name, when the blast was registered.
    pub job_name: String,
    /// Its number.
    pub job_number: Option<String>,
    /// Whether it is a demo job.
    pub job_is_demo: bool,
    /// Its IANA time zone.
    pub job_time_zone: String,
}

/// Why a link token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not a genuine, well-formed link token (forged, altered, truncated, retired key or another purpose).
    #[error("invalid link")]
    Invalid,
    /// A genuine link whose time is up.
    #[error("link expired")]
    Expired,
}

impl LinkToken {
    /// The URL-safe token for this link (only `[A-Za-z0-9_.-]`): sealed when it carries details,
    /// signed (version 1) otherwise.
    pub fn encode(&self, keys: &Keyring) -> String {
        match &self.details {
            Some(_) => keys.seal(PURPOSE, &self.to_payload()),
            None => keys.sign(PURPOSE, &self.to_payload()),
        }
    }

    /// Opens (version 2) or verifies (version 1) and reads a token; a genuine one is `Expired` once
    /// `now_unix >= expires_at`.
    pub fn decode(token: &str, keys: &Keyring, now_unix: i64) -> Result<LinkToken, LinkError> {
        let link = if token.matches('.').count() == 1 {
            let payload = keys.open(PURPOSE, token).map_err(|_| LinkError::Invalid)?;
            Self::from_payload(&payload).filter(|l| l.details.is_some()).ok_or(LinkError::Invalid)?
        } else {
            let refusals = (LinkError::Invalid, LinkError::Expired);
            let parse = |p: &[u8]| Self::from_payload(p).filter(|l| l.details.is_none());
            return open_expiring(keys, PURPOSE, token, now_unix, parse, |l: &Self| l.expires_at, refusals);
        };
        if now_unix >= link.expires_at {
            return Err(LinkError::Expired);
        }
        Ok(link)
    }

    fn to_payload(&self) -> Vec<u8> {
        let mut writer = Writer::new(if self.details.is_some() { VERSION } else { VERSION_1 });
        writer
            .put_str(&self.planroom)
            .put_str(&self.blast)
            .put_str(&self.recipient)
            .put_str(&self.job)
            .put_u8(kind_byte(self.target_kind))
            .put_str(&self.target_id)
            .put_u8(action_byte(self.action))
            .put_i64(self.expires_at);
        if let Some(d) = &self.details {
            writer
                .put_str(&d.email)
                .put_str(&d.name)
                .put_opt_str(d.company.as_deref())
                .put_str(&d.target_name)
                .put_i64(d.sent_at_ms)
                .put_str(&d.job_name)
                .put_opt_str(d.job_number.as_deref())
                .put_u8(u8::from(d.job_is_demo))
                .put_str(&d.job_time_zone);
        }
        writer.finish()
    }

    fn from_payload(payload: &[u8]) -> Option<LinkToken> {
        let mut r = Reader::new(payload);
        let version = r.get_u8()?;
        if version != VERSION && version != VERSION_1 {
            return None;
        }
        let mut link = LinkToken {
            planroom: r.get_str()?,
            blast: r.get_str()?,
            recipient: r.get_str()?,
            job: r.get_str()?,
            target_kind: kind_from_byte(r.get_u8()?)?,
            target_id: r.get_str()?,
            action: action_from_byte(r.get_u8()?)?,
            expires_at: r.get_i64()?,
            details: None,
        };
        if version == VERSION {
            link.details = Some(LinkDetails {
                email: r.get_str()?,
                name: r.get_str()?,
                company: r.get_opt_str()?,
                target_name: r.get_str()?,
                sent_at_ms: r.get_i64()?,
                job_name: r.get_str()?,
                job_number: r.get_opt_str()?,
                job_is_demo: match r.get_u8()? {
                    0 => false,
                    1 => true,
                    _ => return None,
                },
                job_time_zone: r.get_str()?,
            });
        }
        r.finish()?;
        Some(link)
    }
}

// Explicit wire numbers, independent of enum declaration order, so reordering variants cannot
// change the meaning of tokens already sent out.

fn kind_byte(kind: ObjectKind) -> u8 {
    match kind {
        ObjectKind::File => 1,
        ObjectKind::Section => 2,
        ObjectKind::Job => 3,
    }
}

fn kind_from_byte(byte: u8) -> Option<ObjectKind> {
    match byte {
        1 => Some(ObjectKind::File),
        2 => Some(ObjectKind::Section),
        3 => Some(ObjectKind::Job),
        _ => None,
    }
}

fn action_byte(action: Activity) -> u8 {
    match action {
        Activity::View => 1,
        Activity::Download => 2,
        Activity::Order => 3,
    }
}

fn action_from_byte(byte: u8) -> Option<Activity> {
    match byte {
        1 => Some(Activity::View),
        2 => Some(Activity::Download),
        3 => Some(Activity::Order),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_750_000_000;

    fn ring(kid: &str, fill: u8) -> Keyring {
        match Keyring::new(vec![(kid.to_owned(), vec![fill; 32])]) {
            Ok(ring) => ring,
            Err(e) => panic!("{e}"),
        }
    }

    fn link() -> LinkToken {
        LinkToken {
            planroom: "pr-1".into(),
            blast: "bl-2".into(),
            recipient: "rc-3".into(),
            job: "job-4".into(),
            target_kind: ObjectKind::File,
            target_id: "file-5".into(),
            action: Activity::Download,
            expires_at: NOW + 3600,
            details: None,
        }
    }

    fn sealed() -> LinkToken {
        LinkToken {
            details: Some(LinkDetails {
                email: "zoe@bidder.test".into(),
                name: "Zoë Ångström".into(),
                company: Some("Bidder Co".into()),
                target_name: "Addendum 3.pdf".into(),
                sent_at_ms: NOW * 1000 - 60_000,
                job_name: "Elm Street School".into(),
                job_number: None,
                job_is_demo: false,
                job_time_zone: "America/Chicago".into(),
            }),
            ..link()
        }
    }

    #[test]
    fn a_sealed_link_carries_its_details_unreadably_and_refuses_every_tamper_and_truncation() {
        let keys = ring("k1", 1);
        let token = sealed().encode(&keys);
        assert_eq!(token.matches('.').count(), 1);
        assert!(!token.contains("zoe") && !token.contains("Bidder"));
        assert_eq!(LinkToken::decode(&token, &keys, NOW), Ok(sealed()));
        assert_eq!(sealed().encode(&keys), token, "minted again, the same link");
        for i in 0..token.len() {
            assert_eq!(LinkToken::decode(&tampered(&token, i), &keys, NOW), Err(LinkError::Invalid), "position {i}");
        }
        for len in 0..token.len() {
            assert_eq!(LinkToken::decode(&token[..len], &keys, NOW), Err(LinkError::Invalid), "length {len}");
        }
        assert_eq!(LinkToken::decode(&token, &keys, NOW + 3600), Err(LinkError::Expired));
        // A version 1 payload sealed, or a version 2 one signed, is no link.
        assert_eq!(LinkToken::decode(&keys.seal(PURPOSE, &link().to_payload()), &keys, NOW), Err(LinkError::Invalid));
        assert_eq!(LinkToken::decode(&keys.sign(PURPOSE, &sealed().to_payload()), &keys, NOW), Err(LinkError::Invalid));
    }

    fn tampered(token: &str, i: usize) -> String {
        let replacement = if token.as_bytes()[i] == b'A' { "B" } else { "A" };
        let mut out = token.to_owned();
        out.replace_range(i..i + 1, replacement);
        out
    }

    #[test]
    fn round_trips_including_unicode_and_every_kind_and_action() {
        let keys = ring("k1", 1);
        let unicode = LinkToken { planroom: "Bürohaus ⛪".into(), target_id: "平面図-7".into(), ..link() };
        assert_eq!(LinkToken::decode(&unicode.encode(&keys), &keys, NOW), Ok(unicode));
        for target_kind in [ObjectKind::File, ObjectKind::Section, ObjectKind::Job] {
            for action in [Activity::View, Activity::Download, Activity::Order] {
                let l = LinkToken { target_kind, action, ..link() };
                assert_eq!(LinkToken::decode(&l.encode(&keys), &keys, NOW), Ok(l));
            }
        }
    }

    #[test]
    fn every_single_character_tamper_is_invalid() {
        let keys = ring("k1", 1);
        let token = link().encode(&keys);
        for i in 0..token.len() {
            assert_eq!(LinkToken::decode(&tampered(&token, i), &keys, NOW), Err(LinkError::Invalid), "position {i}");
        }
    }

    #[test]
    fn every_truncation_is_invalid() {
        let keys = ring("k1", 1);
        let token = link().encode(&keys);
        for len in 0..token.len() {
            assert_eq!(LinkToken::decode(&token[..len], &keys, NOW), Err(LinkError::Invalid), "length {len}");
        }
    }

    #[test]
    fn expires_exactly_at_expires_at() {
        let keys = ring("k1", 1);
        let token = link().encode(&keys);
        assert!(LinkToken::decode(&token, &keys, NOW + 3599).is_ok());
        assert_eq!(LinkToken::decode(&token, &keys, NOW + 3600), Err(LinkError::Expired));
        assert_eq!(LinkToken::decode(&token, &keys, i64::MAX), Err(LinkError::Expired));
    }

    #[test]
    fn a_retired_key_is_invalid() {
        let token = link().encode(&ring("old", 1));
        assert_eq!(LinkToken::decode(&token, &ring("new", 2), NOW), Err(LinkError::Invalid));
    }

    #[test]
    fn the_token_is_url_safe_and_holds_no_url() {
        let keys = ring("k1", 1);
        let token = link().encode(&keys);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b)), "{token}");
        assert!(!token.contains("http"), "{token}");
    }

    #[test]
    fn a_payload_signed_for_another_purpose_is_invalid() {
        let keys = ring("k1", 1);
        let token = keys.sign("session", &link().to_payload());
        assert_eq!(LinkToken::decode(&token, &keys, NOW), Err(LinkError::Invalid));
    }

    #[test]
    fn genuinely_signed_but_malformed_payloads_are_invalid() {
        let keys = ring("k1", 1);
        let good = link().to_payload();
        let mut wrong_version = good.clone();
        wrong_version[0] = 3;
        let mut trailing = good.clone();
        trailing.push(0);
        let kind_at = 1 + 4 * 2 + "pr-1bl-2rc-3job-4".len();
        assert_eq!(good[kind_at], kind_byte(ObjectKind::File));
        let mut bad_kind = good.clone();
        bad_kind[kind_at] = 9;
        for payload in [wrong_version, trailing, bad_kind, good[..good.len() - 1].to_vec(), Vec::new()] {
            let token = keys.sign(PURPOSE, &payload);
            assert_eq!(LinkToken::decode(&token, &keys, NOW), Err(LinkError::Invalid), "{payload:?}");
        }
    }
}
