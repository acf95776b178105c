//! The lake function: keeps the User Activity lake ([`shared::lake`]) filled, one Lambda for two
//! event sources.
//!
//! - **Ingest** (the table's stream, inserts of dataset rows, batched by the event source for up
//!   to five minutes): one Parquet file per planroom and day of the batch, named by
//!   the event ids it holds, so a replayed batch rewrites its own files; then the day is noted
//!   for compaction. A late row lands in the day of its `event_timestamp`.
//! - **Compact** (a daily schedule): each closed day noted since is rewritten as one file (in
//!   row groups of 100,000 rows), each event once (the newest copy), and the files it replaced
//!   are deleted.

pub mod compact;
pub mod ingest;
pub mod objects;

use serde_json::Value;
use shared::config::{self, ConfigError};
use shared::store::{self, DynamoStore};

pub use objects::LakeBucket;

/// What the function needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct App {
    /// The table (the days to compact).
    pub store: DynamoStore,
    /// The bucket the lake lives in.
    pub bucket: LakeBucket,
}

impl App {
    /// From `TABLE_NAME`, `LAKE_BUCKET` (or `BUCKET_NAME`) and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let sdk = store::aws_config().await;
        Ok(App { store: DynamoStore::from_sdk(&sdk, table), bucket: LakeBucket::from_env(&sdk)? })
    }
}

/// Handles one invocation: a stream batch, or the compaction schedule. An error fails the
/// invocation so Lambda delivers it again (a replay writes nothing twice).
pub async fn handle(app: &App, payload: Value) -> Result<(), lambda_runtime::Error> {
    if payload.get("Records").is_some() {
        let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(payload)?;
        let written = ingest::batch(app, &event).await.map_err(|err| {
            tracing::error!(error = %err.chain(), "a stream batch could not reach the lake; it will be delivered again");
            lambda_runtime::Error::from(err.to_string())
        })?;
        tracing::info!(rows = written.rows, files = written.files, "stream batch written to the lake");
        return Ok(());
    }
    let report = compact::closed_days(app, jiff::Timestamp::now()).await.map_err(|err| {
        tracing::error!(error = %err.chain(), "compaction failed; the days stay listed for the next run");
        lambda_runtime::Error::from(err.to_string())
    })?;
    tracing::info!(days = report.days, files_before = report.files_before, rows = report.rows, "lake compacted");
    Ok(())
}
