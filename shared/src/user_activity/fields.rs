//! The row's fields: one name each in the API, in filters, in `fields` and `group_by`, and as CSV
//! headers, always in this order.

use crate::Error;

/// What a field holds, which says how a filter value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// A string.
    Text,
    /// `true` or `false`.
    Bool,
    /// A whole number.
    Number,
    /// An RFC 3339 instant (UTC, milliseconds).
    Timestamp,
    /// A calendar day, `YYYY-MM-DD`.
    Date,
}

/// One field of the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Field {
    /// Its position in [`FIELDS`].
    index: usize,
}

const F: &[(&str, FieldKind)] = &[
    ("event_id", FieldKind::Text),
    ("event_timestamp", FieldKind::Timestamp),
    ("event_date", FieldKind::Date),
    ("event_type", FieldKind::Text),
    ("event_name", FieldKind::Text),
    ("event_subtype", FieldKind::Text),
    ("tool_name", FieldKind::Text),
    ("count", FieldKind::Number),
    ("object_kind", FieldKind::Text),
    ("object_id", FieldKind::Text),
    ("object_name", FieldKind::Text),
    ("url", FieldKind::Text),
    ("device_type", FieldKind::Text),
    ("is_api", FieldKind::Bool),
    ("company_name", FieldKind::Text),
    ("job_id", FieldKind::Text),
    ("job_name", FieldKind::Text),
    ("job_number", FieldKind::Text),
    ("job_is_demo", FieldKind::Bool),
    ("user_id", FieldKind::Text),
    ("user_email", FieldKind::Text),
    ("user_login_email", FieldKind::Text),
    ("user_name", FieldKind::Text),
    ("user_role", FieldKind::Text),
    ("user_type", FieldKind::Text),
    ("user_job_title", FieldKind::Text),
    ("user_default_permission_template", FieldKind::Text),
    ("user_is_active", FieldKind::Bool),
    ("user_is_authorized_bidder", FieldKind::Bool),
    ("user_last_login_at", FieldKind::Timestamp),
    ("source", FieldKind::Text),
    ("automated", FieldKind::Bool),
    ("automated_reason", FieldKind::Text),
];

/// Every field name, in the row's order.
pub const FIELDS: [&str; 33] = {
    let mut names = [""; 33];
    let mut i = 0;
    while i < 33 {
        names[i] = F[i].0;
        i += 1;
    }
    names
};

impl Field {
    /// Every field, in order.
    pub fn all() -> impl Iterator<Item = Field> {
        (0..F.len()).map(|index| Field { index })
    }

    /// The field called `name` (exactly).
    pub fn parse(name: &str) -> Option<Field> {
        F.iter().position(|(n, _)| *n == name).map(|index| Field { index })
    }

    /// A comma-separated list of field names (`fields=`, `group_by=`), each at most once; an
    /// unknown or repeated name is a 400 naming the allowed ones.
    pub fn parse_list(text: &str, parameter: &str) -> Result<Vec<Field>, Error> {
        let mut out: Vec<Field> = Vec::new();
        for name in text.split(',').map(str::trim) {
            let field = Field::parse(name).ok_or_else(|| unknown(name, parameter))?;
            if out.contains(&field) {
                return Err(Error::BadRequest(format!("{parameter} names {name:?} twice")));
            }
            out.push(field);
        }
        Ok(out)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        F[self.index].0
    }

    /// What it holds.
    pub fn kind(self) -> FieldKind {
        F[self.index].1
    }
}

/// The 400 of a name that is not a field.
pub fn unknown(name: &str, parameter: &str) -> Error {
    Error::BadRequest(format!("unknown field {name:?} in {parameter}; the fields are {}", FIELDS.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_33_fields_are_in_the_issues_order_and_lists_refuse_unknown_or_repeated_names() {
        assert_eq!(FIELDS.len(), 33);
        assert_eq!(FIELDS[0], "event_id");
        assert_eq!(FIELDS[32], "automated_reason");
        assert_eq!(Field::all().map(Field::name).collect::<Vec<_>>(), FIELDS);
        let list = Field::parse_list("user_email, event_type", "fields").unwrap();
        assert_eq!(list.iter().map(|f| f.name()).collect::<Vec<_>>(), ["user_email", "event_type"]);
        assert_eq!(Field::parse("is_api").unwrap().kind(), FieldKind::Bool);
        let err = Field::parse_list("event_type,colour", "group_by").unwrap_err().to_string();
        assert!(err.contains("\"colour\"") && err.contains("group_by") && err.contains("user_last_login_at"), "{err}");
        assert!(Field::parse_list("event_type,event_type", "fields").is_err());
        assert!(Field::parse_list("", "fields").is_err());
    }
}
