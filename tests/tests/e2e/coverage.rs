//! Addendum coverage: the job list, the matrix of bidders by documents, and the reminder to
//! exactly those who have not viewed.

use e2e::{BROWSER, Blast, TestApp, an_hour_ago};
use serde_json::{Value, json};

pub(crate) const JOB: &str = "cov-1";
/// The SHA-256 the blast gives for Addendum 3.
pub(crate) const ADDENDUM_3_SHA256: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

/// Who the blast goes to: two people of Alpha, one each of Beta, Gamma and Delta.
const RECIPIENTS: [(&str, &str); 5] = [
    ("ann@alpha.test", "Alpha Mécanique"),
    ("al@alpha.test", "ALPHA MECANIQUE"),
    ("bo@beta.test", "Beta Electric"),
    ("cy@gamma.test", "Gamma Glass"),
    ("dee@delta.test", "Delta Drywall"),
];

async fn register(app: &TestApp, job: &str, name: &str, number: &str, company: &str) -> Value {
    let body = json!({"name": name, "number": number, "company_id": company, "company_name": "ACME",
                      "time_zone": "America/Chicago", "bid_due_at": "2026-12-10T14:00:00-06:00"});
    let answer = app.json("PUT", &format!("/v1/jobs/{job}"), Some(&app.staff()), &body).await;
    assert!(matches!(answer.status, 200 | 201), "{:?}", answer.body);
    answer.body
}

/// A blast of Addenda 1 and 3 to [`RECIPIENTS`], then: Ann views Addendum 1 by its link and
/// downloads Addendum 3; Bo views Addendum 3 by its link; only a scanner touches Dee's link;
/// Al and Cy do nothing.
pub(crate) async fn bid_board(app: &TestApp) -> Blast {
    register(app, JOB, "Riverside Clinic", "J-1042", "acme").await;
    let staff = app.staff();
    let base = app.json("PUT", "/v1/planroom", Some(&staff), &json!({"base_url": "https://plans.example.test/"})).await;
    assert_eq!(base.status, 200);
    let blast = json!({
        "name": "Addenda",
        "sent_at": an_hour_ago(),
        "recipients": RECIPIENTS.iter().map(|(e, c)| json!({"email": e, "name": format!("Name of {e}"), "company_name": c})).collect::<Vec<_>>(),
        "targets": [
            {"kind": "file", "id": "add-1", "name": "Addendum 1.pdf", "action": "view"},
            {"kind": "file", "id": "add-3", "name": "Addendum 3.pdf", "action": "view", "sha256": ADDENDUM_3_SHA256},
        ],
    });
    let answer = app.json("POST", &format!("/v1/jobs/{JOB}/blasts"), Some(&staff), &blast).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    let blast = Blast(answer.body);
    let ann = app.click(&blast.link("ann@alpha.test", "add-1")).await;
    assert_eq!(ann.status, 302);
    let download = json!([{"job_id": JOB, "activity": "download", "object": {"kind": "file", "id": "add-3"}}]);
    assert_eq!(app.post_contact_events(&ann.session(), download).await.status, 200);
    assert_eq!(app.click(&blast.link("bo@beta.test", "add-3")).await.status, 302);
    let probe = app.send_with("HEAD", &blast.link("dee@delta.test", "add-1"), &[("user-agent", BROWSER)], None).await;
    assert_eq!(probe.status, 302);
    app.stored_when("the link hits are judged", |s| {
        e2e::records(s, true).len() == 1 && e2e::records(s, false).len() == 3
    })
    .await;
    blast
}

async fn coverage(app: &TestApp, query: &str, token: &str) -> Value {
    let answer = app.send("GET", &format!("/v1/jobs/{JOB}/coverage{query}"), Some(token), None).await;
    assert_eq!(answer.status, 200, "{query}: {:?}", answer.body);
    answer.body
}

/// Each row's `(label, [step per column])`.
fn board(body: &Value) -> Vec<(String, Vec<String>)> {
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| {
            let label = row["email"].as_str().or(row["company_name"].as_str()).unwrap_or_default().to_owned();
            let steps = row["cells"]
                .as_array()
                .expect("cells")
                .iter()
                .map(|c| c["step"].as_str().unwrap_or_default().to_owned());
            (label, steps.collect())
        })
        .collect()
}

fn row<'a>(body: &'a Value, label: &str) -> &'a Value {
    body["rows"]
        .as_array()
        .and_then(|rows| rows.iter().find(|r| r["email"] == label || r["company_name"] == label))
        .unwrap_or_else(|| panic!("no row {label} in {body:#}"))
}

#[tokio::test]
async fn the_matrix_shows_each_bidders_furthest_step_rolls_companies_up_and_keeps_scanners_out() {
    let app = TestApp::spawn().await;
    let blast = Box::pin(bid_board(&app)).await;
    let staff = app.staff();

    let people = coverage(&app, "?by=individual", &staff).await;
    let columns: Vec<_> = people["columns"].as_array().unwrap().iter().map(|c| c["file_id"].clone()).collect();
    assert_eq!(columns, [json!("add-1"), json!("add-3")]);
    assert_eq!(people["columns"][0]["first_sent_by"], json!(blast.id()));
    assert_eq!(people["columns"][1]["name"], json!("Addendum 3.pdf"));
    let steps = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let expected = [
        ("al@alpha.test", steps(&["sent", "sent"])),
        ("ann@alpha.test", steps(&["viewed", "downloaded"])),
        ("bo@beta.test", steps(&["opened", "viewed"])),
        ("cy@gamma.test", steps(&["sent", "sent"])),
        ("dee@delta.test", steps(&["sent", "sent"])),
    ];
    let mut got = board(&people);
    got.sort();
    assert_eq!(got, expected.map(|(l, s)| (l.to_owned(), s)), "{people:#}");
    let ann = row(&people, "ann@alpha.test");
    assert_eq!((ann["viewed"].clone(), ann["missing"].clone()), (json!(2), json!(0)));
    let first = &ann["cells"][0];
    assert!(first["first_at"].as_str().unwrap().ends_with('Z'), "{first}");
    assert!(first["first_at_local"].as_str().unwrap().ends_with("-06:00"), "the job's zone: {first}");
    assert!(first["sent_at"].is_string() && first["viewed_at"] == first["first_at"], "{first}");
    assert_eq!(row(&people, "bo@beta.test")["missing"], json!(1));
    assert_eq!(people["time_zone"], json!("America/Chicago"));

    // By company (the default): Alpha has both through Ann, whatever the spelling of its name.
    let companies = coverage(&app, "", &staff).await;
    assert_eq!(companies["by"], json!("company"));
    assert_eq!(companies["rows"].as_array().unwrap().len(), 4, "{companies:#}");
    let alpha = &companies["rows"][0];
    assert!(alpha["company_name"].as_str().unwrap().to_lowercase().starts_with("alpha"), "{alpha}");
    assert_eq!(alpha["individuals"].as_array().unwrap().len(), 2);
    assert_eq!(alpha["cells"][0]["step"], json!("viewed"));
    assert_eq!(alpha["cells"][1]["step"], json!("downloaded"));
    assert_eq!(alpha["cells"][0]["first_by"], ann["individual_id"]);
    assert_eq!(companies["complete_rows"], json!(1));

    // Who is missing something: everyone but Alpha.
    let missing = coverage(&app, "?missing=true", &staff).await;
    let names: Vec<_> = missing["rows"].as_array().unwrap().iter().map(|r| r["company_name"].clone()).collect();
    assert_eq!(names, [json!("Beta Electric"), json!("Delta Drywall"), json!("Gamma Glass")]);

    // The scanner's hit on Dee's link never fills the cell; asked for, it is shown beside it.
    let dee = row(&people, "dee@delta.test");
    assert!(dee["cells"][0].get("automated").is_none(), "{dee}");
    let with_scanners = coverage(&app, "?by=individual&include_automated=true", &staff).await;
    let dee = row(&with_scanners, "dee@delta.test");
    assert_eq!(dee["cells"][0]["step"], json!("sent"));
    assert_eq!(dee["cells"][0]["automated"]["hits"], json!(1), "{dee}");
    assert!(dee["cells"][0]["automated"]["reasons"][0].is_string(), "{dee}");

    // A file named with file_id= is a column of its own, even never sent.
    let named = coverage(&app, "?by=individual&file_id=spec-9&file_id=add-3", &staff).await;
    assert_eq!(named["columns"].as_array().unwrap().len(), 3);
    assert_eq!(named["columns"][2]["file_id"], json!("spec-9"));
    assert_eq!(row(&named, "ann@alpha.test")["cells"][2]["step"], json!("not_sent"));
}

#[tokio::test]
async fn the_matrix_follows_the_job_reads_visibility_and_refuses_bad_parameters() {
    let app = TestApp::spawn().await;
    Box::pin(bid_board(&app)).await;
    let own = app.customer("pm@acme.test", "acme");
    let staff_view = coverage(&app, "", &app.staff()).await;
    assert_eq!(coverage(&app, "", &own).await, staff_view, "the job's own company reads the same");
    let rival =
        app.send("GET", &format!("/v1/jobs/{JOB}/coverage"), Some(&app.customer("x@rival.test", "rival")), None).await;
    let elsewhere = app.token_for("another-planroom", json!({"sub": "s", "role": "staff", "approved": true}));
    let other_planroom = app.send("GET", &format!("/v1/jobs/{JOB}/coverage"), Some(&elsewhere), None).await;
    for answer in [&rival, &other_planroom] {
        assert_eq!(answer.status, 404, "{:?}", answer.body);
        assert!(answer.body.to_string().find("Addend").is_none());
    }
    assert_eq!(app.send("GET", &format!("/v1/jobs/{JOB}/coverage"), None, None).await.status, 401);
    for query in ["?by=bidder", "?missing=yes", "?include_automated=1"] {
        let answer = app.send("GET", &format!("/v1/jobs/{JOB}/coverage{query}"), Some(&app.staff()), None).await;
        assert_eq!(answer.status, 400, "{query}: {:?}", answer.body);
        assert!(answer.body["error"]["message"].is_string());
    }
}

#[tokio::test]
async fn a_reminder_reaches_exactly_who_has_not_viewed_once_per_idempotency_key() {
    let app = TestApp::spawn().await;
    let blast = Box::pin(bid_board(&app)).await;
    let staff = app.staff();
    let path = format!("/v1/jobs/{JOB}/blasts/{}/reminders", blast.id());
    let send = |key: &'static str, body: Value| {
        let (app, path, staff) = (&app, path.clone(), staff.clone());
        async move {
            let headers = [("authorization", format!("Bearer {staff}")), ("idempotency-key", key.to_owned())];
            let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            app.send_with("POST", &path, &headers, Some(body.to_string().into_bytes())).await
        }
    };
    // Sent an hour ago: a click right after a send is what delivery-time scanners do.
    let sent = json!({"sent_at": an_hour_ago()});
    let first = send("nudge-1", sent.clone()).await;
    assert_eq!(first.status, 201, "{:?}", first.body);
    let reminded = |body: &Value| {
        let mut emails: Vec<String> =
            body["links"].as_array().unwrap().iter().map(|l| l["email"].as_str().unwrap().to_owned()).collect();
        emails.sort();
        emails.dedup();
        emails
    };
    // Ann viewed both; Bo only opened Addendum 1; a scanner's hit is not Dee's view.
    assert_eq!(reminded(&first.body), ["al@alpha.test", "bo@beta.test", "cy@gamma.test", "dee@delta.test"]);
    assert_eq!(first.body["reminder_of"], json!(blast.id()));
    assert_eq!(first.body["links_total"], json!(8));
    let reminder = first.body["blast_id"].as_str().unwrap().to_owned();

    // The same key again: the same reminder, nothing stored twice.
    let before = app.stored(&app.planroom).await;
    let again = send("nudge-1", sent.clone()).await;
    assert_eq!(again.status, 201, "{:?}", again.body);
    assert_eq!(again.header("idempotent-replayed"), "true");
    assert_eq!(again.body["blast_id"], json!(reminder));
    assert_eq!(reminded(&again.body), reminded(&first.body));
    let after = app.stored(&app.planroom).await;
    let heads = |items: &[e2e::Item]| items.iter().filter(|i| e2e::text(i, "type") == "blast").count();
    assert_eq!(heads(&after), 2);
    assert_eq!(after, before, "a replay stores nothing");
    let other_body = send("nudge-1", json!({"until": "downloaded"})).await;
    assert_eq!(other_body.status, 422, "{:?}", other_body.body);

    // Until downloaded: Ann only viewed Addendum 1, so she is reminded too.
    let downloads = send("nudge-2", json!({"until": "downloaded", "sent_at": an_hour_ago()})).await;
    assert_eq!(downloads.status, 201, "{:?}", downloads.body);
    assert_eq!(reminded(&downloads.body).len(), 5);

    // The original's funnel counts who was reminded; the reminder says what it reminds of.
    let blasts = app.send("GET", &format!("/v1/jobs/{JOB}/blasts"), Some(&staff), None).await;
    let items = blasts.body["items"].as_array().unwrap();
    let original = items.iter().find(|b| b["blast_id"] == json!(blast.id())).unwrap();
    assert_eq!(original["reminded"], json!(5), "{original}");
    let nudge = items.iter().find(|b| b["blast_id"] == json!(reminder)).unwrap();
    assert_eq!((nudge["reminder_of"].clone(), nudge["recipients"].clone()), (json!(blast.id()), json!(4)));

    // A reminder's link is tracked like any: Bo views Addendum 1 through it, and his cell says so.
    let bo = Blast(first.body.clone()).link("bo@beta.test", "add-1");
    assert_eq!(app.click(&bo).await.status, 302);
    app.stored_when("Bo's view is judged", |s| e2e::records(s, false).len() == 4).await;
    let people = coverage(&app, "?by=individual", &staff).await;
    assert_eq!(row(&people, "bo@beta.test")["cells"][0]["step"], json!("viewed"));
    assert_eq!(row(&people, "bo@beta.test")["missing"], json!(0));

    // A blast whose every recipient has viewed all of it: nobody to remind, nothing stored.
    let ann_only = json!({"name": "Addenda again", "sent_at": an_hour_ago(),
        "recipients": [{"email": "ann@alpha.test", "name": "Ann", "company_name": "Alpha Mécanique"}],
        "targets": [{"kind": "file", "id": "add-1", "action": "view"}, {"kind": "file", "id": "add-3", "action": "view"}]});
    let again = app.json("POST", &format!("/v1/jobs/{JOB}/blasts"), Some(&staff), &ann_only).await;
    assert_eq!(again.status, 201, "{:?}", again.body);
    let nobody_path = format!("/v1/jobs/{JOB}/blasts/{}/reminders", again.body["blast_id"].as_str().unwrap());
    let before = app.stored(&app.planroom).await;
    let nobody = app.json("POST", &nobody_path, Some(&staff), &json!({})).await;
    assert_eq!(nobody.status, 200, "{:?}", nobody.body);
    assert_eq!((nobody.body["blast_id"].clone(), nobody.body["recipients"].clone()), (Value::Null, json!(0)));
    let after = app.stored(&app.planroom).await;
    let heads = |items: &[e2e::Item]| items.iter().filter(|i| e2e::text(i, "type") == "blast").count();
    assert_eq!(heads(&after), heads(&before), "no reminder blast stored");

    // Not staff, not a blast, not a job, a bad body.
    let customer = app.customer("pm@acme.test", "acme");
    assert_eq!(app.json("POST", &path, Some(&customer), &json!({})).await.status, 403);
    let nowhere = format!("/v1/jobs/{JOB}/blasts/b-nope/reminders");
    assert_eq!(app.json("POST", &nowhere, Some(&staff), &json!({})).await.status, 404);
    let no_job = format!("/v1/jobs/never/blasts/{}/reminders", blast.id());
    assert_eq!(app.json("POST", &no_job, Some(&staff), &json!({})).await.status, 404);
    assert_eq!(app.json("POST", &path, Some(&staff), &json!({"until": "ordered"})).await.status, 422);
    assert_eq!(app.json("POST", &path, Some(&staff), &json!({"to": "all"})).await.status, 422);
}

#[tokio::test]
async fn the_job_list_is_newest_first_searchable_paged_and_per_company() {
    let app = TestApp::spawn().await;
    let first = register(&app, "j-a", "Clínica Riverside", "J-1042", "acme").await;
    assert_eq!(first["bid_due_at"], json!("2026-12-10T20:00:00.000Z"));
    let created = first["created_at"].clone();
    assert!(created.is_string(), "{first}");
    register(&app, "j-b", "Elm Street School", "24-017", "rival").await;
    register(&app, "j-c", "Harbor Pier", "24-020", "acme").await;
    // Updating a job keeps its place and its first registration time.
    let updated = register(&app, "j-a", "Clínica Riverside Phase 2", "J-1042", "acme").await;
    assert_eq!(updated["created_at"], created);

    let staff = app.staff();
    let list = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let answer = app.send("GET", &format!("/v1/jobs{query}"), Some(&token), None).await;
            assert_eq!(answer.status, 200, "{query}: {:?}", answer.body);
            answer.body
        }
    };
    let ids = |body: &Value| -> Vec<String> {
        body["items"].as_array().unwrap().iter().map(|j| j["job_id"].as_str().unwrap().to_owned()).collect()
    };
    let all = list(staff.clone(), "?limit=500").await;
    let mine: Vec<String> = ids(&all).into_iter().filter(|id| id.starts_with("j-")).collect();
    assert_eq!(mine, ["j-c", "j-b", "j-a"], "newest first");
    let a = all["items"].as_array().unwrap().iter().find(|j| j["job_id"] == "j-a").unwrap();
    assert_eq!(a["name"], json!("Clínica Riverside Phase 2"));

    assert_eq!(ids(&list(staff.clone(), "?q=CLINICA%20riverside").await), ["j-a"], "case and accents");
    assert_eq!(ids(&list(staff.clone(), "?q=24-0").await), ["j-c", "j-b"], "by number");
    assert!(ids(&list(staff.clone(), "?q=nothing-like-it").await).is_empty());

    // A customer sees their company's jobs; an unapproved one none.
    let acme = list(app.customer("pm@acme.test", "acme"), "?q=r").await;
    assert_eq!(ids(&acme), ["j-c", "j-a"]);
    let unapproved =
        app.token_for(&app.planroom, json!({"sub": "u", "role": "customer", "company_id": "acme", "approved": false}));
    assert!(ids(&list(unapproved, "").await).is_empty());

    // Paged: one at a time, then the cursor; a cursor of another search is refused.
    let page = list(staff.clone(), "?q=24-0&limit=1").await;
    assert_eq!(ids(&page), ["j-c"]);
    let cursor = page["next_cursor"].as_str().unwrap().to_owned();
    let next = app.send("GET", &format!("/v1/jobs?q=24-0&limit=1&cursor={cursor}"), Some(&staff), None).await;
    assert_eq!(ids(&next.body), ["j-b"]);
    let wrong = app.send("GET", &format!("/v1/jobs?q=pier&limit=1&cursor={cursor}"), Some(&staff), None).await;
    assert_eq!(wrong.status, 400);
    assert_eq!(app.send("GET", "/v1/jobs", None, None).await.status, 401);
    let bad_due = app.json("PUT", "/v1/jobs/j-d", Some(&staff), &json!({"name": "x", "bid_due_at": "soon"})).await;
    assert_eq!(bad_due.status, 422);
}
