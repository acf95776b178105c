//! Cold starts of the real function binaries (`cargo build --bins`, as `make test` does first):
//! a function that cannot read its signing keys' secret stops with a message that names the
//! secret and the missing permission; with the secret readable it goes on to ask the Lambda
//! Runtime API for work.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use e2e::dynamo_proxy::{Action, DynamoProxy, Rule};
use serde_json::json;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::process::Command;

/// The functions that sign or verify tokens.
const SIGNING_FUNCTIONS: [&str; 3] = ["capture", "redirect", "query"];

const KEYS: &str = "k1:Y29sZC1zdGFydC1zaWduaW5nLWtleS0wMDAwMDAwMDAwMDA";

fn binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let path = target.join("debug").join(name);
    assert!(
        path.exists(),
        "{} is not built: run `cargo build --workspace --bins` first (make test does)",
        path.display()
    );
    path
}

/// The function's logical id in the template: the access key it signs with, so the stand-in
/// records its calls as that function's (as its role would make them on AWS).
fn principal(name: &str) -> &'static str {
    match name {
        "capture" => devserver::principals::CAPTURE,
        "redirect" => devserver::principals::REDIRECT,
        _ => devserver::principals::QUERY,
    }
}

/// Starts `name` as Lambda would, reaching AWS at `endpoint` and the Runtime API at `runtime_api`.
fn start(name: &str, endpoint: &str, secret: &str, runtime_api: &str) -> tokio::process::Child {
    Command::new(binary(name))
        .env_remove("SIGNING_KEYS")
        .env("AWS_ACCESS_KEY_ID", principal(name))
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("TABLE_NAME", "planroom-activity-cold-start")
        .env("SIGNING_KEYS_SECRET_ID", secret)
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "cold-start")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "cold-start")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start the function binary")
}

/// Whether the process failed, and what it wrote, once it exited (within 30 s). Both pipes are
/// read while it runs, so a long message cannot fill one and block it.
async fn failed_output(child: tokio::process::Child) -> (bool, String) {
    let output = tokio::time::timeout(Duration::from_secs(30), child.wait_with_output())
        .await
        .expect("exits within 30 s")
        .expect("its output");
    let text = [output.stdout, output.stderr].map(|bytes| String::from_utf8_lossy(&bytes).into_owned()).concat();
    (!output.status.success(), text)
}

/// A new secret in the stand-in holding `value`; its name.
async fn secret_holding(value: &str) -> String {
    let sdk = shared::store::aws_config().await;
    let name = e2e::unique("planroom-activity/signing-keys");
    aws_sdk_secretsmanager::Client::new(&sdk).create_secret().name(&name).secret_string(value).send().await.unwrap();
    name
}

fn stand_in() -> String {
    std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL")
}

#[tokio::test]
async fn a_function_denied_its_secret_fails_its_cold_start_naming_the_secret_and_the_permission() {
    let secret = secret_holding(KEYS).await;
    let proxy = DynamoProxy::start(&stand_in()).await;
    proxy.add(Rule::on(
        "GetSecretValue",
        Action::Fail {
            status: 400,
            body: json!({"__type": "AccessDeniedException", "message": format!(
                "User: arn:aws:sts::123456789012:assumed-role/capture-role/capture is not authorized to \
                 perform: secretsmanager:GetSecretValue on resource: {secret}")}),
        },
    ));
    for name in SIGNING_FUNCTIONS {
        let (failed, output) = failed_output(start(name, &proxy.url, &secret, "127.0.0.1:9")).await;
        assert!(failed, "{name} must not start without its keys: {output}");
        for expected in
            ["cannot read secret", secret.as_str(), "AccessDeniedException", "secretsmanager:GetSecretValue"]
        {
            assert!(output.contains(expected), "{name}: {expected:?} missing from {output}");
        }
        assert!(!output.contains("Y29sZC1zdGFydC1zaWduaW5n"), "{name} printed a key");
    }
    // A secret that does not exist, one that holds no usable key, and one without text fail alike.
    let missing = e2e::unique("planroom-activity/no-such-secret");
    let (failed, output) = failed_output(start("capture", &stand_in(), &missing, "127.0.0.1:9")).await;
    assert!(failed && output.contains("ResourceNotFoundException") && output.contains(&missing), "{output}");
    let weak = secret_holding("k1:c2hvcnQ").await;
    let (failed, output) = failed_output(start("redirect", &stand_in(), &weak, "127.0.0.1:9")).await;
    assert!(failed && output.contains("signing keys in secret") && output.contains(&weak), "{output}");
    let binary_only = e2e::unique("planroom-activity/binary-keys");
    let sdk = shared::store::aws_config().await;
    let blob = aws_sdk_secretsmanager::primitives::Blob::new(KEYS.as_bytes());
    let secrets = aws_sdk_secretsmanager::Client::new(&sdk);
    secrets.create_secret().name(&binary_only).secret_binary(blob).send().await.unwrap();
    let (failed, output) = failed_output(start("query", &stand_in(), &binary_only, "127.0.0.1:9")).await;
    assert!(failed && output.contains("has no SecretString") && output.contains(&binary_only), "{output}");
}

#[tokio::test]
async fn with_its_secret_readable_a_function_asks_the_runtime_api_for_work() {
    let secret = secret_holding(KEYS).await;
    for name in SIGNING_FUNCTIONS {
        let runtime = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let runtime_api = runtime.local_addr().unwrap().to_string();
        let child = start(name, &stand_in(), &secret, &runtime_api);
        let (mut conn, _) = tokio::time::timeout(Duration::from_secs(30), runtime.accept())
            .await
            .unwrap_or_else(|_| panic!("{name} never asked the Runtime API for an invocation"))
            .unwrap();
        let mut request = vec![0; 1024];
        let n = tokio::time::timeout(Duration::from_secs(10), conn.read(&mut request)).await.unwrap().unwrap();
        let request = String::from_utf8_lossy(&request[..n]);
        assert!(request.starts_with("GET /2018-06-01/runtime/invocation/next"), "{name}: {request}");
        drop(child);
    }
}
