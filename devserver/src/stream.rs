//! The local stand-in for the event sources on the table's DynamoDB stream: reads the stream from
//! the local AWS stand-in and hands each consumer the records its filter in the template keeps,
//! the way Lambda does.
//!
//! - The export worker gets inserts of export items, one a call, several at once (the template's
//!   parallelisation), retried when it fails, and, once the retries or the record's age run out, a
//!   note to the on-failure queue's drainer.
//! - The judge of tracked-link hits gets inserts of hit and landing-page rows in batches, in
//!   stream order, one batch at a time; a batch that fails is delivered again, whole, like
//!   Lambda's retries (and what a half-done batch did must not count twice).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::Event;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use base64::Engine;
use export::failures::{self, Drainer, FailureNote};
use export::worker::{self, Worker};
use redirect::judge::{self, Judge};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

/// How long to wait between polls of a stream that had no full page to read (Lambda's event
/// source polls a shard about four times a second).
const IDLE: Duration = Duration::from_millis(250);

/// Records asked for per GetRecords call.
const PAGE: i32 = 1000;

/// The template's `MaximumRetryAttempts`: a failing record is tried this many times more.
pub const MAX_RETRIES: u32 = 3;

/// The template's `MaximumRecordAgeInSeconds`.
pub const MAX_RECORD_AGE: Duration = Duration::from_secs(3600);

/// Records handled at the same time (the template's `ParallelizationFactor`).
pub const PARALLEL: usize = 10;

/// The template's `BatchSize` of the judge's event source.
pub const JUDGE_BATCH: usize = 100;

/// Rows handed to the lake at once (on AWS the event source batches up to 10,000 records or
/// five minutes; here each page of the stream goes at once, so tests see rows land quickly).
pub const LAKE_BATCH: usize = 1000;

/// What reads the stream.
#[derive(Debug, Clone)]
pub struct Consumers {
    /// The export worker.
    pub worker: Worker,
    /// The drainer of its on-failure queue.
    pub drainer: Drainer,
    /// The judge of tracked-link hits.
    pub judge: Judge,
    /// The webhook function's outbox.
    pub webhooks: webhooks::App,
    /// The lake function's ingest.
    pub lake: lake::App,
}

/// Feeds the consumers forever (until the task is dropped), starting at the oldest record the
/// stream still holds so nothing inserted while nobody listened is lost. The stream's ARN is
/// looked up with `sdk` (on AWS the template names it); the stream is read as the worker, whose
/// role Lambda's event source uses.
pub async fn feed(sdk: &aws_config::SdkConfig, table: &str, consumers: &Consumers) {
    let lanes = Arc::new(Semaphore::new(PARALLEL));
    loop {
        if let Err(err) = follow(sdk, table, consumers, &lanes).await {
            tracing::warn!(error = %err, "reading the table's stream failed; retrying");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn follow(
    sdk: &aws_config::SdkConfig,
    table: &str,
    consumers: &Consumers,
    lanes: &Arc<Semaphore>,
) -> Result<(), Box<dyn std::error::Error>> {
    let tables = aws_sdk_dynamodb::Client::new(sdk);
    let streams =
        aws_sdk_dynamodbstreams::Client::new(&crate::principals::sdk_as(sdk, crate::principals::EXPORT_WORKER));
    let described = tables.describe_table().table_name(table).send().await?;
    let arn = described.table.and_then(|t| t.latest_stream_arn).ok_or("the table has no stream")?;
    let stream = streams.describe_stream().stream_arn(&arn).send().await?;
    let shards = stream.stream_description.and_then(|d| d.shards).unwrap_or_default();
    let mut positions: Vec<Position> =
        shards.into_iter().filter_map(|s| s.shard_id).map(|shard| Position { shard, after: None }).collect();
    tracing::info!(shards = positions.len(), "export worker follows the table's stream");
    loop {
        let mut behind = false;
        for position in &mut positions {
            behind |= read_shard(&streams, &arn, position, consumers, lanes).await?;
        }
        if !behind {
            tokio::time::sleep(IDLE).await;
        }
    }
}

/// How far a shard has been read.
struct Position {
    shard: String,
    after: Option<String>,
}

/// Reads a shard from where it was left until it has nothing more; `true` when it read a full
/// page (it may be behind, and is read again at once). A fresh iterator is asked for on every
/// call: iterators expire (after 15 minutes on AWS).
async fn read_shard(
    streams: &aws_sdk_dynamodbstreams::Client,
    arn: &str,
    position: &mut Position,
    consumers: &Consumers,
    lanes: &Arc<Semaphore>,
) -> Result<bool, Box<dyn std::error::Error>> {
    let request = streams.get_shard_iterator().stream_arn(arn).shard_id(&position.shard);
    let request = match &position.after {
        Some(sequence) => request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(sequence),
        None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
    };
    let mut iterator = request.send().await?.shard_iterator;
    let mut full = false;
    while let Some(current) = iterator.take() {
        let out = streams.get_records().shard_iterator(current).limit(PAGE).send().await?;
        let records = out.records.unwrap_or_default();
        if records.is_empty() {
            break;
        }
        full = records.len() == PAGE as usize;
        position.after = records.iter().filter_map(|r| r.dynamodb.as_ref()?.sequence_number.clone()).next_back();
        let hits: Vec<&Record> = records.iter().filter(|r| for_the_judge(r)).collect();
        for batch in hits.chunks(JUDGE_BATCH) {
            judge_batch(&consumers.judge, batch, arn).await;
        }
        let firsts: Vec<&Record> = records.iter().filter(|r| for_the_outbox(r)).collect();
        for batch in firsts.chunks(JUDGE_BATCH) {
            outbox_batch(&consumers.webhooks, batch, arn).await;
        }
        let rows: Vec<&Record> = records.iter().filter(|r| for_the_lake(r)).collect();
        for batch in rows.chunks(LAKE_BATCH) {
            lake_batch(&consumers.lake, batch, arn).await;
        }
        for record in records.into_iter().filter(|r| failures::inserted_export(r).is_some()) {
            let permit = lanes.clone().acquire_owned().await?;
            let (worker, drainer) = (consumers.worker.clone(), consumers.drainer.clone());
            let (arn, shard) = (arn.to_owned(), position.shard.clone());
            tokio::spawn(async move {
                deliver(&worker, &drainer, &record, &arn, &shard).await;
                drop(permit);
            });
        }
        if !full {
            break;
        }
        iterator = out.next_shard_iterator;
    }
    Ok(full)
}

/// The template's filter of the judge's event source: inserts of a row with a `hit` mark (a
/// tracked-link hit) or a `landing_of` (a landing page confirming one).
fn for_the_judge(record: &Record) -> bool {
    let inserted = record.event_name.as_ref().is_some_and(|n| n.as_str() == "INSERT");
    let image = record.dynamodb.as_ref().and_then(|d| d.new_image.as_ref());
    inserted && image.is_some_and(|i| i.contains_key("hit") || i.contains_key("landing_of"))
}

/// The template's filter of the webhook outbox's event source: inserts of a person's first
/// access of a file.
fn for_the_outbox(record: &Record) -> bool {
    let inserted = record.event_name.as_ref().is_some_and(|n| n.as_str() == "INSERT");
    let image = record.dynamodb.as_ref().and_then(|d| d.new_image.as_ref());
    let is = |name: &str, value: &AttributeValue| image.and_then(|i| i.get(name)) == Some(value);
    inserted
        && is("type", &AttributeValue::S("first_access".into()))
        && is("automated", &AttributeValue::Bool(false))
        && is("object_kind", &AttributeValue::S("file".into()))
}

/// The template's filter of the lake's event source: inserts of dataset rows (a stored row never
/// changes).
fn for_the_lake(record: &Record) -> bool {
    let written = record.event_name.as_ref().is_some_and(|n| n.as_str() == "INSERT");
    let image = record.dynamodb.as_ref().and_then(|d| d.new_image.as_ref());
    written && image.and_then(|i| i.get("type")) == Some(&AttributeValue::S("user_activity".into()))
}

/// Hands one batch to the lake's ingest as Lambda would: again, whole, when it fails.
pub async fn lake_batch(lake: &lake::App, batch: &[&Record], arn: &str) {
    let event = json!({ "Records": batch.iter().map(|r| lambda_record(r, arn)).collect::<Vec<_>>() });
    again_when_failed("the lake", batch.len(), || lake::handle(lake, event.clone())).await;
}

/// Delivers a batch of `records` records to `consumer` as Lambda does: again, whole, after a
/// growing pause, up to the template's `MaximumRetryAttempts`.
async fn again_when_failed<F, Fut, T, E>(consumer: &str, records: usize, mut deliver: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    for attempt in 0..=MAX_RETRIES {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
        }
        if deliver().await.is_ok() {
            return;
        }
        tracing::warn!(attempt, records, consumer, "a consumer failed a batch; delivering it again");
    }
    tracing::error!(records, consumer, "a consumer failed a batch on every attempt");
}

/// The lake's daily schedule, locally every `every`: compacts the closed days.
pub async fn compact_every(lake: &lake::App, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        if let Err(err) = lake::handle(lake, json!({"source": "aws.scheduler", "detail-type": "Scheduled Event"})).await
        {
            tracing::warn!(error = %err, "compacting the lake failed; the days stay listed");
        }
    }
}

/// Hands one batch to the webhook outbox as Lambda would: again, whole, when it fails.
async fn outbox_batch(hooks: &webhooks::App, batch: &[&Record], arn: &str) {
    let event = json!({ "Records": batch.iter().map(|r| lambda_record(r, arn)).collect::<Vec<_>>() });
    again_when_failed("the webhook outbox", batch.len(), || webhooks::handle(hooks, event.clone())).await;
}

/// Hands one batch to the judge as Lambda would: the whole batch again when it fails, up to the
/// template's `MaximumRetryAttempts`; then its hits stay unjudged in the log (on AWS, the batch's
/// place in the stream goes to the on-failure queue).
pub async fn judge_batch(judge: &Judge, batch: &[&Record], arn: &str) {
    let records: Vec<Value> = batch.iter().map(|r| lambda_record(r, arn)).collect();
    let event: Event = match serde_json::from_value(json!({ "Records": records })) {
        Ok(event) => event,
        Err(err) => {
            tracing::error!(error = %err, "stream records could not be turned into a Lambda event");
            return;
        }
    };
    for attempt in 0..=MAX_RETRIES {
        if attempt > 0 {
            tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
        }
        if judge::handle(judge, event.clone()).await.is_ok() {
            return;
        }
        tracing::warn!(attempt, records = batch.len(), "the judge failed a batch; delivering it again");
    }
    tracing::error!(records = batch.len(), "the judge failed a batch on every attempt: its hits stay unjudged");
}

/// Hands one record to the worker as Lambda would: retried on failure, and noted to the
/// on-failure drainer once the retries or the record's age run out.
pub async fn deliver(worker: &Worker, drainer: &Drainer, record: &Record, arn: &str, shard: &str) {
    let condition = match too_old(record) {
        true => "RecordAgeExceeded",
        false => {
            let event: Event = match serde_json::from_value(json!({ "Records": [lambda_record(record, arn)] })) {
                Ok(event) => event,
                Err(err) => {
                    tracing::error!(error = %err, "a stream record could not be turned into a Lambda event");
                    return;
                }
            };
            let mut attempt = 0;
            loop {
                match worker::handle(worker, event.clone()).await {
                    Ok(()) => return,
                    Err(err) if attempt < MAX_RETRIES => {
                        attempt += 1;
                        tracing::warn!(error = %err, attempt, "the export worker failed a record; retrying");
                        tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                    }
                    Err(err) => {
                        tracing::error!(error = %err, "the export worker failed a record on every attempt");
                        break "RetryAttemptsExhausted";
                    }
                }
            }
        }
    };
    let sequence = record.dynamodb.as_ref().and_then(|d| d.sequence_number.clone()).unwrap_or_default();
    let note: FailureNote = match serde_json::from_value(json!({
        "requestContext": {"condition": condition, "approximateInvokeCount": MAX_RETRIES + 1},
        "DDBStreamBatchInfo": {"streamArn": arn, "shardId": shard, "startSequenceNumber": sequence,
                               "endSequenceNumber": sequence, "batchSize": 1},
    })) {
        Ok(note) => note,
        Err(err) => {
            tracing::error!(error = %err, "an on-failure note could not be built");
            return;
        }
    };
    match drainer.drain(&note).await {
        Ok(failed) => tracing::warn!(failed, condition, "on-failure note drained"),
        Err(err) => tracing::error!(error = %err.chain(), "on-failure note not drained"),
    }
}

fn too_old(record: &Record) -> bool {
    let created = record.dynamodb.as_ref().and_then(|d| d.approximate_creation_date_time);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_secs_f64();
    created.is_some_and(|t| now - t.as_secs_f64() > MAX_RECORD_AGE.as_secs_f64())
}

/// The record as Lambda's DynamoDB event carries it.
pub fn lambda_record(record: &Record, arn: &str) -> Value {
    let change = record.dynamodb.as_ref();
    let image = |i: Option<&HashMap<String, AttributeValue>>| {
        Value::Object(i.into_iter().flatten().map(|(k, v)| (k.clone(), attribute(v))).collect())
    };
    json!({
        "eventID": record.event_id,
        "eventName": record.event_name.as_ref().map(|n| n.as_str()),
        "eventVersion": record.event_version,
        "eventSource": "aws:dynamodb",
        "awsRegion": record.aws_region,
        "eventSourceARN": arn,
        "dynamodb": {
            "ApproximateCreationDateTime": change.and_then(|c| c.approximate_creation_date_time).map_or(0.0, |t| t.as_secs_f64()),
            "Keys": image(change.and_then(|c| c.keys.as_ref())),
            "NewImage": image(change.and_then(|c| c.new_image.as_ref())),
            "SequenceNumber": change.and_then(|c| c.sequence_number.clone()),
            "SizeBytes": change.and_then(|c| c.size_bytes).unwrap_or(0),
            "StreamViewType": "NEW_IMAGE",
        },
    })
}

/// DynamoDB JSON of one attribute value.
fn attribute(value: &AttributeValue) -> Value {
    let b64 =
        |b: &aws_sdk_dynamodbstreams::primitives::Blob| base64::engine::general_purpose::STANDARD.encode(b.as_ref());
    match value {
        AttributeValue::S(s) => json!({ "S": s }),
        AttributeValue::N(n) => json!({ "N": n }),
        AttributeValue::Bool(b) => json!({ "BOOL": b }),
        AttributeValue::Ss(ss) => json!({ "SS": ss }),
        AttributeValue::Ns(ns) => json!({ "NS": ns }),
        AttributeValue::B(b) => json!({ "B": b64(b) }),
        AttributeValue::Bs(bs) => json!({ "BS": bs.iter().map(b64).collect::<Vec<_>>() }),
        AttributeValue::L(items) => json!({ "L": items.iter().map(attribute).collect::<Vec<_>>() }),
        AttributeValue::M(map) => {
            json!({ "M": map.iter().map(|(k, v)| (k.clone(), attribute(v))).collect::<serde_json::Map<_, _>>() })
        }
        _ => json!({ "NULL": true }),
    }
}
