//! The local stand-in for the export worker's event source: reads the table's DynamoDB stream
//! from the local AWS stand-in, keeps the records the template's filter keeps (inserts of export
//! items), turns them into the same Lambda event the worker gets on AWS, and calls its handler.

use std::collections::HashMap;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::Event;
use aws_sdk_dynamodbstreams::types::{AttributeValue, Record, ShardIteratorType};
use base64::Engine;
use export::worker::{self, Worker};
use serde_json::{Value, json};

/// How long to wait when the stream has nothing new.
const IDLE: Duration = Duration::from_millis(200);

/// Feeds the worker forever (until the task is dropped), starting at the oldest record the
/// stream still holds so no export inserted while nobody listened is lost.
pub async fn feed_worker(sdk: &aws_config::SdkConfig, table: &str, worker: &Worker) {
    loop {
        if let Err(err) = follow(sdk, table, worker).await {
            tracing::warn!(error = %err, "reading the table's stream failed; retrying");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn follow(sdk: &aws_config::SdkConfig, table: &str, worker: &Worker) -> Result<(), Box<dyn std::error::Error>> {
    let tables = aws_sdk_dynamodb::Client::new(sdk);
    let streams = aws_sdk_dynamodbstreams::Client::new(sdk);
    let described = tables.describe_table().table_name(table).send().await?;
    let arn = described.table.and_then(|t| t.latest_stream_arn).ok_or("the table has no stream")?;
    let stream = streams.describe_stream().stream_arn(&arn).send().await?;
    let shards = stream.stream_description.and_then(|d| d.shards).unwrap_or_default();
    let mut positions: Vec<Position> =
        shards.into_iter().filter_map(|s| s.shard_id).map(|shard| Position { shard, after: None }).collect();
    tracing::info!(shards = positions.len(), "export worker follows the table's stream");
    loop {
        let mut idle = true;
        for position in &mut positions {
            idle &= !read_shard(&streams, &arn, position, worker).await?;
        }
        if idle {
            tokio::time::sleep(IDLE).await;
        }
    }
}

/// How far a shard has been read.
struct Position {
    shard: String,
    after: Option<String>,
}

/// Reads a shard from where it was left until it has nothing more; `true` when it had records.
/// A fresh iterator is asked for on every call: iterators expire (after 15 minutes on AWS), and the
/// local stand-in replaces a table's shard when a transaction fails.
async fn read_shard(
    streams: &aws_sdk_dynamodbstreams::Client,
    arn: &str,
    position: &mut Position,
    worker: &Worker,
) -> Result<bool, Box<dyn std::error::Error>> {
    let request = streams.get_shard_iterator().stream_arn(arn).shard_id(&position.shard);
    let request = match &position.after {
        Some(sequence) => request.shard_iterator_type(ShardIteratorType::AfterSequenceNumber).sequence_number(sequence),
        None => request.shard_iterator_type(ShardIteratorType::TrimHorizon),
    };
    let mut iterator = request.send().await?.shard_iterator;
    let mut any = false;
    while let Some(current) = iterator.take() {
        let out = streams.get_records().shard_iterator(current).limit(100).send().await?;
        let records = out.records.unwrap_or_default();
        if records.is_empty() {
            break;
        }
        any = true;
        position.after = records.iter().filter_map(|r| r.dynamodb.as_ref()?.sequence_number.clone()).next_back();
        let wanted: Vec<Value> =
            records.iter().filter(|r| is_export_insert(r)).map(|r| lambda_record(r, arn)).collect();
        if !wanted.is_empty() {
            let event: Event = serde_json::from_value(json!({ "Records": wanted }))?;
            if let Err(err) = worker::handle(worker, event).await {
                tracing::error!(error = %err, "the export worker failed a batch");
            }
        }
        iterator = out.next_shard_iterator;
    }
    Ok(any)
}

/// The template's event filter: `{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"type": {"S": ["export"]}}}}`.
fn is_export_insert(record: &Record) -> bool {
    let insert = record.event_name.as_ref().is_some_and(|n| n.as_str() == "INSERT");
    let export = record
        .dynamodb
        .as_ref()
        .and_then(|d| d.new_image.as_ref())
        .and_then(|image| image.get("type"))
        .is_some_and(|t| matches!(t, AttributeValue::S(s) if s == "export"));
    insert && export
}

/// The record as Lambda's DynamoDB event carries it.
fn lambda_record(record: &Record, arn: &str) -> Value {
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
