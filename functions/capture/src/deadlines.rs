//! A job's `coverage.missing` alert on AWS: one EventBridge Scheduler schedule per job, at
//! `bid_due_at` minus the job's lead time, created, moved or deleted whenever `PUT
//! /v1/jobs/{job_id}` changes them. It invokes the webhook function with the job and the bid time
//! it was made for (a schedule left from an earlier bid time does nothing), and deletes itself
//! once it has run.

use aws_sdk_scheduler::error::SdkError;
use aws_sdk_scheduler::types::{ActionAfterCompletion, FlexibleTimeWindow, FlexibleTimeWindowMode, Target};
use sha2::{Digest, Sha256};
use shared::config::ConfigError;
use shared::ids::Id;
use shared::job::Job;
use shared::webhook;
use shared::{Error, Result};

/// Where the schedules go and what they invoke.
#[derive(Debug, Clone)]
pub struct Deadlines {
    client: aws_sdk_scheduler::Client,
    group: String,
    role_arn: String,
    target_arn: String,
}

impl Deadlines {
    /// From `SCHEDULE_GROUP`, `SCHEDULER_ROLE_ARN` and `WEBHOOK_FUNCTION_ARN`: all three, or none
    /// (`None`: no alerts are scheduled).
    pub fn from_env(sdk: &shared::store::SdkConfig) -> Result<Option<Self>, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        match (var("SCHEDULE_GROUP"), var("SCHEDULER_ROLE_ARN"), var("WEBHOOK_FUNCTION_ARN")) {
            (Some(group), Some(role_arn), Some(target_arn)) => {
                Ok(Some(Deadlines::new(sdk, group, role_arn, target_arn)))
            }
            (None, None, None) => Ok(None),
            _ => Err(ConfigError("SCHEDULE_GROUP, SCHEDULER_ROLE_ARN and WEBHOOK_FUNCTION_ARN go together".into())),
        }
    }

    /// From its parts.
    pub fn new(sdk: &shared::store::SdkConfig, group: String, role_arn: String, target_arn: String) -> Self {
        Deadlines { client: aws_sdk_scheduler::Client::new(sdk), group, role_arn, target_arn }
    }

    /// Makes the job's schedule match its bid time: at its alert time, or none.
    pub async fn sync(&self, planroom: &Id, job: &Job, now: jiff::Timestamp) -> Result<()> {
        let name = schedule_name(planroom, &job.job_id);
        let lead = job.coverage_alert_hours.unwrap_or(webhook::DEFAULT_ALERT_LEAD_HOURS);
        let due = job.bid_due_at.as_deref().and_then(|t| t.parse::<jiff::Timestamp>().ok());
        let Some((due, at)) = due.and_then(|due| webhook::alert_at(due, lead, now).map(|at| (due, at))) else {
            // No alert to come: a schedule left over would fire for a bid time the job no longer
            // has and do nothing, so failing to delete it must not fail the job's update.
            if let Err(err) = self.delete(&name).await {
                tracing::warn!(error = %err.chain(), schedule = name, "a job's old alert schedule was not deleted");
            }
            return Ok(());
        };
        let input = serde_json::json!({"deadline": {"planroom_id": planroom, "job_id": job.job_id,
                                                     "bid_due_at": shared::time::format(due)}});
        let target = Target::builder()
            .arn(&self.target_arn)
            .role_arn(&self.role_arn)
            .input(input.to_string())
            .build()
            .map_err(|e| Error::internal("building a schedule's target", e))?;
        let window = FlexibleTimeWindow::builder()
            .mode(FlexibleTimeWindowMode::Off)
            .build()
            .map_err(|e| Error::internal("building a schedule's window", e))?;
        let expression = format!("at({})", at.strftime("%Y-%m-%dT%H:%M:%S"));
        let created = self
            .client
            .create_schedule()
            .name(&name)
            .group_name(&self.group)
            .schedule_expression(&expression)
            .schedule_expression_timezone("UTC")
            .flexible_time_window(window.clone())
            .target(target.clone())
            .action_after_completion(ActionAfterCompletion::Delete)
            .send()
            .await;
        match created {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(err)) if err.err().is_conflict_exception() => {
                let updated = self
                    .client
                    .update_schedule()
                    .name(&name)
                    .group_name(&self.group)
                    .schedule_expression(&expression)
                    .schedule_expression_timezone("UTC")
                    .flexible_time_window(window)
                    .target(target)
                    .action_after_completion(ActionAfterCompletion::Delete)
                    .send()
                    .await;
                updated.map(drop).map_err(|e| unavailable("moving a job's alert", &e))
            }
            Err(err) => Err(unavailable("scheduling a job's alert", &err)),
        }
    }

    async fn delete(&self, name: &str) -> Result<()> {
        match self.client.delete_schedule().name(name).group_name(&self.group).send().await {
            Ok(_) => Ok(()),
            Err(SdkError::ServiceError(err)) if err.err().is_resource_not_found_exception() => Ok(()),
            Err(err) => Err(unavailable("deleting a job's alert", &err)),
        }
    }
}

/// The schedule's name: fixed per planroom and job, within the 64 characters allowed.
pub fn schedule_name(planroom: &Id, job: &Id) -> String {
    let digest = Sha256::digest(format!("{planroom}\0{job}").as_bytes());
    format!("job-{}", digest[..20].iter().map(|b| format!("{b:02x}")).collect::<String>())
}

fn unavailable<E: std::error::Error + Send + Sync + 'static, R: std::fmt::Debug>(
    context: &str,
    err: &SdkError<E, R>,
) -> Error {
    tracing::warn!(context, error = ?err, "EventBridge Scheduler refused or failed");
    Error::Unavailable { context: context.to_owned(), source: format!("{err}").into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_names_are_fixed_per_job_and_valid() {
        let (p, j) = (Id::parse("p", "demo").unwrap(), Id::parse("j", "J-1042 Clínica").unwrap());
        let name = schedule_name(&p, &j);
        assert_eq!(name, schedule_name(&p, &j));
        assert_ne!(name, schedule_name(&p, &Id::parse("j", "other").unwrap()));
        assert!(name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
