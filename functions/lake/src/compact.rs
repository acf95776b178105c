//! Closed days compacted: every day noted since the last run that has ended (UTC) is rewritten
//! as one file holding each event once (its newest copy, by `recorded_at`), in time order; the
//! files it replaced are then deleted and the day's note cleared, unless new files arrived
//! meanwhile (a late row): the day stays noted and the next run takes it again.

use std::collections::HashMap;

use serde_json::Value;
use shared::Result;
use shared::lake::columns::{self, RECORDED_AT};
use shared::lake::layout::{self, FileKind};
use shared::lake::parquet_rows::{self, Cells};
use shared::store::lake::DirtyDay;

use crate::App;

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Compacted {
    /// Days rewritten.
    pub days: usize,
    /// Files they had before.
    pub files_before: usize,
    /// Rows they hold now.
    pub rows: usize,
}

/// Compacts every noted day before `now`'s UTC day.
pub async fn closed_days(app: &App, now: jiff::Timestamp) -> Result<Compacted> {
    let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date().to_string();
    let mut report = Compacted::default();
    let mut failed = 0;
    for day in app.store.dirty_lake_days().await?.into_iter().filter(|d| d.day < today) {
        // A day that cannot be compacted (a file that cannot be read) stays noted and holds up
        // no other day.
        match day_of(app, &day).await {
            Ok((files, rows)) => {
                report.days += 1;
                report.files_before += files;
                report.rows += rows;
            }
            Err(err) => {
                failed += 1;
                tracing::error!(planroom = %day.planroom, day = day.day, error = %err.chain(), "a lake day could not be compacted");
            }
        }
    }
    if failed > 0 {
        return Err(shared::Error::internal("compacting the lake", format!("{failed} days could not be compacted")));
    }
    Ok(report)
}

/// Compacts one day: `(files before, rows after)`.
pub async fn day_of(app: &App, day: &DirtyDay) -> Result<(usize, usize)> {
    let prefix = layout::day_prefix(&day.planroom, &day.day);
    let keys: Vec<String> =
        app.bucket.keys(&prefix).await?.into_iter().filter(|k| layout::kind_of(k).is_some()).collect();
    if keys.len() == 1 && layout::kind_of(&keys[0]) == Some(FileKind::Day) {
        app.store.clear_lake_day(day).await?;
        return Ok((1, 0));
    }
    let table = columns::table();
    let recorded = table.iter().position(|c| c.name == RECORDED_AT).unwrap_or(table.len() - 1);
    let mut newest: HashMap<String, Cells> = HashMap::new();
    for key in &keys {
        let (names, rows) = parquet_rows::read(app.bucket.get(key).await?)?;
        for row in rows {
            let cells = align(&names, &table, row);
            let id = cells.first().and_then(Value::as_str).unwrap_or_default().to_owned();
            let at = |c: &Cells| c.get(recorded).and_then(Value::as_str).unwrap_or_default().to_owned();
            match newest.get(&id) {
                Some(kept) if at(kept) >= at(&cells) => {}
                _ => {
                    newest.insert(id, cells);
                }
            }
        }
    }
    let mut rows: Vec<Cells> = newest.into_values().collect();
    let text = |r: &Cells, i: usize| r.get(i).and_then(Value::as_str).unwrap_or("").to_owned();
    rows.sort_by_key(|r| (text(r, 1), text(r, 0)));
    let names: Vec<&str> = keys.iter().map(String::as_str).collect();
    let target = layout::file_key(&day.planroom, &day.day, FileKind::Day, &names);
    if !rows.is_empty() {
        app.bucket.put(&target, parquet_rows::write(&table, &rows)?).await?;
    }
    let replaced: Vec<String> = keys.iter().filter(|k| **k != target).cloned().collect();
    app.bucket.delete(&replaced).await?;
    if !app.store.clear_lake_day(day).await? {
        tracing::info!(planroom = %day.planroom, day = day.day, "new files arrived while compacting; the day stays noted");
    }
    Ok((keys.len(), rows.len()))
}

/// A file's row in the table's column order (a file written with other columns keeps what
/// matches by name).
fn align(names: &[String], table: &[columns::Column], row: Cells) -> Cells {
    if names.len() == table.len() && names.iter().zip(table).all(|(n, c)| *n == c.name) {
        return row;
    }
    let by_name: HashMap<&str, &Value> = names.iter().map(String::as_str).zip(row.iter()).collect();
    table.iter().map(|c| by_name.get(c.name.as_str()).map_or(Value::Null, |v| (*v).clone())).collect()
}
