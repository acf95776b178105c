//! A query of the lake (`POST /v1/user-activity/queries`): any window, the dataset's filters and
//! more (`in`, `not`, `contains`, ranges), columns or groups with counts and distinct counts, a
//! sort and a limit, validated here and turned into one SQL statement with positional parameters
//! (`?`). The SQL names only fixed columns; every value a caller sends, and the caller's planroom
//! (which the service sets, never the caller), reaches the engine as a parameter (Athena's
//! execution parameters, DataFusion's placeholders), never as SQL text.
//!
//! The statement reads the planroom's partitions of the window's days and filters them; a
//! replayed stream batch may have left two copies of an event before its day was compacted, so
//! rows keep the newest copy of each event and groups count distinct event ids; then it sorts and
//! limits.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::columns::{Column, ColumnKind, RECORDED_AT};
use super::layout;
use crate::ids::Id;
use crate::user_activity::select::value_of;
use crate::user_activity::{Field, FieldKind};
use crate::{Error, Result, time};

/// Rows or groups a query answers at most (its answer is held in the worker's memory; any
/// number of rows goes to a CSV with an export of the lake, streamed).
pub const MAX_LIMIT: u64 = 100_000;
/// Rows or groups a query answers when it does not say.
pub const DEFAULT_LIMIT: u64 = 10_000;
/// Longest window, in days (ten years: the lake's longest retention).
pub const MAX_DAYS: i64 = 3660;
/// Values a query may send in all (Athena takes a statement of at most 256 KB).
pub const MAX_VALUES: usize = 500;
/// Longest text value.
pub const MAX_VALUE_CHARS: usize = 500;
/// The table the statement reads (the Glue table, and locally the engine's).
pub const TABLE: &str = "user_activity";

/// A value sent to the engine as a parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Param {
    /// Text (also instants and days, cast in the SQL).
    Text(String),
    /// A whole number.
    Int(i64),
    /// A flag.
    Bool(bool),
}

impl Param {
    /// The parameter as Athena's `ExecutionParameters` take it: a literal (text quoted, quotes
    /// doubled), which Athena reads as one value, never as SQL.
    pub fn athena_literal(&self) -> String {
        match self {
            Param::Text(text) => format!("'{}'", text.replace('\'', "''")),
            Param::Int(n) => n.to_string(),
            Param::Bool(b) => b.to_string(),
        }
    }
}

/// What one field must satisfy (all its parts at once).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Condition {
    /// One of these values (`null`: unknown).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub r#in: Vec<Value>,
    /// None of these values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not: Vec<Value>,
    /// Text containing any of these, in any case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contains: Vec<String>,
    /// At least this (times, days, numbers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Value>,
    /// Less than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Value>,
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SortKey {
    /// An output column.
    pub column: String,
    /// Largest first.
    pub descending: bool,
}

/// A validated query (stored with it, so the worker runs what was validated).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LakeQuery {
    /// Start of the window (inclusive), stored form.
    pub from: String,
    /// End of the window (exclusive).
    pub to: String,
    /// Conditions by field name.
    #[serde(default)]
    pub filters: Vec<(String, Condition)>,
    /// Columns of a row query.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Grouped fields (a group query when not empty).
    #[serde(default)]
    pub group_by: Vec<String>,
    /// Fields counted distinct per group (`distinct_{field}`).
    #[serde(default)]
    pub distinct: Vec<String>,
    /// The order of the answer.
    #[serde(default)]
    pub sort: Vec<SortKey>,
    /// Rows or groups at most; 0 for all (an export of the lake, never a caller's query).
    pub limit: u64,
}

/// Field names as a list or one comma-separated text (the bodies of lake queries and of
/// User Activity exports).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Names {
    List(Vec<String>),
    Text(String),
}

impl Names {
    /// The names as one comma-separated text.
    pub fn joined(self) -> String {
        match self {
            Names::List(names) => names.join(","),
            Names::Text(text) => text,
        }
    }

    /// The names (an empty one, as in `"a,,b"` or `[]`'s absence of any, is refused by the
    /// caller as an unknown field).
    fn list(self) -> Vec<String> {
        match self {
            Names::List(names) => names,
            Names::Text(text) => text.split(',').map(|n| n.trim().to_owned()).collect(),
        }
    }
}

/// The body of `POST /v1/user-activity/queries`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryInput {
    from: String,
    to: String,
    #[serde(default)]
    filters: Option<Map<String, Value>>,
    #[serde(default)]
    fields: Option<Names>,
    #[serde(default)]
    group_by: Option<Names>,
    #[serde(default)]
    distinct: Option<Names>,
    #[serde(default)]
    sort: Option<Names>,
    #[serde(default)]
    limit: Option<u64>,
}

fn invalid(message: impl Into<String>) -> Error {
    Error::validation(message)
}

fn field(name: &str, parameter: &str) -> Result<Field> {
    Field::parse(name).ok_or_else(|| invalid(crate::user_activity::fields::unknown(name, parameter).public_message()))
}

fn names(list: Option<Names>, parameter: &str) -> Result<Vec<String>> {
    let given = list.is_some();
    let list = list.map(Names::list).unwrap_or_default();
    if given && list.is_empty() {
        return Err(invalid(format!("{parameter} names no field; leave it out instead")));
    }
    let mut seen = Vec::new();
    for name in &list {
        field(name, parameter)?;
        if seen.contains(name) {
            return Err(invalid(format!("{parameter} names {name:?} twice")));
        }
        seen.push(name.clone());
    }
    Ok(list)
}

/// A filter value as text (as a query string would carry it).
fn text_of(value: &Value, name: &str) -> Result<String> {
    match value {
        Value::String(s) if s.chars().count() <= MAX_VALUE_CHARS => Ok(s.clone()),
        Value::String(_) => {
            Err(invalid(format!("filters.{name}: a value is longer than {MAX_VALUE_CHARS} characters")))
        }
        Value::Bool(_) => Ok(value.to_string()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(value.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(invalid(format!("filters.{name} holds a value of no field's type"))),
    }
}

/// A typed value of `field` for equality (`in`, `not`).
fn typed(field: Field, value: &Value) -> Result<Value> {
    let name = field.name();
    let text = text_of(value, name)?;
    if text.is_empty() {
        return Ok(Value::Null);
    }
    match field.kind() {
        FieldKind::Timestamp => time::parse_instant(&text)
            .map(|t| Value::from(time::format(t)))
            .ok_or_else(|| invalid(format!("filters.{name} must hold RFC 3339 instants"))),
        FieldKind::Date => text
            .parse::<jiff::civil::Date>()
            .map(|d| Value::from(d.to_string()))
            .map_err(|_| invalid(format!("filters.{name} must hold dates (YYYY-MM-DD)"))),
        _ => value_of(field, &text).map_err(|m| invalid(format!("filters.{m}"))),
    }
}

/// A bound of a range on `field`.
fn bound(field: Field, value: &Value, which: &str) -> Result<Value> {
    let name = field.name();
    let wrong = || invalid(format!("filters.{name}.{which} must be {}", kind_words(field.kind())));
    match (field.kind(), value) {
        (FieldKind::Number, Value::Number(n)) if n.is_i64() => Ok(value.clone()),
        (FieldKind::Number, Value::String(s)) => s.parse::<i64>().map(Value::from).map_err(|_| wrong()),
        (FieldKind::Timestamp, Value::String(s)) => {
            time::parse_instant(s).map(|t| Value::from(time::format(t))).ok_or_else(wrong)
        }
        (FieldKind::Date, Value::String(s)) => {
            s.parse::<jiff::civil::Date>().map(|d| Value::from(d.to_string())).map_err(|_| wrong())
        }
        (FieldKind::Text | FieldKind::Bool, _) => {
            Err(invalid(format!("filters.{name}: from and to apply to times, days and numbers only")))
        }
        _ => Err(wrong()),
    }
}

fn kind_words(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Number => "a whole number",
        FieldKind::Timestamp => "an RFC 3339 instant or a date",
        FieldKind::Date => "a date (YYYY-MM-DD)",
        FieldKind::Text => "text",
        FieldKind::Bool => "true or false",
    }
}

fn condition(field: Field, value: &Value) -> Result<Condition> {
    let name = field.name();
    let list = |v: &Value, part: &str| -> Result<Vec<Value>> {
        let items = match v {
            Value::Array(items) if !items.is_empty() => items.clone(),
            _ => return Err(invalid(format!("filters.{name}.{part} must be a non-empty array of values"))),
        };
        let mut out: Vec<Value> = Vec::new();
        for item in &items {
            let value = typed(field, item)?;
            if !out.contains(&value) {
                out.push(value);
            }
        }
        Ok(out)
    };
    match value {
        Value::Array(_) => Ok(Condition { r#in: list(value, "in")?, ..Condition::default() }),
        Value::Object(parts) => {
            let mut out = Condition::default();
            if parts.is_empty() {
                return Err(invalid(format!("filters.{name} says nothing: use in, not, contains, from or to")));
            }
            for (part, v) in parts {
                match part.as_str() {
                    "in" => out.r#in = list(v, "in")?,
                    "not" => out.not = list(v, "not")?,
                    "contains" if field.kind() == FieldKind::Text => {
                        let texts = match v {
                            Value::Array(items) if !items.is_empty() => items.clone(),
                            Value::String(_) => vec![v.clone()],
                            _ => {
                                return Err(invalid(format!("filters.{name}.contains must be text or a list of text")));
                            }
                        };
                        for text in texts {
                            match text {
                                Value::String(s) if !s.is_empty() && s.chars().count() <= MAX_VALUE_CHARS => {
                                    out.contains.push(s.to_lowercase())
                                }
                                _ => {
                                    return Err(invalid(format!(
                                        "filters.{name}.contains must hold text of 1 to {MAX_VALUE_CHARS} characters"
                                    )));
                                }
                            }
                        }
                    }
                    "contains" => return Err(invalid(format!("filters.{name}: contains applies to text only"))),
                    "from" => out.from = Some(bound(field, v, "from")?),
                    "to" => out.to = Some(bound(field, v, "to")?),
                    other => {
                        return Err(invalid(format!(
                            "filters.{name}: unknown condition {other:?}; use in, not, contains, from or to"
                        )));
                    }
                }
            }
            Ok(out)
        }
        _ => Err(invalid(format!("filters.{name} must be an array of values or an object of conditions"))),
    }
}

/// The window `[from, to)` of the lake: instants or dates, `to` after `from`, from 1970, at most
/// [`MAX_DAYS`] long (each fault a 422).
pub fn window(from: &str, to: &str) -> Result<(jiff::Timestamp, jiff::Timestamp)> {
    let instant = |name: &str, text: &str| {
        time::parse_instant(text.trim())
            .ok_or_else(|| invalid(format!("{name} must be an RFC 3339 instant or a date (YYYY-MM-DD)")))
    };
    let (from, to) = (instant("from", from)?, instant("to", to)?);
    if to <= from {
        return Err(invalid("to must be after from"));
    }
    if from < jiff::Timestamp::UNIX_EPOCH || to.duration_since(from) > jiff::SignedDuration::from_hours(MAX_DAYS * 24) {
        return Err(invalid(format!("from and to must be after 1970 and at most {MAX_DAYS} days apart")));
    }
    Ok((from, to))
}

impl QueryInput {
    /// Validates the body (each fault a 422 saying what to change).
    pub fn validate(self) -> Result<LakeQuery> {
        let (from, to) = window(&self.from, &self.to)?;
        let mut filters = Vec::new();
        let mut values = 0;
        for (name, value) in self.filters.unwrap_or_default() {
            let f = field(&name, "filters")?;
            let c = condition(f, &value)?;
            values += c.r#in.len() + c.not.len() + c.contains.len() + 2;
            filters.push((name, c));
        }
        if values > MAX_VALUES {
            return Err(invalid(format!("filters hold more than {MAX_VALUES} values")));
        }
        let fields = names(self.fields, "fields")?;
        let group_by = names(self.group_by, "group_by")?;
        let distinct = names(self.distinct, "distinct")?;
        if !group_by.is_empty() && !fields.is_empty() {
            return Err(invalid("fields and group_by do not go together: a grouped answer has its groups' fields"));
        }
        if group_by.iter().any(|g| g == "count") {
            return Err(invalid("group_by cannot name count: every group has its count"));
        }
        if !distinct.is_empty() && group_by.is_empty() {
            return Err(invalid("distinct goes with group_by"));
        }
        let mut query = LakeQuery {
            from: time::format(from),
            to: time::format(to),
            filters,
            fields,
            group_by,
            distinct,
            sort: Vec::new(),
            limit: self.limit.unwrap_or(DEFAULT_LIMIT),
        };
        if query.limit == 0 || query.limit > MAX_LIMIT {
            return Err(invalid(format!("limit must be 1 to {MAX_LIMIT}")));
        }
        let output: Vec<String> = query.columns().into_iter().map(|c| c.name).collect();
        let keys = match self.sort {
            Some(Names::Text(text)) if text.chars().count() > 1000 => {
                return Err(invalid("sort is longer than 1,000 characters"));
            }
            Some(Names::List(keys)) if keys.iter().any(|k| k.chars().count() > 64) => {
                return Err(invalid("sort names a column longer than 64 characters"));
            }
            other => other.map(Names::list).unwrap_or_default(),
        };
        for key in keys.into_iter().filter(|k| !k.is_empty()) {
            let (column, descending) = match key.strip_prefix('-') {
                Some(name) => (name.to_owned(), true),
                None => (key.clone(), false),
            };
            let sortable = output.contains(&column) || (query.group_by.is_empty() && Field::parse(&column).is_some());
            if !sortable {
                return Err(invalid(format!(
                    "sort: {column:?} is not a column of the answer; sort on {}",
                    output.join(", ")
                )));
            }
            query.sort.push(SortKey { column, descending });
        }
        Ok(query)
    }
}

fn quoted(name: &str) -> String {
    format!("\"{name}\"")
}

impl LakeQuery {
    /// Whether the answer is groups.
    pub fn grouped(&self) -> bool {
        !self.group_by.is_empty()
    }

    /// The answer's columns, typed: the chosen fields (all by default), or the grouped fields,
    /// `count` and `distinct_{field}`.
    pub fn columns(&self) -> Vec<Column> {
        let of = |name: &String| {
            Column::new(name.clone(), Field::parse(name).map_or(ColumnKind::Text, |f| ColumnKind::of(f.kind())))
        };
        if self.grouped() {
            self.group_by
                .iter()
                .map(of)
                .chain([Column::new("count", ColumnKind::Int)])
                .chain(self.distinct.iter().map(|d| Column::new(format!("distinct_{d}"), ColumnKind::Int)))
                .collect()
        } else if self.fields.is_empty() {
            Field::all().map(|f| Column::new(f.name(), ColumnKind::of(f.kind()))).collect()
        } else {
            self.fields.iter().map(of).collect()
        }
    }

    /// The statement and its parameters for `planroom`'s partitions.
    pub fn sql(&self, planroom: &Id) -> (String, Vec<Param>) {
        let mut params = Vec::new();
        let mut bind = |p: Param| {
            params.push(p);
            "?".to_owned()
        };
        let first_day = self.from.get(..10).unwrap_or_default().to_owned();
        let last_day = last_day(&self.to);
        let mut predicates = vec![
            format!("planroom = {}", bind(Param::Text(layout::planroom_value(planroom)))),
            format!("day >= {}", bind(Param::Text(first_day))),
            format!("day <= {}", bind(Param::Text(last_day))),
            format!("event_timestamp >= {}", cast(bind(Param::Text(sql_instant(&self.from))), ColumnKind::Timestamp)),
            format!("event_timestamp < {}", cast(bind(Param::Text(sql_instant(&self.to))), ColumnKind::Timestamp)),
        ];
        for (name, condition) in &self.filters {
            if let Some(field) = Field::parse(name) {
                predicates.extend(condition_sql(field, condition, &mut bind));
            }
        }
        let filtered = predicates.join(" AND ");
        let order = self.order();
        let sql = if self.grouped() {
            // Copies of an event (a replayed batch not yet compacted) are the same row: counting
            // distinct event ids counts each event once, and needs no window over the rows.
            let groups: Vec<String> = self.group_by.iter().map(|g| quoted(g)).collect();
            let mut select = groups.clone();
            select.push("count(DISTINCT event_id) AS \"count\"".into());
            select.extend(self.distinct.iter().map(|d| format!("count(DISTINCT {}) AS \"distinct_{d}\"", quoted(d))));
            format!(
                "SELECT {} FROM {TABLE} WHERE {filtered} GROUP BY {} ORDER BY {order}{}",
                select.join(", "),
                groups.join(", "),
                self.limit_clause()
            )
        } else {
            // Rows keep the newest copy of each event.
            let select: Vec<String> = self.columns().iter().map(|c| quoted(&c.name)).collect();
            format!(
                "SELECT {} FROM (SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY {RECORDED_AT} DESC) \
                 AS lake_copy FROM {TABLE} WHERE {filtered}) AS rows WHERE lake_copy = 1 ORDER BY {order}{}",
                select.join(", "),
                self.limit_clause()
            )
        };
        (sql, params)
    }

    fn limit_clause(&self) -> String {
        if self.limit == 0 { String::new() } else { format!(" LIMIT {}", self.limit) }
    }

    /// The ORDER BY: the caller's keys, then a default that makes the order total enough to be
    /// the same on every engine (newest first for rows, largest first for groups).
    fn order(&self) -> String {
        let mut keys: Vec<String> = self
            .sort
            .iter()
            // Nulls last either way, as Athena orders them (DataFusion would put them first
            // when descending).
            .map(|k| format!("{} {} NULLS LAST", quoted(&k.column), if k.descending { "DESC" } else { "ASC" }))
            .collect();
        if self.grouped() {
            keys.push("\"count\" DESC".into());
            keys.extend(self.group_by.iter().map(|g| format!("{} ASC NULLS FIRST", quoted(g))));
        } else {
            keys.push("event_timestamp DESC".into());
            keys.push("event_id ASC".into());
        }
        keys.join(", ")
    }
}

/// The last UTC day a window `[from, to)` touches.
fn last_day(to: &str) -> String {
    let day = to.get(..10).unwrap_or_default().to_owned();
    if to.get(10..).is_some_and(|rest| rest == "T00:00:00.000Z") {
        return day.parse::<jiff::civil::Date>().ok().and_then(|d| d.yesterday().ok()).map_or(day, |d| d.to_string());
    }
    day
}

/// An instant as both engines cast text to a timestamp: `YYYY-MM-DD HH:MM:SS.fff` (UTC).
fn sql_instant(stored: &str) -> String {
    stored.replacen('T', " ", 1).trim_end_matches('Z').to_owned()
}

fn cast(placeholder: String, kind: ColumnKind) -> String {
    match kind {
        ColumnKind::Timestamp => format!("CAST({placeholder} AS TIMESTAMP)"),
        ColumnKind::Date => format!("CAST({placeholder} AS DATE)"),
        _ => placeholder,
    }
}

/// The parameter of a typed value of `field`.
fn param(field: Field, value: &Value) -> Param {
    match (field.kind(), value) {
        (FieldKind::Number, Value::Number(n)) => Param::Int(n.as_i64().unwrap_or(i64::MAX)),
        (FieldKind::Bool, Value::Bool(b)) => Param::Bool(*b),
        (FieldKind::Timestamp, Value::String(s)) => Param::Text(sql_instant(s)),
        (_, Value::String(s)) => Param::Text(s.clone()),
        (_, other) => Param::Text(other.to_string()),
    }
}

fn condition_sql(field: Field, condition: &Condition, bind: &mut impl FnMut(Param) -> String) -> Vec<String> {
    let column = quoted(field.name());
    let kind = ColumnKind::of(field.kind());
    let mut out = Vec::new();
    let placeholders = |values: &[Value], bind: &mut dyn FnMut(Param) -> String| -> Vec<String> {
        values.iter().filter(|v| !v.is_null()).map(|v| cast(bind(param(field, v)), kind)).collect()
    };
    if !condition.r#in.is_empty() {
        let listed = placeholders(&condition.r#in, bind);
        let mut any = Vec::new();
        if !listed.is_empty() {
            any.push(format!("{column} IN ({})", listed.join(", ")));
        }
        if condition.r#in.iter().any(Value::is_null) {
            any.push(format!("{column} IS NULL"));
        }
        out.push(format!("({})", any.join(" OR ")));
    }
    if !condition.not.is_empty() {
        let listed = placeholders(&condition.not, bind);
        let none = if listed.is_empty() { None } else { Some(format!("{column} NOT IN ({})", listed.join(", "))) };
        out.push(match (condition.not.iter().any(Value::is_null), none) {
            (true, Some(none)) => format!("({column} IS NOT NULL AND {none})"),
            (true, None) => format!("{column} IS NOT NULL"),
            (false, Some(none)) => format!("({column} IS NULL OR {none})"),
            (false, None) => "TRUE".into(),
        });
    }
    if !condition.contains.is_empty() {
        let any: Vec<String> = condition
            .contains
            .iter()
            .map(|text| format!("strpos(lower({column}), {}) > 0", bind(Param::Text(text.clone()))))
            .collect();
        out.push(format!("({})", any.join(" OR ")));
    }
    if let Some(from) = &condition.from {
        out.push(format!("{column} >= {}", cast(bind(param(field, from)), kind)));
    }
    if let Some(to) = &condition.to {
        out.push(format!("{column} < {}", cast(bind(param(field, to)), kind)));
    }
    out
}

/// The statement with `$1`, `$2`, … for `?` (DataFusion's placeholders). The statement holds no
/// text literal, so every `?` is a parameter.
pub fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    for c in sql.chars() {
        if c == '?' {
            n += 1;
            out.push_str(&format!("${n}"));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn query(body: Value) -> Result<LakeQuery> {
        serde_json::from_value::<QueryInput>(body).map_err(|e| Error::validation(e.to_string()))?.validate()
    }

    #[test]
    fn every_value_is_a_parameter_and_the_planroom_is_the_services() {
        let hostile = "x' OR 1=1 --";
        let q = query(json!({
            "from": "2026-09-01", "to": "2026-12-01",
            "filters": {
                "user_email": [hostile, "Zoe@Bidder.test", null],
                "object_name": {"contains": "Addendum", "not": [hostile]},
                "event_timestamp": {"from": "2026-09-15T00:00:00Z", "to": "2026-10-01"},
                "count": {"from": 1, "to": 5},
                "is_api": [false],
                "planroom": null
            }
        }));
        assert!(matches!(q, Err(Error::Validation(ref m)) if m.contains("\"planroom\"")), "{q:?}");
        let q = query(json!({
            "from": "2026-09-01", "to": "2026-12-01",
            "filters": {
                "user_email": [hostile, "Zoe@Bidder.test", null],
                "object_name": {"contains": "Addendum", "not": [hostile]},
                "event_timestamp": {"from": "2026-09-15T00:00:00Z", "to": "2026-10-01"},
                "count": {"from": 1, "to": 5},
                "is_api": [false]
            },
            "group_by": ["company_name", "event_type"], "distinct": "user_email"
        }))
        .unwrap();
        let (sql, params) = q.sql(&Id::parse("planroom", "p-1").unwrap());
        assert!(!sql.contains("OR 1=1") && !sql.contains('\'') && !sql.contains("p-1"), "{sql}");
        assert_eq!(sql.matches('?').count(), params.len());
        assert_eq!(params[0], Param::Text("p-1".into()));
        assert_eq!(params[1..3], [Param::Text("2026-09-01".into()), Param::Text("2026-11-30".into())]);
        assert!(params.contains(&Param::Text("zoe@bidder.test".into())));
        assert!(params.contains(&Param::Text("addendum".into())));
        assert!(params.contains(&Param::Int(5)) && params.contains(&Param::Bool(false)));
        assert!(sql.contains("(\"user_email\" IN (?, ?) OR \"user_email\" IS NULL)"), "{sql}");
        assert!(sql.contains("(\"object_name\" IS NULL OR \"object_name\" NOT IN (?))"), "{sql}");
        assert!(sql.contains("GROUP BY \"company_name\", \"event_type\""), "{sql}");
        assert!(sql.contains("count(DISTINCT \"user_email\") AS \"distinct_user_email\""), "{sql}");
        assert_eq!(Param::Text(hostile.into()).athena_literal(), "'x'' OR 1=1 --'");
        assert_eq!(numbered("a = ? AND b IN (?, ?)"), "a = $1 AND b IN ($2, $3)");
        let names: Vec<String> = q.columns().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["company_name", "event_type", "count", "distinct_user_email"]);
    }

    #[test]
    fn faults_are_422s_that_say_what_to_change() {
        for (body, says) in [
            (json!({"from": "2026-09-01", "to": "2026-08-01"}), "after"),
            (json!({"from": "1990-01-01", "to": "2026-08-01"}), "days apart"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "filters": {"colour": ["red"]}}), "colour"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "filters": {"is_api": ["yes"]}}), "true or false"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "filters": {"event_type": ["view"]}}), "event_type"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "filters": {"job_id": {"from": "a"}}}), "times, days"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "filters": {"count": {"contains": "1"}}}), "text only"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "filters": {"url": {"like": "x"}}}), "like"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "fields": ["url"], "group_by": ["url"]}), "together"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "distinct": ["url"]}), "group_by"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "group_by": ["url"], "sort": "-user_email"}), "sort"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "limit": 0}), "limit"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "group_by": ["count"]}), "count"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "fields": []}), "names no field"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "fields": "url,"}), "\"\""),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "filters": {"url": "x"}}), "array of values"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "filters": {"url": {"in": "x"}}}), "non-empty array"),
            (json!({"from": "2026-09-01", "to": "2026-10-01", "filters": {"url": [1.5]}}), "no field's type"),
        ] {
            match query(body.clone()) {
                Err(Error::Validation(message)) => assert!(message.contains(says), "{body}: {message}"),
                other => panic!("{body}: {other:?}"),
            }
        }
        let ok =
            query(json!({"from": "2026-09-01", "to": "2026-10-01T12:00:00Z", "sort": "-count,user_email"})).unwrap();
        assert_eq!(ok.columns().len(), 33);
        let (sql, params) = ok.sql(&Id::parse("planroom", "p").unwrap());
        assert!(
            sql.ends_with(
                "ORDER BY \"count\" DESC NULLS LAST, \"user_email\" ASC NULLS LAST, event_timestamp DESC, event_id ASC LIMIT 10000"
            ),
            "{sql}"
        );
        assert_eq!(params[2], Param::Text("2026-10-01".into()), "a window ending at noon reads that day");
        assert_eq!(params[4], Param::Text("2026-10-01 12:00:00.000".into()));
    }
}
