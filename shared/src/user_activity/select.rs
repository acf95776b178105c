//! Which rows, which columns, which groups: filters on any field (the same field repeated is OR,
//! different fields are AND), `fields` (the columns, in the row's order as asked), and `group_by`
//! (one item per distinct combination, with the number of rows, largest first).

use std::collections::{BTreeMap, HashMap};

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use super::device::DeviceType;
use super::fields::{self, Field, FieldKind};
use super::taxonomy::EventType;
use crate::Error;

/// A row as stored and read: field name → value (`null` or absent when unknown).
pub type Row = Map<String, Value>;

/// Query parameters of `GET /v1/user-activity` that are not filters.
pub const RESERVED: [&str; 6] = ["from", "to", "fields", "group_by", "limit", "cursor"];

/// Fields whose values are e-mail addresses, stored lower-cased and matched so.
const EMAILS: [&str; 2] = ["user_email", "user_login_email"];

/// The filters of a query: for each field, the values any of which a row must have.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters(BTreeMap<Field, Vec<Value>>);

impl Filters {
    /// From query parameters: every name but [`RESERVED`] must be a field (else a 400 naming
    /// the fields); a value must suit its field (`true`/`false`, a number, a category).
    pub fn from_query<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Self, Error> {
        let mut filters = Filters::default();
        for (name, value) in pairs {
            if RESERVED.contains(&name) {
                continue;
            }
            let field = Field::parse(name).ok_or_else(|| fields::unknown(name, "a filter"))?;
            filters.add(field, value).map_err(Error::BadRequest)?;
        }
        Ok(filters)
    }

    /// From a JSON object `{field: [values]}` (an export's `filters`); anything else is a 422.
    pub fn from_json(value: &Value) -> Result<Self, Error> {
        let object = value.as_object().ok_or_else(|| Error::validation("filters must be an object"))?;
        let mut filters = Filters::default();
        for (name, values) in object {
            let field =
                Field::parse(name).ok_or_else(|| Error::validation(fields::unknown(name, "filters").to_string()))?;
            let values = values
                .as_array()
                .filter(|v| !v.is_empty())
                .ok_or_else(|| Error::validation(format!("filters.{name} must be a non-empty array")))?;
            for value in values {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Bool(_) | Value::Number(_) => value.to_string(),
                    Value::Null => String::new(),
                    _ => return Err(Error::validation(format!("filters.{name} holds a value of no field's type"))),
                };
                filters.add(field, &text).map_err(Error::validation)?;
            }
        }
        Ok(filters)
    }

    fn add(&mut self, field: Field, raw: &str) -> Result<(), String> {
        let value = value_of(field, raw)?;
        let values = self.0.entry(field).or_default();
        if !values.contains(&value) {
            values.push(value);
        }
        Ok(())
    }

    /// Whether `row` has, for every filtered field, one of its values.
    pub fn matches(&self, row: &Row) -> bool {
        self.0.iter().all(|(field, wanted)| {
            let have = row.get(field.name()).unwrap_or(&Value::Null);
            wanted.contains(have)
        })
    }

    /// Whether nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The filtered fields.
    pub fn fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.0.keys().copied()
    }

    /// A stable text of the filters (a cursor's scope).
    pub fn describe(&self) -> String {
        self.0.iter().map(|(f, v)| format!("{}={}", f.name(), Value::from(v.clone()))).collect::<Vec<_>>().join("&")
    }
}

/// The typed value of a filter's text for `field`: empty is `null` (rows where the field is
/// unknown); booleans, numbers and categories must be valid; e-mails are matched lower-cased.
pub fn value_of(field: Field, raw: &str) -> Result<Value, String> {
    let name = field.name();
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    Ok(match field.kind() {
        FieldKind::Bool => match raw {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => return Err(format!("{name} must be true or false")),
        },
        FieldKind::Number => {
            raw.parse::<u64>().map(Value::from).map_err(|_| format!("{name} must be a whole number"))?
        }
        _ if name == "event_type" && EventType::parse(raw).is_none() => {
            let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            return Err(format!("event_type {raw:?} is not one of {}", all.join(", ")));
        }
        _ if name == "device_type" && serde_json::from_value::<DeviceType>(Value::from(raw)).is_err() => {
            return Err("device_type must be desktop, mobile, tablet, api or unknown".into());
        }
        _ if EMAILS.contains(&name) => Value::from(raw.trim().to_lowercase()),
        _ => Value::from(raw),
    })
}

/// One output row: the chosen fields in order (and `count` last in a group).
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedRow(pub Vec<(&'static str, Value)>);

impl Serialize for OrderedRow {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

/// The columns asked for (`fields=`), all by default.
#[derive(Debug, Clone, PartialEq)]
pub struct Selection(Vec<Field>);

impl Selection {
    /// `fields=a,b,c`, or every field when absent.
    pub fn parse(text: Option<&str>) -> Result<Self, Error> {
        match text {
            None => Ok(Selection(Field::all().collect())),
            Some(text) => Field::parse_list(text, "fields").map(Selection),
        }
    }

    /// The column names, in order (the CSV header).
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|f| f.name()).collect()
    }

    /// The row narrowed to the chosen columns; an unknown value is `null`.
    pub fn project(&self, row: &Row) -> OrderedRow {
        OrderedRow(self.0.iter().map(|f| (f.name(), row.get(f.name()).cloned().unwrap_or(Value::Null))).collect())
    }
}

/// `group_by=a,b`: the fields rows are counted by.
#[derive(Debug, Clone, PartialEq)]
pub struct Grouping(Vec<Field>);

/// Rows counted by group, as they are read.
#[derive(Debug, Default)]
pub struct Counter {
    groups: HashMap<String, (Vec<Value>, u64)>,
}

impl Counter {
    /// Adds the counts of `other` (rows of other partitions).
    pub fn merge(&mut self, other: Counter) {
        for (id, (key, count)) in other.groups {
            self.groups.entry(id).or_insert((key, 0)).1 += count;
        }
    }

    /// Rows counted in all groups.
    pub fn rows(&self) -> u64 {
        self.groups.values().map(|(_, n)| n).sum()
    }
}

impl Grouping {
    /// `group_by=a,b` (at least one field, each once).
    pub fn parse(text: &str) -> Result<Self, Error> {
        Field::parse_list(text, "group_by").map(Grouping)
    }

    /// The column names, then `count` (the CSV header of a grouped export).
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|f| f.name()).chain(["count"]).collect()
    }

    /// The grouped fields.
    pub fn fields(&self) -> &[Field] {
        &self.0
    }

    /// Counts `row` in its group.
    pub fn add(&self, counter: &mut Counter, row: &Row) {
        let key: Vec<Value> = self.0.iter().map(|f| row.get(f.name()).cloned().unwrap_or(Value::Null)).collect();
        let id = Value::from(key.clone()).to_string();
        counter.groups.entry(id).or_insert((key, 0)).1 += 1;
    }

    /// The groups, largest count first (ties in the order of their values).
    pub fn items(&self, counter: Counter) -> Vec<OrderedRow> {
        let mut groups: Vec<(String, Vec<Value>, u64)> =
            counter.groups.into_iter().map(|(id, (key, count))| (id, key, count)).collect();
        groups.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        groups
            .into_iter()
            .map(|(_, key, count)| {
                let mut row: Vec<(&'static str, Value)> = self.0.iter().map(|f| f.name()).zip(key).collect();
                row.push(("count", Value::from(count)));
                OrderedRow(row)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn row(value: Value) -> Row {
        value.as_object().cloned().unwrap()
    }

    fn rows() -> Vec<Row> {
        vec![
            row(
                json!({"event_type": "View", "user_email": "zoe@bidder.test", "is_api": false, "device_type": "mobile"}),
            ),
            row(
                json!({"event_type": "Download", "user_email": "zoe@bidder.test", "is_api": false, "device_type": "desktop"}),
            ),
            row(json!({"event_type": "View", "user_email": "sam@builder.test", "is_api": true, "device_type": "api"})),
            row(
                json!({"event_type": "Sign", "user_email": "sam@builder.test", "is_api": false, "user_job_title": null}),
            ),
        ]
    }

    #[test]
    fn a_field_repeated_is_or_and_different_fields_are_and() {
        let filters = Filters::from_query([
            ("event_type", "View"),
            ("event_type", "Download"),
            ("user_email", "Zoe@Bidder.test"),
            ("is_api", "false"),
            ("from", "2026-11-01"),
        ])
        .unwrap();
        let kept: Vec<_> = rows().into_iter().filter(|r| filters.matches(r)).collect();
        assert_eq!(kept, rows()[..2].to_vec());
        let empty_title = Filters::from_query([("user_job_title", "")]).unwrap();
        assert_eq!(rows().iter().filter(|r| empty_title.matches(r)).count(), 4, "empty matches unknown");
        assert!(Filters::from_query([("from", "x"), ("limit", "5")]).unwrap().is_empty());
    }

    #[test]
    fn unknown_names_and_values_of_the_wrong_type_are_refused() {
        let err = Filters::from_query([("colour", "red")]).unwrap_err();
        assert!(
            matches!(&err, Error::BadRequest(m) if m.contains("\"colour\"") && m.contains("event_timestamp")),
            "{err}"
        );
        for (name, value) in [("is_api", "yes"), ("count", "one"), ("event_type", "view"), ("device_type", "phone")] {
            assert!(matches!(Filters::from_query([(name, value)]), Err(Error::BadRequest(_))), "{name}={value}");
        }
        let json = Filters::from_json(&json!({"event_type": ["View"], "is_api": [false]})).unwrap();
        assert_eq!(rows().iter().filter(|r| json.matches(r)).count(), 1);
        for bad in [json!({"colour": ["red"]}), json!({"event_type": []}), json!({"event_type": "View"}), json!([])] {
            assert!(matches!(Filters::from_json(&bad), Err(Error::Validation(_))), "{bad}");
        }
    }

    #[test]
    fn fields_choose_the_columns_in_order_and_groups_count_their_rows() {
        let selection = Selection::parse(Some("user_email,event_type,url")).unwrap();
        let projected = serde_json::to_string(&selection.project(&rows()[0])).unwrap();
        assert_eq!(projected, r#"{"user_email":"zoe@bidder.test","event_type":"View","url":null}"#);
        assert_eq!(Selection::parse(None).unwrap().names().len(), 33);

        let grouping = Grouping::parse("event_type").unwrap();
        let mut counter = Counter::default();
        for r in rows() {
            grouping.add(&mut counter, &r);
        }
        let items = serde_json::to_value(grouping.items(counter)).unwrap();
        assert_eq!(
            items,
            json!([{"event_type": "View", "count": 2}, {"event_type": "Download", "count": 1}, {"event_type": "Sign", "count": 1}])
        );
        assert_eq!(grouping.names(), ["event_type", "count"]);
        assert!(Grouping::parse("event_type,shoe_size").is_err());
    }
}
