//! The lake: rows captured through the API reach Parquet on S3 through the table's stream, typed
//! and partitioned; `POST /v1/user-activity/queries` answers over any window what the hot window
//! answers over its own, with ranges, `not`, `contains` and groups; another planroom's rows are
//! never reachable whatever the filters say; a replayed stream and a compaction count nothing
//! twice.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use e2e::{TestApp, view};
use serde_json::{Value, json};
use shared::ids::Id;
use shared::lake::columns;
use shared::lake::layout;
use shared::lake::parquet_rows::{self, Cells};
use shared::store::lake::DirtyDay;

/// A window around now.
fn around_now() -> (String, String) {
    let now = jiff::Timestamp::now();
    let day = jiff::SignedDuration::from_hours(24);
    (shared::time::format(now - day), shared::time::format(now + day))
}

/// Rows for the test's planroom: three customers of two companies view, download and sign.
async fn capture(app: &TestApp) -> usize {
    let zoe = app.customer("Zoe@Bidder.test", "acme");
    let sam = app.customer("sam@builder.test", "bolt");
    let ann = app.customer("ann@bidder.test", "acme");
    app.register_jobs(&["job-3"], "bolt").await;
    let download = |file: &str| json!({"job_id": "job-1", "activity": "download", "object": {"kind": "file", "id": file, "name": format!("Addendum {file}.pdf")}});
    let answer =
        app.post_events(&zoe, json!([view("job-1", "add-3"), download("add-3"), view("job-2", "a-101")])).await;
    assert_eq!(answer.body["results"].as_array().map(Vec::len), Some(3), "{:?}", answer.body);
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(app.post_events(&sam, json!([view("job-3", "add-3"), view("job-3", "add-4")])).await.status, 200);
    assert_eq!(app.post_events(&ann, json!([download("add-4")])).await.status, 200);
    let sign = json!({"events": [{"event_id": "ack-1", "event_type": "Sign", "event_name": "Addendum acknowledged",
        "tool_name": "Bid Management", "job_id": "job-3", "object": {"kind": "addendum", "id": "add-3", "name": "=HYPERLINK(\"x\")"}}]});
    assert_eq!(app.json("POST", "/v1/user-activity", Some(&sam), &sign).await.status, 200);
    // A late event (an offline client's, 23 hours old) lands in the day it happened.
    let late = shared::time::format(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(23));
    let mut event = view("job-1", "add-5");
    event["occurred_at"] = json!(late);
    assert_eq!(app.post_events(&ann, json!([event])).await.status, 200);
    8
}

/// Every row of the hot window (`GET /v1/user-activity`) for `query`.
async fn hot(app: &TestApp, query: &str) -> Vec<Value> {
    let (from, to) = around_now();
    let mut out = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/v1/user-activity?from={from}&to={to}&limit=500&{query}{cursor}");
        let answer = app.send("GET", &path, Some(&app.staff()), None).await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        out.extend(answer.body["items"].as_array().cloned().unwrap_or_default());
        match answer.body["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return out,
        }
    }
}

/// The rows of the planroom's lake files as stored (read back from S3), by event id.
async fn lake_files(app: &TestApp, planroom: &str) -> (Vec<String>, Vec<(String, Cells)>) {
    let lake = app.lake().await;
    let planroom = Id::parse("planroom", planroom).unwrap();
    let keys = lake.bucket.keys(&layout::planroom_prefix(&planroom)).await.unwrap();
    let mut rows = Vec::new();
    for key in &keys {
        let (names, cells) = parquet_rows::read(lake.bucket.get(key).await.unwrap()).unwrap();
        assert_eq!(names, columns::table().iter().map(|c| c.name.clone()).collect::<Vec<_>>());
        rows.extend(cells.into_iter().map(|c| (key.clone(), c)));
    }
    (keys, rows)
}

/// Waits until the lake holds `n` distinct events of the planroom.
async fn landed(app: &TestApp, n: usize) -> (Vec<String>, Vec<(String, Cells)>) {
    for _ in 0..150 {
        let (keys, rows) = lake_files(app, &app.planroom).await;
        let ids: BTreeSet<&str> = rows.iter().filter_map(|(_, c)| c[0].as_str()).collect();
        if ids.len() >= n {
            return (keys, rows);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("the lake never held {n} rows");
}

fn by_id(rows: &[Value]) -> BTreeMap<String, Value> {
    rows.iter().map(|r| (r["event_id"].as_str().unwrap().to_owned(), r.clone())).collect()
}

#[tokio::test]
async fn captured_rows_land_typed_in_their_partitions_and_the_lake_answers_as_the_hot_window() {
    let app = TestApp::spawn().await;
    let n = capture(&app).await;
    let (keys, rows) = landed(&app, n).await;
    let today = jiff::Timestamp::now().to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string();
    for key in &keys {
        assert!(key.starts_with(&format!("lake/user_activity/planroom={}/day=", app.planroom)), "{key}");
        assert!(key.ends_with(".parquet") && key.contains("/ingest-"), "{key}");
    }
    let table = columns::table();
    let at = |name: &str| table.iter().position(|c| c.name == name).unwrap();
    for (key, cells) in &rows {
        let day = &cells[at("event_timestamp")].as_str().unwrap()[..10];
        assert!(key.contains(&format!("/day={day}/")), "a row lives in its day: {key} {cells:?}");
        assert!(cells[at("is_api")].is_boolean() && cells[at("count")] == 1, "{cells:?}");
    }
    assert!(rows.iter().any(|(k, _)| k.contains(&format!("day={today}"))));
    let object = at("object_id");
    let late = rows.iter().find(|(_, c)| c[object] == "add-5").expect("the late event's row");
    let late_day = &late.1[at("event_timestamp")].as_str().unwrap()[..10];
    assert!(late.0.contains(&format!("/day={late_day}/")), "{late:?}");

    // The same rows, field for field, from the hot window and from the lake.
    let (from, to) = around_now();
    // (Only the captured jobs' rows: asking the lake is logged as an Export row of its own.)
    let jobs = json!({"job_id": ["job-1", "job-2", "job-3"]});
    let hot_rows = hot(&app, "job_id=job-1&job_id=job-2&job_id=job-3").await;
    assert_eq!(hot_rows.len(), n);
    let lake = app.ask_lake(&json!({"from": from, "to": to, "filters": jobs})).await;
    assert_eq!(lake["rows"], hot_rows.len(), "{lake:?}");
    assert_eq!(lake["columns"].as_array().unwrap().len(), 33);
    assert_eq!(lake["columns"][1], json!({"name": "event_timestamp", "type": "timestamp"}));
    assert_eq!(by_id(lake["items"].as_array().unwrap()), by_id(&hot_rows));
    let times: Vec<&str> =
        lake["items"].as_array().unwrap().iter().map(|r| r["event_timestamp"].as_str().unwrap()).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");

    // The same filters, the same groups.
    let hot_views = hot(&app, "event_type=View&user_email=ZOE@bidder.test").await;
    let lake_views = app
        .ask_lake(
            &json!({"from": from, "to": to, "filters": {"event_type": ["View"], "user_email": ["ZOE@bidder.test"]}}),
        )
        .await;
    assert_eq!(by_id(lake_views["items"].as_array().unwrap()), by_id(&hot_views));
    assert_eq!(hot_views.len(), 2);
    let (from_q, to_q) = (from.clone(), to.clone());
    let hot_groups = app
        .send(
            "GET",
            &format!("/v1/user-activity?from={from_q}&to={to_q}&group_by=company_name,event_type&job_id=job-1&job_id=job-2&job_id=job-3"),
            Some(&app.staff()),
            None,
        )
        .await;
    let lake_groups = app
        .ask_lake(&json!({"from": from, "to": to, "group_by": ["company_name", "event_type"], "filters": jobs}))
        .await;
    assert_eq!(lake_groups["items"].as_array().unwrap().len(), 4, "{lake_groups:?}");
    let set = |items: &Value| -> BTreeSet<String> { items.as_array().unwrap().iter().map(Value::to_string).collect() };
    assert_eq!(set(&lake_groups["items"]), set(&hot_groups.body["items"]), "{lake_groups:?}");

    // The CSV and Parquet downloads hold the same answer; a formula is neutralised in the CSV.
    let csv = app.http.get(lake["csv_url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&csv[..]);
    assert_eq!(reader.headers().unwrap().len(), 33);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), hot_rows.len());
    assert!(records.iter().any(|r| r.iter().any(|c| c == "'=HYPERLINK(\"x\")")), "neutralised");
    let parquet = app.http.get(lake["parquet_url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    let (names, cells) = parquet_rows::read(parquet).unwrap();
    assert_eq!(names.len(), 33);
    assert_eq!(cells.len(), hot_rows.len());
}

/// Rows of `planroom` on `day` written straight to the lake (as the stream would), each with
/// what the test needs to count.
fn synthetic(day: &str, n: usize, tag: &str) -> Vec<Cells> {
    let table = columns::table();
    (0..n)
        .map(|i| {
            let mut row: BTreeMap<&str, Value> = BTreeMap::new();
            row.insert("event_id", json!(format!("{tag}-{day}-{i}")));
            row.insert("event_timestamp", json!(format!("{day}T{:02}:00:00.000Z", i % 24)));
            row.insert("event_date", json!(day));
            row.insert("event_type", json!(if i % 3 == 0 { "Download" } else { "View" }));
            row.insert("event_name", json!("File viewed"));
            row.insert("tool_name", json!("Documents"));
            row.insert("count", json!(1));
            row.insert("object_kind", json!("file"));
            row.insert("object_id", json!(format!("f-{}", i % 4)));
            row.insert("object_name", json!(if i % 4 == 0 { "Addendum 3.pdf" } else { "Drawings A-101.pdf" }));
            row.insert("device_type", json!("desktop"));
            row.insert("is_api", json!(false));
            row.insert("company_name", json!(if i % 2 == 0 { "ACME Construction" } else { "Bolt Electric" }));
            row.insert("job_id", json!("job-1"));
            row.insert("user_email", json!(format!("u{}@{tag}.test", i % 5)));
            row.insert("user_type", json!("customer"));
            row.insert("source", json!("login"));
            row.insert("automated", json!(i % 10 == 9));
            row.insert(columns::RECORDED_AT, json!(format!("{day}T23:59:00.000Z")));
            table.iter().map(|c| row.get(c.name.as_str()).cloned().unwrap_or(Value::Null)).collect()
        })
        .collect()
}

fn day_ago(days: i64) -> String {
    (jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * days))
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .to_string()
}

async fn write_days(app: &TestApp, planroom: &str, days: &[(String, usize)], tag: &str) {
    let lake = app.lake().await;
    let planroom = Id::parse("planroom", planroom).unwrap();
    let groups = days.iter().map(|(day, n)| ((planroom.clone(), day.clone()), synthetic(day, *n, tag))).collect();
    lake::ingest::write_groups(&lake, groups).await.unwrap();
}

#[tokio::test]
async fn a_ninety_day_window_answers_ranges_not_contains_and_a_two_field_group() {
    let app = TestApp::spawn().await;
    let days = [(day_ago(85), 40), (day_ago(60), 30), (day_ago(20), 20), (day_ago(100), 10)];
    write_days(&app, &app.planroom, &days, "old").await;
    let from = day_ago(89);
    let to = shared::time::format(jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1));
    // Every row of the window (the day 100 days ago is outside it).
    let all = app
        .ask_lake(&json!({"from": from, "to": to, "group_by": ["event_date"], "filters": {"job_id": ["job-1"]}}))
        .await;
    let total: u64 = all["items"].as_array().unwrap().iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(total, 90, "{all:?}");
    assert_eq!(all["items"][0], json!({"event_date": days[0].0, "count": 40}));

    // Views (not downloads) not by automated clients, of a file whose name contains "addendum"
    // in any case, between 06:00 and 12:00, grouped by company and day.
    let query = json!({
        "from": from, "to": to,
        "filters": {
            "event_type": {"not": ["Download"]},
            "automated": {"not": [true]},
            "object_name": {"contains": "ADDENDUM"},
            "event_timestamp": {"from": format!("{}T06:00:00Z", days[0].0), "to": to},
            "count": {"from": 1, "to": 2}
        },
        "group_by": ["company_name", "event_date"],
        "distinct": ["user_email"],
        "sort": "event_date,company_name"
    });
    let answer = app.ask_lake(&query).await;
    // Expected, from the rows written.
    let mut expected: BTreeMap<(String, String), (u64, BTreeSet<String>)> = BTreeMap::new();
    for (day, n) in &days[..3] {
        for i in 0..*n {
            let hour = i % 24;
            let earliest_ok = *day != days[0].0 || hour >= 6;
            if i % 3 != 0 && i % 10 != 9 && i % 4 == 0 && earliest_ok {
                let company = if i % 2 == 0 { "ACME Construction" } else { "Bolt Electric" };
                let e = expected.entry((company.to_owned(), day.clone())).or_default();
                e.0 += 1;
                e.1.insert(format!("u{}@old.test", i % 5));
            }
        }
    }
    let got: BTreeMap<(String, String), (u64, u64)> = answer["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let key = (g["company_name"].as_str().unwrap().to_owned(), g["event_date"].as_str().unwrap().to_owned());
            (key, (g["count"].as_u64().unwrap(), g["distinct_user_email"].as_u64().unwrap()))
        })
        .collect();
    let want: BTreeMap<(String, String), (u64, u64)> =
        expected.into_iter().map(|(k, (n, users))| (k, (n, users.len() as u64))).collect();
    assert!(!want.is_empty());
    assert_eq!(got, want, "{answer:?}");
    let order: Vec<&str> =
        answer["items"].as_array().unwrap().iter().map(|g| g["event_date"].as_str().unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]), "sorted by event_date: {order:?}");
    assert_eq!(answer["columns"][3], json!({"name": "distinct_user_email", "type": "bigint"}));

    // `in` with null, and the rows chosen by fields.
    let picked = app
        .ask_lake(&json!({"from": from, "to": to, "fields": ["event_id", "user_job_title"],
                          "filters": {"user_job_title": [null], "object_id": ["f-1", "f-2"]}, "limit": 5}))
        .await;
    assert_eq!(picked["items"].as_array().unwrap().len(), 5);
    assert_eq!(picked["rows"], 5);
    assert!(picked["items"].as_array().unwrap().iter().all(|r| r.as_object().unwrap().len() == 2));
}

#[tokio::test]
async fn another_planrooms_rows_are_never_reachable_whatever_the_filters_say() {
    let app = TestApp::spawn().await;
    let other = e2e::unique("other");
    write_days(&app, &other, &[(day_ago(3), 30)], "theirs").await;
    write_days(&app, &app.planroom, &[(day_ago(3), 6)], "ours").await;
    let (from, to) = (day_ago(10), day_ago(0));
    let hostile = [
        "x' OR '1'='1",
        "') OR 1=1 --",
        "x\" OR \"1\"=\"1",
        "'; DROP TABLE user_activity; --",
        "%' UNION SELECT * FROM user_activity --",
        &format!("{other}' OR planroom='{other}"),
        "\\'; SELECT 1; --",
    ];
    let text_fields: Vec<&str> = shared::user_activity::Field::all()
        .filter(|f| f.kind() == shared::user_activity::FieldKind::Text)
        .map(|f| f.name())
        .filter(|f| !matches!(*f, "event_type" | "device_type"))
        .collect();
    let mut asked = 0;
    for field in &text_fields {
        for (i, text) in hostile.iter().enumerate() {
            let condition = match i % 3 {
                0 => json!([text]),
                1 => json!({"not": [text]}),
                _ => json!({"contains": text}),
            };
            let answer = app
                .ask_lake(&json!({"from": from, "to": to, "filters": {*field: condition}, "fields": ["event_id"]}))
                .await;
            for row in answer["items"].as_array().unwrap() {
                assert!(row["event_id"].as_str().unwrap().starts_with("ours-"), "{field} {text}: {row}");
            }
            // A `not` of a value no row has keeps all of ours, and only ours.
            if i % 3 == 1 {
                assert_eq!(answer["rows"], 6, "{field} {text}: {answer:?}");
            }
            asked += 1;
        }
    }
    assert!(asked >= 20 * hostile.len() / 3);
    // Nor does SQL get anywhere through names, times, numbers or flags: each is a 422.
    for text in &hostile {
        for body in [
            json!({"from": from, "to": to, "fields": [text]}),
            json!({"from": from, "to": to, "group_by": [text]}),
            json!({"from": from, "to": to, "group_by": ["job_id"], "distinct": [text]}),
            json!({"from": from, "to": to, "sort": text}),
            json!({"from": text, "to": to}),
            json!({"from": from, "to": to, "filters": {"event_timestamp": {"from": text}}}),
            json!({"from": from, "to": to, "filters": {"count": {"to": text}}}),
            json!({"from": from, "to": to, "filters": {"is_api": [text]}}),
            json!({"from": from, "to": to, "filters": {"event_type": [text]}}),
            json!({"from": from, "to": to, "filters": {(*text): ["x"]}}),
        ] {
            let answer = app.json("POST", "/v1/user-activity/queries", Some(&app.staff()), &body).await;
            assert_eq!(answer.status, 422, "{body}: {:?}", answer.body);
        }
    }
    // The planroom is not a field a caller may name, in filters, fields, groups or sort.
    for body in [
        json!({"from": from, "to": to, "filters": {"planroom": [other]}}),
        json!({"from": from, "to": to, "fields": ["planroom"]}),
        json!({"from": from, "to": to, "group_by": ["day"]}),
        json!({"from": from, "to": to, "sort": "planroom"}),
    ] {
        let answer = app.json("POST", "/v1/user-activity/queries", Some(&app.staff()), &body).await;
        assert_eq!(answer.status, 422, "{body}: {:?}", answer.body);
    }
    // Their staff see theirs; a customer of ours may not ask at all.
    let theirs = app.token_for(&other, json!({"sub": "s", "email": "s@x.test", "role": "staff", "approved": true}));
    let asked = app
        .json(
            "POST",
            "/v1/user-activity/queries",
            Some(&theirs),
            &json!({"from": from, "to": to, "group_by": "job_id"}),
        )
        .await;
    assert_eq!(asked.status, 202);
    let answer = app.lake_answer(&theirs, asked.body["query_id"].as_str().unwrap()).await;
    assert_eq!(answer["items"], json!([{"job_id": "job-1", "count": 30}]));
    let customer = app.customer("zoe@bidder.test", "acme");
    let refused =
        app.json("POST", "/v1/user-activity/queries", Some(&customer), &json!({"from": from, "to": to})).await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    // Our query's id means nothing to their staff.
    let ours =
        app.json("POST", "/v1/user-activity/queries", Some(&app.staff()), &json!({"from": from, "to": to})).await;
    let id = ours.body["query_id"].as_str().unwrap();
    let peek = app.send("GET", &format!("/v1/user-activity/queries/{id}"), Some(&theirs), None).await;
    assert_eq!(peek.status, 404, "{:?}", peek.body);
}

/// Every record of the test table's stream so far.
async fn stream(app: &TestApp) -> (String, Vec<Record>) {
    let sdk = shared::store::aws_config().await;
    let streams = aws_sdk_dynamodbstreams::Client::new(&sdk);
    let table = app.dynamo.describe_table().table_name(&app.table).send().await.unwrap();
    let arn = table.table.and_then(|t| t.latest_stream_arn).unwrap();
    let described = streams.describe_stream().stream_arn(&arn).send().await.unwrap();
    let mut records = Vec::new();
    for shard in described.stream_description.and_then(|d| d.shards).unwrap_or_default() {
        let mut iterator = streams
            .get_shard_iterator()
            .stream_arn(&arn)
            .shard_id(shard.shard_id.unwrap())
            .shard_iterator_type(ShardIteratorType::TrimHorizon)
            .send()
            .await
            .unwrap()
            .shard_iterator;
        while let Some(current) = iterator.take() {
            let out = streams.get_records().shard_iterator(current).limit(1000).send().await.unwrap();
            let page = out.records.unwrap_or_default();
            if page.is_empty() {
                break;
            }
            records.extend(page);
            iterator = out.next_shard_iterator;
        }
    }
    (arn, records)
}

#[tokio::test]
async fn a_replayed_stream_and_a_compaction_count_nothing_twice() {
    let app = TestApp::spawn().await;
    let n = capture(&app).await;
    landed(&app, n).await;
    let (from, to) = around_now();
    let ours = json!({"from": from, "to": to, "fields": ["event_id"], "filters": {"job_id": {"not": [null]}}});
    let before = app.ask_lake(&ours).await;
    assert_eq!(before["rows"], n);
    // The query's own row (staff asked for it) lands too, before the stream is read.
    landed(&app, n + 1).await;
    // The whole stream delivered again, then its first half once more in other batches.
    let lake = app.lake().await;
    let (arn, records) = stream(&app).await;
    let all: Vec<&Record> = records.iter().collect();
    devserver::stream::lake_batch(&lake, &all, &arn).await;
    // Lambda's retry of a failed batch is the same batch: it rewrites the same files, with the
    // same rows (the event source is not bisected).
    let (keys_once, rows_once) = lake_files(&app, &app.planroom).await;
    let again = json!({"Records": all.iter().map(|r| devserver::stream::lambda_record(r, &arn)).collect::<Vec<_>>()});
    lake::handle(&lake, again).await.unwrap();
    let (keys_twice, rows_twice) = lake_files(&app, &app.planroom).await;
    assert_eq!(keys_twice, keys_once, "a retried batch writes no new file");
    assert_eq!(rows_twice, rows_once, "a retried batch writes no row twice");
    for pair in all[..all.len() / 2].chunks(2) {
        devserver::stream::lake_batch(&lake, pair, &arn).await;
    }
    let (keys, rows) = lake_files(&app, &app.planroom).await;
    assert!(rows.len() > n, "the split replay left copies in new files: {} rows in {} files", rows.len(), keys.len());
    let after = app.ask_lake(&ours).await;
    assert_eq!(after["rows"], n, "each event once: {after:?}");
    assert_eq!(by_id(after["items"].as_array().unwrap()), by_id(before["items"].as_array().unwrap()));

    // Compacting the day leaves one file with each event once, and the same answer (once the
    // two queries' own Export rows have landed too).
    landed(&app, n + 2).await;
    let (keys, _) = lake_files(&app, &app.planroom).await;
    let planroom = Id::parse("planroom", &app.planroom).unwrap();
    let days: BTreeSet<String> =
        keys.iter().filter_map(|k| k.split("/day=").nth(1)).map(|d| d[..10].to_owned()).collect();
    for day in &days {
        let dirty = lake.store.dirty_lake_days().await.unwrap();
        let noted = dirty.iter().find(|d| d.planroom == planroom && &d.day == day).cloned();
        let noted = noted.unwrap_or(DirtyDay { planroom: planroom.clone(), day: day.clone(), written_at: 0 });
        lake::compact::day_of(&lake, &noted).await.unwrap();
    }
    let (keys, rows) = lake_files(&app, &app.planroom).await;
    assert_eq!(keys.len(), days.len(), "one file a day: {keys:?}");
    assert!(keys.iter().all(|k| k.contains("/day-")), "{keys:?}");
    let ids: BTreeSet<&str> = rows.iter().filter_map(|(_, c)| c[0].as_str()).collect();
    assert_eq!(ids.len(), rows.len(), "each event once in the compacted files");
    let compacted = app.ask_lake(&ours).await;
    assert_eq!(by_id(compacted["items"].as_array().unwrap()), by_id(before["items"].as_array().unwrap()));
}

#[tokio::test]
async fn odd_records_never_fail_a_batch_so_its_retry_is_the_same_batch() {
    let app = TestApp::spawn().await;
    let n = capture(&app).await;
    landed(&app, n).await;
    let lake = app.lake().await;
    let (arn, records) = stream(&app).await;
    let row = records
        .iter()
        .map(|r| devserver::stream::lambda_record(r, &arn))
        .find(|r| r["eventName"] == "INSERT" && r["dynamodb"]["NewImage"]["type"]["S"] == "user_activity")
        .expect("a dataset row on the stream");
    let odd = |id: &str, change: &dyn Fn(&mut Value)| {
        let mut record = row.clone();
        record["dynamodb"]["NewImage"]["event_id"] = json!({"S": id});
        change(&mut record["dynamodb"]["NewImage"]);
        record
    };
    let batch = json!({"Records": [
        // No time: left out. A count that is text and a flag that is a number: written as missing.
        odd("odd-no-time", &|image| { image.as_object_mut().unwrap().remove("event_timestamp"); }),
        odd("odd-types", &|image| { image["count"] = json!({"S": "many"}); image["is_api"] = json!({"N": "1"}); }),
        // Not the table's key shape: left out.
        odd("odd-key", &|image| { image["pk"] = json!({"S": "elsewhere"}); }),
        row.clone(),
    ]});
    lake::handle(&lake, batch).await.expect("odd records fail no batch");
    let (_, rows) = lake_files(&app, &app.planroom).await;
    let ids: BTreeSet<&str> = rows.iter().filter_map(|(_, c)| c[0].as_str()).collect();
    assert!(!ids.contains("odd-no-time") && !ids.contains("odd-key"), "{ids:?}");
    let table = columns::table();
    let at = |name: &str| table.iter().position(|c| c.name == name).unwrap();
    let typed =
        rows.iter().find(|(_, c)| c[0] == "odd-types").map(|(_, c)| c).expect("the row with odd cells is written");
    assert_eq!((&typed[at("count")], &typed[at("is_api")]), (&Value::Null, &Value::Null));
    assert_eq!(typed[at("event_type")], row["dynamodb"]["NewImage"]["event_type"]["S"]);
}

#[tokio::test]
async fn a_day_is_compacted_a_row_group_at_a_time_each_event_once_newest_copy_in_time_order() {
    let app = TestApp::spawn().await;
    let lake = app.lake().await;
    let planroom = Id::parse("planroom", &app.planroom).unwrap();
    let day = day_ago(3);
    let table = columns::table();
    let at = |name: &str| table.iter().position(|c| c.name == name).unwrap();
    // Three files: 30 events, 20 of them again (newer copies, another name), and 10 new.
    let rows = synthetic(&day, 30, "c");
    let mut newer: Vec<Cells> = rows[..20].to_vec();
    for row in &mut newer {
        row[at(columns::RECORDED_AT)] = json!(format!("{day}T23:59:30.000Z"));
        row[at("object_name")] = json!("Addendum 3 (revised).pdf");
    }
    let more = synthetic(&day, 40, "c")[30..].to_vec();
    for batch in [rows.clone(), newer, more] {
        let groups = BTreeMap::from([((planroom.clone(), day.clone()), batch)]);
        lake::ingest::write_groups(&lake, groups).await.unwrap();
    }
    let dirty = DirtyDay { planroom: planroom.clone(), day: day.clone(), written_at: 0 };
    let (files, kept) = lake::compact::day_in_groups_of(&lake, &dirty, 7).await.unwrap();
    assert_eq!((files, kept), (3, 40));
    let keys = lake.bucket.keys(&layout::day_prefix(&planroom, &day)).await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let body = lake.bucket.get(&keys[0]).await.unwrap();
    assert_eq!(parquet_rows::row_groups(&body).unwrap(), 6, "40 rows in groups of 7");
    let (_, back) = parquet_rows::read(body).unwrap();
    let ids: BTreeSet<&str> = back.iter().filter_map(|r| r[0].as_str()).collect();
    assert_eq!((back.len(), ids.len()), (40, 40), "each event once");
    let order: Vec<(String, String)> =
        back.iter().map(|r| (r[1].as_str().unwrap().to_owned(), r[0].as_str().unwrap().to_owned())).collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "time order across the row groups");
    // Each row as written, the first 20 as their newer copy.
    let mut expected = synthetic(&day, 40, "c");
    for row in &mut expected[..20] {
        row[at(columns::RECORDED_AT)] = json!(format!("{day}T23:59:30.000Z"));
        row[at("object_name")] = json!("Addendum 3 (revised).pdf");
    }
    let expected: BTreeMap<&str, &Cells> = expected.iter().map(|r| (r[0].as_str().unwrap(), r)).collect();
    for row in &back {
        assert_eq!(Some(&row), expected.get(row[0].as_str().unwrap()), "the newest copy, cell for cell");
    }
    // Compacted again with a late file: the day file and it make one file again, holding what
    // the day file held and the late row.
    let late = synthetic(&day, 41, "c")[40..].to_vec();
    let rows_by_id = |rows: &[Cells]| -> BTreeMap<String, Cells> {
        rows.iter().map(|r| (r[0].as_str().unwrap().to_owned(), r.clone())).collect()
    };
    let mut expected = rows_by_id(&back);
    expected.extend(rows_by_id(&late));
    lake::ingest::write_groups(&lake, BTreeMap::from([((planroom.clone(), day.clone()), late)])).await.unwrap();
    assert_eq!(lake::compact::day_of(&lake, &dirty).await.unwrap(), (2, 41));
    let keys = lake.bucket.keys(&layout::day_prefix(&planroom, &day)).await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let (_, again) = parquet_rows::read(lake.bucket.get(&keys[0]).await.unwrap()).unwrap();
    assert_eq!(again.len(), 41);
    assert_eq!(rows_by_id(&again), expected);
    let ordered: Vec<(&str, &str)> = again.iter().map(|r| (r[1].as_str().unwrap(), r[0].as_str().unwrap())).collect();
    assert!(ordered.windows(2).all(|w| w[0] <= w[1]), "time order");
}

#[tokio::test]
async fn queries_are_idempotent_and_bad_ones_say_why() {
    let app = TestApp::spawn().await;
    let staff = app.staff();
    let body = json!({"from": "2026-01-01", "to": "2026-12-01", "group_by": ["event_type"]});
    let send = |key: &'static str, body: Value| {
        let staff = staff.clone();
        let app = &app;
        async move {
            app.send_with(
                "POST",
                &format!("{}/v1/user-activity/queries", app.base),
                &[
                    ("authorization", &format!("Bearer {staff}")),
                    ("idempotency-key", key),
                    ("content-type", "application/json"),
                ],
                Some(body.to_string().into_bytes()),
            )
            .await
        }
    };
    let first = send("q-1", body.clone()).await;
    let again = send("q-1", body.clone()).await;
    assert_eq!((first.status, again.status), (202, 202), "{:?}", first.body);
    assert_eq!(first.body["query_id"], again.body["query_id"]);
    let other = send("q-1", json!({"from": "2026-01-01", "to": "2026-12-01"})).await;
    assert_eq!(other.status, 422, "{:?}", other.body);
    for bad in [
        json!({"from": "2026-02-01", "to": "2026-01-01"}),
        json!({"from": "2026-01-01", "to": "2026-02-01", "filters": {"shoe_size": [42]}}),
        json!({"from": "2026-01-01", "to": "2026-02-01", "filters": {"count": {"from": "many"}}}),
        json!({"from": "2026-01-01", "to": "2026-02-01", "limit": 2_000_000}),
        json!({"from": "2026-01-01"}),
        json!({"from": "2026-01-01", "to": "2026-02-01", "colour": "red"}),
    ] {
        let answer = app.json("POST", "/v1/user-activity/queries", Some(&staff), &bad).await;
        assert_eq!(answer.status, 422, "{bad}: {:?}", answer.body);
        assert!(answer.body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{:?}", answer.body);
    }
    let missing = app.send("GET", "/v1/user-activity/queries/e-nothing", Some(&staff), None).await;
    assert_eq!(missing.status, 404);
    let ready = app.lake_answer(&staff, first.body["query_id"].as_str().unwrap()).await;
    let page = app
        .send(
            "GET",
            &format!("/v1/user-activity/queries/{}?page=9", first.body["query_id"].as_str().unwrap()),
            Some(&staff),
            None,
        )
        .await;
    assert_eq!(page.status, 400, "{:?} {ready:?}", page.body);
}

#[tokio::test]
async fn the_dataset_export_reads_any_window_from_the_lake() {
    let app = TestApp::spawn().await;
    let days = [(day_ago(80), 25), (day_ago(45), 15), (day_ago(2), 10)];
    write_days(&app, &app.planroom, &days, "exp").await;
    let staff = app.staff();
    let (from, to) = (day_ago(85), day_ago(0));
    // From the table, a window over 31 days is refused; from the lake it is read.
    let body = json!({"from": from, "to": to, "format": "csv", "filters": {"job_id": ["job-1"]},
                      "fields": ["event_id", "event_timestamp", "company_name", "automated"]});
    let refused = app.json("POST", "/v1/user-activity/exports", Some(&staff), &body).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    let mut lake_body = body.clone();
    lake_body["source"] = json!("lake");
    // The lake's own limits are a 422 when the export is asked for, not a failed export later.
    let mut too_long = lake_body.clone();
    too_long["filters"] = json!({"object_name": ["x".repeat(501)]});
    let refused = app.json("POST", "/v1/user-activity/exports", Some(&staff), &too_long).await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    let asked = app.json("POST", "/v1/user-activity/exports", Some(&staff), &lake_body).await;
    assert_eq!(asked.status, 202, "{:?}", asked.body);
    let done = Box::pin(app.export_ready(&staff, asked.body["export_id"].as_str().unwrap())).await;
    assert_eq!(done["rows"], 50, "{done:?}");
    let csv = app.http.get(done["url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&csv[..]);
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        ["event_id", "event_timestamp", "company_name", "automated"]
    );
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 50);
    let ids: BTreeSet<&str> = records.iter().map(|r| &r[0]).collect();
    assert_eq!(ids.len(), 50, "each event once");
    let times: Vec<&str> = records.iter().map(|r| &r[1]).collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert!(records.iter().all(|r| &r[3] == "true" || &r[3] == "false"));
    // Grouped, the same counts as a query of the lake.
    let grouped = json!({"from": from, "to": to, "format": "csv", "source": "lake", "group_by": "company_name"});
    let asked = app.json("POST", "/v1/user-activity/exports", Some(&staff), &grouped).await;
    assert_eq!(asked.status, 202, "{:?}", asked.body);
    let done = Box::pin(app.export_ready(&staff, asked.body["export_id"].as_str().unwrap())).await;
    let csv = app.http.get(done["url"].as_str().unwrap()).send().await.unwrap().bytes().await.unwrap();
    let mut reader = csv::Reader::from_reader(&csv[..]);
    let exported: BTreeSet<(String, String)> =
        reader.records().map(Result::unwrap).map(|r| (r[0].to_owned(), r[1].to_owned())).collect();
    let asked = app.ask_lake(&json!({"from": from, "to": to, "group_by": ["company_name"]})).await;
    let queried: BTreeSet<(String, String)> = asked["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["company_name"].as_str().unwrap_or_default().to_owned(), g["count"].to_string()))
        .collect();
    assert_eq!(exported, queried);
}
