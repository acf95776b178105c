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
    let schema = parquet::schema::parser::parse_message_type(&message_type("rows", columns))
        .map_err(|e| failed("building a Parquet schema", e))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).map_err(|e| failed("zstd level", e))?))
        .set_max_row_group_row_count(Some(ROW_GROUP))
        .set_created_by("planroom-activity".into())
        .build();
    let mut writer = SerializedFileWriter::new(Vec::new(), Arc::new(schema), Arc::new(properties))
        .map_err(|e| failed("starting a Parquet file", e))?;
    for group in rows.chunks(ROW_GROUP.max(1)) {
        let mut row_group = writer.next_row_group().map_err(|e| failed("starting a row group", e))?;
        let mut index = 0;
        while let Some(mut column) = row_group.next_column().map_err(|e| failed("starting a column", e))? {
            let kind = columns.get(index).map(|c| c.kind).unwrap_or(ColumnKind::Text);
            let cells = group.iter().map(|row| row.get(index).unwrap_or(&Value::Null));
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
    }
    writer.into_inner().map_err(|e| failed("finishing a Parquet file", e))
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

/// The columns and rows of a Parquet file (for compaction and tests); instants come back in the
/// stored text form, days as `YYYY-MM-DD`.
pub fn read(bytes: Bytes) -> Result<(Vec<String>, Vec<Cells>)> {
    let reader = SerializedFileReader::new(bytes).map_err(|e| failed("opening a Parquet file", e))?;
    let names: Vec<String> =
        reader.metadata().file_metadata().schema_descr().columns().iter().map(|c| c.name().to_owned()).collect();
    let mut rows = Vec::new();
    for row in reader.get_row_iter(None).map_err(|e| failed("reading Parquet rows", e))? {
        let row = row.map_err(|e| failed("reading a Parquet row", e))?;
        rows.push(row.get_column_iter().map(|(_, cell)| value_of(cell)).collect());
    }
    Ok((names, rows))
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
        let (_, back) = read(Bytes::from(bytes)).unwrap();
        assert_eq!(back.len(), rows.len());
        assert_eq!(back.last(), rows.last());
    }
}
