//! Every DynamoDB error has a deliberate path, decided in one place:
//!
//! - **retried** with exponential backoff and jitter, within the request's [`budget`], then a 503
//!   with `Retry-After`: throttling (`ThrottlingException`, `ProvisionedThroughputExceededException`,
//!   `RequestLimitExceeded`), conflicts (`TransactionConflictException`, a transaction in progress
//!   for the same client token), the service's own 5xx, timeouts and broken connections — and a
//!   cancelled transaction whose reasons are only conflicts and throttling;
//! - **refused**, handed back to the caller, who expects it: a failed condition
//!   (`ConditionalCheckFailedException`, or a cancelled transaction with a `ConditionalCheckFailed`
//!   reason and nothing worse);
//! - **broken**, a 500 at once with the reason logged, never retried: validation errors, an item
//!   or item collection too large, a missing table, access denied, anything unknown.
//!
//! The SDK's own retries are off for DynamoDB ([`super::dynamodb_client`]): a retry it makes
//! cannot see the budget, and an update it re-sends after an attempt timeout may have committed.
//! Transactions carry a client token, so re-sending one after an unknown outcome is harmless.

use std::any::Any;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;

use crate::{Error, Result, budget};

/// What to do with one failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Passing trouble: try again after a pause.
    Retry,
    /// An answer the caller expects and interprets (a failed condition).
    Refused,
    /// A bug or a broken request: report it, never retry.
    Broken,
}

/// Error codes worth another attempt.
const PASSING: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "TransactionConflictException",
    "TransactionInProgressException",
    "InternalServerError",
    "InternalFailure",
    "ServiceUnavailable",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Cancellation reasons of a transaction worth another attempt.
const PASSING_REASONS: &[&str] = &["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"];

/// Decides the path of `err`.
pub fn verdict<E>(err: &SdkError<E, HttpResponse>) -> Verdict
where
    E: ProvideErrorMetadata + 'static,
{
    let service = match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            return Verdict::Retry;
        }
        SdkError::ServiceError(service) => service,
        _ => return Verdict::Broken,
    };
    let reasons = cancellation_reasons(service.err());
    if let Some(reasons) = reasons {
        let failed: Vec<&str> = reasons.iter().map(String::as_str).filter(|r| *r != "None").collect();
        return if failed.iter().any(|r| *r != "ConditionalCheckFailed" && !PASSING_REASONS.contains(r)) {
            Verdict::Broken
        } else if failed.contains(&"ConditionalCheckFailed") {
            Verdict::Refused
        } else {
            Verdict::Retry
        };
    }
    match service.err().code() {
        Some("ConditionalCheckFailedException") => Verdict::Refused,
        Some(code) if PASSING.contains(&code) => Verdict::Retry,
        _ if service.raw().status().is_server_error() => Verdict::Retry,
        _ => Verdict::Broken,
    }
}

/// The reason codes of a cancelled transaction, in the order of its items.
pub fn cancellation_reasons<E: 'static>(err: &E) -> Option<Vec<String>> {
    match (err as &dyn Any).downcast_ref::<TransactWriteItemsError>()? {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => {
            Some(cancelled.cancellation_reasons().iter().map(|r| r.code().unwrap_or("None").to_owned()).collect())
        }
        _ => None,
    }
}

/// A one-line account of a failed call for the logs: code, message and cancellation reasons.
pub fn describe<E, R>(err: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let mut text = format!("{}: {}", e.code().unwrap_or("unknown error"), e.message().unwrap_or(""));
            if let Some(reasons) = cancellation_reasons(e) {
                text.push_str(&format!(" (reasons: {})", reasons.join(", ")));
            }
            text
        }
        SdkError::TimeoutError(_) => "the call timed out".into(),
        SdkError::DispatchFailure(failure) => format!("the call could not be sent: {failure:?}"),
        other => format!("{other}"),
    }
}

/// Most attempts of one call: enough for throttling and conflicts to pass (the pauses add up to
/// about 2.6 s), few enough that a dead endpoint is a quick 503.
const MAX_ATTEMPTS: u32 = 8;

/// Most attempts when the endpoint cannot even be reached (connection refused, DNS).
const MAX_UNREACHABLE_ATTEMPTS: u32 = 3;

/// Sends a call (`call` builds and sends it afresh each time) until it succeeds, is refused or
/// broken, or the attempts or the budget run out. Refusals come back as `Ok(Err(..))` for the
/// caller to read.
pub async fn send<T, E, F, Fut>(context: &str, mut call: F) -> Result<Result<T, SdkError<E, HttpResponse>>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut attempt = 0u32;
    loop {
        // Boxed: an SDK call's future is large, and every caller would otherwise carry it inline.
        let outcome = match tokio::time::timeout_at(budget::deadline(), Box::pin(call())).await {
            Ok(outcome) => outcome,
            Err(_) => return Err(out_of_time(context, "the time budget ran out during the call".into())),
        };
        let err = match outcome {
            Ok(value) => return Ok(Ok(value)),
            Err(err) => err,
        };
        match verdict(&err) {
            Verdict::Refused => return Ok(Err(err)),
            Verdict::Broken => return Err(broken(context, &err)),
            Verdict::Retry => {
                attempt += 1;
                let pause = backoff(attempt);
                let cap =
                    if matches!(err, SdkError::DispatchFailure(_)) { MAX_UNREACHABLE_ATTEMPTS } else { MAX_ATTEMPTS };
                if attempt >= cap || budget::remaining() < pause + MIN_ATTEMPT {
                    return Err(out_of_time(context, describe(&err)));
                }
                tracing::warn!(context, attempt, error = %describe(&err), "DynamoDB call failed; retrying");
                tokio::time::sleep(pause).await;
            }
        }
    }
}

/// [`send`] for calls that expect no refusal: a failed condition is a bug too.
pub async fn send_ok<T, E, F, Fut>(context: &str, call: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    send(context, call).await?.map_err(|err| broken(context, &err))
}

/// The least time worth starting another attempt with.
const MIN_ATTEMPT: Duration = Duration::from_millis(50);

/// The pause before attempt `attempt + 1`: exponential from 25 ms, capped at 1 s, with half of it
/// random ("equal jitter"), so that writers that collided do not collide again in step.
pub fn backoff(attempt: u32) -> Duration {
    let ceiling = (25u64 << attempt.min(6)).min(1000);
    Duration::from_millis(ceiling / 2 + random_below(ceiling / 2 + 1))
}

/// A number in `0..bound` from the process's randomly keyed hasher (jitter, not cryptography).
fn random_below(bound: u64) -> u64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos()));
    hasher.finish() % bound.max(1)
}

/// The budget ran out: a 503 the client may retry.
pub fn out_of_time(context: &str, why: String) -> Error {
    Error::Unavailable { context: context.to_owned(), source: why.into() }
}

/// A failure no retry can fix: a 500, logged with its reason by the HTTP edge.
pub fn broken<E, R>(context: &str, err: &SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    Error::Internal { context: context.to_owned(), source: describe(err).into() }
}

/// Whether a PutItem, UpdateItem or DeleteItem was refused because its condition failed.
pub fn condition_failed<E: 'static>(err: &SdkError<E>) -> bool {
    let any = err.as_service_error().map(|e| e as &dyn std::any::Any);
    any.and_then(|e| e.downcast_ref::<UpdateItemError>())
        .is_some_and(|e| matches!(e, UpdateItemError::ConditionalCheckFailedException(_)))
        || any
            .and_then(|e| e.downcast_ref::<PutItemError>())
            .is_some_and(|e| matches!(e, PutItemError::ConditionalCheckFailedException(_)))
        || any
            .and_then(|e| e.downcast_ref::<DeleteItemError>())
            .is_some_and(|e| matches!(e, DeleteItemError::ConditionalCheckFailedException(_)))
}

/// The item a refused PutItem or UpdateItem found (asked for with
/// `ReturnValuesOnConditionCheckFailure::AllOld`), if any.
pub fn item_found<E: 'static>(err: &SdkError<E>) -> Option<super::Item> {
    let any = err.as_service_error().map(|e| e as &dyn std::any::Any)?;
    if let Some(UpdateItemError::ConditionalCheckFailedException(failed)) = any.downcast_ref::<UpdateItemError>() {
        return failed.item().cloned();
    }
    if let Some(PutItemError::ConditionalCheckFailedException(failed)) = any.downcast_ref::<PutItemError>() {
        return failed.item().cloned();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        for attempt in 1..20 {
            let ceiling = (25u64 << attempt.min(6)).min(1000);
            let pause = backoff(attempt).as_millis() as u64;
            assert!(pause >= ceiling / 2 && pause <= ceiling, "attempt {attempt}: {pause} ms");
        }
        let pauses: std::collections::HashSet<_> = (0..20).map(|_| backoff(6)).collect();
        assert!(pauses.len() > 1, "jittered");
    }
}
