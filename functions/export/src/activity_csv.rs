//! User Activity exports: the rows of a window (or its groups) as CSV, the header the chosen
//! fields (or the grouped fields and `count`), every cell neutralised against formula injection.
//! Rows stream page by page, newest first, into the multipart upload: no row cap, and memory holds
//! one page (grouped exports hold one entry per group).

use serde_json::Value;
use shared::export::ActivityExport;
use shared::ids::Id;
use shared::spreadsheet::neutralise;
use shared::store::DynamoStore;
use shared::user_activity::select::OrderedRow;
use shared::user_activity::{Filters, Grouping, Selection, window};
use shared::{Error, Result};

use crate::storage::{SharedBuffer, Upload};

/// Rows read a page (each page reads every shard of a day side by side).
const PAGE: usize = 1_000;

fn csv_error(err: csv::Error) -> Error {
    Error::internal("writing CSV", err)
}

/// The text of a cell: empty for null, `true`/`false`, numbers as written.
pub(crate) fn cell(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

fn write_rows(out: &mut csv::Writer<SharedBuffer>, rows: &[OrderedRow]) -> Result<u64> {
    for row in rows {
        out.write_record(row.0.iter().map(|(_, v)| neutralise(&cell(v)).into_owned())).map_err(csv_error)?;
    }
    out.flush().map_err(|e| Error::internal("writing CSV", e))?;
    Ok(rows.len() as u64)
}

/// Writes the export of `query` over `planroom`'s rows; answers the rows written.
pub async fn write(
    store: &DynamoStore,
    planroom: &Id,
    query: &ActivityExport,
    buffer: &SharedBuffer,
    upload: &mut Upload,
) -> Result<u64> {
    let window = window::parse(Some(&query.from), Some(&query.to)).map_err(Error::validation)?;
    let filters = match &query.filters {
        Some(filters) => Filters::from_json(filters)?,
        None => Filters::default(),
    };
    let mut out = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(buffer.clone());
    if let Some(group_by) = &query.group_by {
        let grouping = Grouping::parse(group_by)?;
        out.write_record(grouping.names()).map_err(csv_error)?;
        let counter = store.activity_groups(planroom, window, &filters, &grouping).await?;
        let groups = grouping.items(counter);
        let mut rows = 0;
        for chunk in groups.chunks(PAGE) {
            rows += write_rows(&mut out, chunk)?;
            upload.flush(buffer).await?;
        }
        return Ok(rows);
    }
    let selection = Selection::parse(query.fields.as_deref())?;
    out.write_record(selection.names()).map_err(csv_error)?;
    out.flush().map_err(|e| Error::internal("writing CSV", e))?;
    let shards = store.activity().shards;
    let mut rows = 0;
    let mut start = None;
    loop {
        let page = store.activity_page(planroom, window, shards, &filters, PAGE, start).await?;
        let projected: Vec<OrderedRow> = page.rows.iter().map(|row| selection.project(row)).collect();
        rows += write_rows(&mut out, &projected)?;
        upload.flush(buffer).await?;
        match page.next {
            Some(next) => start = Some(next),
            None => return Ok(rows),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_read_as_the_api_shows_them() {
        assert_eq!(cell(&Value::Null), "");
        assert_eq!(cell(&Value::from(true)), "true");
        assert_eq!(cell(&Value::from(3)), "3");
        assert_eq!(cell(&Value::from("=1+1")), "=1+1", "neutralised when written, not here");
    }
}
