//! Job metadata in DynamoDB: one item per job at the head of the job's partition.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::retry::send_ok;
use super::{DynamoStore, Item, get_bool, get_s, s};
use crate::ids::{Id, Name};
use crate::job::Job;
use crate::{Result, keys};

/// Storage of jobs.
pub trait JobStore {
    /// Registers or replaces a job; `true` when it did not exist before.
    fn put_job(&self, planroom: &Id, job: &Job) -> impl Future<Output = Result<bool>> + Send;
    /// The job, if registered.
    fn get_job(&self, planroom: &Id, job_id: &Id) -> impl Future<Output = Result<Option<Job>>> + Send;
}

impl JobStore for DynamoStore {
    async fn put_job(&self, planroom: &Id, job: &Job) -> Result<bool> {
        let mut item: Item = HashMap::from([
            ("pk".into(), s(keys::job_pk(planroom, &job.job_id))),
            ("sk".into(), s(keys::JOB_SK)),
            ("type".into(), s("job")),
            ("planroom_id".into(), s(planroom.as_str())),
            ("job_id".into(), s(job.job_id.as_str())),
            ("name".into(), s(job.name.as_str())),
            ("time_zone".into(), s(&job.time_zone)),
            ("is_demo".into(), AttributeValue::Bool(job.is_demo)),
        ]);
        let optional = [
            ("number", job.number.as_ref().map(Name::as_str)),
            ("company_id", job.company_id.as_ref().map(Id::as_str)),
            ("company_name", job.company_name.as_ref().map(Name::as_str)),
        ];
        for (name, value) in optional {
            if let Some(value) = value {
                item.insert(name.into(), s(value));
            }
        }
        let request =
            self.client.put_item().table_name(&self.table).set_item(Some(item)).return_values(ReturnValue::AllOld);
        let out = send_ok("registering a job", || request.clone().send()).await?;
        Ok(out.attributes.is_none_or(|a| a.is_empty()))
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
    }
}
