//! Where the signing keys come from, read once at cold start: on AWS a Secrets Manager secret
//! (`SIGNING_KEYS_SECRET_ID`, the secret's name or ARN), so that no function configuration holds
//! them; locally the `SIGNING_KEYS` variable. Either holds `kid:base64secret[,kid:base64secret…]`:
//! the first key signs, all verify (see [`crate::signing`] and the README's key rotation).

use aws_sdk_secretsmanager::error::ProvideErrorMetadata;

use crate::config::{self, ConfigError};
use crate::signing::Keyring;

/// Where a function reads its keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// The secret's name or ARN in Secrets Manager.
    Secret(String),
    /// The key list itself (local runs and tests).
    Inline(String),
}

impl KeySource {
    /// `SIGNING_KEYS_SECRET_ID` when set, else `SIGNING_KEYS`; neither is a cold-start failure.
    pub fn from_env() -> Result<Self, ConfigError> {
        KeySource::choose(config::required("SIGNING_KEYS_SECRET_ID").ok(), config::required("SIGNING_KEYS").ok())
    }

    /// The secret when one is named, else the inline keys.
    fn choose(secret_id: Option<String>, inline: Option<String>) -> Result<Self, ConfigError> {
        match (secret_id, inline) {
            (Some(id), _) => Ok(KeySource::Secret(id)),
            (None, Some(spec)) => Ok(KeySource::Inline(spec)),
            (None, None) => Err(ConfigError(
                "signing keys: set SIGNING_KEYS_SECRET_ID (a Secrets Manager secret) or, locally, SIGNING_KEYS".into(),
            )),
        }
    }

    /// The keyring, reading the secret if the keys live in one.
    pub async fn load(&self, sdk: &aws_config::SdkConfig) -> Result<Keyring, ConfigError> {
        match self {
            KeySource::Inline(spec) => Keyring::parse(spec),
            KeySource::Secret(id) => {
                let spec = read_secret(sdk, id).await?;
                Keyring::parse(&spec).map_err(|e| ConfigError(format!("signing keys in secret {id:?}: {}", e.0)))
            }
        }
    }
}

/// The text of secret `id`; the error names the secret and what the function's role needs, never
/// the value.
pub async fn read_secret(sdk: &aws_config::SdkConfig, id: &str) -> Result<String, ConfigError> {
    let client = aws_sdk_secretsmanager::Client::new(sdk);
    let answer = client.get_secret_value().secret_id(id).send().await.map_err(|err| {
        let why = match (err.code(), err.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            // No answer from Secrets Manager (network, timeout): the cause chain says why.
            _ => causes(&err),
        };
        ConfigError(format!(
            "signing keys: cannot read secret {id:?}; the function's role needs \
             secretsmanager:GetSecretValue on it ({why})"
        ))
    })?;
    answer
        .secret_string()
        .map(str::to_owned)
        .ok_or_else(|| ConfigError(format!("signing keys: secret {id:?} has no SecretString")))
}

/// An error and its sources, `: `-separated.
fn causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_secret_wins_and_neither_is_a_cold_start_failure() {
        let secret = KeySource::choose(Some("s".into()), Some("dev:x".into())).unwrap();
        assert_eq!(secret, KeySource::Secret("s".into()));
        assert_eq!(KeySource::choose(None, Some("dev:x".into())).unwrap(), KeySource::Inline("dev:x".into()));
        let err = KeySource::choose(None, None).unwrap_err();
        assert!(err.0.contains("SIGNING_KEYS_SECRET_ID"), "{}", err.0);
    }

    #[tokio::test]
    async fn inline_keys_need_no_aws() {
        let sdk = aws_config::SdkConfig::builder().build();
        let spec = "dev:ZGV2LW9ubHktc2lnbmluZy1rZXktZG8tbm90LWRlcGxveS0wMDAw";
        let ring = KeySource::Inline(spec.into()).load(&sdk).await.unwrap();
        assert_eq!(ring.active_kid(), "dev");
        let err = KeySource::Inline("dev:short".into()).load(&sdk).await.unwrap_err();
        assert!(err.0.contains("SIGNING_KEYS"), "{}", err.0);
    }
}
