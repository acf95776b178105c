//! Counts the DynamoDB requests the SDK sends, by operation, and the items their answers say
//! DynamoDB read (`ScannedCount` of Queries, items of GetItem and BatchGetItem answers); and keeps
//! every call (operation, request and answer bodies, when it was on the wire) so that a scenario's
//! write units can be priced from what was written and its round trips counted.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use serde_json::Value;

/// One request on the wire.
#[derive(Debug, Clone)]
pub struct Call {
    /// `PutItem`, `Query`, ...
    pub operation: String,
    /// The request's JSON body.
    pub request: Value,
    /// The answer's JSON body (`Null` until it came).
    pub answer: Value,
    /// The answer's HTTP status (0 until it came).
    pub status: u16,
    /// When it was sent.
    pub sent: Instant,
    /// When its answer came.
    pub answered: Option<Instant>,
}

#[derive(Debug, Default)]
struct Calls {
    by_operation: BTreeMap<String, u64>,
    items_read: u64,
    calls: Vec<Call>,
}

/// Requests by operation name, items read, and every call.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<Mutex<Calls>>);

/// The index of the call an attempt is, kept in the attempt's config bag.
#[derive(Debug, Clone, Copy)]
struct CallIndex(usize);

impl Storable for CallIndex {
    type Storer = StoreReplace<Self>;
}

impl Counter {
    fn calls(&self) -> std::sync::MutexGuard<'_, Calls> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Forgets what was counted.
    pub fn reset(&self) {
        *self.calls() = Calls::default();
    }

    /// Items DynamoDB read to answer the requests counted.
    pub fn items_read(&self) -> u64 {
        self.calls().items_read
    }

    /// Requests counted.
    pub fn total(&self) -> u64 {
        self.calls().by_operation.values().sum()
    }

    /// `Operation×n, …`.
    pub fn summary(&self) -> String {
        let calls = self.calls();
        calls.by_operation.iter().map(|(op, n)| format!("{op}×{n}")).collect::<Vec<_>>().join(", ")
    }

    /// Every call since the last reset, in the order they were sent.
    pub fn recorded(&self) -> Vec<Call> {
        self.calls().calls.clone()
    }
}

/// The most calls of `calls` that happened one after another (each sent after the one before was
/// answered): the round trips a caller waited for, however many ran side by side.
pub fn sequential_round_trips(calls: &[&Call]) -> usize {
    let mut spans: Vec<(Instant, Instant)> =
        calls.iter().filter_map(|c| c.answered.map(|answered| (c.sent, answered))).collect();
    spans.sort_by_key(|&(_, answered)| answered);
    let mut chain = 0;
    let mut free_from: Option<Instant> = None;
    for (sent, answered) in spans {
        if free_from.is_none_or(|f| sent >= f) {
            chain += 1;
            free_from = Some(answered);
        }
    }
    chain
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Every attempt on the wire, retries included; `X-Amz-Target: DynamoDB_20120810.Query`.
        let target = context.request().headers().get("x-amz-target").unwrap_or("unknown");
        let operation = target.rsplit('.').next().unwrap_or(target).to_owned();
        let request = context.request().body().bytes().and_then(|b| serde_json::from_slice(b).ok()).unwrap_or_default();
        let mut calls = self.calls();
        *calls.by_operation.entry(operation.clone()).or_default() += 1;
        let index = calls.calls.len();
        calls.calls.push(Call {
            operation,
            request,
            answer: Value::Null,
            status: 0,
            sent: Instant::now(),
            answered: None,
        });
        cfg.interceptor_state().store_put(CallIndex(index));
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body: Value =
            context.response().body().bytes().and_then(|b| serde_json::from_slice(b).ok()).unwrap_or_default();
        let read = body["ScannedCount"].as_u64().unwrap_or_else(|| {
            let batch: u64 = body["Responses"]
                .as_object()
                .map_or(0, |t| t.values().map(|items| items.as_array().map_or(0, |a| a.len() as u64)).sum());
            batch + u64::from(body["Item"].is_object())
        });
        let status = context.response().status().as_u16();
        let mut calls = self.calls();
        calls.items_read += read;
        if let Some(&CallIndex(index)) = cfg.load::<CallIndex>()
            && let Some(call) = calls.calls.get_mut(index)
        {
            call.answer = body;
            call.status = status;
            call.answered = Some(Instant::now());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn call(sent: Instant, from_ms: u64, to_ms: u64) -> Call {
        Call {
            operation: "GetItem".into(),
            request: Value::Null,
            answer: Value::Null,
            status: 200,
            sent: sent + Duration::from_millis(from_ms),
            answered: Some(sent + Duration::from_millis(to_ms)),
        }
    }

    #[test]
    fn calls_side_by_side_are_one_round_trip_and_calls_in_turn_are_each_one() {
        let t = Instant::now();
        let side_by_side = [call(t, 0, 10), call(t, 1, 12), call(t, 2, 9)];
        assert_eq!(sequential_round_trips(&side_by_side.iter().collect::<Vec<_>>()), 1);
        let in_turn = [call(t, 0, 10), call(t, 11, 20), call(t, 21, 30), call(t, 12, 15)];
        assert_eq!(sequential_round_trips(&in_turn.iter().collect::<Vec<_>>()), 3);
    }
}
