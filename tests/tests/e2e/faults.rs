//! With the local AWS stand-in down or slow, every function answers a clear 503 within its
//! timeout, stores nothing half-way, and a valid tracked link still sends the recipient on.

use std::time::{Duration, Instant};

use e2e::proxy::{FaultProxy, Mode, stand_in_address};
use e2e::{Options, TestApp, view};
use serde_json::json;

const BROWSER: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15";

async fn every_route_answers_503(app: &TestApp, within: Duration) {
    let staff = app.staff();
    let calls: Vec<(&str, &str, Option<serde_json::Value>)> = vec![
        ("POST", "/v1/events", Some(json!({"events": [view("job-1", "f1")]}))),
        ("PUT", "/v1/jobs/job-1", Some(json!({"name": "School"}))),
        ("PUT", "/v1/planroom", Some(json!({"base_url": "https://plans.example.test"}))),
        (
            "POST",
            "/v1/jobs/job-1/blasts",
            Some(
                json!({"name": "b", "recipients": [{"email": "a@b.test"}], "targets": [{"kind": "file", "id": "f", "action": "view"}]}),
            ),
        ),
        ("GET", "/v1/jobs/job-1/activity/individuals", None),
        ("GET", "/v1/jobs/job-1/files/f1/activity", None),
        ("GET", "/v1/activity?from=2026-11-01&to=2026-11-02", None),
        ("POST", "/v1/jobs/job-1/exports", Some(json!({"format": "csv", "report": "summary"}))),
        ("GET", "/v1/exports/e-0123", None),
    ];
    for (method, path, body) in calls {
        let started = Instant::now();
        let answer = app.send(method, path, Some(&staff), body.map(|b| b.to_string().into_bytes())).await;
        assert_eq!(answer.status, 503, "{method} {path}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["code"], "unavailable", "{method} {path}");
        assert_eq!(answer.header("retry-after"), "1", "{method} {path}");
        assert!(started.elapsed() < within, "{method} {path} took {:?}", started.elapsed());
    }
}

#[tokio::test]
async fn with_storage_stopped_every_route_answers_503_at_once_and_nothing_is_stored() {
    let proxy = FaultProxy::start(stand_in_address()).await;
    proxy.set(Mode::Down);
    let app = TestApp::spawn_through(&proxy.url, None).await;
    every_route_answers_503(&app, Duration::from_secs(3)).await;
    assert!(app.stored(&app.planroom).await.is_empty(), "nothing half-written");
}

#[tokio::test]
async fn with_storage_hanging_every_route_answers_503_within_its_budget() {
    let proxy = FaultProxy::start(stand_in_address()).await;
    proxy.set(Mode::Hang);
    let budget = Duration::from_secs(2);
    let options = Options { endpoint: Some(proxy.url.clone()), request_budget: budget, ..Options::default() };
    let app = TestApp::spawn_with(options).await;
    // Attempts time out after 0.5 s and are retried; the request's budget ends it with a 503,
    // long before API Gateway's own 30 s.
    every_route_answers_503(&app, budget + Duration::from_millis(800)).await;
    proxy.set(Mode::Down);
}

#[tokio::test]
async fn a_valid_tracked_link_still_sends_the_recipient_on_when_storage_fails() {
    let proxy = FaultProxy::start(stand_in_address()).await;
    let app = TestApp::spawn_through(&proxy.url, None).await;
    let staff = app.staff();
    assert_eq!(
        app.json("PUT", "/v1/planroom", Some(&staff), &json!({"base_url": "https://plans.example.test"})).await.status,
        200
    );
    let blast = json!({"name": "b", "recipients": [{"email": "ann@bidder.test"}], "targets": [{"kind": "file", "id": "add-3", "action": "view"}]});
    let answer = app.json("POST", "/v1/jobs/job-1/blasts", Some(&staff), &blast).await;
    assert_eq!(answer.status, 201);
    let url = answer.body["links"][0]["url"].as_str().unwrap().to_owned();
    let click = || app.send_with("GET", &url, &[("user-agent", BROWSER)], None);
    assert_eq!(click().await.status, 302, "healthy: recorded, and the planroom's address is now known");

    proxy.set(Mode::Down);
    let down = click().await;
    assert_eq!(down.status, 302, "storage down: still redirected, to the remembered address");
    assert!(down.header("location").starts_with("https://plans.example.test/jobs/job-1/files/add-3#contact_session="));
    assert_eq!(down.header("cache-control"), "no-store");

    let token = url.rsplit_once("/r/").unwrap().1;
    let fresh = TestApp::spawn_through(&proxy.url, Some("https://plans.example.test/unavailable")).await;
    let fallback = fresh.send_with("GET", &format!("{}/r/{token}", fresh.base), &[("user-agent", BROWSER)], None).await;
    assert_eq!(fallback.status, 302, "nothing remembered: the configured fallback page");
    assert!(
        fallback
            .header("location")
            .starts_with("https://plans.example.test/unavailable/jobs/job-1/files/add-3#contact_session=")
    );
    let nowhere = TestApp::spawn_through(&proxy.url, None).await;
    let answer =
        nowhere.send_with("GET", &format!("{}/r/{token}", nowhere.base), &[("user-agent", BROWSER)], None).await;
    assert_eq!(answer.status, 503, "no address and no fallback: a clear page, never a hang");
    assert_eq!(answer.header("location"), "");
}
