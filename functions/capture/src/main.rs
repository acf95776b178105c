//! Lambda entry point of the capture function: wiring only.

use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let app = shared::config::logged(capture::App::from_env().await)?;
    lambda_http::run(service_fn(|req| async { Ok::<_, Error>(capture::handle(&app, req).await) })).await
}
