//! The lake at scale (`bench lake --rows N`): a year of one planroom's User Activity rows (the
//! mix of `bench load-activity`), written as the lake writes them, then grouped by the local
//! engine (DataFusion, as the dev server runs lake queries). Prints the Parquet bytes per row of
//! a compacted day and of a stream batch, the rows per second the writer encodes and the rows
//! per second written through the stand-in's S3, and the grouping's time and the process's peak
//! memory (run each size in a process of its own). `bench lake-compact --rows N`: one busy day
//! compacted by the lake function (time, peak memory).

use std::time::Instant;

use jiff::{SignedDuration, Timestamp};
use object_store::memory::InMemory;
use serde_json::Value;
use shared::ids::Id;
use shared::lake::columns::{self, RECORDED_AT};
use shared::lake::layout::{self, FileKind};
use shared::lake::parquet_rows::{self, Cells};
use shared::lake::query::QueryInput;

use crate::activity;
use crate::load::peak_rss_kib;
use crate::{BUCKET, Fallible};

/// The benchmark's planroom.
const PLANROOM: &str = "bench-lake";

/// Row `i` of `total`, spread evenly over 2026.
fn cells(i: usize, total: usize) -> Cells {
    let start: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap_or(Timestamp::UNIX_EPOCH);
    let year = SignedDuration::from_hours(365 * 24).as_millis() as i64;
    let at = start + SignedDuration::from_millis(year / total.max(1) as i64 * i as i64);
    let mut row = activity::row(i, total);
    // Event ids as the service makes them: 32 hex characters, as random as a digest (they are
    // most of what does not compress).
    row.insert("event_id".into(), Value::from(format!("{:016x}{:016x}", mix(i as u64), mix(!(i as u64)))));
    let at = shared::time::format(at);
    row.insert("event_date".into(), Value::from(at[..10].to_owned()));
    row.insert("event_timestamp".into(), Value::from(at.clone()));
    columns::table()
        .iter()
        .map(|c| match c.name.as_str() {
            RECORDED_AT => Value::from(at.clone()),
            name => row.get(name).cloned().unwrap_or(Value::Null),
        })
        .collect()
}

/// SplitMix64's finaliser: a well-spread 64-bit value of `x`.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `bench lake --rows N`.
pub async fn run(sdk: &shared::store::SdkConfig, total: usize) -> Fallible {
    let planroom = Id::parse("planroom", PLANROOM)?;
    let table = columns::table();
    // A stream batch's file: the size of the batches the event source hands over.
    for batch in [1_000, 10_000] {
        let rows: Vec<Cells> = (0..batch).map(|i| cells(i * 97 % total.max(1), total)).collect();
        let bytes = parquet_rows::write(&table, &rows).map_err(|e| e.chain())?;
        println!(
            "lake-batch rows={batch} bytes={} bytes_per_row={:.1}",
            bytes.len(),
            bytes.len() as f64 / batch as f64
        );
    }
    // Every day compacted into one file, encoded and placed in memory for the engine.
    let store = InMemory::new();
    let (mut encoded, mut bytes_total, mut files) = (std::time::Duration::ZERO, 0usize, 0usize);
    let mut day_rows: Vec<Cells> = Vec::new();
    let mut day = String::new();
    let mut flush = |rows: &mut Vec<Cells>, day: &str| -> Fallible<Option<(String, Vec<u8>)>> {
        if rows.is_empty() {
            return Ok(None);
        }
        let started = Instant::now();
        let body = parquet_rows::write(&table, rows).map_err(|e| e.chain())?;
        encoded += started.elapsed();
        bytes_total += body.len();
        files += 1;
        rows.clear();
        Ok(Some((layout::file_key(&planroom, day, FileKind::Day, &[day]), body)))
    };
    for i in 0..total {
        let row = cells(i, total);
        let row_day = row[2].as_str().unwrap_or_default().to_owned();
        if row_day != day {
            if let Some((key, body)) = flush(&mut day_rows, &day)? {
                devserver::lake_engine::place(&store, &key, body.into()).await.map_err(|e| e.chain())?;
            }
            day = row_day;
        }
        day_rows.push(row);
    }
    if let Some((key, body)) = flush(&mut day_rows, &day)? {
        devserver::lake_engine::place(&store, &key, body.into()).await.map_err(|e| e.chain())?;
    }
    println!(
        "lake-days rows={total} files={files} parquet_bytes={bytes_total} bytes_per_row={:.1} encode_rows_per_second={:.0}",
        bytes_total as f64 / total as f64,
        total as f64 / encoded.as_secs_f64()
    );
    // Rows per second into the stand-in's S3 as the lake function writes a stream batch (10,000
    // rows a file, four at a time).
    let bucket = lake::LakeBucket::new(sdk, BUCKET.into(), true);
    let _ = bucket.client().create_bucket().bucket(BUCKET).send().await;
    let through = 100_000.min(total);
    let started = Instant::now();
    let puts = (0..through).step_by(10_000).map(|start| {
        let (bucket, table, planroom) = (&bucket, &table, &planroom);
        async move {
            let rows: Vec<Cells> = (start..(start + 10_000).min(through)).map(|i| cells(i, total)).collect();
            let ids: Vec<&str> = rows.iter().filter_map(|r| r[0].as_str()).collect();
            let key = layout::file_key(planroom, "2026-01-01", FileKind::Ingest, &ids);
            bucket.put(&key, parquet_rows::write(table, &rows)?).await
        }
    });
    futures::future::try_join_all(puts).await.map_err(|e| e.chain())?;
    println!(
        "lake-ingest rows={through} rows_per_second={:.0} (encode and PutObject to the stand-in)",
        through as f64 / started.elapsed().as_secs_f64()
    );
    // "Views and downloads per company and category this year, with distinct users".
    let query: QueryInput = serde_json::from_value(serde_json::json!({
        "from": "2026-01-01", "to": "2027-01-01",
        "filters": {"event_type": {"not": ["Export"]}},
        "group_by": ["company_name", "event_type"], "distinct": ["user_email"]
    }))?;
    let query = query.validate().map_err(|e| e.chain())?;
    let (sql, params) = query.sql(&planroom);
    let rss_before = peak_rss_kib();
    let started = Instant::now();
    let answer =
        devserver::lake_engine::run_over(store, &sql, &params, &query.columns()).await.map_err(|e| e.chain())?;
    let seconds = started.elapsed().as_secs_f64();
    let counted: i64 = answer.rows.iter().filter_map(|r| r[2].as_i64()).sum();
    println!(
        "lake-group rows={total} groups={} rows_counted={counted} seconds={seconds:.2} rows_per_second={:.0} peak_rss_mib_before={} peak_rss_mib={}",
        answer.rows.len(),
        total as f64 / seconds,
        rss_before / 1024,
        peak_rss_kib() / 1024
    );
    Ok(())
}

/// One busy day compacted (`bench lake-compact --rows N`): N rows of one planroom's day written
/// as the stream leaves them (files of 10,000 rows, a tenth of the rows twice, in other files, as
/// a replay in other batches leaves them), then compacted by the lake function's own code against
/// the stand-in: its time and the process's peak memory (run each size in a process of its own).
pub async fn compact(sdk: &shared::store::SdkConfig, store: &shared::store::DynamoStore, total: usize) -> Fallible {
    let planroom = Id::parse("planroom", PLANROOM)?;
    let table = columns::table();
    let bucket = lake::LakeBucket::new(sdk, BUCKET.into(), true);
    let _ = bucket.client().create_bucket().bucket(BUCKET).send().await;
    let app = lake::App { store: store.clone(), bucket: bucket.clone() };
    let day = "2026-06-15";
    let prefix = layout::day_prefix(&planroom, day);
    let old = bucket.keys(&prefix).await.map_err(|e| e.chain())?;
    bucket.delete(&old).await.map_err(|e| e.chain())?;
    // Rows of that one day (the year's mix, its instants moved into the day).
    let midnight: Timestamp = format!("{day}T00:00:00Z").parse()?;
    let row = |i: usize| -> Cells {
        let mut cells = cells(i, total);
        let second = (i * 86_400 / total.max(1)) as i64;
        let at = midnight + SignedDuration::from_secs(second);
        cells[1] = Value::from(shared::time::format(at));
        cells[2] = Value::from(day);
        cells
    };
    let mut files = 0;
    let copies = total / 10;
    for start in (0..total + copies).step_by(10_000) {
        // The copies: rows 0.. again, after the originals.
        let rows: Vec<Cells> = (start..(start + 10_000).min(total + copies)).map(|i| row(i % total)).collect();
        let ids: Vec<String> = rows.iter().filter_map(|r| r[0].as_str()).map(|id| format!("{id}@{start}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let key = layout::file_key(&planroom, day, FileKind::Ingest, &ids);
        bucket.put(&key, parquet_rows::write(&table, &rows).map_err(|e| e.chain())?).await.map_err(|e| e.chain())?;
        files += 1;
    }
    let noted = shared::store::lake::DirtyDay { planroom: planroom.clone(), day: day.into(), written_at: 0 };
    let rss_before = peak_rss_kib();
    let started = Instant::now();
    let (before, kept) = lake::compact::day_of(&app, &noted).await.map_err(|e| e.chain())?;
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "lake-compact rows={total} copies={copies} files_before={before} (written {files}) rows_after={kept} seconds={seconds:.2} rows_per_second={:.0} peak_rss_mib_before={} peak_rss_mib={}",
        (total + copies) as f64 / seconds,
        rss_before / 1024,
        peak_rss_kib() / 1024
    );
    if kept != total {
        return Err(format!("compaction kept {kept} rows of {total}").into());
    }
    Ok(())
}
