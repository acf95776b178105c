//! Tracked links of blast e-mails: registration, signed redirects, contact sessions, scanners.

use e2e::{Answer, Options, TestApp, number, text};
use serde_json::{Value, json};
use shared::activity::{Activity, ObjectKind};
use shared::link_token::LinkToken;
use shared::signing::Keyring;

const BROWSER: &str =
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

async fn set_up_blast(app: &TestApp, recipients: Value) -> Answer {
    let staff = app.staff();
    let base = app.json("PUT", "/v1/planroom", Some(&staff), &json!({"base_url": "https://plans.example.test/"})).await;
    assert_eq!(base.status, 200, "{:?}", base.body);
    let blast = json!({
        "name": "Addendum 3 is out",
        "sent_at": an_hour_ago(),
        "recipients": recipients,
        "targets": [
            {"kind": "file", "id": "add-3", "name": "Addendum 3.pdf", "action": "view"},
            {"kind": "section", "id": "s-2", "name": "Addenda", "action": "download"},
        ],
    });
    let answer = app.json("POST", "/v1/jobs/job-1/blasts", Some(&staff), &blast).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body);
    answer
}

/// A send time long enough ago that a click now is a person's, not a delivery-time scanner's.
pub fn an_hour_ago() -> String {
    shared::time::format(jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1))
}

fn link(blast: &Answer, email: &str, target: &str) -> String {
    blast.body["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["email"] == email && l["target_id"] == target)
        .map(|l| l["url"].as_str().unwrap().to_owned())
        .unwrap()
}

async fn click(app: &TestApp, url: &str) -> Answer {
    app.send_with("GET", url, &[("user-agent", BROWSER)], None).await
}

fn session_of(answer: &Answer) -> String {
    answer.header("location").split_once("#contact_session=").unwrap().1.to_owned()
}

#[tokio::test]
async fn a_recipient_follows_links_then_acts_with_the_session_and_later_logs_in_as_the_same_individual() {
    let app = TestApp::spawn().await;
    let blast = set_up_blast(
        &app,
        json!([{"contact_id": "c-1", "email": "Zoe@Bidder.test", "name": "Zoë Ångström", "company_name": "Bidder Co"}]),
    )
    .await;
    let blast_id = blast.body["blast_id"].as_str().unwrap().to_owned();
    assert_eq!(blast.body["links"].as_array().unwrap().len(), 2);
    let url = link(&blast, "zoe@bidder.test", "add-3");
    assert!(url.starts_with(&format!("{}/r/", app.base)));

    let first = click(&app, &url).await;
    assert_eq!(first.status, 302);
    assert!(first.header("location").starts_with("https://plans.example.test/jobs/job-1/files/add-3#contact_session="));
    assert_eq!(first.header("cache-control"), "no-store");
    assert_eq!(first.header("referrer-policy"), "no-referrer");
    let second = click(&app, &url).await;
    assert_eq!(second.status, 302);

    // The judge counts the clicks from the table's stream, a moment later.
    let stored = app.stored_when("both clicks are counted", |s| e2e::counted(&e2e::records(s, false)) == 2).await;
    let views: Vec<_> = stored.iter().filter(|i| text(i, "sk").starts_with("FA#")).collect();
    assert_eq!(views.len(), 1, "a second click is not a new first access");
    assert_eq!(number(views[0], "count"), 2);
    assert_eq!(text(views[0], "source"), format!("blast:{blast_id}"));
    assert_eq!(text(views[0], "object_name"), "Addendum 3.pdf");

    let session = session_of(&second);
    let download = json!({"events": [{"job_id": "job-1", "activity": "download", "object": {"kind": "file", "id": "add-3", "name": "Addendum 3.pdf"}}]});
    let answer = app
        .send_with(
            "POST",
            "/v1/contact-events",
            &[("x-contact-session", &session)],
            Some(download.to_string().into_bytes()),
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["results"][0]["first"], json!(true));

    // She logs in: a user of the company the job is assigned to.
    let login = app.customer("zoe@bidder.test", "acme");
    assert_eq!(
        app.post_events(
            &login,
            json!([{"job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": "a-101"}}])
        )
        .await
        .status,
        200
    );
    let individuals = app.individuals("job-1", false).await;
    assert_eq!(individuals.len(), 1, "one person, one individual");
    let sources = individuals[0]["sources"].as_array().unwrap();
    assert!(sources.contains(&json!("login")) && sources.contains(&json!(blast_id)), "{sources:?}");
    assert_eq!(individuals[0]["files_viewed"], 2);
    assert_eq!(individuals[0]["downloads"], 1);
}

#[tokio::test]
async fn session_in_query_hands_the_session_to_the_server_side_page_and_it_works_the_same() {
    let app = TestApp::spawn_with(Options { session_in: redirect::SessionIn::Query, ..Options::default() }).await;
    let blast = set_up_blast(&app, json!([{"email": "zoe@bidder.test", "name": "Zoë"}])).await;
    let hit = click(&app, &link(&blast, "zoe@bidder.test", "add-3")).await;
    assert_eq!(hit.status, 302);
    let location = hit.header("location");
    assert!(location.starts_with("https://plans.example.test/jobs/job-1/files/add-3?contact_session="), "{location}");
    assert!(!location.contains('#'), "{location}");
    let session = location.split_once("?contact_session=").unwrap().1;
    let view =
        json!({"events": [{"job_id": "job-1", "activity": "download", "object": {"kind": "file", "id": "add-3"}}]});
    let answer = app
        .send_with("POST", "/v1/contact-events", &[("x-contact-session", session)], Some(view.to_string().into_bytes()))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.body);
    assert_eq!(answer.body["results"][0]["first"], json!(true));
}

#[tokio::test]
async fn tampered_truncated_expired_and_retired_tokens_get_404_or_410_and_record_nothing() {
    let app = TestApp::spawn().await;
    let blast = set_up_blast(&app, json!([{"email": "ann@bidder.test"}])).await;
    let url = link(&blast, "ann@bidder.test", "add-3");
    let before = app.stored(&app.planroom).await;
    let (prefix, token) = url.rsplit_once('/').unwrap();
    let mut bad = Vec::new();
    for i in 0..token.len() {
        let mut bytes = token.as_bytes().to_vec();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        bad.push(String::from_utf8(bytes).unwrap());
    }
    for cut in [1, token.len() / 2, token.len() - 1] {
        bad.push(token[..cut].to_owned());
    }
    for bad_token in &bad {
        let answer = click(&app, &format!("{prefix}/{bad_token}")).await;
        assert_eq!(answer.status, 404, "{bad_token}");
        assert_eq!(answer.header("location"), "");
        assert_eq!(answer.header("cache-control"), "no-store");
    }
    let keys = Keyring::parse(devserver::DEV_SIGNING_KEYS).unwrap();
    let mut expired = LinkToken {
        planroom: app.planroom.clone(),
        blast: blast.body["blast_id"].as_str().unwrap().into(),
        recipient: "r".into(),
        job: "job-1".into(),
        target_kind: ObjectKind::File,
        target_id: "add-3".into(),
        action: Activity::View,
        expires_at: jiff::Timestamp::now().as_second() - 1,
        details: None,
    };
    let answer = click(&app, &format!("{prefix}/{}", expired.encode(&keys))).await;
    assert_eq!(answer.status, 410);
    assert_eq!(answer.header("location"), "");
    expired.expires_at += 3600;
    let retired = Keyring::parse("old:b2xkLWtleS1yZXRpcmVkLWxvbmctYWdvLTAwMDAwMDAwMDA").unwrap();
    assert_eq!(click(&app, &format!("{prefix}/{}", expired.encode(&retired))).await.status, 404);
    assert_eq!(app.stored(&app.planroom).await, before, "nothing recorded");
}

/// The README's rotation, through the Secrets Manager secret the functions read at cold start:
/// add the new key and sign with it (the old one still verifies), then retire the old one after the
/// longest link lifetime. Each step is a new cold start on the same table.
#[tokio::test]
async fn keys_rotate_through_the_secret_and_a_retired_key_is_refused() {
    let (old, new) =
        ("old:b2xkLWtleS1yZXRpcmVkLWxvbmctYWdvLTAwMDAwMDAwMDA", "new:bmV3LWtleS1zaWducy1mcm9tLW5vdy1vbi0wMDAwMDAwMDA");
    let sdk = shared::store::aws_config().await;
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    let secret = e2e::unique("planroom-activity/signing-keys");
    secrets.create_secret().name(&secret).secret_string(old).send().await.unwrap();
    let cold_start = |table: Option<String>| {
        let (sdk, secret) = (sdk.clone(), secret.clone());
        async move {
            let signing_keys = shared::key_source::read_secret(&sdk, &secret).await.unwrap();
            TestApp::spawn_with(Options { signing_keys, table, ..Options::default() }).await
        }
    };

    let before = cold_start(None).await;
    let table = Some(before.table.clone());
    let old_link =
        link(&set_up_blast(&before, json!([{"email": "ann@bidder.test"}])).await, "ann@bidder.test", "add-3");
    assert!(token_of(&old_link).starts_with("old."), "{old_link}");

    // Step 1: the new key signs, the old one still verifies.
    secrets.put_secret_value().secret_id(&secret).secret_string(format!("{new},{old}")).send().await.unwrap();
    let mut rotated = cold_start(table.clone()).await;
    rotated.planroom = before.planroom.clone();
    assert_eq!(click(&rotated, &served_by(&rotated, &old_link)).await.status, 302, "links already sent keep working");
    let new_link =
        link(&set_up_blast(&rotated, json!([{"email": "bob@bidder.test"}])).await, "bob@bidder.test", "add-3");
    assert!(token_of(&new_link).starts_with("new."), "{new_link}");

    // Step 2, after the longest link lifetime: the old key is retired.
    secrets.put_secret_value().secret_id(&secret).secret_string(new).send().await.unwrap();
    let mut retired = cold_start(table).await;
    retired.planroom = before.planroom.clone();
    let refused = click(&retired, &served_by(&retired, &old_link)).await;
    assert_eq!(refused.status, 404, "a link signed with a retired key is refused");
    assert_eq!(refused.header("location"), "");
    assert_eq!(click(&retired, &served_by(&retired, &new_link)).await.status, 302, "the new key's links work");
}

/// The token of tracked link `url`, as served by `app` (another cold start on the same table).
fn served_by(app: &TestApp, url: &str) -> String {
    format!("{}/r/{}", app.base, token_of(url))
}

fn token_of(url: &str) -> &str {
    url.rsplit_once("/r/").map_or(url, |(_, token)| token)
}

#[tokio::test]
async fn head_requests_and_scanner_user_agents_are_automated_and_leave_first_access_untouched() {
    let app = TestApp::spawn().await;
    let blast = set_up_blast(&app, json!([{"email": "ann@bidder.test"}, {"email": "bob@bidder.test"}])).await;
    let head = app.send_with("HEAD", &link(&blast, "ann@bidder.test", "add-3"), &[("user-agent", BROWSER)], None).await;
    let get = click(&app, &link(&blast, "bob@bidder.test", "add-3")).await;
    assert_eq!(head.status, 302);
    assert!(head.header("location").starts_with("https://plans.example.test/jobs/job-1/files/add-3#contact_session="));
    assert_eq!(head.header("referrer-policy"), get.header("referrer-policy"));
    let scanner = app
        .send_with("GET", &link(&blast, "ann@bidder.test", "s-2"), &[("user-agent", "Barracuda Sentinel (EE)")], None)
        .await;
    assert_eq!(scanner.status, 302);

    let stored = app
        .stored_when("the three hits are counted", |s| {
            e2e::records(s, true).len() == 2 && e2e::records(s, false).len() == 1
        })
        .await;
    let automated: Vec<_> = stored.iter().filter(|i| text(i, "sk").starts_with("AUTO#")).collect();
    assert_eq!(automated.len(), 2);
    let reasons: Vec<_> = automated.iter().map(|i| text(i, "automated_reason")).collect();
    assert!(reasons.contains(&"head_request") && reasons.contains(&"scanner_user_agent"), "{reasons:?}");
    let human: Vec<_> = stored.iter().filter(|i| text(i, "sk").starts_with("FA#")).collect();
    assert_eq!(human.len(), 1, "only Bob's browser click is a first access");
    assert_eq!(text(human[0], "email"), "bob@bidder.test");
}

#[tokio::test]
async fn contact_events_need_a_valid_session() {
    let app = TestApp::spawn().await;
    let body =
        json!({"events": [{"job_id": "job-1", "activity": "view", "object": {"kind": "file", "id": "f"}}]}).to_string();
    for headers in [vec![], vec![("x-contact-session", "forged.session.token")]] {
        let answer = app.send_with("POST", "/v1/contact-events", &headers, Some(body.clone().into_bytes())).await;
        assert_eq!(answer.status, 401);
        assert_eq!(answer.body["error"]["code"], "unauthorized");
    }
    let bearer = format!("Bearer {}", app.staff());
    let answer =
        app.send_with("POST", "/v1/contact-events", &[("authorization", &bearer)], Some(body.into_bytes())).await;
    assert_eq!(answer.status, 401, "a login token is not a contact session");
    assert!(app.stored(&app.planroom).await.is_empty());
}

#[tokio::test]
async fn blasts_are_for_staff_and_validated() {
    let app = TestApp::spawn().await;
    let blast = json!({"name": "x", "recipients": [{"email": "a@b.test"}], "targets": [{"kind": "file", "id": "f", "action": "view"}]});
    let customer = app.customer("c@acme.test", "acme");
    assert_eq!(app.json("POST", "/v1/jobs/job-1/blasts", Some(&customer), &blast).await.status, 403);
    let bad = json!({"name": "x", "recipients": [{"email": "not-an-email"}], "targets": [{"kind": "file", "id": "f", "action": "view"}]});
    assert_eq!(app.json("POST", "/v1/jobs/job-1/blasts", Some(&app.staff()), &bad).await.status, 422);
    let open_redirect = json!({"base_url": "http://evil.test"});
    assert_eq!(app.json("PUT", "/v1/planroom", Some(&app.staff()), &open_redirect).await.status, 422);
    let as_array = json!(["https://evil.example"]);
    assert_eq!(app.json("PUT", "/v1/planroom", Some(&app.staff()), &as_array).await.status, 422);
    assert!(app.stored(&app.planroom).await.is_empty());
}

#[tokio::test]
async fn a_blast_to_5000_recipients_fits_in_one_request() {
    let app = TestApp::spawn().await;
    let recipients: Vec<Value> = (0..5000)
        .map(|i| {
            json!({"contact_id": format!("contact-{i:05}"), "email": format!("bidder{i:05}@company{}.test", i % 97),
                   "name": format!("Bidder Number {i:05} Ångström"), "company_name": format!("Company {} Construction LLC", i % 97)})
        })
        .collect();
    let blast = json!({"name": "Bid set", "sent_at": e2e::an_hour_ago(), "recipients": recipients,
                       "targets": [{"kind": "job", "id": "job-1", "name": "Bid set", "action": "view"}]});
    let body = blast.to_string();
    assert!(body.len() > 256 * 1024, "over the general body limit: {} bytes", body.len());
    let answer = app.send("POST", "/v1/jobs/job-1/blasts", Some(&app.staff()), Some(body.into_bytes())).await;
    assert_eq!(answer.status, 201, "{:?}", answer.body["error"]);
    assert_eq!(answer.body["links"].as_array().unwrap().len(), 5000);
    let stored = app.stored(&app.planroom).await;
    assert_eq!(stored.iter().filter(|i| text(i, "sk").starts_with("RCPT#")).count(), 5000);
}
