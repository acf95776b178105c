//! Blasts, their recipients, planroom settings and link-hit bursts in DynamoDB.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use futures::{StreamExt, TryStreamExt};

use super::retry::{self, send_ok};
use super::{DynamoStore, Item, get_s, n, s};
use crate::blast::{Blast, Recipient, Target};
use crate::coverage::Step;
use crate::ids::{Id, Name};
use crate::individual::{Email, Individual};
use crate::{Error, Result, budget, keys};

/// A recipient as the redirect and the contact session read it back.
#[derive(Debug, Clone)]
pub struct StoredRecipient {
    /// The recipient as an individual.
    pub individual: Individual,
}

/// What the redirect needs of a blast's head item.
#[derive(Debug, Clone, Default)]
pub struct StoredBlast {
    /// When the e-mail went out: `sent_at` as given, else when the blast was registered (the
    /// scanner rules need a send time, and a blast is sent around its registration).
    pub sent_at: Option<String>,
    /// When the blast's links stop working (unix seconds), as its registration set it; `None` for
    /// blasts registered before it was kept.
    pub links_expire_at: Option<i64>,
    /// When the blast was registered.
    pub created_at: Option<String>,
    /// The job as the blast's links carry it (`None` for blasts registered before links were sealed).
    pub job: Option<LinkJob>,
    /// Its display name.
    pub name: String,
    /// For a reminder: the blast it reminds of, and how far its recipients had not got.
    pub reminder: Option<Reminder>,
    targets: Vec<serde_json::Value>,
}

/// What makes a blast a reminder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// The blast reminded of.
    pub of: String,
    /// [`Step::Viewed`] or [`Step::Downloaded`]: its recipients had not got that far with every
    /// file of the blast reminded of.
    pub until: Step,
}

/// A blast being registered.
#[derive(Debug, Clone, Copy)]
pub struct NewBlast<'a> {
    /// Its id.
    pub id: &'a str,
    /// What was posted.
    pub blast: &'a Blast,
    /// When it was registered (stored form).
    pub created_at: &'a str,
    /// When its links stop working (unix seconds).
    pub links_expire_at: i64,
    /// The job as its links carry it.
    pub job: &'a LinkJob,
    /// For a reminder: what it reminds of.
    pub reminder: Option<&'a Reminder>,
}

/// The job as a blast's sealed links carry it: fixed when the blast was registered, so its links
/// minted again are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkJob {
    /// Its name.
    pub name: String,
    /// Its number.
    pub number: Option<String>,
    /// Whether it is a demo job.
    pub is_demo: bool,
    /// Its IANA time zone.
    pub time_zone: String,
}

impl StoredBlast {
    /// A head with these targets and nothing else (the rest set by the caller), as
    /// [`DynamoStore::put_blast`] stores them: for answering a blast just
    /// stored without reading it back.
    pub fn with_targets(targets: &[Target]) -> Self {
        StoredBlast { targets: targets.iter().map(target_json).collect(), ..StoredBlast::default() }
    }

    /// The display name the blast gave a link target.
    pub fn target_name(&self, kind: &str, id: &str) -> Option<&str> {
        self.targets.iter().find(|t| t["kind"] == kind && t["id"] == id).and_then(|t| t["name"].as_str())
    }

    /// The link targets as registered (an entry that no longer parses is left out).
    pub fn targets(&self) -> Vec<Target> {
        self.targets
            .iter()
            .filter_map(|t| {
                Some(Target {
                    kind: serde_json::from_value(t["kind"].clone()).ok()?,
                    id: Id::parse("id", t["id"].as_str()?).ok()?,
                    name: Name::parse("name", t["name"].as_str().unwrap_or_default()).unwrap_or_default(),
                    action: serde_json::from_value(t["action"].clone()).ok()?,
                    sha256: t["sha256"].as_str().map(str::to_owned),
                })
            })
            .collect()
    }
}

/// A recipient of one blast as its links name them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRecipient {
    /// The individual (the recipient sort key's part).
    pub individual_id: String,
    /// The e-mail the blast went to.
    pub email: Option<String>,
    /// The planroom's contact id, when the blast gave one.
    pub contact_id: Option<String>,
    /// The name the blast gave.
    pub name: String,
    /// The company the blast gave.
    pub company_name: Option<String>,
}

const BATCH: usize = 25;
const PARALLEL_BATCHES: usize = 8;

impl DynamoStore {
    /// Stores a blast and its recipients (BatchWriteItem, 25 items a request, a few in parallel).
    pub async fn put_blast(&self, planroom: &Id, job: &Id, new: &NewBlast<'_>) -> Result<()> {
        let NewBlast { id: blast_id, blast, created_at, links_expire_at, job: link_job, reminder } = *new;
        let job_pk = keys::job_pk(planroom, job);
        let targets: Vec<_> = blast.targets.iter().map(target_json).collect();
        let mut head: Item = HashMap::from([
            ("pk".into(), s(&job_pk)),
            ("sk".into(), s(keys::blast_sk(blast_id))),
            ("type".into(), s("blast")),
            ("blast_id".into(), s(blast_id)),
            ("job_id".into(), s(job.as_str())),
            ("name".into(), s(blast.name.as_str())),
            ("targets".into(), s(serde_json::Value::from(targets).to_string())),
            ("recipients".into(), n(blast.recipients.len())),
            ("created_at".into(), s(created_at)),
            ("links_expire_at".into(), n(links_expire_at)),
            ("job_name".into(), s(&link_job.name)),
            ("job_is_demo".into(), AttributeValue::Bool(link_job.is_demo)),
            ("job_time_zone".into(), s(&link_job.time_zone)),
        ]);
        if let Some(number) = &link_job.number {
            head.insert("job_number".into(), s(number));
        }
        if let Some(sent_at) = &blast.sent_at {
            head.insert("sent_at".into(), s(sent_at));
        }
        if let Some(reminder) = reminder {
            head.insert("reminder_of".into(), s(&reminder.of));
            head.insert("reminder_until".into(), s(reminder.until.as_str()));
        }
        let recipients: Vec<Item> =
            blast.recipients.iter().map(|r| recipient_item(&job_pk, job, blast_id, blast, r)).collect();
        let chunks: Vec<Vec<Item>> = recipients.chunks(BATCH).map(<[Item]>::to_vec).collect();
        futures::stream::iter(chunks.into_iter().map(|chunk| self.write_batch(chunk, "storing blast recipients")))
            .buffer_unordered(PARALLEL_BATCHES)
            .try_collect::<()>()
            .await?;
        // The blast exists only once every recipient is stored: reads ignore recipients of a blast
        // without its head, so a registration that failed half-way leaves nothing visible.
        self.write_batch(vec![head], "storing a blast").await
    }

    /// Puts up to 25 items in one BatchWriteItem, retrying what DynamoDB left unprocessed with
    /// backoff while the request's budget allows.
    pub(super) async fn write_batch(&self, items: Vec<Item>, context: &str) -> Result<()> {
        let mut requests: Vec<WriteRequest> = items
            .into_iter()
            .map(|item| {
                PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map(|put| WriteRequest::builder().put_request(put).build())
                    .map_err(|e| Error::internal("building a batch write", e))
            })
            .collect::<Result<_>>()?;
        for attempt in 1.. {
            let out =
                send_ok(context, || self.client.batch_write_item().request_items(&self.table, requests.clone()).send())
                    .await?;
            requests = out.unprocessed_items.and_then(|mut u| u.remove(&self.table)).unwrap_or_default();
            if requests.is_empty() {
                break;
            }
            let pause = retry::backoff(attempt);
            if budget::remaining() < pause + Duration::from_millis(50) {
                return Err(retry::out_of_time(context, "writes kept being throttled".into()));
            }
            tokio::time::sleep(pause).await;
        }
        Ok(())
    }

    /// A blast recipient (one GetItem).
    pub async fn recipient(
        &self,
        planroom: &Id,
        job: &Id,
        individual: &str,
        blast: &str,
    ) -> Result<Option<StoredRecipient>> {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::job_pk(planroom, job)))
            .key("sk", s(keys::recipient_sk(individual, blast)));
        let out = send_ok("reading a blast recipient", || request.clone().send()).await?;
        Ok(out.item.as_ref().and_then(stored_recipient))
    }

    /// A completely registered blast's send time and targets (one GetItem of its head); `None`
    /// while its registration has not finished, or never did.
    pub async fn blast(&self, planroom: &Id, job: &Id, blast: &str) -> Result<Option<StoredBlast>> {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::job_pk(planroom, job)))
            .key("sk", s(keys::blast_sk(blast)))
            .projection_expression(
                "targets, sent_at, created_at, links_expire_at, job_name, job_number, job_is_demo, job_time_zone, #name, reminder_of, reminder_until",
            )
            .expression_attribute_names("#name", "name");
        let out = send_ok("reading a blast", || request.clone().send()).await?;
        Ok(out.item.as_ref().map(|item| StoredBlast {
            sent_at: get_s(item, "sent_at").or_else(|| get_s(item, "created_at")).map(str::to_owned),
            links_expire_at: item.get("links_expire_at").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()),
            created_at: get_s(item, "created_at").map(str::to_owned),
            job: get_s(item, "job_name").map(|name| LinkJob {
                name: name.to_owned(),
                number: get_s(item, "job_number").map(str::to_owned),
                is_demo: item.get("job_is_demo").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false),
                time_zone: get_s(item, "job_time_zone").unwrap_or("UTC").to_owned(),
            }),
            name: get_s(item, "name").unwrap_or_default().to_owned(),
            reminder: get_s(item, "reminder_of").map(|of| Reminder {
                of: of.to_owned(),
                until: get_s(item, "reminder_until").and_then(Step::parse).unwrap_or(Step::Viewed),
            }),
            targets: get_s(item, "targets").and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default(),
        }))
    }

    /// Up to `limit` recipients of `blast`, in the order of their individual ids, after the
    /// individual `after` (from the first when `None`); and whether more may follow. A Query of
    /// the job's recipients (every blast's), from `after` on, keeping this blast's.
    pub async fn blast_recipients(
        &self,
        planroom: &Id,
        job: &Id,
        blast: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(Vec<LinkRecipient>, bool)> {
        let pk = keys::job_pk(planroom, job);
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :rcpt)")
            .filter_expression("blast_id = :blast")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":rcpt", s(keys::RECIPIENT_PREFIX))
            .expression_attribute_values(":blast", s(blast))
            .projection_expression("individual_id, email, contact_id, #name, company_name")
            .expression_attribute_names("#name", "name");
        let mut start = after.map(|individual| {
            HashMap::from([("pk".to_owned(), s(&pk)), ("sk".to_owned(), s(keys::recipient_sk(individual, blast)))])
        });
        let mut found = Vec::new();
        loop {
            let page = query.clone().set_exclusive_start_key(start.take());
            let out = send_ok("reading a blast's recipients", || page.clone().send()).await?;
            for item in out.items.unwrap_or_default() {
                found.push(LinkRecipient {
                    individual_id: get_s(&item, "individual_id").unwrap_or_default().to_owned(),
                    email: get_s(&item, "email").map(str::to_owned),
                    contact_id: get_s(&item, "contact_id").map(str::to_owned),
                    name: get_s(&item, "name").unwrap_or_default().to_owned(),
                    company_name: get_s(&item, "company_name").map(str::to_owned),
                });
            }
            match out.last_evaluated_key {
                Some(key) if found.len() < limit => start = Some(key),
                // Read on, or not: either way a page ends here, and more may follow.
                end => {
                    let more = end.is_some() || found.len() > limit;
                    found.truncate(limit);
                    return Ok((found, more));
                }
            }
        }
    }

    /// Registers the planroom's https base URL (one PutItem).
    pub async fn put_base_url(&self, planroom: &Id, base_url: &str, updated_at: &str) -> Result<()> {
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", s(keys::planroom_pk(planroom)))
            .item("sk", s(keys::PLANROOM_SK))
            .item("type", s("planroom"))
            .item("base_url", s(base_url))
            .item("updated_at", s(updated_at));
        send_ok("registering the planroom base URL", || request.clone().send()).await?;
        Ok(())
    }

    /// The planroom's base URL, if registered (one GetItem).
    pub async fn base_url(&self, planroom: &Id) -> Result<Option<String>> {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::planroom_pk(planroom)))
            .key("sk", s(keys::PLANROOM_SK));
        let out = send_ok("reading the planroom base URL", || request.clone().send()).await?;
        Ok(out.item.as_ref().and_then(|i| get_s(i, "base_url")).map(str::to_owned))
    }
}

/// A link target as a blast's head stores it.
fn target_json(t: &Target) -> serde_json::Value {
    let mut json = serde_json::json!({"kind": t.kind, "id": t.id, "name": t.name, "action": t.action});
    if let Some(hash) = &t.sha256 {
        json["sha256"] = serde_json::json!(hash);
    }
    json
}

fn recipient_item(job_pk: &str, job: &Id, blast_id: &str, blast: &Blast, r: &Recipient) -> Item {
    let who = &r.individual;
    let mut item: Item = HashMap::from([
        ("pk".into(), s(job_pk)),
        ("sk".into(), s(keys::recipient_sk(&who.id, blast_id))),
        ("type".into(), s("recipient")),
        ("job_id".into(), s(job.as_str())),
        ("blast_id".into(), s(blast_id)),
        ("individual_id".into(), s(&who.id)),
        ("name".into(), s(who.name.as_str())),
    ]);
    let optional = [
        ("email", who.email.as_ref().map(Email::as_str)),
        ("company_name", who.company_name.as_ref().map(Name::as_str)),
        ("contact_id", r.contact_id.as_ref().map(Id::as_str)),
        ("sent_at", blast.sent_at.as_deref()),
    ];
    for (name, value) in optional {
        if let Some(value) = value {
            item.insert(name.into(), s(value));
        }
    }
    item
}

fn stored_recipient(item: &Item) -> Option<StoredRecipient> {
    let email = Email::parse(get_s(item, "email")?).ok()?;
    let name = Name::parse("name", get_s(item, "name").unwrap_or_default()).unwrap_or_default();
    let company = get_s(item, "company_name").and_then(|c| Name::parse("company_name", c).ok());
    Some(StoredRecipient { individual: Individual::by_email(email, name, company) })
}
