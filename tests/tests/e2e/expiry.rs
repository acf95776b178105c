//! TTL is not deletion: DynamoDB deletes an expired item only eventually (the stand-in never), and
//! serves it until then. Expired exports, User Activity rows and remembered event ids are gone
//! when read, whatever TTL has done yet.

use std::time::Duration;

use e2e::{Options, TestApp, view};
use jiff::Timestamp;
use serde_json::json;
use shared::ids::Id;
use shared::store::DynamoStore;

#[tokio::test]
async fn an_export_past_its_retention_is_gone_and_its_key_makes_a_new_one() {
    let app = TestApp::spawn_with(Options { export_retention: Duration::from_secs(4), ..Options::default() }).await;
    let staff = app.staff();
    let job = json!({"name": "Elm Street School", "time_zone": "UTC"});
    assert_eq!(app.json("PUT", "/v1/jobs/job-1", Some(&staff), &job).await.status, 200);
    assert_eq!(app.post_events(&staff, json!([view("job-1", "add-3")])).await.status, 200);
    let bearer = format!("Bearer {staff}");
    let headers = [("authorization", bearer.as_str()), ("idempotency-key", "report-1")];
    let body = json!({"format": "csv", "report": "detailed"}).to_string().into_bytes();
    let ask = || app.send_with("POST", "/v1/jobs/job-1/exports", &headers, Some(body.clone()));
    let first = ask().await;
    assert_eq!(first.status, 202, "{:?}", first.body);
    let id = first.body["export_id"].as_str().unwrap().to_owned();
    let ready = app.export_ready(&staff, &id).await;
    // Its download link never outlives it.
    let link_until: Timestamp = ready["expires_at"].as_str().unwrap().parse().unwrap();
    assert!(link_until <= Timestamp::now() + jiff::SignedDuration::from_secs(5), "{ready:?}");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let stored = app.stored(&app.planroom).await;
    assert!(stored.iter().any(|i| e2e::text(i, "type") == "export"), "the stand-in deletes nothing by TTL");
    let gone = app.send("GET", &format!("/v1/exports/{id}"), Some(&staff), None).await;
    assert_eq!(gone.status, 404, "an expired export reads as gone: {:?}", gone.body);
    // The same Idempotency-Key after the retention asks for a new export, which the worker makes.
    let again = ask().await;
    assert_eq!((again.status, again.body["status"].as_str()), (202, Some("pending")), "{:?}", again.body);
    assert_eq!(app.export_ready(&staff, &id).await["rows"], 1);
}

#[tokio::test]
async fn user_activity_rows_past_their_retention_are_not_returned() {
    let app = TestApp::spawn().await;
    let store = DynamoStore::from_sdk(&shared::store::aws_config().await, &app.table);
    let planroom = Id::parse("planroom", &app.planroom).unwrap();
    let at = shared::time::format(Timestamp::now() - jiff::SignedDuration::from_hours(2));
    let row = |id: &str| {
        json!({"event_id": id, "event_timestamp": at, "event_type": "View", "event_name": "Viewed file",
               "tool_name": "Documents", "count": 1, "is_api": false, "user_type": "staff", "source": "login",
               "automated": false})
        .as_object()
        .cloned()
        .unwrap()
    };
    let past = Timestamp::now().as_second() - 60;
    let kept = Timestamp::now().as_second() + 3600;
    Box::pin(store.put_activity_rows(&planroom, &[row("expired-row")], 8, past)).await.unwrap();
    Box::pin(store.put_activity_rows(&planroom, &[row("live-row")], 8, kept)).await.unwrap();
    let day = &at[..10];
    let staff = app.staff();
    let to = shared::time::format(Timestamp::now() + jiff::SignedDuration::from_hours(1));
    let page = app.send("GET", &format!("/v1/user-activity?from={day}&to={to}"), Some(&staff), None).await;
    assert_eq!(page.status, 200, "{:?}", page.body);
    let ids: Vec<&str> = page.body["items"].as_array().unwrap().iter().filter_map(|r| r["event_id"].as_str()).collect();
    assert_eq!(ids, ["live-row"]);
    let grouped =
        app.send("GET", &format!("/v1/user-activity?from={day}&to={to}&group_by=event_type"), Some(&staff), None).await;
    assert_eq!(grouped.body["items"], json!([{"event_type": "View", "count": 1}]));
}
