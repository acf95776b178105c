//! Lambda entry point of the export worker's on-failure queue drainer (SQS): wiring only.

use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let drainer = export::failures::Drainer::from_env().await?;
    lambda_runtime::run(service_fn(|event: LambdaEvent<_>| async {
        Ok::<_, Error>(export::failures::handle(&drainer, event.payload).await)
    }))
    .await
}
