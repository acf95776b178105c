//! What the judge of tracked-link hits reads and writes in the log: a recipient's hits (and landing
//! pages) around a hit, the recipients who opened a blast's links in a window, and a hit's judgement.
//! A recipient's events of a day share a partition ([`crate::user_activity::partition`]), so the
//! hits around one are a Query of a few seconds of one partition.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;
use jiff::{SignedDuration, Timestamp};

use super::retry::{self, condition_failed, send, send_ok};
use super::{DynamoStore, Item, get_bool, get_s, s};
use crate::activity::{Activity, ObjectKind};
use crate::event::{EventInput, ObjectRef};
use crate::hit_judgement::SeenHit;
use crate::ids::{Id, Name};
use crate::individual::{Email, Individual};
use crate::judgement::Judgement;
use crate::user_activity::log::RowKey;
use crate::user_activity::partition;
use crate::{Error, Result, time};

/// A row of the log the judge of tracked-link hits works on.
#[derive(Debug, Clone)]
pub enum JudgedRow {
    /// A tracked-link hit.
    Hit(Box<LoggedHit>),
    /// A landing page's confirmation of the hit at `of` (the row's key).
    Landing {
        /// The hit's row.
        of: RowKey,
    },
}

/// A tracked-link hit as its row holds it.
#[derive(Debug, Clone)]
pub struct LoggedHit {
    /// Its row.
    pub key: RowKey,
    /// The planroom.
    pub planroom: Id,
    /// Its key (32 hex digits): what marks the record updates it makes.
    pub event_key: String,
    /// The recipient.
    pub individual: Individual,
    /// The blast whose link it followed.
    pub blast: Id,
    /// The hit as one captured event (job, activity, object, time).
    pub event: EventInput,
    /// How it is judged so far.
    pub judgement: Judgement,
    /// Whether it waits for the judge (the redirect judged nothing).
    pub pending: bool,
    /// When its blast was sent.
    pub sent_at: Option<Timestamp>,
}

impl LoggedHit {
    /// The hit as the judge weighs it among others.
    pub fn seen(&self) -> SeenHit {
        SeenHit {
            id: self.key.sk.clone(),
            at: self.event.at,
            link: format!(
                "{}#{}#{}",
                self.event.activity.as_str(),
                self.event.object.kind.as_str(),
                self.event.object.id
            ),
            automated: self.judgement.is_automated(),
        }
    }

    /// Its source as stored: `blast:{id}`.
    pub fn source(&self) -> String {
        format!("blast:{}", self.blast.as_str())
    }
}

/// The row `item` as the judge reads it: `None` for rows that are not its (neither a hit nor a
/// landing page), an error for a hit row it cannot read.
pub fn judged_row(item: &Item) -> Result<Option<JudgedRow>> {
    let key = super::log::row_key_of(item);
    if let Some(of) = get_s(item, "landing_of") {
        return Ok(Some(JudgedRow::Landing { of: RowKey { pk: key.pk, sk: of.to_owned() } }));
    }
    let Some(mark) = super::log::hit_mark(item) else { return Ok(None) };
    let incomplete = |what: &str| Error::internal("reading a hit", format!("its row {key:?} has no valid {what}"));
    let text = |name: &str| get_s(item, name).ok_or_else(|| incomplete(name));
    let planroom = partition::planroom_of(&key.pk).ok_or_else(|| incomplete("partition"))?;
    let blast = text("source")?.strip_prefix("blast:").ok_or_else(|| incomplete("source"))?;
    let individual = Individual {
        id: text("owner")?.to_owned(),
        email: get_s(item, "user_email").and_then(|e| Email::parse(e).ok()),
        name: Name::parse("name", get_s(item, "user_name").unwrap_or_default()).unwrap_or_default(),
        company_name: get_s(item, "company_name").and_then(|c| Name::parse("company_name", c).ok()),
    };
    let event = EventInput {
        event_id: None,
        job: Id::parse("job", text("job_id")?)?,
        activity: Activity::parse(text("event_subtype")?).ok_or_else(|| incomplete("action"))?,
        object: ObjectRef {
            kind: ObjectKind::parse(text("object_kind")?).ok_or_else(|| incomplete("target kind"))?,
            id: Id::parse("target", text("object_id")?)?,
            name: Name::parse("name", get_s(item, "object_name").unwrap_or_default()).unwrap_or_default(),
        },
        section: None,
        url: None,
        device: None,
        at: text("event_timestamp")?.parse().map_err(|_| incomplete("time"))?,
        client_time: false,
    };
    let judgement = match get_s(item, "automated_reason").filter(|_| get_bool(item, "automated")) {
        Some(reason) => Judgement::automated(reason, mark.confidence),
        None => Judgement::human(mark.confidence),
    };
    Ok(Some(JudgedRow::Hit(Box::new(LoggedHit {
        planroom,
        event_key: text("event_key")?.to_owned(),
        individual,
        blast: Id::parse("blast", blast)?,
        event,
        judgement,
        pending: mark.pending,
        sent_at: mark.sent_at,
        key,
    }))))
}

/// A recipient's log around a hit: their hits, and the hits their landing pages confirmed.
#[derive(Debug, Clone, Default)]
pub struct Around {
    /// Their hits.
    pub hits: Vec<SeenHit>,
    /// The hits (row sort keys) a landing page confirmed.
    pub confirmed: HashSet<String>,
}

/// Which link a hit row opened: its action, target kind and id.
pub fn link_of(item: &Item) -> String {
    format!(
        "{}#{}#{}",
        get_s(item, "event_subtype").unwrap_or_default(),
        get_s(item, "object_kind").unwrap_or_default(),
        get_s(item, "object_id").unwrap_or_default()
    )
}

/// A hit row as the judge weighs it.
pub fn seen_hit(item: &Item) -> Option<SeenHit> {
    Some(SeenHit {
        id: get_s(item, "sk")?.to_owned(),
        at: get_s(item, "event_timestamp")?.parse().ok()?,
        link: link_of(item),
        automated: get_bool(item, "automated"),
    })
}

impl DynamoStore {
    /// `owner`'s hits and landing pages in `planroom`'s log within `[from, to]` (the day's, or two
    /// days' when the window spans midnight, partitions of the owner; one Query each).
    pub async fn hits_around(&self, planroom: &Id, owner: &str, from: Timestamp, to: Timestamp) -> Result<Around> {
        let shard = partition::shard(owner, self.activity.shards);
        let mut days: Vec<String> = partition::days(from, to + SignedDuration::from_millis(1));
        days.dedup();
        let mut around = Around::default();
        for day in days {
            let pk = partition::pk(planroom, &day, shard);
            for item in self.window_items(&pk, from, to, "#owner = :owner", &[(":owner", owner)]).await? {
                if let Some(hit) = get_s(&item, "landing_of") {
                    around.confirmed.insert(hit.to_owned());
                } else if item.contains_key("hit")
                    && let Some(hit) = seen_hit(&item)
                {
                    around.hits.push(hit);
                }
            }
        }
        Ok(around)
    }

    /// When each recipient of the blast (`source` `blast:{id}`) opened its links within
    /// `[from, to]`: every shard of the day read side by side, hits only.
    pub async fn blast_hits(
        &self,
        planroom: &Id,
        source: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(String, Timestamp)>> {
        let days = partition::days(from, to + SignedDuration::from_millis(1));
        let shards = self.activity.shards;
        let reads = days.iter().flat_map(|day| {
            (0..shards).map(move |shard| {
                let pk = partition::pk(planroom, day, shard);
                async move {
                    self.window_items(
                        &pk,
                        from,
                        to,
                        "#source = :source AND attribute_exists(#hit)",
                        &[(":source", source)],
                    )
                    .await
                }
            })
        });
        let found = futures::future::try_join_all(reads).await?;
        Ok(found
            .into_iter()
            .flatten()
            .filter_map(|item| {
                let at = get_s(&item, "event_timestamp")?.parse().ok()?;
                Some((get_s(&item, "owner")?.to_owned(), at))
            })
            .collect())
    }

    /// A hit of the log (strongly consistent); `None` when there is no such hit.
    pub async fn logged_hit(&self, key: &RowKey) -> Result<Option<LoggedHit>> {
        Ok(match self.log_row(key).await?.as_ref().map(judged_row).transpose()?.flatten() {
            Some(JudgedRow::Hit(hit)) => Some(*hit),
            _ => None,
        })
    }

    /// A row of the log (strongly consistent).
    async fn log_row(&self, key: &RowKey) -> Result<Option<Item>> {
        let get = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(&key.pk))
            .key("sk", s(&key.sk))
            .consistent_read(true);
        Ok(send_ok("reading a hit", || get.clone().send()).await?.item)
    }

    /// Records a hit's judgement in its row, if the row is still judged as `was_automated` says:
    /// `false` when another judge changed it first (its change stands).
    pub async fn judge_row(&self, key: &RowKey, judgement: &Judgement, was_automated: bool) -> Result<bool> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&key.pk))
            .key("sk", s(&key.sk))
            .condition_expression("attribute_exists(pk) AND automated = :was")
            .expression_attribute_names("#hit", "hit")
            .expression_attribute_values(":was", AttributeValue::Bool(was_automated))
            .expression_attribute_values(":automated", AttributeValue::Bool(judgement.is_automated()))
            .expression_attribute_values(":confidence", s(judgement.confidence.as_str()))
            .expression_attribute_values(":judged", s("judged"));
        update = match &judgement.automated {
            Some(reason) => update
                .update_expression(
                    "SET automated = :automated, automated_reason = :reason, confidence = :confidence, #hit = :judged",
                )
                .expression_attribute_values(":reason", s(reason)),
            None => update.update_expression(
                "SET automated = :automated, confidence = :confidence, #hit = :judged REMOVE automated_reason",
            ),
        };
        match send("judging a hit", || update.clone().send()).await? {
            Ok(_) => Ok(true),
            Err(err) if condition_failed(&err) => Ok(false),
            Err(err) => Err(retry::broken("judging a hit", &err)),
        }
    }

    /// The items of partition `pk` with times in `[from, to]` passing `filter`.
    async fn window_items(
        &self,
        pk: &str,
        from: Timestamp,
        to: Timestamp,
        filter: &str,
        values: &[(&str, &str)],
    ) -> Result<Vec<Item>> {
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND sk BETWEEN :low AND :high")
            .filter_expression(filter)
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":low", s(time::format(from)))
            .expression_attribute_values(":high", s(format!("{}~", time::format(to))));
        for (name, value) in values {
            query = query.expression_attribute_values(*name, s(*value));
        }
        // Only the names the filter uses may be declared.
        let names: HashMap<String, String> = [("#owner", "owner"), ("#source", "source"), ("#hit", "hit")]
            .into_iter()
            .filter(|(placeholder, _)| filter.contains(placeholder))
            .map(|(p, n)| (p.to_owned(), n.to_owned()))
            .collect();
        query = query.set_expression_attribute_names(Some(names));
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let q = query.clone().set_exclusive_start_key(start.take());
            let out = send_ok("reading the log around a hit", || q.clone().send()).await?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok(items),
            }
        }
    }
}
