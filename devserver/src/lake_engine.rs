//! The local engine of the lake: DataFusion (embedded, pinned in Cargo.lock) runs the statement
//! Athena would run, with the same parameters, over the same Parquet objects in the local
//! bucket. The statement's first three parameters are its planroom and days (the service sets
//! them); only that planroom's objects of those days are loaded, into an in-memory object
//! store laid out as the bucket is, and read as a Hive-partitioned table as Glue declares it.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Date32Type, Field, Int64Type, Schema, TimeUnit, TimestampMicrosecondType,
};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl};
use datafusion::execution::object_store::ObjectStoreUrl;
use datafusion::prelude::SessionContext;
use export::lake_engine::{Answer, LakeEngine};
use futures::StreamExt;
use object_store::ObjectStoreExt;
use object_store::memory::InMemory;
use object_store::path::Path;
use serde_json::Value;
use shared::lake::columns::{self, PARTITIONS};
use shared::lake::layout::TABLE_PREFIX;
use shared::lake::parquet_rows::{date_text, instant_text};
use shared::lake::query::{Param, TABLE, numbered};
use shared::lake::results::ResultSet;
use shared::lake::{Column, ColumnKind};
use shared::{Error, Result};

/// The engine, reading the local bucket.
#[derive(Debug, Clone)]
pub struct LocalLake {
    s3: aws_sdk_s3::Client,
    bucket: String,
}

fn failed(what: &str, err: impl std::fmt::Display) -> Error {
    Error::internal(what, err.to_string())
}

/// The Arrow type of a column kind, as Glue's type reads from the files.
pub fn arrow_type(kind: ColumnKind) -> DataType {
    match kind {
        ColumnKind::Text => DataType::Utf8,
        ColumnKind::Bool => DataType::Boolean,
        ColumnKind::Int => DataType::Int64,
        ColumnKind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        ColumnKind::Date => DataType::Date32,
    }
}

/// The table's file schema (the partition columns come from the paths).
pub fn file_schema() -> Schema {
    Schema::new(columns::table().iter().map(|c| Field::new(&c.name, arrow_type(c.kind), true)).collect::<Vec<_>>())
}

impl LocalLake {
    /// The engine over `bucket` through `s3`.
    pub fn new(s3: aws_sdk_s3::Client, bucket: String) -> Self {
        LocalLake { s3, bucket }
    }

    /// The objects of `planroom`'s days `first..=last`, loaded into a store laid out as the bucket.
    async fn load(&self, planroom: &str, first: &str, last: &str) -> Result<(InMemory, usize)> {
        let store = InMemory::new();
        let prefix = format!("{TABLE_PREFIX}planroom={planroom}/");
        let mut pages = self.s3.list_objects_v2().bucket(&self.bucket).prefix(&prefix).into_paginator().send();
        let mut loaded = 0;
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| shared::store::sdk_error("listing the lake", e))?;
            for key in page.contents.unwrap_or_default().into_iter().filter_map(|o| o.key) {
                let day =
                    key.strip_prefix(&prefix).and_then(|rest| rest.strip_prefix("day=")).and_then(|r| r.get(..10));
                if !key.ends_with(".parquet") || !day.is_some_and(|d| d >= first && d <= last) {
                    continue;
                }
                let object = self
                    .s3
                    .get_object()
                    .bucket(&self.bucket)
                    .key(&key)
                    .send()
                    .await
                    .map_err(|e| shared::store::sdk_error("reading the lake", e))?;
                let bytes = object.body.collect().await.map_err(|e| failed("reading the lake", e))?.into_bytes();
                place(&store, &key, bytes).await?;
                loaded += 1;
            }
        }
        Ok((store, loaded))
    }

    async fn execute(
        &self,
        sql: &str,
        params: &[Param],
        columns: &[Column],
        rows: tokio::sync::mpsc::Sender<Vec<Vec<Value>>>,
    ) -> Result<()> {
        let [Param::Text(planroom), Param::Text(first), Param::Text(last), ..] = params else {
            return Err(Error::internal(
                "running a lake query",
                "the statement does not start with its planroom and days",
            ));
        };
        let (store, files) = self.load(planroom, first, last).await?;
        tracing::debug!(files, "lake files loaded for a query");
        let mut batches = frame(store, sql, params)
            .await?
            .execute_stream()
            .await
            .map_err(|e| Error::validation(format!("the query failed: {e}")))?;
        while let Some(batch) = batches.next().await {
            let batch = batch.map_err(|e| Error::validation(format!("the query failed: {e}")))?;
            if rows.send(batch_rows(&batch, columns)?).await.is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// The statement as a DataFusion frame over the lake files in `store` (laid out as the bucket).
async fn frame(store: InMemory, sql: &str, params: &[Param]) -> Result<datafusion::dataframe::DataFrame> {
    let ctx = SessionContext::new();
    let url = ObjectStoreUrl::parse("lake://local").map_err(|e| failed("the local lake's address", e))?;
    ctx.register_object_store(url.as_ref(), Arc::new(store));
    let options = ListingOptions::new(Arc::new(ParquetFormat::default()))
        .with_file_extension(".parquet")
        .with_table_partition_cols(PARTITIONS.iter().map(|p| ((*p).to_owned(), DataType::Utf8)).collect());
    let path =
        ListingTableUrl::parse(format!("lake://local/{TABLE_PREFIX}")).map_err(|e| failed("the lake's path", e))?;
    let config = ListingTableConfig::new(path).with_listing_options(options).with_schema(Arc::new(file_schema()));
    let table = ListingTable::try_new(config).map_err(|e| failed("opening the lake's table", e))?;
    ctx.register_table(TABLE, Arc::new(table)).map_err(|e| failed("opening the lake's table", e))?;
    let values: Vec<ScalarValue> = params
        .iter()
        .map(|p| match p {
            Param::Text(t) => ScalarValue::Utf8(Some(t.clone())),
            Param::Int(n) => ScalarValue::Int64(Some(*n)),
            Param::Bool(b) => ScalarValue::Boolean(Some(*b)),
        })
        .collect();
    let refused = |e: datafusion::error::DataFusionError| Error::validation(format!("the query failed: {e}"));
    let frame = ctx.sql(&numbered(sql)).await.map_err(refused)?;
    frame.with_param_values(ParamValues::List(values.into_iter().map(Into::into).collect())).map_err(refused)
}

/// Runs `sql` over the lake files in `store`, the whole answer at once: the engine's work apart
/// from fetching the files (the benchmarks time it alone).
pub async fn run_over(store: InMemory, sql: &str, params: &[Param], columns: &[Column]) -> Result<ResultSet> {
    let batches = frame(store, sql, params)
        .await?
        .collect()
        .await
        .map_err(|e| Error::validation(format!("the query failed: {e}")))?;
    let mut rows = Vec::new();
    for batch in &batches {
        rows.extend(batch_rows(batch, columns)?);
    }
    Ok(ResultSet { columns: columns.to_vec(), rows })
}

/// Places a lake file in `store` at `key`.
pub async fn place(store: &InMemory, key: &str, bytes: bytes::Bytes) -> Result<()> {
    let path = Path::parse(key).map_err(|e| failed("placing a lake file", e))?;
    store.put(&path, bytes.into()).await.map_err(|e| failed("placing a lake file", e))?;
    Ok(())
}

impl LakeEngine for LocalLake {
    fn stream<'a>(
        &'a self,
        _token: &'a str,
        sql: &'a str,
        params: &'a [Param],
        columns: &'a [Column],
        rows: tokio::sync::mpsc::Sender<Vec<Vec<Value>>>,
    ) -> Answer<'a> {
        Box::pin(self.execute(sql, params, columns, rows))
    }
}

/// The rows of a batch in the dataset's forms.
fn batch_rows(batch: &RecordBatch, columns: &[Column]) -> Result<Vec<Vec<Value>>> {
    let mut out: Vec<Vec<Value>> = vec![Vec::with_capacity(columns.len()); batch.num_rows()];
    for (i, column) in columns.iter().enumerate() {
        let array = batch.column(i);
        let values = values_of(array, column.kind)?;
        for (row, value) in out.iter_mut().zip(values) {
            row.push(value);
        }
    }
    Ok(out)
}

fn values_of(array: &ArrayRef, kind: ColumnKind) -> Result<Vec<Value>> {
    let target = match kind {
        ColumnKind::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, None),
        other => arrow_type(other),
    };
    let array = cast(array, &target).map_err(|e| failed("reading the engine's answer", e))?;
    let n = array.len();
    let present = |i: usize| array.is_valid(i);
    Ok(match kind {
        ColumnKind::Text => {
            let a = array.as_string::<i32>();
            (0..n).map(|i| if present(i) { Value::from(a.value(i)) } else { Value::Null }).collect()
        }
        ColumnKind::Bool => {
            let a = array.as_boolean();
            (0..n).map(|i| if present(i) { Value::from(a.value(i)) } else { Value::Null }).collect()
        }
        ColumnKind::Int => {
            let a = array.as_primitive::<Int64Type>();
            (0..n).map(|i| if present(i) { Value::from(a.value(i)) } else { Value::Null }).collect()
        }
        ColumnKind::Timestamp => {
            let a = array.as_primitive::<TimestampMicrosecondType>();
            (0..n)
                .map(
                    |i| {
                        if present(i) { instant_text(a.value(i)).map_or(Value::Null, Value::from) } else { Value::Null }
                    },
                )
                .collect()
        }
        ColumnKind::Date => {
            let a = array.as_primitive::<Date32Type>();
            (0..n)
                .map(|i| if present(i) { date_text(a.value(i)).map_or(Value::Null, Value::from) } else { Value::Null })
                .collect()
        }
    })
}
