//! What one event costs in DynamoDB, measured through the real handlers over HTTP, the judge of
//! tracked-link hits included (it reads the table's stream, as on AWS): every request the SDK put
//! on the wire (an interceptor keeps them all), the round trips a caller waited for, and the
//! capacity units, priced by DynamoDB's rules from what was written and read:
//!
//! - table writes: 1 unit per KB of the item written (PutItem, BatchWriteItem: the item sent;
//!   UpdateItem: the item as it is after; DeleteItem: the item as it was), 2 per KB in a
//!   transaction, at least 1 (a write refused by its condition costs it too);
//! - index writes: each index an item is in is written when the item's entry there changes (its
//!   keys, or an attribute the index projects), 1 unit per KB of the entry, 2 writes when its keys
//!   move; an update that changes nothing an index holds writes nothing there;
//! - reads: 1 unit per 4 KB read strongly consistent, half that eventually consistent (Query: the
//!   items returned, at least one half unit a request).
//!
//! Then the cost model of BENCHMARKS.md: the measured units and requests priced at AWS's list
//! prices, per million events.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use shared::store::{DynamoStore, Item};
use shared::table::INDEXES;

use crate::counter::{Call, Counter, sequential_round_trips};
use crate::load::item_size;
use crate::{BUCKET, Fallible};

const BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/// What one scenario cost.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// Requests, by operation.
    pub requests: BTreeMap<String, u64>,
    /// Requests sent before the caller was answered.
    pub before_answer: usize,
    /// Round trips one after another before the caller was answered.
    pub sequential: usize,
    /// Table write units.
    pub table_wu: f64,
    /// Index write units.
    pub index_wu: f64,
    /// Read units.
    pub ru: f64,
}

impl Measured {
    /// All write units.
    pub fn wu(&self) -> f64 {
        self.table_wu + self.index_wu
    }

    fn total(&self) -> u64 {
        self.requests.values().sum()
    }

    fn summary(&self) -> String {
        self.requests.iter().map(|(op, n)| format!("{op}×{n}")).collect::<Vec<_>>().join(" + ")
    }
}

fn units(bytes: usize) -> f64 {
    bytes.div_ceil(1024).max(1) as f64
}

fn read_units(bytes: usize, consistent: bool) -> f64 {
    let units = bytes.div_ceil(4096).max(1) as f64;
    if consistent { units } else { units / 2.0 }
}

/// An item in DynamoDB JSON (`{"name": {"S": "…"}}`) as the SDK's type.
fn from_json(item: &Value) -> Item {
    item.as_object()
        .map(|attrs| attrs.iter().filter_map(|(name, value)| Some((name.clone(), attribute(value)?))).collect())
        .unwrap_or_default()
}

fn attribute(value: &Value) -> Option<AttributeValue> {
    let (kind, inner) = value.as_object()?.iter().next()?;
    Some(match kind.as_str() {
        "S" => AttributeValue::S(inner.as_str()?.to_owned()),
        "N" => AttributeValue::N(inner.as_str()?.to_owned()),
        "BOOL" => AttributeValue::Bool(inner.as_bool()?),
        "SS" => AttributeValue::Ss(inner.as_array()?.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect()),
        "L" => AttributeValue::L(inner.as_array()?.iter().filter_map(attribute).collect()),
        "M" => AttributeValue::M(from_json(inner)),
        _ => AttributeValue::Null(true),
    })
}

type Key = (String, String);

/// The table's items of the planroom, by key.
type Snapshot = HashMap<Key, Item>;

/// Whether the table shows what a scenario waits for.
type Settled<'a> = &'a (dyn Fn(&Snapshot) -> bool + Sync);

fn key_of(item: &Item) -> Key {
    let get = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
    (get("pk"), get("sk"))
}

fn key_of_json(key: &Value) -> Key {
    let get = |name: &str| key[name]["S"].as_str().unwrap_or_default().to_owned();
    (get("pk"), get("sk"))
}

/// An item's entry in an index (its keys and what the index projects), if it is in it.
fn index_entry(item: &Item, hash: &str, range: &str) -> Option<Item> {
    if !item.contains_key(hash) || !item.contains_key(range) {
        return None;
    }
    let projected = shared::store::records::STABLE_ATTRIBUTES;
    Some(
        item.iter()
            .filter(|(name, _)| {
                ["pk", "sk", hash, range].contains(&name.as_str()) || projected.contains(&name.as_str())
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// Prices `calls` against the table as it was `before` and is `after` them.
fn price(calls: &[Call], before: &HashMap<Key, Item>, after: &HashMap<Key, Item>, answered: Instant) -> Measured {
    let mut m = Measured::default();
    let size_at = |key: &Key| after.get(key).or_else(|| before.get(key)).map(item_size).unwrap_or(0);
    for call in calls {
        *m.requests.entry(call.operation.clone()).or_default() += 1;
        let r = &call.request;
        match call.operation.as_str() {
            "PutItem" => m.table_wu += units(item_size(&from_json(&r["Item"]))),
            "UpdateItem" | "DeleteItem" => m.table_wu += units(size_at(&key_of_json(&r["Key"]))),
            "BatchWriteItem" => {
                for requests in r["RequestItems"].as_object().into_iter().flat_map(|t| t.values()) {
                    for write in requests.as_array().into_iter().flatten() {
                        m.table_wu += units(item_size(&from_json(&write["PutRequest"]["Item"])));
                    }
                }
            }
            "TransactWriteItems" => {
                for item in r["TransactItems"].as_array().into_iter().flatten() {
                    let key = ["Put", "Update", "Delete", "ConditionCheck"]
                        .iter()
                        .find_map(|k| item.get(*k))
                        .map(|op| {
                            if op["Item"].is_object() {
                                key_of(&from_json(&op["Item"]))
                            } else {
                                key_of_json(&op["Key"])
                            }
                        })
                        .unwrap_or_default();
                    m.table_wu += 2.0 * units(size_at(&key));
                }
            }
            "GetItem" => {
                let size = call.answer["Item"].as_object().map_or(0, |_| item_size(&from_json(&call.answer["Item"])));
                m.ru += read_units(size, r["ConsistentRead"] == true);
            }
            "BatchGetItem" => {
                let consistent = r["RequestItems"]
                    .as_object()
                    .into_iter()
                    .flat_map(|t| t.values())
                    .any(|k| k["ConsistentRead"] == true);
                for items in call.answer["Responses"].as_object().into_iter().flat_map(|t| t.values()) {
                    for item in items.as_array().into_iter().flatten() {
                        m.ru += read_units(item_size(&from_json(item)), consistent);
                    }
                }
            }
            "Query" => {
                let bytes: usize =
                    call.answer["Items"].as_array().into_iter().flatten().map(|i| item_size(&from_json(i))).sum();
                m.ru += read_units(bytes, r["ConsistentRead"] == true);
            }
            _ => {}
        }
    }
    // Index entries that changed.
    let keys: std::collections::BTreeSet<&Key> = before.keys().chain(after.keys()).collect();
    for key in keys {
        let (old, new) = (before.get(key), after.get(key));
        if old == new {
            continue;
        }
        for (_, hash, range) in INDEXES {
            let old_entry = old.and_then(|i| index_entry(i, hash, range));
            let new_entry = new.and_then(|i| index_entry(i, hash, range));
            match (&old_entry, &new_entry) {
                (Some(a), Some(b)) if a == b => {}
                (Some(a), Some(b)) if a.get(hash) != b.get(hash) || a.get(range) != b.get(range) => {
                    m.index_wu += units(item_size(a)) + units(item_size(b));
                }
                (_, Some(b)) => m.index_wu += units(item_size(b)),
                (Some(a), None) => m.index_wu += units(item_size(a)),
                (None, None) => {}
            }
        }
    }
    let waited: Vec<&Call> = calls.iter().filter(|c| c.sent < answered).collect();
    m.before_answer = waited.len();
    m.sequential = sequential_round_trips(&waited);
    m
}

struct Harness {
    base: String,
    http: reqwest::Client,
    /// A client that counts nothing, to look at the table.
    plain: aws_sdk_dynamodb::Client,
    table: String,
    planroom: String,
    counter: Counter,
}

impl Harness {
    async fn snapshot(&self) -> Fallible<HashMap<Key, Item>> {
        let mut items = HashMap::new();
        let mut start = None;
        loop {
            let out = self
                .plain
                .scan()
                .table_name(&self.table)
                .filter_expression("begins_with(pk, :p)")
                .expression_attribute_values(":p", AttributeValue::S(format!("P#{}", self.planroom)))
                .set_exclusive_start_key(start)
                .send()
                .await?;
            for item in out.items.unwrap_or_default() {
                items.insert(key_of(&item), item);
            }
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// Runs `step`; then, when `settled` is given, waits until the table satisfies it (the judge's
    /// work) and a moment more; prices what happened.
    async fn measure(
        &self,
        name: &str,
        step: reqwest::RequestBuilder,
        settled: Option<Settled<'_>>,
    ) -> Fallible<(Measured, Value)> {
        let before = self.snapshot().await?;
        self.counter.reset();
        let res = step.send().await?;
        let answered = Instant::now();
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or_default();
        if let Some(settled) = settled {
            let deadline = Instant::now() + Duration::from_secs(20);
            loop {
                if settled(&self.snapshot().await?) {
                    break;
                }
                if Instant::now() > deadline {
                    return Err(format!("{name}: the judge did not record it within 20 s").into());
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        // Whatever else follows (a stream batch's last calls) has come by now.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let after = self.snapshot().await?;
        let m = price(&self.counter.recorded(), &before, &after, answered);
        println!(
            "cost scenario={name:?} status={status} requests={} ({}) before_answer={} sequential_round_trips={} \
             table_wu={} index_wu={} wu={} ru={}",
            m.total(),
            m.summary(),
            m.before_answer,
            m.sequential,
            m.table_wu,
            m.index_wu,
            m.wu(),
            m.ru
        );
        Ok((m, body))
    }
}

fn record_count(items: &HashMap<Key, Item>, sk_prefix: &str, object: &str) -> u64 {
    items
        .iter()
        .filter(|((_, sk), _)| sk.starts_with(sk_prefix) && sk.ends_with(&format!("#{object}")))
        .map(|(_, i)| i.get("count").and_then(|v| v.as_n().ok()).and_then(|n| n.parse().ok()).unwrap_or(0))
        .sum()
}

/// Requests, round trips and capacity units of every path of issue #22's table, then the cost
/// model. A table of its own (the judge reads its stream from the start).
pub async fn capture_cost(sdk: &shared::store::SdkConfig) -> Fallible {
    let table = format!("planroom-activity-cost-{}", jiff::Timestamp::now().as_millisecond());
    let counter = Counter::default();
    let client =
        aws_sdk_dynamodb::Client::from_conf(shared::store::dynamodb_config(sdk).interceptor(counter.clone()).build());
    let plain = aws_sdk_dynamodb::Client::new(sdk);
    let store = DynamoStore::new(client, &table);
    shared::table::create_if_missing(&DynamoStore::new(plain.clone(), &table)).await.map_err(|e| e.chain())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let settings =
        devserver::Settings { table: table.clone(), bucket: BUCKET.into(), ..devserver::Settings::from_env()? };
    let gateway = Arc::new(devserver::gateway_on(store.clone(), sdk, &settings, &base)?);
    tokio::spawn(devserver::serve(listener, gateway, std::future::pending()));
    // The judge reads the stream and counts through the counting client, as the functions do.
    let consumers = devserver::stream::Consumers {
        worker: export::worker::Worker::new(store.clone(), export::storage::Bucket::new(sdk, BUCKET.into(), true)),
        drainer: export::failures::Drainer::new(store.clone(), aws_sdk_dynamodbstreams::Client::new(sdk)),
        judge: redirect::judge::Judge::new(store.clone(), settings.windows),
        // The webhook outbox reads the planroom's endpoints (none here) through the counting
        // client; no bus (EventBridge's price is apart, BENCHMARKS.md).
        webhooks: webhooks::App::new(
            sdk,
            store.clone(),
            webhooks::Outlets {
                queue_url: String::new(),
                bus: String::new(),
                schedule: shared::webhook::RETRY_SECONDS.to_vec(),
                timeout: webhooks::DEFAULT_TIMEOUT,
            },
        )?,
        // The lake's ingest notes its days through the counting client (its writes are S3's).
        lake: lake::App { store: store.clone(), bucket: lake::LakeBucket::new(sdk, BUCKET.into(), true) },
    };
    let (feed_sdk, feed_table) = (sdk.clone(), table.clone());
    tokio::spawn(async move { devserver::stream::feed(&feed_sdk, &feed_table, &consumers).await });

    let auth = devserver::DevAuthorizer::new(settings.jwt_secret.as_bytes());
    let planroom = format!("cost-{}", jiff::Timestamp::now().as_millisecond());
    let staff = auth.mint(&json!({"sub": "s", "planroom_id": planroom, "role": "staff", "approved": true}), 3600);
    let email = "bidder@cost.test";
    let user = auth.mint(
        &json!({"sub": "u", "email": email, "name": "Bidder", "planroom_id": planroom, "company_id": "acme", "approved": true}),
        3600,
    );
    let h = Harness {
        base,
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?,
        plain,
        table,
        planroom: planroom.clone(),
        counter,
    };
    let url = |path: &str| format!("{}{path}", h.base);
    for (method, path, body) in [
        ("PUT", "/v1/planroom", json!({"base_url": "https://plans.cost.test"})),
        ("PUT", "/v1/jobs/job-1", json!({"name": "Cost", "company_id": "acme", "time_zone": "UTC"})),
    ] {
        let req = h.http.request(method.parse()?, url(path)).bearer_auth(&staff).json(&body);
        req.send().await?.error_for_status()?;
    }
    let sent_at = shared::time::format(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1));
    let targets: Vec<Value> = (1..=3)
        .map(|i| json!({"kind": "file", "id": format!("t{i}"), "name": format!("T{i}.pdf"), "action": "view"}))
        .collect();
    let blast: Value = h
        .http
        .post(url("/v1/jobs/job-1/blasts"))
        .bearer_auth(&staff)
        .json(&json!({"name": "Addendum", "sent_at": sent_at,
                      "recipients": [{"email": email, "name": "Bidder"}, {"email": "warm@cost.test"}],
                      "targets": targets}))
        .send()
        .await?
        .json()
        .await?;
    let link = |to: &str, target: &str| -> Fallible<String> {
        blast["links"]
            .as_array()
            .and_then(|links| links.iter().find(|l| l["email"] == to && l["target_id"] == target))
            .and_then(|l| l["url"].as_str())
            .map(str::to_owned)
            .ok_or_else(|| format!("no link of {to} to {target}").into())
    };
    let event = |file: &str, id: Option<&str>, occurred_at: Option<&str>| {
        let mut e =
            json!({"job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": file, "name": "F.pdf"}});
        if let Some(id) = id {
            e["event_id"] = json!(id);
        }
        if let Some(at) = occurred_at {
            e["occurred_at"] = json!(at);
        }
        e
    };
    let post =
        |events: Vec<Value>| h.http.post(url("/v1/events")).bearer_auth(&user).json(&json!({ "events": events }));
    // Warm-up: the day's marker of the log, the planroom's address in the redirect's cache.
    post(vec![event("warm", None, None)]).send().await?.error_for_status()?;
    h.http.get(link("warm@cost.test", "t1")?).header("user-agent", BROWSER).send().await?;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut m = BTreeMap::new();
    let now = shared::time::format(jiff::Timestamp::now());
    m.insert(
        "event: first access",
        h.measure("captured event: first access", post(vec![event("f1", None, None)]), None).await?.0,
    );
    m.insert("event: repeat", h.measure("captured event: repeat", post(vec![event("f1", None, None)]), None).await?.0);
    let keyed = vec![event("f2", Some("ev-1"), Some(&now))];
    m.insert(
        "event: first access, event_id and occurred_at",
        h.measure("captured event: first access with event_id and occurred_at", post(keyed.clone()), None).await?.0,
    );
    m.insert(
        "event: duplicate, event_id and occurred_at",
        h.measure("duplicate event_id (with occurred_at)", post(keyed), None).await?.0,
    );
    let remembered = vec![event("f3", Some("ev-2"), None)];
    m.insert(
        "event: first access, event_id alone",
        h.measure("captured event: first access with event_id, no occurred_at", post(remembered.clone()), None)
            .await?
            .0,
    );
    m.insert(
        "event: duplicate, event_id alone",
        h.measure("duplicate event_id (no occurred_at)", post(remembered), None).await?.0,
    );
    // A batch of 5, half of them first accesses (b1, b2 and half of b3's two), half repeats.
    let batch: Vec<Value> = ["b1", "b2", "b3", "b3", "f1"].iter().map(|f| event(f, None, None)).collect();
    m.insert(
        "event: batch of 5",
        h.measure("a batch of 5 events: 2.5 first accesses, 2.5 repeats", post(batch), None).await?.0,
    );

    let first_click = link(email, "t1")?;
    let counted = |object: &'static str, prefix: &'static str, n: u64| {
        move |items: &HashMap<Key, Item>| record_count(items, prefix, object) >= n
    };
    let click = |url: &str| h.http.get(url).header("user-agent", BROWSER);
    let first = counted("t1", "FA#", 1);
    m.insert(
        "click: first access",
        h.measure("tracked click: first access", click(&first_click), Some(&first)).await?.0,
    );
    let again = counted("t1", "FA#", 2);
    m.insert("click: repeat", h.measure("tracked click: repeat", click(&first_click), Some(&again)).await?.0);
    let scanned = counted("t2", "AUTO#", 1);
    let head = h.http.head(link(email, "t2")?).header("user-agent", BROWSER);
    m.insert("click: scanner (HEAD)", h.measure("scanner hit (HEAD of a tracked link)", head, Some(&scanned)).await?.0);

    model(&m);
    storage(&h.snapshot().await?);
    Ok(())
}

/// What keeping a million events for 400 days costs in DynamoDB (table, indexes, point-in-time
/// backups), from the sizes of the items the scenarios stored.
fn storage(items: &Snapshot) {
    let sizes =
        |keep: &dyn Fn(&Item) -> bool| -> Vec<usize> { items.values().filter(|i| keep(i)).map(item_size).collect() };
    let kind = |i: &Item, t: &str| i.get("type").and_then(|v| v.as_s().ok()).is_some_and(|v| v == t);
    let rows = sizes(&|i| kind(i, "user_activity"));
    let records = sizes(&|i| kind(i, "first_access"));
    let average = |v: &[usize]| v.iter().sum::<usize>() as f64 / v.len().max(1) as f64;
    let (row, record) = (average(&rows), average(&records));
    // Each item costs 100 bytes of overhead; a record is in two indexes, each entry its keys and
    // stable attributes (about the record less its moving attributes).
    let entry = record * 0.8;
    let per_event_bytes = row + 100.0 + 0.5 * (record + 100.0 + 2.0 * (entry + 100.0));
    let months = 400.0 / 30.44;
    let gb = per_event_bytes * 1e6 / 1e9;
    let (table, backups) = (gb * months * 0.25, gb * months * 0.20);
    println!(
        "storage row_bytes={row:.0} record_bytes={record:.0} bytes_per_event~{per_event_bytes:.0} (half of events first accesses) \
         per_million_events_400_days: table_and_indexes=${table:.2} point_in_time_backups=${backups:.2} total=${:.2}",
        table + backups
    );
}

/// AWS list prices (us-east-1, December 2026; the README's "Cost" names the pages).
mod prices {
    /// DynamoDB on-demand, per million write request units.
    pub const WRITE: f64 = 0.625;
    /// DynamoDB on-demand, per million read request units.
    pub const READ: f64 = 0.125;
    /// API Gateway HTTP API, per million requests (first 300 million).
    pub const HTTP_API: f64 = 1.00;
    /// CloudFront, per million HTTPS requests (North America).
    pub const CLOUDFRONT: f64 = 1.00;
    /// Lambda, per million requests.
    pub const LAMBDA_REQUEST: f64 = 0.20;
    /// Lambda on arm64, per GB-second.
    pub const LAMBDA_GB_SECOND: f64 = 0.000_013_333_4;
}

/// Lambda's price per million invocations of `mb` MB running `ms` milliseconds.
fn lambda(mb: f64, ms: f64) -> f64 {
    prices::LAMBDA_REQUEST + 1e6 * mb / 1024.0 * ms / 1000.0 * prices::LAMBDA_GB_SECOND
}

/// The cost model: per million events, from the measured units.
fn model(m: &BTreeMap<&str, Measured>) {
    let dynamo = |x: &Measured| x.wu() * prices::WRITE + x.ru * prices::READ;
    let get = |name: &str| m.get(name).cloned().unwrap_or_default();
    let (first, repeat) = (get("click: first access"), get("click: repeat"));
    let clicks_db = 0.7 * dynamo(&first) + 0.3 * dynamo(&repeat);
    // The redirect: 128 MB (the template's), ~20 ms on AWS (one write). The judge: 256 MB, ~40 ms
    // a batch; hits a batch vary with traffic.
    let redirect = lambda(128.0, 20.0);
    println!("model clicks_dynamodb_per_million={clicks_db:.3} redirect_lambda_per_million={redirect:.3}");
    for (door, price) in [
        ("function URL", 0.0),
        ("API Gateway HTTP API", prices::HTTP_API),
        ("CloudFront + function URL", prices::CLOUDFRONT),
    ] {
        for batch in [1.0, 4.0, 10.0, 20.0] {
            let judge = lambda(256.0, 40.0) / batch;
            // The judge's Query of a lone hit's window is half a unit (the harness's windows hold
            // the same person's earlier rows: one unit).
            let lone = clicks_db - (first.ru.min(repeat.ru) - 0.5).max(0.0) * prices::READ;
            println!(
                "model clicks front_door={door:?} judge_hits_per_batch={batch} per_million={:.2} (a lone hit's window: {:.2})",
                price + redirect + judge + clicks_db,
                price + redirect + judge + lone
            );
        }
    }
    let batch = get("event: batch of 5");
    let events_db = dynamo(&batch) / 5.0;
    let capture = lambda(256.0, 30.0) / 5.0;
    println!(
        "model captured_events_in_batches_of_5 dynamodb_per_million={events_db:.3} per_million_via_http_api={:.2}",
        events_db + capture + prices::HTTP_API / 5.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pairs: &[(&str, &str)]) -> Item {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), AttributeValue::S((*v).to_owned()))).collect()
    }

    #[test]
    fn an_update_that_changes_only_what_no_index_holds_writes_no_index() {
        let key = ("p".to_owned(), "FA#x".to_owned());
        let old =
            item(&[("pk", "p"), ("sk", "FA#x"), ("gsi1pk", "o"), ("gsi1sk", "i"), ("last_at", "1"), ("name", "A")]);
        let mut new = old.clone();
        new.insert("last_at".into(), AttributeValue::S("2".into()));
        let (before, after) = (HashMap::from([(key.clone(), old.clone())]), HashMap::from([(key.clone(), new)]));
        assert_eq!(price(&[], &before, &after, Instant::now()).index_wu, 0.0);
        let mut renamed = old.clone();
        renamed.insert("name".into(), AttributeValue::S("B".into()));
        let after = HashMap::from([(key.clone(), renamed)]);
        assert_eq!(price(&[], &before, &after, Instant::now()).index_wu, 1.0, "a projected attribute changed");
        let created = price(&[], &HashMap::new(), &before, Instant::now());
        assert_eq!(created.index_wu, 1.0, "a new item in one index");
    }
}
