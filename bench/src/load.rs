//! Benchmark data and cost arithmetic: loads a job's activity in bulk, and prices items by
//! DynamoDB's published rules (1 write unit per KB written, 2 in a transaction; 1 read unit per
//! 4 KB strongly consistent, half that eventually consistent).

use std::time::Instant;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use futures::{StreamExt, TryStreamExt};
use shared::activity::{Activity, ObjectKind};
use shared::event::{EventInput, ObjectRef};
use shared::first_access::{self, Capture, Source};
use shared::ids::{Id, Name};
use shared::individual::{Email, Individual};
use shared::judgement::{Confidence, Judgement};
use shared::store::records::record_item;
use shared::store::{DynamoStore, Item};

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

pub fn event(job: &Id, file: usize, at: jiff::Timestamp) -> Fallible<EventInput> {
    Ok(EventInput {
        event_id: None,
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
        at,
        client_time: false,
    })
}

/// The record items of `events` captured by `who` from `source`, as `judgement` says, each counted once.
pub fn record_items(
    planroom: &Id,
    who: &Individual,
    source: &Source,
    judgement: &Judgement,
    events: &[EventInput],
) -> Vec<Item> {
    let capture = Capture { planroom, individual: who, source, judgement, events };
    let all: Vec<usize> = (0..events.len()).collect();
    first_access::updates(&capture, &all).iter().map(|u| record_item(&capture, u, 1)).collect()
}

pub fn person(i: usize) -> Fallible<Individual> {
    Ok(Individual::by_email(
        Email::parse(&format!("person{i:05}@company{}.test", i % 50))?,
        Name::parse("name", &format!("Person {i:05}"))?,
        Some(Name::parse("company", &format!("Company {:02}", i % 50))?),
    ))
}

/// Loads `individuals` people with `records` first accesses between them into `job`.
pub async fn job(store: &DynamoStore, job: &str, individuals: usize, records: usize) -> Fallible {
    let started = Instant::now();
    let planroom = Id::parse("planroom", PLANROOM)?;
    let job = Id::parse("job", job)?;
    let per_person = records.div_ceil(individuals.max(1));
    let at = jiff::Timestamp::now();
    let person_judgement = Judgement::human(Confidence::High);
    let mut items = Vec::with_capacity(records);
    for i in 0..individuals {
        let who = person(i)?;
        let events = (0..per_person.min(records - (i * per_person).min(records)))
            .map(|f| event(&job, f, at))
            .collect::<Fallible<Vec<_>>>()?;
        items.extend(record_items(&planroom, &who, &Source::Login, &person_judgement, &events));
    }
    let total = items.len();
    write_all(store, items).await?;
    println!("loaded {total} items ({individuals} individuals) in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Loads a job that e-mail scanners walked: `recipients` recipients whose `links` links a
/// scanner opened (one automated record each), plus `people` people with `links` human first
/// accesses each.
pub async fn scanned_job(store: &DynamoStore, job: &str, recipients: usize, links: usize, people: usize) -> Fallible {
    let started = Instant::now();
    let planroom = Id::parse("planroom", PLANROOM)?;
    let job = Id::parse("job", job)?;
    let at = jiff::Timestamp::now();
    let blast = Source::Blast(Id::parse("blast", "b-scanned")?);
    let events = (0..links).map(|f| event(&job, f, at)).collect::<Fallible<Vec<_>>>()?;
    let (person_judgement, scanner) =
        (Judgement::human(Confidence::High), Judgement::automated("scanner_network", Confidence::High));
    let mut items = Vec::with_capacity((recipients + people) * links);
    for i in 0..recipients + people {
        let who = person(i)?;
        let (source, judgement) = if i < recipients { (&blast, &scanner) } else { (&Source::Login, &person_judgement) };
        items.extend(record_items(&planroom, &who, source, judgement, &events));
    }
    let total = items.len();
    write_all(store, items).await?;
    println!(
        "loaded {total} items ({recipients} scanned recipients x {links} links, {people} people) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Writes items 25 a request, 4 requests at a time.
pub async fn write_all(store: &DynamoStore, items: Vec<Item>) -> Fallible {
    let chunks: Vec<Vec<Item>> = items.chunks(25).map(<[Item]>::to_vec).collect();
    futures::stream::iter(chunks.into_iter().map(|chunk| write(store, chunk)))
        .buffer_unordered(4)
        .try_collect::<()>()
        .await
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
