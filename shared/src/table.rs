//! The single table's definition: keys, indexes, stream and TTL. The local stand-in's table is
//! created from this, and a test compares it with `infra/template.yaml`.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use serde_json::{Value, json};

use crate::store::DynamoStore;
use crate::store::records::STABLE_ATTRIBUTES;
use crate::{Error, Result};

/// The index of first accesses by object (`gsi1pk`, `gsi1sk`): who accessed a file.
pub const OBJECT_INDEX: &str = "objects";
/// The index of a planroom's first accesses by month (`gsi2pk`, `gsi2sk`): the audit.
pub const MONTH_INDEX: &str = "months";

/// The global secondary indexes, each `(name, hash attribute, range attribute)`. Each projects
/// only the records' [`STABLE_ATTRIBUTES`]: what moves on every repeat (`count`, `last_at`,
/// `sources`) is read from the table for the page shown, so a repeat writes no index.
pub const INDEXES: [(&str, &str, &str); 2] = [(OBJECT_INDEX, "gsi1pk", "gsi1sk"), (MONTH_INDEX, "gsi2pk", "gsi2sk")];
/// The attribute DynamoDB's TTL deletes expired items by (epoch seconds).
pub const TTL_ATTRIBUTE: &str = "expires_at";
/// What the table's stream carries.
pub const STREAM_VIEW: &str = "NEW_IMAGE";

/// The definition in CloudFormation's shape, for comparison with the template.
pub fn definition() -> Value {
    let mut attributes = vec![
        json!({"AttributeName": "pk", "AttributeType": "S"}),
        json!({"AttributeName": "sk", "AttributeType": "S"}),
    ];
    let mut indexes = Vec::new();
    for (name, hash, range) in INDEXES {
        attributes.push(json!({"AttributeName": hash, "AttributeType": "S"}));
        attributes.push(json!({"AttributeName": range, "AttributeType": "S"}));
        indexes.push(json!({
            "IndexName": name,
            "KeySchema": [{"AttributeName": hash, "KeyType": "HASH"}, {"AttributeName": range, "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": STABLE_ATTRIBUTES},
        }));
    }
    json!({
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        "AttributeDefinitions": attributes,
        "GlobalSecondaryIndexes": indexes,
        "StreamSpecification": {"StreamViewType": STREAM_VIEW},
        "TimeToLiveSpecification": {"AttributeName": TTL_ATTRIBUTE, "Enabled": true},
    })
}

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(|e| Error::internal("building a key schema", e))
}

fn attribute(name: &str) -> Result<AttributeDefinition> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| Error::internal("building an attribute definition", e))
}

/// Creates the table as defined here, with TTL on; a table that already exists is left alone.
pub async fn create_if_missing(store: &DynamoStore) -> Result<()> {
    let client = store.client();
    let mut create = client
        .create_table()
        .table_name(store.table())
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key("pk", KeyType::Hash)?)
        .key_schema(key("sk", KeyType::Range)?)
        .attribute_definitions(attribute("pk")?)
        .attribute_definitions(attribute("sk")?)
        .stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(STREAM_VIEW))
                .build()
                .map_err(|e| Error::internal("building the stream specification", e))?,
        );
    for (name, hash, range) in INDEXES {
        create = create.attribute_definitions(attribute(hash)?).attribute_definitions(attribute(range)?);
        create = create.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(name)
                .key_schema(key(hash, KeyType::Hash)?)
                .key_schema(key(range, KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::Include)
                        .set_non_key_attributes(Some(STABLE_ATTRIBUTES.iter().map(|a| (*a).to_owned()).collect()))
                        .build(),
                )
                .build()
                .map_err(|e| Error::internal("building an index", e))?,
        );
    }
    match create.send().await {
        Ok(_) => {}
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_in_use_exception()) => {
            return Ok(());
        }
        Err(err) => return Err(crate::store::sdk_error("creating the table", err)),
    }
    client
        .update_time_to_live()
        .table_name(store.table())
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL_ATTRIBUTE)
                .enabled(true)
                .build()
                .map_err(|e| Error::internal("building the TTL specification", e))?,
        )
        .send()
        .await
        .map_err(|e| crate::store::sdk_error("enabling TTL", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_index_attribute_is_defined_once() {
        let def = super::definition();
        let attrs = def["AttributeDefinitions"].as_array().unwrap();
        let mut names: Vec<_> = attrs.iter().map(|a| a["AttributeName"].as_str().unwrap()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), attrs.len());
        assert_eq!(def["GlobalSecondaryIndexes"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn indexes_hold_nothing_a_repeat_changes() {
        for moving in ["count", "last_at", "sources", "u0", "uf"] {
            assert!(!super::STABLE_ATTRIBUTES.contains(&moving), "{moving}");
        }
    }
}
