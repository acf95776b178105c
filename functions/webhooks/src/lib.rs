//! The webhook function: alerts a planroom's endpoints, one Lambda for three event sources.
//!
//! - **Outbox** (the table's stream, inserts of a person's first access of a file): one delivery
//!   item per endpoint that wants `access.first` of that job, stored once however often the
//!   record is seen, then a message on the delivery queue; the event also goes to the stack's
//!   EventBridge bus.
//! - **Deadline** (an EventBridge Scheduler schedule per job, at `bid_due_at` minus the job's
//!   lead time): `coverage.missing` with exactly who is missing what, the same way.
//! - **Sender** (the delivery queue): posts each delivery, signed per Standard Webhooks 1.0,
//!   records the attempt, and on failure hides the message for the next wait of the retry
//!   schedule (5 s to 10 h, more than 27 hours in all), then gives up.
//!
//! Nothing here runs in a request: a receiver that is down never slows a click or a capture.

pub mod deadline;
pub mod outbox;
pub mod sender;

use std::time::Duration;

use shared::config::{self, ConfigError};
use shared::ids::Id;
use shared::store::webhooks::{Delivery, DeliveryStatus, Endpoint};
use shared::store::{self, DynamoStore};
use shared::webhook::{self, EventKind};
use shared::{Error, Result, keys, time};

/// How long one delivery attempt may take by default (`WEBHOOK_TIMEOUT_MS`).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// What the function needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct App {
    store: DynamoStore,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
    events: aws_sdk_eventbridge::Client,
    bus: String,
    http: reqwest::Client,
    schedule: Vec<u64>,
}

/// Where the function sends what it makes.
#[derive(Debug, Clone)]
pub struct Outlets {
    /// The delivery queue's URL (`WEBHOOK_QUEUE_URL`).
    pub queue_url: String,
    /// The EventBridge bus (`EVENT_BUS_NAME`; empty: no events on a bus).
    pub bus: String,
    /// Seconds to wait before each retry (`WEBHOOK_RETRY_SECONDS`, default the specification's).
    pub schedule: Vec<u64>,
    /// How long an attempt may take (`WEBHOOK_TIMEOUT_MS`).
    pub timeout: Duration,
}

impl Outlets {
    /// From `WEBHOOK_QUEUE_URL`, `EVENT_BUS_NAME`, `WEBHOOK_RETRY_SECONDS`, `WEBHOOK_TIMEOUT_MS`.
    pub fn from_env() -> Result<Self, ConfigError> {
        let schedule = match std::env::var("WEBHOOK_RETRY_SECONDS") {
            Ok(text) => webhook::parse_schedule(&text).ok_or_else(|| {
                ConfigError("WEBHOOK_RETRY_SECONDS must be comma-separated seconds, each at most 43200".into())
            })?,
            Err(_) => webhook::RETRY_SECONDS.to_vec(),
        };
        Ok(Outlets {
            queue_url: config::required("WEBHOOK_QUEUE_URL")?,
            bus: std::env::var("EVENT_BUS_NAME").unwrap_or_default(),
            schedule,
            timeout: Duration::from_millis(config::number("WEBHOOK_TIMEOUT_MS", DEFAULT_TIMEOUT.as_millis() as u64)?),
        })
    }
}

impl App {
    /// Builds the app from `TABLE_NAME`, the outlets' variables and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let sdk = store::aws_config().await;
        App::new(&sdk, DynamoStore::from_sdk(&sdk, table), Outlets::from_env()?)
    }

    /// Builds the app from its parts.
    pub fn new(sdk: &store::SdkConfig, store: DynamoStore, outlets: Outlets) -> Result<Self, ConfigError> {
        let http = reqwest::Client::builder()
            .timeout(outlets.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("planroom-activity-webhooks/1")
            .build()
            .map_err(|e| ConfigError(format!("building the webhook HTTP client: {e}")))?;
        Ok(App {
            store,
            sqs: aws_sdk_sqs::Client::new(sdk),
            queue_url: outlets.queue_url,
            events: aws_sdk_eventbridge::Client::new(sdk),
            bus: outlets.bus,
            http,
            schedule: outlets.schedule,
        })
    }

    /// Stores one event's delivery for `endpoint` (once, however often the event is seen) and,
    /// while it is not delivered, queues it for the sender.
    async fn enqueue(&self, planroom: &Id, endpoint: &Endpoint, event: &Event<'_>) -> Result<()> {
        let message_id = webhook::message_id(&endpoint.webhook_id, event.key);
        let delivery = Delivery {
            webhook_id: endpoint.webhook_id.clone(),
            key: keys::delivery_sk(event.at, &message_id),
            message_id,
            event: event.kind,
            payload: event.body.to_string(),
            created_at: time::now().1,
            status: DeliveryStatus::Pending,
            attempts: Vec::new(),
        };
        let expires_at = jiff::Timestamp::now().as_second() + store::webhooks::DELIVERY_RETENTION_SECONDS;
        let fresh = self.store.put_delivery(planroom, &delivery, expires_at).await?;
        // A replay finds the delivery stored: it is queued again unless it was delivered (the
        // first run may have failed between storing and queueing; the sender skips a delivered one).
        if !fresh
            && self
                .store
                .delivery(planroom, &delivery.webhook_id, &delivery.key)
                .await?
                .is_none_or(|d| d.status != DeliveryStatus::Pending)
        {
            return Ok(());
        }
        let body = serde_json::json!({"planroom_id": planroom, "webhook_id": delivery.webhook_id, "key": delivery.key});
        let send = self.sqs.send_message().queue_url(&self.queue_url).message_body(body.to_string());
        send.send().await.map_err(|e| Error::Unavailable {
            context: "queueing a webhook delivery".into(),
            source: store::retry::describe(&e).into(),
        })?;
        Ok(())
    }

    /// Puts events on the stack's bus (source `planroom.activity`, detail type the event kind);
    /// nothing without a bus (`EVENT_BUS_NAME` empty).
    async fn publish(&self, planroom: &Id, events: &[Event<'_>]) -> Result<()> {
        if self.bus.is_empty() {
            return Ok(());
        }
        for chunk in events.chunks(10) {
            let entries: Vec<_> = chunk
                .iter()
                .map(|event| {
                    let detail =
                        serde_json::json!({"planroom_id": planroom, "event_key": event.key, "event": event.body});
                    aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                        .event_bus_name(&self.bus)
                        .source("planroom.activity")
                        .detail_type(event.kind.as_str())
                        .detail(detail.to_string())
                        .build()
                })
                .collect();
            let out =
                self.events.put_events().set_entries(Some(entries)).send().await.map_err(|e| Error::Unavailable {
                    context: "putting events on the bus".into(),
                    source: store::retry::describe(&e).into(),
                })?;
            if out.failed_entry_count() > 0 {
                return Err(Error::Unavailable {
                    context: "putting events on the bus".into(),
                    source: format!("{} entries refused", out.failed_entry_count()).into(),
                });
            }
        }
        Ok(())
    }
}

/// One event to alert about.
#[derive(Debug, Clone)]
struct Event<'a> {
    kind: EventKind,
    /// What makes it this event (the same on every replay).
    key: &'a str,
    /// When it happened (stored form): deliveries sort by it.
    at: &'a str,
    /// The delivery's body.
    body: serde_json::Value,
}

/// Handles whatever invoked the function: a stream batch, a queue batch, or a schedule.
pub async fn handle(app: &App, payload: serde_json::Value) -> Result<serde_json::Value, lambda_runtime::Error> {
    let source = payload["Records"][0]["eventSource"].as_str().unwrap_or_default().to_owned();
    let failed = |err: Error| {
        tracing::error!(error = %err.chain(), source, "webhook work failed; the event source will deliver it again");
        lambda_runtime::Error::from(err.to_string())
    };
    match source.as_str() {
        "aws:dynamodb" => {
            let event: aws_lambda_events::event::dynamodb::Event = serde_json::from_value(payload)?;
            outbox::first_accesses(app, &outbox::items_of(&event)).await.map_err(failed)?;
            Ok(serde_json::Value::Null)
        }
        "aws:sqs" => {
            let event: aws_lambda_events::event::sqs::SqsEvent = serde_json::from_value(payload)?;
            Ok(sender::messages(app, &event.records).await)
        }
        _ if payload.get("deadline").is_some() => {
            let input: deadline::Deadline = serde_json::from_value(payload["deadline"].clone())?;
            deadline::fire(app, &input).await.map_err(failed)?;
            Ok(serde_json::Value::Null)
        }
        _ => Err("not a stream batch, a queue batch or a deadline".into()),
    }
}
