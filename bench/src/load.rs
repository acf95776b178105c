//! Benchmark data and cost arithmetic: loads a job's activity in bulk, and prices items by
//! DynamoDB's published rules (1 write unit per KB written, 2 in a transaction; 1 read unit per
//! 4 KB strongly consistent, half that eventually consistent).

use std::collections::HashMap;
use std::time::Instant;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use futures::{StreamExt, TryStreamExt};
use shared::activity::{Activity, ObjectKind};
use shared::event::{EventInput, ObjectRef};
use shared::first_access::{Capture, Source};
use shared::ids::{Id, Name};
use shared::individual::{Email, Individual};
use shared::keys;
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

/// Write units of writing an item of `bytes` once (outside a transaction).
pub fn write_units(bytes: usize) -> usize {
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
    })
}

fn person(i: usize) -> Fallible<Individual> {
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
    let job_pk = keys::job_pk(&planroom, &job);
    let per_person = records.div_ceil(individuals.max(1));
    let at = shared::time::now().1;
    let mut items = Vec::with_capacity(records + individuals);
    for i in 0..individuals {
        let who = person(i)?;
        let events = (0..per_person.min(records - (i * per_person).min(records)))
            .map(|f| event(&job, f))
            .collect::<Fallible<Vec<_>>>()?;
        let capture = Capture {
            planroom: &planroom,
            individual: &who,
            source: &Source::Login,
            automated: None,
            at: &at,
            events: &events,
        };
        for (e, event) in events.iter().enumerate() {
            items.push(shared::store::first_access::record_item(&capture, e, &capture.record_key(event), 1));
        }
        items.push(summary_item(&job_pk, &who, per_person, &at, false));
    }
    let total = items.len();
    write_all(store, items).await?;
    println!("loaded {total} items ({individuals} individuals) in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Loads a job that e-mail scanners walked: `recipients` recipients whose `links` links a
/// scanner opened (one automated record each, and a summary in the scanners' partitions), plus
/// `people` people with `links` human first accesses each.
pub async fn scanned_job(store: &DynamoStore, job: &str, recipients: usize, links: usize, people: usize) -> Fallible {
    let started = Instant::now();
    let planroom = Id::parse("planroom", PLANROOM)?;
    let job = Id::parse("job", job)?;
    let job_pk = keys::job_pk(&planroom, &job);
    let at = shared::time::now().1;
    let blast = Source::Blast(Id::parse("blast", "b-scanned")?);
    let events = (0..links).map(|f| event(&job, f)).collect::<Fallible<Vec<_>>>()?;
    let mut items = Vec::with_capacity(recipients * (links + 1) + people * (links + 1));
    for i in 0..recipients + people {
        let who = person(i)?;
        let automated = (i < recipients).then_some("scanner_network");
        let source = if automated.is_some() { &blast } else { &Source::Login };
        let capture = Capture { planroom: &planroom, individual: &who, source, automated, at: &at, events: &events };
        for (e, event) in events.iter().enumerate() {
            items.push(shared::store::first_access::record_item(&capture, e, &capture.record_key(event), 1));
        }
        items.push(summary_item(&job_pk, &who, links, &at, automated.is_some()));
    }
    let total = items.len();
    write_all(store, items).await?;
    println!(
        "loaded {total} items ({recipients} scanned recipients x {links} links, {people} people) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// An individual summary as the capture path leaves it after `files` first views (fixture data),
/// by a person or (`automated`) by a scanner only.
fn summary_item(job_pk: &str, who: &Individual, files: usize, at: &str, automated: bool) -> Item {
    let company = who.company_name.as_ref().map(|c| c.as_str()).unwrap_or_default();
    let ind_pk = keys::individuals_gsi_pk(job_pk, automated);
    let s = |v: String| AttributeValue::S(v);
    let mut item: Item = HashMap::from([
        ("pk".into(), s(job_pk.into())),
        ("sk".into(), s(keys::individual_sk(&who.id))),
        ("type".into(), s("individual".into())),
        ("individual_id".into(), s(who.id.clone())),
        ("name".into(), s(who.name.to_string())),
        ("email".into(), s(who.email.as_ref().map(|e| e.as_str().to_owned()).unwrap_or_default())),
        ("company_name".into(), s(company.into())),
        ("gsi1pk".into(), s(ind_pk.clone())),
        ("gsi1sk".into(), s(keys::name_gsi_sk(who.name.as_str(), &who.id))),
        ("gsi2pk".into(), s(ind_pk.clone())),
        ("gsi2sk".into(), s(keys::first_seen_gsi_sk(at, &who.id))),
        ("gsi3pk".into(), s(ind_pk)),
        ("gsi3sk".into(), s(keys::company_gsi_sk(company, who.name.as_str(), &who.id))),
    ]);
    if automated {
        item.insert("auto_sources".into(), AttributeValue::Ss(vec!["blast:b-scanned".into()]));
        item.insert("auto_hits".into(), AttributeValue::N(files.to_string()));
        item.insert("auto_first_at".into(), s(at.into()));
        item.insert("auto_last_at".into(), s(at.into()));
    } else {
        item.insert("sources".into(), AttributeValue::Ss(vec!["login".into()]));
        item.insert("files_viewed".into(), AttributeValue::N(files.to_string()));
        item.insert("first_at".into(), s(at.into()));
        item.insert("last_at".into(), s(at.into()));
        item.insert("first_seen".into(), s(keys::first_seen_gsi_sk(at, &who.id)));
    }
    item
}

/// Writes items 25 a request, 4 requests at a time.
async fn write_all(store: &DynamoStore, items: Vec<Item>) -> Fallible {
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
