//! The write path as an event log (issue #22): one row per event, the first-access records
//! following from it, exactly once, whatever arrives together or is delivered again.

use std::time::Duration;

use e2e::dynamo_proxy::{DynamoProxy, Rule, error};
use e2e::{Item, TestApp, an_hour_ago, counted, number, records, sdk_through, text, view};
use serde_json::json;
use shared::hit_judgement::Windows;
use shared::store::DynamoStore;

fn hit_rows(items: &[Item]) -> Vec<Item> {
    let mut hits: Vec<Item> = items.iter().filter(|i| i.contains_key("hit")).cloned().collect();
    hits.sort_by(|a, b| text(a, "sk").cmp(text(b, "sk")));
    hits
}

#[tokio::test]
async fn a_first_access_found_asynchronously_is_still_exactly_one() {
    let app = TestApp::spawn().await;
    let blast = app.blast("job-1", &["zoe@acme.test"], Some(&an_hour_ago())).await;
    let link = blast.link("zoe@acme.test", "add-3");
    let zoe = app.customer("zoe@acme.test", "acme");
    // Five clicks of her link (the judge counts them from the stream) and five views she posts
    // while logged in, all at once: one person, one file, one record.
    let clicks = futures::future::join_all((0..5).map(|_| app.click(&link)));
    let posts = futures::future::join_all((0..5).map(|_| app.post_events(&zoe, json!([view("job-1", "add-3")]))));
    let (clicks, posts) = tokio::join!(clicks, posts);
    assert!(clicks.iter().all(|c| c.status == 302));
    assert!(posts.iter().all(|p| p.status == 200));
    let stored = app.stored_when("every access is counted", |s| counted(&records(s, false)) == 10).await;
    let mine = records(&stored, false);
    assert_eq!(mine.len(), 1, "exactly one first access: {mine:?}");
    assert_eq!(number(mine[0], "count"), 10);
    let firsts = posts.iter().filter(|p| p.body["results"][0]["first"] == true).count();
    assert!(firsts <= 1, "at most one post was told it was the first");
    let rows = stored.iter().filter(|i| text(i, "type") == "user_activity" && text(i, "object_id") == "add-3").count();
    assert_eq!(rows, 10, "one row per access");
    let sources = mine[0].get("sources").and_then(|s| s.as_ss().ok()).cloned().unwrap_or_default();
    assert_eq!(sources.len(), 2, "by the link and by login: {sources:?}");
    // Nothing more is counted later.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(number(records(&app.stored(&app.planroom).await, false)[0], "count"), 10);
}

#[tokio::test]
async fn a_stream_batch_that_fails_halfway_is_delivered_again_without_counting_twice() {
    let app = TestApp::spawn().await;
    // The dev server's own judge is kept from counting anything: this test plays the stream.
    app.worker.add(Rule::on("UpdateItem", error("ValidationException", "kept out by the test")));
    let recipients = ["ann@bidder.test", "bob@bidder.test", "cat@bidder.test"];
    let blast = app.blast("job-1", &recipients, Some(&an_hour_ago())).await;
    for email in recipients {
        assert_eq!(app.click(&blast.link(email, "add-3")).await.status, 302);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let rows = hit_rows(&app.stored(&app.planroom).await);
    assert_eq!(rows.len(), 3);
    assert!(records(&app.stored(&app.planroom).await, false).is_empty());

    // A judge of our own, reaching DynamoDB through a proxy that refuses the second hit's update once.
    let proxy = DynamoProxy::start(&std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL")).await;
    let sdk = sdk_through(&proxy.url, Duration::from_secs(3), Duration::from_secs(8)).await;
    let judge = redirect::judge::Judge::new(DynamoStore::from_sdk(&sdk, &app.table), Windows::default());
    let second = text(&rows[1], "owner").to_owned();
    proxy.add(Rule::on("UpdateItem", error("ValidationException", "injected half way")).containing(&second).times(1));
    assert!(judge.process(&rows).await.is_err(), "the batch fails at its second hit");
    let half = app.stored(&app.planroom).await;
    assert_eq!(counted(&records(&half, false)), 1, "the first hit was counted before the failure");
    // Delivered again, whole, twice over: every hit counts once.
    judge.process(&rows).await.expect("the retried batch");
    judge.process(&rows).await.expect("and again");
    let done = app.stored(&app.planroom).await;
    let people = records(&done, false);
    assert_eq!(people.len(), 3);
    assert!(people.iter().all(|r| number(r, "count") == 1), "{people:?}");
    let first_updates =
        proxy.calls("UpdateItem").iter().filter(|c| c.request.contains(text(&rows[0], "owner"))).count();
    assert!(first_updates >= 3, "the first hit's update was sent with every delivery");
}

#[tokio::test]
async fn a_duplicate_event_id_changes_nothing_stored() {
    let app = TestApp::spawn().await;
    let zoe = app.customer("zoe@acme.test", "acme");
    let occurred = shared::time::format(jiff::Timestamp::now());
    for event in [
        json!({"event_id": "d-1", "job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": "f"}}),
        json!({"event_id": "d-2", "occurred_at": occurred, "job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": "f"}}),
    ] {
        let first = app.post_events(&zoe, json!([event])).await;
        assert_eq!(first.status, 200, "{:?}", first.body);
        let before = app.stored(&app.planroom).await;
        for _ in 0..3 {
            let again = app.post_events(&zoe, json!([event])).await;
            assert_eq!(again.body, first.body, "a duplicate answers what the event answered");
        }
        assert_eq!(app.stored(&app.planroom).await, before, "and changes nothing: {event}");
    }
}
