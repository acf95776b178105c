//! The User Activity dataset through its routes: every source of rows, the filters, `fields`,
//! `group_by`, the window's rules, duplicate event ids (sequential and concurrent), who sees what,
//! and the CSV export equal row for row to the query.

use std::collections::BTreeMap;
use std::time::Duration;

use e2e::{Answer, BROWSER, TestApp, an_hour_ago, view};
use serde_json::{Value, json};

/// A window around now: yesterday to tomorrow.
fn window() -> String {
    let now = jiff::Timestamp::now();
    let day = jiff::SignedDuration::from_hours(24);
    format!("from={}&to={}", shared::time::format(now - day), shared::time::format(now + day))
}

async fn read(app: &TestApp, token: &str, query: &str) -> Answer {
    read_in(app, token, &window(), query).await
}

async fn read_in(app: &TestApp, token: &str, window: &str, query: &str) -> Answer {
    app.send("GET", &format!("/v1/user-activity?{window}&{query}"), Some(token), None).await
}

/// Every row of the window that `query` selects, following the cursor.
async fn rows(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let window = window();
    for _ in 0..50 {
        let next = cursor.as_ref().map(|c| format!("&cursor={c}")).unwrap_or_default();
        let answer = read_in(app, token, &window, &format!("{query}{next}")).await;
        assert_eq!(answer.status, 200, "{query}: {:?}", answer.body);
        out.extend(answer.body["items"].as_array().cloned().unwrap_or_default());
        match answer.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return out,
        }
    }
    panic!("the pages never ended");
}

async fn post(app: &TestApp, token: &str, events: Value) -> Answer {
    app.json("POST", "/v1/user-activity", Some(token), &json!({ "events": events })).await
}

async fn register(app: &TestApp, job: &str) {
    let body = json!({"name": "Elm Street School", "number": "24-017", "company_id": "acme",
                      "company_name": "ACME Construction", "time_zone": "America/Chicago", "is_demo": true});
    let answer = app.json("PUT", &format!("/v1/jobs/{job}"), Some(&app.staff()), &body).await;
    assert!(answer.status == 201 || answer.status == 200, "{:?}", answer.body);
}

fn sign(id: Option<&str>, job: &str) -> Value {
    let mut event = json!({"event_type": "Sign", "event_name": "Addendum acknowledged", "tool_name": "Bid Management",
        "job_id": job, "object": {"kind": "addendum", "id": "add-3", "name": "Addendum 3"}});
    if let Some(id) = id {
        event["event_id"] = json!(id);
    }
    event
}

async fn export_csv(app: &TestApp, body: Value) -> (Value, Vec<Vec<String>>) {
    let staff = app.staff();
    let answer = app.json("POST", "/v1/user-activity/exports", Some(&staff), &body).await;
    assert_eq!(answer.status, 202, "{:?}", answer.body);
    assert_eq!(answer.body["status"], "pending");
    let id = answer.body["export_id"].as_str().unwrap().to_owned();
    let done = Box::pin(app.export_ready(&staff, &id)).await;
    let res = app.http.get(done["url"].as_str().unwrap()).send().await.expect("download");
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.expect("bytes");
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[..]);
    let records = reader.records().map(|r| r.expect("a CSV record").iter().map(str::to_owned).collect()).collect();
    (done, records)
}

fn count_by<'a>(rows: &'a [Value], field: &str) -> BTreeMap<&'a str, usize> {
    let mut counts = BTreeMap::new();
    for row in rows {
        *counts.entry(row[field].as_str().unwrap_or("null")).or_default() += 1;
    }
    counts
}

#[tokio::test]
async fn every_source_of_events_makes_its_rows() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    register(&app, "job-1").await; // Create/Update (Jobs)
    // Planroom settings (Create/Update) and a blast (Notify) to Zoë and Ann.
    let blast = Box::pin(app.blast("job-1", &["zoe@bidder.test", "ann@scanned.test"], Some(&an_hour_ago()))).await;
    let zoe = app.click(&blast.link("zoe@bidder.test", "add-3")).await; // View (Blasts)
    assert_eq!(zoe.status, 302);
    let probe = app.send_with("HEAD", &blast.link("ann@scanned.test", "add-3"), &[("user-agent", BROWSER)], None).await;
    assert_eq!(probe.status, 302); // an automated View (Blasts)
    let download = json!([{"event_id": "zoe-dl-1", "job_id": "job-1", "activity": "download", "object": {"kind": "file", "id": "add-3"}}]);
    assert_eq!(app.post_contact_events(&zoe.session(), download.clone()).await.status, 200); // Download
    assert_eq!(app.post_contact_events(&zoe.session(), download).await.status, 200, "a retry: no second row");
    // A customer views the same file twice (a repeat is a row too) and orders prints.
    let sam = app.customer("Sam@Builder.test", "acme");
    let order =
        json!({"job_id": "job-1", "activity": "order", "object": {"kind": "job", "id": "job-1"}, "device": "tablet"});
    assert_eq!(app.post_events(&sam, json!([view("job-1", "a-101"), view("job-1", "a-101"), order])).await.status, 200);
    assert_eq!(post(&app, &sam, json!([sign(Some("ack-1"), "job-1")])).await.status, 200); // Sign
    // An export requested (Export) and its download link handed out (Download, Reports).
    let export =
        app.json("POST", "/v1/jobs/job-1/exports", Some(&staff), &json!({"format": "csv", "report": "summary"})).await;
    assert_eq!(export.status, 202, "{:?}", export.body);
    Box::pin(app.export_ready(&staff, export.body["export_id"].as_str().unwrap())).await;

    let all = Box::pin(rows(&app, &staff, "limit=500")).await;
    let kinds: Vec<(String, String, bool)> = all
        .iter()
        .map(|r| {
            let text = |f: &str| r[f].as_str().unwrap_or_default().to_owned();
            (text("event_type"), text("tool_name"), r["automated"].as_bool().unwrap())
        })
        .collect();
    let has = |t: &str, tool: &str, automated: bool, n: usize| {
        let found = kinds.iter().filter(|k| (k.0.as_str(), k.1.as_str(), k.2) == (t, tool, automated)).count();
        assert_eq!(found, n, "{t} {tool} automated={automated}: {kinds:?}");
    };
    has("Create/Update", "Jobs", false, 1);
    has("Create/Update", "Planroom", false, 1);
    has("Notify", "Blasts", false, 1);
    has("View", "Blasts", false, 1);
    has("View", "Blasts", true, 1);
    has("Download", "Documents", false, 1);
    has("View", "Documents", false, 2);
    has("Submit", "Documents", false, 1);
    has("Sign", "Bid Management", false, 1);
    has("Export", "Reports", false, 1);
    has("Download", "Reports", false, 1);
    assert_eq!(all.len(), 12);
    let newest_first: Vec<&str> = all.iter().map(|r| r["event_timestamp"].as_str().unwrap()).collect();
    assert!(newest_first.windows(2).all(|w| w[0] >= w[1]), "newest first: {newest_first:?}");

    let field = |t: &str, tool: &str| all.iter().find(|r| r["event_type"] == t && r["tool_name"] == tool).unwrap();
    let dl = field("Download", "Documents");
    assert_eq!(
        (&dl["user_type"], &dl["user_email"], &dl["source"]),
        (&json!("contact"), &json!("zoe@bidder.test"), &json!(format!("blast:{}", blast.id())))
    );
    assert_eq!(
        (&dl["job_name"], &dl["job_number"], &dl["job_is_demo"]),
        (&json!("Elm Street School"), &json!("24-017"), &json!(true))
    );
    let submit = field("Submit", "Documents");
    assert_eq!(
        (&submit["user_type"], &submit["user_email"], &submit["device_type"]),
        (&json!("customer"), &json!("sam@builder.test"), &json!("tablet"))
    );
    assert_eq!(submit["company_name"], "Company acme");
    let scanner = all.iter().find(|r| r["automated"] == true).unwrap();
    assert!(scanner["automated_reason"].as_str().is_some_and(|r| !r.is_empty()), "{scanner:?}");
    let job = field("Create/Update", "Jobs");
    assert_eq!(
        (&job["user_type"], &job["user_role"], &job["object_id"]),
        (&json!("staff"), &json!("staff"), &json!("job-1"))
    );
    for row in &all {
        assert_eq!(row.as_object().unwrap().len(), 33, "{row:?}");
        let date = row["event_date"].as_str().unwrap();
        assert_eq!(date.len(), 10);
        assert!(row["event_timestamp"].as_str().unwrap().ends_with('Z'));
    }
}

#[tokio::test]
async fn filters_fields_and_groups_select_exactly_the_rows() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    register(&app, "job-1").await;
    let zoe = app.customer("zoe@bidder.test", "acme");
    let sam = app.customer("sam@builder.test", "rival");
    let event = |t: &str, device: &str, url: Option<&str>| {
        let mut e = json!({"event_type": t, "event_name": format!("{t} something"), "tool_name": "Bids", "device_type": device});
        if let Some(url) = url {
            e["url"] = json!(url);
        }
        e
    };
    let zoes = json!([
        event("View", "mobile", Some("https://p.test/a")),
        event("Download", "desktop", None),
        event("View", "api", None),
        event("Upload", "tablet", None)
    ]);
    assert_eq!(post(&app, &zoe, zoes).await.status, 200);
    let sams =
        json!([event("View", "desktop", None), event("Download", "mobile", None), event("Sign", "desktop", None)]);
    assert_eq!(post(&app, &sam, sams).await.status, 200);
    let total = Box::pin(rows(&app, &staff, "limit=500")).await;
    assert_eq!(total.len(), 8, "7 posted + the job registered");

    // Same field repeated is OR, different fields AND; e-mails match whatever their case.
    let or_and = rows(&app, &staff, "event_type=View&event_type=Download&user_email=ZOE@bidder.test").await;
    assert_eq!(count_by(&or_and, "event_type"), BTreeMap::from([("Download", 1), ("View", 2)]));
    let api = rows(&app, &staff, "is_api=true").await;
    assert_eq!(api.len(), 1);
    assert_eq!(api[0]["device_type"], "api");
    let people = rows(&app, &staff, "is_api=false&user_type=customer").await;
    assert_eq!(people.len(), 6);
    let no_url = rows(&app, &staff, "url=&user_email=zoe@bidder.test").await;
    assert_eq!(no_url.len(), 3, "an empty value matches rows without the field");
    let mobile_downloads = rows(&app, &staff, "device_type=mobile&event_type=Download").await;
    assert_eq!(mobile_downloads.len(), 1);
    assert_eq!(mobile_downloads[0]["user_email"], "sam@builder.test");
    let staff_rows = rows(&app, &staff, "user_type=staff&event_type=Create/Update").await;
    assert_eq!(staff_rows.len(), 1);
    // Numbers, booleans of the job and of the event, and dates filter by their typed value.
    assert_eq!(rows(&app, &staff, "count=1&automated=false").await.len(), 8);
    let demo = rows(&app, &staff, "job_is_demo=true").await;
    assert_eq!((demo.len(), &demo[0]["job_id"]), (1, &json!("job-1")));
    assert_eq!(rows(&app, &staff, "job_is_demo=false").await.len(), 0);
    assert_eq!(rows(&app, &staff, "job_id=").await.len(), 7, "rows of no job");
    let day = total[0]["event_date"].as_str().unwrap();
    let on_day = total.iter().filter(|r| r["event_date"] == day).count();
    assert_eq!(rows(&app, &staff, &format!("event_date={day}")).await.len(), on_day);
    let one = &total[3];
    let by_id = rows(&app, &staff, &format!("event_id={}", one["event_id"].as_str().unwrap())).await;
    assert_eq!(by_id, std::slice::from_ref(one), "a row reads back whole by its id");

    // fields: exactly the columns asked, in the order asked.
    let narrow = read(&app, &staff, "fields=user_email,event_type,count&limit=3").await;
    assert_eq!(narrow.status, 200);
    let items = narrow.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    for item in items {
        let mut keys: Vec<&str> = item.as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["count", "event_type", "user_email"]);
        assert_eq!(item["count"], 1);
    }
    assert!(narrow.body["next_cursor"].is_string(), "8 rows, pages of 3");

    // group_by: each group's count equals the rows it stands for, largest first.
    let grouped = read(&app, &staff, "group_by=event_type,user_email").await;
    assert_eq!(grouped.status, 200, "{:?}", grouped.body);
    let groups = grouped.body["items"].as_array().unwrap();
    let counts: Vec<u64> = groups.iter().map(|g| g["count"].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "largest first: {counts:?}");
    assert_eq!(counts.iter().sum::<u64>(), 8);
    for group in groups {
        let matching = total
            .iter()
            .filter(|r| r["event_type"] == group["event_type"] && r["user_email"] == group["user_email"])
            .count();
        assert_eq!(group["count"].as_u64().unwrap() as usize, matching, "{group:?}");
        assert_eq!(group.as_object().unwrap().len(), 3);
    }
    let filtered_groups = read(&app, &staff, "group_by=event_type&user_email=zoe@bidder.test").await;
    assert_eq!(filtered_groups.body["items"][0], json!({"event_type": "View", "count": 2}));

    // Unknown names are 400s naming the allowed ones; so are bad values.
    for query in [
        "shoe_size=9",
        "fields=event_type,shoe_size",
        "group_by=shoe_size",
        "is_api=yes",
        "event_type=view",
        "limit=0",
        "limit=501",
        "device_type=phone",
        "cursor=forged",
    ] {
        let answer = read(&app, &staff, query).await;
        assert_eq!(answer.status, 400, "{query}: {:?}", answer.body);
        assert!(
            answer.body["error"].is_object() || answer.body["error"].is_string() || answer.body["message"].is_string(),
            "{:?}",
            answer.body
        );
    }
    let unknown = read(&app, &staff, "shoe_size=9").await;
    assert!(
        unknown.body.to_string().contains("event_timestamp") && unknown.body.to_string().contains("shoe_size"),
        "{:?}",
        unknown.body
    );
    // A cursor of another query does not continue this one.
    let window = window();
    let page = read_in(&app, &staff, &window, "limit=2").await;
    let cursor = page.body["next_cursor"].as_str().unwrap();
    let same = read_in(&app, &staff, &window, &format!("limit=2&cursor={cursor}")).await;
    assert_eq!(same.status, 200);
    assert_ne!(same.body["items"][0], page.body["items"][0]);
    assert_eq!(read_in(&app, &staff, &window, &format!("limit=2&event_type=View&cursor={cursor}")).await.status, 400);
}

#[tokio::test]
async fn the_window_is_at_most_31_days_forwards() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    let get = |q: &str| {
        let path = format!("/v1/user-activity?{q}");
        let (app, staff) = (&app, staff.clone());
        async move { app.send("GET", &path, Some(&staff), None).await }
    };
    assert_eq!(get("from=2026-10-01&to=2026-11-01").await.status, 200, "31 days");
    assert_eq!(get("from=2026-10-01T00:00:00Z&to=2026-11-01T00:00:00.001Z").await.status, 400, "a millisecond more");
    assert_eq!(get("from=2026-11-01&to=2026-10-25").await.status, 400, "reversed");
    assert_eq!(get("from=2026-11-01&to=2026-11-01").await.status, 400, "empty");
    assert_eq!(get("to=2026-11-01").await.status, 400, "from is required");
    assert_eq!(get("from=last-week&to=2026-11-01").await.status, 400);
    let ok = get("from=2026-10-01T00:00:00%2B02:00&to=2026-10-02").await;
    assert_eq!((ok.status, &ok.body["items"]), (200, &json!([])));
    let export = |body: Value| {
        let (app, staff) = (&app, staff.clone());
        async move { app.json("POST", "/v1/user-activity/exports", Some(&staff), &body).await }
    };
    assert_eq!(export(json!({"from": "2026-10-01", "to": "2026-11-02", "format": "csv"})).await.status, 422);
    assert_eq!(export(json!({"from": "2026-10-01", "to": "2026-10-02", "format": "pdf"})).await.status, 422);
    assert_eq!(
        export(json!({"from": "2026-10-01", "to": "2026-10-02", "format": "csv", "fields": ["shoe_size"]}))
            .await
            .status,
        422
    );
    assert_eq!(
        export(json!({"from": "2026-10-01", "to": "2026-10-02", "format": "csv", "filters": {"shoe_size": ["9"]}}))
            .await
            .status,
        422
    );
}

#[tokio::test]
async fn an_event_id_is_stored_once_however_often_and_concurrently_it_is_posted() {
    let app = TestApp::spawn().await;
    let zoe = app.customer("zoe@bidder.test", "acme");
    let first = post(&app, &zoe, json!([sign(Some("ack-1"), "job-1"), sign(None, "job-1")])).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["results"][0], json!({"event_id": "ack-1"}));
    let generated = first.body["results"][1]["event_id"].as_str().unwrap().to_owned();
    tokio::time::sleep(Duration::from_millis(5)).await;
    // A retry, and fifty concurrent posts of another id (twice within each post).
    let again = post(&app, &zoe, json!([sign(Some("ack-1"), "job-1")])).await;
    assert_eq!(again.body["results"], json!([{"event_id": "ack-1"}]));
    let burst = (0..50).map(|_| post(&app, &zoe, json!([sign(Some("ack-2"), "job-1"), sign(Some("ack-2"), "job-1")])));
    for answer in futures::future::join_all(burst).await {
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body["results"], json!([{"event_id": "ack-2"}, {"event_id": "ack-2"}]));
    }
    // The same id in /v1/events, retried.
    let events =
        json!([{"event_id": "ev-9", "job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": "f"}}]);
    for _ in 0..3 {
        assert_eq!(app.post_events(&zoe, events.clone()).await.status, 200);
    }
    let all = Box::pin(rows(&app, &app.staff(), "limit=500")).await;
    let ids: Vec<&str> = all.iter().map(|r| r["event_id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    let mut want = vec!["ack-1", "ack-2", "ev-9", generated.as_str()];
    want.sort_unstable();
    assert_eq!(sorted, want, "one row per event id");

    // A post with one bad event stores nothing at all.
    let before = all.len();
    let bad = post(
        &app,
        &zoe,
        json!([sign(Some("ack-3"), "job-1"), {"event_type": "Teleport", "event_name": "x", "tool_name": "t"}]),
    )
    .await;
    assert_eq!(bad.status, 422, "{:?}", bad.body);
    assert!(bad.body.to_string().contains("events[1]"), "{:?}", bad.body);
    assert_eq!(rows(&app, &app.staff(), "limit=500").await.len(), before);
    let after = post(&app, &zoe, json!([sign(Some("ack-3"), "job-1")])).await;
    assert_eq!(after.status, 200, "ack-3 was not remembered by the refused post");
    assert_eq!(app.json("POST", "/v1/user-activity", Some(&zoe), &json!({"events": []})).await.status, 422);
    assert_eq!(app.send("POST", "/v1/user-activity", Some(&zoe), Some(b"{".to_vec())).await.status, 400);
    assert_eq!(app.json("POST", "/v1/user-activity", None, &json!({"events": [sign(None, "j")]})).await.status, 401);
}

#[tokio::test]
async fn staff_of_the_planroom_read_it_and_nobody_else() {
    let app = TestApp::spawn().await;
    let zoe = app.customer("zoe@bidder.test", "acme");
    assert_eq!(post(&app, &zoe, json!([sign(Some("mine"), "job-1")])).await.status, 200);
    let customer = read(&app, &zoe, "").await;
    assert_eq!(customer.status, 403, "{:?}", customer.body);
    let body = json!({"from": "2026-10-01", "to": "2026-10-02", "format": "csv"});
    assert_eq!(app.json("POST", "/v1/user-activity/exports", Some(&zoe), &body).await.status, 403);
    assert_eq!(read(&app, "", "").await.status, 401);
    // Staff of another planroom see none of it, even when they post the same event id.
    let elsewhere =
        app.token_for(&format!("{}-other", app.planroom), json!({"sub": "s", "role": "staff", "approved": true}));
    let mut theirs_too = sign(Some("mine"), "job-1");
    theirs_too.as_object_mut().unwrap().remove("job_id");
    assert_eq!(post(&app, &elsewhere, json!([theirs_too])).await.status, 200);
    let theirs = rows(&app, &elsewhere, "").await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["user_type"], "staff");
    let ours = rows(&app, &app.staff(), "").await;
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0]["user_email"], "zoe@bidder.test");
    // An export of ours is not theirs to read, nor a customer's.
    let staff = app.staff();
    let now = jiff::Timestamp::now();
    let day = jiff::SignedDuration::from_hours(24);
    let window =
        json!({"from": shared::time::format(now - day), "to": shared::time::format(now + day), "format": "csv"});
    let export = app.json("POST", "/v1/user-activity/exports", Some(&staff), &window).await;
    assert_eq!(export.status, 202, "{:?}", export.body);
    let path = format!("/v1/exports/{}", export.body["export_id"].as_str().unwrap());
    assert_eq!(app.send("GET", &path, Some(&elsewhere), None).await.status, 404);
    assert_eq!(app.send("GET", &path, Some(&zoe), None).await.status, 404);
}

#[tokio::test]
async fn the_csv_export_equals_the_query_row_for_row() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    register(&app, "job-1").await;
    let zoe = app.customer("zoe@bidder.test", "acme");
    let mut events: Vec<Value> = (0..30)
        .map(|i| {
            let t = ["View", "Download", "Sign"][i % 3];
            json!({"event_type": t, "event_name": format!("=HYPERLINK(\"x\") {i}"), "tool_name": "Bids", "job_id": "job-1"})
        })
        .collect();
    let second = events.split_off(20);
    assert_eq!(post(&app, &zoe, json!(events)).await.status, 200);
    assert_eq!(post(&app, &zoe, json!(second)).await.status, 200);

    let now = jiff::Timestamp::now();
    let day = jiff::SignedDuration::from_hours(24);
    let (from, to) = (shared::time::format(now - day), shared::time::format(now + day));
    let fields = "event_id,event_timestamp,event_type,event_name,user_email,job_name,is_api,url";
    let query = rows(&app, &staff, &format!("fields={fields}&event_type=View&event_type=Sign&limit=7")).await;
    assert_eq!(query.len(), 20);
    let body = json!({"from": from, "to": to, "format": "csv", "fields": fields,
                      "filters": {"event_type": ["View", "Sign"]}});
    let (done, csv) = Box::pin(export_csv(&app, body)).await;
    assert_eq!(
        (&done["report"], &done["job_id"], done["rows"].as_u64()),
        (&json!("user_activity"), &Value::Null, Some(20))
    );
    assert_eq!(csv[0], fields.split(',').collect::<Vec<_>>(), "the header is the chosen fields");
    assert_eq!(csv.len(), 21);
    for (line, row) in csv[1..].iter().zip(&query) {
        for (cell, name) in line.iter().zip(fields.split(',')) {
            let want = match &row[name] {
                Value::Null => String::new(),
                Value::String(s) if s.starts_with('=') => format!("'{s}"),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            assert_eq!(cell, &want, "{name}");
        }
    }
    // Grouped, the export holds the query's groups (of the tool whose rows no export adds to).
    let grouped = read_in(&app, &staff, &format!("from={from}&to={to}"), "group_by=event_type&tool_name=Bids").await;
    let body = json!({"from": from, "to": to, "format": "csv", "group_by": ["event_type"], "filters": {"tool_name": ["Bids"]}});
    let (_, groups) = Box::pin(export_csv(&app, body)).await;
    assert_eq!(groups[0], ["event_type", "count"]);
    let want: Vec<Vec<String>> = grouped.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| vec![g["event_type"].as_str().unwrap().to_owned(), g["count"].to_string()])
        .collect();
    assert_eq!(groups[1..].to_vec(), want);
}

#[tokio::test]
async fn an_event_id_someone_else_used_first_never_rewrites_their_row() {
    let app = TestApp::spawn().await;
    let zoe = app.customer("zoe@bidder.test", "acme");
    let sam = app.customer("sam@builder.test", "acme");
    let on = |file: &str| json!([{"event_id": "e-1", "job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": file}}]);
    assert_eq!(app.post_events(&zoe, on("f-zoe")).await.status, 200);
    let sams = app.post_events(&sam, on("f-sam")).await;
    assert_eq!(sams.status, 200);
    assert_eq!(sams.body["results"][0]["first"], true, "Sam's own event, not Zoë's answer");
    let all = Box::pin(rows(&app, &app.staff(), "event_id=e-1")).await;
    assert_eq!(all.len(), 2, "an event id belongs to its user: {all:?}");
    let mine = |email: &str| all.iter().find(|r| r["user_email"] == email).map(|r| r["object_id"].clone());
    assert_eq!(mine("zoe@bidder.test"), Some(json!("f-zoe")));
    assert_eq!(mine("sam@builder.test"), Some(json!("f-sam")));
}
