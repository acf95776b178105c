//! Job metadata in DynamoDB: one item per job at the head of the job's partition.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use jiff::Timestamp;

use super::page::{self, Page, PageArgs};
use super::retry::{broken, condition_failed, send, send_ok};
use super::{DynamoStore, Item, get_bool, get_n, get_s, n, s};
use crate::ids::{Id, Name};
use crate::job::Job;
use crate::{Result, keys};

/// Storage of jobs.
pub trait JobStore {
    /// Registers or replaces a job at `now`: the job as stored (with when it was first
    /// registered), and `true` when it did not exist before.
    fn put_job(&self, planroom: &Id, job: &Job, now: Timestamp) -> impl Future<Output = Result<(Job, bool)>> + Send;
    /// The job, if registered.
    fn get_job(&self, planroom: &Id, job_id: &Id) -> impl Future<Output = Result<Option<Job>>> + Send;
}

/// The optional attributes of a job item, set when present and removed when not.
fn optional_attributes(job: &Job) -> [(&'static str, Option<String>); 5] {
    [
        ("number", job.number.as_ref().map(|n| n.as_str().to_owned())),
        ("company_id", job.company_id.as_ref().map(|c| c.as_str().to_owned())),
        ("company_name", job.company_name.as_ref().map(|c| c.as_str().to_owned())),
        ("bid_due_at", job.bid_due_at.clone()),
        ("coverage_alert_hours", job.coverage_alert_hours.map(|h| h.to_string())),
    ]
}

impl JobStore for DynamoStore {
    /// One UpdateItem of the job item (its first registration time kept, a version counted up),
    /// then one PutItem of its entry in the planroom's list, unless a newer version is there
    /// already (two updates racing leave the list with the newer one).
    async fn put_job(&self, planroom: &Id, job: &Job, now: Timestamp) -> Result<(Job, bool)> {
        let now_text = crate::time::format(now);
        // Every attribute through a placeholder: `number` and others are reserved words.
        let mut names: HashMap<String, String> = HashMap::new();
        let mut sets = Vec::new();
        let mut removes = Vec::new();
        let mut values: Item = HashMap::new();
        let mut set = |name: &str, expression: &str, value: Option<(&str, AttributeValue)>| {
            names.insert(format!("#{name}"), name.to_owned());
            sets.push(format!("#{name} = {expression}"));
            if let Some((placeholder, value)) = value {
                values.insert(placeholder.to_owned(), value);
            }
        };
        set("type", ":type", Some((":type", s("job"))));
        set("planroom_id", ":planroom", Some((":planroom", s(planroom.as_str()))));
        set("job_id", ":job", Some((":job", s(job.job_id.as_str()))));
        set("name", ":name", Some((":name", s(job.name.as_str()))));
        set("time_zone", ":zone", Some((":zone", s(&job.time_zone))));
        set("is_demo", ":demo", Some((":demo", AttributeValue::Bool(job.is_demo))));
        set("updated_at", ":now", Some((":now", s(&now_text))));
        set("created_at", "if_not_exists(#created_at, :now)", None);
        set("version", "if_not_exists(#version, :zero) + :one", Some((":zero", n(0))));
        values.insert(":one".into(), n(1));
        for (name, value) in optional_attributes(job) {
            names.insert(format!("#{name}"), name.to_owned());
            match value {
                Some(value) => {
                    sets.push(format!("#{name} = :{name}"));
                    values.insert(format!(":{name}"), s(value));
                }
                None => removes.push(format!("#{name}")),
            }
        }
        let mut expression = format!("SET {}", sets.join(", "));
        if !removes.is_empty() {
            expression.push_str(&format!(" REMOVE {}", removes.join(", ")));
        }
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", s(keys::job_pk(planroom, &job.job_id)))
            .key("sk", s(keys::JOB_SK))
            .update_expression(expression)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllOld);
        let out = send_ok("registering a job", || request.clone().send()).await?;
        let old = out.attributes.unwrap_or_default();
        let created = old.is_empty();
        let created_at = get_s(&old, "created_at").map_or(now_text, str::to_owned);
        let version = get_n(&old, "version") + 1;
        let stored = Job { created_at: Some(created_at.clone()), ..job.clone() };
        self.put_list_entry(planroom, &stored, &created_at, version).await?;
        Ok((stored, created))
    }

    async fn get_job(&self, planroom: &Id, job_id: &Id) -> Result<Option<Job>> {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", s(keys::job_pk(planroom, job_id)))
            .key("sk", s(keys::JOB_SK));
        let out = send_ok("reading a job", || request.clone().send()).await?;
        Ok(out.item.as_ref().map(|item| job_from_item(job_id, item)))
    }
}

/// Which of a planroom's jobs to list.
#[derive(Debug, Clone, Default)]
pub struct JobFilter<'a> {
    /// Only the jobs assigned to this company.
    pub company: Option<&'a Id>,
    /// Only the jobs whose name or number contains this ([`crate::search_text::fold`]ed).
    pub text: Option<&'a str>,
}

impl DynamoStore {
    async fn put_list_entry(&self, planroom: &Id, job: &Job, created_at: &str, version: u64) -> Result<()> {
        let mut item: Item = HashMap::from([
            ("pk".into(), s(keys::job_list_pk(planroom))),
            ("sk".into(), s(keys::job_list_sk(created_at, &job.job_id))),
            ("type".into(), s("job_entry")),
            ("job_id".into(), s(job.job_id.as_str())),
            ("name".into(), s(job.name.as_str())),
            ("time_zone".into(), s(&job.time_zone)),
            ("is_demo".into(), AttributeValue::Bool(job.is_demo)),
            ("created_at".into(), s(created_at)),
            ("version".into(), n(version)),
            ("search".into(), s(search_text(job))),
        ]);
        for (name, value) in optional_attributes(job) {
            if let Some(value) = value {
                item.insert(name.into(), s(value));
            }
        }
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk) OR #version < :version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":version", n(version));
        match send("listing a job", || request.clone().send()).await? {
            Ok(_) => Ok(()),
            // A newer version of the job is listed already.
            Err(err) if condition_failed(&err) => Ok(()),
            Err(err) => Err(broken("listing a job", &err)),
        }
    }

    /// A page of the planroom's jobs, newest first, that pass `filter` (one Query of the list's
    /// partition, its filter applied by DynamoDB).
    pub async fn list_jobs(&self, planroom: &Id, filter: &JobFilter<'_>, args: PageArgs) -> Result<(Vec<Job>, Page)> {
        let mut conditions = Vec::new();
        let mut query = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", s(keys::job_list_pk(planroom)))
            .scan_index_forward(false);
        if let Some(company) = filter.company {
            conditions.push("#company = :company");
            query = query
                .expression_attribute_names("#company", "company_id")
                .expression_attribute_values(":company", s(company.as_str()));
        }
        if let Some(text) = filter.text.filter(|t| !t.is_empty()) {
            conditions.push("contains(#search, :text)");
            query = query.expression_attribute_names("#search", "search").expression_attribute_values(":text", s(text));
        }
        if !conditions.is_empty() {
            query = query.filter_expression(conditions.join(" AND "));
        }
        let page = page::read(query, None, args, |_| true).await?;
        let jobs = page
            .items
            .iter()
            .filter_map(|item| {
                let id = Id::parse("job_id", get_s(item, "job_id")?).ok()?;
                Some(job_from_item(&id, item))
            })
            .collect();
        Ok((jobs, page))
    }
}

/// What a job's search matches: its name and number, folded.
fn search_text(job: &Job) -> String {
    let number = job.number.as_ref().map(Name::as_str).unwrap_or_default();
    crate::search_text::fold(&format!("{} {}", job.name.as_str(), number))
}

fn job_from_item(job_id: &Id, item: &Item) -> Job {
    // Stored values were validated on the way in; a damaged one degrades to "absent".
    let name = |attr: &str| get_s(item, attr).and_then(|v| Name::parse(attr, v).ok());
    Job {
        job_id: job_id.clone(),
        name: name("name").unwrap_or_default(),
        number: name("number"),
        company_id: get_s(item, "company_id").and_then(|v| Id::parse("company_id", v).ok()),
        company_name: name("company_name"),
        time_zone: get_s(item, "time_zone").unwrap_or("UTC").to_owned(),
        is_demo: get_bool(item, "is_demo"),
        bid_due_at: get_s(item, "bid_due_at").map(str::to_owned),
        coverage_alert_hours: get_s(item, "coverage_alert_hours").and_then(|h| h.parse().ok()),
        created_at: get_s(item, "created_at").map(str::to_owned),
    }
}
