//! Each function calls AWS as itself. On AWS each function has a role of its own; here each gets
//! credentials whose access key id is its logical id in the template (`CaptureFunction`, ...), so
//! the local stand-in records which function made each call (`scripts/aws_calls.py`) and the
//! deploy rehearsal checks every call against that function's role in the deployed stack.

use aws_sdk_dynamodb::config::{Credentials, SharedCredentialsProvider};
use shared::store::{DynamoStore, SdkConfig};

/// `functions/capture`.
pub const CAPTURE: &str = "CaptureFunction";
/// `functions/redirect`.
pub const REDIRECT: &str = "RedirectFunction";
/// `functions/query`.
pub const QUERY: &str = "QueryFunction";
/// `functions/export`, the API.
pub const EXPORT: &str = "ExportFunction";
/// `functions/export`, the stream-triggered worker (and its event source's stream reads).
pub const EXPORT_WORKER: &str = "ExportWorkerFunction";
/// `functions/export`, the drainer of the worker's on-failure queue.
pub const EXPORT_FAILURES: &str = "ExportFailuresFunction";

/// `functions/redirect`, the stream-triggered judge of tracked-link hits (and its event source's
/// stream reads).
pub const HIT_JUDGE: &str = "HitJudgeFunction";

/// `functions/webhooks`: the outbox (the table's stream), the sender (the delivery queue) and
/// the deadlines (the schedules).
pub const WEBHOOKS: &str = "WebhookFunction";

/// `functions/lake`: rows from the table's stream to the lake, and the daily compaction.
pub const LAKE: &str = "LakeFunction";

/// Every function's logical id, as `make check-infra` compares them with the template.
pub const ALL: [&str; 9] =
    [CAPTURE, REDIRECT, QUERY, EXPORT, EXPORT_WORKER, EXPORT_FAILURES, HIT_JUDGE, WEBHOOKS, LAKE];

/// Credentials naming `principal` (the stand-in checks no signature).
fn credentials(principal: &str) -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(Credentials::new(principal, "local", None, None, "devserver"))
}

/// `sdk`, signing as `principal`.
pub fn sdk_as(sdk: &SdkConfig, principal: &str) -> SdkConfig {
    sdk.to_builder().credentials_provider(credentials(principal)).build()
}

/// `store` (its client's settings and interceptors kept), signing as `principal`.
pub fn store_as(store: &DynamoStore, principal: &str) -> DynamoStore {
    let config = store.client().config().to_builder().credentials_provider(credentials(principal)).build();
    store.with_client(aws_sdk_dynamodb::Client::from_conf(config))
}
