//! Stream batches into the lake: the dataset rows a batch inserted or changed, grouped by
//! planroom and UTC day, one Parquet file each, named by the event ids it holds (the same batch
//! delivered again rewrites the same files), then the days noted for compaction.

use std::collections::BTreeMap;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use serde_json::Value;
use shared::ids::Id;
use shared::lake::columns::{self, RECORDED_AT};
use shared::lake::layout::{self, FileKind};
use shared::lake::parquet_rows::{self, Cells};
use shared::store::user_activity::item_row;
use shared::user_activity::partition;
use shared::{Result, time};

use crate::App;

/// What a batch wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Rows.
    pub rows: usize,
    /// Files.
    pub files: usize,
}

/// A dataset row a stream record carries: its planroom, day and cells in the lake's columns. No
/// record fails a batch: one that is no dataset row, or has no planroom or time, is left out; a
/// cell its column cannot hold is written as missing ([`parquet_rows::write`]). So a batch fails
/// only on S3 or DynamoDB faults, and is delivered again whole, rewriting the same files.
pub fn lake_row(record: &EventRecord) -> Option<(Id, String, Cells)> {
    // Inserts only (the event source's filter keeps them): a stored row never changes.
    if record.event_name != "INSERT" {
        return None;
    }
    let item = shared::store::stream_item(&record.change.new_image);
    if shared::store::get_s(&item, "type") != Some("user_activity") {
        return None;
    }
    let row = item_row(&item);
    let planroom = shared::store::get_s(&item, "pk").and_then(partition::planroom_of);
    let day = row.get("event_timestamp").and_then(Value::as_str).and_then(layout::day_of);
    let (Some(planroom), Some(day)) = (planroom, day) else {
        // Not a row the table's own code wrote: skipped (and said), never a failed batch.
        tracing::warn!(key = ?shared::store::get_s(&item, "pk"), event_id = ?row.get("event_id"), "a dataset row without a planroom or a time is left out of the lake");
        return None;
    };
    let day = day.to_owned();
    let recorded_at = time::format(
        jiff::Timestamp::from_millisecond(record.change.approximate_creation_date_time.timestamp_millis())
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
    );
    let cells = columns::table()
        .iter()
        .map(|c| match c.name.as_str() {
            RECORDED_AT => Value::from(recorded_at.clone()),
            name => row.get(name).cloned().unwrap_or(Value::Null),
        })
        .collect();
    Some((planroom, day, cells))
}

/// Writes the batch's rows to the lake.
pub async fn batch(app: &App, event: &Event) -> Result<Written> {
    let mut groups: BTreeMap<(Id, String), Vec<Cells>> = BTreeMap::new();
    for (planroom, day, cells) in event.records.iter().filter_map(lake_row) {
        groups.entry((planroom, day)).or_default().push(cells);
    }
    write_groups(app, groups).await
}

/// Writes rows grouped by planroom and day, a file each, and notes the days.
pub async fn write_groups(app: &App, groups: BTreeMap<(Id, String), Vec<Cells>>) -> Result<Written> {
    let table = columns::table();
    let mut written = Written::default();
    let mut days = Vec::new();
    let writes = groups.into_iter().map(|((planroom, day), mut rows)| {
        let table = &table;
        async move {
            // Time order inside a file: row groups' statistics then skip by time.
            rows.sort_by(|a, b| text(a, 1).cmp(text(b, 1)).then_with(|| text(a, 0).cmp(text(b, 0))));
            let ids: Vec<&str> = rows.iter().map(|r| text(r, 0)).collect();
            let key = layout::file_key(&planroom, &day, FileKind::Ingest, &ids);
            let body = parquet_rows::write(table, &rows)?;
            app.bucket.put(&key, body).await?;
            Ok::<_, shared::Error>((planroom, day, rows.len()))
        }
    });
    for (planroom, day, rows) in futures::future::try_join_all(writes).await? {
        written.rows += rows;
        written.files += 1;
        days.push((planroom, day));
    }
    if !days.is_empty() {
        let now = u64::try_from(jiff::Timestamp::now().as_millisecond()).unwrap_or(0);
        app.store.mark_lake_days(&days, now).await?;
    }
    Ok(written)
}

/// The text of column `i` (event id 0, timestamp 1), empty when missing.
fn text(row: &Cells, i: usize) -> &str {
    row.get(i).and_then(Value::as_str).unwrap_or("")
}
