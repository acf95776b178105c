//! A User Activity export read from the lake (`"source": "lake"`): the export's selection as a
//! lake query without a limit, its rows streamed from the engine in batches into the CSV's
//! multipart upload, so neither memory nor the row count bounds it: what bounds it is the
//! worker's 15 minutes for Athena's run and the download of its answer (S3 to S3, gigabytes a
//! minute) and the workgroup's bytes-scanned limit.

use shared::export::ActivityExport;
use shared::ids::Id;
use shared::spreadsheet::neutralise;
use shared::{Error, Result};

use crate::activity_csv::cell;
use crate::lake_engine::LakeEngine;
use crate::storage::{SharedBuffer, Upload};

/// Writes the export's CSV from the lake; answers the rows written.
pub async fn write(
    engine: &dyn LakeEngine,
    planroom: &Id,
    export_id: &str,
    export: &ActivityExport,
    buffer: &SharedBuffer,
    upload: &mut Upload,
) -> Result<u64> {
    let query = export.lake_query()?;
    let (sql, params) = query.sql(planroom);
    let columns = query.columns();
    let failed = |e: csv::Error| Error::internal("writing CSV", e);
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(buffer.clone());
    out.write_record(columns.iter().map(|c| c.name.as_str())).map_err(failed)?;
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<Vec<serde_json::Value>>>(4);
    let write = async {
        let mut rows = 0u64;
        while let Some(batch) = receiver.recv().await {
            for row in &batch {
                out.write_record(row.iter().map(|v| neutralise(&cell(v)).into_owned())).map_err(failed)?;
            }
            out.flush().map_err(|e| Error::internal("writing CSV", e))?;
            rows += batch.len() as u64;
            upload.flush(buffer).await?;
        }
        out.flush().map_err(|e| Error::internal("writing CSV", e))?;
        Ok::<u64, Error>(rows)
    };
    let (ran, written) = tokio::join!(engine.stream(export_id, &sql, &params, &columns, sender), write);
    ran?;
    written
}
