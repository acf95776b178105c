//! The log in DynamoDB: one item per event ([`crate::user_activity::log`]), written once with a
//! conditional PutItem on its key (a retry finds its row, and a stored row is never rewritten), or,
//! for events whose keys are fresh, with BatchWriteItem. An item is the event's dataset row (its
//! 33 fields) and what the service keeps besides, under attribute names no field has.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};
use jiff::Timestamp;
use serde_json::Value;

use super::retry::{self, condition_failed, item_found, send, send_ok};
use super::{DynamoStore, Item, get_bool, get_n, get_s, n, s};
use crate::first_access::Recorded;
use crate::ids::Id;
use crate::judgement::{Confidence, TakenAs};
use crate::table::TTL_ATTRIBUTE;
use crate::user_activity::FIELDS;
use crate::user_activity::log::{HitMark, LogEntry, RowKey};
use crate::user_activity::sources::{self, Action};
use crate::{Error, Result, keys, time};

/// How long a client's `event_id` sent without `occurred_at` is remembered: a retry within it is
/// answered, not counted again.
pub const EVENT_ID_RETENTION_SECONDS: i64 = 7 * 24 * 3600;

/// Where an item's hit mark says it stands: judged by the redirect already (a `HEAD`, a scanner's
/// user agent or network), or waiting for the judge.
const PENDING: &str = "pending";
const JUDGED: &str = "judged";

/// The item of `entry` in `planroom`'s log, expiring at `expires_at`.
pub fn entry_item(planroom: &Id, entry: &LogEntry, shards: u32, expires_at: i64) -> Item {
    let key = entry.row_key(planroom, shards);
    let mut item: Item = HashMap::from([
        ("pk".into(), s(key.pk)),
        ("sk".into(), s(key.sk)),
        ("type".into(), s("user_activity")),
        ("owner".into(), s(&entry.owner)),
        ("event_key".into(), s(&entry.key)),
        ("arrived_at".into(), s(time::format(entry.arrived_at))),
        (TTL_ATTRIBUTE.into(), n(expires_at)),
    ]);
    for name in FIELDS {
        let value = match entry.row.get(name) {
            Some(Value::String(v)) => s(v.clone()),
            Some(Value::Bool(v)) => AttributeValue::Bool(*v),
            Some(Value::Number(v)) => n(v),
            _ => continue,
        };
        item.insert(name.to_owned(), value);
    }
    if let Some(result) = &entry.result {
        item.insert("result_first".into(), AttributeValue::Bool(result.first));
        item.insert("result_first_at".into(), s(&result.first_at));
        item.insert("result_count".into(), n(result.count));
    }
    if let Some(hit) = &entry.hit {
        item.insert("hit".into(), s(if hit.pending { PENDING } else { JUDGED }));
        item.insert("confidence".into(), s(hit.confidence.as_str()));
        if let Some(sent_at) = hit.sent_at {
            item.insert("hit_sent_at".into(), s(time::format(sent_at)));
        }
    }
    if let Some(hit) = &entry.landing_of {
        item.insert("landing_of".into(), s(hit));
    }
    item
}

/// What a logged capture answered, from its item (`None` for an item of another kind).
pub fn entry_result(item: &Item) -> Option<Recorded> {
    let first_at = get_s(item, "result_first_at")?.to_owned();
    let automated = get_bool(item, "automated");
    Some(Recorded {
        first: get_bool(item, "result_first"),
        first_at,
        count: get_n(item, "result_count"),
        taken_as: if automated { TakenAs::Automated } else { TakenAs::Human },
        automated_reason: get_s(item, "automated_reason").map(str::to_owned),
        landing: false,
    })
}

/// A hit's mark, from its item (`None` for an item that is not a hit).
pub fn hit_mark(item: &Item) -> Option<HitMark> {
    let state = get_s(item, "hit")?;
    Some(HitMark {
        pending: state == PENDING,
        confidence: Confidence::parse(get_s(item, "confidence").unwrap_or_default()),
        sent_at: get_s(item, "hit_sent_at").and_then(|t| t.parse::<Timestamp>().ok()),
    })
}

/// The key of a stored item.
pub fn row_key_of(item: &Item) -> RowKey {
    RowKey {
        pk: get_s(item, "pk").unwrap_or_default().to_owned(),
        sk: get_s(item, "sk").unwrap_or_default().to_owned(),
    }
}

impl DynamoStore {
    /// Writes `entry` unless its row exists: `None` when written, the stored item otherwise.
    pub async fn put_entry_once(&self, planroom: &Id, entry: &LogEntry) -> Result<Option<Item>> {
        let item = entry_item(planroom, entry, self.activity.shards, self.expires_at_of(entry));
        self.mark_days(planroom, std::slice::from_ref(&item)).await?;
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match send("logging an event", || put.clone().send()).await? {
            Ok(_) => Ok(None),
            Err(err) if condition_failed(&err) => item_found(&err)
                .map(Some)
                .ok_or_else(|| Error::internal("logging an event", "a row exists but was not answered")),
            Err(err) => Err(retry::broken("logging an event", &err)),
        }
    }

    /// Writes entries whose keys are fresh (no retry can share them), 25 a request.
    pub async fn put_entries(&self, planroom: &Id, entries: &[LogEntry]) -> Result<()> {
        let items: Vec<Item> = entries
            .iter()
            .map(|entry| entry_item(planroom, entry, self.activity.shards, self.expires_at_of(entry)))
            .collect();
        self.mark_days(planroom, &items).await?;
        self.write_items(items, "logging events").await
    }

    /// The stored rows at `keys` (one strongly consistent BatchGetItem per 100; missing ones absent).
    pub async fn entries_at(&self, keys: &[RowKey]) -> Result<HashMap<RowKey, Item>> {
        let wanted = keys.iter().map(|k| (k.pk.clone(), k.sk.clone()));
        let found = self.items_at(wanted, true, None, "reading logged events").await?;
        let now = Timestamp::now().as_second();
        Ok(found
            .into_values()
            .filter(|item| !super::expired(item, now))
            .map(|item| (row_key_of(&item), item))
            .collect())
    }

    /// Remembers that the client's event `key` (sent without `occurred_at`) is logged at `row`:
    /// `None` when remembered now, the row it was logged at before otherwise (within
    /// [`EVENT_ID_RETENTION_SECONDS`]). One conditional PutItem.
    pub async fn claim_event_id(&self, planroom: &Id, key: &str, row: &RowKey) -> Result<Option<RowKey>> {
        let now = Timestamp::now().as_second();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::event_pk(planroom, key)))
            .item("sk", s(keys::EVENT_SK))
            .item("type", s("event_id"))
            .item("row_pk", s(&row.pk))
            .item("row_sk", s(&row.sk))
            .item(TTL_ATTRIBUTE, n(now + EVENT_ID_RETENTION_SECONDS))
            // An id remembered past its time is forgotten, whatever TTL has done yet.
            .condition_expression("attribute_not_exists(pk) OR #ttl <= :now")
            .expression_attribute_names("#ttl", TTL_ATTRIBUTE)
            .expression_attribute_values(":now", n(now))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match send("remembering an event id", || put.clone().send()).await? {
            Ok(_) => Ok(None),
            Err(err) if condition_failed(&err) => {
                let found = item_found(&err).unwrap_or_default();
                match (get_s(&found, "row_pk"), get_s(&found, "row_sk")) {
                    (Some(pk), Some(sk)) => Ok(Some(RowKey { pk: pk.to_owned(), sk: sk.to_owned() })),
                    _ => Err(Error::internal("remembering an event id", "a remembered id names no row")),
                }
            }
            Err(err) => Err(retry::broken("remembering an event id", &err)),
        }
    }

    /// Forgets a remembered event id (its event could not be logged after all).
    /// Points the remembered event `key` at `row` instead of `missing` (the row an earlier attempt
    /// remembered but never stored): `true` when done, `false` when another attempt moved it first.
    /// One conditional PutItem.
    pub async fn reclaim_event_id(&self, planroom: &Id, key: &str, missing: &RowKey, row: &RowKey) -> Result<bool> {
        let now = Timestamp::now().as_second();
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::event_pk(planroom, key)))
            .item("sk", s(keys::EVENT_SK))
            .item("type", s("event_id"))
            .item("row_pk", s(&row.pk))
            .item("row_sk", s(&row.sk))
            .item(TTL_ATTRIBUTE, n(now + EVENT_ID_RETENTION_SECONDS))
            .condition_expression("row_pk = :pk AND row_sk = :sk")
            .expression_attribute_values(":pk", s(&missing.pk))
            .expression_attribute_values(":sk", s(&missing.sk));
        match send("remembering an event id again", || put.clone().send()).await? {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(retry::broken("remembering an event id again", &err)),
        }
    }

    /// Forgets the remembered event `key` (its capture could not finish).
    pub async fn forget_event_id(&self, planroom: &Id, key: &str) -> Result<()> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::event_pk(planroom, key)))
            .key("sk", s(keys::EVENT_SK));
        send_ok("forgetting an event id", || delete.clone().send()).await?;
        Ok(())
    }

    /// Deletes a row this request wrote (its capture could not finish: what it did is undone).
    pub async fn remove_entry(&self, key: &RowKey) -> Result<()> {
        let delete = self.client.delete_item().table_name(&self.table).key("pk", s(&key.pk)).key("sk", s(&key.sk));
        send_ok("removing a row", || delete.clone().send()).await?;
        Ok(())
    }

    /// Logs one of the service's own write actions by `caller` (in `job`, if it is about one).
    /// Best effort: the action is done whatever happens here, so a failure is logged, not answered
    /// (a retried request would repeat the action, not just its row).
    pub async fn log_action(
        &self,
        caller: &crate::caller::Caller,
        action: &Action<'_>,
        user_agent: Option<&str>,
        job: Option<&Id>,
    ) {
        let logged = async {
            let fields = match job {
                Some(job) => self.job_fields(&caller.planroom, &[job]).await?.remove(job),
                None => None,
            };
            let entry = sources::action_entry(action, caller, Timestamp::now(), user_agent, fields.as_ref());
            self.put_entries(&caller.planroom, &[entry]).await
        };
        if let Err(err) = logged.await {
            tracing::error!(error = %err.chain(), event_name = action.event_name, "user activity row not stored");
        }
    }

    /// When a row of `entry` expires: the retention after its event.
    fn expires_at_of(&self, entry: &LogEntry) -> i64 {
        entry.time().parse::<Timestamp>().map_or(i64::MAX / 2, |at| self.activity.expires_at(at))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn an_entry_maps_to_an_item_with_its_result_and_hit_and_back() {
        let planroom = Id::parse("planroom", "p").unwrap();
        let row = json!({"event_id": "ev-1", "event_timestamp": "2026-11-26T10:00:00.000Z", "count": 1,
            "automated": true, "automated_reason": "burst", "url": null})
        .as_object()
        .cloned()
        .unwrap();
        let result = Recorded {
            first: true,
            first_at: "2026-11-26T09:00:00.000Z".into(),
            count: 3,
            taken_as: TakenAs::Automated,
            automated_reason: Some("burst".into()),
            landing: false,
        };
        let entry = LogEntry {
            row,
            owner: "ind-1".into(),
            key: "k1".into(),
            arrived_at: "2026-11-26T10:00:05Z".parse().unwrap(),
            result: Some(result.clone()),
            hit: Some(HitMark { pending: true, confidence: Confidence::Medium, sent_at: None }),
            landing_of: None,
        };
        let item = entry_item(&planroom, &entry, 8, 1_900_000_000);
        assert_eq!(get_s(&item, "sk"), Some("2026-11-26T10:00:00.000Z#k1"));
        assert!(!item.contains_key("url"), "null is not stored");
        assert_eq!(entry_result(&item), Some(result));
        let mark = hit_mark(&item).unwrap();
        assert!(mark.pending);
        assert_eq!(row_key_of(&item), entry.row_key(&planroom, 8));
        assert_eq!(get_s(&item, "arrived_at"), Some("2026-11-26T10:00:05.000Z"));
    }
}
