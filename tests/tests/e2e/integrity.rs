//! The record holds under real conditions: sessions stay in their job, a scanner's session never
//! becomes a person, and a retried or duplicated post never counts twice.

use std::time::Duration;

use e2e::dynamo_proxy::{Action, Rule, error};
use e2e::{Item, Options, TestApp, an_hour_ago, counted, number, records, text, view};
use serde_json::{Value, json};
use shared::scanner::Rules;

fn with_sk<'a>(items: &'a [Item], prefix: &str) -> Vec<&'a Item> {
    items.iter().filter(|i| text(i, "sk").starts_with(prefix)).collect()
}

async fn individuals(app: &TestApp, job: &str, query: &str) -> Vec<Value> {
    let answer =
        app.send("GET", &format!("/v1/jobs/{job}/activity/individuals?{query}"), Some(&app.staff()), None).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    answer.body["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_session_for_job_a_records_nothing_in_job_b_or_in_an_unregistered_job() {
    let app = TestApp::spawn().await;
    for job in ["job-a", "job-b"] {
        assert_eq!(
            app.json("PUT", &format!("/v1/jobs/{job}"), Some(&app.staff()), &json!({"name": job})).await.status,
            201
        );
    }
    let blast = app.blast("job-a", &["zoe@bidder.test"], Some(&an_hour_ago())).await;
    let session = app.click(&blast.link("zoe@bidder.test", "add-3")).await.session();
    let before = app.stored(&app.planroom).await;
    for events in [
        json!([view("job-b", "f-1")]),
        json!([view("job-never-registered", "f-1")]),
        json!([view("job-a", "f-1"), view("job-b", "f-2")]),
    ] {
        let answer = app.post_contact_events(&session, events.clone()).await;
        assert_eq!(answer.status, 403, "{events}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["code"], "forbidden");
    }
    assert_eq!(app.stored(&app.planroom).await, before, "nothing of a refused post is stored");
    assert!(individuals(&app, "job-b", "include_automated=true").await.is_empty());
    let own = app.post_contact_events(&session, json!([view("job-a", "f-1")])).await;
    assert_eq!(own.status, 200, "the session still works in its own job: {:?}", own.body);
}

#[tokio::test]
async fn a_scanners_session_records_only_automated_activity_and_a_persons_later_click_is_human() {
    let app = TestApp::spawn().await;
    let blast = app.blast("job-1", &["ann@bidder.test", "bob@bidder.test"], Some(&an_hour_ago())).await;
    let link = blast.link("ann@bidder.test", "add-3");
    let probe = app.send_with("HEAD", &link, &[("user-agent", e2e::BROWSER)], None).await;
    assert_eq!(probe.status, 302);
    let preview = app
        .send_with("GET", &blast.link("bob@bidder.test", "add-3"), &[("user-agent", "Barracuda Sentinel (EE)")], None)
        .await;
    for (session, reason) in [(probe.session(), "head_request"), (preview.session(), "scanner_user_agent")] {
        let answer = app.post_contact_events(&session, json!([view("job-1", "a-101"), view("job-1", "add-3")])).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        let stored = app.stored(&app.planroom).await;
        let automated: Vec<_> = stored
            .iter()
            .filter(|i| text(i, "automated_reason") == reason && text(i, "type") == "first_access")
            .collect();
        assert_eq!(automated.len(), 2, "the link hit and the session's two files, as {reason}: {stored:?}");
        let rows =
            stored.iter().filter(|i| text(i, "automated_reason") == reason && text(i, "type") == "user_activity");
        assert_eq!(rows.count(), 3, "every hit is a row, automated, with its reason");
    }
    // The links' own hits are counted by the judge, from the stream: the link's view and the
    // session's two views, three automated hits each.
    let stored = app.stored_when("the scanners' hits are counted", |s| counted(&records(s, true)) == 6).await;
    assert!(records(&stored, false).is_empty(), "no human first access");
    assert!(individuals(&app, "job-1", "").await.is_empty(), "nobody a scanner touched is a person");
    let with_scanners = individuals(&app, "job-1", "include_automated=true").await;
    assert_eq!(with_scanners.len(), 2);
    assert!(with_scanners.iter().all(|i| i["files_viewed"] == 0 && i["automated_hits"] == 3), "{with_scanners:?}");

    // Ann herself clicks the same link later: a human session, a human first access.
    let click = app.click(&link).await;
    assert_eq!(click.status, 302);
    let answer = app.post_contact_events(&click.session(), json!([view("job-1", "a-101")])).await;
    assert_eq!(answer.body["results"][0]["first"], true, "the scanner's view never was Ann's first");
    app.stored_when("Ann's click is counted", |s| records(s, false).len() == 2).await;
    let people = individuals(&app, "job-1", "").await;
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["email"], "ann@bidder.test");
    assert_eq!(people[0]["files_viewed"], 2, "add-3 by the click, a-101 by the session");
}

#[tokio::test]
async fn a_hit_from_a_scanner_network_gets_a_scanners_session() {
    let rules = Rules::default().with_extra_networks("127.0.0.0/8, ::1/128").unwrap();
    let app = TestApp::spawn_with(Options { rules, ..Options::default() }).await;
    let blast = app.blast("job-1", &["cat@bidder.test"], Some(&an_hour_ago())).await;
    let hit = app.click(&blast.link("cat@bidder.test", "add-3")).await;
    assert_eq!(hit.status, 302);
    let answer = app.post_contact_events(&hit.session(), json!([view("job-1", "a-101")])).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["results"][0]["taken_as"], "automated");
    let stored = app.stored_when("the hit is counted", |s| records(s, true).len() == 2).await;
    assert!(records(&stored, false).is_empty());
    assert_eq!(records(&stored, true).iter().filter(|i| text(i, "automated_reason") == "scanner_network").count(), 2);
}

#[tokio::test]
async fn without_sent_at_the_links_a_scanner_opens_at_once_are_automated() {
    let app = TestApp::spawn().await;
    let blast = app.blast("job-1", &["dan@bidder.test"], None).await;
    // A scanner that looks like a desktop Chrome, seconds after the blast was registered, and
    // never runs the page.
    for target in ["add-3", "s-2"] {
        let hit = app.click(&blast.link("dan@bidder.test", target)).await;
        assert_eq!(hit.status, 302);
    }
    let stored = app.stored_when("both hits are judged", |s| records(s, true).len() == 2).await;
    assert!(records(&stored, false).is_empty(), "{stored:?}");
    let automated = records(&stored, true);
    assert!(automated.iter().all(|i| text(i, "automated_reason") == "too_soon_after_send"), "{automated:?}");
    assert!(automated.iter().all(|i| text(i, "confidence") == "medium"), "timing alone is not certain");
}

fn with_ids(events: &[(&str, Value)]) -> Value {
    Value::Array(
        events
            .iter()
            .map(|(id, event)| {
                let mut event = event.clone();
                event["event_id"] = json!(id);
                event
            })
            .collect(),
    )
}

#[tokio::test]
async fn the_same_batch_posted_twice_counts_once_and_answers_the_same() {
    let app = TestApp::spawn().await;
    let token = app.customer("zoe@acme.test", "acme");
    let download = json!({"job_id": "job-1", "activity": "download", "object": {"kind": "file", "id": "f-1"}});
    let batch = with_ids(&[("ev-1", view("job-1", "f-1")), ("ev-2", view("job-1", "f-1")), ("ev-3", download)]);
    let first = app.post_events(&token, batch.clone()).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let after_first = app.stored(&app.planroom).await;
    let again = app.post_events(&token, batch).await;
    assert_eq!(again.body, first.body, "a retry answers what the post answered");
    assert_eq!(app.stored(&app.planroom).await, after_first, "and changes nothing");
    let record = after_first.iter().find(|i| text(i, "sk").ends_with("#view#file#f-1")).unwrap();
    assert_eq!(number(record, "count"), 2);
    let summary = &individuals(&app, "job-1", "").await[0];
    assert_eq!((&summary["files_viewed"], &summary["downloads"]), (&json!(1), &json!(1)));
}

#[tokio::test]
async fn ten_concurrent_retries_of_one_event_count_it_once() {
    let app = TestApp::spawn().await;
    let token = app.customer("zoe@acme.test", "acme");
    let event = with_ids(&[("retry-1", view("job-1", "f-1"))]);
    let original = app.post_events(&token, event.clone()).await;
    assert_eq!(original.status, 200);
    let retries = futures::future::join_all((0..10).map(|_| app.post_events(&token, event.clone()))).await;
    assert!(retries.iter().all(|r| r.status == 200 && r.body == original.body), "{retries:?}");
    // Copies that arrive together before any was stored: one is applied, all answer alike.
    let copies = with_ids(&[("copies-1", view("job-1", "f-2"))]);
    let answers = futures::future::join_all((0..10).map(|_| app.post_events(&token, copies.clone()))).await;
    assert!(answers.iter().all(|a| a.status == 200 && a.body == answers[0].body), "{answers:?}");
    let answer = &answers[0].body["results"][0];
    assert_eq!((&answer["first"], &answer["count"], &answer["taken_as"]), (&json!(true), &json!(1), &json!("human")));
    let stored = app.stored(&app.planroom).await;
    for file in ["f-1", "f-2"] {
        let record = stored.iter().find(|i| text(i, "sk").ends_with(&format!("#view#file#{file}"))).unwrap();
        assert_eq!(number(record, "count"), 1, "{file}");
    }
    assert_eq!(individuals(&app, "job-1", "").await[0]["files_viewed"], 2);
    let rows: Vec<_> = stored.iter().filter(|i| text(i, "type") == "user_activity").collect();
    assert_eq!(rows.len(), 2, "one row per event id");
    let remembered: Vec<_> = stored.iter().filter(|i| text(i, "type") == "event_id").collect();
    assert_eq!(remembered.len(), 2, "each id remembered beside its row");
    assert!(remembered.iter().all(|i| number(i, "expires_at") > 0), "ids are forgotten by TTL");
}

#[tokio::test]
async fn an_event_id_repeated_within_a_post_counts_once_and_bad_ids_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.customer("zoe@acme.test", "acme");
    let answer =
        app.post_events(&token, with_ids(&[("dup", view("job-1", "f-1")), ("dup", view("job-1", "f-1"))])).await;
    assert_eq!(answer.body["results"][0], answer.body["results"][1]);
    let before = app.stored(&app.planroom).await;
    assert_eq!(number(before.iter().find(|i| text(i, "sk").starts_with("FA#")).unwrap(), "count"), 1);
    for bad in [json!(""), json!("a b"), json!("é"), json!("x".repeat(65)), json!(42), json!(["a"])] {
        let mut event = view("job-1", "f-9");
        event["event_id"] = bad.clone();
        let answer = app.post_events(&token, json!([event])).await;
        assert_eq!(answer.status, 422, "{bad}: {:?}", answer.body);
    }
    assert_eq!(app.stored(&app.planroom).await, before);
}

#[tokio::test]
async fn a_post_that_fails_midway_stores_nothing_and_its_retry_stores_it_once() {
    let (app, proxy) = TestApp::behind_proxy(Options::default()).await;
    let token = app.customer("zoe@acme.test", "acme");
    assert_eq!(app.post_events(&token, json!([view("job-1", "f-0")])).await.status, 200);
    let before = app.stored(&app.planroom).await;
    let batch =
        with_ids(&[("m-1", view("job-1", "f-1")), ("m-2", view("job-1", "f-2")), ("m-3", view("job-1", "f-0"))]);
    // The second record's update is refused after the first was counted.
    proxy.add(
        Rule::on("UpdateItem", error("ValidationException", "One or more parameter values were invalid"))
            .containing("#file#f-2")
            .times(1),
    );
    let failed = app.post_events(&token, batch.clone()).await;
    assert_eq!(failed.status, 500, "{:?}", failed.body);
    // Its counts are given back, its ids forgotten, no row stored (a record it touched keeps the
    // later `last_at` it moved to, and loses the post's mark).
    let settled = |items: Vec<Item>| -> Vec<Item> {
        items
            .into_iter()
            .map(|mut i| {
                i.retain(|name, _| name != "last_at" && !(name.len() == 2 && name.starts_with('u')));
                i
            })
            .collect()
    };
    assert_eq!(settled(app.stored(&app.planroom).await), settled(before), "nothing of the failed post is stored");
    let retried = app.post_events(&token, batch.clone()).await;
    assert_eq!(retried.status, 200);
    let once = app.stored(&app.planroom).await;
    assert_eq!(app.post_events(&token, batch).await.body, retried.body);
    assert_eq!(app.stored(&app.planroom).await, once);
    let counts: Vec<u64> = with_sk(&once, "FA#").iter().map(|i| number(i, "count")).collect();
    assert_eq!(counts, [2, 1, 1], "f-0 twice (the first post and m-3), f-1 and f-2 once");
}

#[tokio::test]
async fn an_answer_lost_after_the_write_committed_never_counts_twice() {
    // The SDK attempt times out after 500 ms; the proxy applies the write, then holds its answer.
    let (app, proxy) = TestApp::behind_proxy(Options::default()).await;
    let token = app.customer("zoe@acme.test", "acme");
    proxy.add(Rule::on("UpdateItem", Action::ApplyThenStall(Duration::from_millis(1500))).times(1));
    let answer = app.post_events(&token, json!([view("job-1", "f-1")])).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["results"][0]["count"], 1);
    let sent = proxy.calls("UpdateItem");
    assert_eq!(sent.len(), 2, "the update was sent again after the timeout");
    assert_eq!(sent[0].request, sent[1].request, "the same update, with the same mark");
    let stored = app.stored(&app.planroom).await;
    assert_eq!(number(with_sk(&stored, "FA#")[0], "count"), 1, "applied once");
    // And a repeat after it counts.
    let again = app.post_events(&token, json!([view("job-1", "f-1")])).await;
    assert_eq!(again.body["results"][0]["count"], 2);
}
