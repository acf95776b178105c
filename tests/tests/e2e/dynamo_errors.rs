//! DynamoDB's own error answers, injected in front of the stand-in (which never produces them),
//! against the real SDK: each has its deliberate path, and each test looks at what was stored.

use std::time::{Duration, Instant};

use e2e::dynamo_proxy::{Action, Rule, error};
use e2e::{Item, Options, TestApp, an_hour_ago, number, text, view};
use serde_json::json;

fn records(items: &[Item]) -> Vec<&Item> {
    items.iter().filter(|i| text(i, "sk").starts_with("FA#")).collect()
}

#[tokio::test]
async fn a_record_update_refused_with_a_transaction_conflict_is_retried_and_counts_once() {
    // Real DynamoDB answers a single-item write with TransactionConflictException while a
    // transaction on the same item is in flight.
    let (app, proxy) = TestApp::behind_proxy(Options::default()).await;
    let token = app.customer("zoe@acme.test", "acme");
    proxy.add(
        Rule::on("UpdateItem", error("TransactionConflictException", "Transaction is ongoing for the item")).times(2),
    );
    let answer = app.post_events(&token, json!([view("job-1", "f-1")])).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["results"][0]["first"], true);
    assert_eq!(proxy.calls("UpdateItem").len(), 3, "two conflicts, then the write");
    let stored = app.stored(&app.planroom).await;
    assert_eq!(records(&stored).len(), 1);
    assert_eq!(number(records(&stored)[0], "count"), 1);
    assert_eq!(app.individuals("job-1", false).await[0]["files_viewed"], 1);
}

#[tokio::test]
async fn the_judges_record_update_refused_with_a_transaction_conflict_is_retried() {
    let app = TestApp::spawn().await;
    let blast = app.blast("job-1", &["ann@bidder.test"], Some(&an_hour_ago())).await;
    app.worker.add(
        Rule::on("UpdateItem", error("TransactionConflictException", "Transaction is ongoing for the item")).times(2),
    );
    let click = app.click(&blast.link("ann@bidder.test", "add-3")).await;
    assert_eq!(click.status, 302);
    let stored = app.stored_when("the hit is counted", |s| !records(s).is_empty()).await;
    assert_eq!(records(&stored).len(), 1, "the hit was recorded, as a person's");
    assert_eq!(number(records(&stored)[0], "count"), 1);
    assert!(app.worker.calls("UpdateItem").len() >= 3, "two conflicts, then the write");
}

#[tokio::test]
async fn validation_and_size_failures_are_a_500_at_once_never_retried_and_store_nothing() {
    let (app, proxy) = TestApp::behind_proxy(Options::default()).await;
    let token = app.customer("zoe@acme.test", "acme");
    assert_eq!(app.post_events(&token, json!([view("job-1", "f-0")])).await.status, 200);
    let before = app.stored(&app.planroom).await;
    let failures = [
        ("UpdateItem", error("ValidationException", "Item size has exceeded the maximum allowed size")),
        ("UpdateItem", error("ItemCollectionSizeLimitExceededException", "Collection size exceeded")),
        // The record is counted, then its row is refused: the count is given back.
        ("BatchWriteItem", error("ValidationException", "Item size has exceeded the maximum allowed size")),
        ("BatchWriteItem", error("ItemCollectionSizeLimitExceededException", "Collection size exceeded")),
    ];
    for (operation, failure) in failures {
        proxy.forget_calls();
        proxy.add(Rule::on(operation, failure.clone()).times(1));
        let started = Instant::now();
        let answer = app.post_events(&token, json!([view("job-1", "f-1")])).await;
        assert_eq!(answer.status, 500, "{failure:?}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["code"], "internal");
        assert_eq!(proxy.calls(operation).len(), 1, "{failure:?} is never retried");
        assert!(started.elapsed() < Duration::from_secs(1), "{failure:?} answered at once");
        assert_eq!(app.stored(&app.planroom).await, before, "{operation} {failure:?} stored nothing");
    }
}

#[tokio::test]
async fn throttling_is_retried_within_the_budget_then_a_503_with_retry_after() {
    let budget = Duration::from_secs(2);
    let (app, proxy) = TestApp::behind_proxy(Options { request_budget: budget, ..Options::default() }).await;
    let token = app.customer("zoe@acme.test", "acme");
    let throttled = [
        error("ThrottlingException", "Rate of requests exceeds the allowed throughput."),
        error(
            "ProvisionedThroughputExceededException",
            "The level of configured provisioned throughput for the table was exceeded.",
        ),
        error("RequestLimitExceeded", "Throughput exceeds the current throughput limit for your account."),
        error("InternalServerError", "Internal server error"),
    ];
    for failure in throttled {
        proxy.forget_calls();
        proxy.add(Rule::on("UpdateItem", failure.clone()));
        let started = Instant::now();
        let answer = app.post_events(&token, json!([view("job-1", "f-1")])).await;
        assert_eq!(answer.status, 503, "{failure:?}: {:?}", answer.body);
        assert_eq!(answer.body["error"]["code"], "unavailable");
        assert_eq!(answer.header("retry-after"), "1");
        assert!(started.elapsed() < budget + Duration::from_millis(500), "{failure:?}: {:?}", started.elapsed());
        assert!(proxy.calls("UpdateItem").len() > 2, "{failure:?} was retried");
        assert!(app.stored(&app.planroom).await.is_empty(), "{failure:?} stored nothing");
        proxy.clear();
    }
    // Throttling that passes is absorbed, and the access counts once.
    proxy.add(Rule::on("UpdateItem", error("ProvisionedThroughputExceededException", "slow down")).times(2));
    proxy.add(Rule::on("BatchWriteItem", error("ThrottlingException", "slow down")).times(2));
    let answer = app.post_events(&token, json!([view("job-1", "f-1")])).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let stored = app.stored(&app.planroom).await;
    assert_eq!(number(records(&stored)[0], "count"), 1);
}

#[tokio::test]
async fn slow_answers_end_in_a_json_503_within_the_budget_and_leave_a_consistent_record() {
    let budget = Duration::from_secs(2);
    let (app, proxy) = TestApp::behind_proxy(Options { request_budget: budget, ..Options::default() }).await;
    let token = app.customer("zoe@acme.test", "acme");
    // Each call takes 1.2 s: the read and the write of a post do not fit in 2 s.
    proxy.add(Rule::on("*", Action::Delay(Duration::from_millis(1200))));
    let started = Instant::now();
    let answer = app.post_events(&token, json!([view("job-1", "f-1")])).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert_eq!(answer.body["error"]["code"], "unavailable");
    assert!(started.elapsed() < budget + Duration::from_millis(500), "{:?}", started.elapsed());
    proxy.clear();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    // Whether or not the write got through, the record and the log agree.
    let stored = app.stored(&app.planroom).await;
    let rows = activity_rows(&stored).len();
    match records(&stored).as_slice() {
        [] => assert_eq!(rows, 0, "{stored:?}"),
        [record] => {
            assert_eq!(number(record, "count"), 1);
            assert_eq!(rows, 1, "{stored:?}");
        }
        more => panic!("{more:?}"),
    }
}

#[tokio::test]
async fn a_tracked_link_redirects_within_3_s_whatever_the_table_does() {
    let (app, proxy) = TestApp::behind_proxy(Options::default()).await;
    let blast = app.blast("job-1", &["ann@bidder.test"], Some(&an_hour_ago())).await;
    let link = blast.link("ann@bidder.test", "add-3");
    assert_eq!(app.click(&link).await.status, 302, "healthy: the planroom's address is now known");
    for action in [Action::Hang, Action::Delay(Duration::from_secs(2)), error("ThrottlingException", "slow down")] {
        proxy.add(Rule::on("*", action.clone()));
        let started = Instant::now();
        let click = app.click(&link).await;
        let took = started.elapsed();
        assert_eq!(click.status, 302, "{action:?}");
        assert!(
            click.header("location").starts_with("https://plans.example.test/jobs/job-1/files/add-3#contact_session=")
        );
        assert!(took < Duration::from_secs(3), "{action:?}: the recipient waited {took:?}");
        proxy.clear();
    }
    let stored = app.stored_when("the clicks are counted", |s| !records(s).is_empty()).await;
    assert!(number(records(&stored)[0], "count") >= 1);
}

fn activity_rows(items: &[Item]) -> Vec<&Item> {
    items.iter().filter(|i| text(i, "type") == "user_activity").collect()
}

#[tokio::test]
async fn a_row_write_throttled_past_the_budget_is_a_503_and_the_retry_stores_it_once() {
    let budget = Duration::from_secs(2);
    let (app, proxy) = TestApp::behind_proxy(Options { request_budget: budget, ..Options::default() }).await;
    let token = app.customer("zoe@acme.test", "acme");
    let events =
        json!([{"event_id": "ev-1", "job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": "f-1"}}]);
    // The access is counted, then every write of its row is throttled until the budget runs out:
    // the count is given back and the id forgotten, so nothing is left half-recorded.
    proxy.add(
        Rule::on("PutItem", error("ProvisionedThroughputExceededException", "slow down")).containing("\"event_key\""),
    );
    let answer = app.post_events(&token, events.clone()).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert!(proxy.calls("PutItem").len() > 2, "throttled writes are retried");
    let stored = app.stored(&app.planroom).await;
    assert!(records(&stored).is_empty(), "{stored:?}");
    assert!(activity_rows(&stored).is_empty());
    // The client retries the same event: counted once, its row stored once.
    proxy.clear();
    for _ in 0..2 {
        let retry = app.post_events(&token, events.clone()).await;
        assert_eq!(retry.status, 200, "{:?}", retry.body);
        assert_eq!(retry.body["results"][0]["count"], 1);
    }
    let stored = app.stored(&app.planroom).await;
    assert_eq!(number(records(&stored)[0], "count"), 1);
    let rows = activity_rows(&stored);
    assert_eq!(rows.len(), 1, "one row for the event, however often it was sent");
    assert_eq!(text(rows[0], "event_id"), "ev-1");

    // The id is remembered but giving it back fails too: the retry finds no row behind it,
    // and stores it.
    proxy.add(
        Rule::on("PutItem", error("ProvisionedThroughputExceededException", "slow down")).containing("\"event_key\""),
    );
    proxy.add(Rule::on("DeleteItem", error("ProvisionedThroughputExceededException", "slow down")));
    let ev2 =
        json!([{"event_id": "ev-2", "job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": "f-2"}}]);
    assert_eq!(app.post_events(&token, ev2.clone()).await.status, 503);
    proxy.clear();
    // At once, the id could be another attempt's in flight: retry later.
    assert_eq!(app.post_events(&token, ev2.clone()).await.status, 503);
    tokio::time::sleep(Duration::from_secs(shared::recording::CLAIM_LEASE_SECONDS as u64)).await;
    let retry = app.post_events(&token, ev2.clone()).await;
    assert_eq!(retry.status, 200, "{:?}", retry.body);
    assert_eq!(retry.body["results"][0]["count"], 1, "counted once");
    let stored = app.stored(&app.planroom).await;
    let rows: Vec<_> = activity_rows(&stored).into_iter().filter(|r| text(r, "event_id") == "ev-2").collect();
    assert_eq!(rows.len(), 1, "the retry stored the row the first attempt could not");

    // A user event whose id was remembered but whose row was not stored: the retry stores it.
    proxy.add(
        Rule::on("PutItem", error("ProvisionedThroughputExceededException", "slow down")).containing("\"event_key\""),
    );
    let sign = json!({"events": [{"event_id": "ack-1", "event_type": "Sign", "event_name": "Addendum acknowledged", "tool_name": "Bids"}]});
    let refused = app.json("POST", "/v1/user-activity", Some(&token), &sign).await;
    assert_eq!(refused.status, 503, "{:?}", refused.body);
    proxy.clear();
    // Throttled answers to remembering the id are retried within the budget.
    proxy.add(Rule::on("PutItem", error("ThrottlingException", "slow down")).containing("#EV#").times(2));
    for _ in 0..2 {
        let answer = app.json("POST", "/v1/user-activity", Some(&token), &sign).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
    }
    let stored = app.stored(&app.planroom).await;
    let signs: Vec<_> = activity_rows(&stored).into_iter().filter(|i| text(i, "event_id") == "ack-1").collect();
    assert_eq!(signs.len(), 1);
}
