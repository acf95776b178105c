//! serde reads a struct from a JSON array of its fields in order (`["Job", "24-017", …]`), which
//! no client of this API means. Bodies are checked first: an object at the top, objects where
//! the service reads a struct (the list fields' items, `object`, `section`). Unknown fields are
//! ignored whatever they hold, as serde ignores them.

use serde_json::{Map, Value};

use crate::{Error, Result};

/// The list fields of every request body: arrays of objects.
pub const LIST_FIELDS: [&str; 3] = ["events", "recipients", "targets"];

/// The fields read as one struct: objects (or null).
pub const STRUCT_FIELDS: [&str; 2] = ["object", "section"];

/// Fails with 422 unless `value` is an object whose list fields hold objects and whose struct
/// fields are not arrays. Other types under known fields fail later with serde's own message.
pub fn require_objects(value: &Value) -> Result<()> {
    match value {
        Value::Object(map) => check_fields(map),
        _ => Err(Error::validation("expected a JSON object")),
    }
}

fn check_fields(map: &Map<String, Value>) -> Result<()> {
    map.iter().try_for_each(|(key, field)| match field {
        // A list of names (a webhook's `events`) is left to serde, which reads no struct from a string.
        Value::Array(items) if LIST_FIELDS.contains(&key.as_str()) => {
            items.iter().filter(|item| !item.is_string()).try_for_each(require_objects)
        }
        Value::Array(_) if STRUCT_FIELDS.contains(&key.as_str()) => {
            Err(Error::validation(format!("{key} must be an object, not an array")))
        }
        Value::Object(fields) if STRUCT_FIELDS.contains(&key.as_str()) => check_fields(fields),
        _ => Ok(()),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn structs_as_arrays_are_rejected() {
        assert!(require_objects(&json!({"name": "x", "targets": [{"kind": "file"}]})).is_ok());
        // A list of names (a webhook's events) is serde's to read or refuse.
        assert!(require_objects(&json!({"url": "https://x", "events": ["access.first"]})).is_ok());
        for bad in [
            json!(["https://evil.example"]),
            json!({"events": [["job-1", "view"]]}),
            json!({"events": [{"object": ["file", "f"]}]}),
            json!({"events": [{"section": ["s-1", "Addenda"]}]}),
            json!({"targets": [["file"]]}),
            json!("text"),
        ] {
            assert_eq!(require_objects(&bad).unwrap_err().status(), 422, "{bad}");
        }
    }

    #[test]
    fn unknown_fields_may_hold_anything() {
        let body = json!({"events": [{"job_id": "j", "tags": ["a", {"b": []}], "object": {"kind": "file", "x": [1]}}],
            "meta": [[], {}], "": [null]});
        assert!(require_objects(&body).is_ok());
    }
}
