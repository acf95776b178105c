//! The coverage matrix of a big bid: `bidders` bidders (four to a company) sent `files` files in
//! blasts of three, most of whom viewed most of them; then what one `GET …/coverage` costs.

use std::time::Instant;

use shared::activity::{Activity, ObjectKind};
use shared::blast::{Blast, Recipient, Target};
use shared::first_access::Source;
use shared::ids::{Id, Name};
use shared::judgement::{Confidence, Judgement};
use shared::store::{DynamoStore, JobStore, LinkJob, NewBlast};

use crate::counter::Counter;
use crate::load::{self, event, person, record_items};
use crate::{Fallible, PLANROOM};

/// Files per blast.
const FILES_PER_BLAST: usize = 3;

/// Loads the job: the job, its blasts (each to every bidder) and the bidders' views (about two
/// cells in three).
pub async fn load_job(store: &DynamoStore, job: &str, bidders: usize, files: usize) -> Fallible {
    let started = Instant::now();
    let planroom = Id::parse("planroom", PLANROOM)?;
    let job_id = Id::parse("job", job)?;
    let now = jiff::Timestamp::now();
    let registered = shared::job::Job {
        job_id: job_id.clone(),
        name: Name::parse("name", "Riverside Clinic")?,
        number: Some(Name::parse("number", "J-1042")?),
        company_id: Some(Id::parse("company", "acme")?),
        company_name: Some(Name::parse("company", "ACME")?),
        time_zone: "America/Chicago".into(),
        is_demo: false,
        bid_due_at: None,
        coverage_alert_hours: None,
        created_at: None,
    };
    store.put_job(&planroom, &registered, now).await.map_err(|e| e.chain())?;
    let recipients: Vec<Recipient> =
        (0..bidders).map(|i| Ok(Recipient { contact_id: None, individual: person(i)? })).collect::<Fallible<_>>()?;
    let link_job = LinkJob { name: "Riverside Clinic".into(), number: None, is_demo: false, time_zone: "UTC".into() };
    let blasts = files.div_ceil(FILES_PER_BLAST);
    for b in 0..blasts {
        let targets = (b * FILES_PER_BLAST..((b + 1) * FILES_PER_BLAST).min(files))
            .map(|f| {
                Ok(Target {
                    kind: ObjectKind::File,
                    id: Id::parse("file", &format!("file-{f:04}"))?,
                    name: Name::parse("name", &format!("Addendum {f}.pdf"))?,
                    action: Activity::View,
                    sha256: None,
                })
            })
            .collect::<Fallible<Vec<_>>>()?;
        let blast = Blast {
            name: Name::parse("name", &format!("Addenda {b}"))?,
            recipients: recipients.clone(),
            targets,
            sent_at: Some(shared::time::format(now)),
        };
        let new = NewBlast {
            id: &format!("b-{b:04}"),
            blast: &blast,
            created_at: &shared::time::format(now),
            links_expire_at: now.as_second() + 86_400,
            job: &link_job,
            reminder: None,
        };
        store.put_blast(&planroom, &job_id, &new).await.map_err(|e| e.chain())?;
    }
    let person_judgement = Judgement::human(Confidence::High);
    let mut items = Vec::new();
    for (i, recipient) in recipients.iter().enumerate() {
        for f in (0..files).filter(|f| (i + f) % 3 != 0) {
            let source = Source::Blast(Id::parse("blast", &format!("b-{:04}", f / FILES_PER_BLAST))?);
            let events = [event(&job_id, f, now)?];
            items.extend(record_items(&planroom, &recipient.individual, &source, &person_judgement, &events));
        }
    }
    let records = items.len();
    load::write_all(store, items).await?;
    println!(
        "loaded a bid of {bidders} bidders x {files} files: {blasts} blasts, {} recipients, {records} records in {:.1} s",
        blasts * bidders,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `GET /v1/jobs/{job}/coverage` through a dev server of its own (median of `samples`, by company
/// and by individual), then the same reads straight from the store to count requests, items and
/// read units.
pub async fn measure(sdk: &shared::store::SdkConfig, store: &DynamoStore, counter: &Counter, job: &str) -> Fallible {
    let (base, token) = crate::dev_server(sdk).await?;
    let http = reqwest::Client::new();
    for by in ["company", "individual"] {
        let mut times = Vec::new();
        let mut shape = (0, 0, 0);
        for _ in 0..7 {
            let started = Instant::now();
            let res = http.get(format!("{base}/v1/jobs/{job}/coverage?by={by}")).bearer_auth(&token).send().await?;
            let status = res.status();
            let bytes = res.bytes().await?;
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            let body: serde_json::Value = serde_json::from_slice(&bytes)?;
            if !status.is_success() {
                return Err(format!("coverage answered {status}: {body}").into());
            }
            shape = (
                body["rows"].as_array().map_or(0, Vec::len),
                body["columns"].as_array().map_or(0, Vec::len),
                bytes.len(),
            );
        }
        times.sort_by(f64::total_cmp);
        println!(
            "coverage by={by}: {} rows x {} columns, {} KB of JSON, http_ms median={:.0} min={:.0} max={:.0} (7 calls)",
            shape.0,
            shape.1,
            shape.2 / 1024,
            times[times.len() / 2],
            times[0],
            times[times.len() - 1]
        );
    }
    let planroom = Id::parse("planroom", PLANROOM)?;
    let job_id = Id::parse("job", job)?;
    counter.reset();
    let started = Instant::now();
    let (heads, members) = store.blasts_and_members(&planroom, &job_id).await.map_err(|e| e.chain())?;
    let parts =
        store.fold_records(&planroom, &job_id, None, false, || 0usize, |n, _| *n += 1).await.map_err(|e| e.chain())?;
    // Read units are billed on whole items: a record is about 650 bytes, a recipient about 250,
    // a blast head about 600 (`capture-cost` and the items above).
    let records: usize = parts.iter().sum();
    let bytes = records * 650 + members.len() * 250 + heads.len() * 600;
    println!(
        "coverage reads: dynamodb_requests={} ({}), items_read={} ({} blasts, {} recipients, {records} records), read_units~{:.0} (eventually consistent), store_ms={:.0}",
        counter.total(),
        counter.summary(),
        counter.items_read(),
        heads.len(),
        members.len(),
        bytes as f64 / 4096.0 / 2.0,
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}
