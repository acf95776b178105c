//! `devserver`: serves the whole API on 127.0.0.1:3000 (or `PORT`) against the local AWS stand-in.

use std::sync::Arc;

use devserver::web::{self, WebClient};
use devserver::{Settings, authorizer::DevAuthorizer};
use serde_json::json;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().json().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).init();
    match std::env::args().nth(1).as_deref() {
        Some("table-definition") => {
            println!("{}", shared::table::definition());
            return Ok(());
        }
        Some("create-table") => {
            let settings = Settings::from_env()?;
            let sdk = shared::store::aws_config().await;
            let store = shared::store::DynamoStore::from_sdk(&sdk, &settings.table);
            shared::table::create_if_missing(&store).await.map_err(|e| e.chain())?;
            println!("table {} ready", settings.table);
            return Ok(());
        }
        Some("cors") => {
            let cors = json!({"AllowMethods": devserver::cors::ALLOW_METHODS,
                "AllowHeaders": devserver::cors::ALLOW_HEADERS, "ExposeHeaders": devserver::cors::EXPOSE_HEADERS, "MaxAge": devserver::cors::MAX_AGE_SECONDS});
            println!("{cors}");
            return Ok(());
        }
        Some("principals") => {
            println!("{}", serde_json::Value::from(devserver::principals::ALL.to_vec()));
            return Ok(());
        }
        Some("lake-columns") => {
            let columns: Vec<_> = shared::lake::columns::table()
                .iter()
                .map(|c| json!({"Name": c.name, "Type": c.kind.glue_type()}))
                .collect();
            println!("{}", serde_json::Value::from(columns));
            return Ok(());
        }
        Some("time-zones") => {
            println!("{}", serde_json::Value::from(shared::time::zone_names()));
            return Ok(());
        }
        Some("routes") => {
            let routes: Vec<_> = devserver::gateway::routes()
                .iter()
                .map(|(r, _)| json!({"key": r.key, "auth": r.auth == shared::http::Auth::Jwt}))
                .collect();
            println!("{}", serde_json::Value::from(routes));
            return Ok(());
        }
        _ => {}
    }
    let mut settings = Settings::from_env()?;
    let port = shared::config::number("PORT", 3000)?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", u16::try_from(port)?)).await?;
    let url = format!("http://{}", listener.local_addr()?);
    // A planroom without a registered base_url lands its recipients on the demo planroom page.
    if settings.redirect.fallback_url.is_none() {
        settings.redirect.fallback_url = Some(format!("{url}/ui/planroom"));
    }
    let tokens = DevTokens::mint(&DevAuthorizer::new(settings.jwt_secret.as_bytes()));
    let config = json!({"api_base": url, "planroom_id": "demo",
        "dev_tokens": {"staff": tokens.staff, "customer": tokens.customer}});
    let web = WebClient::new(std::env::var("WEB_DIST").unwrap_or_else(|_| web::DEFAULT_DIST.to_owned()), &config);
    let gateway = Arc::new(devserver::gateway(&settings, &url).await?.with_web(web));
    print_welcome(&url, &tokens);
    let shutdown = async {
        // Ctrl-C ends the server; if the signal cannot be watched, the server runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let worker = tokio::spawn(async move {
        if let Err(err) = devserver::run_worker(&settings).await {
            tracing::error!(error = %err, "the export worker stopped");
        }
    });
    devserver::serve(listener, gateway, shutdown).await;
    worker.abort();
    Ok(())
}

/// Sign-in tokens of planroom `demo`, valid 24 hours: printed, and handed to the web client.
struct DevTokens {
    staff: String,
    customer: String,
}

impl DevTokens {
    fn mint(auth: &DevAuthorizer) -> Self {
        let day = 24 * 3600;
        let staff = auth.mint(
            &json!({"sub": "staff-1", "email": "staff@planroom.test", "name": "Pat Staff", "planroom_id": "demo",
                    "role": "staff", "approved": true}),
            day,
        );
        let customer = auth.mint(
            &json!({"sub": "cust-1", "email": "bidder@acme.test", "name": "Zoë Ångström", "planroom_id": "demo",
                    "company_id": "acme", "company_name": "ACME Construction", "role": "customer", "approved": true}),
            day,
        );
        DevTokens { staff, customer }
    }
}

fn print_welcome(url: &str, tokens: &DevTokens) {
    let (staff, customer) = (&tokens.staff, &tokens.customer);
    println!(
        "\nPlanroom activity API on {url} (planroom \"demo\"; tokens valid 24 h)\n\n\
         STAFF_TOKEN={staff}\n\nCUSTOMER_TOKEN={customer}\n\n\
         Try:\n  curl -s -X PUT {url}/v1/jobs/job-1 -H \"Authorization: Bearer $STAFF_TOKEN\" \\\n    \
         -d '{{\"name\":\"Elm Street School\",\"number\":\"24-017\",\"company_id\":\"acme\",\"company_name\":\"ACME Construction\",\"time_zone\":\"America/Chicago\"}}'\n  \
         curl -s -X POST {url}/v1/events -H \"Authorization: Bearer $CUSTOMER_TOKEN\" \\\n    \
         -d '{{\"events\":[{{\"event_id\":\"ev-1\",\"job_id\":\"job-1\",\"activity\":\"view\",\"object\":{{\"kind\":\"file\",\"id\":\"add-3\",\"name\":\"Addendum 3.pdf\"}}}}]}}'\n  \
         (post it twice: the same event_id answers the same and counts once)\n\n\
         The web client (Activity tab, demo planroom page): open {url}/ui/\n\n\
         Ctrl-C stops it.\n"
    );
}
