//! The read paths of the activity API. Each is one Query (or a few) on the table or a GSI; none
//! scans. Index pages are completed from the table (a BatchGetItem), since the indexes hold only
//! what never changes. Key design: see [`crate::keys`]. People and scanners sit in index partitions of their
//! own, so every read names which one it wants and a page of people costs only people.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::AttributeValue;

use super::batch_read::Projection;
use super::page::{self, Page, PageArgs};
use super::retry::send_ok;
use super::{DynamoStore, Item, get_s, s};
use crate::activity::ObjectKind;
use crate::coverage::BlastMember;
use crate::ids::Id;
use crate::records::{BlastView, RecipientView};
use crate::table::{MONTH_INDEX, OBJECT_INDEX};
use crate::{Result, keys};

impl DynamoStore {
    fn query_on(&self, pk_attr: &str, pk: String) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", s(pk))
    }

    /// Folds every people's (or, `automated`, scanners') first-access record of the job, or of
    /// one `individual` in it, into `fold`, read with only what a summary needs, page by page: a
    /// whole job's range is read as 16 segments side by side (by the first hex digit of the
    /// individual's id, so no individual is in two), each folded into a part of its own, and
    /// never held whole.
    pub async fn fold_records<T: Send>(
        &self,
        planroom: &Id,
        job: &Id,
        individual: Option<&str>,
        automated: bool,
        init: impl Fn() -> T + Sync,
        fold: impl Fn(&mut T, &Item) + Sync,
    ) -> Result<Vec<T>> {
        let prefix = keys::first_access_prefix(individual, automated);
        let segments: Vec<String> = match individual {
            Some(_) => vec![prefix],
            None => "0123456789abcdef".chars().map(|digit| format!("{prefix}{digit}")).collect(),
        };
        let (init, fold) = (&init, &fold);
        let reads = segments.into_iter().map(|segment| {
            let query = self
                .query_on("pk", keys::job_pk(planroom, job))
                .key_condition_expression("#pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":prefix", s(segment))
                .projection_expression(
                    "individual_id, #name, email, company_name, activity, object_kind, object_id, object_name, first_at, last_at, #count, #source, sources, automated, automated_reason",
                )
                .expression_attribute_names("#name", "name")
                .expression_attribute_names("#count", "count")
                .expression_attribute_names("#source", "source");
            Box::pin(async move {
                let mut part = init();
                let mut start = None;
                loop {
                    let page = query.clone().set_exclusive_start_key(start);
                    let out = send_ok("reading a job's first accesses", || page.clone().send()).await?;
                    for item in out.items.unwrap_or_default() {
                        fold(&mut part, &item);
                    }
                    start = out.last_evaluated_key;
                    if start.is_none() {
                        return Ok::<_, crate::Error>(part);
                    }
                }
            })
        });
        futures::future::try_join_all(reads).await
    }

    /// How many hits scanners made on each of `individuals`' links in the job: one Query of
    /// each one's automated records, side by side, `count` only.
    pub async fn automated_hits(&self, planroom: &Id, job: &Id, individuals: &[&str]) -> Result<HashMap<String, u64>> {
        let reads = individuals.iter().map(|individual| {
            let query = self
                .query_on("pk", keys::job_pk(planroom, job))
                .key_condition_expression("#pk = :pk AND begins_with(sk, :prefix)")
                .expression_attribute_values(":prefix", s(keys::first_access_prefix(Some(individual), true)))
                .projection_expression("#count")
                .expression_attribute_names("#count", "count");
            async move {
                let items = all_pages(query, "reading scanners' hits").await?;
                Ok::<_, crate::Error>(((*individual).to_owned(), items.iter().map(|i| super::get_n(i, "count")).sum()))
            }
        });
        Ok(futures::future::try_join_all(reads).await?.into_iter().collect())
    }

    /// A page of one individual's (or, with `None`, everyone's) first accesses in a job, human
    /// ones (`automated` false) or automated ones (one Query on the table).
    pub async fn accesses(
        &self,
        planroom: &Id,
        job: &Id,
        individual: Option<&str>,
        automated: bool,
        args: PageArgs,
    ) -> Result<Page> {
        let query = self
            .query_on("pk", keys::job_pk(planroom, job))
            .key_condition_expression("#pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":prefix", s(keys::first_access_prefix(individual, automated)));
        page::read(query, None, args, |_| true).await
    }

    /// A page of the (human, or `automated`) first accesses of one object (one Query on gsi1).
    pub async fn accesses_of_object(
        &self,
        planroom: &Id,
        job: &Id,
        kind: ObjectKind,
        object: &Id,
        automated: bool,
        args: PageArgs,
    ) -> Result<Page> {
        let pk = keys::object_gsi_pk(&keys::job_pk(planroom, job), kind, object, automated);
        let query = self.query_on("gsi1pk", pk);
        let page = page::read(query, Some(OBJECT_INDEX), args, |_| true).await?;
        self.with_counters(page).await
    }

    /// Everyone with a human first access to the object (gsi1's people partition, paged through).
    pub async fn accessors_of_object(
        &self,
        planroom: &Id,
        job: &Id,
        kind: ObjectKind,
        object: &Id,
    ) -> Result<HashSet<String>> {
        let pk = keys::object_gsi_pk(&keys::job_pk(planroom, job), kind, object, false);
        let query = self.query_on("gsi1pk", pk).index_name(OBJECT_INDEX).projection_expression("individual_id");
        let items = all_pages(query, "reading who accessed an object").await?;
        Ok(items.iter().filter_map(|i| get_s(i, "individual_id").map(str::to_owned)).collect())
    }

    /// Every recipient of the job's completely registered blasts, one per individual (two Queries
    /// on the table, paged through: the blasts, then the recipients).
    pub async fn recipients(&self, planroom: &Id, job: &Id) -> Result<Vec<RecipientView>> {
        let blasts: HashSet<String> = self
            .job_items(planroom, job, keys::BLAST_PREFIX, &["blast_id"])
            .await?
            .iter()
            .filter_map(|i| get_s(i, "blast_id").map(str::to_owned))
            .collect();
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for item in self
            .job_items(planroom, job, keys::RECIPIENT_PREFIX, &["individual_id", "email", "name", "blast_id"])
            .await?
        {
            let recipient = recipient_view(&item);
            if blasts.contains(&recipient.blast_id) && seen.insert(recipient.individual_id.clone()) {
                out.push(recipient);
            }
        }
        Ok(out)
    }

    /// Up to `limit` recipients of the job's completely registered blasts, one per individual, in
    /// the order of their individual ids after `after`, leaving out the individuals in `skip`;
    /// with the last one's id when more may follow. Two Queries of the job's partition (the
    /// blasts; the recipients from `after` on, read until the page is full).
    pub async fn recipients_page(
        &self,
        planroom: &Id,
        job: &Id,
        after: Option<&str>,
        limit: usize,
        skip: &HashSet<String>,
    ) -> Result<(Vec<RecipientView>, Option<String>)> {
        let blasts: HashSet<String> = self
            .job_items(planroom, job, keys::BLAST_PREFIX, &["blast_id"])
            .await?
            .iter()
            .filter_map(|i| get_s(i, "blast_id").map(str::to_owned))
            .collect();
        let pk = keys::job_pk(planroom, job);
        let query = self
            .query_on("pk", pk.clone())
            .key_condition_expression("#pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":prefix", s(keys::RECIPIENT_PREFIX))
            .projection_expression("individual_id, email, #name, blast_id")
            .expression_attribute_names("#name", "name");
        // Individual ids are all as long (hex digests): `$` sorts after every `#{blast}` of `after`.
        let mut start = after.map(|a| {
            std::collections::HashMap::from([
                ("pk".to_owned(), s(&pk)),
                ("sk".to_owned(), s(format!("{}{a}$", keys::RECIPIENT_PREFIX))),
            ])
        });
        let mut out: Vec<RecipientView> = Vec::new();
        loop {
            let page = query.clone().set_exclusive_start_key(start.take());
            let answer = send_ok("reading a job's blast recipients", || page.clone().send()).await?;
            for item in answer.items.unwrap_or_default() {
                let recipient = recipient_view(&item);
                let repeated = out.last().is_some_and(|last| last.individual_id == recipient.individual_id);
                if blasts.contains(&recipient.blast_id) && !repeated && !skip.contains(&recipient.individual_id) {
                    if out.len() == limit {
                        let last = out.last().map(|r| r.individual_id.clone());
                        return Ok((out, last));
                    }
                    out.push(recipient);
                }
            }
            match answer.last_evaluated_key {
                Some(key) => start = Some(key),
                None => return Ok((out, None)),
            }
        }
    }

    /// A job's blast heads and its recipients' `(blast, individual)`, what the blasts'
    /// engagement is computed from with the job's summaries ([`crate::engagement`]): two Queries
    /// of the job's partition, side by side, each paged through.
    pub async fn engagement_items(&self, planroom: &Id, job: &Id) -> Result<(Vec<BlastView>, Vec<(String, String)>)> {
        let (heads, members) = self.blasts_and_members(planroom, job).await?;
        Ok((heads, members.into_iter().map(|m| (m.blast_id, m.individual_id)).collect()))
    }

    /// A job's completely registered blasts and their recipients with who they are (two Queries
    /// of the job's partition, side by side, each paged through); recipients of a blast whose
    /// registration did not finish are left out.
    pub async fn blasts_and_members(&self, planroom: &Id, job: &Id) -> Result<(Vec<BlastView>, Vec<BlastMember>)> {
        // Boxed: SDK futures side by side would otherwise sit on the caller's stack.
        let blasts = ["blast_id", "name", "sent_at", "created_at", "targets", "reminder_of"];
        let members = ["individual_id", "blast_id", "name", "email", "company_name"];
        let (heads, recipients) = tokio::try_join!(
            Box::pin(self.job_items(planroom, job, keys::BLAST_PREFIX, &blasts)),
            Box::pin(self.job_items(planroom, job, keys::RECIPIENT_PREFIX, &members)),
        )?;
        let text = |item: &Item, name: &str| get_s(item, name).map(str::to_owned);
        let heads: Vec<BlastView> = heads
            .iter()
            .filter_map(|head| {
                Some(BlastView {
                    blast_id: text(head, "blast_id")?,
                    name: text(head, "name").unwrap_or_default(),
                    sent_at: text(head, "sent_at"),
                    created_at: text(head, "created_at"),
                    targets: text(head, "targets")
                        .and_then(|t| serde_json::from_str(&t).ok())
                        .unwrap_or_else(|| serde_json::json!([])),
                    reminder_of: text(head, "reminder_of"),
                })
            })
            .collect();
        let registered: HashSet<&str> = heads.iter().map(|h| h.blast_id.as_str()).collect();
        let members = recipients
            .iter()
            .filter_map(|r| {
                Some(BlastMember {
                    blast_id: text(r, "blast_id")?,
                    individual_id: text(r, "individual_id")?,
                    name: text(r, "name").unwrap_or_default(),
                    email: text(r, "email"),
                    company_name: text(r, "company_name"),
                })
            })
            .filter(|m| registered.contains(m.blast_id.as_str()))
            .collect();
        Ok((heads, members))
    }

    /// The job partition's items under a sort-key prefix, with only the `attributes` (each
    /// through a placeholder, so no reserved word gets in the way).
    async fn job_items(&self, planroom: &Id, job: &Id, prefix: &str, attributes: &[&str]) -> Result<Vec<Item>> {
        let placeholders: Vec<String> = (0..attributes.len()).map(|i| format!("#a{i}")).collect();
        let mut query = self
            .query_on("pk", keys::job_pk(planroom, job))
            .key_condition_expression("#pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":prefix", s(prefix))
            .projection_expression(placeholders.join(", "));
        for (placeholder, attribute) in placeholders.iter().zip(attributes) {
            query = query.expression_attribute_names(placeholder, *attribute);
        }
        all_pages(query, "reading a job's items").await
    }

    /// A page of the planroom's (human, or `automated`) first accesses in one month partition
    /// between `from` and `to` (stored timestamps, `to` exclusive), filtered by `keep` (one Query
    /// on gsi2).
    pub async fn audit_month(
        &self,
        planroom: &Id,
        month: &str,
        automated: bool,
        range: (&str, &str),
        args: PageArgs,
        keep: impl Fn(&Item) -> bool,
    ) -> Result<Page> {
        let query = self
            .query_on("gsi2pk", keys::audit_gsi_pk(planroom, month, automated))
            .key_condition_expression("#pk = :pk AND gsi2sk BETWEEN :from AND :to")
            .expression_attribute_values(":from", AttributeValue::S(range.0.to_owned()))
            // Sort keys are "{time}#…": everything strictly before `to` sorts below "{to}".
            .expression_attribute_values(":to", AttributeValue::S(range.1.to_owned()));
        let page = page::read(query, Some(MONTH_INDEX), args, keep).await?;
        self.with_counters(page).await
    }

    /// The page's records with what the indexes leave out (`count`, `last_at`, `sources`), read
    /// from the table: one BatchGetItem per 100 records.
    async fn with_counters(&self, mut page: Page) -> Result<Page> {
        const COUNTERS: Projection =
            Projection { expression: "pk, sk, #count, last_at, sources", names: &[("#count", "count")] };
        let keys = page.items.iter().map(|item| {
            (get_s(item, "pk").unwrap_or_default().to_owned(), get_s(item, "sk").unwrap_or_default().to_owned())
        });
        let found = self.items_at(keys, false, Some(&COUNTERS), "reading first accesses' counts").await?;
        for item in &mut page.items {
            let key =
                (get_s(item, "pk").unwrap_or_default().to_owned(), get_s(item, "sk").unwrap_or_default().to_owned());
            if let Some(counters) = found.get(&key) {
                for name in ["count", "last_at", "sources"] {
                    if let Some(value) = counters.get(name) {
                        item.insert(name.to_owned(), value.clone());
                    }
                }
            }
        }
        Ok(page)
    }
}

/// A blast recipient item as the reads answer it.
fn recipient_view(item: &Item) -> RecipientView {
    let text = |name: &str| get_s(item, name).unwrap_or_default().to_owned();
    RecipientView {
        individual_id: text("individual_id"),
        email: text("email"),
        name: text("name"),
        blast_id: text("blast_id"),
    }
}

/// Every item a Query finds, page after page.
async fn all_pages(
    query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    context: &str,
) -> Result<Vec<Item>> {
    let mut items = Vec::new();
    let mut start = None;
    loop {
        let page = query.clone().set_exclusive_start_key(start);
        let out = send_ok(context, || page.clone().send()).await?;
        items.extend(out.items.unwrap_or_default());
        start = out.last_evaluated_key;
        if start.is_none() {
            return Ok(items);
        }
    }
}
