//! The lake table's columns: the dataset's 33 fields with their types (times as UTC timestamps,
//! `event_date` as a date, flags as booleans, `count` as a bigint), then `recorded_at`, when the
//! row reached the table (the newest copy of an event wins where a replay left two). The
//! partition columns `planroom` and `day` live in the object's path, not in the file.

use serde_json::Value;

use crate::user_activity::{Field, FieldKind};

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// UTF-8 text.
    Text,
    /// A boolean.
    Bool,
    /// A 64-bit integer.
    Int,
    /// An instant, microseconds since the epoch, UTC.
    Timestamp,
    /// A calendar day.
    Date,
}

impl ColumnKind {
    /// The column type of a dataset field.
    pub fn of(kind: FieldKind) -> Self {
        match kind {
            FieldKind::Text => ColumnKind::Text,
            FieldKind::Bool => ColumnKind::Bool,
            FieldKind::Number => ColumnKind::Int,
            FieldKind::Timestamp => ColumnKind::Timestamp,
            FieldKind::Date => ColumnKind::Date,
        }
    }

    /// The Glue / Athena (Hive DDL) type name.
    pub fn glue_type(self) -> &'static str {
        match self {
            ColumnKind::Text => "string",
            ColumnKind::Bool => "boolean",
            ColumnKind::Int => "bigint",
            ColumnKind::Timestamp => "timestamp",
            ColumnKind::Date => "date",
        }
    }

    /// The Parquet physical type and logical annotation, in Parquet's message syntax.
    pub fn parquet_type(self) -> &'static str {
        match self {
            ColumnKind::Text => "BYTE_ARRAY",
            ColumnKind::Bool => "BOOLEAN",
            ColumnKind::Int => "INT64",
            ColumnKind::Timestamp => "INT64",
            ColumnKind::Date => "INT32",
        }
    }

    fn annotation(self) -> &'static str {
        match self {
            ColumnKind::Text => " (STRING)",
            ColumnKind::Timestamp => " (TIMESTAMP(MICROS,true))",
            ColumnKind::Date => " (DATE)",
            ColumnKind::Bool | ColumnKind::Int => "",
        }
    }

    /// Whether `value` (a row's JSON value) can be stored in this column; `null` always can.
    pub fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (_, Value::Null) => true,
            (ColumnKind::Text, Value::String(_)) => true,
            (ColumnKind::Bool, Value::Bool(_)) => true,
            (ColumnKind::Int, Value::Number(n)) => n.is_i64() || n.is_u64(),
            (ColumnKind::Timestamp, Value::String(s)) => crate::time::parse_instant(s).is_some(),
            (ColumnKind::Date, Value::String(s)) => s.parse::<jiff::civil::Date>().is_ok(),
            _ => false,
        }
    }
}

/// A named, typed column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Its name.
    pub name: String,
    /// Its type.
    pub kind: ColumnKind,
}

impl Column {
    /// A column.
    pub fn new(name: impl Into<String>, kind: ColumnKind) -> Self {
        Column { name: name.into(), kind }
    }
}

/// The column that says when a row reached the table.
pub const RECORDED_AT: &str = "recorded_at";

/// The partition columns, in path order.
pub const PARTITIONS: [&str; 2] = ["planroom", "day"];

/// The lake table's columns, in order: the 33 fields, then `recorded_at`.
pub fn table() -> Vec<Column> {
    Field::all()
        .map(|f| Column::new(f.name(), ColumnKind::of(f.kind())))
        .chain([Column::new(RECORDED_AT, ColumnKind::Timestamp)])
        .collect()
}

/// The Parquet schema of `columns` (every column optional).
pub fn message_type(name: &str, columns: &[Column]) -> String {
    let mut text = format!("message {name} {{\n");
    for column in columns {
        text.push_str(&format!(
            "  OPTIONAL {} {}{};\n",
            column.kind.parquet_type(),
            column.name,
            column.kind.annotation()
        ));
    }
    text.push('}');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_the_33_fields_typed_then_recorded_at() {
        let table = table();
        assert_eq!(table.len(), 34);
        let kind = |name: &str| table.iter().find(|c| c.name == name).map(|c| c.kind);
        assert_eq!(kind("event_timestamp"), Some(ColumnKind::Timestamp));
        assert_eq!(kind("user_last_login_at"), Some(ColumnKind::Timestamp));
        assert_eq!(kind("event_date"), Some(ColumnKind::Date));
        assert_eq!(kind("count"), Some(ColumnKind::Int));
        assert_eq!(kind("is_api"), Some(ColumnKind::Bool));
        assert_eq!(kind("user_email"), Some(ColumnKind::Text));
        assert_eq!(table[33].name, RECORDED_AT);
        let message = message_type("user_activity", &table);
        assert!(message.contains("OPTIONAL INT64 event_timestamp (TIMESTAMP(MICROS,true));"), "{message}");
        assert!(message.contains("OPTIONAL INT32 event_date (DATE);"), "{message}");
        assert!(ColumnKind::Timestamp.accepts(&Value::from("2026-12-04T10:00:00.000Z")));
        assert!(!ColumnKind::Timestamp.accepts(&Value::from("yesterday")));
        assert!(!ColumnKind::Int.accepts(&Value::from("1")));
    }
}
