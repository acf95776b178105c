//! Pages that span several partitions read one after another (people, then scanners; one month,
//! then the next): the cursor's phase says which partition the next page starts in.

use std::collections::BTreeMap;

use shared::Result;
use shared::cursor::Cursor;
use shared::store::Item;
use shared::store::page::{Page, PageArgs};

/// Reads up to `limit` items from `phases` partitions in order, starting where `start` says;
/// `read(phase, args)` reads one page of one partition. Answers the items and where the next page
/// starts (`None` on the last page).
pub async fn read<F, Fut>(
    phases: u32,
    start: Option<Cursor>,
    limit: usize,
    mut read: F,
) -> Result<(Vec<Item>, Option<Cursor>)>
where
    F: FnMut(u32, PageArgs) -> Fut,
    Fut: Future<Output = Result<Page>>,
{
    let mut position = start.unwrap_or(Cursor { phase: 0, key: BTreeMap::new() });
    let mut items = Vec::new();
    while position.phase < phases && items.len() < limit {
        let start = Some(std::mem::take(&mut position.key)).filter(|k| !k.is_empty());
        let page = read(position.phase, PageArgs { limit: limit - items.len(), start }).await?;
        items.extend(page.items);
        match page.next {
            Some(key) => return Ok((items, Some(Cursor { phase: position.phase, key }))),
            None => position.phase += 1,
        }
    }
    let more = position.phase < phases && items.len() == limit;
    Ok((items, more.then(|| Cursor { phase: position.phase, key: BTreeMap::new() })))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Partitions of 3 and 2 items, read through `read` with pages of `limit`.
    async fn walk(limit: usize) -> Vec<Vec<String>> {
        let partitions = [vec!["a", "b", "c"], vec!["x", "y"]];
        let mut pages = Vec::new();
        let mut cursor = None;
        loop {
            let (items, next) = read(2, cursor, limit, |phase, args| {
                let partition = &partitions[phase as usize];
                let from = args.start.map_or(0, |k| k["i"].parse::<usize>().unwrap() + 1);
                let upto = (from + args.limit).min(partition.len());
                let items: Vec<Item> = partition[from..upto]
                    .iter()
                    .map(|v| Item::from([("v".to_owned(), aws_sdk_dynamodb::types::AttributeValue::S((*v).into()))]))
                    .collect();
                let next = (upto < partition.len()).then(|| BTreeMap::from([("i".to_owned(), (upto - 1).to_string())]));
                async move { Ok(Page { items, next }) }
            })
            .await
            .unwrap();
            pages.push(items.iter().map(|i| i["v"].as_s().unwrap().clone()).collect());
            match next {
                Some(next) => cursor = Some(next),
                None => return pages,
            }
        }
    }

    #[tokio::test]
    async fn pages_run_through_every_partition_once_in_order() {
        assert_eq!(walk(2).await, [vec!["a", "b"], vec!["c", "x"], vec!["y"]]);
        assert_eq!(walk(3).await, [vec!["a", "b", "c"], vec!["x", "y"]]);
        assert_eq!(walk(10).await, [vec!["a", "b", "c", "x", "y"]]);
    }
}
