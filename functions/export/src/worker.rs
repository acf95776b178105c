//! The export worker: the table's stream delivers each export item's insert; the worker claims the
//! export, streams the report into a multipart upload, and marks the export ready or failed with a
//! readable reason. Claiming is conditional, so a redelivered record or a second worker never
//! generates an export twice, and a worker that died leaves a lease that runs out.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_dynamo::AttributeValue;
use shared::config::{self, ConfigError};
use shared::export::{ExportRequest, ExportSpec, Format, Report, Source};
use shared::ids::Id;
use shared::store::exports::{Claim, Outcome};
use shared::store::{self, DynamoStore, JobStore};
use shared::user_activity::ActivitySettings;
use shared::{Error, Result, keys};

use crate::lake_engine::{self, Athena, LakeEngine};
use crate::report::{self, Context};
use crate::storage::{self, Bucket, SharedBuffer, Upload};
use crate::{activity_csv, certificate, coverage_report, csv_report, pdf_report};
use crate::{lake_answer, lake_export};

/// How long a claim holds an export before another worker may take it over.
pub const LEASE_SECONDS: i64 = 15 * 60;
/// Generation attempts for failures that may pass (throttling, timeouts) before giving up.
const ATTEMPTS: u32 = 3;

/// What the worker needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct Worker {
    store: DynamoStore,
    bucket: Bucket,
    engine: Option<Arc<dyn LakeEngine>>,
}

impl Worker {
    /// Builds the worker from `TABLE_NAME`, `BUCKET_NAME` and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let sdk = store::aws_config().await;
        let store = DynamoStore::from_sdk(&sdk, table).with_activity(ActivitySettings::from_env()?);
        let worker = Worker::new(store, Bucket::from_env(&sdk)?);
        Ok(match Athena::from_env(&sdk)? {
            Some(athena) => worker.with_engine(Arc::new(athena)),
            None => worker,
        })
    }

    /// Builds the worker from its parts (no lake engine: lake queries fail, saying so).
    pub fn new(store: DynamoStore, bucket: Bucket) -> Self {
        Worker { store, bucket, engine: None }
    }

    /// The same worker running lake queries on `engine`.
    pub fn with_engine(self, engine: Arc<dyn LakeEngine>) -> Self {
        Worker { engine: Some(engine), ..self }
    }

    /// Generates one export unless it is taken or done.
    pub async fn process(&self, planroom: &str, export_id: &str) -> Result<()> {
        let planroom = Id::parse("planroom", planroom)?;
        let now = Timestamp::now().as_second();
        let claim = Claim { id: uuid::Uuid::new_v4().to_string(), lease_until: now + LEASE_SECONDS };
        if !self.store.claim_export(&planroom, export_id, now, &claim).await? {
            tracing::info!(export_id, "export already taken, done, failed or too late to start");
            return Ok(());
        }
        let export = self
            .store
            .export(&planroom, export_id)
            .await?
            .ok_or_else(|| Error::internal("reading a claimed export", "the export vanished"))?;
        let mut attempt = 0;
        let outcome = loop {
            attempt += 1;
            match self.generate(&planroom, export_id, &export.request).await {
                Ok(outcome) => break outcome,
                Err(err @ Error::Unavailable { .. }) if attempt < ATTEMPTS => {
                    tracing::warn!(export_id, attempt, error = %err.chain(), "export attempt failed; retrying");
                    tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
                }
                Err(err) => {
                    tracing::error!(export_id, error = %err.chain(), "export failed");
                    break Outcome::Failed(format!("{} ({})", err, err.public_message()));
                }
            }
        };
        tracing::info!(export_id, outcome = ?outcome, "export finished");
        if !self.store.finish_export(&planroom, export_id, &claim, &outcome, &report::now_text()).await? {
            tracing::warn!(export_id, "the export was declared failed before it finished; its result is dropped");
        }
        Ok(())
    }

    async fn generate(&self, planroom: &Id, export_id: &str, spec: &ExportSpec) -> Result<Outcome> {
        match spec {
            ExportSpec::Job(request) => self.generate_with(planroom, export_id, request, None).await,
            ExportSpec::UserActivity(query) if query.source == Source::Lake => {
                let engine = self.engine()?;
                let s3_key = keys::export_object(planroom, export_id, Format::Csv.as_str());
                let buffer = SharedBuffer::default();
                let mut upload = Upload::start(&self.bucket, &s3_key, Format::Csv.content_type()).await?;
                let written =
                    lake_export::write(engine.as_ref(), planroom, export_id, query, &buffer, &mut upload).await;
                finish(upload, &buffer, written, export_id, s3_key, None).await
            }
            ExportSpec::UserActivity(query) => {
                let s3_key = keys::export_object(planroom, export_id, Format::Csv.as_str());
                let buffer = SharedBuffer::default();
                let mut upload = Upload::start(&self.bucket, &s3_key, Format::Csv.content_type()).await?;
                let written = activity_csv::write(&self.store, planroom, query, &buffer, &mut upload).await;
                finish(upload, &buffer, written, export_id, s3_key, None).await
            }
            ExportSpec::LakeQuery(query) => {
                let engine = self.engine()?;
                let (sql, params) = query.sql(planroom);
                let columns = query.columns();
                let answer = lake_engine::collect(engine.as_ref(), export_id, &sql, &params, &columns).await?;
                tracing::info!(export_id, rows = answer.rows.len(), "lake query answered");
                lake_answer::store(&self.bucket, planroom, export_id, &answer).await
            }
        }
    }

    /// The lake's engine, or why there is none.
    fn engine(&self) -> Result<&Arc<dyn LakeEngine>> {
        self.engine
            .as_ref()
            .ok_or_else(|| Error::validation("the lake has no query engine here (ATHENA_WORKGROUP is not set)"))
    }

    /// Generates a report whose records are made up rather than read (benchmarks): the same
    /// writers and upload, apart from the storage they read.
    pub async fn generate_synthetic(
        &self,
        planroom: &Id,
        export_id: &str,
        request: &ExportRequest,
        rows: u64,
    ) -> Result<Outcome> {
        self.generate_with(planroom, export_id, request, Some(rows)).await
    }

    async fn generate_with(
        &self,
        planroom: &Id,
        export_id: &str,
        request: &ExportRequest,
        rows: Option<u64>,
    ) -> Result<Outcome> {
        let job = self.store.get_job(planroom, &request.job).await?;
        let zone_name =
            request.time_zone.clone().or_else(|| job.as_ref().map(|j| j.time_zone.clone())).unwrap_or("UTC".into());
        let zone = TimeZone::get(&zone_name).unwrap_or(TimeZone::UTC);
        let ctx = Context {
            store: &self.store,
            planroom: planroom.clone(),
            request,
            job,
            zone,
            zone_name,
            generated_at: report::now_text(),
            generated_records: rows,
        };
        let s3_key = keys::export_object(planroom, export_id, request.format.as_str());
        let buffer = SharedBuffer::default();
        let mut upload = Upload::start(&self.bucket, &s3_key, request.format.content_type()).await?;
        let with_digest = |written: Result<(u64, String)>| match written {
            Ok((rows, digest)) => (Ok(rows), Some(digest)),
            Err(err) => (Err(err), None),
        };
        let (written, digest) = match (request.report, request.format) {
            (Report::Coverage, Format::Csv) => (coverage_report::write_csv(&ctx, &buffer, &mut upload).await, None),
            (Report::Coverage, _) => (coverage_report::write_pdf(&ctx, &buffer, &mut upload).await, None),
            (Report::Distribution, Format::Json) => {
                with_digest(certificate::write_json(&ctx, &buffer, &mut upload).await)
            }
            (Report::Distribution, _) => with_digest(certificate::write_pdf(&ctx, &buffer, &mut upload).await),
            (_, Format::Csv) => (csv_report::write(&ctx, &buffer, &mut upload).await, None),
            (_, _) => (pdf_report::write(&ctx, &buffer, &mut upload).await, None),
        };
        finish(upload, &buffer, written, export_id, s3_key, digest).await
    }
}

/// Completes the upload of what was written, or aborts it when writing failed.
async fn finish(
    upload: Upload,
    buffer: &SharedBuffer,
    written: Result<u64>,
    export_id: &str,
    s3_key: String,
    digest: Option<String>,
) -> Result<Outcome> {
    match written {
        Ok(rows) => {
            let peak = upload.peak_buffered;
            let bytes = upload.complete(buffer).await?;
            tracing::info!(export_id, rows, bytes, peak_buffered = peak, "report uploaded");
            Ok(Outcome::Ready { rows, bytes, s3_key, digest })
        }
        Err(err) => {
            upload.abort().await;
            Err(err)
        }
    }
}

/// The export an inserted stream record announces: `(planroom, export_id)`. Anything else (a
/// modification, another item type) is not for the worker; the event source's filter drops those
/// already, and this check keeps the worker right without it.
pub fn export_of(record: &EventRecord) -> Option<(String, String)> {
    if record.event_name != "INSERT" {
        return None;
    }
    let text = |name: &str| match record.change.new_image.get(name) {
        Some(AttributeValue::S(value)) => Some(value.clone()),
        _ => None,
    };
    (text("type")? == "export").then_some(())?;
    Some((text("planroom_id")?, text("export_id")?))
}

/// Handles a batch of stream records. An error (storage unreachable) fails the batch so Lambda
/// retries it; exports already done are skipped on the retry.
pub async fn handle(worker: &Worker, event: Event) -> Result<(), lambda_runtime::Error> {
    for record in &event.records {
        if let Some((planroom, export_id)) = export_of(record) {
            worker.process(&planroom, &export_id).await.map_err(|e| {
                tracing::error!(export_id, error = %e.chain(), "export could not be processed; the batch will be retried");
                lambda_runtime::Error::from(e.to_string())
            })?;
        }
    }
    Ok(())
}

/// Creates the bucket if missing (local stand-in only).
pub async fn prepare_local(worker: &Worker) -> Result<()> {
    storage::create_bucket_if_missing(&worker.bucket).await
}
