//! The User Activity dataset at scale: loads a planroom's 31-day window of rows directly
//! (BatchWriteItem, as the service writes them), then counts what reading it costs (requests,
//! items DynamoDB reads, read units priced from the rows' DynamoDB sizes) for a page of 100
//! unfiltered, filtered by `user_email`, grouped by `event_type`, and the CSV export of the window
//! (rows per second of wall time and of this process's own CPU time, peak memory).

use std::time::Instant;

use futures::{StreamExt, TryStreamExt};
use jiff::{SignedDuration, Timestamp};
use shared::ids::Id;
use shared::store::DynamoStore;
use shared::store::user_activity::row_item;
use shared::user_activity::device::DeviceType;
use shared::user_activity::row::{self, EventFields, JobFields, UserFields};
use shared::user_activity::select::Row;
use shared::user_activity::{EventType, Filters, Grouping};

use crate::counter::Counter;
use crate::load::{item_size, peak_rss_kib};
use crate::{BUCKET, Fallible};

/// The planroom whose rows are loaded.
pub const PLANROOM: &str = "bench-ua";
/// Users the rows are spread over (one of them is the `user_email` filter's).
const USERS: usize = 500;
/// Rows stored per call of the loader, calls side by side.
const CHUNK: usize = 2_500;

/// The window: the 31 days before 2026-11-01.
pub fn window() -> (Timestamp, Timestamp) {
    let to: Timestamp = "2026-11-01T00:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    (to - SignedDuration::from_hours(31 * 24), to)
}

/// Row `i` of `total`, spread evenly over the window (a realistic mix of categories and users).
pub fn row(i: usize, total: usize) -> Row {
    let (from, to) = window();
    let span = to.duration_since(from).as_millis() as i64;
    let at = from + SignedDuration::from_millis(span / total.max(1) as i64 * i as i64);
    let types = [
        EventType::View,
        EventType::View,
        EventType::View,
        EventType::Download,
        EventType::Download,
        EventType::Sign,
        EventType::Submit,
        EventType::Upload,
        EventType::CreateUpdate,
        EventType::Export,
    ];
    let user = i * 7919 % USERS;
    let event = EventFields {
        event_id: format!("ev-{i:08}"),
        at,
        event_type: types[i % types.len()],
        event_name: "Viewed file".into(),
        event_subtype: Some("file".into()),
        tool_name: "Documents".into(),
        object: Some(("file".into(), format!("f-{}", i % 400), Some(format!("A-{} Floor plan.pdf", i % 400)))),
        url: None,
        device_type: [DeviceType::Desktop, DeviceType::Mobile, DeviceType::Tablet, DeviceType::Api][i % 4],
        source: "login".into(),
        automated_reason: None,
    };
    let user = UserFields {
        user_id: Some(format!("sub-{user}")),
        user_email: Some(format!("user{user}@bidder{}.test", user % 40)),
        user_name: Some(format!("User {user}")),
        user_role: Some("customer".into()),
        user_type: "customer",
        company_name: Some(format!("Bidder {} Construction", user % 40)),
        ..UserFields::default()
    };
    let job = JobFields {
        job_id: format!("job-{}", i % 30),
        job_name: Some(format!("Elm Street School phase {}", i % 30)),
        job_number: Some(format!("24-{:03}", i % 30)),
        job_is_demo: Some(false),
        time_zone: Some("America/Chicago".into()),
    };
    row::build(&event, &user, Some(&job))
}

/// The average DynamoDB size of a loaded row's item, from a sample.
fn average_item_bytes(planroom: &Id, total: usize) -> Fallible<f64> {
    let sample = 1_000.min(total.max(1));
    let mut bytes = 0;
    for i in 0..sample {
        bytes += item_size(&row_item(planroom, &row(i * (total / sample).max(1), total), 8, 0).map_err(|e| e.chain())?);
    }
    Ok(bytes as f64 / sample as f64)
}

/// `bench load-activity --rows N`: stores N rows of the window.
pub async fn load(store: &DynamoStore, total: usize) -> Fallible {
    let planroom = Id::parse("planroom", PLANROOM)?;
    let started = Instant::now();
    let shards = store.activity().shards;
    let chunks = (0..total).step_by(CHUNK).map(|start| {
        let rows: Vec<Row> = (start..(start + CHUNK).min(total)).map(|i| row(i, total)).collect();
        let planroom = planroom.clone();
        async move { store.put_activity_rows(&planroom, &rows, shards, 4_000_000_000).await.map(|()| rows.len()) }
    });
    let mut stored = 0usize;
    let mut progress = futures::stream::iter(chunks).buffer_unordered(4);
    while let Some(done) = progress.try_next().await.map_err(|e| e.chain())? {
        stored += done;
        if stored % 100_000 < CHUNK {
            println!("  loaded {stored} rows ({:.0} rows/s)", stored as f64 / started.elapsed().as_secs_f64());
        }
    }
    let bytes = average_item_bytes(&planroom, total)?;
    println!(
        "load-activity rows={stored} seconds={:.0} average_item_bytes={bytes:.0} write_units_per_row={}",
        started.elapsed().as_secs_f64(),
        (bytes / 1024.0).ceil()
    );
    Ok(())
}

fn cpu_seconds() -> f64 {
    // utime and stime of /proc/self/stat, in clock ticks of 1/100 s.
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

/// `bench activity-cost --rows N`: what each read of the loaded window costs.
pub async fn cost(store: &DynamoStore, counter: &Counter, total: usize) -> Fallible {
    let planroom = Id::parse("planroom", PLANROOM)?;
    let bytes = average_item_bytes(&planroom, total)?;
    let shards = store.activity().shards;
    let report = |what: &str, rows: usize, seconds: f64| {
        let items = counter.items_read();
        // Eventually consistent: half a read unit per 4 KB read.
        let units = (items as f64 * bytes / 4096.0).ceil() / 2.0;
        println!(
            "{what}: rows={rows} requests={} ({}) items_read={items} read_units={units:.0} seconds={seconds:.2}",
            counter.total(),
            counter.summary()
        );
    };
    let pages = [
        ("page of 100, unfiltered", Filters::default()),
        (
            "page of 100, user_email filter",
            Filters::from_query([("user_email", "user7@bidder7.test")]).map_err(|e| e.chain())?,
        ),
    ];
    for (what, filters) in pages {
        counter.reset();
        let started = Instant::now();
        let page =
            store.activity_page(&planroom, window(), shards, &filters, 100, None).await.map_err(|e| e.chain())?;
        report(what, page.rows.len(), started.elapsed().as_secs_f64());
    }
    counter.reset();
    let started = Instant::now();
    let grouping = Grouping::parse("event_type").map_err(|e| e.chain())?;
    let counter_of =
        store.activity_groups(&planroom, window(), &Filters::default(), &grouping).await.map_err(|e| e.chain())?;
    let rows = counter_of.rows() as usize;
    report("group_by=event_type, whole window", rows, started.elapsed().as_secs_f64());
    Ok(())
}

/// `bench activity-export`: the CSV export of the whole window through the worker.
pub async fn export(sdk: &shared::store::SdkConfig, store: &DynamoStore) -> Fallible {
    let bucket = export::storage::Bucket::new(sdk, BUCKET.into(), true);
    export::storage::create_bucket_if_missing(&bucket).await.map_err(|e| e.chain())?;
    let planroom = Id::parse("planroom", PLANROOM)?;
    let (from, to) = window();
    let spec = shared::export::ExportSpec::UserActivity(shared::export::ActivityExport {
        source: shared::export::Source::Table,
        from: shared::time::format(from),
        to: shared::time::format(to),
        filters: None,
        fields: None,
        group_by: None,
    });
    let id = shared::export::export_id(&planroom, "bench", None).map_err(|e| e.chain())?;
    let now = shared::time::now();
    store
        .create_export(&planroom, &id, &spec, "bench", &now.1, now.0.as_second() + 900, now.0.as_second() + 3600)
        .await
        .map_err(|e| e.chain())?;
    let worker = export::worker::Worker::new(store.clone(), bucket);
    let (started, cpu) = (Instant::now(), cpu_seconds());
    worker.process(PLANROOM, &id).await.map_err(|e| e.chain())?;
    let (secs, own) = (started.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let done = store.export(&planroom, &id).await.map_err(|e| e.chain())?.ok_or("export vanished")?;
    println!(
        "activity-export status={:?} rows={} bytes={} seconds={secs:.0} rows_per_second={:.0} own_cpu_seconds={own:.1} rows_per_own_cpu_second={:.0} peak_rss_kib={}",
        done.status,
        done.rows,
        done.bytes,
        done.rows as f64 / secs,
        done.rows as f64 / own.max(0.01),
        peak_rss_kib()
    );
    Ok(())
}
