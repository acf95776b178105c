//! The lake's bookkeeping in the table: the days of a planroom that received files since they
//! were last compacted, each with when it last did, so the compactor finds its work with one
//! Query and never takes a day that is being written to again.

use aws_sdk_dynamodb::types::AttributeValue;

use super::page::{self, PageArgs};
use super::retry::{self, send, send_ok};
use super::{DynamoStore, get_n, get_s, n, s};
use crate::ids::Id;
use crate::{Result, keys};

/// A day with files to compact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirtyDay {
    /// The planroom.
    pub planroom: Id,
    /// `YYYY-MM-DD`.
    pub day: String,
    /// When it last received a file (unix milliseconds), the mark a compaction clears.
    pub written_at: u64,
}

impl DynamoStore {
    /// Notes that `days` received files at `written_at` (unix milliseconds).
    pub async fn mark_lake_days(&self, days: &[(Id, String)], written_at: u64) -> Result<()> {
        let puts = days.iter().map(|(planroom, day)| {
            let put = self
                .client
                .put_item()
                .table_name(&self.table)
                .item("pk", s(keys::LAKE_DAYS_PK))
                .item("sk", s(keys::lake_day_sk(planroom, day)))
                .item("type", s("lake_day"))
                .item("planroom_id", s(planroom.as_str()))
                .item("day", s(day))
                .item("written_at", n(written_at));
            async move { send_ok("noting a lake day to compact", || put.clone().send()).await }
        });
        futures::future::try_join_all(puts).await?;
        Ok(())
    }

    /// The days with files to compact, oldest first.
    pub async fn dirty_lake_days(&self) -> Result<Vec<DirtyDay>> {
        let mut days = Vec::new();
        let mut start = None;
        loop {
            let query = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(keys::LAKE_DAYS_PK))
                .consistent_read(true);
            let read = page::read(query, None, PageArgs { limit: 1000, start }, |_| true).await?;
            for item in &read.items {
                let (Some(planroom), Some(day)) = (get_s(item, "planroom_id"), get_s(item, "day")) else { continue };
                let Ok(planroom) = Id::parse("planroom", planroom) else { continue };
                days.push(DirtyDay { planroom, day: day.to_owned(), written_at: get_n(item, "written_at") });
            }
            match read.next {
                Some(next) => start = Some(next),
                None => return Ok(days),
            }
        }
    }

    /// Clears a compacted day unless it received files after `day.written_at`; `false` when it
    /// did (it stays listed for the next compaction).
    pub async fn clear_lake_day(&self, day: &DirtyDay) -> Result<bool> {
        let delete = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", s(keys::LAKE_DAYS_PK))
            .key("sk", s(keys::lake_day_sk(&day.planroom, &day.day)))
            .condition_expression("written_at = :seen")
            .expression_attribute_values(":seen", AttributeValue::N(day.written_at.to_string()));
        match send("clearing a compacted lake day", || delete.clone().send()).await? {
            Ok(_) => Ok(true),
            Err(err) if retry::condition_failed(&err) => Ok(false),
            Err(err) => Err(retry::broken("clearing a compacted lake day", &err)),
        }
    }
}
