//! First-access records in DynamoDB.
//!
//! A repeat (the common case) is one conditional `UpdateItem` on the record plus one `UpdateItem`
//! on the individual's summary. A first access is a `TransactWriteItems` of the record's
//! `attribute_not_exists` put and the summary's counter increment, so exactly one writer wins and
//! the summary can never drift from the records, whatever fails or retries.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, ReturnValue, TransactWriteItem, Update};

use super::{DynamoStore, Item, get_n, get_s, n, s, sdk_error};
use crate::first_access::{Access, FirstAccessStore, Recorded};
use crate::keys;
use crate::{Error, Result};

/// How often a first access is retried after losing a transaction conflict.
const MAX_ATTEMPTS: u32 = 8;

impl FirstAccessStore for DynamoStore {
    async fn record(&self, access: &Access<'_>) -> Result<Recorded> {
        let job_pk = keys::job_pk(access.planroom, &access.event.job);
        let sk = keys::first_access_sk(
            &access.individual.id,
            access.event.activity,
            access.event.object.kind,
            &access.event.object.id,
            access.automated.is_some(),
        );
        for attempt in 0..MAX_ATTEMPTS {
            if let Some(recorded) = self.bump(&job_pk, &sk, access).await? {
                return Ok(recorded);
            }
            match self.create(&job_pk, &sk, access).await {
                Ok(recorded) => return Ok(recorded),
                Err(Created::Exists) => continue,
                Err(Created::Conflict) => tokio::time::sleep(Duration::from_millis(10 << attempt.min(5))).await,
                Err(Created::Failed(err)) => return Err(err),
            }
        }
        Err(Error::Unavailable {
            context: "recording a first access".into(),
            source: "too many concurrent writers on one record".into(),
        })
    }
}

enum Created {
    Exists,
    Conflict,
    Failed(Error),
}

impl DynamoStore {
    /// Bumps an existing record; `None` when there is none yet.
    async fn bump(&self, job_pk: &str, sk: &str, access: &Access<'_>) -> Result<Option<Recorded>> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(job_pk))
            .key("sk", s(sk))
            .update_expression("SET last_at = :at, #count = #count + :one")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":at", s(access.at))
            .expression_attribute_values(":one", n(1))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        let item = match result {
            Ok(out) => out.attributes.unwrap_or_default(),
            Err(SdkError::ServiceError(e))
                if matches!(e.err(), UpdateItemError::ConditionalCheckFailedException(_)) =>
            {
                return Ok(None);
            }
            Err(err) => return Err(sdk_error("bumping a first-access record", err)),
        };
        let summary = summary_update(&self.table, job_pk, access, false)?;
        let mut update = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(summary.key))
            .update_expression(summary.update_expression)
            .set_expression_attribute_names(summary.expression_attribute_names)
            .set_expression_attribute_values(summary.expression_attribute_values);
        if let Some(cond) = summary.condition_expression {
            update = update.condition_expression(cond);
        }
        update.send().await.map_err(|e| sdk_error("updating an individual summary", e))?;
        Ok(Some(recorded(&item, false)))
    }

    /// Creates the record and counts it in the summary, atomically.
    async fn create(&self, job_pk: &str, sk: &str, access: &Access<'_>) -> Result<Recorded, Created> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(record_item(job_pk, sk, access)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| Created::Failed(Error::internal("building a first-access put", e)))?;
        let summary = summary_update(&self.table, job_pk, access, true).map_err(Created::Failed)?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().put(put).build())
            .transact_items(TransactWriteItem::builder().update(summary).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(Recorded { first: true, first_at: access.at.to_owned(), count: 1 }),
            Err(SdkError::ServiceError(e)) => match e.err() {
                TransactWriteItemsError::TransactionCanceledException(c) => {
                    let exists = c
                        .cancellation_reasons()
                        .first()
                        .and_then(|r| r.code())
                        .is_some_and(|code| code == "ConditionalCheckFailed");
                    Err(if exists { Created::Exists } else { Created::Conflict })
                }
                _ => Err(Created::Failed(sdk_error("creating a first-access record", SdkError::ServiceError(e)))),
            },
            Err(err) => Err(Created::Failed(sdk_error("creating a first-access record", err))),
        }
    }
}

fn recorded(item: &Item, first: bool) -> Recorded {
    Recorded { first, first_at: get_s(item, "first_at").unwrap_or_default().to_owned(), count: get_n(item, "count") }
}

/// The first-access record as first written (benchmarks load data with it too).
pub fn record_item(job_pk: &str, sk: &str, access: &Access<'_>) -> Item {
    let event = access.event;
    let who = access.individual;
    let mut item: Item = HashMap::from([
        ("pk".into(), s(job_pk)),
        ("sk".into(), s(sk)),
        ("type".into(), s("first_access")),
        ("planroom_id".into(), s(access.planroom.as_str())),
        ("job_id".into(), s(event.job.as_str())),
        ("individual_id".into(), s(&who.id)),
        ("name".into(), s(who.name.as_str())),
        ("activity".into(), s(event.activity.as_str())),
        ("object_kind".into(), s(event.object.kind.as_str())),
        ("object_id".into(), s(event.object.id.as_str())),
        ("object_name".into(), s(event.object.name.as_str())),
        ("source".into(), s(access.source.as_stored())),
        ("first_at".into(), s(access.at)),
        ("last_at".into(), s(access.at)),
        ("count".into(), n(1)),
        ("automated".into(), AttributeValue::Bool(access.automated.is_some())),
        ("gsi1pk".into(), s(keys::object_gsi_pk(job_pk, event.object.kind, &event.object.id))),
        ("gsi1sk".into(), s(keys::object_gsi_sk(&who.id, event.activity))),
        ("gsi2pk".into(), s(keys::audit_gsi_pk(access.planroom, access.at))),
        ("gsi2sk".into(), s(keys::audit_gsi_sk(access.at, job_pk, sk))),
    ]);
    let optional = [
        ("email", who.email.as_ref().map(|e| e.as_str())),
        ("company_name", who.company_name.as_ref().map(|c| c.as_str())),
        ("section_id", event.section.as_ref().map(|x| x.id.as_str())),
        ("section_name", event.section.as_ref().map(|x| x.name.as_str())),
        ("url", event.url.as_deref()),
        ("device", event.device.as_deref()),
        ("automated_reason", access.automated),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            item.insert(name.into(), s(value));
        }
    }
    item
}

/// The update of the individual's summary for one access: identity, sources and last seen always;
/// the distinct-object counter only when this access is a first (`first`).
fn summary_update(table: &str, job_pk: &str, access: &Access<'_>, first: bool) -> Result<Update> {
    let who = access.individual;
    let ind_pk = keys::individuals_gsi_pk(job_pk);
    let name_sort = keys::sort_text(who.name.as_str());
    let company_sort = who.company_name.as_ref().map(|c| keys::sort_text(c.as_str())).unwrap_or_default();
    let mut names = HashMap::from([("#type".to_owned(), "type".to_owned()), ("#name".to_owned(), "name".to_owned())]);
    let mut values: HashMap<String, AttributeValue> = HashMap::from([
        (":type".into(), s("individual")),
        (":ind".into(), s(&who.id)),
        (":name".into(), s(who.name.as_str())),
        (":at".into(), s(access.at)),
        (":src".into(), AttributeValue::Ss(vec![access.source.as_stored()])),
        (":gpk".into(), s(&ind_pk)),
        (":g1sk".into(), s(format!("{name_sort}#{}", who.id))),
        (":g2sk".into(), s(format!("{}#{}", access.at, who.id))),
        (":g3sk".into(), s(format!("{company_sort}#{name_sort}#{}", who.id))),
    ]);
    // A name we do not know (an empty claim) never erases one we do.
    let name_set = if who.name.as_str().is_empty() { "if_not_exists(#name, :name)" } else { ":name" };
    let mut set = vec![
        "#type = :type".to_owned(),
        "individual_id = :ind".to_owned(),
        format!("#name = {name_set}"),
        "gsi1pk = :gpk".into(),
        "gsi2pk = :gpk".into(),
        "gsi3pk = :gpk".into(),
        format!("gsi1sk = {}", if who.name.as_str().is_empty() { "if_not_exists(gsi1sk, :g1sk)" } else { ":g1sk" }),
        "gsi2sk = if_not_exists(gsi2sk, :g2sk)".into(),
        format!("gsi3sk = {}", if who.name.as_str().is_empty() { "if_not_exists(gsi3sk, :g3sk)" } else { ":g3sk" }),
    ];
    if let Some(email) = &who.email {
        values.insert(":email".into(), s(email.as_str()));
        set.push("email = :email".into());
    }
    if let Some(company) = &who.company_name {
        values.insert(":company".into(), s(company.as_str()));
        set.push("company_name = :company".into());
    }
    let mut add = vec!["sources :src".to_owned()];
    if access.automated.is_some() {
        values.insert(":one".into(), n(1));
        set.push("auto_first_at = if_not_exists(auto_first_at, :at)".into());
        set.push("auto_last_at = :at".into());
        add.push("auto_hits :one".into());
    } else {
        set.push("first_at = if_not_exists(first_at, :at)".into());
        set.push("last_at = :at".into());
        let counter = access.event.activity.summary_counter(access.event.object.kind);
        if let (true, Some(counter)) = (first, counter) {
            names.insert("#counter".into(), counter.into());
            values.insert(":one".into(), n(1));
            add.push("#counter :one".into());
        }
    }
    Update::builder()
        .table_name(table)
        .key("pk", s(job_pk))
        .key("sk", s(keys::individual_sk(&who.id)))
        .update_expression(format!("SET {} ADD {}", set.join(", "), add.join(", ")))
        .set_expression_attribute_names(Some(names))
        .set_expression_attribute_values(Some(values))
        .build()
        .map_err(|e| Error::internal("building a summary update", e))
}
