//! Lambda entry point of the lake function (the table's stream, the daily compaction schedule):
//! wiring only.

use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app = shared::config::logged(lake::App::from_env().await)?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<serde_json::Value>| lake::handle(&app, event.payload))).await
}
