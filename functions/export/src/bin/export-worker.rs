//! Lambda entry point of the export worker (DynamoDB stream of export inserts): wiring only.

use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let worker = export::worker::Worker::from_env().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| export::worker::handle(&worker, event.payload))).await
}
