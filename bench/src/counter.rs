//! Counts the DynamoDB requests the SDK sends, by operation, and the items their answers say
//! DynamoDB read (`ScannedCount` of Queries, items of GetItem and BatchGetItem answers).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Requests by operation name, and items read.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<Mutex<BTreeMap<String, u64>>>, Arc<Mutex<u64>>);

impl Counter {
    /// Forgets what was counted.
    pub fn reset(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clear();
        *self.1.lock().unwrap_or_else(PoisonError::into_inner) = 0;
    }

    /// Items DynamoDB read to answer the requests counted.
    pub fn items_read(&self) -> u64 {
        *self.1.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Requests counted.
    pub fn total(&self) -> u64 {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).values().sum()
    }

    /// `Operation×n, …`.
    pub fn summary(&self) -> String {
        let counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        counts.iter().map(|(op, n)| format!("{op}×{n}")).collect::<Vec<_>>().join(", ")
    }
}

impl Intercept for Counter {
    fn name(&self) -> &'static str {
        "RequestCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Every attempt on the wire, retries included; `X-Amz-Target: DynamoDB_20120810.Query`.
        let target = context.request().headers().get("x-amz-target").unwrap_or("unknown");
        let name = target.rsplit('.').next().unwrap_or(target).to_owned();
        *self.0.lock().unwrap_or_else(PoisonError::into_inner).entry(name).or_default() += 1;
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body: serde_json::Value =
            context.response().body().bytes().and_then(|b| serde_json::from_slice(b).ok()).unwrap_or_default();
        let read = body["ScannedCount"].as_u64().unwrap_or_else(|| {
            let batch: u64 = body["Responses"]
                .as_object()
                .map_or(0, |t| t.values().map(|items| items.as_array().map_or(0, |a| a.len() as u64)).sum());
            batch + u64::from(body["Item"].is_object())
        });
        *self.1.lock().unwrap_or_else(PoisonError::into_inner) += read;
        Ok(())
    }
}
