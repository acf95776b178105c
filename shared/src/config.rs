//! Reading configuration from environment variables, once, at cold start.

use std::env;

/// A missing or malformed setting: cold start fails with this message.
#[derive(thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// The message itself: a failed `main` prints its error with `Debug`, and people read it.
impl std::fmt::Debug for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

/// Logs a cold-start failure as a JSON error line, before the process exits with it.
pub fn logged<T>(result: Result<T, ConfigError>) -> Result<T, ConfigError> {
    if let Err(err) = &result {
        tracing::error!(error = %err, "cold start failed");
    }
    result
}

/// The value of a variable that must be set.
pub fn required(name: &str) -> Result<String, ConfigError> {
    match env::var(name) {
        Ok(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        _ => Err(ConfigError(format!("environment variable {name} must be set"))),
    }
}

/// The value of a variable, or `default` when unset or empty.
pub fn or(name: &str, default: &str) -> String {
    env::var(name).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default.to_owned())
}

/// A number of seconds (or any unsigned integer) with a default.
pub fn number(name: &str, default: u64) -> Result<u64, ConfigError> {
    match env::var(name) {
        Ok(v) if !v.trim().is_empty() => {
            v.trim().parse().map_err(|_| ConfigError(format!("{name} must be a whole number, got {v:?}")))
        }
        _ => Ok(default),
    }
}

/// The JWT claim names the service reads; configurable so that e.g. Cognito's `custom:` prefix works.
#[derive(Debug, Clone)]
pub struct ClaimNames {
    /// Stable subject id.
    pub sub: String,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Planroom (tenant) id.
    pub planroom_id: String,
    /// The caller's company id.
    pub company_id: String,
    /// The caller's company name.
    pub company_name: String,
    /// `staff` or `customer`.
    pub role: String,
    /// Whether the planroom approved this user (`true`/`false`).
    pub approved: String,
    /// Optional profile claims, copied into User Activity rows when present.
    pub profile: ProfileClaimNames,
}

/// Names of the optional claims a User Activity row shows about its user; a claim the token does
/// not carry is `null` in the row.
#[derive(Debug, Clone)]
pub struct ProfileClaimNames {
    /// Job title.
    pub job_title: String,
    /// Default permission template.
    pub permission_template: String,
    /// Whether the user is an authorized bidder (`true`/`false`).
    pub authorized_bidder: String,
    /// Whether the account is active (`true`/`false`).
    pub active: String,
    /// The e-mail they log in with.
    pub login_email: String,
    /// When they last logged in.
    pub last_login: String,
}

impl Default for ProfileClaimNames {
    fn default() -> Self {
        ProfileClaimNames {
            job_title: "job_title".into(),
            permission_template: "default_permission_template".into(),
            authorized_bidder: "authorized_bidder".into(),
            active: "active".into(),
            login_email: "login_email".into(),
            last_login: "last_login_at".into(),
        }
    }
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames {
            sub: "sub".into(),
            email: "email".into(),
            name: "name".into(),
            planroom_id: "planroom_id".into(),
            company_id: "company_id".into(),
            company_name: "company_name".into(),
            role: "role".into(),
            approved: "approved".into(),
            profile: ProfileClaimNames::default(),
        }
    }
}

impl ClaimNames {
    /// Reads `CLAIM_SUB`, `CLAIM_EMAIL`, … with the default names as fallback.
    pub fn from_env() -> Self {
        let d = ClaimNames::default();
        ClaimNames {
            sub: or("CLAIM_SUB", &d.sub),
            email: or("CLAIM_EMAIL", &d.email),
            name: or("CLAIM_NAME", &d.name),
            planroom_id: or("CLAIM_PLANROOM_ID", &d.planroom_id),
            company_id: or("CLAIM_COMPANY_ID", &d.company_id),
            company_name: or("CLAIM_COMPANY_NAME", &d.company_name),
            role: or("CLAIM_ROLE", &d.role),
            approved: or("CLAIM_APPROVED", &d.approved),
            profile: ProfileClaimNames {
                job_title: or("CLAIM_JOB_TITLE", &d.profile.job_title),
                permission_template: or("CLAIM_PERMISSION_TEMPLATE", &d.profile.permission_template),
                authorized_bidder: or("CLAIM_AUTHORIZED_BIDDER", &d.profile.authorized_bidder),
                active: or("CLAIM_ACTIVE", &d.profile.active),
                login_email: or("CLAIM_LOGIN_EMAIL", &d.profile.login_email),
                last_login: or("CLAIM_LAST_LOGIN", &d.profile.last_login),
            },
        }
    }
}
