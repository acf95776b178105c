//! A first access that is a person's (issue #21): each test reproduces one way the record used to
//! go wrong and looks at what is stored afterwards.

use std::time::Duration;

use e2e::dynamo_proxy::{Rule, error};
use e2e::{Blast, Item, Options, TestApp, an_hour_ago, counted, number, records, text, view};
use serde_json::{Value, json};

/// A blast of `job` to `recipients` with three file targets (`t1`…`t3`, viewed), sent an hour ago.
async fn three_link_blast(app: &TestApp, job: &str, recipients: &[&str]) -> Blast {
    let staff = app.staff();
    let base = json!({"base_url": "https://plans.example.test/"});
    assert_eq!(app.json("PUT", "/v1/planroom", Some(&staff), &base).await.status, 200);
    let targets: Vec<Value> = (1..=3)
        .map(|i| json!({"kind": "file", "id": format!("t{i}"), "name": format!("T{i}.pdf"), "action": "view"}))
        .collect();
    let body = json!({"name": "Addendum 3", "sent_at": an_hour_ago(), "targets": targets,
                      "recipients": recipients.iter().map(|e| json!({"email": e})).collect::<Vec<_>>()});
    let answer = app.json("POST", &format!("/v1/jobs/{job}/blasts"), Some(&staff), &body).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    Blast(answer.body)
}

fn rows(items: &[Item]) -> Vec<&Item> {
    items.iter().filter(|i| text(i, "type") == "user_activity").collect()
}

/// Waits until the next whole 10 seconds are `before` away.
async fn wait_for_a_bucket_edge(before: Duration) {
    let now = jiff::Timestamp::now().as_millisecond();
    let to_edge = 10_000 - now.rem_euclid(10_000);
    let wait = (to_edge - before.as_millis() as i64).rem_euclid(10_000);
    tokio::time::sleep(Duration::from_millis(wait as u64)).await;
}

#[tokio::test]
async fn a_scanners_first_links_are_never_the_persons_first_access() {
    let app = TestApp::spawn().await;
    let blast = three_link_blast(&app, "job-1", &["ann@bidder.test"]).await;
    // Safe Links opens all of Ann's links within a second, an hour after the send, looking like
    // a desktop Chrome.
    for target in ["t1", "t2", "t3"] {
        assert_eq!(app.click(&blast.link("ann@bidder.test", target)).await.status, 302);
    }
    let stored = app.stored_when("the burst is judged", |s| counted(&records(s, true)) == 3).await;
    assert!(records(&stored, false).is_empty(), "not even the first two links are Ann's: {stored:#?}");
    for record in records(&stored, true) {
        assert_eq!(text(record, "automated_reason"), "burst", "{record:?}");
        assert_eq!(text(record, "confidence"), "high");
    }
    let judged: Vec<_> = rows(&stored).into_iter().filter(|r| text(r, "hit") == "judged").collect();
    assert_eq!(judged.len(), 3, "every hit's row says how it was judged");
    assert!(judged.iter().all(|r| r.get("automated").and_then(|v| v.as_bool().ok()) == Some(&true)));

    // Ann herself opens t1 later: her first access, counted once, at her time.
    tokio::time::sleep(Duration::from_secs(11)).await;
    let click = app.click(&blast.link("ann@bidder.test", "t1")).await;
    assert_eq!(click.status, 302);
    let stored = app.stored_when("Ann's click is counted", |s| records(s, false).len() == 1).await;
    let mine = records(&stored, false);
    assert_eq!(number(mine[0], "count"), 1);
    assert_eq!(counted(&records(&stored, true)), 3, "the scanner's hits stay the scanner's");
    let people = app.individuals("job-1", false).await;
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["files_viewed"], 1);
    assert_eq!(people[0]["automated_hits"], 3);
    let with_scanners = app.individuals("job-1", true).await;
    assert_eq!(with_scanners.len(), 1, "include_automated shows the same person, nothing deleted");
}

#[tokio::test]
async fn a_burst_across_a_ten_second_boundary_is_caught_the_window_slides() {
    let app = TestApp::spawn().await;
    let blast = three_link_blast(&app, "job-1", &["bob@bidder.test"]).await;
    // Three links 4 s apart, the first 2 s before a whole ten seconds: no fixed 10-second bucket
    // holds all three, a sliding 10-second window does.
    wait_for_a_bucket_edge(Duration::from_secs(2)).await;
    for (i, target) in ["t1", "t2", "t3"].iter().enumerate() {
        if i > 0 {
            tokio::time::sleep(Duration::from_secs(4)).await;
        }
        assert_eq!(app.click(&blast.link("bob@bidder.test", target)).await.status, 302);
    }
    let stored = app.stored_when("all three hits are judged", |s| counted(&records(s, true)) == 3).await;
    assert!(records(&stored, false).is_empty(), "{stored:#?}");
    assert!(records(&stored, true).iter().all(|r| text(r, "automated_reason") == "burst"));
}

#[tokio::test]
async fn two_links_a_person_opens_a_few_seconds_apart_stay_theirs() {
    let app = TestApp::spawn().await;
    let blast = three_link_blast(&app, "job-1", &["cat@bidder.test"]).await;
    for target in ["t1", "t2"] {
        assert_eq!(app.click(&blast.link("cat@bidder.test", target)).await.status, 302);
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    let stored = app.stored_when("both clicks are counted", |s| records(s, false).len() == 2).await;
    assert!(records(&stored, true).is_empty());
    assert!(records(&stored, false).iter().all(|r| text(r, "confidence") == "medium"), "timing alone");
}

#[tokio::test]
async fn the_landing_pages_own_view_confirms_the_click_and_one_click_is_one_view() {
    let app = TestApp::spawn().await;
    // Sent just now: a click this soon looks like a delivery-time scan, until the page confirms it.
    let blast = app.blast("job-1", &["dee@bidder.test"], None).await;
    let click = app.click(&blast.link("dee@bidder.test", "add-3")).await;
    assert_eq!(click.status, 302);
    // The planroom's page ran its script and posts its own view of the file the link opened.
    let landing = app.post_contact_events(&click.session(), json!([view("job-1", "add-3")])).await;
    assert_eq!(landing.status, 200, "{:?}", landing.body);
    assert_eq!(landing.body["results"][0]["landing"], true);
    assert_eq!(landing.body["results"][0]["taken_as"], "human");
    let stored = app.stored_when("the click is counted", |s| counted(&records(s, false)) == 1).await;
    let mine = records(&stored, false);
    assert_eq!(mine.len(), 1);
    assert_eq!(number(mine[0], "count"), 1, "one click, one view: the page's view is the click's");
    assert!(records(&stored, true).is_empty(), "the page's script confirmed a person");
    assert_eq!(text(mine[0], "confidence"), "high");
    let confirmation: Vec<_> = rows(&stored).into_iter().filter(|r| r.contains_key("landing_of")).collect();
    assert_eq!(confirmation.len(), 1, "the confirmation is a row of its own");
    assert_eq!(text(confirmation[0], "event_type"), "Validate");
    // A retry of the page's post changes nothing.
    let before = app.stored(&app.planroom).await;
    let mut same = json!([view("job-1", "add-3")]);
    same[0]["event_id"] = json!("page-1");
    let first = app.post_contact_events(&click.session(), same.clone()).await;
    assert_eq!(first.status, 200);
    let after_first = app.stored(&app.planroom).await;
    assert_eq!(app.post_contact_events(&click.session(), same).await.body, first.body);
    assert_eq!(app.stored(&app.planroom).await, after_first, "{before:?}");
}

#[tokio::test]
async fn events_rows_and_blasts_only_go_into_registered_jobs_the_caller_may_see() {
    let app = TestApp::spawn().await;
    app.register_jobs(&["job-rival"], "rival").await;
    let ann = app.customer("ann@acme.test", "acme");
    let staff = app.staff();
    let before = app.stored(&app.planroom).await;
    for job in ["job-never-registered", "job-rival"] {
        // The job alone, and beside a job that is Ann's: nothing of the batch is stored.
        for events in [json!([view(job, "f")]), json!([view("job-1", "f"), view(job, "f")])] {
            let answer = app.post_events(&ann, events.clone()).await;
            assert_eq!(answer.status, 404, "{events}: {:?}", answer.body);
            assert_eq!(answer.body["error"]["code"], "not_found");
        }
        let row = json!({"events": [{"event_type": "Sign", "event_name": "Addendum acknowledged", "tool_name": "Bids", "job_id": job}]});
        assert_eq!(app.json("POST", "/v1/user-activity", Some(&ann), &row).await.status, 404, "{job}");
    }
    let blast = json!({"name": "b", "recipients": [{"email": "a@b.test"}], "targets": [{"kind": "file", "id": "f", "action": "view"}]});
    let answer = app.json("POST", "/v1/jobs/job-never-registered/blasts", Some(&staff), &blast).await;
    assert_eq!(answer.status, 404, "{:?}", answer.body);
    assert_eq!(app.stored(&app.planroom).await, before, "nothing of any refused post is stored");
    // Staff write into any registered job of their planroom; the rival's own users into theirs.
    assert_eq!(app.post_events(&staff, json!([view("job-rival", "f")])).await.status, 200);
    let rival = app.customer("rex@rival.test", "rival");
    assert_eq!(app.post_events(&rival, json!([view("job-rival", "f")])).await.status, 200);
}

#[tokio::test]
async fn a_stored_row_never_changes_and_client_rows_say_so() {
    let app = TestApp::spawn().await;
    let zoe = app.customer("zoe@acme.test", "acme");
    // A repeated event_id with another body: the first row stands, the answer is the first's.
    let first = app.post_events(&zoe, json!([{"event_id": "e-1", "job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": "f-1"}}])).await;
    let rows_before: Vec<Item> = rows(&app.stored(&app.planroom).await).into_iter().cloned().collect();
    let forged = app.post_events(&zoe, json!([{"event_id": "e-1", "job_id": "job-1", "activity": "download", "object": {"kind": "file", "id": "f-9"}}])).await;
    assert_eq!(forged.body, first.body);
    let stored = app.stored(&app.planroom).await;
    let rows_after: Vec<Item> = rows(&stored).into_iter().cloned().collect();
    assert_eq!(rows_after, rows_before, "the stored row is not rewritten");
    assert!(!stored.iter().any(|i| text(i, "object_id") == "f-9"), "nothing of the second body");

    // Rows posted by a client are marked so; one without an id gets one from its content and
    // time, so a retried post stores it once.
    let sign = json!({"event_type": "Sign", "event_name": "Addendum acknowledged", "tool_name": "Bids",
                      "job_id": "job-1", "occurred_at": shared::time::format(jiff::Timestamp::now())});
    let posted = app.json("POST", "/v1/user-activity", Some(&zoe), &json!({"events": [sign.clone()]})).await;
    assert_eq!(posted.status, 200, "{:?}", posted.body);
    let derived = posted.body["results"][0]["event_id"].as_str().unwrap().to_owned();
    let again = app.json("POST", "/v1/user-activity", Some(&zoe), &json!({"events": [sign]})).await;
    assert_eq!(again.body["results"][0]["event_id"], derived.as_str());
    let stored = app.stored(&app.planroom).await;
    let signs: Vec<_> = rows(&stored).into_iter().filter(|r| text(r, "event_type") == "Sign").collect();
    assert_eq!(signs.len(), 1, "stored once");
    assert_eq!(text(signs[0], "source"), "client");
    assert_eq!(text(signs[0], "event_id"), derived);
    let view_row = rows(&stored).into_iter().find(|r| text(r, "event_id") == "e-1").unwrap();
    assert_eq!(text(view_row, "source"), "login", "the service's own rows keep theirs");
}

#[tokio::test]
async fn the_persons_own_time_orders_first_and_last_access_whatever_the_order_of_arrival() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    let job = json!({"name": "Elm Street School", "company_id": "acme", "time_zone": "America/Chicago"});
    assert_eq!(app.json("PUT", "/v1/jobs/job-1", Some(&staff), &job).await.status, 200);
    let zoe = app.customer("zoe@acme.test", "acme");
    let ago = |minutes: i64| shared::time::format(jiff::Timestamp::now() - jiff::SignedDuration::from_mins(minutes));
    let at = |minutes: i64| {
        let mut e = view("job-1", "f-1");
        e["occurred_at"] = json!(ago(minutes));
        e
    };
    let (two_hours, one_hour, three_hours) = (at(120), at(60), at(180));
    let now = app.post_events(&zoe, json!([view("job-1", "f-1")])).await;
    assert_eq!(now.body["results"][0]["count"], 1);
    // An offline client's events arrive late, out of order.
    for (event, count) in [(&two_hours, 2), (&one_hour, 3), (&three_hours, 4)] {
        let answer = app.post_events(&zoe, json!([event])).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body["results"][0]["count"], count);
    }
    let stored = app.stored(&app.planroom).await;
    let record = records(&stored, false)[0];
    assert_eq!(text(record, "first_at"), three_hours["occurred_at"].as_str().unwrap(), "the earliest event");
    assert_eq!(text(record, "last_at"), now.body["results"][0]["first_at"].as_str().unwrap(), "never moved back");
    let late =
        rows(&stored).into_iter().find(|r| text(r, "event_timestamp") == one_hour["occurred_at"].as_str().unwrap());
    let late = late.expect("the row is at the person's time");
    assert!(text(late, "arrived_at") > text(late, "event_timestamp"), "its arrival is kept beside it");
    // Local times carry their offset, in the job's zone.
    let person = &app.individuals("job-1", false).await[0];
    let local = person["first_at_local"].as_str().unwrap();
    assert!(local.ends_with("-06:00") || local.ends_with("-05:00"), "{local}");
    // Too old, or too far ahead: 422, nothing stored.
    let before = app.stored(&app.planroom).await;
    for (minutes, what) in [(25 * 60, "a day and an hour ago"), (-6, "six minutes ahead")] {
        let answer = app.post_events(&zoe, json!([at(minutes)])).await;
        assert_eq!(answer.status, 422, "{what}: {:?}", answer.body);
    }
    assert_eq!(app.stored(&app.planroom).await, before);
}

#[tokio::test]
async fn a_hit_the_redirect_cannot_store_is_not_a_person_and_the_recipient_still_gets_there() {
    let (app, proxy) = TestApp::behind_proxy(Options::default()).await;
    let blast = app.blast("job-1", &["eve@bidder.test"], Some(&an_hour_ago())).await;
    let link = blast.link("eve@bidder.test", "add-3");
    assert_eq!(app.click(&link).await.status, 302, "the planroom's address is cached");
    app.stored_when("the first click is counted", |s| records(s, false).len() == 1).await;
    proxy.add(Rule::on("BatchWriteItem", error("ProvisionedThroughputExceededException", "slow down")));
    let click = app.click(&link).await;
    assert_eq!(click.status, 302, "the person still gets the redirect");
    assert!(click.header("location").starts_with("https://plans.example.test/jobs/job-1/files/add-3#contact_session="));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stored = app.stored(&app.planroom).await;
    assert_eq!(counted(&records(&stored, false)), 1, "the unstored hit is counted as nobody's");
}

#[tokio::test]
async fn a_hit_the_judge_cannot_read_around_waits_and_is_judged_when_it_can() {
    let app = TestApp::spawn().await;
    let blast = three_link_blast(&app, "job-1", &["fay@bidder.test"]).await;
    // The judge's reads fail for a while: the batch is delivered again; no hit is taken as a
    // person's meanwhile.
    app.worker.add(Rule::on("Query", error("InternalServerError", "Internal server error")).times(6));
    for target in ["t1", "t2", "t3"] {
        assert_eq!(app.click(&blast.link("fay@bidder.test", target)).await.status, 302);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(records(&app.stored(&app.planroom).await, false).is_empty(), "nothing is a person's by default");
    let stored = app.stored_when("the hits are judged", |s| counted(&records(s, true)) == 3).await;
    assert!(records(&stored, false).is_empty(), "judged a burst once the judge could read: {stored:#?}");
    assert!(app.worker.calls("Query").len() >= 6, "the reads were retried");
}
