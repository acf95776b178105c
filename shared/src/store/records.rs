//! First-access records in DynamoDB: one item per (individual, activity, object) in the job's
//! partition, `FA#…` for people and `AUTO#…` for scanners, applied with one UpdateItem each.
//!
//! The update is an upsert: it creates the record when it does not exist (its identity, its
//! `first_at` and its index keys set `if_not_exists`, so a later update never changes them) and adds
//! its events to `count` atomically, answering the new state: under any number of concurrent
//! writers each event gets its own count, and the one that makes it 1 is the first access.
//! `last_at` only moves forward (the update is conditioned on it; an event older than it adds its
//! count without it) and `first_at` only back (a late, earlier event moves it, and the record's
//! audit index key with it). Only the record's stable attributes are projected into the indexes,
//! so a repeat writes the table item alone: 1 write unit.
//!
//! Every update is applied at most once, even when its answer is lost and it is sent again (the
//! SDK and [`super::retry`] resend after a timeout) or its stream batch is delivered again: it
//! carries a mark, eight hex digits of its first event's key (a capture's) or of its hit's key (the
//! judge's), kept in one of 16 slots of the record (`u0`…`uf`, by the key's first digit). An update
//! that finds its mark in its slot was applied before and changes nothing; taking it back clears
//! the mark, once. A slot holds the record's latest mark of its digit: a retry finds its mark
//! unless another update of the same record and digit came in between (one in 16 of the updates
//! that came in between, within the seconds a retry takes).

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, ReturnValuesOnConditionCheckFailure};
use jiff::Timestamp;

use super::retry::{self, condition_failed, item_found, send, send_ok};
use super::{DynamoStore, Item, get_n, get_s, n, s};
use crate::first_access::{Capture, ItemKey, RecordState, RecordUpdate};
use crate::records::{AccessRecord, ObjectView, SectionView};
use crate::{Error, Result, keys, time};

/// Attributes of a record that never change once it exists: the only ones its indexes hold.
pub const STABLE_ATTRIBUTES: [&str; 20] = [
    "type",
    "planroom_id",
    "job_id",
    "individual_id",
    "name",
    "email",
    "company_name",
    "activity",
    "object_kind",
    "object_id",
    "object_name",
    "section_id",
    "section_name",
    "source",
    "first_at",
    "automated",
    "automated_reason",
    "confidence",
    "device",
    "url",
];

/// What applying an update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Counted: the record's new state.
    Counted(RecordState),
    /// Counted before, and the record is gone since: nothing changed.
    AlreadyCounted,
}

/// What keeps an update from applying twice: a key of 32 hex digits, its first event's or its
/// hit's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Once<'a>(pub &'a str);

/// The slot attribute and the value a capture's mark keeps there.
fn slot(key: &str) -> (String, String) {
    let digit = key.chars().next().filter(char::is_ascii_hexdigit).unwrap_or('0');
    (format!("u{}", digit.to_ascii_lowercase()), key.chars().skip(1).take(8).collect())
}

/// Whether `found` holds the mark of `once` (the update was applied before).
fn marked(found: Option<&Item>, once: Once<'_>) -> bool {
    let Some(found) = found else { return false };
    let Once(key) = once;
    let (attribute, value) = slot(key);
    get_s(found, &attribute) == Some(value.as_str())
}

impl DynamoStore {
    /// Adds `update`'s events of `capture` to their record, creating it when needed (one
    /// UpdateItem; a second one only for an event older than the record's `last_at` or earlier than
    /// its `first_at`), at most once (`once`).
    pub async fn apply_record(&self, capture: &Capture<'_>, update: &RecordUpdate, once: Once<'_>) -> Result<Applied> {
        let base = || self.record_update(capture, update, once);
        let forward = base().update_expression(expression(capture, update, true)).condition_expression(condition(true));
        let item = match send("counting an access", || forward.clone().send()).await? {
            Ok(out) => out.attributes.unwrap_or_default(),
            Err(err) if condition_failed(&err) => {
                let found = item_found(&err);
                if marked(found.as_ref(), once) {
                    return already(found.as_ref());
                }
                // Older than the record's last access: counted, `last_at` kept.
                let late =
                    base().update_expression(expression(capture, update, false)).condition_expression(condition(false));
                match send("counting a late access", || late.clone().send()).await? {
                    Ok(out) => out.attributes.unwrap_or_default(),
                    Err(err) if condition_failed(&err) => return already(item_found(&err).as_ref()),
                    Err(err) => return Err(retry::broken("counting a late access", &err)),
                }
            }
            Err(err) => return Err(retry::broken("counting an access", &err)),
        };
        let state = state_of(&item)?;
        if update.earliest < state.first_at {
            self.move_first_at_back(capture, update).await?;
            return Ok(Applied::Counted(RecordState { first_at: update.earliest, ..state }));
        }
        Ok(Applied::Counted(state))
    }

    /// A record's count and first access, if it exists (one strongly consistent GetItem).
    pub async fn record_state(
        &self,
        planroom: &crate::ids::Id,
        job: &crate::ids::Id,
        sk: &str,
    ) -> Result<Option<RecordState>> {
        let get = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::job_pk(planroom, job)))
            .key("sk", s(sk))
            .consistent_read(true)
            .projection_expression("#count, first_at")
            .expression_attribute_names("#count", "count");
        let out = send_ok("reading a record", || get.clone().send()).await?;
        out.item.as_ref().map(state_of).transpose()
    }

    /// Takes `count` accesses back from a record (a capture that could not log its events gives
    /// back what it counted); a record left with none is deleted, as if never created. With the
    /// `mark` of the update that counted them, at most once (the mark is cleared with them).
    pub async fn withdraw_from_record(&self, key: &ItemKey, count: u64, mark: Option<&str>) -> Result<()> {
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&key.pk))
            .key("sk", s(&key.sk))
            .update_expression("ADD #count :minus")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":minus", n(-i64::try_from(count).unwrap_or(i64::MAX)))
            .return_values(ReturnValue::UpdatedNew);
        if let Some(mark) = mark {
            let (attribute, value) = slot(mark);
            update = update
                .update_expression("REMOVE #u ADD #count :minus")
                .condition_expression("#u = :u")
                .expression_attribute_names("#u", attribute)
                .expression_attribute_values(":u", s(value));
        }
        let out = match send("giving back a count", || update.clone().send()).await? {
            Ok(out) => out,
            // Given back before (the mark is gone): nothing more to do.
            Err(err) if condition_failed(&err) => return Ok(()),
            Err(err) => return Err(retry::broken("giving back a count", &err)),
        };
        if out.attributes.as_ref().is_some_and(|a| get_n(a, "count") == 0) {
            let delete = self
                .client
                .delete_item()
                .table_name(&self.table)
                .key("pk", s(&key.pk))
                .key("sk", s(&key.sk))
                .condition_expression("#count = :zero")
                .expression_attribute_names("#count", "count")
                .expression_attribute_values(":zero", n(0));
            match send("deleting an empty record", || delete.clone().send()).await? {
                Err(err) if !condition_failed(&err) => return Err(retry::broken("deleting an empty record", &err)),
                _ => {}
            }
        }
        Ok(())
    }

    /// A late event earlier than the record's first access: `first_at`, and the audit index key
    /// that sorts by it, move back to it (conditioned, so a concurrent earlier one wins).
    async fn move_first_at_back(&self, capture: &Capture<'_>, update: &RecordUpdate) -> Result<()> {
        let at = time::format(update.earliest);
        let automated = capture.judgement.is_automated();
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&update.key.pk))
            .key("sk", s(&update.key.sk))
            .update_expression("SET first_at = :at, gsi2pk = :g2pk, gsi2sk = :g2sk")
            .condition_expression("first_at > :at")
            .expression_attribute_values(":at", s(&at))
            .expression_attribute_values(":g2pk", s(keys::audit_gsi_pk(capture.planroom, &at, automated)))
            .expression_attribute_values(":g2sk", s(keys::audit_gsi_sk(&at, &update.key.pk, &update.key.sk)));
        match send("moving a first access back", || request.clone().send()).await? {
            Err(err) if !condition_failed(&err) => Err(retry::broken("moving a first access back", &err)),
            _ => Ok(()),
        }
    }

    /// The update of `update`'s record, with every value it may name (the expression picks).
    fn record_update(&self, capture: &Capture<'_>, update: &RecordUpdate, once: Once<'_>) -> UpdateItemFluentBuilder {
        let event = &capture.events[update.describing];
        let who = capture.individual;
        let automated = capture.judgement.is_automated();
        let earliest = time::format(update.earliest);
        let mut values: HashMap<String, AttributeValue> = HashMap::from([
            (":type".into(), s("first_access")),
            (":planroom".into(), s(capture.planroom.as_str())),
            (":job".into(), s(event.job.as_str())),
            (":ind".into(), s(&who.id)),
            (":name".into(), s(who.name.as_str())),
            (":activity".into(), s(event.activity.as_str())),
            (":kind".into(), s(event.object.kind.as_str())),
            (":object".into(), s(event.object.id.as_str())),
            (":object_name".into(), s(event.object.name.as_str())),
            (":source".into(), s(capture.source.as_stored())),
            (":sources".into(), AttributeValue::Ss(vec![capture.source.as_stored()])),
            (":automated".into(), AttributeValue::Bool(automated)),
            (":confidence".into(), s(capture.judgement.confidence.as_str())),
            (":first".into(), s(&earliest)),
            (":latest".into(), s(time::format(update.latest))),
            (":n".into(), n(update.added())),
            (":g1pk".into(), s(keys::object_gsi_pk(&update.key.pk, event.object.kind, &event.object.id, automated))),
            (":g1sk".into(), s(keys::object_gsi_sk(&who.id, event.activity))),
            (":g2pk".into(), s(keys::audit_gsi_pk(capture.planroom, &earliest, automated))),
            (":g2sk".into(), s(keys::audit_gsi_sk(&earliest, &update.key.pk, &update.key.sk))),
        ]);
        let mut names = HashMap::from([
            ("#type".to_owned(), "type".to_owned()),
            ("#name".to_owned(), "name".to_owned()),
            ("#count".to_owned(), "count".to_owned()),
            ("#source".to_owned(), "source".to_owned()),
        ]);
        for (name, value) in optional_values(capture, update) {
            values.insert(format!(":{name}"), s(value));
            names.insert(format!("#{name}"), name.to_owned());
        }
        let Once(key) = once;
        let (attribute, value) = slot(key);
        names.insert("#u".into(), attribute);
        values.insert(":u".into(), s(value));
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(&update.key.pk))
            .key("sk", s(&update.key.sk))
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
    }
}

/// A first-access item as the reads answer it.
pub fn access_record(item: &Item) -> AccessRecord {
    let text = |name: &str| get_s(item, name).unwrap_or_default().to_owned();
    let optional = |name: &str| get_s(item, name).filter(|v| !v.is_empty()).map(str::to_owned);
    AccessRecord {
        job_id: text("job_id"),
        individual_id: text("individual_id"),
        name: text("name"),
        email: optional("email"),
        company_name: optional("company_name"),
        activity: text("activity"),
        object: ObjectView { kind: text("object_kind"), id: text("object_id"), name: text("object_name") },
        section: optional("section_id").map(|id| SectionView { id, name: text("section_name") }),
        first_at: text("first_at"),
        last_at: text("last_at"),
        count: get_n(item, "count"),
        source: source_view(&text("source")),
        device: optional("device"),
        automated: super::get_bool(item, "automated"),
        automated_reason: optional("automated_reason"),
        confidence: optional("confidence"),
        sources: {
            // Records kept from before `sources` was kept hold their one `source`.
            let mut all: Vec<String> = match item.get("sources").map(|v| v.as_ss()) {
                Some(Ok(set)) => set.iter().map(|s| source_view(s)).collect(),
                _ => vec![source_view(&text("source"))],
            };
            all.retain(|s| !s.is_empty());
            all.sort();
            all.dedup();
            all
        },
        first_at_local: None,
        last_at_local: None,
    }
}

/// A stored source (`login`, `blast:{id}`, `client`) as shown: the blast's id for a blast.
fn source_view(stored: &str) -> String {
    stored.strip_prefix("blast:").unwrap_or(stored).to_owned()
}

/// The item of `update`'s record as its first update creates it, with `count` accesses: what bulk
/// loaders (benchmarks) put straight into the table.
pub fn record_item(capture: &Capture<'_>, update: &RecordUpdate, count: u64) -> Item {
    let event = &capture.events[update.describing];
    let who = capture.individual;
    let automated = capture.judgement.is_automated();
    let first = time::format(update.earliest);
    let mut item: Item = HashMap::from([
        ("pk".into(), s(&update.key.pk)),
        ("sk".into(), s(&update.key.sk)),
        ("type".into(), s("first_access")),
        ("planroom_id".into(), s(capture.planroom.as_str())),
        ("job_id".into(), s(event.job.as_str())),
        ("individual_id".into(), s(&who.id)),
        ("name".into(), s(who.name.as_str())),
        ("activity".into(), s(event.activity.as_str())),
        ("object_kind".into(), s(event.object.kind.as_str())),
        ("object_id".into(), s(event.object.id.as_str())),
        ("object_name".into(), s(event.object.name.as_str())),
        ("source".into(), s(capture.source.as_stored())),
        ("sources".into(), AttributeValue::Ss(vec![capture.source.as_stored()])),
        ("automated".into(), AttributeValue::Bool(automated)),
        ("confidence".into(), s(capture.judgement.confidence.as_str())),
        ("first_at".into(), s(&first)),
        ("last_at".into(), s(time::format(update.latest))),
        ("count".into(), n(count)),
        ("gsi1pk".into(), s(keys::object_gsi_pk(&update.key.pk, event.object.kind, &event.object.id, automated))),
        ("gsi1sk".into(), s(keys::object_gsi_sk(&who.id, event.activity))),
        ("gsi2pk".into(), s(keys::audit_gsi_pk(capture.planroom, &first, automated))),
        ("gsi2sk".into(), s(keys::audit_gsi_sk(&first, &update.key.pk, &update.key.sk))),
    ]);
    for (name, value) in optional_values(capture, update) {
        item.insert(name.into(), s(value));
    }
    item
}

/// The optional attributes a new record takes from its describing event (absent ones are not stored).
fn optional_values<'a>(capture: &'a Capture<'_>, update: &RecordUpdate) -> Vec<(&'static str, &'a str)> {
    let event = &capture.events[update.describing];
    let who = capture.individual;
    [
        ("email", who.email.as_ref().map(|e| e.as_str())),
        ("company_name", who.company_name.as_ref().map(|c| c.as_str())),
        ("section_id", event.section.as_ref().map(|x| x.id.as_str())),
        ("section_name", event.section.as_ref().map(|x| x.name.as_str())),
        ("url", event.url.as_deref()),
        ("device", event.device.as_deref()),
        ("automated_reason", capture.judgement.automated.as_deref()),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| (name, v)))
    .collect()
}

/// `SET … ADD …` of a record update; `forward` also moves `last_at` (its condition guards it).
fn expression(capture: &Capture<'_>, update: &RecordUpdate, forward: bool) -> String {
    let mut set: Vec<String> = [
        "#type = if_not_exists(#type, :type)",
        "planroom_id = if_not_exists(planroom_id, :planroom)",
        "job_id = if_not_exists(job_id, :job)",
        "individual_id = if_not_exists(individual_id, :ind)",
        "#name = if_not_exists(#name, :name)",
        "activity = if_not_exists(activity, :activity)",
        "object_kind = if_not_exists(object_kind, :kind)",
        "object_id = if_not_exists(object_id, :object)",
        "object_name = if_not_exists(object_name, :object_name)",
        "#source = if_not_exists(#source, :source)",
        "automated = if_not_exists(automated, :automated)",
        "confidence = if_not_exists(confidence, :confidence)",
        "first_at = if_not_exists(first_at, :first)",
        "gsi1pk = if_not_exists(gsi1pk, :g1pk)",
        "gsi1sk = if_not_exists(gsi1sk, :g1sk)",
        "gsi2pk = if_not_exists(gsi2pk, :g2pk)",
        "gsi2sk = if_not_exists(gsi2sk, :g2sk)",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    for (name, _) in optional_values(capture, update) {
        set.push(format!("#{name} = if_not_exists(#{name}, :{name})"));
    }
    if forward {
        set.push("last_at = :latest".into());
    } else {
        set.push("last_at = if_not_exists(last_at, :latest)".into());
    }
    set.push("#u = :u".into());
    format!("SET {} ADD #count :n, sources :sources", set.join(", "))
}

/// The update's condition: `last_at` not after the events (when moving it forward), and the
/// update not applied before.
fn condition(forward: bool) -> String {
    let once = "(attribute_not_exists(#u) OR #u <> :u)";
    if forward { format!("(attribute_not_exists(last_at) OR last_at <= :latest) AND {once}") } else { once.to_owned() }
}

/// What an update applied before answers: the record as it is (its count holds the update).
fn already(found: Option<&Item>) -> Result<Applied> {
    match found {
        Some(item) => Ok(Applied::Counted(state_of(item)?)),
        None => Ok(Applied::AlreadyCounted),
    }
}

/// The state a record update answered.
fn state_of(item: &Item) -> Result<RecordState> {
    let first_at = get_s(item, "first_at")
        .and_then(|t| t.parse::<Timestamp>().ok())
        .ok_or_else(|| Error::internal("reading a counted record", "it has no first_at"))?;
    Ok(RecordState { count: get_n(item, "count"), first_at })
}
