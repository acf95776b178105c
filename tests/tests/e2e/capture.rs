//! Capture: registering jobs and first-access events of logged-in users.

use e2e::{TestApp, number, text, unique, view};
use serde_json::{Value, json};

fn first_access_items(items: &[e2e::Item]) -> Vec<&e2e::Item> {
    items.iter().filter(|i| text(i, "sk").starts_with("FA#")).collect()
}

#[tokio::test]
async fn fifty_concurrent_posts_of_one_event_make_one_first_access() {
    let app = TestApp::spawn().await;
    let token = app.customer("zoe@acme.test", "acme");
    let event = json!([view("job-1", "addendum-3")]);
    let answers = futures::future::join_all((0..50).map(|_| app.post_events(&token, event.clone()))).await;
    let results: Vec<&Value> = answers
        .iter()
        .map(|a| {
            assert_eq!(a.status, 200, "{:?}", a.body);
            &a.body["results"][0]
        })
        .collect();
    assert_eq!(results.iter().filter(|r| r["first"] == json!(true)).count(), 1);
    // Events that arrive together commit in any order: the record's first access is the earliest
    // event's time, however late it committed; no answer gives a time earlier than that.
    let first_at = results.iter().filter_map(|r| r["first_at"].as_str()).min().unwrap().to_owned();
    let first_at = json!(first_at);
    assert!(results.iter().all(|r| r["first_at"].as_str() >= first_at.as_str()));
    // Each answer carries the count after its own event: 1..50, each once; the stored count is exact.
    let mut counts: Vec<u64> = results.iter().map(|r| r["count"].as_u64().unwrap()).collect();
    counts.sort_unstable();
    assert_eq!(counts, (1..=50).collect::<Vec<u64>>(), "{results:?}");
    assert!(results.iter().all(|r| r["taken_as"] == "human"));

    let stored = app.stored(&app.planroom).await;
    let records = first_access_items(&stored);
    assert_eq!(records.len(), 1);
    assert_eq!(number(records[0], "count"), 50);
    assert_eq!(text(records[0], "first_at"), first_at.as_str().unwrap());
    let rows = stored.iter().filter(|i| text(i, "type") == "user_activity").count();
    assert_eq!(rows, 50, "every event is its own row");
    let people = app.individuals("job-1", false).await;
    assert_eq!(people.len(), 1);
    assert_eq!(people[0]["files_viewed"], 1, "a repeat never counts as another file");
}

#[tokio::test]
async fn repeats_bump_count_and_last_at_but_never_first_at() {
    let app = TestApp::spawn().await;
    let token = app.customer("zoe@acme.test", "acme");
    let first = app.post_events(&token, json!([view("job-1", "f1")])).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let again = app.post_events(&token, json!([view("job-1", "f1"), view("job-1", "f2")])).await;
    assert_eq!(first.body["results"][0]["first"], json!(true));
    assert_eq!(again.body["results"][0]["first"], json!(false));
    assert_eq!(again.body["results"][0]["count"], json!(2));
    assert_eq!(again.body["results"][0]["first_at"], first.body["results"][0]["first_at"]);
    assert_eq!(again.body["results"][1]["first"], json!(true));
    let stored = app.stored(&app.planroom).await;
    let f1 = stored.iter().find(|i| text(i, "sk").ends_with("#view#file#f1")).unwrap();
    assert!(text(f1, "last_at") > text(f1, "first_at"));
    assert_eq!(app.individuals("job-1", false).await[0]["files_viewed"], 2);
}

#[tokio::test]
async fn downloads_and_orders_of_sections_and_jobs_are_counted_apart_from_views() {
    let app = TestApp::spawn().await;
    let token = app.customer("kim@acme.test", "acme");
    let events = json!([
        {"job_id": "j", "activity": "download", "object": {"kind": "section", "id": "s1", "name": "Specs"}},
        {"job_id": "j", "activity": "order", "object": {"kind": "job", "id": "j", "name": "Whole job"}},
        {"job_id": "j", "activity": "download", "object": {"kind": "file", "id": "f1"}},
        {"job_id": "j", "activity": "view", "object": {"kind": "section", "id": "s1"}},
    ]);
    let answer = app.post_events(&token, events).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["results"].as_array().unwrap().len(), 4);
    let stored = app.stored(&app.planroom).await;
    let summary = &app.individuals("j", false).await[0];
    assert_eq!(summary["downloads"], 2);
    assert_eq!(summary["orders"], 1);
    assert_eq!(summary["files_viewed"], 0);
    assert_eq!(first_access_items(&stored).len(), 4);
}

#[tokio::test]
async fn two_users_are_two_individuals_and_case_of_email_does_not_matter() {
    let app = TestApp::spawn().await;
    let a = app.customer("ann@acme.test", "acme");
    let a_upper = app.token_for(
        &app.planroom,
        json!({"sub": "other-sub", "email": "ANN@acme.test", "role": "customer", "company_id": "acme", "approved": true}),
    );
    let b = app.customer("bob@acme.test", "acme");
    for token in [&a, &a_upper, &b] {
        assert_eq!(app.post_events(token, json!([view("job-1", "f1")])).await.status, 200);
    }
    let stored = app.stored(&app.planroom).await;
    let individuals = app.individuals("job-1", false).await;
    assert_eq!(individuals.len(), 2);
    assert_eq!(first_access_items(&stored).len(), 2);
    let ann = individuals.iter().find(|i| i["email"] == "ann@acme.test").unwrap();
    assert_eq!(ann["name"], "User ann@acme.test", "an empty name claim never erases a known name");
}

#[tokio::test]
async fn staff_register_jobs_and_customers_cannot() {
    let app = TestApp::spawn().await;
    let job = json!({"name": "Elm Street School", "number": "24-017", "company_id": "acme",
                     "company_name": "ACME Construction", "time_zone": "America/Chicago", "is_demo": false});
    let created = app.json("PUT", "/v1/jobs/job-new", Some(&app.staff()), &job).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    assert_eq!(created.body["company_id"], "acme");
    let updated = app.json("PUT", "/v1/jobs/job-new", Some(&app.staff()), &json!({"name": "Elm St. School"})).await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.body["time_zone"], "UTC");

    let before = app.stored(&app.planroom).await;
    let denied = app.json("PUT", "/v1/jobs/job-2", Some(&app.customer("x@acme.test", "acme")), &job).await;
    assert_eq!(denied.status, 403);
    assert_eq!(denied.body["error"]["code"], "forbidden");
    // Zones are the OpenAPI document's enum, spelled exactly.
    for zone in ["Mars/Base", "america/chicago", ""] {
        let bad_zone =
            app.json("PUT", "/v1/jobs/job-1", Some(&app.staff()), &json!({"name": "x", "time_zone": zone})).await;
        assert_eq!(bad_zone.status, 422, "{zone:?}");
    }
    assert_eq!(app.stored(&app.planroom).await, before);
}

#[tokio::test]
async fn a_token_of_planroom_a_never_writes_into_planroom_b() {
    let app = TestApp::spawn().await;
    let other = unique("pr-b");
    let token_a = app.customer("ann@acme.test", "acme");
    let staff_a = app.staff();
    assert_eq!(app.post_events(&token_a, json!([view("job-1", "f1")])).await.status, 200);
    assert_eq!(app.json("PUT", "/v1/jobs/job-1", Some(&staff_a), &json!({"name": "A's job"})).await.status, 200);
    assert!(app.stored(&other).await.is_empty());
    let stored = app.stored(&app.planroom).await;
    assert!(stored.iter().all(|i| text(i, "pk").starts_with(&format!("P#{}#", app.planroom))));
    let records: Vec<_> = stored.iter().filter(|i| !text(i, "type").starts_with("user_activity")).collect();
    assert_eq!(records.len(), 3, "the job and its entry in the job list (both changed), and the first access");
    assert!(records.iter().any(|i| text(i, "type") == "job_entry" && text(i, "name") == "A's job"));
    let rows: Vec<_> = stored.iter().filter(|i| text(i, "type") == "user_activity").collect();
    assert_eq!(rows.len(), 2, "the view and the job registered, as User Activity rows");
    assert!(stored.iter().any(|i| text(i, "type") == "user_activity_day"), "their day is listed");
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401_and_store_nothing() {
    let app = TestApp::spawn().await;
    let body = json!({"events": [view("job-1", "f1")]});
    let expired = app.auth.mint(&json!({"sub": "u", "planroom_id": app.planroom}), -5);
    let foreign =
        devserver::DevAuthorizer::new(b"not-the-key").mint(&json!({"sub": "u", "planroom_id": app.planroom}), 60);
    let no_tenant = app.auth.mint(&json!({"sub": "u"}), 60);
    for token in [None, Some("garbage"), Some(expired.as_str()), Some(foreign.as_str()), Some(no_tenant.as_str())] {
        let answer = app.json("POST", "/v1/events", token, &body).await;
        assert_eq!(answer.status, 401, "{token:?}");
        assert_eq!(answer.body["error"]["code"], "unauthorized");
    }
    assert!(app.stored(&app.planroom).await.is_empty());
}

#[tokio::test]
async fn unknown_fields_are_ignored_whatever_they_hold() {
    let app = TestApp::spawn().await;
    let token = app.customer("ann@acme.test", "acme");
    let mut event = view("job-1", "f1");
    event["tags"] = json!(["a", ["b"], {"c": []}]);
    event["object"]["labels"] = json!([1, 2]);
    let body = json!({"events": [event], "trace": [null]}).to_string().into_bytes();
    let answer = app.send("POST", "/v1/events", Some(&token), Some(body)).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let stored = app.stored(&app.planroom).await;
    assert!(stored.iter().any(|item| text(item, "object_id") == "f1"), "the view is stored");
    assert!(!format!("{stored:?}").contains("labels"), "unknown fields are not stored");
}

#[tokio::test]
async fn bad_input_gets_its_status_and_leaves_the_table_as_it_was() {
    let app = TestApp::spawn().await;
    let token = app.customer("ann@acme.test", "acme");
    assert_eq!(app.post_events(&token, json!([view("job-1", "f1")])).await.status, 200);
    let before = app.stored(&app.planroom).await;
    let event = |patch: Value| {
        let mut e = view("job-1", "f2");
        for (k, v) in patch.as_object().unwrap() {
            e[k] = v.clone();
        }
        json!({"events": [e]})
    };
    let long_id = "x".repeat(257);
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        ("malformed JSON", b"{\"events\": [".to_vec(), 400),
        ("event as an array", br#"[["job-1","view",["file","f9",null],null,null,null]]"#.to_vec(), 422),
        ("object as an array", event(json!({"object": ["file", "f9", null]})).to_string().into_bytes(), 422),
        ("wrong type", event(json!({"job_id": 12})).to_string().into_bytes(), 422),
        ("unknown activity", event(json!({"activity": "print"})).to_string().into_bytes(), 422),
        ("unknown kind", event(json!({"object": {"kind": "folder", "id": "x"}})).to_string().into_bytes(), 422),
        ("missing object", json!({"events": [{"job_id": "j", "activity": "view"}]}).to_string().into_bytes(), 422),
        ("empty batch", json!({"events": []}).to_string().into_bytes(), 422),
        ("26 events", json!({"events": vec![view("job-1", "f9"); 26]}).to_string().into_bytes(), 422),
        ("control character", event(json!({"object": {"kind": "file", "id": "f\u{1}"}})).to_string().into_bytes(), 422),
        ("id over 256 bytes", event(json!({"job_id": long_id})).to_string().into_bytes(), 422),
        (
            "body over 256 KiB",
            json!({"events": [view("job-1", "f3")], "pad": "x".repeat(300 * 1024)}).to_string().into_bytes(),
            413,
        ),
    ];
    for (what, body, status) in cases {
        let answer = app.send("POST", "/v1/events", Some(&token), Some(body)).await;
        assert_eq!(answer.status, status, "{what}: {:?}", answer.body);
        assert!(answer.body["error"]["code"].is_string(), "{what}: JSON error expected");
        assert!(answer.body["error"]["message"].is_string(), "{what}");
    }
    let unknown = app.send("GET", "/v1/nothing-here", Some(&token), None).await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.body["error"]["code"], "not_found");
    // A known path with a method it lacks: 405 naming the path's methods, with or without a token.
    for (method, path, allow) in [
        ("GET", "/v1/events", "POST"),
        ("DELETE", "/v1/events", "POST"),
        ("TRACE", "/v1/planroom", "PUT"),
        ("POST", "/v1/jobs/job-1/activity/individuals", "GET"),
        ("PUT", "/r/some.link.token", "GET, HEAD"),
    ] {
        for auth in [Some(token.as_str()), None] {
            let answer = app.send(method, path, auth, Some(b"{}".to_vec())).await;
            assert_eq!(answer.status, 405, "{method} {path}: {:?}", answer.body);
            assert_eq!(answer.header("allow"), allow, "{method} {path}");
            assert_eq!(answer.body["error"]["code"], "method_not_allowed");
        }
    }
    assert_eq!(app.stored(&app.planroom).await, before);
}
