//! Benchmarks of a running dev server over HTTP (`make dev`, or `scripts/bench-dev.sh`, which
//! starts one of its own): first-access latency, concurrent clients, a page of the Activity tab,
//! an export end to end. Every request is a real HTTP request through the dev server, its
//! handlers and the local stand-in.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{Fallible, PLANROOM};

/// A client of the dev server at `base` with staff and user tokens of the bench planroom.
pub struct Client {
    base: String,
    http: reqwest::Client,
    staff: String,
    user: String,
}

impl Client {
    /// Tokens minted with `DEV_JWT_SECRET` (the dev server's default when unset).
    pub fn new(base: &str) -> Fallible<Client> {
        let secret = std::env::var("DEV_JWT_SECRET").unwrap_or_else(|_| "planroom-dev-secret".into());
        let auth = devserver::DevAuthorizer::new(secret.as_bytes());
        let staff = auth
            .mint(&json!({"sub": "bench-staff", "planroom_id": PLANROOM, "role": "staff", "approved": true}), 86400);
        let user = auth.mint(&json!({"sub": "bench-user", "email": "bench@user.test", "planroom_id": PLANROOM}), 86400);
        Ok(Client { base: base.trim_end_matches('/').to_owned(), http: reqwest::Client::new(), staff, user })
    }

    async fn first_access(&self, job: &str, file: &str) -> Fallible<(u16, Duration)> {
        let body = json!({"events": [{"job_id": job, "activity": "view", "object": {"kind": "file", "id": file}}]});
        let started = Instant::now();
        let res = self.http.post(format!("{}/v1/events", self.base)).bearer_auth(&self.user).json(&body).send().await?;
        let status = res.status().as_u16();
        let answer: Value = res.json().await.unwrap_or_default();
        let took = started.elapsed();
        if status == 200 && answer["results"][0]["first"] != true {
            return Err(format!("{file} was not a first access: {answer}").into());
        }
        Ok((status, took))
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(at).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// `samples` first accesses one after another (each of a new file): median and p90 latency.
pub async fn latency(base: &str, samples: usize, label: &str) -> Fallible {
    let client = Client::new(base)?;
    let job = format!("latency-{}", jiff::Timestamp::now().as_millisecond());
    let mut took = Vec::with_capacity(samples);
    for i in 0..samples {
        let (status, t) = client.first_access(&job, &format!("f-{i:05}")).await?;
        if status != 200 {
            return Err(format!("first access answered {status}").into());
        }
        took.push(t);
    }
    took.sort();
    println!(
        "http latency table={label:?} first_accesses={samples} median_ms={:.1} p90_ms={:.1} max_ms={:.1}",
        percentile(&took, 0.5),
        percentile(&took, 0.9),
        percentile(&took, 1.0)
    );
    Ok(())
}

/// `clients` clients making `total` first accesses between them as fast as they can.
pub async fn concurrent(base: &str, clients: usize, total: usize) -> Fallible {
    let client = Arc::new(Client::new(base)?);
    let job = format!("concurrent-{}", jiff::Timestamp::now().as_millisecond());
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (client, next, job) = (client.clone(), next.clone(), job.clone());
            tokio::spawn(async move {
                let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
                let mut took = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= total {
                        return (statuses, took);
                    }
                    match client.first_access(&job, &format!("f-{i:05}")).await {
                        Ok((status, t)) => {
                            *statuses.entry(status).or_default() += 1;
                            took.push(t);
                        }
                        Err(err) => {
                            eprintln!("{err}");
                            *statuses.entry(0).or_default() += 1;
                        }
                    }
                }
            })
        })
        .collect();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut took = Vec::new();
    for worker in workers {
        let (s, t) = worker.await?;
        for (status, n) in s {
            *statuses.entry(status).or_default() += n;
        }
        took.extend(t);
    }
    let seconds = started.elapsed().as_secs_f64();
    took.sort();
    println!(
        "http concurrent clients={clients} first_accesses={total} statuses={statuses:?} seconds={seconds:.1} \
         per_second={:.0} median_ms={:.1} p90_ms={:.1}",
        total as f64 / seconds,
        percentile(&took, 0.5),
        percentile(&took, 0.9)
    );
    Ok(())
}

/// The first pages of 50 of a job's Activity tab, by name and by first access.
pub async fn page(base: &str, job: &str) -> Fallible {
    let client = Client::new(base)?;
    for sort in ["name", "first_at"] {
        let mut cursor: Option<String> = None;
        for page in 1..=3 {
            let mut url = format!("{}/v1/jobs/{job}/activity/individuals?limit=50&sort={sort}", client.base);
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let started = Instant::now();
            let res = client.http.get(&url).bearer_auth(&client.staff).send().await?;
            let status = res.status().as_u16();
            let body: Value = res.json().await?;
            let millis = started.elapsed().as_secs_f64() * 1000.0;
            cursor = body["next_cursor"].as_str().map(str::to_owned);
            println!(
                "http page job={job} sort={sort} page={page} status={status} items={} ms={millis:.1}",
                body["items"].as_array().map_or(0, Vec::len)
            );
        }
    }
    Ok(())
}

/// A detailed report of `job` requested over HTTP and polled until ready: seconds end to end.
pub async fn export(base: &str, job: &str, format: &str) -> Fallible {
    let client = Client::new(base)?;
    let started = Instant::now();
    let created: Value = client
        .http
        .post(format!("{}/v1/jobs/{job}/exports", client.base))
        .bearer_auth(&client.staff)
        .json(&json!({"format": format, "report": "detailed"}))
        .send()
        .await?
        .json()
        .await?;
    let id = created["export_id"].as_str().ok_or_else(|| format!("no export: {created}"))?.to_owned();
    loop {
        let status: Value = client
            .http
            .get(format!("{}/v1/exports/{id}", client.base))
            .bearer_auth(&client.staff)
            .send()
            .await?
            .json()
            .await?;
        match status["status"].as_str() {
            Some("ready") => {
                let bytes = client.http.get(status["url"].as_str().unwrap_or_default()).send().await?.bytes().await?;
                println!(
                    "http export job={job} format={format} rows={} bytes={} downloaded={} seconds_end_to_end={:.1}",
                    status["rows"],
                    status["bytes"],
                    bytes.len(),
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            Some("pending" | "running") => tokio::time::sleep(Duration::from_millis(100)).await,
            _ => return Err(format!("export failed: {status}").into()),
        }
    }
}
