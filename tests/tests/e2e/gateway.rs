//! The dev server answers as API Gateway and Lambda do, so what AWS would refuse fails here first:
//! a preflight reaches the `$default` route's function (not the gateway's own CORS answer), an
//! answer over Lambda's 6 MB response limit is the gateway's 500, and the gateway's own errors
//! have its `{"message": …}` shape.

use std::collections::{BTreeMap, BTreeSet};

use e2e::{TestApp, an_hour_ago};
use serde_json::{Value, json};

const PAGE: &str = "http://localhost:5173";

/// A path of every route, its parameters filled in.
const PATHS: [&str; 12] = [
    "/v1/planroom",
    "/v1/jobs/job-1",
    "/v1/jobs/job-1/blasts",
    "/v1/jobs/job-1/blasts/b-1/links",
    "/v1/events",
    "/v1/contact-events",
    "/v1/jobs/job-1/activity/individuals/abc",
    "/v1/jobs/job-1/files/add-3/activity",
    "/v1/activity",
    "/v1/exports/e-1",
    "/v1/user-activity",
    "/v1/no-such-route",
];

#[tokio::test]
async fn a_preflight_of_any_path_reaches_the_catch_all_route_and_is_answered_with_the_cors_headers() {
    let app = TestApp::spawn().await;
    for path in PATHS {
        for method in ["GET", "POST", "PUT"] {
            let headers = [
                ("origin", PAGE),
                ("access-control-request-method", method),
                ("access-control-request-headers", "authorization,content-type,x-contact-session"),
            ];
            let answer = app.send_with("OPTIONS", path, &headers, None).await;
            assert_eq!(answer.status, 204, "{method} {path}: a browser refuses a preflight that is not 2xx");
            assert_eq!(answer.header("access-control-allow-origin"), PAGE, "{path}");
            assert_eq!(answer.header("access-control-allow-methods"), "GET,HEAD,POST,PUT,DELETE,OPTIONS", "{path}");
            assert_eq!(answer.header("access-control-max-age"), "600", "{path}");
        }
    }
}

#[tokio::test]
async fn the_gateways_own_refusals_have_its_message_shape() {
    let app = TestApp::spawn().await;
    for token in [None, Some("not-a-jwt")] {
        let answer = app.send("GET", "/v1/jobs/job-1", token, None).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.body["message"], "Unauthorized", "the JWT authorizer's answer, as on AWS");
        assert_eq!(answer.body["error"]["code"], "unauthorized", "and the contract's code beside it, locally");
    }
    // The function's own refusals keep theirs.
    let answer = app.send("GET", "/v1/jobs/job-never-registered", Some(&app.staff()), None).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.body["error"]["code"], "not_found");
}

/// `count` recipients `r{i}@bidder.test`.
fn recipients(count: usize) -> Vec<Value> {
    (0..count)
        .map(|i| json!({"email": format!("r{i}@bidder.test"), "name": format!("Recipient {i}"), "company_name": "Bidder Co"}))
        .collect()
}

#[tokio::test]
async fn the_largest_blast_answers_within_lambdas_limit_and_every_link_is_reached_through_its_pages() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    let base = app.json("PUT", "/v1/planroom", Some(&staff), &json!({"base_url": "https://plans.example.test"})).await;
    assert_eq!(base.status, 200);
    let targets: Vec<Value> = (1..=4)
        .map(|i| json!({"kind": "file", "id": format!("add-{i}"), "name": format!("Addendum {i}.pdf"), "action": "view"}))
        .collect();
    let blast =
        json!({"name": "All addenda", "sent_at": an_hour_ago(), "recipients": recipients(5_000), "targets": targets});
    let answer = app.json("POST", "/v1/jobs/job-1/blasts", Some(&staff), &blast).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    assert_eq!(answer.body["links_total"], 20_000);
    let blast_id = answer.body["blast_id"].as_str().unwrap().to_owned();
    let mut links: Vec<Value> = answer.body["links"].as_array().unwrap().clone();
    assert_eq!(links.len(), 5_000, "the first page");
    let mut cursor = answer.body["next_cursor"].as_str().map(str::to_owned);
    let mut pages = 1;
    while let Some(next) = cursor {
        let path = format!("/v1/jobs/job-1/blasts/{blast_id}/links?cursor={next}");
        let page = app.send("GET", &path, Some(&staff), None).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        let items = page.body["links"].as_array().unwrap();
        assert!(items.len() <= 5_000);
        links.extend(items.iter().cloned());
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
        pages += 1;
        assert!(pages <= 5, "more pages than links");
    }
    let urls: BTreeSet<&str> = links.iter().map(|l| l["url"].as_str().unwrap()).collect();
    assert_eq!(urls.len(), 20_000, "every link exactly once");
    let mut per_recipient: BTreeMap<&str, usize> = BTreeMap::new();
    for link in &links {
        *per_recipient.entry(link["email"].as_str().unwrap()).or_default() += 1;
    }
    assert_eq!(per_recipient.len(), 5_000);
    assert!(per_recipient.values().all(|&n| n == 4), "a recipient's links are never split over pages");
    // A link of the last page leads where it should.
    let last = links.last().unwrap()["url"].as_str().unwrap();
    let followed = app.click(last).await;
    assert_eq!(followed.status, 302);
    assert!(followed.header("location").starts_with("https://plans.example.test/jobs/job-1/files/add-4"));
    // The pages mint the very links the registration did (the first page again, from the start).
    let first = app.send("GET", &format!("/v1/jobs/job-1/blasts/{blast_id}/links?limit=8"), Some(&staff), None).await;
    assert_eq!(first.body["links"].as_array().unwrap()[..], links[..8]);
    // Links are staff business, and a cursor belongs to its blast.
    let customer = app.customer("c@bidder.test", "bidder");
    let refused = app.send("GET", &format!("/v1/jobs/job-1/blasts/{blast_id}/links"), Some(&customer), None).await;
    assert_eq!(refused.status, 403);
    let missing = app.send("GET", "/v1/jobs/job-1/blasts/b-none/links", Some(&staff), None).await;
    assert_eq!(missing.status, 404);
}

#[tokio::test]
async fn not_accessed_comes_in_pages_bounded_by_the_limit() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    let emails: Vec<String> = (0..120).map(|i| format!("r{i}@bidder.test")).collect();
    let list: Vec<&str> = emails.iter().map(String::as_str).collect();
    let blast = app.blast("job-1", &list, Some(&an_hour_ago())).await;
    for email in &list[..5] {
        assert_eq!(app.click(&blast.link(email, "add-3")).await.status, 302);
    }
    app.stored_when("the five clicks are counted", |s| e2e::records(s, false).len() == 5).await;
    let (mut accessed, mut not_accessed, mut pages) = (Vec::new(), Vec::new(), 0);
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/jobs/job-1/files/add-3/activity?limit=25&cursor={c}"),
            None => "/v1/jobs/job-1/files/add-3/activity?limit=25".into(),
        };
        let page = app.send("GET", &path, Some(&staff), None).await;
        assert_eq!(page.status, 200, "{:?}", page.body);
        let (a, n) = (page.body["accessed"].as_array().unwrap(), page.body["not_accessed"].as_array().unwrap());
        assert!(a.len() + n.len() <= 25, "a page holds at most its limit");
        accessed.extend(a.iter().map(|r| r["email"].as_str().unwrap().to_owned()));
        not_accessed.extend(n.iter().map(|r| r["email"].as_str().unwrap().to_owned()));
        pages += 1;
        match page.body["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(accessed.len(), 5);
    let distinct: BTreeSet<&String> = not_accessed.iter().collect();
    assert_eq!((not_accessed.len(), distinct.len()), (115, 115), "each who has not, once");
    assert!(accessed.iter().all(|a| !distinct.contains(a)));
    assert_eq!(pages, 5);
}
