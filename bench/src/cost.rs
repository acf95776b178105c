//! What one capture costs in DynamoDB, measured through the real handlers over HTTP: the
//! requests the SDK put on the wire (by operation, counted by an interceptor) and the write units
//! of what was written, priced by DynamoDB's rules from the items as stored (1 unit per KB, 2 in a
//! transaction; each index an item is projected into is written too, 1 unit per KB).

use std::sync::Arc;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Value, json};
use shared::activity::{Activity, ObjectKind};
use shared::ids::Id;
use shared::individual::{Email, Individual};
use shared::keys;
use shared::store::DynamoStore;

use crate::counter::Counter;
use crate::load::{item_size, write_units};
use crate::{BUCKET, Fallible, TABLE};

const BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

/// One write of a scenario: the item's key, whether it is written in a transaction, and how many
/// indexes it is written to.
struct Written {
    pk: String,
    sk: String,
    transaction: bool,
    indexes: usize,
}

fn written(pk: &str, sk: &str, transaction: bool, indexes: usize) -> Written {
    Written { pk: pk.to_owned(), sk: sk.to_owned(), transaction, indexes }
}

struct Harness {
    base: String,
    http: reqwest::Client,
    store: DynamoStore,
    counter: Counter,
}

impl Harness {
    /// Runs `step`, then prints its requests and the write units of `writes`.
    async fn measure(&self, name: &str, step: reqwest::RequestBuilder, writes: &[Written]) -> Fallible<Value> {
        self.counter.reset();
        let res = step.send().await?;
        let status = res.status().as_u16();
        let body: Value = res.json().await.unwrap_or_default();
        let (requests, summary, read) = (self.counter.total(), self.counter.summary(), self.counter.items_read());
        let (mut table, mut index) = (0, 0);
        let mut sizes = Vec::new();
        for w in writes {
            let item = self
                .store
                .client()
                .get_item()
                .table_name(TABLE.as_str())
                .key("pk", AttributeValue::S(w.pk.clone()))
                .key("sk", AttributeValue::S(w.sk.clone()))
                .send()
                .await?
                .item
                .unwrap_or_default();
            let units = write_units(item_size(&item));
            table += if w.transaction { 2 * units } else { units };
            index += w.indexes * units;
            sizes.push(format!("{} {} B", w.sk.split('#').next().unwrap_or_default(), item_size(&item)));
        }
        println!(
            "cost scenario={name:?} status={status} requests={requests} ({summary}) items_read={read} table_wcu={table} index_wcu={index} items=[{}]",
            sizes.join(", ")
        );
        Ok(body)
    }
}

/// Requests and write units of a first access, a repeat, an event with an `event_id`, its
/// duplicate, a scanner's hit of a tracked link and a person's click.
pub async fn capture_cost(sdk: &shared::store::SdkConfig, store: &DynamoStore, counter: &Counter) -> Fallible {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let settings =
        devserver::Settings { table: TABLE.to_string(), bucket: BUCKET.into(), ..devserver::Settings::from_env()? };
    let gateway = Arc::new(devserver::gateway_on(store.clone(), sdk, &settings, &base)?);
    tokio::spawn(devserver::serve(listener, gateway, std::future::pending()));
    let auth = devserver::DevAuthorizer::new(settings.jwt_secret.as_bytes());
    let planroom = format!("cost-{}", jiff::Timestamp::now().as_millisecond());
    let staff = auth.mint(&json!({"sub": "s", "planroom_id": planroom, "role": "staff", "approved": true}), 3600);
    let email = "bidder@cost.test";
    let user = auth.mint(&json!({"sub": "u", "email": email, "name": "Bidder", "planroom_id": planroom}), 3600);
    let h = Harness {
        base,
        http: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?,
        store: store.clone(),
        counter: counter.clone(),
    };
    let url = |path: &str| format!("{}{path}", h.base);
    h.http
        .put(url("/v1/planroom"))
        .bearer_auth(&staff)
        .json(&json!({"base_url": "https://plans.cost.test"}))
        .send()
        .await?;
    let sent_at = shared::time::format(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1));
    let blast: Value = h
        .http
        .post(url("/v1/jobs/job-1/blasts"))
        .bearer_auth(&staff)
        .json(&json!({"name": "Addendum", "sent_at": sent_at, "recipients": [{"email": email, "name": "Bidder"}],
                      "targets": [{"kind": "file", "id": "t1", "name": "T1.pdf", "action": "view"},
                                  {"kind": "file", "id": "t2", "name": "T2.pdf", "action": "view"}]}))
        .send()
        .await?
        .json()
        .await?;
    let links: Vec<String> = blast["links"]
        .as_array()
        .ok_or("no links")?
        .iter()
        .filter_map(|l| l["url"].as_str().map(str::to_owned))
        .collect();

    let planroom_id = Id::parse("planroom", &planroom)?;
    let job = keys::job_pk(&planroom_id, &Id::parse("job", "job-1")?);
    let who = Individual::by_email(Email::parse(email)?, Default::default(), None);
    let record = |file: &str, automated: bool| {
        keys::first_access_sk(&who.id, Activity::View, ObjectKind::File, &Id::parse("f", file).expect("id"), automated)
    };
    let summary = keys::individual_sk(&who.id);
    let event = |file: &str, id: Option<&str>| {
        let mut e =
            json!({"job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": file, "name": "F.pdf"}});
        if let Some(id) = id {
            e["event_id"] = json!(id);
        }
        json!({"events": [e]})
    };
    let post = |body: Value| h.http.post(url("/v1/events")).bearer_auth(&user).json(&body);
    let people = [written(&job, &record("f1", false), true, 2), written(&job, &summary, true, 3)];
    h.measure("first access", post(event("f1", None)), &people).await?;
    h.measure("repeat", post(event("f1", None)), &people).await?;
    let log = |id: &str| written(&keys::event_pk(&planroom_id, id), keys::EVENT_SK, true, 0);
    let with_id = [written(&job, &record("f2", false), true, 2), written(&job, &summary, true, 3), log("ev-1")];
    h.measure("first access with event_id", post(event("f2", Some("ev-1"))), &with_id).await?;
    h.measure("duplicate event_id", post(event("f2", Some("ev-1"))), &[]).await?;
    let repeat_with_id = [written(&job, &record("f2", false), true, 2), written(&job, &summary, true, 3), log("ev-2")];
    h.measure("repeat with event_id", post(event("f2", Some("ev-2"))), &repeat_with_id).await?;
    let window = jiff::Timestamp::now().as_second().div_euclid(shared::store::BURST_WINDOW_SECONDS);
    let burst = written(&job, &keys::burst_sk(&who.id, window), false, 0);
    let scanner = [written(&job, &record("t1", true), true, 2), written(&job, &summary, true, 3), burst];
    h.measure("scanner hit (HEAD of a tracked link)", h.http.head(&links[0]), &scanner).await?;
    tokio::time::sleep(std::time::Duration::from_secs(shared::store::BURST_WINDOW_SECONDS as u64)).await;
    let window = jiff::Timestamp::now().as_second().div_euclid(shared::store::BURST_WINDOW_SECONDS);
    let burst = written(&job, &keys::burst_sk(&who.id, window), false, 0);
    let click = [written(&job, &record("t2", false), true, 2), written(&job, &summary, true, 3), burst];
    h.measure("tracked-link click", h.http.get(&links[1]).header("user-agent", BROWSER), &click).await?;
    Ok(())
}
