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

/// Starts `name` as Lambda would, reaching AWS at `endpoint` and the Runtime API at `runtime_api`.
fn start(name: &str, endpoint: &str, secret: &str, runtime_api: &str) -> tokio::process::Child {
    Command::new(binary(name))
        .env_remove("SIGNING_KEYS")
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

/// What the process wrote, once it exited (within 30 s), and whether it failed.
async fn failed_output(mut child: tokio::process::Child) -> (bool, String) {
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait()).await.expect("exits").expect("status");
    let mut text = String::new();
    for pipe in [
        child.stdout.take().map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin>),
        child.stderr.take().map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin>),
    ]
    .into_iter()
    .flatten()
    {
        let mut pipe = pipe;
        pipe.read_to_string(&mut text).await.expect("read output");
    }
    (!status.success(), text)
}

#[tokio::test]
async fn a_function_denied_its_secret_fails_its_cold_start_naming_the_secret_and_the_permission() {
    let moto = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
    let sdk = shared::store::aws_config().await;
    let secret = e2e::unique("planroom-activity/signing-keys");
    aws_sdk_secretsmanager::Client::new(&sdk).create_secret().name(&secret).secret_string(KEYS).send().await.unwrap();
    let proxy = DynamoProxy::start(&moto).await;
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
    // A secret that does not exist, and one that holds no usable key, fail alike.
    let missing = e2e::unique("planroom-activity/no-such-secret");
    let (failed, output) = failed_output(start("capture", &moto, &missing, "127.0.0.1:9")).await;
    assert!(failed && output.contains("ResourceNotFoundException") && output.contains(&missing), "{output}");
    let weak = e2e::unique("planroom-activity/weak-keys");
    aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name(&weak)
        .secret_string("k1:c2hvcnQ")
        .send()
        .await
        .unwrap();
    let (failed, output) = failed_output(start("redirect", &moto, &weak, "127.0.0.1:9")).await;
    assert!(failed && output.contains("signing keys in secret") && output.contains(&weak), "{output}");
}

#[tokio::test]
async fn with_its_secret_readable_a_function_asks_the_runtime_api_for_work() {
    let moto = std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL");
    let sdk = shared::store::aws_config().await;
    let secret = e2e::unique("planroom-activity/signing-keys");
    aws_sdk_secretsmanager::Client::new(&sdk).create_secret().name(&secret).secret_string(KEYS).send().await.unwrap();
    for name in SIGNING_FUNCTIONS {
        let runtime = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let runtime_api = runtime.local_addr().unwrap().to_string();
        let child = start(name, &moto, &secret, &runtime_api);
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
