//! Sends deliveries from the queue: each message names a stored delivery; one attempt is made,
//! signed with the endpoint's secrets (both during a rotation), and recorded. A failed attempt
//! hides the message for the next wait of the schedule and reports it failed, so the queue hands
//! it back then; after the last, the delivery is `failed` and the message is let go.

use std::time::Instant;

use aws_lambda_events::event::sqs::SqsMessage;
use serde::Deserialize;
use shared::ids::Id;
use shared::store::webhooks::{Attempt, DeliveryStatus};
use shared::webhook;
use shared::{Result, time};

use crate::App;

/// A queue message: the delivery it names.
#[derive(Debug, Deserialize)]
pub struct Message {
    /// The planroom.
    pub planroom_id: String,
    /// The endpoint.
    pub webhook_id: String,
    /// The delivery's sort key.
    pub key: String,
}

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Delivered, given up on, or nothing to do: the message goes.
    Done,
    /// Try again after this many seconds.
    Retry(u64),
}

/// Handles a queue batch; answers the messages to hand back (`batchItemFailures`).
pub async fn messages(app: &App, records: &[SqsMessage]) -> serde_json::Value {
    let work = records.iter().map(|record| async move {
        let id = record.message_id.clone().unwrap_or_default();
        let outcome = match serde_json::from_str::<Message>(record.body.as_deref().unwrap_or_default()) {
            Ok(message) => deliver(app, &message).await,
            Err(err) => {
                tracing::error!(error = %err, "a delivery message that is not ours: dropped");
                Ok(Outcome::Done)
            }
        };
        match outcome {
            Ok(Outcome::Done) => None,
            Ok(Outcome::Retry(delay)) => {
                let hide = app
                    .sqs
                    .change_message_visibility()
                    .queue_url(&app.queue_url)
                    .receipt_handle(record.receipt_handle.clone().unwrap_or_default())
                    .visibility_timeout(i32::try_from(delay).unwrap_or(43_200));
                if let Err(err) = hide.send().await {
                    tracing::warn!(error = %err, "could not delay a retry; the queue's own timeout applies");
                }
                Some(id)
            }
            Err(err) => {
                tracing::error!(error = %err.chain(), "a delivery could not be handled; the queue hands it back");
                Some(id)
            }
        }
    });
    let failures: Vec<serde_json::Value> = futures::future::join_all(work)
        .await
        .into_iter()
        .flatten()
        .map(|id| serde_json::json!({ "itemIdentifier": id }))
        .collect();
    serde_json::json!({ "batchItemFailures": failures })
}

/// One attempt at the delivery a message names.
pub async fn deliver(app: &App, message: &Message) -> Result<Outcome> {
    let planroom = Id::parse("planroom", &message.planroom_id)?;
    let Some(delivery) = app.store.delivery(&planroom, &message.webhook_id, &message.key).await? else {
        return Ok(Outcome::Done);
    };
    if delivery.status != DeliveryStatus::Pending {
        return Ok(Outcome::Done);
    }
    let Some(endpoint) = app.store.endpoint(&planroom, &message.webhook_id).await? else {
        let attempt =
            Attempt { at: time::now().1, status: None, error: Some("the endpoint was deleted".into()), duration_ms: 0 };
        app.store
            .record_attempt(&planroom, &message.webhook_id, &message.key, &attempt, DeliveryStatus::Failed)
            .await?;
        return Ok(Outcome::Done);
    };
    let now = jiff::Timestamp::now();
    let signature = webhook::signature_header(
        &endpoint.signing_secrets(now.as_second()),
        &delivery.message_id,
        now.as_second(),
        delivery.payload.as_bytes(),
    );
    let started = Instant::now();
    let answer = app
        .http
        .post(&endpoint.url)
        .header("content-type", "application/json")
        .header("webhook-id", &delivery.message_id)
        .header("webhook-timestamp", now.as_second().to_string())
        .header("webhook-signature", signature)
        .body(delivery.payload.clone())
        .send()
        .await;
    let duration_ms = started.elapsed().as_millis() as u64;
    let (status, error) = match &answer {
        Ok(res) => (Some(res.status().as_u16()), None),
        Err(err) if err.is_timeout() => (None, Some("timed out".to_owned())),
        Err(err) if err.is_connect() => (None, Some("could not connect".to_owned())),
        Err(_) => (None, Some("the request failed".to_owned())),
    };
    let delivered = status.is_some_and(|s| (200..300).contains(&s));
    let attempts = delivery.attempts.len() + 1;
    let next = if delivered { None } else { webhook::next_delay(attempts, &app.schedule) };
    let state = match (delivered, next) {
        (true, _) => DeliveryStatus::Delivered,
        (false, Some(_)) => DeliveryStatus::Pending,
        (false, None) => DeliveryStatus::Failed,
    };
    let attempt = Attempt { at: time::format(now), status, error, duration_ms };
    app.store.record_attempt(&planroom, &message.webhook_id, &message.key, &attempt, state).await?;
    tracing::info!(webhook_id = message.webhook_id, message_id = delivery.message_id, attempts, status = ?status, delivered, "webhook attempt");
    Ok(match next {
        Some(delay) => Outcome::Retry(delay.max(1)),
        None => Outcome::Done,
    })
}

/// A queue message for a delivery (what the outbox sends), for local drivers.
pub fn message_body(planroom: &str, webhook_id: &str, key: &str) -> String {
    serde_json::json!({"planroom_id": planroom, "webhook_id": webhook_id, "key": key}).to_string()
}
