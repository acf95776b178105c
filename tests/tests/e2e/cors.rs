//! CORS as API Gateway answers it with the template's settings: preflights from an allowed origin
//! get the allowed methods and headers, other origins get no CORS header; actual answers echo an
//! allowed origin only.

use e2e::TestApp;

const PAGE: &str = "http://localhost:5173";

#[tokio::test]
async fn preflights_from_an_allowed_origin_are_answered_and_others_get_no_cors_headers() {
    let app = TestApp::spawn().await;
    let url = format!("{}/v1/jobs/job-1/activity/individuals", app.base);
    let ask = |origin: &'static str| {
        let url = url.clone();
        let app = &app;
        async move {
            app.send_with(
                "OPTIONS",
                &url,
                &[
                    ("origin", origin),
                    ("access-control-request-method", "GET"),
                    ("access-control-request-headers", "authorization,content-type"),
                ],
                None,
            )
            .await
        }
    };
    for origin in [PAGE, "http://127.0.0.1:8080"] {
        let answer = ask(origin).await;
        assert_eq!(answer.status, 204, "{origin}");
        assert_eq!(answer.header("access-control-allow-origin"), origin);
        assert_eq!(answer.header("access-control-allow-methods"), "GET,HEAD,POST,PUT,DELETE,OPTIONS");
        assert_eq!(
            answer.header("access-control-allow-headers"),
            "authorization,content-type,idempotency-key,x-contact-session"
        );
        assert_eq!(answer.header("access-control-max-age"), "600");
    }
    for refused in ["https://evil.example", "http://localhost.evil.example:5173", "null"] {
        let answer = ask(refused).await;
        assert_eq!(answer.status, 204, "{refused}");
        for name in ["access-control-allow-origin", "access-control-allow-methods", "access-control-allow-headers"] {
            assert_eq!(answer.header(name), "", "{refused}: {name}");
        }
    }
}

#[tokio::test]
async fn answers_echo_only_an_allowed_origin() {
    let app = TestApp::spawn().await;
    let url = format!("{}/v1/jobs/job-1/activity/individuals", app.base);
    let auth = format!("Bearer {}", app.staff());
    let allowed = app.send_with("GET", &url, &[("origin", PAGE), ("authorization", &auth)], None).await;
    assert_eq!(allowed.status, 200, "{:?}", allowed.body);
    assert_eq!(allowed.header("access-control-allow-origin"), PAGE);
    assert_eq!(allowed.header("access-control-expose-headers"), "retry-after", "a 503's wait is readable");
    assert!(allowed.header("vary").to_ascii_lowercase().contains("origin"));
    let refused =
        app.send_with("GET", &url, &[("origin", "https://evil.example"), ("authorization", &auth)], None).await;
    assert_eq!(refused.header("access-control-allow-origin"), "");
    assert_eq!(refused.header("access-control-expose-headers"), "");
    // Without an Origin (curl, servers) nothing changes; OPTIONS without a preflight's headers is a method.
    let plain = app.send_with("GET", &url, &[("authorization", &auth)], None).await;
    assert_eq!(plain.header("access-control-allow-origin"), "");
    let options = app.send_with("OPTIONS", &url, &[], None).await;
    assert_eq!(options.status, 405);
    assert_eq!(options.header("allow"), "GET");
}
