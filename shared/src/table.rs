//! The single table's definition: keys, indexes, stream and TTL. The local stand-in's table is
//! created from this, and a test compares it with `infra/template.yaml`.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use serde_json::{Value, json};

use crate::store::DynamoStore;
use crate::{Error, Result};

/// The global secondary indexes, each `(name, hash attribute, range attribute)`; all project every attribute.
pub const INDEXES: [(&str, &str, &str); 3] =
    [("gsi1", "gsi1pk", "gsi1sk"), ("gsi2", "gsi2pk", "gsi2sk"), ("gsi3", "gsi3pk", "gsi3sk")];
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
            "Projection": {"ProjectionType": "ALL"},
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
                .projection(Projection::builder().projection_type(ProjectionType::All).build())
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
        assert_eq!(def["GlobalSecondaryIndexes"].as_array().unwrap().len(), 3);
    }
}
