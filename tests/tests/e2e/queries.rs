//! Activity queries and customer visibility.

use std::collections::HashSet;

use e2e::{Answer, TestApp, text, view};
use futures::StreamExt;
use serde_json::{Value, json};

async fn register_job(app: &TestApp, job: &str, company: &str) {
    let body = json!({"name": format!("Job {job}"), "number": "24-017", "company_id": company, "company_name": "ACME"});
    assert!(matches!(app.json("PUT", &format!("/v1/jobs/{job}"), Some(&app.staff()), &body).await.status, 200 | 201));
}

async fn get(app: &TestApp, token: &str, path: &str) -> e2e::Answer {
    app.send("GET", path, Some(token), None).await
}

#[tokio::test]
async fn list_detail_and_file_view_agree_with_what_was_captured() {
    let app = TestApp::spawn().await;
    register_job(&app, "job-1", "acme").await;
    let ann = app.customer("ann@acme.test", "acme");
    // Bob's e-mail is elsewhere, but he works for the company the job is assigned to.
    let bob = app.customer("bob@beta.test", "acme");
    app.post_events(&ann, json!([view("job-1", "add-3"), view("job-1", "a-101")])).await;
    app.post_events(&ann, json!([view("job-1", "add-3")])).await;
    app.post_events(&bob, json!([{"job_id": "job-1", "activity": "download", "object": {"kind": "file", "id": "add-3", "name": "add-3.pdf"}}])).await;
    let staff_blast = json!({"name": "b", "recipients": [{"email": "cat@gamma.test", "name": "Cat"}, {"email": "ann@acme.test"}],
                             "targets": [{"kind": "file", "id": "add-3", "action": "view"}]});
    let blast = app.json("POST", "/v1/jobs/job-1/blasts", Some(&app.staff()), &staff_blast).await;
    assert_eq!(blast.status, 201);

    let staff = app.staff();
    let list = get(&app, &staff, "/v1/jobs/job-1/activity/individuals").await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(list.body["next_cursor"].is_null());
    let ann_row = items.iter().find(|i| i["email"] == "ann@acme.test").unwrap();
    assert_eq!(ann_row["files_viewed"], 2);
    assert_eq!(ann_row["downloads"], 0);
    assert_eq!(ann_row["sources"], json!(["login"]));
    assert_eq!(ann_row["name"], "User ann@acme.test");
    let bob_row = items.iter().find(|i| i["email"] == "bob@beta.test").unwrap();
    assert_eq!(bob_row["downloads"], 1);

    let detail = get(
        &app,
        &staff,
        &format!("/v1/jobs/job-1/activity/individuals/{}", ann_row["individual_id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(detail.status, 200, "{:?}", detail.body);
    let records = detail.body["items"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    let add3 = records.iter().find(|r| r["object"]["id"] == "add-3").unwrap();
    assert_eq!(add3["count"], 2);
    assert_eq!(add3["activity"], "view");
    assert_eq!(add3["section"]["name"], "Drawings");
    assert_eq!(add3["automated"], false);
    assert!(add3["first_at"].as_str().unwrap() < add3["last_at"].as_str().unwrap());

    let file = get(&app, &staff, "/v1/jobs/job-1/files/add-3/activity").await;
    assert_eq!(file.status, 200, "{:?}", file.body);
    let accessed = file.body["accessed"].as_array().unwrap();
    assert_eq!(accessed.len(), 2);
    assert!(accessed.iter().any(|a| a["email"] == "bob@beta.test" && a["activity"] == "download"));
    let not_accessed: Vec<&Value> = file.body["not_accessed"].as_array().unwrap().iter().collect();
    assert_eq!(not_accessed.len(), 1, "Ann viewed it; only Cat has not");
    assert_eq!(not_accessed[0]["email"], "cat@gamma.test");
    assert_eq!(not_accessed[0]["blast_id"], blast.body["blast_id"]);

    let by_first = get(&app, &staff, "/v1/jobs/job-1/activity/individuals?sort=first_at").await;
    let order: Vec<_> = by_first.body["items"].as_array().unwrap().iter().map(|i| i["email"].clone()).collect();
    assert_eq!(order, vec![json!("ann@acme.test"), json!("bob@beta.test")]);
    assert_eq!(get(&app, &staff, "/v1/jobs/job-1/activity/individuals?sort=shoe_size").await.status, 400);
}

#[tokio::test]
async fn paging_through_120_individuals_with_limit_7_returns_each_exactly_once() {
    let app = TestApp::spawn().await;
    let tokens: Vec<String> = (0..120).map(|i| app.customer(&format!("user{i:03}@acme.test"), "acme")).collect();
    futures::stream::iter(tokens.iter().map(|t| app.post_events(t, json!([view("job-1", "f")]))))
        .buffer_unordered(8)
        .for_each(|a| async move { assert_eq!(a.status, 200) })
        .await;
    let staff = app.staff();
    for sort in ["name", "company", "first_at"] {
        let mut seen = HashSet::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("/v1/jobs/job-1/activity/individuals?limit=7&sort={sort}&cursor={c}"),
                None => format!("/v1/jobs/job-1/activity/individuals?limit=7&sort={sort}"),
            };
            let page = get(&app, &staff, &path).await;
            assert_eq!(page.status, 200, "{:?}", page.body);
            let items = page.body["items"].as_array().unwrap();
            assert!(items.len() <= 7);
            for item in items {
                assert!(seen.insert(item["individual_id"].as_str().unwrap().to_owned()), "seen twice");
            }
            pages += 1;
            match page.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 120, "{sort}");
        assert_eq!(pages, 18, "{sort}: 17 full pages and one of 1");
    }
    let first = get(&app, &staff, "/v1/jobs/job-1/activity/individuals?limit=7").await;
    let cursor = first.body["next_cursor"].as_str().unwrap();
    let mut tampered = cursor.as_bytes().to_vec();
    let mid = tampered.len() / 2;
    tampered[mid] = if tampered[mid] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let answer = get(&app, &staff, &format!("/v1/jobs/job-1/activity/individuals?limit=7&cursor={tampered}")).await;
    assert_eq!(answer.status, 400);
    let other_job = get(&app, &staff, &format!("/v1/jobs/job-2/activity/individuals?limit=7&cursor={cursor}")).await;
    assert_eq!(other_job.status, 400, "a cursor only works for the query it came from");
    // An empty number, flag or enum is not a value (the document's types say so); an empty cursor is the first page.
    for bad in ["limit=0", "limit=501", "limit=x", "include_automated=maybe", "limit=", "include_automated=", "sort="] {
        assert_eq!(get(&app, &staff, &format!("/v1/jobs/job-1/activity/individuals?{bad}")).await.status, 400, "{bad}");
    }
}

#[tokio::test]
async fn customers_see_only_their_companys_jobs_and_everyone_else_gets_the_same_404() {
    let app = TestApp::spawn().await;
    register_job(&app, "job-1", "acme").await;
    let ann = app.customer("ann@acme.test", "acme");
    app.post_events(&ann, json!([view("job-1", "f")])).await;
    let routes = ["/v1/jobs/job-1/activity/individuals", "/v1/jobs/job-1/files/f/activity"];
    for route in routes {
        assert_eq!(get(&app, &ann, route).await.status, 200, "{route}");
    }
    let other_company = app.customer("eve@beta.test", "beta");
    let unapproved = app.token_for(
        &app.planroom,
        json!({"sub": "u", "email": "new@acme.test", "role": "customer", "company_id": "acme", "approved": false}),
    );
    let other_planroom = app.token_for(
        "another-planroom",
        json!({"sub": "s", "email": "x@acme.test", "role": "customer", "company_id": "acme", "approved": true}),
    );
    let missing = get(&app, &ann, "/v1/jobs/no-such-job/activity/individuals").await;
    assert_eq!(missing.status, 404);
    for token in [&other_company, &unapproved, &other_planroom] {
        for route in routes {
            let answer = get(&app, token, route).await;
            assert_eq!(answer.status, 404, "{route}");
            assert_eq!(answer.body, missing.body, "the same 404 as for a job that does not exist");
        }
    }
    assert_eq!(
        get(&app, &ann, "/v1/activity?from=2026-01-01&to=2026-01-02").await.status,
        403,
        "the audit is for staff"
    );
}

#[tokio::test]
async fn the_audit_filters_a_date_range_of_at_most_31_days() {
    let app = TestApp::spawn().await;
    app.register_jobs(&["job-b"], "beta").await;
    let ann = app.customer("ann@acme.test", "acme");
    let bob = app.customer("bob@beta.test", "beta");
    let posted = app.post_events(&ann, json!([view("job-1", "f1"), {"job_id": "job-2", "activity": "order", "object": {"kind": "job", "id": "job-2"}}])).await;
    assert_eq!(posted.status, 200, "{:?}", posted.body);
    assert_eq!(app.post_events(&bob, json!([view("job-b", "f1")])).await.status, 200);
    let staff = app.staff();
    let now = jiff::Timestamp::now();
    let from = (now - jiff::SignedDuration::from_hours(1)).to_string();
    let to = (now + jiff::SignedDuration::from_hours(1)).to_string();
    let all = get(&app, &staff, &format!("/v1/activity?from={from}&to={to}")).await;
    assert_eq!(all.status, 200, "{:?}", all.body);
    assert_eq!(all.body["items"].as_array().unwrap().len(), 3);
    let cases = [
        ("activity=order", 1),
        ("job_id=job-1", 1),
        ("job_id=job-b", 1),
        ("email=ANN@acme.test", 2),
        ("company=company%20beta", 1),
        ("object_kind=job", 1),
        ("source=login", 3),
        ("source=blast", 0),
        ("automated=true", 0),
    ];
    for (filter, want) in cases {
        let answer = get(&app, &staff, &format!("/v1/activity?from={from}&to={to}&{filter}")).await;
        assert_eq!(answer.status, 200, "{filter}");
        assert_eq!(answer.body["items"].as_array().unwrap().len(), want, "{filter}");
    }
    let paged = get(&app, &staff, &format!("/v1/activity?from={from}&to={to}&limit=2")).await;
    assert_eq!(paged.body["items"].as_array().unwrap().len(), 2);
    let cursor = paged.body["next_cursor"].as_str().unwrap();
    let rest = get(&app, &staff, &format!("/v1/activity?from={from}&to={to}&limit=2&cursor={cursor}")).await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    assert!(rest.body["next_cursor"].is_null());
    for bad in [
        "from=2026-01-01&to=2026-02-02",
        "from=2026-02-01&to=2026-01-01",
        "to=2026-01-02",
        "from=2026-01-01&to=later",
        "from=2026-01-01&to=2026-01-02&activity=print",
        "from=2026-01-01&to=2026-01-02&activity=",
        "from=2026-01-01&to=2026-01-02&object_kind=",
        "from=2026-01-01&to=2026-01-02&automated=",
    ] {
        let answer = get(&app, &staff, &format!("/v1/activity?{bad}")).await;
        assert_eq!(answer.status, 400, "{bad}");
        assert_eq!(answer.body["error"]["code"], "bad_request");
    }
}

/// Times of the stored form strictly apart, so that order by time is well defined.
async fn tick() {
    tokio::time::sleep(std::time::Duration::from_millis(15)).await;
}

#[tokio::test]
async fn scanners_stay_out_of_the_peoples_lists_and_first_at_is_the_first_human_access() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    let blast = app
        .blast("job-1", &["xena@bidder.test", "yuri@bidder.test", "zack@bidder.test"], Some(&e2e::an_hour_ago()))
        .await;
    let app = &app;
    let head = |email: &str| {
        let link = blast.link(email, "add-3");
        async move { app.send_with("HEAD", &link, &[("user-agent", e2e::BROWSER)], None).await }
    };
    assert_eq!(head("xena@bidder.test").await.status, 302); // a scanner, first of all
    tick().await;
    assert_eq!(head("zack@bidder.test").await.status, 302); // zack: only ever a scanner
    tick().await;
    assert_eq!(app.click(&blast.link("yuri@bidder.test", "add-3")).await.status, 302);
    tick().await;
    assert_eq!(app.click(&blast.link("xena@bidder.test", "add-3")).await.status, 302);

    app.stored_when("every hit is counted", |s| e2e::records(s, true).len() == 2 && e2e::records(s, false).len() == 2)
        .await;
    let list = |query: &str| {
        let path = format!("/v1/jobs/job-1/activity/individuals?{query}");
        let staff = staff.clone();
        async move { app.send("GET", &path, Some(&staff), None).await }
    };
    let emails = |answer: &Answer| -> Vec<String> {
        answer.body["items"].as_array().unwrap().iter().map(|i| i["email"].as_str().unwrap().to_owned()).collect()
    };
    let by_first = list("sort=first_at").await;
    assert_eq!(emails(&by_first), ["yuri@bidder.test", "xena@bidder.test"], "by first human access, scanners left out");
    let stored = app.stored(&app.planroom).await;
    let xena_human =
        stored.iter().find(|i| text(i, "sk").starts_with("FA#") && text(i, "email") == "xena@bidder.test").unwrap();
    assert_eq!(by_first.body["items"][1]["first_at"], text(xena_human, "first_at"), "not the scanner's time");
    let with_scanners = list("sort=first_at&include_automated=true").await;
    assert_eq!(
        emails(&with_scanners),
        ["yuri@bidder.test", "xena@bidder.test", "zack@bidder.test"],
        "people, then scanners"
    );
    assert_eq!(with_scanners.body["items"][2]["files_viewed"], 0);
    assert_eq!(with_scanners.body["items"][2]["sources"], json!([blast.id()]));

    // Automated records sit in partitions of their own in every index.
    for item in stored.iter().filter(|i| text(i, "sk").starts_with("AUTO#")) {
        assert!(text(item, "gsi1pk").ends_with("#AUTO") && text(item, "gsi2pk").ends_with("#AUTO"), "{item:?}");
    }
    let file = |query: &str| {
        let path = format!("/v1/jobs/job-1/files/add-3/activity?{query}");
        let staff = staff.clone();
        async move { app.send("GET", &path, Some(&staff), None).await }
    };
    let people = file("").await;
    assert_eq!(people.body["accessed"].as_array().unwrap().len(), 2);
    assert_eq!(people.body["not_accessed"][0]["email"], "zack@bidder.test", "a scanner's hit is not an access");
    let all = file("include_automated=true").await;
    let automated: Vec<bool> =
        all.body["accessed"].as_array().unwrap().iter().map(|r| r["automated"].as_bool().unwrap()).collect();
    assert_eq!(automated, [false, false, true, true], "people, then scanners");
}

#[tokio::test]
async fn a_page_of_people_reads_only_people_whatever_the_scanners_did() {
    // Ten recipients' links opened within seconds would be a blast-wide burst: off here.
    let windows = shared::hit_judgement::Windows { blast_recipients: 0, ..Default::default() };
    let (app, proxy) = TestApp::behind_proxy(e2e::Options { windows, ..e2e::Options::default() }).await;
    let emails: Vec<String> = (0..12).map(|i| format!("r{i:02}@bidder.test")).collect();
    let refs: Vec<&str> = emails.iter().map(String::as_str).collect();
    let blast = app.blast("job-1", &refs, Some(&e2e::an_hour_ago())).await;
    for email in &emails[..10] {
        app.send_with("HEAD", &blast.link(email, "add-3"), &[], None).await;
    }
    for email in &emails[10..] {
        app.click(&blast.link(email, "add-3")).await;
    }
    app.stored_when("every hit is counted", |s| e2e::records(s, true).len() == 10 && e2e::records(s, false).len() == 2)
        .await;
    proxy.forget_calls();
    let page = app.send("GET", "/v1/jobs/job-1/activity/individuals?limit=1", Some(&app.staff()), None).await;
    assert_eq!(page.body["items"].as_array().unwrap().len(), 1);
    let queries = proxy.calls("Query");
    let scanned = |prefix: &str| -> (usize, u64) {
        let reads: Vec<_> = queries.iter().filter(|q| q.request.contains(prefix)).collect();
        let items = reads
            .iter()
            .map(|q| serde_json::from_str::<Value>(&q.answer).unwrap()["ScannedCount"].as_u64().unwrap())
            .sum();
        (reads.len(), items)
    };
    assert_eq!(scanned("\"FA#"), (16, 2), "the people's records, 16 segments side by side: two items");
    assert_eq!(scanned("\"AUTO#"), (1, 0), "what scanners did on the page's one person's links, read for them");
    assert_eq!(queries.len(), 17, "nothing else: none of the 10 scanners' records");
}
