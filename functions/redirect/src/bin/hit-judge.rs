//! Lambda entry point of the judge of tracked-link hits (the table's stream of new hits and
//! landing pages): wiring only.

use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let judge = shared::config::logged(redirect::judge::Judge::from_env().await)?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| redirect::judge::handle(&judge, event.payload))).await
}
