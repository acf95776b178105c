//! HMAC-SHA256 signing with a keyring of named keys, for the tokens the service hands out.
//!
//! Tokens (tracked links, contact sessions, paging cursors) travel through e-mail and browsers, so the
//! server must recognise its own tokens without storing them. A token is `{kid}.{payload}.{tag}`:
//! the key id says which key signed it, so keys can be rotated by putting a new key first in the
//! ring (it signs) while older keys still verify until they are removed. Every tag also covers a
//! *purpose*, so a token minted for one use (say a session) can never be replayed as another (a link).
//!
//! The `codec` helpers give the token modules one compact, strictly parsed binary payload format.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::config::ConfigError;

/// Longest token [`Keyring::verify`] looks at; anything longer is rejected before any decoding work.
pub const MAX_TOKEN_BYTES: usize = 4096;

/// Shortest accepted secret: HMAC-SHA256 gains nothing from more, and is weakened by less.
pub const MIN_SECRET_BYTES: usize = 32;

/// Longest accepted key id; it is repeated in every token, so it should stay short.
pub const MAX_KID_CHARS: usize = 16;

/// Length of an HMAC-SHA256 tag.
const TAG_BYTES: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// Secrets come from operators, who may paste either alphabet, with or without padding.
const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Why a token did not verify. Callers normally collapse all three into "invalid"; the distinction
/// is for logs and metrics (e.g. many `UnknownKey` right after retiring a key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Not shaped like a token: wrong number of parts, bad base64, wrong tag length or too long.
    #[error("malformed token")]
    Malformed,
    /// Signed with a key id the ring does not hold, e.g. a retired key.
    #[error("token signed with an unknown key")]
    UnknownKey,
    /// The tag does not match: the token was altered or forged.
    #[error("bad token signature")]
    BadSignature,
}

/// One named key. Only the keyed HMAC state is kept, not the raw secret bytes.
#[derive(Clone)]
struct Key {
    kid: String,
    mac: HmacSha256,
}

impl Key {
    /// The MAC over `purpose ++ 0 ++ kid ++ 0 ++ payload`. The NUL separators keep the fields apart
    /// (neither purpose nor kid contains NUL), and binding the kid stops a tag moving between keys.
    fn tagger(&self, purpose: &str, payload: &[u8]) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(self.kid.as_bytes());
        mac.update(&[0]);
        mac.update(payload);
        mac
    }
}

/// The signing keys: the first is the active key that signs, all of them verify.
#[derive(Clone)]
pub struct Keyring {
    active: Key,
    older: Vec<Key>,
}

impl Keyring {
    /// Parses `"kid1:SECRET,kid2:SECRET"` (whitespace around items ignored); the first key signs.
    ///
    /// A kid is 1 to 16 characters of `[A-Za-z0-9_-]`. A SECRET is base64 (standard or URL-safe
    /// alphabet, padding optional) of at least [`MIN_SECRET_BYTES`] bytes. Error messages name keys by
    /// position or validated kid and never quote a secret, since they end up in logs.
    pub fn parse(spec: &str) -> Result<Keyring, ConfigError> {
        if spec.trim().is_empty() {
            return Err(config_error("no signing keys given, expected kid:SECRET[,kid:SECRET...]"));
        }
        let keys = spec
            .split(',')
            .enumerate()
            .map(|(i, item)| parse_item(i + 1, item.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Keyring::new(keys)
    }

    /// Builds a ring from raw `(kid, secret)` pairs, the first being the active key; validated like [`Keyring::parse`].
    pub fn new(keys: Vec<(String, Vec<u8>)>) -> Result<Keyring, ConfigError> {
        let mut built: Vec<Key> = Vec::with_capacity(keys.len());
        for (i, (kid, secret)) in keys.into_iter().enumerate() {
            let key = build_key(i + 1, kid, &secret)?;
            if built.iter().any(|k| k.kid == key.kid) {
                return Err(config_error(&format!("signing key id '{}' appears twice", key.kid)));
            }
            built.push(key);
        }
        let mut keys = built.into_iter();
        let active = keys.next().ok_or_else(|| config_error("no signing keys given"))?;
        Ok(Keyring { active, older: keys.collect() })
    }

    /// The id of the key that signs new tokens.
    pub fn active_kid(&self) -> &str {
        &self.active.kid
    }

    /// Signs `payload` for `purpose` (a constant such as `"link"`, `"session"`, `"cursor"`; it must not
    /// contain NUL) with the active key, giving `{kid}.{b64url(payload)}.{b64url(tag)}` (no padding).
    pub fn sign(&self, purpose: &str, payload: &[u8]) -> String {
        let tag = self.active.tagger(purpose, payload).finalize().into_bytes();
        format!("{}.{}.{}", self.active.kid, URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(tag))
    }

    /// Checks a token signed for `purpose` by any key of the ring and returns its payload.
    ///
    /// The tag is compared in constant time, so response timing reveals nothing about a correct tag.
    pub fn verify(&self, purpose: &str, token: &str) -> Result<Vec<u8>, SignatureError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(SignatureError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(kid), Some(payload), Some(tag), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(SignatureError::Malformed);
        };
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| SignatureError::Malformed)?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| SignatureError::Malformed)?;
        if tag.len() != TAG_BYTES {
            return Err(SignatureError::Malformed);
        }
        let key = self.find(kid).ok_or(SignatureError::UnknownKey)?;
        key.tagger(purpose, &payload).verify_slice(&tag).map_err(|_| SignatureError::BadSignature)?;
        Ok(payload)
    }

    /// Seals `payload` for `purpose` with the active key: encrypted and authenticated
    /// (XChaCha20-Poly1305, the key id as associated data), giving `{kid}.{b64url(nonce ++ sealed)}`
    /// (no padding). What it carries (a recipient's e-mail and name in a tracked link) cannot be
    /// read from the URL. The nonce is derived from the payload (HMAC, as SIV constructions do), so
    /// sealing the same payload again gives the same token: a blast's links can be minted again.
    pub fn seal(&self, purpose: &str, payload: &[u8]) -> String {
        let key = &self.active;
        let nonce_bytes = key.tagger(&format!("seal-nonce:{purpose}"), payload).finalize().into_bytes();
        let nonce = XNonce::from_slice(&nonce_bytes[..NONCE_BYTES]);
        let aad = key.kid.as_bytes();
        // Encrypting into memory cannot fail for payloads this small.
        let sealed = key.cipher(purpose).encrypt(nonce, Payload { msg: payload, aad }).unwrap_or_default();
        let mut body = Vec::with_capacity(NONCE_BYTES + sealed.len());
        body.extend_from_slice(nonce);
        body.extend_from_slice(&sealed);
        format!("{}.{}", key.kid, URL_SAFE_NO_PAD.encode(body))
    }

    /// Opens a token sealed for `purpose` by any key of the ring and returns its payload.
    pub fn open(&self, purpose: &str, token: &str) -> Result<Vec<u8>, SignatureError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(SignatureError::Malformed);
        }
        let mut parts = token.split('.');
        let (Some(kid), Some(body), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SignatureError::Malformed);
        };
        let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| SignatureError::Malformed)?;
        if body.len() < NONCE_BYTES + SEAL_TAG_BYTES {
            return Err(SignatureError::Malformed);
        }
        let key = self.find(kid).ok_or(SignatureError::UnknownKey)?;
        let (nonce, sealed) = body.split_at(NONCE_BYTES);
        key.cipher(purpose)
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: key.kid.as_bytes() })
            .map_err(|_| SignatureError::BadSignature)
    }

    fn find(&self, kid: &str) -> Option<&Key> {
        std::iter::once(&self.active).chain(&self.older).find(|k| k.kid == kid)
    }
}

/// Length of an XChaCha20-Poly1305 nonce.
const NONCE_BYTES: usize = 24;
/// Length of its authentication tag.
const SEAL_TAG_BYTES: usize = 16;

impl Key {
    /// The sealing cipher of `purpose`: its key is derived from this key's secret (HMAC), one per
    /// purpose, so no two kinds of token share a key.
    fn cipher(&self, purpose: &str) -> XChaCha20Poly1305 {
        let derived = self.tagger(&format!("seal-key:{purpose}"), b"").finalize().into_bytes();
        XChaCha20Poly1305::new(&derived)
    }
}

/// Shows the key ids only: a keyring is often logged as part of a config struct.
impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = std::iter::once(&self.active).chain(&self.older).map(|k| k.kid.as_str()).collect();
        f.debug_struct("Keyring").field("kids", &kids).finish()
    }
}

fn config_error(message: &str) -> ConfigError {
    ConfigError(format!("SIGNING_KEYS: {message}"))
}

/// Splits one `kid:SECRET` item and decodes the secret; the item text is never echoed as it may be a secret.
fn parse_item(n: usize, item: &str) -> Result<(String, Vec<u8>), ConfigError> {
    let Some((kid, secret)) = item.split_once(':') else {
        return Err(config_error(&format!("signing key #{n} is not of the form kid:SECRET")));
    };
    let secret = secret.trim();
    let decoded = STANDARD_LENIENT
        .decode(secret)
        .or_else(|_| URL_SAFE_LENIENT.decode(secret))
        .map_err(|_| config_error(&format!("signing key #{n}: secret is not valid base64")))?;
    Ok((kid.trim().to_owned(), decoded))
}

/// Validates one pair (kid first, so later messages may quote it) and keys the HMAC.
fn build_key(n: usize, kid: String, secret: &[u8]) -> Result<Key, ConfigError> {
    let kid_ok = (1..=MAX_KID_CHARS).contains(&kid.len())
        && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !kid_ok {
        return Err(config_error(&format!(
            "signing key #{n}: key id must be 1 to {MAX_KID_CHARS} characters of A-Z a-z 0-9 _ -"
        )));
    }
    if secret.len() < MIN_SECRET_BYTES {
        return Err(config_error(&format!(
            "signing key '{kid}': secret is {} bytes, at least {MIN_SECRET_BYTES} are required",
            secret.len()
        )));
    }
    let mac = <HmacSha256 as Mac>::new_from_slice(secret)
        .map_err(|_| config_error(&format!("signing key '{kid}': secret is not usable as an HMAC key")))?;
    Ok(Key { kid, mac })
}

/// Binary payload helpers shared by the token modules: one leading version byte, then fields in a
/// fixed order; strings are a `u16` big-endian length plus UTF-8, integers big-endian.
///
/// Decoding is strict (every byte accounted for) so that one payload has exactly one meaning.
/// Opens an expiring token: the signature is checked first (nothing unauthenticated reaches the
/// parser), then the payload is parsed strictly, then the expiry (`now_unix >= expires_at` is
/// expired). `refusals` are the caller's `(invalid, expired)` errors.
pub(crate) fn open_expiring<T, E>(
    keys: &Keyring,
    purpose: &str,
    token: &str,
    now_unix: i64,
    parse: impl FnOnce(&[u8]) -> Option<T>,
    expires_at: impl FnOnce(&T) -> i64,
    refusals: (E, E),
) -> Result<T, E> {
    let (invalid, expired) = refusals;
    let Ok(payload) = keys.verify(purpose, token) else { return Err(invalid) };
    let Some(opened) = parse(&payload) else { return Err(invalid) };
    if now_unix >= expires_at(&opened) {
        return Err(expired);
    }
    Ok(opened)
}

pub(crate) mod codec {
    /// Longest string a payload may carry; ids are far shorter, so anything longer is garbage.
    pub(crate) const MAX_STR_BYTES: usize = 1024;

    /// Builds a payload.
    pub(crate) struct Writer(Vec<u8>);

    impl Writer {
        /// Starts a payload with its format version byte.
        pub(crate) fn new(version: u8) -> Self {
            Writer(vec![version])
        }

        /// Appends one byte.
        pub(crate) fn put_u8(&mut self, value: u8) -> &mut Self {
            self.0.push(value);
            self
        }

        /// Appends an optional string: a presence byte (0 or 1), then the string when present.
        pub(crate) fn put_opt_str(&mut self, value: Option<&str>) -> &mut Self {
            match value {
                None => self.put_u8(0),
                Some(text) => self.put_u8(1).put_str(text),
            }
        }

        /// Appends a length-prefixed string. A string over [`MAX_STR_BYTES`] is written with a length
        /// the reader rejects (capped at `u16::MAX`), so such a token never decodes rather than decoding
        /// into something shorter.
        pub(crate) fn put_str(&mut self, value: &str) -> &mut Self {
            let bytes = value.as_bytes();
            let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
            self.0.extend_from_slice(&len.to_be_bytes());
            self.0.extend_from_slice(bytes.get(..usize::from(len)).unwrap_or(bytes));
            self
        }

        /// Appends a big-endian `i64`.
        pub(crate) fn put_i64(&mut self, value: i64) -> &mut Self {
            self.0.extend_from_slice(&value.to_be_bytes());
            self
        }

        /// The finished payload.
        pub(crate) fn finish(&mut self) -> Vec<u8> {
            std::mem::take(&mut self.0)
        }
    }

    /// Reads a payload; every getter returns `None` on truncated or invalid input.
    pub(crate) struct Reader<'a> {
        rest: &'a [u8],
    }

    impl<'a> Reader<'a> {
        /// Reads `payload` from the start, including its version byte.
        pub(crate) fn new(payload: &'a [u8]) -> Self {
            Reader { rest: payload }
        }

        /// Takes one byte.
        pub(crate) fn get_u8(&mut self) -> Option<u8> {
            let (&first, rest) = self.rest.split_first()?;
            self.rest = rest;
            Some(first)
        }

        /// Takes an optional string written by `put_opt_str` (any presence byte but 0 and 1 is malformed).
        pub(crate) fn get_opt_str(&mut self) -> Option<Option<String>> {
            match self.get_u8()? {
                0 => Some(None),
                1 => self.get_str().map(Some),
                _ => None,
            }
        }

        /// Takes a length-prefixed UTF-8 string of at most [`MAX_STR_BYTES`].
        pub(crate) fn get_str(&mut self) -> Option<String> {
            let (len, rest) = self.rest.split_first_chunk::<2>()?;
            let len = usize::from(u16::from_be_bytes(*len));
            if len > MAX_STR_BYTES {
                return None;
            }
            let (text, rest) = rest.split_at_checked(len)?;
            let text = std::str::from_utf8(text).ok()?.to_owned();
            self.rest = rest;
            Some(text)
        }

        /// Takes a big-endian `i64`.
        pub(crate) fn get_i64(&mut self) -> Option<i64> {
            let (bytes, rest) = self.rest.split_first_chunk::<8>()?;
            self.rest = rest;
            Some(i64::from_be_bytes(*bytes))
        }

        /// Succeeds only if the whole payload was consumed: trailing bytes mean a different format.
        pub(crate) fn finish(self) -> Option<()> {
            self.rest.is_empty().then_some(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::codec::{MAX_STR_BYTES, Reader, Writer};
    use super::*;

    const OLD_SECRET: &str = "b2xkLW9sZC1vbGQtb2xkLW9sZC1vbGQtb2xkLW9sZC1vbGQ="; // 35 bytes, standard, padded
    const NEW_SECRET: &str = "bmV3LW5ldy1uZXctbmV3LW5ldy1uZXctbmV3LW5ldy1uZXc_Pz9-"; // URL-safe, unpadded
    const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    fn ring(spec: &str) -> Keyring {
        match Keyring::parse(spec) {
            Ok(ring) => ring,
            Err(e) => panic!("{e}"),
        }
    }

    fn old_ring() -> Keyring {
        ring(&format!("old:{OLD_SECRET}"))
    }

    fn rotated_ring() -> Keyring {
        ring(&format!(" new:{NEW_SECRET} , old:{OLD_SECRET} "))
    }

    fn parse_error(spec: &str) -> String {
        match Keyring::parse(spec) {
            Ok(ring) => panic!("{spec:?} parsed as {ring:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn round_trip_returns_the_payload() {
        let keys = old_ring();
        let token = keys.sign("link", b"hello \0 world");
        assert!(token.starts_with("old."));
        assert_eq!(keys.verify("link", &token), Ok(b"hello \0 world".to_vec()));
        let empty = keys.sign("link", b"");
        assert_eq!(keys.verify("link", &empty), Ok(Vec::new()));
    }

    #[test]
    fn sealed_payloads_are_unreadable_deterministic_and_bound_to_purpose_and_key() {
        let keys = old_ring();
        let token = keys.seal("link", b"zoe@bidder.test");
        assert!(token.starts_with("old."));
        assert!(
            !token.contains("zoe")
                && !URL_SAFE_NO_PAD.encode(b"zoe@bidder.test").contains(token.split('.').nth(1).unwrap())
        );
        assert_eq!(keys.open("link", &token), Ok(b"zoe@bidder.test".to_vec()));
        assert_eq!(keys.seal("link", b"zoe@bidder.test"), token, "the same payload seals the same");
        assert_ne!(keys.seal("link", b"ann@bidder.test"), token);
        assert_eq!(keys.open("session", &token), Err(SignatureError::BadSignature));
        let rotated = rotated_ring();
        assert_eq!(rotated.open("link", &token), Ok(b"zoe@bidder.test".to_vec()), "older keys still open");
        let mut altered = token.clone().into_bytes();
        let last = altered.len() - 3;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(keys.open("link", &String::from_utf8(altered).unwrap()), Err(SignatureError::BadSignature));
        let renamed = format!("new.{}", token.split('.').nth(1).unwrap());
        assert_eq!(rotated.open("link", &renamed), Err(SignatureError::BadSignature), "the kid is bound");
        for malformed in ["old", "old.", "old.!!", "old.AAAA", "a.b.c"] {
            assert_eq!(keys.open("link", malformed), Err(SignatureError::Malformed), "{malformed}");
        }
    }

    #[test]
    fn rotation_signs_with_the_new_key_and_verifies_old_tokens_until_retired() {
        let old_token = old_ring().sign("link", b"payload");
        let rotated = rotated_ring();
        assert_eq!(rotated.active_kid(), "new");
        assert_eq!(rotated.verify("link", &old_token), Ok(b"payload".to_vec()));
        assert!(rotated.sign("link", b"payload").starts_with("new."));

        let retired = ring(&format!("new:{NEW_SECRET}"));
        assert_eq!(retired.verify("link", &old_token), Err(SignatureError::UnknownKey));
    }

    #[test]
    fn a_tag_does_not_move_to_another_kid_with_the_same_secret() {
        let token = old_ring().sign("link", b"payload");
        let twin = ring(&format!("twin:{OLD_SECRET}"));
        let renamed = token.replacen("old.", "twin.", 1);
        assert_eq!(twin.verify("link", &renamed), Err(SignatureError::BadSignature));
    }

    #[test]
    fn changing_any_single_character_never_verifies() {
        let keys = rotated_ring();
        let token = keys.sign("link", b"some payload of moderate length");
        for (i, original) in token.char_indices() {
            for replacement in B64URL.chars().filter(|&c| c != original).step_by(7) {
                let mut tampered = token.clone();
                tampered.replace_range(i..i + 1, &replacement.to_string());
                assert!(keys.verify("link", &tampered).is_err(), "verified with {replacement:?} at {i}: {tampered}");
            }
        }
    }

    #[test]
    fn every_truncation_fails() {
        let keys = old_ring();
        let token = keys.sign("link", b"some payload");
        for len in 0..token.len() {
            assert!(keys.verify("link", &token[..len]).is_err(), "prefix of {len} verified");
        }
    }

    #[test]
    fn malformed_tokens_are_reported_as_such() {
        let keys = old_ring();
        let token = keys.sign("link", b"p");
        for bad in ["", "old", "old.AA", &format!("{token}."), &format!("{token}=="), "old.!!.AA", "old..."] {
            assert_eq!(keys.verify("link", bad), Err(SignatureError::Malformed), "{bad:?}");
        }
        let huge = keys.sign("link", &[0u8; MAX_TOKEN_BYTES]);
        assert_eq!(keys.verify("link", &huge), Err(SignatureError::Malformed));
        assert_eq!(keys.verify("link", &token.replacen("old", "gone", 1)), Err(SignatureError::UnknownKey));
    }

    #[test]
    fn purposes_are_separated() {
        let keys = old_ring();
        let token = keys.sign("session", b"payload");
        assert_eq!(keys.verify("link", &token), Err(SignatureError::BadSignature));
        assert_eq!(keys.verify("session", &token), Ok(b"payload".to_vec()));
    }

    #[test]
    fn parse_rejects_bad_specs() {
        assert!(parse_error("").contains("no signing keys"));
        assert!(parse_error("  ").contains("no signing keys"));
        assert!(parse_error(&format!("a:{OLD_SECRET},")).contains("#2"));
        assert!(parse_error(&format!(":{OLD_SECRET}")).contains("key id"));
        assert!(parse_error(&format!("has space:{OLD_SECRET}")).contains("key id"));
        assert!(parse_error(&format!("seventeen-chars-x:{OLD_SECRET}")).contains("key id"));
        assert!(parse_error(&format!("a:{OLD_SECRET},a:{NEW_SECRET}")).contains("'a' appears twice"));
        assert!(Keyring::parse(&format!("sixteen-chars_AZ:{OLD_SECRET}")).is_ok());
    }

    #[test]
    fn parse_errors_never_quote_the_secret() {
        let short = "c2hvcnQtYnV0LXNlY3JldA"; // 16 bytes
        let undecodable = "this*is*not*base64*but*is*still*secret";
        let cases = [
            (format!("a:{short}"), short, "16 bytes"),
            (format!("a:{undecodable}"), undecodable, "not valid base64"),
            (OLD_SECRET.to_owned(), OLD_SECRET, "kid:SECRET"),
            (format!("{OLD_SECRET}:{OLD_SECRET}"), OLD_SECRET, "key id"),
        ];
        for (spec, secret, expected) in cases {
            let message = parse_error(&spec);
            assert!(message.contains(expected), "{message}");
            assert!(!message.contains(secret), "{message}");
        }
    }

    #[test]
    fn new_validates_like_parse() {
        assert!(Keyring::new(Vec::new()).is_err());
        assert!(Keyring::new(vec![("k".into(), vec![1; MIN_SECRET_BYTES - 1])]).is_err());
        assert!(Keyring::new(vec![("k.1".into(), vec![1; MIN_SECRET_BYTES])]).is_err());
        let keys = Keyring::new(vec![("k".into(), vec![1; MIN_SECRET_BYTES])]);
        assert_eq!(keys.map(|k| k.active_kid().to_owned()).ok().as_deref(), Some("k"));
    }

    #[test]
    fn debug_shows_kids_but_not_secrets() {
        let shown = format!("{:?}", rotated_ring());
        assert_eq!(shown, r#"Keyring { kids: ["new", "old"] }"#);
    }

    #[test]
    fn codec_round_trips_and_is_strict() {
        let payload = Writer::new(1).put_str("héllo").put_u8(7).put_i64(-5).finish();
        let mut r = Reader::new(&payload);
        assert_eq!(
            (r.get_u8(), r.get_str().as_deref(), r.get_u8(), r.get_i64()),
            (Some(1), Some("héllo"), Some(7), Some(-5))
        );
        assert_eq!(r.finish(), Some(()));

        let mut trailing = payload.clone();
        trailing.push(0);
        let mut r = Reader::new(&trailing);
        let _ = (r.get_u8(), r.get_str(), r.get_u8(), r.get_i64());
        assert_eq!(r.finish(), None);

        assert_eq!(Reader::new(&[0, 2, 0xff, 0xfe]).get_str(), None, "bad UTF-8");
        assert_eq!(Reader::new(&[0, 3, b'a', b'b']).get_str(), None, "truncated");
        assert_eq!(Reader::new(&[1, 2, 3]).get_i64(), None);
    }

    #[test]
    fn codec_refuses_overlong_strings_both_ways() {
        let at_limit = "x".repeat(MAX_STR_BYTES);
        let payload = Writer::new(1).put_str(&at_limit).finish();
        assert_eq!(Reader::new(&payload[1..]).get_str(), Some(at_limit));

        let over = Writer::new(1).put_str(&"x".repeat(MAX_STR_BYTES + 1)).finish();
        assert_eq!(Reader::new(&over[1..]).get_str(), None);
        let huge = Writer::new(1).put_str(&"x".repeat(70_000)).finish();
        assert_eq!(huge.len(), 1 + 2 + usize::from(u16::MAX));
        assert_eq!(Reader::new(&huge[1..]).get_str(), None);
    }
}
