//! Export items in DynamoDB. The item's insert is the enqueue: the table's stream delivers it to
//! the export worker, so no export is ever lost between "stored" and "queued". Each export has a
//! partition of its own, so exports of one planroom reach the stream apart and run side by side.
//! Every change of status is conditional: a worker claims an export only while it is pending and
//! its start deadline has not passed, finishes it only while it still holds the claim, and an
//! export declared failed (deadline, lease, the event source giving up) stays failed.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure};

use super::retry::{self, condition_failed, send};
use super::{DynamoStore, Item, get_bool, get_n, get_s, n, s};
use crate::coverage::RowsBy;
use crate::export::{ExportRequest, ExportSpec, Format, LAKE_QUERY_REPORT, Report, Status, USER_ACTIVITY_REPORT};
use crate::ids::Id;
use crate::{Error, Result, keys};

/// An export as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportRecord {
    /// Its id.
    pub export_id: String,
    /// Its planroom.
    pub planroom: String,
    /// What was asked for.
    pub request: ExportSpec,
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
    /// The SHA-256 of the report's data (a distribution certificate), when ready.
    pub digest: Option<String>,
    /// A worker must claim it before this (epoch seconds).
    pub start_by: i64,
    /// Until when (epoch seconds) the running worker holds it.
    pub lease_until: i64,
    /// When it is gone (epoch seconds): its item expires then, and its report is deleted from
    /// the bucket no earlier.
    pub expires_at: i64,
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
        /// The SHA-256 of the report's data, for reports that carry one.
        digest: Option<String>,
    },
    /// Gave up, with a readable reason.
    Failed(String),
}

/// A worker's hold on an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// Unique per claim, so a claim re-sent after a lost answer recognises itself.
    pub id: String,
    /// Until when the claim holds (epoch seconds).
    pub lease_until: i64,
}

fn export_key(planroom: &Id, export_id: &str) -> [(&'static str, AttributeValue); 2] {
    [("pk", s(keys::export_pk(planroom, export_id))), ("sk", s(keys::EXPORT_SK))]
}

impl DynamoStore {
    /// Stores a new pending export that a worker must start before `start_by`; when one with
    /// this id exists already (a retried request with the same `Idempotency-Key`), stores nothing
    /// and answers the existing one.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_export(
        &self,
        planroom: &Id,
        export_id: &str,
        request: &ExportSpec,
        created_by: &str,
        created_at: &str,
        start_by: i64,
        expires_at: i64,
    ) -> Result<Option<ExportRecord>> {
        let mut put = self.client.put_item().table_name(&self.table);
        for (name, value) in export_key(planroom, export_id) {
            put = put.item(name, value);
        }
        let mut put = put
            .item("type", s("export"))
            .item("export_id", s(export_id))
            .item("planroom_id", s(planroom.as_str()))
            .item("format", s(request.format().as_str()))
            .item("report", s(request.report_name()))
            .item("status", s(Status::Pending.as_str()))
            .item("created_at", s(created_at))
            .item("created_by", s(created_by))
            .item("start_by", n(start_by))
            .item(crate::table::TTL_ATTRIBUTE, n(expires_at))
            .condition_expression("attribute_not_exists(pk)");
        match request {
            ExportSpec::Job(request) => {
                put = put
                    .item("job_id", s(request.job.as_str()))
                    .item("include_automated", AttributeValue::Bool(request.include_automated));
                if let Some(individual) = &request.individual_id {
                    put = put.item("individual_id", s(individual.as_str()));
                }
                if let Some(blast) = &request.blast_id {
                    put = put.item("blast_id", s(blast.as_str()));
                }
                if let Some(by) = request.by {
                    put = put.item("by", s(by.as_str()));
                }
                if let Some(tz) = &request.time_zone {
                    put = put.item("time_zone", s(tz));
                }
            }
            ExportSpec::UserActivity(query) => {
                let text = serde_json::to_string(query).map_err(|e| Error::internal("storing an export", e))?;
                put = put.item("query", s(text));
            }
            ExportSpec::LakeQuery(query) => {
                let text = serde_json::to_string(query).map_err(|e| Error::internal("storing a query", e))?;
                put = put.item("query", s(text));
            }
        }
        for _ in 0..2 {
            match send("storing an export", || put.clone().send()).await? {
                Ok(_) => return Ok(None),
                // A re-sent put whose first attempt was stored finds itself: the same answer either way.
                Err(err) if condition_failed(&err) => match self.export(planroom, export_id).await? {
                    Some(existing) => return Ok(Some(existing)),
                    // Expired, and not yet deleted by TTL: gone. It is removed, so the new export
                    // is an insert again (the insert is what starts the worker).
                    None => self.remove_expired_export(planroom, export_id).await?,
                },
                Err(err) => return Err(retry::broken("storing an export", &err)),
            }
        }
        Err(Error::internal("storing an export", "an expired export with its id could not be replaced"))
    }

    /// Deletes an export whose time is up (and only then).
    async fn remove_expired_export(&self, planroom: &Id, export_id: &str) -> Result<()> {
        let mut delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .condition_expression("#ttl <= :now")
            .expression_attribute_names("#ttl", crate::table::TTL_ATTRIBUTE)
            .expression_attribute_values(":now", n(jiff::Timestamp::now().as_second()));
        for (name, value) in export_key(planroom, export_id) {
            delete = delete.key(name, value);
        }
        match send("removing an expired export", || delete.clone().send()).await? {
            Err(err) if !condition_failed(&err) => Err(retry::broken("removing an expired export", &err)),
            _ => Ok(()),
        }
    }

    /// An export, if it exists and has not expired (one strongly consistent GetItem).
    pub async fn export(&self, planroom: &Id, export_id: &str) -> Result<Option<ExportRecord>> {
        let mut get = self.client.get_item().table_name(&self.table).consistent_read(true);
        for (name, value) in export_key(planroom, export_id) {
            get = get.key(name, value);
        }
        let out = retry::send_ok("reading an export", || get.clone().send()).await?;
        let now = jiff::Timestamp::now().as_second();
        Ok(out.item.as_ref().filter(|item| !super::expired(item, now)).and_then(export_record))
    }

    /// Takes a pending export whose start deadline has not passed; `false` when it is taken,
    /// done, failed or too late.
    pub async fn claim_export(&self, planroom: &Id, export_id: &str, now: i64, claim: &Claim) -> Result<bool> {
        let update = self.export_update(planroom, export_id);
        let update = update
            .update_expression("SET #status = :running, lease_until = :lease, claim = :claim ADD attempts :one")
            .condition_expression("#status = :pending AND start_by > :now")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":running", s(Status::Running.as_str()))
            .expression_attribute_values(":pending", s(Status::Pending.as_str()))
            .expression_attribute_values(":lease", n(claim.lease_until))
            .expression_attribute_values(":claim", s(&claim.id))
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":one", n(1))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        match send("claiming an export", || update.clone().send()).await? {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(e)) => match e.err() {
                // Ours already when a first attempt of this very claim went through.
                UpdateItemError::ConditionalCheckFailedException(failed) => {
                    Ok(failed.item().and_then(|i| get_s(i, "claim")) == Some(claim.id.as_str()))
                }
                _ => Err(retry::broken("claiming an export", &SdkError::ServiceError(e))),
            },
            Err(err) => Err(retry::broken("claiming an export", &err)),
        }
    }

    /// Records how a generation ended, if the claim still holds; `false` when the export was
    /// declared failed meanwhile (its lease ran out).
    pub async fn finish_export(
        &self,
        planroom: &Id,
        export_id: &str,
        claim: &Claim,
        outcome: &Outcome,
        finished_at: &str,
    ) -> Result<bool> {
        let update = self.export_update(planroom, export_id);
        let update = update
            .condition_expression("#status = :running AND claim = :claim")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#error", "error")
            .expression_attribute_values(":running", s(Status::Running.as_str()))
            .expression_attribute_values(":claim", s(&claim.id))
            .expression_attribute_values(":at", s(finished_at));
        let update = match outcome {
            Outcome::Ready { rows, bytes, s3_key, digest } => update
                .update_expression(
                    "SET #status = :ready, #rows = :rows, #bytes = :bytes, s3_key = :key, finished_at = :at, \
                     #digest = :digest REMOVE #error",
                )
                .expression_attribute_names("#digest", "digest")
                .expression_attribute_values(":digest", s(digest.as_deref().unwrap_or_default()))
                .expression_attribute_names("#rows", "rows")
                .expression_attribute_names("#bytes", "bytes")
                .expression_attribute_values(":ready", s(Status::Ready.as_str()))
                .expression_attribute_values(":rows", n(rows))
                .expression_attribute_values(":bytes", n(bytes))
                .expression_attribute_values(":key", s(s3_key)),
            Outcome::Failed(reason) => update
                .update_expression("SET #status = :failed, #error = :reason, finished_at = :at")
                .expression_attribute_values(":failed", s(Status::Failed.as_str()))
                .expression_attribute_values(":reason", s(reason)),
        };
        self.settle(update, "recording an export's outcome").await
    }

    /// Declares a pending or running export failed with `reason`; `false` when it had ended
    /// already (ready, or failed before).
    pub async fn fail_export(&self, planroom: &Id, export_id: &str, reason: &str, at: &str) -> Result<bool> {
        let update = self.export_update(planroom, export_id);
        let update = update
            .update_expression("SET #status = :failed, #error = :reason, finished_at = :at")
            .condition_expression("#status IN (:pending, :running)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#error", "error")
            .expression_attribute_values(":pending", s(Status::Pending.as_str()))
            .expression_attribute_values(":running", s(Status::Running.as_str()))
            .expression_attribute_values(":failed", s(Status::Failed.as_str()))
            .expression_attribute_values(":reason", s(reason))
            .expression_attribute_values(":at", s(at));
        self.settle(update, "declaring an export failed").await
    }

    /// An update of one export item.
    fn export_update(
        &self,
        planroom: &Id,
        export_id: &str,
    ) -> aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder {
        let [(pk, pk_value), (sk, sk_value)] = export_key(planroom, export_id);
        self.client.update_item().table_name(&self.table).key(pk, pk_value).key(sk, sk_value)
    }

    async fn settle(
        &self,
        update: aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder,
        context: &str,
    ) -> Result<bool> {
        match send(context, || update.clone().send()).await? {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(retry::broken(context, &err)),
        }
    }
}

fn export_record(item: &Item) -> Option<ExportRecord> {
    let request = if get_s(item, "report")? == USER_ACTIVITY_REPORT {
        ExportSpec::UserActivity(serde_json::from_str(get_s(item, "query")?).ok()?)
    } else if get_s(item, "report")? == LAKE_QUERY_REPORT {
        ExportSpec::LakeQuery(serde_json::from_str(get_s(item, "query")?).ok()?)
    } else {
        ExportSpec::Job(ExportRequest {
            job: Id::parse("job_id", get_s(item, "job_id")?).ok()?,
            format: Format::parse(get_s(item, "format")?)?,
            report: Report::parse(get_s(item, "report")?)?,
            individual_id: get_s(item, "individual_id").and_then(|i| Id::parse("individual_id", i).ok()),
            blast_id: get_s(item, "blast_id").and_then(|b| Id::parse("blast_id", b).ok()),
            by: get_s(item, "by").and_then(RowsBy::parse),
            time_zone: get_s(item, "time_zone").map(str::to_owned),
            include_automated: get_bool(item, "include_automated"),
        })
    };
    let seconds = |name: &str| i64::try_from(get_n(item, name)).unwrap_or(i64::MAX);
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
        digest: get_s(item, "digest").filter(|d| !d.is_empty()).map(str::to_owned),
        start_by: seconds("start_by"),
        lease_until: seconds("lease_until"),
        expires_at: seconds(crate::table::TTL_ATTRIBUTE),
    })
}
