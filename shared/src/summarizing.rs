//! The Activity tab's rows of a job, read: its first-access records folded into summaries as
//! they come ([`crate::summaries`]), people's only unless scanners' are asked for.

use crate::Result;
use crate::ids::Id;
use crate::records::IndividualSummary;
use crate::store::DynamoStore;
use crate::store::records::access_record;
use crate::summaries::Summarizer;

/// The summaries of the individuals of `job` (or of one `individual`): people's records, and
/// with `automated` scanners' too (side by side).
pub async fn job_summaries(
    store: &DynamoStore,
    planroom: &Id,
    job: &Id,
    individual: Option<&str>,
    automated: bool,
) -> Result<Vec<IndividualSummary>> {
    let read = |scanners: bool| {
        Box::pin(store.fold_records(planroom, job, individual, scanners, Summarizer::default, |part, item| {
            part.add(&access_record(item));
        }))
    };
    let mut parts = read(false).await?;
    if automated {
        parts.extend(read(true).await?);
    }
    let mut all = Summarizer::default();
    for part in parts {
        all.merge(part);
    }
    Ok(all.finish())
}
