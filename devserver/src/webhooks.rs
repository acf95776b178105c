//! The local stand-ins for what invokes the webhook function on AWS: the delivery queue's event
//! source (receive a batch, hand it over, delete what succeeded; what failed stays hidden as the
//! function said), and EventBridge Scheduler (a job's `at(…)` schedule fires once it is due, then
//! is deleted). The queue, the bus and the schedule group live in the local AWS stand-in, created
//! here, so the function's own calls (send, change visibility, put events) and the capture
//! function's schedules are the real APIs.

use std::time::Duration;

use serde_json::{Value, json};

use crate::Settings;

/// The account and region the stand-in uses in ARNs.
const ACCOUNT: &str = "123456789012";

/// What the local stack's webhook resources are called.
#[derive(Debug, Clone)]
pub struct Names {
    /// The delivery queue's URL.
    pub queue_url: String,
    /// The EventBridge bus.
    pub bus: String,
    /// The schedule group.
    pub group: String,
}

/// Creates the delivery queue, the bus and the schedule group when missing.
pub async fn create_local(sdk: &aws_config::SdkConfig, settings: &Settings) -> Result<Names, String> {
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let queue = sqs.create_queue().queue_name(&settings.webhook_queue).send().await.map_err(|e| format!("{e:?}"))?;
    let queue_url = queue.queue_url.ok_or("the queue has no URL")?;
    let events = aws_sdk_eventbridge::Client::new(sdk);
    if events.describe_event_bus().name(&settings.event_bus).send().await.is_err() {
        events.create_event_bus().name(&settings.event_bus).send().await.map_err(|e| format!("{e:?}"))?;
    }
    let scheduler = aws_sdk_scheduler::Client::new(sdk);
    if scheduler.get_schedule_group().name(&settings.schedule_group).send().await.is_err() {
        scheduler.create_schedule_group().name(&settings.schedule_group).send().await.map_err(|e| format!("{e:?}"))?;
    }
    Ok(Names { queue_url, bus: settings.event_bus.clone(), group: settings.schedule_group.clone() })
}

/// The ARN the capture function's schedules target (the function is invoked here directly).
pub fn function_arn() -> String {
    format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:planroom-activity-webhooks")
}

/// The role the schedules invoke the function with.
pub fn scheduler_role_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/planroom-activity-scheduler")
}

/// The delivery queue's event source: batches of up to 10, forever. `sqs` reads and deletes as
/// the function's role does on AWS.
pub async fn poll_queue(app: &webhooks::App, sqs: &aws_sdk_sqs::Client, queue_url: &str) {
    loop {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(10)
            // Short polls: the stand-in answers one request at a time, and a long poll would
            // hold every other call of the stack behind it.
            .wait_time_seconds(0)
            .visibility_timeout(60)
            .send()
            .await;
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(err) => {
                tracing::warn!(error = ?err, "reading the delivery queue failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        if messages.is_empty() {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        }
        let records: Vec<Value> = messages
            .iter()
            .map(|m| {
                json!({"messageId": m.message_id, "receiptHandle": m.receipt_handle, "body": m.body,
                       "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
                       "eventSourceARN": format!("arn:aws:sqs:us-east-1:{ACCOUNT}:queue"), "awsRegion": "us-east-1"})
            })
            .collect();
        let answer = webhooks::handle(app, json!({ "Records": records })).await;
        let failed: Vec<String> = match &answer {
            Ok(value) => value["batchItemFailures"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
                .collect(),
            // The whole batch failed: every message comes back after its visibility timeout.
            Err(_) => messages.iter().filter_map(|m| m.message_id.clone()).collect(),
        };
        for message in messages.iter().filter(|m| m.message_id.as_ref().is_none_or(|id| !failed.contains(id))) {
            let delete = sqs
                .delete_message()
                .queue_url(queue_url)
                .receipt_handle(message.receipt_handle.clone().unwrap_or_default());
            if let Err(err) = delete.send().await {
                tracing::warn!(error = ?err, "deleting a handled delivery message failed");
            }
        }
    }
}

/// EventBridge Scheduler: every half second, fires the group's `at(…)` schedules that are due
/// (their target's input handed to the function) and deletes them.
pub async fn run_schedules(app: &webhooks::App, scheduler: &aws_sdk_scheduler::Client, group: &str) {
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let listed = match scheduler.list_schedules().group_name(group).send().await {
            Ok(out) => out.schedules,
            Err(err) => {
                tracing::warn!(error = ?err, "listing schedules failed; retrying");
                continue;
            }
        };
        for summary in listed {
            let Some(name) = summary.name else { continue };
            let Ok(schedule) = scheduler.get_schedule().name(&name).group_name(group).send().await else { continue };
            let due = schedule
                .schedule_expression
                .as_deref()
                .and_then(|e| e.strip_prefix("at(")?.strip_suffix(')').map(str::to_owned))
                .and_then(|at| at.parse::<jiff::civil::DateTime>().ok())
                .and_then(|at| at.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
                .is_some_and(|at| at.timestamp() <= jiff::Timestamp::now());
            if !due {
                continue;
            }
            let input = schedule.target.and_then(|t| t.input).and_then(|i| serde_json::from_str::<Value>(&i).ok());
            if let Some(input) = input
                && let Err(err) = webhooks::handle(app, input).await
            {
                // EventBridge Scheduler retries a failed invocation; so does this, next round.
                tracing::warn!(error = %err, schedule = name, "a deadline failed; it runs again");
                continue;
            }
            if let Err(err) = scheduler.delete_schedule().name(&name).group_name(group).send().await {
                tracing::warn!(error = ?err, schedule = name, "deleting a schedule that ran failed");
            }
        }
    }
}
