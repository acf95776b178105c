//! The coverage of a job, read: its blasts, their recipients and its first-access records, read
//! side by side and handed to the pure [`crate::coverage`] rules. The query's matrix, the
//! reminder and the reports all read through here.

use crate::Result;
use crate::coverage::{self, Ask, BlastMember, Coverage, SentBlast};
use crate::ids::Id;
use crate::records::{AccessRecord, BlastView};
use crate::store::DynamoStore;
use crate::store::records::access_record;

/// Every people's (and, with `automated`, scanners') first-access record of `job`, read as 16
/// key ranges side by side.
pub async fn job_records(store: &DynamoStore, planroom: &Id, job: &Id, automated: bool) -> Result<Vec<AccessRecord>> {
    let read = |scanners: bool| {
        Box::pin(store.fold_records(planroom, job, None, scanners, Vec::new, |part, item| {
            part.push(access_record(item));
        }))
    };
    let (people, scanners) =
        tokio::try_join!(read(false), async { if automated { read(true).await } else { Ok(Vec::new()) } })?;
    Ok(people.into_iter().chain(scanners).flatten().collect())
}

/// What coverage is computed from.
#[derive(Debug, Clone)]
pub struct JobActivity {
    /// The job's completely registered blasts.
    pub blasts: Vec<BlastView>,
    /// Their recipients.
    pub members: Vec<BlastMember>,
    /// Its first-access records (scanners' included when asked for).
    pub records: Vec<AccessRecord>,
}

/// Reads what coverage is computed from (Queries of the job's partition, side by side).
pub async fn job_activity(store: &DynamoStore, planroom: &Id, job: &Id, automated: bool) -> Result<JobActivity> {
    let (blasts, records) = tokio::try_join!(
        Box::pin(store.blasts_and_members(planroom, job)),
        Box::pin(job_records(store, planroom, job, automated))
    )?;
    let (blasts, members) = blasts;
    Ok(JobActivity { blasts, members, records })
}

/// The coverage matrix of `job` as `ask` asks for it.
pub async fn job_coverage(store: &DynamoStore, planroom: &Id, job: &Id, ask: &Ask<'_>) -> Result<Coverage> {
    let activity = job_activity(store, planroom, job, ask.automated).await?;
    let sent: Vec<SentBlast> = activity.blasts.iter().map(SentBlast::of).collect();
    Ok(coverage::matrix(&sent, &activity.members, &activity.records, ask))
}
