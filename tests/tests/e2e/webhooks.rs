//! Webhook alerts: a first access reaches the planroom's endpoint signed per Standard Webhooks,
//! once per event; a failing receiver is retried under the same `webhook-id`; a receiver that
//! hangs slows no click; the bid-day alert lists exactly the bidders missing a file.

use std::time::{Duration, Instant};

use e2e::receiver::{Behaviour, Receiver};
use e2e::{Options, TestApp, view};
use serde_json::{Value, json};

use crate::coverage::{JOB, bid_board};

async fn register(app: &TestApp, body: Value) -> Value {
    let answer = app.json("POST", "/v1/webhooks", Some(&app.staff()), &body).await;
    assert_eq!(answer.status, 201, "{body}: {:?}", answer.body);
    answer.body
}

/// Registers an endpoint; its id.
async fn registered_id(app: &TestApp, body: Value) -> String {
    register(app, body).await["webhook_id"].as_str().expect("a webhook id").to_owned()
}

async fn deliveries(app: &TestApp, webhook: &str) -> Vec<Value> {
    let answer = app.send("GET", &format!("/v1/webhooks/{webhook}/deliveries"), Some(&app.staff()), None).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["items"].as_array().cloned().unwrap_or_default()
}

/// Checks a delivery's `webhook-signature` against the secret (the Standard Webhooks scheme).
fn signed_with(received: &e2e::receiver::Received, secret: &str) -> bool {
    let id = &received.headers["webhook-id"];
    let timestamp: i64 = received.headers["webhook-timestamp"].parse().expect("a unix timestamp");
    let expected = shared::webhook::signature(secret, id, timestamp, &received.body).expect("our secret");
    received.headers["webhook-signature"].split(' ').any(|s| s == expected)
}

#[tokio::test]
async fn a_first_access_reaches_the_endpoint_signed_and_once_per_event() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    let endpoint =
        register(&app, json!({"url": receiver.url, "events": ["access.first"], "description": "bid desk"})).await;
    let secret = endpoint["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{endpoint}");
    let webhook = endpoint["webhook_id"].as_str().unwrap().to_owned();
    let listed = app.send("GET", "/v1/webhooks", Some(&app.staff()), None).await;
    assert_eq!(listed.body["items"][0]["webhook_id"], json!(webhook));
    assert!(!listed.body.to_string().contains(&secret), "the secret is shown once");
    // A second endpoint filtered on another job gets nothing of job-1.
    let other = Receiver::start(Behaviour::Accept).await;
    register(&app, json!({"url": other.url, "events": ["access.first"], "job_id": "job-2"})).await;

    let ann = app.customer("ann@acme.test", "acme");
    assert_eq!(app.post_events(&ann, json!([view("job-1", "add-3")])).await.status, 200);
    let got = receiver.wait_for(1, Duration::from_secs(15)).await;
    let body: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["type"], json!("access.first"));
    assert_eq!(body["data"]["object"]["id"], json!("add-3"));
    assert_eq!(body["data"]["email"], json!("ann@acme.test"));
    assert_eq!(body["data"]["job_id"], json!("job-1"));
    assert!(got[0].headers["webhook-id"].starts_with("msg_"));
    assert!(signed_with(&got[0], &secret), "{:?}", got[0].headers);
    assert!(!signed_with(&got[0], &shared::webhook::new_secret()));

    // A repeat is not a first access; another file is.
    assert_eq!(app.post_events(&ann, json!([view("job-1", "add-3"), view("job-1", "a-101")])).await.status, 200);
    let got = receiver.wait_for(2, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), 2, "one delivery per first access");
    let second: Value = serde_json::from_slice(&got[1].body).unwrap();
    assert_eq!(second["data"]["object"]["id"], json!("a-101"));
    assert!(other.received().is_empty(), "the job-2 endpoint hears nothing of job-1");

    let listed = deliveries(&app, &webhook).await;
    assert_eq!(listed.len(), 2);
    for delivery in &listed {
        assert_eq!(delivery["status"], json!("delivered"), "{delivery}");
        assert_eq!(delivery["attempts"].as_array().unwrap().len(), 1);
        assert_eq!(delivery["attempts"][0]["status"], json!(200));
        assert_eq!(delivery["event"], json!("access.first"));
    }

    // Rotation: both secrets sign until the old one expires.
    let rotated = app.json("POST", &format!("/v1/webhooks/{webhook}/rotate"), Some(&app.staff()), &json!({})).await;
    assert_eq!(rotated.status, 200, "{:?}", rotated.body);
    let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert_eq!(app.post_events(&ann, json!([view("job-1", "a-102")])).await.status, 200);
    let got = receiver.wait_for(3, Duration::from_secs(15)).await;
    assert!(signed_with(&got[2], &new_secret) && signed_with(&got[2], &secret), "{:?}", got[2].headers);
    assert_eq!(got[2].headers["webhook-signature"].split(' ').count(), 2);

    // Deleted: nothing more, and 404 after.
    let deleted = app.send("DELETE", &format!("/v1/webhooks/{webhook}"), Some(&app.staff()), None).await;
    assert_eq!(deleted.status, 204);
    let again = app.send("DELETE", &format!("/v1/webhooks/{webhook}"), Some(&app.staff()), None).await;
    assert_eq!(again.status, 404);
    assert_eq!(
        app.send("GET", &format!("/v1/webhooks/{webhook}/deliveries"), Some(&app.staff()), None).await.status,
        404
    );
}

#[tokio::test]
async fn registrations_are_staff_only_https_and_known_events() {
    let app = TestApp::spawn().await;
    let customer = app.customer("ann@acme.test", "acme");
    let ok = json!({"url": "https://hooks.example.com/x", "events": ["coverage.missing"]});
    assert_eq!(app.json("POST", "/v1/webhooks", Some(&customer), &ok).await.status, 403);
    assert_eq!(app.send("GET", "/v1/webhooks", Some(&customer), None).await.status, 403);
    assert_eq!(app.json("POST", "/v1/webhooks", None, &ok).await.status, 401);
    for bad in [
        json!({"url": "http://hooks.example.com/x", "events": ["access.first"]}),
        json!({"url": "https://user:pw@hooks.example.com/x", "events": ["access.first"]}),
        json!({"url": "https://hooks.example.com/x", "events": []}),
        json!({"url": "https://hooks.example.com/x", "events": ["access.everything"]}),
        json!({"url": "https://hooks.example.com/x", "events": ["access.first"], "secret": "mine"}),
    ] {
        let answer = app.json("POST", "/v1/webhooks", Some(&app.staff()), &bad).await;
        assert_eq!(answer.status, 422, "{bad}: {:?}", answer.body);
    }
    let foreign =
        json!({"url": "https://hooks.example.com/x", "events": ["access.first"], "job_id": "never-registered"});
    assert_eq!(app.json("POST", "/v1/webhooks", Some(&app.staff()), &foreign).await.status, 404);
    assert_eq!(register(&app, ok).await["events"], json!(["coverage.missing"]));
}

#[tokio::test]
async fn a_receiver_that_fails_three_times_gets_one_delivery_in_four_attempts() {
    let app = TestApp::spawn().await;
    let receiver = Receiver::start(Behaviour::FailFirst(3)).await;
    let webhook = registered_id(&app, json!({"url": receiver.url, "events": ["access.first"]})).await;
    let ann = app.customer("ann@acme.test", "acme");
    assert_eq!(app.post_events(&ann, json!([view("job-1", "add-3")])).await.status, 200);
    let got = receiver.wait_for(4, Duration::from_secs(30)).await;
    let ids: std::collections::HashSet<&String> = got.iter().map(|r| &r.headers["webhook-id"]).collect();
    assert_eq!(ids.len(), 1, "every attempt under the same webhook-id");
    assert!(got.iter().all(|r| r.body == got[0].body), "the same body each time");
    // The last attempt's record lands a moment after the receiver answers.
    let mut listed = deliveries(&app, &webhook).await;
    for _ in 0..50 {
        if listed[0]["status"] == json!("delivered") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        listed = deliveries(&app, &webhook).await;
    }
    assert_eq!(listed.len(), 1, "one delivery: {listed:#?}");
    let attempts: Vec<&Value> = listed[0]["attempts"].as_array().unwrap().iter().map(|a| &a["status"]).collect();
    assert_eq!(attempts, [&json!(500), &json!(500), &json!(500), &json!(200)]);
    assert_eq!(listed[0]["status"], json!("delivered"));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), 4, "nothing after the delivery");
}

#[tokio::test]
async fn a_receiver_that_hangs_never_slows_a_click_or_a_capture() {
    let app = TestApp::spawn_with(Options { webhook_timeout: Duration::from_secs(1), ..Options::default() }).await;
    let receiver = Receiver::start(Behaviour::Hang).await;
    let webhook = registered_id(&app, json!({"url": receiver.url, "events": ["access.first"]})).await;
    let ann = app.customer("ann@acme.test", "acme");
    assert_eq!(app.post_events(&ann, json!([view("job-1", "add-3")])).await.status, 200);
    receiver.wait_for(1, Duration::from_secs(15)).await;
    // While the receiver holds its connections, clicks and captures answer within their budgets.
    let blast = app.blast("job-1", &["zoe@bidder.test", "sam@bidder.test"], Some(&e2e::an_hour_ago())).await;
    for email in ["zoe@bidder.test", "sam@bidder.test"] {
        let started = Instant::now();
        let click = app.click(&blast.link(email, "add-3")).await;
        assert_eq!(click.status, 302);
        assert!(started.elapsed() < redirect::DEFAULT_BUDGET, "a click took {:?}", started.elapsed());
    }
    let started = Instant::now();
    assert_eq!(app.post_events(&ann, json!([view("job-1", "a-101")])).await.status, 200);
    assert!(started.elapsed() < capture::DEFAULT_BUDGET);
    // The attempts that hung are recorded as timed out, and retried.
    for _ in 0..100 {
        let listed = deliveries(&app, &webhook).await;
        if listed
            .iter()
            .any(|d| d["attempts"].as_array().is_some_and(|a| a.iter().any(|x| x["error"] == json!("timed out"))))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("no attempt was recorded as timed out: {:#?}", deliveries(&app, &webhook).await);
}

#[tokio::test]
async fn the_bid_day_alert_lists_exactly_the_bidders_missing_a_file() {
    let app = TestApp::spawn().await;
    Box::pin(bid_board(&app)).await;
    let receiver = Receiver::start(Behaviour::Accept).await;
    register(&app, json!({"url": receiver.url, "events": ["coverage.missing"], "job_id": JOB})).await;
    // Bids due 48 hours and 3 seconds from now: the alert (48 hours ahead, the default) fires in 3 s.
    let due = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(48) + jiff::SignedDuration::from_secs(3);
    let body = json!({"name": "Riverside Clinic", "number": "J-1042", "company_id": "acme", "company_name": "ACME",
                      "time_zone": "America/Chicago", "bid_due_at": due.to_string()});
    assert_eq!(app.json("PUT", &format!("/v1/jobs/{JOB}"), Some(&app.staff()), &body).await.status, 200);
    let got = receiver.wait_for(1, Duration::from_secs(20)).await;
    let alert: Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(alert["type"], json!("coverage.missing"));
    assert_eq!(alert["data"]["job_id"], json!(JOB));
    let mut missing: Vec<&str> =
        alert["data"]["missing"].as_array().unwrap().iter().map(|m| m["email"].as_str().unwrap()).collect();
    missing.sort();
    assert_eq!(missing, ["al@alpha.test", "bo@beta.test", "cy@gamma.test", "dee@delta.test"], "{alert:#}");
    let bo = alert["data"]["missing"].as_array().unwrap().iter().find(|m| m["email"] == "bo@beta.test").unwrap();
    assert_eq!(bo["files"], json!([{"file_id": "add-1", "name": "Addendum 1.pdf", "step": "opened"}]));
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(receiver.received().len(), 1, "the alert fires once");
}
