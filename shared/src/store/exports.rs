//! Export items in DynamoDB. The item's insert is the enqueue: the table's stream delivers it to
//! the export worker, so no export is ever lost between "stored" and "queued".

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::AttributeValue;

use super::{DynamoStore, Item, get_bool, get_n, get_s, n, s, sdk_error};
use crate::export::{ExportRequest, Format, Report, Status};
use crate::ids::Id;
use crate::{Error, Result, keys};

/// An export as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRecord {
    /// Its id.
    pub export_id: String,
    /// Its planroom.
    pub planroom: String,
    /// What was asked for.
    pub request: ExportRequest,
    /// Where it is.
    pub status: Status,
    /// When it was asked for.
    pub created_at: String,
    /// Rows written (when ready).
    pub rows: u64,
    /// Bytes uploaded (when ready).
    pub bytes: u64,
    /// The S3 key (when ready).
    pub s3_key: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// Until when (epoch seconds) the running worker holds it.
    pub lease_until: i64,
}

/// How a generation ended.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Uploaded.
    Ready {
        /// Rows written.
        rows: u64,
        /// Bytes uploaded.
        bytes: u64,
        /// Where.
        s3_key: String,
    },
    /// Gave up, with a readable reason.
    Failed(String),
}

fn export_key(planroom: &Id, export_id: &str) -> (AttributeValue, AttributeValue) {
    (s(keys::planroom_pk(planroom)), s(keys::export_sk(export_id)))
}

impl DynamoStore {
    /// Stores a new pending export; when one with this id exists already (a retried request with
    /// the same `Idempotency-Key`), stores nothing and answers the existing one.
    pub async fn create_export(
        &self,
        planroom: &Id,
        export_id: &str,
        request: &ExportRequest,
        created_by: &str,
        created_at: &str,
        expires_at: i64,
    ) -> Result<Option<ExportRecord>> {
        let (pk, sk) = export_key(planroom, export_id);
        let mut put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", pk)
            .item("sk", sk)
            .item("type", s("export"))
            .item("export_id", s(export_id))
            .item("planroom_id", s(planroom.as_str()))
            .item("job_id", s(request.job.as_str()))
            .item("format", s(request.format.as_str()))
            .item("report", s(request.report.as_str()))
            .item("include_automated", AttributeValue::Bool(request.include_automated))
            .item("status", s(Status::Pending.as_str()))
            .item("created_at", s(created_at))
            .item("created_by", s(created_by))
            .item("expires_at", n(expires_at))
            .condition_expression("attribute_not_exists(pk)");
        if let Some(individual) = &request.individual_id {
            put = put.item("individual_id", s(individual.as_str()));
        }
        if let Some(tz) = &request.time_zone {
            put = put.item("time_zone", s(tz));
        }
        match put.send().await {
            Ok(_) => Ok(None),
            Err(SdkError::ServiceError(e)) if matches!(e.err(), PutItemError::ConditionalCheckFailedException(_)) => {
                self.export(planroom, export_id).await?.map(Some).ok_or_else(|| {
                    Error::internal("reading back an existing export", "the export vanished after a conflict")
                })
            }
            Err(err) => Err(sdk_error("storing an export", err)),
        }
    }

    /// An export, if it exists (one strongly consistent GetItem).
    pub async fn export(&self, planroom: &Id, export_id: &str) -> Result<Option<ExportRecord>> {
        let (pk, sk) = export_key(planroom, export_id);
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", pk)
            .key("sk", sk)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("reading an export", e))?;
        Ok(out.item.as_ref().and_then(export_record))
    }

    /// Takes a pending export (or one whose worker's lease ran out) for generation; `false` when
    /// another worker holds it or it is done.
    pub async fn claim_export(&self, planroom: &Id, export_id: &str, now: i64, lease_until: i64) -> Result<bool> {
        let (pk, sk) = export_key(planroom, export_id);
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", pk)
            .key("sk", sk)
            .update_expression("SET #status = :running, lease_until = :lease ADD attempts :one")
            .condition_expression("#status = :pending OR (#status = :running AND lease_until < :now)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":running", s(Status::Running.as_str()))
            .expression_attribute_values(":pending", s(Status::Pending.as_str()))
            .expression_attribute_values(":lease", n(lease_until))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":one", n(1))
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(false)
            }
            Err(err) => Err(sdk_error("claiming an export", err)),
        }
    }

    /// Records how a generation ended.
    pub async fn finish_export(
        &self,
        planroom: &Id,
        export_id: &str,
        outcome: &Outcome,
        finished_at: &str,
    ) -> Result<()> {
        let (pk, sk) = export_key(planroom, export_id);
        let update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", pk)
            .key("sk", sk)
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#error", "error")
            .expression_attribute_values(":at", s(finished_at));
        let update = match outcome {
            Outcome::Ready { rows, bytes, s3_key } => update
                .update_expression(
                    "SET #status = :ready, #rows = :rows, #bytes = :bytes, s3_key = :key, finished_at = :at \
                     REMOVE lease_until, #error",
                )
                .expression_attribute_names("#rows", "rows")
                .expression_attribute_names("#bytes", "bytes")
                .expression_attribute_values(":ready", s(Status::Ready.as_str()))
                .expression_attribute_values(":rows", n(rows))
                .expression_attribute_values(":bytes", n(bytes))
                .expression_attribute_values(":key", s(s3_key)),
            Outcome::Failed(reason) => update
                .update_expression("SET #status = :failed, #error = :reason, finished_at = :at REMOVE lease_until")
                .expression_attribute_values(":failed", s(Status::Failed.as_str()))
                .expression_attribute_values(":reason", s(reason)),
        };
        update.send().await.map_err(|e| sdk_error("recording an export's outcome", e))?;
        Ok(())
    }
}

fn export_record(item: &Item) -> Option<ExportRecord> {
    let request = ExportRequest {
        job: Id::parse("job_id", get_s(item, "job_id")?).ok()?,
        format: Format::parse(get_s(item, "format")?)?,
        report: Report::parse(get_s(item, "report")?)?,
        individual_id: get_s(item, "individual_id").and_then(|i| Id::parse("individual_id", i).ok()),
        time_zone: get_s(item, "time_zone").map(str::to_owned),
        include_automated: get_bool(item, "include_automated"),
    };
    Some(ExportRecord {
        export_id: get_s(item, "export_id")?.to_owned(),
        planroom: get_s(item, "planroom_id")?.to_owned(),
        request,
        status: Status::parse(get_s(item, "status")?)?,
        created_at: get_s(item, "created_at").unwrap_or_default().to_owned(),
        rows: get_n(item, "rows"),
        bytes: get_n(item, "bytes"),
        s3_key: get_s(item, "s3_key").map(str::to_owned),
        error: get_s(item, "error").map(str::to_owned),
        lease_until: i64::try_from(get_n(item, "lease_until")).unwrap_or(i64::MAX),
    })
}
