//! One page of a Query: DynamoDB pages are read until `limit` items pass the filter, and the next
//! page starts right after the last item returned (not after the last item read), so a filtered
//! read never skips or repeats an item.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

use super::retry::send_ok;
use super::{Item, get_s};
use crate::Result;

/// Items of one page and where the next one starts.
#[derive(Debug, Default)]
pub struct Page {
    /// At most `limit` items that passed the filter.
    pub items: Vec<Item>,
    /// Start key of the next page (string attributes), `None` on the last page.
    pub next: Option<BTreeMap<String, String>>,
}

/// Which page to read: at most `limit` items from `start` (the first page when `None`).
#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    /// Most items to return.
    pub limit: usize,
    /// Start key from a cursor.
    pub start: Option<BTreeMap<String, String>>,
}

/// The key attributes of the table and of each index, as a page's start key needs them.
pub fn key_attributes(index: Option<&str>) -> &'static [&'static str] {
    match index {
        Some(crate::table::OBJECT_INDEX) => &["pk", "sk", "gsi1pk", "gsi1sk"],
        Some(crate::table::MONTH_INDEX) => &["pk", "sk", "gsi2pk", "gsi2sk"],
        _ => &["pk", "sk"],
    }
}

fn start_key(item: &Item, attributes: &[&str]) -> BTreeMap<String, String> {
    attributes.iter().filter_map(|a| get_s(item, a).map(|v| ((*a).to_owned(), v.to_owned()))).collect()
}

/// Reads one page of `query` (a Query on the table or on `index`) starting at `start`.
pub async fn read(
    query: QueryFluentBuilder,
    index: Option<&str>,
    args: PageArgs,
    keep: impl Fn(&Item) -> bool,
) -> Result<Page> {
    let PageArgs { limit, start } = args;
    let attributes = key_attributes(index);
    let mut items = Vec::new();
    let mut start: Option<HashMap<String, AttributeValue>> =
        start.map(|k| k.into_iter().map(|(n, v)| (n, AttributeValue::S(v))).collect());
    // One extra item tells whether another page follows without an empty last page.
    let batch = i32::try_from(limit.saturating_add(1).min(1000)).unwrap_or(1000);
    loop {
        let mut q = query.clone().set_exclusive_start_key(start.take()).limit(batch);
        if let Some(index) = index {
            q = q.index_name(index);
        }
        let out = send_ok("reading a page", || q.clone().send()).await?;
        for item in out.items.unwrap_or_default() {
            if !keep(&item) {
                continue;
            }
            if items.len() == limit {
                let last = items.last().map(|l| start_key(l, attributes));
                return Ok(Page { items, next: last });
            }
            items.push(item);
        }
        match out.last_evaluated_key {
            Some(key) => start = Some(key),
            None => return Ok(Page { items, next: None }),
        }
    }
}
