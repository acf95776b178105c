//! The read paths of the activity API. Each is one Query (or a few) on the table or a GSI; none
//! scans. Key design: see [`crate::keys`]. People and scanners sit in index partitions of their
//! own, so every read names which one it wants and a page of people costs only people.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::AttributeValue;

use super::page::{self, Page, PageArgs};
use super::retry::send_ok;
use super::{DynamoStore, Item, get_s, s};
use crate::activity::ObjectKind;
use crate::ids::Id;
use crate::records::RecipientView;
use crate::{Result, keys};

/// How the job's individuals are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndividualOrder {
    /// By name (gsi1).
    Name,
    /// By company, then name (gsi3).
    Company,
    /// By first access (gsi2).
    FirstAt,
}

impl IndividualOrder {
    /// Parses `sort=name|company|first_at`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "name" => Some(IndividualOrder::Name),
            "company" => Some(IndividualOrder::Company),
            "first_at" => Some(IndividualOrder::FirstAt),
            _ => None,
        }
    }

    fn index(self) -> &'static str {
        match self {
            IndividualOrder::Name => "gsi1",
            IndividualOrder::FirstAt => "gsi2",
            IndividualOrder::Company => "gsi3",
        }
    }
}

impl DynamoStore {
    fn query_on(&self, pk_attr: &str, pk: String) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", pk_attr)
            .expression_attribute_values(":pk", s(pk))
    }

    /// A page of the job's individuals (one Query on a GSI): people with a human access, or
    /// (`automated`) those only scanners touched.
    pub async fn individuals(
        &self,
        planroom: &Id,
        job: &Id,
        order: IndividualOrder,
        automated: bool,
        args: PageArgs,
    ) -> Result<Page> {
        let index = order.index();
        let pk = keys::individuals_gsi_pk(&keys::job_pk(planroom, job), automated);
        let query = self.query_on(&format!("{index}pk"), pk);
        page::read(query, Some(index), args, |_| true).await
    }

    /// One individual's summary in a job (one GetItem).
    pub async fn individual(&self, planroom: &Id, job: &Id, individual: &str) -> Result<Option<Item>> {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::job_pk(planroom, job)))
            .key("sk", s(keys::individual_sk(individual)));
        let out = send_ok("reading an individual", || request.clone().send()).await?;
        Ok(out.item)
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
        page::read(query, Some("gsi1"), args, |_| true).await
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
        let query = self.query_on("gsi1pk", pk).index_name("gsi1").projection_expression("individual_id");
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
            let recipient = RecipientView::from_item(&item);
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
                let recipient = RecipientView::from_item(&item);
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

    /// A job's blast heads, blast recipients and individual summaries, what the blasts'
    /// engagement is computed from ([`crate::engagement`]): three Queries of the job's
    /// partition, side by side, each paged through.
    pub async fn engagement_items(&self, planroom: &Id, job: &Id) -> Result<(Vec<Item>, Vec<Item>, Vec<Item>)> {
        // Boxed: three SDK futures side by side would otherwise sit on the caller's stack.
        let blasts = ["blast_id", "name", "sent_at", "created_at", "targets"];
        let individuals = ["individual_id", "sources", "files_viewed", "downloads"];
        tokio::try_join!(
            Box::pin(self.job_items(planroom, job, keys::BLAST_PREFIX, &blasts)),
            Box::pin(self.job_items(planroom, job, keys::RECIPIENT_PREFIX, &["individual_id", "blast_id"])),
            Box::pin(self.job_items(planroom, job, keys::INDIVIDUAL_PREFIX, &individuals)),
        )
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
        page::read(query, Some("gsi2"), args, keep).await
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
