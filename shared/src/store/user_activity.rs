//! Rows of the User Activity dataset in DynamoDB (issue 11, groundwork): one item per row in the
//! partition of its planroom, UTC day and shard ([`crate::user_activity::partition`]), expiring by
//! TTL. A page of a window reads, day by day from the newest, every shard of the day side by side
//! and merges them newest first; nothing outside the window's days is read.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::Value;

use super::page::{self, PageArgs};
use super::{DynamoStore, Item, get_s, n, s};
use crate::cursor::Cursor;
use crate::ids::Id;
use crate::table::TTL_ATTRIBUTE;
use crate::user_activity::partition;
use crate::user_activity::select::{Filters, Row};
use crate::user_activity::{FIELDS, Field, FieldKind};
use crate::{Error, Result, time};

const BATCH: usize = 25;
const PARALLEL_BATCHES: usize = 4;

/// A page of rows and where the next one starts.
#[derive(Debug, Default)]
pub struct RowPage {
    /// Newest first.
    pub rows: Vec<Row>,
    /// `None` on the last page. `phase` is the day (0 = newest), `key` holds, per shard `s{n}`,
    /// the sort key of the last row returned (or `""` once the shard's day is read).
    pub next: Option<Cursor>,
}

/// The item of `row` (its `event_id` and `event_timestamp` make its key: storing it again
/// replaces it).
pub fn row_item(planroom: &Id, row: &Row, shards: u32, expires_at: i64) -> Result<Item> {
    let text = |name: &str| row.get(name).and_then(Value::as_str).filter(|v| !v.is_empty());
    let (Some(event_id), Some(at)) = (text("event_id"), text("event_timestamp")) else {
        return Err(Error::validation("a row needs its event_id and event_timestamp"));
    };
    let day = at.get(..10).ok_or_else(|| Error::validation("event_timestamp is not an RFC 3339 instant"))?;
    let mut item: Item = HashMap::from([
        ("pk".into(), s(partition::pk(planroom, day, partition::shard(event_id, shards)))),
        ("sk".into(), s(partition::sk(at, event_id))),
        ("type".into(), s("user_activity")),
        (TTL_ATTRIBUTE.into(), n(expires_at)),
    ]);
    for name in FIELDS {
        let value = match row.get(name) {
            Some(Value::String(v)) => s(v.clone()),
            Some(Value::Bool(v)) => AttributeValue::Bool(*v),
            Some(Value::Number(v)) => n(v),
            _ => continue,
        };
        item.insert(name.to_owned(), value);
    }
    Ok(item)
}

/// The row an item holds (an unknown or absent field is `null`).
pub fn item_row(item: &Item) -> Row {
    Field::all()
        .map(|field| {
            let value = match (item.get(field.name()), field.kind()) {
                (Some(AttributeValue::S(v)), _) => Value::from(v.clone()),
                (Some(AttributeValue::Bool(v)), _) => Value::from(*v),
                (Some(AttributeValue::N(v)), FieldKind::Number) => v.parse::<u64>().map_or(Value::Null, Value::from),
                _ => Value::Null,
            };
            (field.name().to_owned(), value)
        })
        .collect()
}

impl DynamoStore {
    /// Stores `rows` of `planroom` (BatchWriteItem, 25 a request, a few side by side), each
    /// expiring at `expires_at` (epoch seconds). Idempotent: a row stored again replaces itself.
    pub async fn put_activity_rows(&self, planroom: &Id, rows: &[Row], shards: u32, expires_at: i64) -> Result<()> {
        let items = rows.iter().map(|row| row_item(planroom, row, shards, expires_at)).collect::<Result<Vec<_>>>()?;
        let chunks: Vec<Vec<Item>> = items.chunks(BATCH).map(<[Item]>::to_vec).collect();
        futures::stream::iter(chunks.into_iter().map(|chunk| self.write_batch(chunk, "storing user activity")))
            .buffer_unordered(PARALLEL_BATCHES)
            .try_collect::<()>()
            .await
    }

    /// A page of at most `limit` rows of `planroom` with `event_timestamp` in `[from, to)` that
    /// pass `filters`, newest first, from `start` (the first page when `None`).
    pub async fn activity_page(
        &self,
        planroom: &Id,
        (from, to): (Timestamp, Timestamp),
        shards: u32,
        filters: &Filters,
        limit: usize,
        start: Option<Cursor>,
    ) -> Result<RowPage> {
        let days = partition::days(from, to);
        let low = time::format(from);
        // `to` is exclusive: up to its last millisecond before, any event id.
        let high = format!("{}$", time::format(to - jiff::SignedDuration::from_millis(1)));
        let (mut day, mut after) = match start {
            Some(c) => (c.phase as usize, c.key),
            None => (0, BTreeMap::new()),
        };
        let mut rows: Vec<Row> = Vec::new();
        while day < days.len() && rows.len() < limit {
            let want = limit - rows.len();
            let reads = (0..shards).filter_map(|shard| {
                let state = after.get(&format!("s{shard}")).cloned();
                if state.as_deref() == Some("") {
                    return None; // this shard's day is read
                }
                let pk = partition::pk(planroom, &days[day], shard);
                let query = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
                    .expression_attribute_values(":pk", s(pk.clone()))
                    .expression_attribute_values(":low", s(low.clone()))
                    .expression_attribute_values(":high", s(high.clone()))
                    .scan_index_forward(false);
                let start = state.map(|sk| BTreeMap::from([("pk".to_owned(), pk), ("sk".to_owned(), sk)]));
                let args = PageArgs { limit: want, start };
                Some(Box::pin(async move {
                    let read = page::read(query, None, args, |item| filters.matches(&item_row(item))).await?;
                    Ok::<_, Error>((shard, read))
                }))
            });
            let pages = futures::future::try_join_all(reads).await?;
            // Newest first across the shards: take `want`, and note where each shard stopped.
            let mut merged: Vec<(String, u32, Item)> = Vec::new();
            let mut read_of: HashMap<u32, (usize, bool)> = HashMap::new(); // rows returned, day ended
            for (shard, read) in pages {
                read_of.insert(shard, (read.items.len(), read.next.is_none()));
                for item in read.items {
                    merged.push((get_s(&item, "sk").unwrap_or_default().to_owned(), shard, item));
                }
            }
            merged.sort_by(|a, b| b.0.cmp(&a.0));
            merged.truncate(want);
            let mut taken: HashMap<u32, (usize, String)> = HashMap::new(); // rows taken, last sort key
            for (sk, shard, item) in merged {
                let entry = taken.entry(shard).or_default();
                *entry = (entry.0 + 1, sk);
                rows.push(item_row(&item));
            }
            for (shard, (returned, ended)) in read_of {
                let state = match taken.remove(&shard) {
                    Some((count, _)) if count == returned && ended => String::new(),
                    None if returned == 0 && ended => String::new(),
                    Some((_, last)) => last,
                    None => continue, // nothing of it taken: it starts where it did
                };
                after.insert(format!("s{shard}"), state);
            }
            let day_read = (0..shards).all(|shard| after.get(&format!("s{shard}")).is_some_and(String::is_empty));
            if day_read {
                day += 1;
                after.clear();
            }
        }
        let next = (day < days.len()).then_some(Cursor { phase: day as u32, key: after });
        Ok(RowPage { rows, next })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_row_round_trips_through_its_item_and_one_without_its_key_is_refused() {
        let planroom = Id::parse("planroom", "p").unwrap();
        let row: Row = json!({"event_id": "ev-1", "event_timestamp": "2026-11-26T10:00:00.000Z", "count": 1,
            "is_api": false, "user_email": "zoe@bidder.test", "url": null})
        .as_object()
        .cloned()
        .unwrap();
        let item = row_item(&planroom, &row, 8, 1_800_000_000).unwrap();
        assert_eq!(
            get_s(&item, "pk"),
            Some(partition::pk(&planroom, "2026-11-26", partition::shard("ev-1", 8)).as_str())
        );
        assert_eq!(get_s(&item, "sk"), Some("2026-11-26T10:00:00.000Z#ev-1"));
        assert!(!item.contains_key("url"), "null is not stored");
        let back = item_row(&item);
        assert_eq!(back.len(), 33);
        for (name, value) in &row {
            assert_eq!(&back[name], value, "{name}");
        }
        for bad in [
            json!({"event_timestamp": "2026-11-26T10:00:00.000Z"}),
            json!({"event_id": "ev-1"}),
            json!({"event_id": "ev-1", "event_timestamp": "2026"}),
        ] {
            let bad = bad.as_object().cloned().unwrap();
            assert!(matches!(row_item(&planroom, &bad, 8, 0), Err(Error::Validation(_))), "{bad:?}");
        }
    }
}
