//! Lambda entry point of the webhook function (the table's stream, the delivery queue, the
//! deadline schedules): wiring only.

use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app = shared::config::logged(webhooks::App::from_env().await)?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| webhooks::handle(&app, event.payload))).await
}
