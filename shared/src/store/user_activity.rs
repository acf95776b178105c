//! Rows of the User Activity dataset in DynamoDB: one item per row in the partition of its
//! planroom, UTC day and shard ([`crate::user_activity::partition`]), expiring by TTL. A page of a
//! window reads, day by day from the newest, every shard of the day side by side and merges them
//! newest first; a grouped read (where order does not matter) reads every day and shard side by
//! side. Nothing outside the window's days is read, and never the whole table.
//!
//! Rows are written after what they describe (BatchWriteItem, one write unit a row), keyed by
//! their event's id and the time it was first applied, so a retried event rewrites its own row.

use std::collections::{BTreeMap, HashMap, VecDeque};

use aws_sdk_dynamodb::types::AttributeValue;
use futures::{StreamExt, TryStreamExt};
use jiff::Timestamp;
use serde_json::Value;

use super::JobStore;
use super::retry;
use super::{DynamoStore, Item, get_s, n, s};
use crate::cursor::Cursor;
use crate::ids::Id;
use crate::table::TTL_ATTRIBUTE;
use crate::user_activity::partition;
use crate::user_activity::row::JobFields;
use crate::user_activity::select::{Counter, Filters, Grouping, Row};
use crate::user_activity::{FIELDS, Field, FieldKind};
use crate::{Error, Result, time};

/// Partitions a grouped read reads side by side (each answer is small: only the grouped and
/// filtered fields come back).
const PARALLEL_PARTITIONS: usize = 64;

const BATCH: usize = 25;
const PARALLEL_BATCHES: usize = 4;

/// A page of rows and where the next one starts.
#[derive(Debug, Default)]
pub struct RowPage {
    /// Newest first.
    pub rows: Vec<Row>,
    /// `None` on the last page. `key` holds the day (`d`) and, per shard `s{n}`, the sort key of
    /// the last row returned (or `""` once the shard's day is read).
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
    /// Lists the days of `items` in the planroom's day list before the rows are stored (so no
    /// stored row is ever on an unlisted day); once per day and process.
    pub(super) async fn mark_days(&self, planroom: &Id, items: &[Item]) -> Result<()> {
        let list = partition::days_pk(planroom);
        let mut days: Vec<&str> = items.iter().filter_map(|i| get_s(i, "sk")).filter_map(|sk| sk.get(..10)).collect();
        days.sort_unstable();
        days.dedup();
        let marker = |day: &str| format!("{}\0{list}\0{day}", self.table);
        let known = |day: &str| self.marked_days.lock().map(|m| m.contains(&marker(day))).unwrap_or(false);
        let new: Vec<&str> = days.into_iter().filter(|d| !known(d)).collect();
        let puts = new.iter().map(|day| {
            let start = time::parse_instant(day).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            // Listed a day longer than any row of the day is kept.
            let expires_at = self.activity.expires_at(start) + 2 * 24 * 3600;
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", s(&list))
                .item("sk", s(*day))
                .item("type", s("user_activity_day"))
                .item(TTL_ATTRIBUTE, n(expires_at));
            async move { retry::send_ok("listing a day of user activity", || put.clone().send()).await }
        });
        futures::future::try_join_all(puts).await?;
        if let Ok(mut marked) = self.marked_days.lock() {
            marked.extend(new.iter().map(|day| marker(day)));
        }
        Ok(())
    }

    /// The UTC days of `[from, to)` the planroom has rows on, newest first (one Query).
    async fn active_days(&self, planroom: &Id, from: Timestamp, to: Timestamp) -> Result<Vec<String>> {
        let window = partition::days(from, to);
        let (Some(last), Some(first)) = (window.first(), window.last()) else { return Ok(Vec::new()) };
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :first AND :last")
            .expression_attribute_values(":pk", s(partition::days_pk(planroom)))
            .expression_attribute_values(":first", s(first))
            .expression_attribute_values(":last", s(last))
            .scan_index_forward(false);
        let mut days = Vec::new();
        let mut start = None;
        loop {
            let q = query.clone().set_exclusive_start_key(start.take());
            let out = retry::send_ok("listing the days of user activity", || q.clone().send()).await?;
            days.extend(out.items.unwrap_or_default().iter().filter_map(|i| get_s(i, "sk").map(str::to_owned)));
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(days),
            }
        }
    }

    pub(super) async fn write_items(&self, items: Vec<Item>, context: &str) -> Result<()> {
        let chunks: Vec<Vec<Item>> = items.chunks(BATCH).map(<[Item]>::to_vec).collect();
        futures::stream::iter(chunks.into_iter().map(|chunk| self.write_batch(chunk, context)))
            .buffer_unordered(PARALLEL_BATCHES)
            .try_collect::<()>()
            .await
    }

    /// The row fields of `jobs` (one GetItem each, side by side); an unregistered job has only its id.
    pub async fn job_fields(&self, planroom: &Id, jobs: &[&Id]) -> Result<HashMap<Id, JobFields>> {
        let reads = jobs.iter().map(|id| async move {
            let job = self.get_job(planroom, id).await?;
            Ok::<_, Error>(((*id).clone(), JobFields::of(id, job.as_ref())))
        });
        Ok(futures::future::try_join_all(reads).await?.into_iter().collect())
    }

    /// Every row of `planroom` in `[from, to)` that passes `filters`, counted by `grouping`:
    /// every day and shard of the window read side by side (the order of rows does not matter),
    /// each item reduced to the fields the filters and groups name.
    pub async fn activity_groups(
        &self,
        planroom: &Id,
        (from, to): (Timestamp, Timestamp),
        filters: &Filters,
        grouping: &Grouping,
    ) -> Result<Counter> {
        let mut names: Vec<&'static str> = grouping.fields().iter().map(|f| f.name()).collect();
        names.extend(filters.fields().map(|f| f.name()));
        // Expired rows are gone whatever TTL has done yet: their time to live is read too.
        names.push(TTL_ATTRIBUTE);
        names.sort_unstable();
        names.dedup();
        let (low, high) = bounds(from, to);
        let shards = self.activity.shards;
        let partitions: Vec<String> = self
            .active_days(planroom, from, to)
            .await?
            .iter()
            .flat_map(|day| (0..shards).map(move |shard| partition::pk(planroom, day, shard)))
            .collect();
        let reads = partitions.into_iter().map(|pk| {
            let names = &names;
            let (low, high) = (&low, &high);
            async move {
                let mut query = self.window_query(&pk, (low, high));
                let projection: Vec<String> = (0..names.len()).map(|i| format!("#f{i}")).collect();
                for (i, name) in names.iter().enumerate() {
                    query = query.expression_attribute_names(format!("#f{i}"), *name);
                }
                if !names.is_empty() {
                    query = query.projection_expression(projection.join(", "));
                }
                let mut counter = Counter::default();
                let mut start = None;
                loop {
                    let q = query.clone().set_exclusive_start_key(start.take());
                    let out = retry::send_ok("reading user activity", || q.clone().send()).await?;
                    let now = Timestamp::now().as_second();
                    for item in out.items.unwrap_or_default().into_iter().filter(|item| !super::expired(item, now)) {
                        let row = item_row(&item);
                        if filters.matches(&row) {
                            grouping.add(&mut counter, &row);
                        }
                    }
                    match out.last_evaluated_key {
                        Some(key) => start = Some(key),
                        None => return Ok::<_, Error>(counter),
                    }
                }
            }
        });
        let counters: Vec<Counter> =
            futures::stream::iter(reads).buffer_unordered(PARALLEL_PARTITIONS).try_collect().await?;
        let mut total = Counter::default();
        for counter in counters {
            total.merge(counter);
        }
        Ok(total)
    }

    /// Stores `rows` of `planroom` (BatchWriteItem, 25 a request, a few side by side), each
    /// expiring at `expires_at` (epoch seconds). Idempotent: a row stored again replaces itself.
    pub async fn put_activity_rows(&self, planroom: &Id, rows: &[Row], shards: u32, expires_at: i64) -> Result<()> {
        let items = rows.iter().map(|row| row_item(planroom, row, shards, expires_at)).collect::<Result<Vec<_>>>()?;
        self.mark_days(planroom, &items).await?;
        self.write_items(items, "storing user activity").await
    }

    /// A page of at most `limit` rows of `planroom` with `event_timestamp` in `[from, to)` that
    /// pass `filters`, newest first, from `start` (the first page when `None`).
    ///
    /// A merge of the day's shards: each shard is read in small batches (a fair share of the page
    /// each, 1,000 items when filtering), side by side, and a row is taken only while every shard
    /// that may still hold a newer one has one in hand, so rows come newest first and each is read
    /// about once. A page stops after [`MAX_ITEMS_READ`] items read, with fewer rows and a cursor
    /// (a sparse filter over a large window never runs past the request's time).
    pub async fn activity_page(
        &self,
        planroom: &Id,
        (from, to): (Timestamp, Timestamp),
        shards: u32,
        filters: &Filters,
        limit: usize,
        start: Option<Cursor>,
    ) -> Result<RowPage> {
        let bounds = bounds(from, to);
        // The cursor names its day (`d`): days listed since (today's first rows) never shift it.
        let (resume, mut positions) = match start {
            Some(mut c) => (c.key.remove("d"), c.key),
            None => (None, BTreeMap::new()),
        };
        let mut days = self.active_days(planroom, from, to).await?;
        if let Some(resume) = &resume {
            days.retain(|d| d <= resume);
            if days.first() != Some(resume) {
                positions.clear(); // its day is gone (expired): the next day starts afresh
            }
        }
        let mut day = 0;
        // A round of batches stays well under the page's cap, so every page takes rows or moves on.
        let most = (MAX_ITEMS_READ / (2 * shards.max(1) as usize)).clamp(2, 1000);
        let batch = if filters.is_empty() { (limit.div_ceil(shards.max(1) as usize) + 1).clamp(2, most) } else { most };
        let mut rows: Vec<Row> = Vec::new();
        let mut read = 0usize;
        while day < days.len() && rows.len() < limit && read < MAX_ITEMS_READ {
            let mut reads: Vec<ShardRead> = (0..shards)
                .filter_map(|shard| {
                    let at = positions.get(&format!("s{shard}")).cloned();
                    (at.as_deref() != Some("")).then(|| ShardRead {
                        shard,
                        pk: partition::pk(planroom, &days[day], shard),
                        began: at.clone(),
                        next: at,
                        held: VecDeque::new(),
                        ended: false,
                        taken: None,
                    })
                })
                .collect();
            while rows.len() < limit {
                let empty: Vec<usize> =
                    (0..reads.len()).filter(|&i| reads[i].held.is_empty() && !reads[i].ended).collect();
                if !empty.is_empty() {
                    if read >= MAX_ITEMS_READ {
                        break; // what is held is taken on the next page
                    }
                    let batches = empty.iter().map(|&i| self.shard_batch(&reads[i], &bounds, batch));
                    for (&i, (items, last)) in empty.iter().zip(futures::future::try_join_all(batches).await?) {
                        read += items.len();
                        let shard = &mut reads[i];
                        let now = Timestamp::now().as_second();
                        for item in items.into_iter().filter(|item| !super::expired(item, now)) {
                            let sk = get_s(&item, "sk").unwrap_or_default().to_owned();
                            let row = item_row(&item);
                            if filters.matches(&row) {
                                shard.held.push_back((sk, row));
                            }
                        }
                        shard.ended = last.is_none();
                        shard.next = last.or(shard.next.take());
                    }
                    continue;
                }
                let newest = (0..reads.len())
                    .filter(|&i| !reads[i].held.is_empty())
                    .max_by(|&a, &b| reads[a].held[0].0.cmp(&reads[b].held[0].0));
                let Some(i) = newest else { break }; // every shard of the day is read
                if let Some((sk, row)) = reads[i].held.pop_front() {
                    reads[i].taken = Some(sk);
                    rows.push(row);
                }
            }
            positions.clear();
            let mut day_read = true;
            for shard in &reads {
                let at = if !shard.held.is_empty() {
                    // What it holds is read again from the last row taken.
                    shard.taken.clone().or_else(|| shard.began.clone())
                } else if shard.ended {
                    Some(String::new())
                } else {
                    shard.next.clone()
                };
                day_read &= at.as_deref() == Some("");
                if let Some(at) = at {
                    positions.insert(format!("s{}", shard.shard), at);
                }
            }
            if day_read {
                day += 1;
                positions.clear();
            } else {
                // Shards done before this page stay done.
                for shard in 0..shards {
                    if !reads.iter().any(|r| r.shard == shard) {
                        positions.insert(format!("s{shard}"), String::new());
                    }
                }
            }
        }
        let next = days.get(day).map(|d| {
            positions.insert("d".into(), d.clone());
            Cursor { phase: 0, key: positions }
        });
        Ok(RowPage { rows, next })
    }

    /// A Query of one partition's rows with sort keys in `[low, high]` (see [`bounds`]).
    fn window_query(
        &self,
        pk: &str,
        (low, high): (&str, &str),
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":low", s(low))
            .expression_attribute_values(":high", s(high))
    }

    /// One batch of a shard's day, newest first, after its position; with the sort key of the
    /// last item read when more may follow.
    async fn shard_batch(
        &self,
        read: &ShardRead,
        (low, high): &(String, String),
        batch: usize,
    ) -> Result<(Vec<Item>, Option<String>)> {
        let mut query = self
            .window_query(&read.pk, (low, high))
            .scan_index_forward(false)
            .limit(i32::try_from(batch).unwrap_or(1000));
        if let Some(after) = &read.next {
            query = query.exclusive_start_key("pk", s(&read.pk)).exclusive_start_key("sk", s(after));
        }
        let out = retry::send_ok("reading user activity", || query.clone().send()).await?;
        let last = out.last_evaluated_key.as_ref().and_then(|k| get_s(k, "sk")).map(str::to_owned);
        Ok((out.items.unwrap_or_default(), last))
    }
}

/// Most items one page reads before it answers with what it found and a cursor.
pub const MAX_ITEMS_READ: usize = 20_000;

/// Where the read of one shard's day stands within a page.
struct ShardRead {
    shard: u32,
    pk: String,
    /// The position the page started from (`None`: the newest end).
    began: Option<String>,
    /// The position the next batch starts after.
    next: Option<String>,
    /// Rows read, passing the filters, not yet taken, newest first.
    held: VecDeque<(String, Row)>,
    /// Whether the shard's day is read to its end.
    ended: bool,
    /// The sort key of the last row taken.
    taken: Option<String>,
}

/// The sort-key range of `[from, to)`: `to` is exclusive, so up to its last millisecond before,
/// any event id.
fn bounds(from: Timestamp, to: Timestamp) -> (String, String) {
    let last = to.checked_sub(jiff::SignedDuration::from_millis(1)).unwrap_or(to);
    (time::format(from), format!("{}$", time::format(last)))
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
