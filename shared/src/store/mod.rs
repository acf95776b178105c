//! DynamoDB storage: the one implementation that runs everywhere (on Lambda, and against the
//! local stand-in through `AWS_ENDPOINT_URL`).

mod batch_read;
mod blasts;
pub mod exports;
pub mod hits;
mod jobs;
pub mod lake;
pub mod log;
pub mod page;
pub mod reads;
pub mod records;
pub mod retry;
pub mod user_activity;
pub mod webhooks;

use std::collections::HashMap;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::AttributeValue;

use crate::Error;
use crate::user_activity::ActivitySettings;

pub use aws_config::SdkConfig;
pub use blasts::{LinkJob, LinkRecipient, NewBlast, Reminder, StoredBlast, StoredRecipient};
pub use jobs::{JobFilter, JobStore};

/// An item as DynamoDB returns it.
pub type Item = HashMap<String, AttributeValue>;

/// A stream record's image (as Lambda hands it over) as an item, with the attribute types the
/// table's items use (strings, numbers, booleans, string sets).
pub fn stream_item(image: &serde_dynamo::Item) -> Item {
    use serde_dynamo::AttributeValue as Stream;
    image
        .iter()
        .filter_map(|(name, value)| {
            let value = match value {
                Stream::S(s) => AttributeValue::S(s.clone()),
                Stream::N(n) => AttributeValue::N(n.clone()),
                Stream::Bool(b) => AttributeValue::Bool(*b),
                Stream::Ss(ss) => AttributeValue::Ss(ss.clone()),
                _ => return None,
            };
            Some((name.clone(), value))
        })
        .collect()
}

/// The single table, reached through one shared client.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
    activity: ActivitySettings,
    /// The planroom days this process has marked as holding User Activity rows.
    marked_days: std::sync::Arc<std::sync::Mutex<std::collections::HashSet<String>>>,
}

impl DynamoStore {
    /// Wraps a client for `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> Self {
        DynamoStore {
            client,
            table: table.into(),
            activity: ActivitySettings::default(),
            marked_days: std::sync::Arc::default(),
        }
    }

    /// The same store keeping User Activity rows as `settings` say.
    pub fn with_activity(self, settings: ActivitySettings) -> Self {
        DynamoStore { activity: settings, ..self }
    }

    /// How User Activity rows are kept.
    pub fn activity(&self) -> ActivitySettings {
        self.activity
    }

    /// A store whose client is never connected: for tests that must answer without storage.
    pub fn unconnected(table: &str) -> Self {
        let config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(aws_sdk_dynamodb::config::Region::new("us-east-1"))
            .build();
        DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(config), table)
    }

    /// A store on `table` with a client built from the loaded AWS configuration.
    pub fn from_sdk(sdk: &aws_config::SdkConfig, table: impl Into<String>) -> Self {
        DynamoStore::new(aws_sdk_dynamodb::Client::from_conf(dynamodb_config(sdk).build()), table)
    }

    /// The same store (table and settings) reaching DynamoDB through `client`.
    pub fn with_client(&self, client: aws_sdk_dynamodb::Client) -> Self {
        DynamoStore { client, ..self.clone() }
    }

    /// The underlying client.
    pub fn client(&self) -> &aws_sdk_dynamodb::Client {
        &self.client
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

/// Where the SDK sends requests and how long it waits.
#[derive(Debug, Clone)]
pub struct SdkSettings {
    /// An endpoint override (the local stand-in); `None`: the SDK's own (or `AWS_ENDPOINT_URL`).
    pub endpoint: Option<String>,
    /// Longest wait for one attempt.
    pub attempt_timeout: Duration,
    /// Longest wait for an operation, retries included.
    pub operation_timeout: Duration,
}

impl SdkSettings {
    /// Timeouts well below API Gateway's 30 s, so that a slow or absent dependency becomes a clear
    /// 503 instead of a gateway timeout: `SDK_ATTEMPT_TIMEOUT_MS` (default 3000) and
    /// `SDK_OPERATION_TIMEOUT_MS` (default 8000).
    pub fn from_env() -> Self {
        let millis =
            |name: &str, default: u64| Duration::from_millis(crate::config::number(name, default).unwrap_or(default));
        SdkSettings {
            endpoint: None,
            attempt_timeout: millis("SDK_ATTEMPT_TIMEOUT_MS", 3000),
            operation_timeout: millis("SDK_OPERATION_TIMEOUT_MS", 8000),
        }
    }
}

/// The DynamoDB client configuration of the store: the SDK's own retries are off, because
/// [`retry::send`] retries within the request's time budget and knows which calls are safe to
/// repeat.
pub fn dynamodb_config(sdk: &aws_config::SdkConfig) -> aws_sdk_dynamodb::config::Builder {
    aws_sdk_dynamodb::config::Builder::from(sdk).retry_config(RetryConfig::disabled())
}

/// Loads the AWS configuration once, with [`SdkSettings::from_env`].
pub async fn aws_config() -> aws_config::SdkConfig {
    aws_config_with(&SdkSettings::from_env()).await
}

/// Loads the AWS configuration with explicit settings.
pub async fn aws_config_with(settings: &SdkSettings) -> aws_config::SdkConfig {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2).min(settings.attempt_timeout))
        .operation_attempt_timeout(settings.attempt_timeout)
        .operation_timeout(settings.operation_timeout)
        .build();
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(3));
    if let Some(endpoint) = &settings.endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

/// Maps an SDK failure: load, timeouts and unreachable endpoints are 503, the rest 500.
pub fn sdk_error<E, R>(context: &str, err: SdkError<E, R>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let transient = match &err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => true,
        SdkError::ServiceError(e) => matches!(
            e.err().code(),
            Some(
                "ThrottlingException"
                    | "ProvisionedThroughputExceededException"
                    | "RequestLimitExceeded"
                    | "InternalServerError"
                    | "ServiceUnavailable"
                    | "SlowDown"
            )
        ),
        _ => false,
    };
    let context = context.to_owned();
    if transient {
        Error::Unavailable { context, source: Box::new(err) }
    } else {
        Error::Internal { context, source: Box::new(err) }
    }
}

/// A string attribute.
pub(crate) fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

/// A number attribute.
pub(crate) fn n(value: impl ToString) -> AttributeValue {
    AttributeValue::N(value.to_string())
}

/// Reads a string attribute of an item.
pub fn get_s<'a>(item: &'a Item, name: &str) -> Option<&'a str> {
    item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str)
}

/// Reads a whole-number attribute of an item (0 when absent).
pub fn get_n(item: &Item, name: &str) -> u64 {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Whether an item with a time to live (`expires_at`, epoch seconds) has expired by `now`. DynamoDB
/// deletes expired items only eventually (typically within days), and serves them until then:
/// every read of such items asks this, so an expired item is gone whatever TTL has done yet.
pub fn expired(item: &Item, now: i64) -> bool {
    item.get(crate::table::TTL_ATTRIBUTE)
        .and_then(|v| v.as_n().ok())
        .and_then(|v| v.parse::<i64>().ok())
        .is_some_and(|expires_at| expires_at <= now)
}

/// Reads a boolean attribute of an item (false when absent).
pub fn get_bool(item: &Item, name: &str) -> bool {
    item.get(name).and_then(|v| v.as_bool().ok()).copied().unwrap_or(false)
}
