//! serde reads a struct from a JSON array of its fields in order (`["Job", "24-017", …]`), which
//! no client of this API means. Bodies are checked first: objects where objects belong, and
//! arrays only under the named list fields, holding objects.

use serde_json::Value;

use crate::{Error, Result};

/// The list fields of every request body.
pub const LIST_FIELDS: [&str; 3] = ["events", "recipients", "targets"];

/// Fails with 422 unless `value` is an object whose arrays appear only under [`LIST_FIELDS`] and
/// hold only objects.
pub fn require_objects(value: &Value) -> Result<()> {
    match value {
        Value::Object(map) => map.iter().try_for_each(|(key, field)| match field {
            Value::Array(items) if LIST_FIELDS.contains(&key.as_str()) => items.iter().try_for_each(require_objects),
            Value::Array(_) => Err(Error::validation(format!("{key} must not be an array"))),
            Value::Object(_) => require_objects(field),
            _ => Ok(()),
        }),
        _ => Err(Error::validation("expected a JSON object")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn structs_as_arrays_are_rejected() {
        assert!(require_objects(&json!({"name": "x", "targets": [{"kind": "file"}]})).is_ok());
        for bad in [
            json!(["https://evil.example"]),
            json!({"events": [["job-1", "view"]]}),
            json!({"events": [{"object": ["file", "f"]}]}),
            json!({"name": ["a"]}),
            json!("text"),
        ] {
            assert_eq!(require_objects(&bad).unwrap_err().status(), 422, "{bad}");
        }
    }
}
