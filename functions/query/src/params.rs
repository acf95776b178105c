//! Query-string parameters shared by the list routes.

use lambda_http::Request;
use shared::cursor::{self, Cursor};
use shared::http;
use shared::signing::Keyring;
use shared::{Error, Result};

/// Default page size.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size.
pub const MAX_LIMIT: usize = 500;

/// `limit`: 1 to 500, default 50.
pub fn limit(req: &Request) -> Result<usize> {
    limit_or(req, DEFAULT_LIMIT)
}

/// `limit`: 1 to 500, `default` when absent.
pub fn limit_or(req: &Request, default: usize) -> Result<usize> {
    match http::typed_query(req, "limit") {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| Error::BadRequest(format!("limit must be a whole number from 1 to {MAX_LIMIT}"))),
    }
}

/// A `true`/`false` flag, default false.
pub fn flag(req: &Request, name: &str) -> Result<bool> {
    optional_flag(req, name).map(|f| f.unwrap_or(false))
}

/// A `true`/`false` flag, absent when not given.
pub fn optional_flag(req: &Request, name: &str) -> Result<Option<bool>> {
    match http::typed_query(req, name) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(Error::BadRequest(format!("{name} must be true or false"))),
    }
}

/// The decoded `cursor`, if given.
pub fn cursor(req: &Request, keys: &Keyring, scope: &str) -> Result<Option<Cursor>> {
    http::query(req, "cursor").map(|token| cursor::decode(keys, scope, token)).transpose()
}
