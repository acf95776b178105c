//! A job as registered, and the funnel of its blasts, as the Activity tab reads them.

use e2e::{BROWSER, Blast, TestApp, an_hour_ago, view};
use serde_json::json;

async fn register(app: &TestApp, job: &str, company: &str) {
    let body = json!({"name": "Elm Street School", "number": "24-017", "company_id": company,
                      "company_name": "ACME Construction", "time_zone": "America/Chicago", "is_demo": true});
    let answer = app.json("PUT", &format!("/v1/jobs/{job}"), Some(&app.staff()), &body).await;
    assert!(matches!(answer.status, 200 | 201), "{:?}", answer.body);
}

#[tokio::test]
async fn a_job_reads_back_as_registered_for_those_who_may_see_it_and_is_404_for_others() {
    let app = TestApp::spawn().await;
    register(&app, "job-1", "acme").await;
    let staff = app.send("GET", "/v1/jobs/job-1", Some(&app.staff()), None).await;
    assert_eq!(staff.status, 200, "{:?}", staff.body);
    let mut read = staff.body.clone();
    let created_at = read.as_object_mut().and_then(|o| o.remove("created_at"));
    assert!(created_at.is_some_and(|t| t.is_string()), "when it was first registered: {:?}", staff.body);
    assert_eq!(
        read,
        json!({"job_id": "job-1", "name": "Elm Street School", "number": "24-017", "company_id": "acme",
               "company_name": "ACME Construction", "time_zone": "America/Chicago", "is_demo": true})
    );
    let own = app.send("GET", "/v1/jobs/job-1", Some(&app.customer("a@acme.test", "acme")), None).await;
    assert_eq!(own.body, staff.body);
    let other_company = app.send("GET", "/v1/jobs/job-1", Some(&app.customer("b@rival.test", "rival")), None).await;
    let missing = app.send("GET", "/v1/jobs/job-never-registered", Some(&app.staff()), None).await;
    let other_planroom = app.token_for("another-planroom", json!({"sub": "s", "role": "staff", "approved": true}));
    let elsewhere = app.send("GET", "/v1/jobs/job-1", Some(&other_planroom), None).await;
    for answer in [&other_company, &missing, &elsewhere] {
        assert_eq!(answer.status, 404, "{:?}", answer.body);
        assert_eq!(answer.body, other_company.body, "the same 404 whether or not the job exists");
    }
    assert_eq!(app.send("GET", "/v1/jobs/job-1", None, None).await.status, 401);
    assert_eq!(app.send("GET", "/v1/jobs/job-1/blasts", None, None).await.status, 401);
}

/// Two blasts of job-1 and what their recipients did: Zoë opens and downloads, Sam logs in and
/// views, only a scanner opens Ann's link, Max does nothing; the later blast goes to Zoë alone.
async fn engage(app: &TestApp) -> (Blast, Blast, String) {
    register(app, "job-1", "acme").await;
    let recipients = ["zoe@bidder.test", "sam@builder.test", "ann@scanned.test", "max@silent.test"];
    let blast = app.blast("job-1", &recipients, Some(&an_hour_ago())).await;
    // Zoë opens her link, then downloads through the session.
    let zoe = app.click(&blast.link("zoe@bidder.test", "add-3")).await;
    assert_eq!(zoe.status, 302);
    let download = json!([{"job_id": "job-1", "activity": "download", "object": {"kind": "file", "id": "add-3"}}]);
    assert_eq!(app.post_contact_events(&zoe.session(), download).await.status, 200);
    // Sam never follows the link but logs in and views a file.
    let sam = app.customer("sam@builder.test", "acme");
    assert_eq!(app.post_events(&sam, json!([view("job-1", "a-101")])).await.status, 200);
    // Only a scanner opens Ann's link (a HEAD probe, then a scanner's GET).
    let link = blast.link("ann@scanned.test", "add-3");
    assert_eq!(app.send_with("HEAD", &link, &[("user-agent", BROWSER)], None).await.status, 302);
    // The judge counts the link hits from the table's stream.
    app.stored_when("the link hits are counted", |s| {
        e2e::records(s, true).len() == 1
            && e2e::records(s, false).iter().any(|r| e2e::text(r, "sk").ends_with("#view#file#add-3"))
    })
    .await;
    // A second, later blast to Zoë alone, which she does not open.
    let second = app.blast("job-1", &["zoe@bidder.test"], Some(&an_hour_ago())).await;

    (blast, second, sam)
}

#[tokio::test]
async fn each_blast_counts_recipients_people_who_opened_viewed_and_downloaded_never_scanners() {
    let app = TestApp::spawn().await;
    // Boxed: the set-up's future is too large for a test thread's stack in a debug build.
    let (blast, second, sam) = Box::pin(engage(&app)).await;

    let answer = app.send("GET", "/v1/jobs/job-1/blasts", Some(&app.staff()), None).await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    let items = answer.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["blast_id"], json!(second.id()), "newest first");
    let first = &items[1];
    assert_eq!(first["blast_id"], json!(blast.id()));
    assert_eq!(first["name"], json!("Addendum 3 is out"));
    assert_eq!(first["targets"][0], json!({"kind": "file", "id": "add-3", "name": "Addendum 3.pdf", "action": "view"}));
    assert_eq!(
        [&first["recipients"], &first["opened"], &first["viewed"], &first["downloaded"]],
        [&json!(4), &json!(1), &json!(2), &json!(1)],
        "{first}"
    );
    let later = &items[0];
    assert_eq!(
        [&later["recipients"], &later["opened"], &later["viewed"], &later["downloaded"]],
        [&json!(1), &json!(0), &json!(1), &json!(1)]
    );
    // A customer of the job's company reads the same; another company gets 404.
    let own = app.send("GET", "/v1/jobs/job-1/blasts", Some(&sam), None).await;
    assert_eq!(own.body, answer.body);
    let rival = app.send("GET", "/v1/jobs/job-1/blasts", Some(&app.customer("r@rival.test", "rival")), None).await;
    assert_eq!(rival.status, 404);
    // A job without blasts has an empty list.
    let empty = app.send("GET", "/v1/jobs/job-2/blasts", Some(&app.staff()), None).await;
    assert_eq!(empty.body, json!({"items": []}));
}
