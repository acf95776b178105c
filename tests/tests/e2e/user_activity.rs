//! The User Activity rows' storage (issue 11, groundwork) against the stand-in's DynamoDB API:
//! stored again they stay one row each; a window pages newest first across shards and days, every
//! row once, nothing outside the window or of another planroom; filters keep only matching rows.

use e2e::TestApp;
use jiff::{SignedDuration, Timestamp};
use serde_json::json;
use shared::ids::Id;
use shared::store::DynamoStore;
use shared::user_activity::Filters;
use shared::user_activity::select::Row;

const SHARDS: u32 = 8;

fn rows(count: i64, prefix: &str) -> Vec<Row> {
    let start: Timestamp = "2026-11-24T00:00:00Z".parse().unwrap();
    (0..count)
        .map(|i| {
            // Spread over three UTC days, some at the same millisecond.
            let at = start + SignedDuration::from_secs(i / 2 * 3 * 3600 / 2);
            let row = json!({"event_id": format!("{prefix}-{i:03}"), "event_timestamp": shared::time::format(at),
                "event_type": if i % 3 == 0 { "Download" } else { "View" }, "count": 1, "is_api": i % 5 == 0,
                "user_email": format!("user{}@bidder.test", i % 4)});
            row.as_object().cloned().unwrap()
        })
        .collect()
}

async fn all_pages(store: &DynamoStore, planroom: &Id, window: (Timestamp, Timestamp), filters: &Filters) -> Vec<Row> {
    let mut out = Vec::new();
    let mut start = None;
    for _ in 0..100 {
        let page = Box::pin(store.activity_page(planroom, window, SHARDS, filters, 7, start)).await.unwrap();
        assert!(page.rows.len() <= 7);
        out.extend(page.rows);
        match page.next {
            Some(next) => start = Some(next),
            None => return out,
        }
    }
    panic!("the pages never ended");
}

fn newest_first(mut rows: Vec<Row>) -> Vec<String> {
    rows.sort_by(|a, b| {
        (b["event_timestamp"].as_str(), b["event_id"].as_str())
            .cmp(&(a["event_timestamp"].as_str(), a["event_id"].as_str()))
    });
    rows.iter().map(|r| r["event_id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn rows_page_newest_first_across_shards_and_days_once_each_and_only_in_the_window() {
    let app = TestApp::spawn().await;
    let store = DynamoStore::from_sdk(&shared::store::aws_config().await, &app.table);
    let planroom = Id::parse("planroom", &app.planroom).unwrap();
    let other = Id::parse("planroom", &format!("{}-other", app.planroom)).unwrap();
    let mine = rows(80, "ev");
    Box::pin(store.put_activity_rows(&planroom, &mine, SHARDS, 4_000_000_000)).await.unwrap();
    // A retry of the same rows, and another planroom's rows at the same times.
    Box::pin(store.put_activity_rows(&planroom, &mine, SHARDS, 4_000_000_000)).await.unwrap();
    Box::pin(store.put_activity_rows(&other, &rows(80, "ev"), SHARDS, 4_000_000_000)).await.unwrap();
    let stored = app.stored(&app.planroom).await;
    let own: Vec<_> =
        stored.iter().filter(|i| e2e::text(i, "pk").starts_with(&format!("P#{}#UA#", app.planroom))).collect();
    assert_eq!(own.len(), 80, "stored again, still one item per row");

    let from: Timestamp = "2026-11-24T12:00:00Z".parse().unwrap();
    let to: Timestamp = "2026-11-26T12:00:00Z".parse().unwrap();
    let in_window: Vec<Row> = mine
        .iter()
        .filter(|r| {
            let at: Timestamp = r["event_timestamp"].as_str().unwrap().parse().unwrap();
            at >= from && at < to
        })
        .cloned()
        .collect();
    assert!(in_window.len() > 20 && in_window.len() < 80, "the window cuts both ends: {}", in_window.len());
    let read = all_pages(&store, &planroom, (from, to), &Filters::default()).await;
    let ids: Vec<String> = read.iter().map(|r| r["event_id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids, newest_first(in_window.clone()), "every row of the window once, newest first");
    assert_eq!(read[0].len(), 33, "every field, null when unknown");
    assert_eq!(read[0]["job_id"], serde_json::Value::Null);

    let downloads = Filters::from_query([("event_type", "Download"), ("is_api", "false")]).unwrap();
    let filtered = all_pages(&store, &planroom, (from, to), &downloads).await;
    let want: Vec<Row> = in_window.into_iter().filter(|r| downloads.matches(r)).collect();
    assert!(!want.is_empty());
    assert_eq!(
        filtered.iter().map(|r| r["event_id"].as_str().unwrap().to_owned()).collect::<Vec<_>>(),
        newest_first(want)
    );
}
