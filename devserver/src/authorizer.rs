//! The local stand-in for API Gateway's JWT authorizer: HS256 tokens signed with `DEV_JWT_SECRET`,
//! issuer `planroom-dev`, audience `planroom-activity`, `exp` checked. Claims are handed on as
//! strings, the way API Gateway flattens them.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value};

/// The issuer the dev authorizer accepts.
pub const ISSUER: &str = "planroom-dev";
/// The audience the dev authorizer accepts.
pub const AUDIENCE: &str = "planroom-activity";
/// The documented default signing secret for local use only.
pub const DEFAULT_SECRET: &str = "planroom-dev-secret";

/// Verifies and mints dev JWTs.
#[derive(Clone)]
pub struct DevAuthorizer {
    decoding: DecodingKey,
    encoding: EncodingKey,
    validation: Validation,
}

impl std::fmt::Debug for DevAuthorizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DevAuthorizer { .. }")
    }
}

impl DevAuthorizer {
    /// An authorizer for tokens signed with `secret`.
    pub fn new(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 0;
        DevAuthorizer {
            decoding: DecodingKey::from_secret(secret),
            encoding: EncodingKey::from_secret(secret),
            validation,
        }
    }

    /// The verified claims of an `Authorization: Bearer …` header value, or `None`.
    pub fn verify(&self, authorization: Option<&str>) -> Option<HashMap<String, String>> {
        let token = authorization?.strip_prefix("Bearer ").or_else(|| authorization?.strip_prefix("bearer "))?;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token.trim(), &self.decoding, &self.validation).ok()?;
        Some(data.claims.into_iter().map(|(k, v)| (k, flatten(v))).collect())
    }

    /// Signs `claims` (adding issuer, audience and an expiry `ttl_seconds` from now).
    pub fn mint(&self, claims: &Value, ttl_seconds: i64) -> String {
        let mut all = claims.as_object().cloned().unwrap_or_default();
        let now = jiff::Timestamp::now().as_second();
        all.insert("iss".into(), ISSUER.into());
        all.insert("aud".into(), AUDIENCE.into());
        all.insert("iat".into(), now.into());
        all.insert("exp".into(), (now + ttl_seconds).into());
        // Signing a JSON map with an HMAC key cannot fail; an empty token would simply not verify.
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &all, &self.encoding).unwrap_or_default()
    }
}

/// API Gateway hands JWT claims to Lambda as strings: text as is, other values as JSON text,
/// arrays as `[a b]`.
fn flatten(value: Value) -> String {
    match value {
        Value::String(s) => s,
        Value::Array(items) => {
            format!("[{}]", items.into_iter().map(flatten).collect::<Vec<_>>().join(" "))
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn verifies_its_own_tokens_and_flattens_claims() {
        let auth = DevAuthorizer::new(b"k");
        let token = auth.mint(&json!({"sub": "u1", "approved": true, "groups": ["a", "b"]}), 60);
        let claims = auth.verify(Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(claims["sub"], "u1");
        assert_eq!(claims["approved"], "true");
        assert_eq!(claims["groups"], "[a b]");
    }

    #[test]
    fn rejects_other_keys_expired_tokens_and_garbage() {
        let auth = DevAuthorizer::new(b"k");
        let other = DevAuthorizer::new(b"other").mint(&json!({"sub": "u1"}), 60);
        let expired = auth.mint(&json!({"sub": "u1"}), -10);
        assert!(auth.verify(Some(&format!("Bearer {other}"))).is_none());
        assert!(auth.verify(Some(&format!("Bearer {expired}"))).is_none());
        assert!(auth.verify(Some("Bearer x.y.z")).is_none());
        assert!(auth.verify(Some("Basic abc")).is_none());
        assert!(auth.verify(None).is_none());
    }
}
