//! Webhook endpoints and their deliveries in DynamoDB. An endpoint is one item in its planroom's
//! webhook partition; each delivery (one event to one endpoint) is one item in the endpoint's
//! partition, keyed by the event so that an event seen twice (a stream replay) is stored once,
//! with every attempt appended to it.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::page::{self, Page, PageArgs};
use super::retry::{broken, condition_failed, send, send_ok};
use super::{DynamoStore, Item, get_n, get_s, n, s};
use crate::ids::Id;
use crate::webhook::EventKind;
use crate::{Result, keys};

/// A registered endpoint (as answered: without its secrets).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Endpoint {
    /// Its id.
    pub webhook_id: String,
    /// Where deliveries go.
    pub url: String,
    /// What it gets.
    pub events: Vec<EventKind>,
    /// Only this job's events, when set.
    pub job_id: Option<String>,
    /// The planroom's words for it.
    pub description: Option<String>,
    /// When it was registered.
    pub created_at: String,
    /// The secret deliveries are signed with.
    #[serde(skip)]
    pub secret: String,
    /// The secret it replaced, still signed with until the given time (unix seconds).
    #[serde(skip)]
    pub previous_secret: Option<(String, i64)>,
}

impl Endpoint {
    /// The secrets to sign with at `now` (unix seconds): the current one, and the previous one
    /// while its rotation lasts.
    pub fn signing_secrets(&self, now: i64) -> Vec<&str> {
        let mut secrets = vec![self.secret.as_str()];
        if let Some((previous, until)) = &self.previous_secret
            && now < *until
        {
            secrets.push(previous);
        }
        secrets
    }

    /// Whether the endpoint gets `kind` of `job`'s events.
    pub fn wants(&self, kind: EventKind, job: &str) -> bool {
        self.events.contains(&kind) && self.job_id.as_deref().is_none_or(|j| j == job)
    }
}

/// Where a delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Not delivered yet; attempts go on.
    Pending,
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt failed; no more are made.
    Failed,
}

impl DeliveryStatus {
    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            _ => DeliveryStatus::Pending,
        }
    }
}

/// One attempt at a delivery.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Attempt {
    /// When it was made.
    pub at: String,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// Why it failed without an answer (timeout, refused connection).
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
}

/// One event for one endpoint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    /// The endpoint.
    pub webhook_id: String,
    /// The `webhook-id` of every attempt: stable, for receivers to deduplicate on.
    pub message_id: String,
    /// The item's sort key (what the delivery queue's message carries).
    #[serde(skip)]
    pub key: String,
    /// The event.
    pub event: EventKind,
    /// The body, exactly as sent on every attempt.
    pub payload: String,
    /// When the delivery was created.
    pub created_at: String,
    /// Where it is.
    pub status: DeliveryStatus,
    /// Its attempts, oldest first.
    pub attempts: Vec<Attempt>,
}

/// How long deliveries are kept (their attempts listed): 30 days.
pub const DELIVERY_RETENTION_SECONDS: i64 = 30 * 24 * 3600;

impl DynamoStore {
    /// Registers an endpoint (one PutItem).
    pub async fn put_endpoint(&self, planroom: &Id, endpoint: &Endpoint) -> Result<()> {
        let mut item: Item = HashMap::from([
            ("pk".into(), s(keys::webhooks_pk(planroom))),
            ("sk".into(), s(keys::webhook_sk(&endpoint.webhook_id))),
            ("type".into(), s("webhook")),
            ("planroom_id".into(), s(planroom.as_str())),
            ("webhook_id".into(), s(&endpoint.webhook_id)),
            ("url".into(), s(&endpoint.url)),
            ("events".into(), AttributeValue::Ss(endpoint.events.iter().map(|e| e.as_str().to_owned()).collect())),
            ("created_at".into(), s(&endpoint.created_at)),
            ("secret".into(), s(&endpoint.secret)),
        ]);
        if let Some(job) = &endpoint.job_id {
            item.insert("job_id".into(), s(job));
        }
        if let Some(description) = &endpoint.description {
            item.insert("description".into(), s(description));
        }
        let request = self.client.put_item().table_name(&self.table).set_item(Some(item));
        send_ok("registering a webhook", || request.clone().send()).await?;
        Ok(())
    }

    /// The planroom's endpoints (one Query).
    pub async fn endpoints(&self, planroom: &Id) -> Result<Vec<Endpoint>> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::webhooks_pk(planroom)));
        let page = page::read(query, None, PageArgs { limit: 1000, start: None }, |_| true).await?;
        Ok(page.items.iter().filter_map(endpoint).collect())
    }

    /// One endpoint (one GetItem).
    pub async fn endpoint(&self, planroom: &Id, webhook: &str) -> Result<Option<Endpoint>> {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::webhooks_pk(planroom)))
            .key("sk", s(keys::webhook_sk(webhook)))
            .consistent_read(true);
        let out = send_ok("reading a webhook", || request.clone().send()).await?;
        Ok(out.item.as_ref().and_then(endpoint))
    }

    /// Deletes an endpoint; `false` when there was none (its deliveries expire on their own).
    pub async fn delete_endpoint(&self, planroom: &Id, webhook: &str) -> Result<bool> {
        let request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::webhooks_pk(planroom)))
            .key("sk", s(keys::webhook_sk(webhook)))
            .return_values(ReturnValue::AllOld);
        let out = send_ok("deleting a webhook", || request.clone().send()).await?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    /// Replaces an endpoint's secret with `secret`, the old one kept for signing until `until`
    /// (unix seconds); the endpoint as updated, `None` when there is none.
    pub async fn rotate_secret(
        &self,
        planroom: &Id,
        webhook: &str,
        secret: &str,
        until: i64,
    ) -> Result<Option<Endpoint>> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::webhooks_pk(planroom)))
            .key("sk", s(keys::webhook_sk(webhook)))
            .update_expression("SET previous_secret = secret, previous_until = :until, secret = :secret")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":until", n(until))
            .expression_attribute_values(":secret", s(secret))
            .return_values(ReturnValue::AllNew);
        match send("rotating a webhook's secret", || request.clone().send()).await? {
            Ok(out) => Ok(out.attributes.as_ref().and_then(endpoint)),
            Err(err) if condition_failed(&err) => Ok(None),
            Err(err) => Err(broken("rotating a webhook's secret", &err)),
        }
    }

    /// Stores a delivery unless the same event's is there already (a replay); `true` when new.
    pub async fn put_delivery(&self, planroom: &Id, delivery: &Delivery, expires_at: i64) -> Result<bool> {
        let item: Item = HashMap::from([
            ("pk".into(), s(keys::deliveries_pk(planroom, &delivery.webhook_id))),
            ("sk".into(), s(&delivery.key)),
            ("type".into(), s("webhook_delivery")),
            ("webhook_id".into(), s(&delivery.webhook_id)),
            ("message_id".into(), s(&delivery.message_id)),
            ("event".into(), s(delivery.event.as_str())),
            ("payload".into(), s(&delivery.payload)),
            ("created_at".into(), s(&delivery.created_at)),
            ("status".into(), s(delivery.status.as_str())),
            (crate::table::TTL_ATTRIBUTE.into(), n(expires_at)),
        ]);
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)");
        match send("storing a webhook delivery", || request.clone().send()).await? {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(broken("storing a webhook delivery", &err)),
        }
    }

    /// One delivery (one consistent GetItem).
    pub async fn delivery(&self, planroom: &Id, webhook: &str, key: &str) -> Result<Option<Delivery>> {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::deliveries_pk(planroom, webhook)))
            .key("sk", s(key))
            .consistent_read(true);
        let out = send_ok("reading a webhook delivery", || request.clone().send()).await?;
        Ok(out.item.as_ref().and_then(delivery))
    }

    /// Appends an attempt to a delivery and sets its status (one UpdateItem).
    pub async fn record_attempt(
        &self,
        planroom: &Id,
        webhook: &str,
        key: &str,
        attempt: &Attempt,
        status: DeliveryStatus,
    ) -> Result<()> {
        let mut entry: HashMap<String, AttributeValue> =
            HashMap::from([("at".into(), s(&attempt.at)), ("duration_ms".into(), n(attempt.duration_ms))]);
        if let Some(code) = attempt.status {
            entry.insert("status".into(), n(code));
        }
        if let Some(error) = &attempt.error {
            entry.insert("error".into(), s(error));
        }
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::deliveries_pk(planroom, webhook)))
            .key("sk", s(key))
            .update_expression(
                "SET attempts = list_append(if_not_exists(attempts, :none), :attempt), #status = :status",
            )
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":none", AttributeValue::L(Vec::new()))
            .expression_attribute_values(":attempt", AttributeValue::L(vec![AttributeValue::M(entry)]))
            .expression_attribute_values(":status", s(status.as_str()));
        match send("recording a webhook attempt", || request.clone().send()).await? {
            Ok(_) => Ok(()),
            // The delivery expired meanwhile: nothing to record it on.
            Err(err) if condition_failed(&err) => Ok(()),
            Err(err) => Err(broken("recording a webhook attempt", &err)),
        }
    }

    /// A page of an endpoint's deliveries, newest first (one Query).
    pub async fn deliveries(&self, planroom: &Id, webhook: &str, args: PageArgs) -> Result<(Vec<Delivery>, Page)> {
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::deliveries_pk(planroom, webhook)))
            .scan_index_forward(false);
        let page = page::read(query, None, args, |_| true).await?;
        Ok((page.items.iter().filter_map(delivery).collect(), page))
    }
}

fn endpoint(item: &Item) -> Option<Endpoint> {
    let events = match item.get("events") {
        Some(AttributeValue::Ss(set)) => set.iter().filter_map(|e| EventKind::parse(e)).collect(),
        _ => Vec::new(),
    };
    let previous = get_s(item, "previous_secret").map(|p| (p.to_owned(), get_n(item, "previous_until") as i64));
    Some(Endpoint {
        webhook_id: get_s(item, "webhook_id")?.to_owned(),
        url: get_s(item, "url")?.to_owned(),
        events,
        job_id: get_s(item, "job_id").map(str::to_owned),
        description: get_s(item, "description").map(str::to_owned),
        created_at: get_s(item, "created_at").unwrap_or_default().to_owned(),
        secret: get_s(item, "secret")?.to_owned(),
        previous_secret: previous,
    })
}

fn delivery(item: &Item) -> Option<Delivery> {
    let attempts = match item.get("attempts") {
        Some(AttributeValue::L(list)) => list
            .iter()
            .filter_map(|a| a.as_m().ok())
            .map(|a| Attempt {
                at: get_s(a, "at").unwrap_or_default().to_owned(),
                status: a.get("status").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()),
                error: get_s(a, "error").map(str::to_owned),
                duration_ms: get_n(a, "duration_ms"),
            })
            .collect(),
        _ => Vec::new(),
    };
    Some(Delivery {
        webhook_id: get_s(item, "webhook_id")?.to_owned(),
        message_id: get_s(item, "message_id")?.to_owned(),
        key: get_s(item, "sk")?.to_owned(),
        event: EventKind::parse(get_s(item, "event")?)?,
        payload: get_s(item, "payload").unwrap_or_default().to_owned(),
        created_at: get_s(item, "created_at").unwrap_or_default().to_owned(),
        status: DeliveryStatus::parse(get_s(item, "status").unwrap_or_default()),
        attempts,
    })
}
