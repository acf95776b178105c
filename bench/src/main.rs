//! Benchmarks against the local AWS stand-in (`scripts/bench.sh` runs them all and prints the
//! figures recorded in BENCHMARKS.md):
//!
//! - `capture-cost`: DynamoDB requests, round trips and capacity units of every write path (captured
//!   events, their duplicates, tracked clicks and scanner hits, the judge's work included), then the
//!   cost model per million events;
//! - `http-click-latency --base URL`: a first-access click against a one-item read, through a dev server;
//! - `load --job J --individuals N --records M`: loads a job's activity directly (BatchWriteItem);
//! - `load-scanned --job J --recipients R --links L --people P`: a job e-mail scanners walked;
//! - `page-cost --job J`: items DynamoDB reads for a page of 50 of each read path of that job;
//! - `load-bid --job J --bidders B --files F`, `coverage --job J`: a bid's blasts and views, and
//!   what its coverage matrix costs (requests, items, read units, time through a dev server);
//! - `list --job J`: pages of the Activity tab through the API, with requests and read units a page;
//! - `export --job J --format csv|pdf`: generates a detailed report with the worker; rows per second
//!   and the process's peak memory;
//! - `render --rows N --format csv|pdf`: the same writers and multipart upload fed generated rows,
//!   to measure generation apart from the stand-in's reads;
//! - `load-activity --rows N`, `activity-cost --rows N`, `activity-export`: the User Activity
//!   dataset's 31-day window of N rows, what its reads cost, and its CSV export;
//! - `lake --rows N`: a year of N User Activity rows as the lake holds them: Parquet bytes per
//!   row, rows per second written, and a grouping on the local engine (time, peak memory);
//! - `lake-compact --rows N`: one day of N rows (and a tenth again as copies) compacted by the
//!   lake function (time, peak memory).

mod activity;
mod cost;
mod counter;
mod coverage;
mod http;
mod lake;
mod load;

use std::time::Instant;

use shared::store::{DynamoStore, SdkSettings};

use crate::counter::Counter;

/// The benchmarks' own table in the stand-in (`BENCH_TABLE` loads into another, e.g. the dev
/// server's for the HTTP benchmarks).
pub static TABLE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| std::env::var("BENCH_TABLE").unwrap_or_else(|_| "planroom-activity-bench".into()));
/// The benchmarks' bucket.
pub const BUCKET: &str = "planroom-activity-bench-exports";
/// The benchmarks' planroom.
pub const PLANROOM: &str = "bench";

type Fallible<T = ()> = Result<T, Box<dyn std::error::Error>>;

#[tokio::main]
async fn main() -> Fallible {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let number = |name: &str, default: usize| flag(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    let job = flag("--job").unwrap_or_else(|| "bench-job".into());
    let counter = Counter::default();
    let sdk = shared::store::aws_config_with(&SdkSettings {
        attempt_timeout: std::time::Duration::from_secs(120),
        operation_timeout: std::time::Duration::from_secs(600),
        ..SdkSettings::from_env()
    })
    .await;
    let client =
        aws_sdk_dynamodb::Client::from_conf(shared::store::dynamodb_config(&sdk).interceptor(counter.clone()).build());
    let store = DynamoStore::new(client, TABLE.as_str());
    let base = flag("--base").unwrap_or_else(|| "http://127.0.0.1:3000".into());
    let label = flag("--label").unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("http-latency") => return http::latency(&base, number("--samples", 200), &label).await,
        Some("http-concurrent") => {
            return http::concurrent(&base, number("--clients", 32), number("--total", 1500)).await;
        }
        Some("http-page") => return http::page(&base, &job).await,
        Some("http-click-latency") => return http::click_latency(&base, number("--samples", 200)).await,
        Some("http-export") => return http::export(&base, &job, flag("--format").as_deref().unwrap_or("csv")).await,
        _ => {}
    }
    shared::table::create_if_missing(&store).await.map_err(|e| e.chain())?;
    match args.first().map(String::as_str) {
        Some("capture-cost") => cost::capture_cost(&sdk).await,
        Some("load") => load::job(&store, &job, number("--individuals", 10_000), number("--records", 200_000)).await,
        Some("load-scanned") => {
            let (recipients, links, people) = (number("--recipients", 5000), number("--links", 20), number("--people", 100));
            load::scanned_job(&store, &job, recipients, links, people).await
        }
        Some("page-cost") => page_cost(&store, &counter, &job).await,
        Some("load-bid") => coverage::load_job(&store, &job, number("--bidders", 200), number("--files", 30)).await,
        Some("coverage") => coverage::measure(&sdk, &store, &counter, &job).await,
        Some("list") => list(&sdk, &store, &counter, &job).await,
        Some("export") => export(&sdk, &store, &job, flag("--format").as_deref() == Some("pdf")).await,
        Some("lake") => lake::run(&sdk, number("--rows", 1_000_000)).await,
        Some("lake-compact") => lake::compact(&sdk, &store, number("--rows", 1_000_000)).await,
        Some("load-activity") => activity::load(&store, number("--rows", 1_000_000)).await,
        Some("activity-cost") => activity::cost(&store, &counter, number("--rows", 1_000_000)).await,
        Some("activity-export") => activity::export(&sdk, &store).await,
        Some("render") => {
            render(&sdk, &store, number("--rows", 200_000), flag("--format").as_deref() == Some("pdf")).await
        }
        _ => Err("usage: bench capture-cost | load | load-scanned | page-cost | list | export | render (see the module docs)".into()),
    }
}

/// A dev server of the benchmarks' own on a free port, serving the benchmarks' table: its base
/// URL and a staff token of the benchmarks' planroom.
pub async fn dev_server(sdk: &shared::store::SdkConfig) -> Fallible<(String, String)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let settings =
        devserver::Settings { table: TABLE.to_string(), bucket: BUCKET.into(), ..devserver::Settings::from_env()? };
    let gateway = std::sync::Arc::new(devserver::gateway_with(sdk, &settings, &base)?);
    tokio::spawn(devserver::serve(listener, gateway, std::future::pending()));
    let token = devserver::DevAuthorizer::new(settings.jwt_secret.as_bytes())
        .mint(&serde_json::json!({"sub": "bench", "planroom_id": PLANROOM, "role": "staff", "approved": true}), 3600);
    Ok((base, token))
}

/// Pages of the Activity tab: HTTP time through the dev server, and the store's own requests and
/// read units for the same page.
async fn list(sdk: &shared::store::SdkConfig, store: &DynamoStore, counter: &Counter, job: &str) -> Fallible {
    let planroom = shared::ids::Id::parse("planroom", PLANROOM)?;
    let job_id = shared::ids::Id::parse("job", job)?;
    let (base, token) = dev_server(sdk).await?;
    let http = reqwest::Client::new();
    for sort in ["name", "first_at"] {
        let mut cursor: Option<String> = None;
        for page in 1..=5 {
            let mut url = format!("{base}/v1/jobs/{job}/activity/individuals?limit=50&sort={sort}");
            if let Some(c) = &cursor {
                url.push_str(&format!("&cursor={c}"));
            }
            let started = Instant::now();
            let body: serde_json::Value = http.get(&url).bearer_auth(&token).send().await?.json().await?;
            let millis = started.elapsed().as_secs_f64() * 1000.0;
            let items = body["items"].as_array().map_or(0, Vec::len);
            cursor = body["next_cursor"].as_str().map(str::to_owned);
            println!("list sort={sort} page={page} items={items} http_ms={millis:.1}");
        }
    }
    // The same first page read straight from the store, to count requests and read units: the
    // job's people's records (16 segments side by side), summarised, and what scanners did on the
    // page's people's links.
    counter.reset();
    let started = Instant::now();
    let all =
        shared::summarizing::job_summaries(store, &planroom, &job_id, None, false).await.map_err(|e| e.chain())?;
    // Read units are billed on whole items: a record is about 650 bytes (`capture-cost`).
    let bytes = counter.items_read() as usize * 650;
    let (page, _) = shared::summaries::page(all, shared::summaries::IndividualOrder::Name, false, None, 50);
    let ids: Vec<&str> = page.iter().map(|s| s.individual_id.as_str()).collect();
    store.automated_hits(&planroom, &job_id, &ids).await.map_err(|e| e.chain())?;
    println!(
        "list page of 50: dynamodb_requests={} ({}), items_read={}, record_bytes~{bytes}, read_units~{:.1} (eventually consistent), store_ms={:.0}",
        counter.total(),
        counter.summary(),
        counter.items_read(),
        load::read_units(bytes) + ids.len() as f64 * 0.5,
        started.elapsed().as_secs_f64() * 1000.0
    );
    Ok(())
}

/// Items DynamoDB reads for a page of 50 of each read path of a job (after `load-scanned`): the
/// Activity tab (people only, and with scanners), a file's accessors, and the same with scanners.
async fn page_cost(store: &DynamoStore, counter: &Counter, job: &str) -> Fallible {
    use shared::store::page::PageArgs;
    let planroom = shared::ids::Id::parse("planroom", PLANROOM)?;
    let job = shared::ids::Id::parse("job", job)?;
    let file = shared::ids::Id::parse("file", "file-0003")?;
    let page = || PageArgs { limit: 50, start: None };
    for (name, automated) in [("people", false), ("scanners", true)] {
        counter.reset();
        let got =
            shared::summarizing::job_summaries(store, &planroom, &job, None, automated).await.map_err(|e| e.chain())?;
        println!(
            "page-cost read=individuals partition={name} individuals={} items_read={} requests={}",
            got.len(),
            counter.items_read(),
            counter.total()
        );
        counter.reset();
        let got = store
            .accesses_of_object(&planroom, &job, shared::activity::ObjectKind::File, &file, automated, page())
            .await
            .map_err(|e| e.chain())?;
        println!(
            "page-cost read=file_accessors partition={name} items={} items_read={} requests={} ({})",
            got.items.len(),
            counter.items_read(),
            counter.total(),
            counter.summary()
        );
    }
    Ok(())
}

/// Feeds `rows` generated records through the report writer and the multipart upload.
async fn render(sdk: &shared::store::SdkConfig, store: &DynamoStore, rows: usize, pdf: bool) -> Fallible {
    use shared::export::{ExportRequest, Format, Report};
    let bucket = export::storage::Bucket::new(sdk, BUCKET.into(), true);
    export::storage::create_bucket_if_missing(&bucket).await.map_err(|e| e.chain())?;
    let planroom = shared::ids::Id::parse("planroom", PLANROOM)?;
    let request = ExportRequest {
        job: shared::ids::Id::parse("job", "bench-render")?,
        format: if pdf { Format::Pdf } else { Format::Csv },
        report: Report::Detailed,
        individual_id: None,
        blast_id: None,
        by: None,
        time_zone: Some("America/Chicago".into()),
        include_automated: false,
    };
    let worker = export::worker::Worker::new(store.clone(), bucket);
    let started = Instant::now();
    let outcome = worker
        .generate_synthetic(&planroom, &format!("render-{rows}"), &request, rows as u64)
        .await
        .map_err(|e| e.chain())?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "render format={} rows={rows} seconds={secs:.1} rows_per_second={:.0} outcome={outcome:?} peak_rss_kib={}",
        request.format.as_str(),
        rows as f64 / secs,
        load::peak_rss_kib()
    );
    Ok(())
}

/// Generates a detailed report of `job` with the worker, timing it, and reports peak memory.
async fn export(sdk: &shared::store::SdkConfig, store: &DynamoStore, job: &str, pdf: bool) -> Fallible {
    use shared::export::{ExportRequest, Format, Report};
    let bucket = export::storage::Bucket::new(sdk, BUCKET.into(), true);
    export::storage::create_bucket_if_missing(&bucket).await.map_err(|e| e.chain())?;
    let planroom = shared::ids::Id::parse("planroom", PLANROOM)?;
    let request = shared::export::ExportSpec::Job(ExportRequest {
        job: shared::ids::Id::parse("job", job)?,
        format: if pdf { Format::Pdf } else { Format::Csv },
        report: Report::Detailed,
        individual_id: None,
        blast_id: None,
        by: None,
        time_zone: Some("America/Chicago".into()),
        include_automated: false,
    });
    let id = shared::export::export_id(&planroom, "bench", None).map_err(|e| e.chain())?;
    let now = shared::time::now();
    store
        .create_export(&planroom, &id, &request, "bench", &now.1, now.0.as_second() + 900, now.0.as_second() + 3600)
        .await
        .map_err(|e| e.chain())?;
    let worker = export::worker::Worker::new(store.clone(), bucket);
    let started = Instant::now();
    worker.process(PLANROOM, &id).await.map_err(|e| e.chain())?;
    let secs = started.elapsed().as_secs_f64();
    let done = store.export(&planroom, &id).await.map_err(|e| e.chain())?.ok_or("export vanished")?;
    println!(
        "export format={} status={:?} rows={} bytes={} seconds={secs:.1} rows_per_second={:.0} peak_rss_kib={}",
        request.format().as_str(),
        done.status,
        done.rows,
        done.bytes,
        done.rows as f64 / secs,
        load::peak_rss_kib()
    );
    Ok(())
}
