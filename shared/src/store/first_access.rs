//! Captures in DynamoDB: one consistent `BatchGetItem` of what the capture touches (its records
//! and its logged event ids), then one `TransactWriteItems` of everything the plan writes, each
//! write conditioned on what the plan read (a record it creates must not exist, one it bumps must,
//! an event it logs must not be logged yet). A transaction whose condition fails was overtaken by
//! a concurrent writer: the capture is planned again from a fresh read. The transaction carries a
//! client token, so re-sending it after a lost answer never applies it twice.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes, Put, TransactWriteItem, Update};

use super::retry::{self, send, send_ok};
use super::{DynamoStore, Item, get_bool, get_n, get_s, n, s};
use crate::first_access::{self, Capture, FirstAccessStore, ItemKey, Plan, Recorded, Stored, StoredRecord};
use crate::{Error, Result, budget, keys};

/// How long an event's id is remembered (DynamoDB's TTL removes the log entry afterwards).
pub const EVENT_ID_RETENTION_SECONDS: i64 = 7 * 24 * 3600;

/// Plans tried before giving up on a record that concurrent writers keep changing.
const MAX_PLANS: u32 = 16;

impl FirstAccessStore for DynamoStore {
    async fn record(&self, capture: &Capture<'_>) -> Result<Vec<Recorded>> {
        for attempt in 1..=MAX_PLANS {
            let stored = self.stored(capture).await?;
            let plan = first_access::plan(capture, &stored);
            if plan.is_empty() {
                return Ok(plan.results);
            }
            let items = transaction(&self.table, capture, &plan)?;
            let token = uuid::Uuid::new_v4().to_string();
            let sent = send("recording accesses", || {
                self.client
                    .transact_write_items()
                    .set_transact_items(Some(items.clone()))
                    .client_request_token(&token)
                    .send()
            })
            .await?;
            match sent {
                Ok(_) => return Ok(plan.results),
                Err(refused) => {
                    tracing::info!(attempt, why = %retry::describe(&refused), "capture overtaken by a concurrent writer; planning again");
                    let pause = retry::backoff(attempt).min(Duration::from_millis(100));
                    if budget::remaining() < pause {
                        break;
                    }
                    tokio::time::sleep(pause).await;
                }
            }
        }
        Err(retry::out_of_time("recording accesses", "concurrent writers kept changing the same records".into()))
    }
}

impl DynamoStore {
    /// The records and logged events a capture touches, read strongly consistent.
    async fn stored(&self, capture: &Capture<'_>) -> Result<Stored> {
        let mut wanted: Vec<ItemKey> = Vec::new();
        for event in capture.events {
            for key in [Some(capture.record_key(event)), capture.log_key(event)].into_iter().flatten() {
                if !wanted.contains(&key) {
                    wanted.push(key);
                }
            }
        }
        let mut stored = Stored::default();
        let now = jiff::Timestamp::now().as_second();
        // An event logged longer ago than its id is remembered is forgotten, whatever TTL has done yet.
        for item in self.get_many(&wanted).await?.into_iter().filter(|item| !super::expired(item, now)) {
            let key = ItemKey {
                pk: get_s(&item, "pk").unwrap_or_default().to_owned(),
                sk: get_s(&item, "sk").unwrap_or_default().to_owned(),
            };
            if key.sk == keys::EVENT_SK {
                let result = Recorded {
                    first: get_bool(&item, "result_first"),
                    first_at: get_s(&item, "result_first_at").unwrap_or_default().to_owned(),
                    count: get_n(&item, "result_count"),
                    // Only its own retry rewrites the row of an event: an id first used by another
                    // individual makes none (its row stays theirs).
                    at: if get_s(&item, "individual_id") == Some(capture.individual.id.as_str()) {
                        get_s(&item, "at").unwrap_or(capture.at).to_owned()
                    } else {
                        String::new()
                    },
                };
                stored.events.insert(get_s(&item, "event_id").unwrap_or_default().to_owned(), result);
            } else {
                let record = StoredRecord {
                    count: get_n(&item, "count"),
                    first_at: get_s(&item, "first_at").unwrap_or_default().to_owned(),
                };
                stored.records.insert(key, record);
            }
        }
        Ok(stored)
    }

    /// Strongly consistent reads of up to 100 items (`BatchGetItem`, unprocessed keys re-asked).
    async fn get_many(&self, wanted: &[ItemKey]) -> Result<Vec<Item>> {
        if wanted.is_empty() {
            return Ok(Vec::new());
        }
        let mut keys: Vec<Item> =
            wanted.iter().map(|k| HashMap::from([("pk".to_owned(), s(&k.pk)), ("sk".to_owned(), s(&k.sk))])).collect();
        let mut found = Vec::new();
        for attempt in 1.. {
            let request = KeysAndAttributes::builder()
                .set_keys(Some(keys))
                .consistent_read(true)
                .projection_expression(
                    "pk, sk, #count, first_at, event_id, result_first, result_first_at, result_count, #at, individual_id, #ttl",
                )
                .expression_attribute_names("#count", "count")
                .expression_attribute_names("#at", "at")
                .expression_attribute_names("#ttl", crate::table::TTL_ATTRIBUTE)
                .build()
                .map_err(|e| Error::internal("building a batch read", e))?;
            let out = send_ok("reading what a capture touches", || {
                self.client.batch_get_item().request_items(&self.table, request.clone()).send()
            })
            .await?;
            found.extend(out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default());
            keys = out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).map(|k| k.keys).unwrap_or_default();
            if keys.is_empty() {
                break;
            }
            let pause = retry::backoff(attempt);
            if budget::remaining() < pause {
                return Err(retry::out_of_time("reading what a capture touches", "reads kept being throttled".into()));
            }
            tokio::time::sleep(pause).await;
        }
        Ok(found)
    }
}

/// The plan's writes as one transaction.
fn transaction(table: &str, capture: &Capture<'_>, plan: &Plan) -> Result<Vec<TransactWriteItem>> {
    let mut items = Vec::with_capacity(plan.log.len() + plan.records.len() + plan.summaries.len());
    for entry in &plan.log {
        let put = Put::builder()
            .table_name(table)
            .set_item(Some(log_item(capture, entry.event, &entry.key, &entry.result)))
            .condition_expression("attribute_not_exists(pk) OR #ttl <= :now")
            .expression_attribute_names("#ttl", crate::table::TTL_ATTRIBUTE)
            .expression_attribute_values(":now", n(jiff::Timestamp::now().as_second()))
            .build()
            .map_err(|e| Error::internal("building an event log entry", e))?;
        items.push(TransactWriteItem::builder().put(put).build());
    }
    for record in &plan.records {
        let item = if record.create {
            let put = Put::builder()
                .table_name(table)
                .set_item(Some(record_item(capture, record.event, &record.key, record.added)))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(|e| Error::internal("building a first-access record", e))?;
            TransactWriteItem::builder().put(put).build()
        } else {
            let update = Update::builder()
                .table_name(table)
                .key("pk", s(&record.key.pk))
                .key("sk", s(&record.key.sk))
                .update_expression("SET last_at = :at ADD #count :n")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_names("#count", "count")
                .expression_attribute_values(":at", s(capture.at))
                .expression_attribute_values(":n", n(record.added))
                .build()
                .map_err(|e| Error::internal("building a first-access bump", e))?;
            TransactWriteItem::builder().update(update).build()
        };
        items.push(item);
    }
    for summary in &plan.summaries {
        items.push(TransactWriteItem::builder().update(summary_update(table, capture, summary)?).build());
    }
    Ok(items)
}

/// The log entry of an event with a client id: enough to answer a retry and to audit it.
fn log_item(capture: &Capture<'_>, event: usize, key: &ItemKey, result: &Recorded) -> Item {
    let e = &capture.events[event];
    let expires_at = jiff::Timestamp::now().as_second() + EVENT_ID_RETENTION_SECONDS;
    HashMap::from([
        ("pk".into(), s(&key.pk)),
        ("sk".into(), s(&key.sk)),
        ("type".into(), s("event")),
        ("event_id".into(), s(e.event_id.as_ref().map(|id| id.as_str()).unwrap_or_default())),
        ("planroom_id".into(), s(capture.planroom.as_str())),
        ("job_id".into(), s(e.job.as_str())),
        ("individual_id".into(), s(&capture.individual.id)),
        ("activity".into(), s(e.activity.as_str())),
        ("object_kind".into(), s(e.object.kind.as_str())),
        ("object_id".into(), s(e.object.id.as_str())),
        ("source".into(), s(capture.source.as_stored())),
        ("automated".into(), AttributeValue::Bool(capture.automated.is_some())),
        ("at".into(), s(capture.at)),
        ("result_first".into(), AttributeValue::Bool(result.first)),
        ("result_first_at".into(), s(&result.first_at)),
        ("result_count".into(), n(result.count)),
        (crate::table::TTL_ATTRIBUTE.into(), n(expires_at)),
    ])
}

/// A first-access record as first written, counting `count` accesses (benchmarks load data with
/// it too). Automated records sit in index partitions of their own.
pub fn record_item(capture: &Capture<'_>, event: usize, key: &ItemKey, count: u64) -> Item {
    let e = &capture.events[event];
    let who = capture.individual;
    let automated = capture.automated.is_some();
    let mut item: Item = HashMap::from([
        ("pk".into(), s(&key.pk)),
        ("sk".into(), s(&key.sk)),
        ("type".into(), s("first_access")),
        ("planroom_id".into(), s(capture.planroom.as_str())),
        ("job_id".into(), s(e.job.as_str())),
        ("individual_id".into(), s(&who.id)),
        ("name".into(), s(who.name.as_str())),
        ("activity".into(), s(e.activity.as_str())),
        ("object_kind".into(), s(e.object.kind.as_str())),
        ("object_id".into(), s(e.object.id.as_str())),
        ("object_name".into(), s(e.object.name.as_str())),
        ("source".into(), s(capture.source.as_stored())),
        ("first_at".into(), s(capture.at)),
        ("last_at".into(), s(capture.at)),
        ("count".into(), n(count)),
        ("automated".into(), AttributeValue::Bool(automated)),
        ("gsi1pk".into(), s(keys::object_gsi_pk(&key.pk, e.object.kind, &e.object.id, automated))),
        ("gsi1sk".into(), s(keys::object_gsi_sk(&who.id, e.activity))),
        ("gsi2pk".into(), s(keys::audit_gsi_pk(capture.planroom, capture.at, automated))),
        ("gsi2sk".into(), s(keys::audit_gsi_sk(capture.at, &key.pk, &key.sk))),
    ]);
    let optional = [
        ("email", who.email.as_ref().map(|e| e.as_str())),
        ("company_name", who.company_name.as_ref().map(|c| c.as_str())),
        ("section_id", e.section.as_ref().map(|x| x.id.as_str())),
        ("section_name", e.section.as_ref().map(|x| x.name.as_str())),
        ("url", e.url.as_deref()),
        ("device", e.device.as_deref()),
        ("automated_reason", capture.automated),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            item.insert(name.into(), s(value));
        }
    }
    item
}

/// The update of an individual's summary in one job: identity, sources, first and last seen, and
/// the distinct-object counters of the capture's new records. A person with a human access sits
/// in the job's individuals partitions, sorted by their first *human* access; one only scanners
/// touched sits in the automated partitions until a human access moves them.
fn summary_update(table: &str, capture: &Capture<'_>, summary: &first_access::SummaryWrite) -> Result<Update> {
    let who = capture.individual;
    let automated = capture.automated.is_some();
    let at = capture.at;
    let mut names = HashMap::from([("#type".to_owned(), "type".to_owned()), ("#name".to_owned(), "name".to_owned())]);
    let mut values: HashMap<String, AttributeValue> = HashMap::from([
        (":type".into(), s("individual")),
        (":ind".into(), s(&who.id)),
        (":name".into(), s(who.name.as_str())),
        (":at".into(), s(at)),
        (":src".into(), AttributeValue::Ss(vec![capture.source.as_stored()])),
        (":gpk".into(), s(keys::individuals_gsi_pk(&summary.key.pk, automated))),
        (":g1sk".into(), s(keys::name_gsi_sk(who.name.as_str(), &who.id))),
        (":g2sk".into(), s(keys::first_seen_gsi_sk(at, &who.id))),
        (
            ":g3sk".into(),
            s(keys::company_gsi_sk(
                who.company_name.as_ref().map(|c| c.as_str()).unwrap_or_default(),
                who.name.as_str(),
                &who.id,
            )),
        ),
    ]);
    // A name we do not know (an empty claim) never erases one we do.
    let keep_known = who.name.as_str().is_empty();
    let name_value = |attr: &str, value: &str| {
        if keep_known { format!("if_not_exists({attr}, {value})") } else { value.to_owned() }
    };
    let mut set = vec![
        "#type = :type".to_owned(),
        "individual_id = :ind".to_owned(),
        format!("#name = {}", name_value("#name", ":name")),
    ];
    if automated {
        // Never moves a person out of the people's partitions, never touches their human times.
        set.extend([
            "gsi1pk = if_not_exists(gsi1pk, :gpk)".to_owned(),
            "gsi2pk = if_not_exists(gsi2pk, :gpk)".into(),
            "gsi3pk = if_not_exists(gsi3pk, :gpk)".into(),
            "gsi1sk = if_not_exists(gsi1sk, :g1sk)".into(),
            "gsi2sk = if_not_exists(gsi2sk, :g2sk)".into(),
            "gsi3sk = if_not_exists(gsi3sk, :g3sk)".into(),
            "auto_first_at = if_not_exists(auto_first_at, :at)".into(),
            "auto_last_at = :at".into(),
        ]);
    } else {
        set.extend([
            "gsi1pk = :gpk".to_owned(),
            "gsi2pk = :gpk".into(),
            "gsi3pk = :gpk".into(),
            format!("gsi1sk = {}", name_value("gsi1sk", ":g1sk")),
            format!("gsi3sk = {}", name_value("gsi3sk", ":g3sk")),
            // Sorted by the first human access, whatever scanners did before.
            "gsi2sk = if_not_exists(first_seen, :g2sk)".into(),
            "first_seen = if_not_exists(first_seen, :g2sk)".into(),
            "first_at = if_not_exists(first_at, :at)".into(),
            "last_at = :at".into(),
        ]);
    }
    if let Some(email) = &who.email {
        values.insert(":email".into(), s(email.as_str()));
        set.push("email = :email".into());
    }
    if let Some(company) = &who.company_name {
        values.insert(":company".into(), s(company.as_str()));
        set.push("company_name = :company".into());
    }
    let mut add = if automated {
        values.insert(":n".into(), n(summary.accesses));
        vec!["auto_sources :src".to_owned(), "auto_hits :n".to_owned()]
    } else {
        vec!["sources :src".to_owned()]
    };
    for (i, (counter, by)) in summary.counters.iter().enumerate() {
        names.insert(format!("#c{i}"), (*counter).to_owned());
        values.insert(format!(":c{i}"), n(by));
        add.push(format!("#c{i} :c{i}"));
    }
    Update::builder()
        .table_name(table)
        .key("pk", s(&summary.key.pk))
        .key("sk", s(&summary.key.sk))
        .update_expression(format!("SET {} ADD {}", set.join(", "), add.join(", ")))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(|e| Error::internal("building a summary update", e))
}
