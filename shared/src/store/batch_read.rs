//! Reading items by key, 100 a BatchGetItem, what DynamoDB leaves unprocessed read again with
//! backoff while the request's budget allows.

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::retry::{self, send_ok};
use super::{DynamoStore, Item, get_s, s};
use crate::{Error, Result, budget};

/// An item's key: `(pk, sk)`.
pub type Key = (String, String);

/// What to read of each item: a projection, with its attribute name placeholders.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    /// The expression, e.g. `"pk, sk, #count"`.
    pub expression: &'static str,
    /// Its placeholders, e.g. `[("#count", "count")]`.
    pub names: &'static [(&'static str, &'static str)],
}

impl DynamoStore {
    /// The items at `keys` that exist, by key (a key named twice is read once).
    pub(super) async fn items_at(
        &self,
        keys: impl IntoIterator<Item = Key>,
        consistent: bool,
        projection: Option<&Projection>,
        context: &str,
    ) -> Result<HashMap<Key, Item>> {
        let unique: Vec<Key> = keys.into_iter().collect::<BTreeSet<_>>().into_iter().collect();
        let mut found = HashMap::new();
        for chunk in unique.chunks(100) {
            let mut wanted: Vec<Item> = chunk
                .iter()
                .map(|(pk, sk)| HashMap::from([("pk".to_owned(), s(pk)), ("sk".to_owned(), s(sk))]))
                .collect();
            for attempt in 1.. {
                let mut request = KeysAndAttributes::builder().set_keys(Some(wanted)).consistent_read(consistent);
                if let Some(p) = projection {
                    request = request.projection_expression(p.expression);
                    for (placeholder, name) in p.names {
                        request = request.expression_attribute_names(*placeholder, *name);
                    }
                }
                let request = request.build().map_err(|e| Error::internal("building a batch read", e))?;
                let out = send_ok(context, || {
                    self.client.batch_get_item().request_items(&self.table, request.clone()).send()
                })
                .await?;
                for item in out.responses.and_then(|mut r| r.remove(&self.table)).unwrap_or_default() {
                    let key = (
                        get_s(&item, "pk").unwrap_or_default().to_owned(),
                        get_s(&item, "sk").unwrap_or_default().to_owned(),
                    );
                    found.insert(key, item);
                }
                wanted =
                    out.unprocessed_keys.and_then(|mut u| u.remove(&self.table)).map(|k| k.keys).unwrap_or_default();
                if wanted.is_empty() {
                    break;
                }
                let pause = retry::backoff(attempt);
                if budget::remaining() < pause {
                    return Err(retry::out_of_time(context, "reads kept being throttled".into()));
                }
                tokio::time::sleep(pause).await;
            }
        }
        Ok(found)
    }
}
