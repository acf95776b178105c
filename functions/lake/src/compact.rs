//! Closed days compacted: every day noted since the last run that has ended (UTC) is rewritten
//! as one file holding each event once (its newest copy, by `recorded_at`), in time order; the
//! files it replaced are then deleted and the day's note cleared, unless new files arrived
//! meanwhile (a late row): the day stays noted and the next run takes it again.

use std::collections::{BTreeMap, HashMap};

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
    day_in_groups_of(app, day, parquet_rows::ROW_GROUP).await
}

/// Where the kept copy of an event is, and what orders it (instants as microseconds: a few
/// dozen bytes an event, with its id).
struct Kept {
    /// `recorded_at` (the newest copy wins).
    recorded: i64,
    /// `event_timestamp` (the day file's order).
    at: i64,
    /// The file it is in (by its place in the day's listing) and its row there.
    file: u32,
    row: u32,
}

/// Compacts one day, holding at most `group` decoded rows at once: the files' compressed bytes
/// and, per event, where its newest copy is (about 150 bytes) are all it keeps of the day. The
/// first pass finds each event's newest copy; the second writes them in time order, a row group
/// at a time, decoding of each file only the row groups that hold the group's rows.
pub async fn day_in_groups_of(app: &App, day: &DirtyDay, group: usize) -> Result<(usize, usize)> {
    let prefix = layout::day_prefix(&day.planroom, &day.day);
    let keys: Vec<String> =
        app.bucket.keys(&prefix).await?.into_iter().filter(|k| layout::kind_of(k).is_some()).collect();
    if keys.len() == 1 && layout::kind_of(&keys[0]) == Some(FileKind::Day) {
        app.store.clear_lake_day(day).await?;
        return Ok((1, 0));
    }
    let table = columns::table();
    let recorded_column = table.iter().position(|c| c.name == RECORDED_AT).unwrap_or(table.len() - 1);
    let text = |cells: &Cells, i: usize| cells.get(i).and_then(Value::as_str).unwrap_or_default().to_owned();
    // An instant missing or unreadable sorts first (no stored row lacks one).
    let micros = |cells: &Cells, i: usize| {
        cells.get(i).and_then(Value::as_str).and_then(parquet_rows::micros).unwrap_or(i64::MIN)
    };
    let mut bodies = Vec::with_capacity(keys.len());
    let mut newest: HashMap<String, Kept> = HashMap::new();
    for (file, key) in keys.iter().enumerate() {
        let body = app.bucket.get(key).await?;
        parquet_rows::rows_in(body.clone(), 0..usize::MAX, |names, row, cells| {
            let cells = align(names, &table, cells);
            let (id, recorded) = (text(&cells, 0), micros(&cells, recorded_column));
            match newest.get(&id) {
                Some(kept) if kept.recorded >= recorded => {}
                _ => {
                    let (file, row) = (u32::try_from(file).unwrap_or(u32::MAX), u32::try_from(row).unwrap_or(u32::MAX));
                    newest.insert(id, Kept { recorded, at: micros(&cells, 1), file, row });
                }
            }
            Ok(())
        })?;
        bodies.push(body);
    }
    let mut order: Vec<(i64, String, u32, u32)> =
        newest.into_iter().map(|(id, kept)| (kept.at, id, kept.file, kept.row)).collect();
    order.sort_unstable();
    let rows_after = order.len();
    let names: Vec<&str> = keys.iter().map(String::as_str).collect();
    let target = layout::file_key(&day.planroom, &day.day, FileKind::Day, &names);
    if rows_after > 0 {
        let mut writer = parquet_rows::RowsWriter::new(&table)?;
        for chunk in order.chunks(group.max(1)) {
            // The rows of this group, file by file, each put in its place; of each file only the
            // row groups that hold some are decoded.
            let mut wanted: HashMap<usize, BTreeMap<usize, usize>> = HashMap::new();
            for (place, (_, _, file, row)) in chunk.iter().enumerate() {
                wanted.entry(*file as usize).or_default().insert(*row as usize, place);
            }
            let mut slots: Vec<Cells> = vec![Vec::new(); chunk.len()];
            for (file, rows) in &wanted {
                let body = bodies.get(*file).cloned().unwrap_or_default();
                parquet_rows::rows_where(
                    body,
                    |group| rows.range(group).next().is_some(),
                    |names, row, cells| {
                        if let Some(slot) = rows.get(&row).and_then(|place| slots.get_mut(*place)) {
                            *slot = align(names, &table, cells);
                        }
                        Ok(())
                    },
                )?;
            }
            // Every place is filled: the same bytes were read in the first pass.
            if slots.iter().any(Vec::is_empty) {
                return Err(shared::Error::internal(
                    "compacting the lake",
                    "a row of the first pass was not found again",
                ));
            }
            writer.write_group(&slots)?;
        }
        app.bucket.put(&target, writer.finish()?).await?;
    }
    let replaced: Vec<String> = keys.iter().filter(|k| **k != target).cloned().collect();
    app.bucket.delete(&replaced).await?;
    if !app.store.clear_lake_day(day).await? {
        tracing::info!(planroom = %day.planroom, day = day.day, "new files arrived while compacting; the day stays noted");
    }
    Ok((keys.len(), rows_after))
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
