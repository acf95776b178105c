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

/// A running engine's answer.
pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<ResultSet>> + Send + 'a>>;

/// Runs SQL over the lake.
pub trait LakeEngine: Send + Sync + Debug {
    /// Runs `sql` with `params`, answering `columns` (the statement's, in order). `token` names
    /// the run, so a retried run is the same run.
    fn run<'a>(&'a self, token: &'a str, sql: &'a str, params: &'a [Param], columns: &'a [Column]) -> Answer<'a>;
}

/// Athena, in the stack's workgroup (its results location, encryption and bytes-scanned limit
/// are the workgroup's, enforced) and the Glue database of the lake's table.
#[derive(Debug, Clone)]
pub struct Athena {
    client: aws_sdk_athena::Client,
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
            workgroup,
            database: config::required("LAKE_DATABASE")?,
        }))
    }

    /// An engine on `client`.
    pub fn new(client: aws_sdk_athena::Client, workgroup: String, database: String) -> Self {
        Athena { client, workgroup, database }
    }

    async fn execute(&self, token: &str, sql: &str, params: &[Param], columns: &[Column]) -> Result<ResultSet> {
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
        let mut rows = Vec::new();
        let mut token: Option<String> = None;
        let mut first = true;
        loop {
            let out = self
                .client
                .get_query_results()
                .query_execution_id(&id)
                .max_results(1000)
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| shared::store::sdk_error("reading an Athena query's answer", e))?;
            let page = out.result_set.and_then(|r| r.rows).unwrap_or_default();
            // The first row of a SELECT's answer is its header.
            for row in page.into_iter().skip(usize::from(first)) {
                let data = row.data.unwrap_or_default();
                rows.push(
                    columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| cell(c.kind, data.get(i).and_then(|d| d.var_char_value.as_deref())))
                        .collect(),
                );
            }
            first = false;
            match out.next_token {
                Some(next) => token = Some(next),
                None => break,
            }
        }
        Ok(ResultSet { columns: columns.to_vec(), rows })
    }
}

impl LakeEngine for Athena {
    fn run<'a>(&'a self, token: &'a str, sql: &'a str, params: &'a [Param], columns: &'a [Column]) -> Answer<'a> {
        Box::pin(self.execute(token, sql, params, columns))
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
