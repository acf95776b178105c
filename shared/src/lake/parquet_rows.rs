//! Rows to Parquet and back, with Parquet's own column writers (no Arrow: the functions that
//! write the lake stay small). Each column is written from the rows' JSON values: text as UTF-8,
//! instants as UTC microseconds, days as days since the epoch, `null` as a missing value. Files
//! are zstd-compressed with statistics per column chunk, which lets engines skip row groups.

use std::sync::Arc;

use bytes::Bytes;
use parquet::basic::{Compression, ZstdLevel};
use parquet::data_type::{BoolType, ByteArray, ByteArrayType, Int32Type, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::file::writer::SerializedFileWriter;
use parquet::record::Field as Cell;
use serde_json::Value;

use super::columns::{Column, ColumnKind, message_type};
use crate::{Error, Result};

/// Rows a row group holds at most.
pub const ROW_GROUP: usize = 100_000;

fn failed(what: &str, err: impl std::fmt::Display) -> Error {
    Error::internal(what, err.to_string())
}

/// One row: a value per column, in the columns' order.
pub type Cells = Vec<Value>;

/// A Parquet file of `rows` (each a value per column of `columns`); a value a column cannot hold
/// is stored as missing.
pub fn write(columns: &[Column], rows: &[Cells]) -> Result<Vec<u8>> {
    let mut writer = RowsWriter::new(columns)?;
    for group in rows.chunks(ROW_GROUP) {
        writer.write_group(group)?;
    }
    writer.finish()
}

/// A Parquet file written a row group at a time (compaction holds one group, not the day).
pub struct RowsWriter {
    writer: SerializedFileWriter<Vec<u8>>,
    columns: Vec<Column>,
}

impl RowsWriter {
    /// A file of `columns`, zstd-compressed, with statistics per column chunk.
    pub fn new(columns: &[Column]) -> Result<Self> {
        let schema = parquet::schema::parser::parse_message_type(&message_type("rows", columns))
            .map_err(|e| failed("building a Parquet schema", e))?;
        let properties = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).map_err(|e| failed("zstd level", e))?))
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .set_created_by("planroom-activity".into())
            .build();
        let writer = SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(properties))
            .map_err(|e| failed("starting a Parquet file", e))?;
        Ok(RowsWriter { writer, columns: columns.to_vec() })
    }

    /// Writes `rows` as the next row group (at most [`ROW_GROUP`] rows make one).
    pub fn write_group(&mut self, rows: &[Cells]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut row_group = self.writer.next_row_group().map_err(|e| failed("starting a row group", e))?;
        let mut index = 0;
        while let Some(mut column) = row_group.next_column().map_err(|e| failed("starting a column", e))? {
            let kind = self.columns.get(index).map(|c| c.kind).unwrap_or(ColumnKind::Text);
            let cells = rows.iter().map(|row| row.get(index).unwrap_or(&Value::Null));
            let written = match kind {
                ColumnKind::Text => {
                    let (values, levels) =
                        levels(cells, |v| v.as_str().map(|s| ByteArray::from(s.as_bytes().to_vec())));
                    column.typed::<ByteArrayType>().write_batch(&values, Some(&levels), None)
                }
                ColumnKind::Bool => {
                    let (values, levels) = levels(cells, Value::as_bool);
                    column.typed::<BoolType>().write_batch(&values, Some(&levels), None)
                }
                ColumnKind::Int => {
                    let (values, levels) = levels(cells, Value::as_i64);
                    column.typed::<Int64Type>().write_batch(&values, Some(&levels), None)
                }
                ColumnKind::Timestamp => {
                    let (values, levels) = levels(cells, |v| v.as_str().and_then(micros));
                    column.typed::<Int64Type>().write_batch(&values, Some(&levels), None)
                }
                ColumnKind::Date => {
                    let (values, levels) = levels(cells, |v| v.as_str().and_then(epoch_day));
                    column.typed::<Int32Type>().write_batch(&values, Some(&levels), None)
                }
            };
            written.map_err(|e| failed("writing a Parquet column", e))?;
            column.close().map_err(|e| failed("closing a Parquet column", e))?;
            index += 1;
        }
        row_group.close().map_err(|e| failed("closing a row group", e))?;
        Ok(())
    }

    /// The file's bytes.
    pub fn finish(self) -> Result<Vec<u8>> {
        self.writer.into_inner().map_err(|e| failed("finishing a Parquet file", e))
    }
}

/// The present values and the definition level of every cell (1 present, 0 missing).
fn levels<'a, T>(cells: impl Iterator<Item = &'a Value>, read: impl Fn(&Value) -> Option<T>) -> (Vec<T>, Vec<i16>) {
    let mut values = Vec::new();
    let mut defined = Vec::new();
    for cell in cells {
        match read(cell) {
            Some(value) => {
                values.push(value);
                defined.push(1);
            }
            None => defined.push(0),
        }
    }
    (values, defined)
}

/// Microseconds since the epoch of an RFC 3339 instant.
pub fn micros(text: &str) -> Option<i64> {
    crate::time::parse_instant(text).map(|t| t.as_microsecond())
}

/// Days since 1970-01-01 of `YYYY-MM-DD`.
pub fn epoch_day(text: &str) -> Option<i32> {
    let date: jiff::civil::Date = text.parse().ok()?;
    let days = date.since(jiff::civil::date(1970, 1, 1)).ok()?.get_days();
    Some(days)
}

/// The stored form of an instant given in microseconds (`…T…Z`, milliseconds).
pub fn instant_text(micros: i64) -> Option<String> {
    jiff::Timestamp::from_microsecond(micros).ok().map(crate::time::format)
}

/// The `YYYY-MM-DD` of a day since the epoch.
pub fn date_text(days: i32) -> Option<String> {
    jiff::civil::date(1970, 1, 1).checked_add(jiff::Span::new().days(i64::from(days))).ok().map(|d| d.to_string())
}

/// The columns and rows of a Parquet file (for tests and tools); instants come back in the
/// stored text form, days as `YYYY-MM-DD`.
pub fn read(bytes: Bytes) -> Result<(Vec<String>, Vec<Cells>)> {
    let mut rows = Vec::new();
    let names = rows_in(bytes, 0..usize::MAX, |_, _, row| {
        rows.push(row);
        Ok(())
    })?;
    Ok((names, rows))
}

/// How many row groups a file has (for tests and tools).
pub fn row_groups(bytes: &Bytes) -> Result<usize> {
    let reader = SerializedFileReader::new(bytes.clone()).map_err(|e| failed("opening a Parquet file", e))?;
    Ok(reader.metadata().num_row_groups())
}

/// The file's column names, and its rows whose index (from 0, across row groups) is in `range`
/// handed to `each` with the names and that index; only the row groups that hold them are
/// decoded.
pub fn rows_in(
    bytes: Bytes,
    range: std::ops::Range<usize>,
    mut each: impl FnMut(&[String], usize, Cells) -> Result<()>,
) -> Result<Vec<String>> {
    rows_where(
        bytes,
        |group| group.start < range.end && group.end > range.start,
        |names, index, cells| if range.contains(&index) { each(names, index, cells) } else { Ok(()) },
    )
}

/// The file's column names, and every row of the row groups `wanted` asks for (given the range
/// of row indices each holds) handed to `each` with the names and the row's index; the other
/// groups are not decoded.
pub fn rows_where(
    bytes: Bytes,
    mut wanted: impl FnMut(std::ops::Range<usize>) -> bool,
    mut each: impl FnMut(&[String], usize, Cells) -> Result<()>,
) -> Result<Vec<String>> {
    let reader = SerializedFileReader::new(bytes).map_err(|e| failed("opening a Parquet file", e))?;
    let names: Vec<String> =
        reader.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_owned()).collect();
    let mut first = 0usize;
    for group in 0..reader.metadata().num_row_groups() {
        let rows = usize::try_from(reader.metadata().row_group(group).num_rows()).unwrap_or(0);
        let end = first.saturating_add(rows);
        if wanted(first..end) {
            let row_group = reader.get_row_group(group).map_err(|e| failed("opening a row group", e))?;
            let iter = row_group.get_row_iter(None).map_err(|e| failed("reading Parquet rows", e))?;
            for (offset, row) in iter.enumerate() {
                let row = row.map_err(|e| failed("reading a Parquet row", e))?;
                each(&names, first + offset, row.get_column_iter().map(|(_, cell)| value_of(cell)).collect())?;
            }
        }
        first = end;
    }
    Ok(names)
}

fn value_of(cell: &Cell) -> Value {
    match cell {
        Cell::Str(s) => Value::from(s.clone()),
        Cell::Bool(b) => Value::from(*b),
        Cell::Long(n) => Value::from(*n),
        Cell::Int(n) => Value::from(*n),
        Cell::TimestampMicros(t) => instant_text(*t).map_or(Value::Null, Value::from),
        Cell::TimestampMillis(t) => instant_text(t.saturating_mul(1000)).map_or(Value::Null, Value::from),
        Cell::Date(d) => date_text(*d).map_or(Value::Null, Value::from),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn rows_written_come_back_with_their_types_and_nulls() {
        let columns = vec![
            Column::new("event_id", ColumnKind::Text),
            Column::new("event_timestamp", ColumnKind::Timestamp),
            Column::new("event_date", ColumnKind::Date),
            Column::new("count", ColumnKind::Int),
            Column::new("is_api", ColumnKind::Bool),
        ];
        let rows = vec![
            vec![json!("e1"), json!("2026-12-04T10:00:00.123Z"), json!("2026-12-04"), json!(1), json!(false)],
            vec![json!("e2 ünï"), json!("1969-12-31T23:59:59.999Z"), Value::Null, Value::Null, json!(true)],
            vec![Value::Null, json!("not a time"), json!("1970-01-01"), json!(-5), Value::Null],
        ];
        let bytes = write(&columns, &rows).unwrap();
        assert_eq!(&bytes[..4], b"PAR1");
        let (names, back) = read(Bytes::from(bytes)).unwrap();
        assert_eq!(names, ["event_id", "event_timestamp", "event_date", "count", "is_api"]);
        assert_eq!(back[0], rows[0]);
        assert_eq!(back[1], rows[1]);
        assert_eq!(back[2], vec![Value::Null, Value::Null, json!("1970-01-01"), json!(-5), Value::Null]);
        assert_eq!(epoch_day("2026-12-04"), Some(20_791));
        assert_eq!(date_text(20_791).as_deref(), Some("2026-12-04"));
    }

    #[test]
    fn many_rows_span_row_groups() {
        let columns = vec![Column::new("n", ColumnKind::Int)];
        let rows: Vec<Cells> = (0..(ROW_GROUP as i64 + 7)).map(|n| vec![json!(n)]).collect();
        let bytes = write(&columns, &rows).unwrap();
        let reader = SerializedFileReader::new(Bytes::from(bytes.clone())).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 2);
        let (_, back) = read(Bytes::from(bytes.clone())).unwrap();
        assert_eq!(back.len(), rows.len());
        assert_eq!(back.last(), rows.last());
        // A range across the groups' border decodes what it names, with the rows' own indices.
        let mut seen = Vec::new();
        let names = rows_in(Bytes::from(bytes.clone()), ROW_GROUP - 2..ROW_GROUP + 3, |_, i, row| {
            seen.push((i, row));
            Ok(())
        })
        .unwrap();
        assert_eq!(names, ["n"]);
        let expected: Vec<(usize, Cells)> = (ROW_GROUP - 2..ROW_GROUP + 3).map(|i| (i, vec![json!(i)])).collect();
        assert_eq!(seen, expected);
        let mut last = Vec::new();
        rows_in(Bytes::from(bytes.clone()), ROW_GROUP + 6..usize::MAX, |names, i, _| {
            assert_eq!(names, ["n"]);
            last.push(i);
            Ok(())
        })
        .unwrap();
        assert_eq!(last, [ROW_GROUP + 6]);
        // Only the groups asked for are decoded: the second one's 7 rows.
        let mut asked = Vec::new();
        let mut decoded = 0;
        rows_where(
            Bytes::from(bytes),
            |group| {
                asked.push(group.clone());
                group.start > 0
            },
            |_, i, _| {
                decoded += 1;
                assert!(i >= ROW_GROUP);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(asked, [0..ROW_GROUP, ROW_GROUP..ROW_GROUP + 7]);
        assert_eq!(decoded, 7);
    }

    #[test]
    fn a_file_written_a_group_at_a_time_keeps_its_groups() {
        let columns = vec![Column::new("n", ColumnKind::Int), Column::new("at", ColumnKind::Timestamp)];
        let mut writer = RowsWriter::new(&columns).unwrap();
        writer.write_group(&[vec![json!(1), json!("2026-12-04T10:00:00.000Z")]]).unwrap();
        writer.write_group(&[]).unwrap();
        writer.write_group(&[vec![json!(2), Value::Null], vec![json!(3), json!("2026-12-04T11:00:00.000Z")]]).unwrap();
        let bytes = Bytes::from(writer.finish().unwrap());
        let reader = SerializedFileReader::new(bytes.clone()).unwrap();
        assert_eq!(reader.metadata().num_row_groups(), 2);
        let (_, back) = read(bytes).unwrap();
        assert_eq!(back.iter().map(|r| r[0].clone()).collect::<Vec<_>>(), [json!(1), json!(2), json!(3)]);
        assert_eq!(back[1][1], Value::Null);
    }
}
