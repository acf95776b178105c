//! Benchmark data and cost arithmetic: loads a job's activity in bulk, and prices items by
//! DynamoDB's published rules (1 write unit per KB written, 2 in a transaction; 1 read unit per
//! 4 KB strongly consistent, half that eventually consistent).

use std::collections::HashMap;
use std::time::Instant;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use futures::{StreamExt, TryStreamExt};
use shared::activity::{Activity, ObjectKind};
use shared::event::{EventInput, ObjectRef};
use shared::first_access::{Access, FirstAccessStore, Source};
use shared::ids::{Id, Name};
use shared::individual::{Email, Individual};
use shared::keys;
use shared::store::{DynamoStore, Item};

use crate::counter::Counter;
use crate::{Fallible, PLANROOM};

/// DynamoDB's size of an item: attribute names plus values.
pub fn item_size(item: &Item) -> usize {
    item.iter().map(|(name, value)| name.len() + value_size(value)).sum()
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(s) => s.len(),
        AttributeValue::N(n) => n.len().div_ceil(2) + 1,
        AttributeValue::Ss(ss) => ss.iter().map(String::len).sum(),
        AttributeValue::L(l) => 3 + l.iter().map(|v| 1 + value_size(v)).sum::<usize>(),
        AttributeValue::M(m) => 3 + m.iter().map(|(k, v)| 1 + k.len() + value_size(v)).sum::<usize>(),
        _ => 1,
    }
}

fn write_units(bytes: usize) -> usize {
    bytes.div_ceil(1024).max(1)
}

/// Eventually consistent read units for `bytes` read by one Query.
pub fn read_units(bytes: usize) -> f64 {
    bytes.div_ceil(4096).max(1) as f64 / 2.0
}

/// The process's peak resident memory (VmHWM), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn event(job: &Id, file: usize) -> Fallible<EventInput> {
    Ok(EventInput {
        job: job.clone(),
        activity: Activity::View,
        object: ObjectRef {
            kind: ObjectKind::File,
            id: Id::parse("file", &format!("file-{file:04}"))?,
            name: Name::parse("name", &format!("A-{file:03} Floor plan level {file}.pdf"))?,
        },
        section: Some(shared::event::SectionRef { id: Id::parse("s", "s-1")?, name: Name::parse("n", "Drawings")? }),
        url: None,
        device: Some("desktop".into()),
    })
}

fn person(i: usize) -> Fallible<Individual> {
    Ok(Individual::by_email(
        Email::parse(&format!("person{i:05}@company{}.test", i % 50))?,
        Name::parse("name", &format!("Person {i:05}"))?,
        Some(Name::parse("company", &format!("Company {:02}", i % 50))?),
    ))
}

/// Requests and write units of one first access and one repeat, through the real write path.
pub async fn capture_cost(store: &DynamoStore, counter: &Counter) -> Fallible {
    let planroom = Id::parse("planroom", PLANROOM)?;
    let job = Id::parse("job", &format!("cost-{}", jiff::Timestamp::now().as_millisecond()))?;
    let who = person(1)?;
    let event = event(&job, 1)?;
    let at = shared::time::now().1;
    let access = Access {
        planroom: &planroom,
        individual: &who,
        event: &event,
        source: &Source::Login,
        automated: None,
        at: &at,
    };
    counter.reset();
    let first = store.record(&access).await.map_err(|e| e.chain())?;
    println!("first access: first={} requests={} ({})", first.first, counter.total(), counter.summary());
    counter.reset();
    let repeat = store.record(&access).await.map_err(|e| e.chain())?;
    println!(
        "repeat: first={} count={} requests={} ({})",
        repeat.first,
        repeat.count,
        counter.total(),
        counter.summary()
    );
    let job_pk = keys::job_pk(&planroom, &job);
    let get = |sk: String| {
        store
            .client()
            .get_item()
            .table_name(store.table())
            .key("pk", AttributeValue::S(job_pk.clone()))
            .key("sk", AttributeValue::S(sk))
            .send()
    };
    let record = get(keys::first_access_sk(&who.id, Activity::View, ObjectKind::File, &event.object.id, false))
        .await?
        .item
        .unwrap_or_default();
    let summary = get(keys::individual_sk(&who.id)).await?.item.unwrap_or_default();
    let (r, s) = (write_units(item_size(&record)), write_units(item_size(&summary)));
    println!(
        "item sizes: first-access {} B, summary {} B\n\
         first access write units: table {} (failed conditional UpdateItem 1 + transaction 2×({r}+{s})), indexes {} (record in gsi1+gsi2, summary in gsi1..3)\n\
         repeat write units: table {} (UpdateItem {r} + UpdateItem {s}), indexes {}",
        item_size(&record),
        item_size(&summary),
        1 + 2 * (r + s),
        2 * r + 3 * s,
        r + s,
        2 * r + 3 * s,
    );
    Ok(())
}

/// Loads `individuals` people with `records` first accesses between them into `job`.
pub async fn job(store: &DynamoStore, job: &str, individuals: usize, records: usize) -> Fallible {
    let started = Instant::now();
    let planroom = Id::parse("planroom", PLANROOM)?;
    let job = Id::parse("job", job)?;
    let job_pk = keys::job_pk(&planroom, &job);
    let per_person = records.div_ceil(individuals.max(1));
    let at = shared::time::now().1;
    let mut items = Vec::with_capacity(records + individuals);
    for i in 0..individuals {
        let who = person(i)?;
        for f in 0..per_person.min(records - (i * per_person).min(records)) {
            let event = event(&job, f)?;
            let access = Access {
                planroom: &planroom,
                individual: &who,
                event: &event,
                source: &Source::Login,
                automated: None,
                at: &at,
            };
            let sk = keys::first_access_sk(&who.id, Activity::View, ObjectKind::File, &event.object.id, false);
            items.push(shared::store::first_access::record_item(&job_pk, &sk, &access));
        }
        items.push(summary_item(&job_pk, &who, per_person, &at));
    }
    let total = items.len();
    let chunks: Vec<Vec<Item>> = items.chunks(25).map(<[Item]>::to_vec).collect();
    futures::stream::iter(chunks.into_iter().map(|chunk| write(store, chunk)))
        .buffer_unordered(4)
        .try_collect::<()>()
        .await?;
    println!("loaded {total} items ({individuals} individuals) in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// An individual summary as the capture path leaves it after `files` first views (fixture data).
fn summary_item(job_pk: &str, who: &Individual, files: usize, at: &str) -> Item {
    let name = keys::sort_text(who.name.as_str());
    let company = who.company_name.as_ref().map(|c| keys::sort_text(c.as_str())).unwrap_or_default();
    let ind_pk = keys::individuals_gsi_pk(job_pk);
    let s = |v: String| AttributeValue::S(v);
    HashMap::from([
        ("pk".into(), s(job_pk.into())),
        ("sk".into(), s(keys::individual_sk(&who.id))),
        ("type".into(), s("individual".into())),
        ("individual_id".into(), s(who.id.clone())),
        ("name".into(), s(who.name.to_string())),
        ("email".into(), s(who.email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default())),
        ("company_name".into(), s(who.company_name.as_ref().map(ToString::to_string).unwrap_or_default())),
        ("sources".into(), AttributeValue::Ss(vec!["login".into()])),
        ("files_viewed".into(), AttributeValue::N(files.to_string())),
        ("first_at".into(), s(at.into())),
        ("last_at".into(), s(at.into())),
        ("gsi1pk".into(), s(ind_pk.clone())),
        ("gsi1sk".into(), s(format!("{name}#{}", who.id))),
        ("gsi2pk".into(), s(ind_pk.clone())),
        ("gsi2sk".into(), s(format!("{at}#{}", who.id))),
        ("gsi3pk".into(), s(ind_pk)),
        ("gsi3sk".into(), s(format!("{company}#{name}#{}", who.id))),
    ])
}

async fn write(store: &DynamoStore, items: Vec<Item>) -> Fallible {
    let mut requests: Vec<WriteRequest> = items
        .into_iter()
        .map(|item| {
            PutRequest::builder().set_item(Some(item)).build().map(|p| WriteRequest::builder().put_request(p).build())
        })
        .collect::<Result<_, _>>()?;
    while !requests.is_empty() {
        let out = store.client().batch_write_item().request_items(store.table(), requests).send().await?;
        requests = out.unprocessed_items.and_then(|mut u| u.remove(store.table())).unwrap_or_default();
    }
    Ok(())
}
