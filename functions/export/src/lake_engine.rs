//! The engine that runs a lake query's SQL: Athena on AWS ([`Athena`]); locally the dev server
//! plugs in an embedded engine over the same Parquet objects. Both take the same statement and
//! the same positional parameters, and answer typed rows in the dataset's forms.

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use aws_sdk_athena::types::{QueryExecutionContext, QueryExecutionState};
use serde_json::Value;
use shared::config::{self, ConfigError};
use shared::lake::query::Param;
use shared::lake::results::ResultSet;
use shared::lake::{Column, ColumnKind};
use shared::{Error, Result};

/// A running engine's work: done when every row was sent.
pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<()>> + Send + 'a>>;

/// Rows sent at once from an engine to what writes them.
pub const BATCH_ROWS: usize = 10_000;

/// Runs SQL over the lake.
pub trait LakeEngine: Send + Sync + Debug {
    /// Runs `sql` with `params` and sends its rows (values of `columns`, the statement's, in
    /// order) to `rows` in batches as they come, so no answer needs to fit in memory. `token`
    /// names the run, so a retried run is the same run.
    fn stream<'a>(
        &'a self,
        token: &'a str,
        sql: &'a str,
        params: &'a [Param],
        columns: &'a [Column],
        rows: tokio::sync::mpsc::Sender<Vec<Vec<Value>>>,
    ) -> Answer<'a>;
}

/// The whole answer of `sql` (a query's, bounded by its `LIMIT`).
pub async fn collect(
    engine: &dyn LakeEngine,
    token: &str,
    sql: &str,
    params: &[Param],
    columns: &[Column],
) -> Result<ResultSet> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel(4);
    let mut rows = Vec::new();
    let gather = async {
        while let Some(batch) = receiver.recv().await {
            rows.extend(batch);
        }
    };
    let (ran, ()) = tokio::join!(engine.stream(token, sql, params, columns, sender), gather);
    ran?;
    Ok(ResultSet { columns: columns.to_vec(), rows })
}

/// Athena, in the stack's workgroup (its results location, encryption and bytes-scanned limit
/// are the workgroup's, enforced) and the Glue database of the lake's table. The answer is read
/// from the CSV Athena writes to the results location, streamed, so it may be of any size.
#[derive(Debug, Clone)]
pub struct Athena {
    client: aws_sdk_athena::Client,
    s3: aws_sdk_s3::Client,
    workgroup: String,
    database: String,
}

/// How often a running query is asked about.
const POLL: Duration = Duration::from_millis(500);

impl Athena {
    /// From `ATHENA_WORKGROUP` and `LAKE_DATABASE`; `None` when no workgroup is set.
    pub fn from_env(sdk: &shared::store::SdkConfig) -> Result<Option<Self>, ConfigError> {
        let workgroup = std::env::var("ATHENA_WORKGROUP").unwrap_or_default();
        if workgroup.is_empty() {
            return Ok(None);
        }
        Ok(Some(Athena {
            client: aws_sdk_athena::Client::new(sdk),
            s3: aws_sdk_s3::Client::new(sdk),
            workgroup,
            database: config::required("LAKE_DATABASE")?,
        }))
    }

    async fn execute(
        &self,
        token: &str,
        sql: &str,
        params: &[Param],
        columns: &[Column],
        rows: tokio::sync::mpsc::Sender<Vec<Vec<Value>>>,
    ) -> Result<()> {
        let context = QueryExecutionContext::builder().database(&self.database).build();
        let mut start = self
            .client
            .start_query_execution()
            .query_string(sql)
            .work_group(&self.workgroup)
            .query_execution_context(context)
            .client_request_token(format!("{token:0>32}"));
        if !params.is_empty() {
            start = start.set_execution_parameters(Some(params.iter().map(Param::athena_literal).collect()));
        }
        let started = start.send().await.map_err(|e| shared::store::sdk_error("starting an Athena query", e))?;
        let id = started
            .query_execution_id
            .ok_or_else(|| Error::internal("starting an Athena query", "no query execution id"))?;
        loop {
            let out = self
                .client
                .get_query_execution()
                .query_execution_id(&id)
                .send()
                .await
                .map_err(|e| shared::store::sdk_error("asking about an Athena query", e))?;
            let status = out.query_execution.and_then(|q| q.status);
            let state = status.as_ref().and_then(|s| s.state.clone());
            match state {
                Some(QueryExecutionState::Succeeded) => break,
                Some(QueryExecutionState::Failed | QueryExecutionState::Cancelled) => {
                    let reason = status.and_then(|s| s.state_change_reason).unwrap_or_default();
                    return Err(Error::validation(format!("the query failed: {reason}")));
                }
                _ => tokio::time::sleep(POLL).await,
            }
        }
        // The answer is the CSV Athena wrote to the workgroup's results location: read as it
        // downloads, whatever its size.
        let location = self
            .client
            .get_query_execution()
            .query_execution_id(&id)
            .send()
            .await
            .map_err(|e| shared::store::sdk_error("asking about an Athena query", e))?
            .query_execution
            .and_then(|q| q.result_configuration)
            .and_then(|r| r.output_location)
            .ok_or_else(|| Error::internal("reading an Athena answer", "no output location"))?;
        let (bucket, key) = location
            .strip_prefix("s3://")
            .and_then(|rest| rest.split_once('/'))
            .ok_or_else(|| Error::internal("reading an Athena answer", format!("not an S3 location: {location}")))?;
        let object = self
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| shared::store::sdk_error("reading an Athena answer", e))?;
        let reader = tokio_util::io::SyncIoBridge::new(object.body.into_async_read());
        let kinds: Vec<ColumnKind> = columns.iter().map(|c| c.kind).collect();
        let parse = tokio::task::spawn_blocking(move || -> Result<()> {
            let mut csv = csv::ReaderBuilder::new().has_headers(true).from_reader(reader);
            let mut batch = Vec::with_capacity(BATCH_ROWS);
            for record in csv.records() {
                let record = record.map_err(|e| Error::internal("reading an Athena answer", e.to_string()))?;
                // Athena's CSV writes null as an empty unquoted field, an empty text as "".
                batch.push(
                    kinds.iter().enumerate().map(|(i, k)| cell(*k, record.get(i).filter(|v| !v.is_empty()))).collect(),
                );
                if batch.len() == BATCH_ROWS && rows.blocking_send(std::mem::take(&mut batch)).is_err() {
                    return Ok(());
                }
            }
            if !batch.is_empty() {
                let _ = rows.blocking_send(batch);
            }
            Ok(())
        });
        parse.await.map_err(|e| Error::internal("reading an Athena answer", e.to_string()))?
    }
}

impl LakeEngine for Athena {
    fn stream<'a>(
        &'a self,
        token: &'a str,
        sql: &'a str,
        params: &'a [Param],
        columns: &'a [Column],
        rows: tokio::sync::mpsc::Sender<Vec<Vec<Value>>>,
    ) -> Answer<'a> {
        Box::pin(self.execute(token, sql, params, columns, rows))
    }
}

/// A value as Athena's answer writes it (`2026-12-04 10:00:00.123` for a timestamp) in the
/// dataset's form.
pub fn cell(kind: ColumnKind, text: Option<&str>) -> Value {
    let Some(text) = text else { return Value::Null };
    match kind {
        ColumnKind::Text | ColumnKind::Date => Value::from(text),
        ColumnKind::Int => text.parse::<i64>().map_or(Value::Null, Value::from),
        ColumnKind::Bool => match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::Null,
        },
        ColumnKind::Timestamp => {
            let iso = format!("{}Z", text.replacen(' ', "T", 1).trim_end_matches(" UTC").trim_end_matches('Z'));
            shared::time::parse_instant(&iso).map_or(Value::Null, |t| Value::from(shared::time::format(t)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn athenas_text_reads_as_the_dataset_writes() {
        assert_eq!(cell(ColumnKind::Timestamp, Some("2026-12-04 10:00:00.123")), "2026-12-04T10:00:00.123Z");
        assert_eq!(cell(ColumnKind::Timestamp, Some("2026-12-04 10:00:00.123 UTC")), "2026-12-04T10:00:00.123Z");
        assert_eq!(cell(ColumnKind::Int, Some("42")), 42);
        assert_eq!(cell(ColumnKind::Bool, Some("false")), false);
        assert_eq!(cell(ColumnKind::Text, None), Value::Null);
        assert_eq!(cell(ColumnKind::Date, Some("2026-12-04")), "2026-12-04");
    }
}
