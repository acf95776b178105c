//! The export worker's on-failure queue, drained into `failed`. When the worker fails a stream
//! batch on every attempt, or its records grow older than the event source keeps them, Lambda
//! sends a note of the batch (shard and sequence numbers, not the records) to the queue. The
//! drainer reads those records back from the stream and declares each export in them failed with
//! the reason, so nobody waits on an export that no worker will ever generate. Records the stream
//! no longer holds are left to the export's own start deadline.

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use serde::Deserialize;
use shared::export::GAVE_UP;
use shared::ids::Id;
use shared::store::DynamoStore;
use shared::{Error, Result, time};

/// Why an export whose stream record grew too old reads `failed`.
pub const TOO_OLD: &str = "the report waited longer than its worker's event source keeps requests; request it again";

/// The note Lambda sends to a stream event source's on-failure destination.
#[derive(Debug, Clone, Deserialize)]
pub struct FailureNote {
    /// Why the batch was given up.
    #[serde(rename = "requestContext")]
    pub request_context: Option<NoteContext>,
    /// Which records.
    #[serde(rename = "DDBStreamBatchInfo")]
    pub batch: BatchInfo,
}

/// The reason part of a [`FailureNote`].
#[derive(Debug, Clone, Deserialize)]
pub struct NoteContext {
    /// `RetryAttemptsExhausted`, `RecordAgeExceeded`, …
    pub condition: Option<String>,
}

/// The records of a failed batch.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchInfo {
    /// The stream.
    pub stream_arn: String,
    /// Its shard.
    pub shard_id: String,
    /// The first record of the batch.
    pub start_sequence_number: String,
    /// The last record of the batch.
    pub end_sequence_number: String,
}

/// Reads failed batches back from the stream and fails their exports.
#[derive(Debug, Clone)]
pub struct Drainer {
    store: DynamoStore,
    streams: aws_sdk_dynamodbstreams::Client,
}

/// `(planroom, export_id)` of a stream record that inserted an export item.
pub fn inserted_export(record: &Record) -> Option<(String, String)> {
    if record.event_name.as_ref().map(|n| n.as_str()) != Some("INSERT") {
        return None;
    }
    let image = record.dynamodb.as_ref()?.new_image.as_ref()?;
    let text = |name: &str| match image.get(name) {
        Some(AttributeValue::S(value)) => Some(value.clone()),
        _ => None,
    };
    (text("type")? == "export").then_some(())?;
    Some((text("planroom_id")?, text("export_id")?))
}

/// Stream sequence numbers are decimal numbers of up to 40 digits: compare them as numbers.
fn sequence_le(a: &str, b: &str) -> bool {
    (a.len(), a) <= (b.len(), b)
}

impl Drainer {
    /// Builds the drainer from `TABLE_NAME` and the AWS environment.
    pub async fn from_env() -> Result<Self, shared::config::ConfigError> {
        let table = shared::config::required("TABLE_NAME")?;
        let sdk = shared::store::aws_config().await;
        Ok(Drainer::new(DynamoStore::from_sdk(&sdk, table), aws_sdk_dynamodbstreams::Client::new(&sdk)))
    }

    /// A drainer writing to `store`, reading the stream with `streams`.
    pub fn new(store: DynamoStore, streams: aws_sdk_dynamodbstreams::Client) -> Self {
        Drainer { store, streams }
    }

    /// Fails every pending or running export of the noted batch; answers how many it failed.
    pub async fn drain(&self, note: &FailureNote) -> Result<usize> {
        let reason = match note.request_context.as_ref().and_then(|c| c.condition.as_deref()) {
            Some("RecordAgeExceeded") => TOO_OLD,
            _ => GAVE_UP,
        };
        let batch = &note.batch;
        let unavailable =
            |context: &str, err: String| Error::Unavailable { context: context.into(), source: err.into() };
        let iterator = self
            .streams
            .get_shard_iterator()
            .stream_arn(&batch.stream_arn)
            .shard_id(&batch.shard_id)
            .shard_iterator_type(ShardIteratorType::AtSequenceNumber)
            .sequence_number(&batch.start_sequence_number)
            .send()
            .await;
        let mut iterator = match iterator {
            Ok(out) => out.shard_iterator,
            Err(err) => {
                // Trimmed or gone: the exports' start deadline fails them when they are next read.
                tracing::warn!(error = %aws_sdk_dynamodbstreams::error::DisplayErrorContext(&err), shard = batch.shard_id,
                    "a failed export batch can no longer be read from the stream");
                return Ok(0);
            }
        };
        let mut failed = 0;
        while let Some(current) = iterator.take() {
            let out = self
                .streams
                .get_records()
                .shard_iterator(current)
                .limit(100)
                .send()
                .await
                .map_err(|e| unavailable("reading a failed export batch", format!("{e:?}")))?;
            let records = out.records.unwrap_or_default();
            if records.is_empty() {
                break;
            }
            for record in &records {
                let sequence = record.dynamodb.as_ref().and_then(|d| d.sequence_number.as_deref()).unwrap_or_default();
                if !sequence_le(sequence, &batch.end_sequence_number) {
                    return Ok(failed);
                }
                if let Some((planroom, export_id)) = inserted_export(record) {
                    let planroom = Id::parse("planroom", &planroom)?;
                    if self.store.fail_export(&planroom, &export_id, reason, &time::now().1).await? {
                        tracing::warn!(export_id, reason, "export declared failed from the on-failure queue");
                        failed += 1;
                    }
                }
            }
            iterator = out.next_shard_iterator;
        }
        Ok(failed)
    }
}

/// Handles a batch of on-failure notes; a note that cannot be handled now (storage unavailable)
/// is reported back so that the queue delivers it again.
pub async fn handle(drainer: &Drainer, event: SqsEvent) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let note: FailureNote = match message.body.as_deref().map(serde_json::from_str) {
            Some(Ok(note)) => note,
            other => {
                // Not a note we understand: retrying will not help, so it is logged and dropped.
                tracing::error!(message_id = id, parse = ?other.map(|r| r.err().map(|e| e.to_string())), "unreadable on-failure note");
                continue;
            }
        };
        if let Err(err) = drainer.drain(&note).await {
            tracing::error!(message_id = id, error = %err.chain(), "on-failure note not drained; it will be delivered again");
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_compare_as_numbers() {
        assert!(sequence_le("9", "10"));
        assert!(sequence_le("100", "100"));
        assert!(!sequence_le("101", "100"));
        assert!(!sequence_le("1000", "999"));
    }

    #[test]
    fn lambdas_on_failure_note_is_read() {
        let note: FailureNote = serde_json::from_str(
            r#"{"requestContext":{"requestId":"r","functionArn":"arn:f","condition":"RetryAttemptsExhausted",
                "approximateInvokeCount":4},
                "responseContext":{"statusCode":200,"executedVersion":"$LATEST","functionError":"Unhandled"},
                "version":"1.0","timestamp":"2026-11-26T00:13:49.717Z",
                "DDBStreamBatchInfo":{"shardId":"shardId-1","startSequenceNumber":"800000000003126276362",
                "endSequenceNumber":"800000000003126276362","approximateArrivalOfFirstRecord":"2026-11-26T00:13:19Z",
                "approximateArrivalOfLastRecord":"2026-11-26T00:13:19Z","batchSize":1,
                "streamArn":"arn:aws:dynamodb:us-east-1:1:table/t/stream/2026"}}"#,
        )
        .unwrap();
        assert_eq!(note.batch.shard_id, "shardId-1");
        assert_eq!(note.request_context.unwrap().condition.as_deref(), Some("RetryAttemptsExhausted"));
    }
}
