//! Who may see a job's activity: staff of the planroom see all of it; an approved user of the
//! company the job is assigned to sees that job; everyone else is told the job does not exist.

use crate::caller::{Caller, Role};
use crate::ids::Id;
use crate::job::Job;
use crate::store::JobStore;
use crate::{Error, Result};

/// Whether `caller` may see the activity of `job` (`None`: the job is not registered).
pub fn can_see_job(caller: &Caller, job: Option<&Job>) -> bool {
    match caller.role {
        // Staff see everything of their planroom; the caller's planroom scopes every key already.
        Role::Staff => true,
        Role::Customer => {
            caller.approved
                && matches!((job.and_then(|j| j.company_id.as_ref()), caller.company_id.as_ref()),
                    (Some(assigned), Some(own)) if assigned == own)
        }
    }
}

/// The same 404 for "no such job" and "not yours", so a caller learns nothing about other jobs.
pub fn require_job_visible(caller: &Caller, job: Option<&Job>) -> Result<()> {
    if can_see_job(caller, job) { Ok(()) } else { Err(Error::NotFound("no such job".into())) }
}

/// The job `job_id` as registered (`None` for a job staff read that was never registered) once
/// `caller` is known to be allowed to see it; otherwise the same 404 whether or not it exists.
pub async fn visible_job<S: JobStore>(store: &S, caller: &Caller, job_id: &Id) -> Result<Option<Job>> {
    let job = store.get_job(&caller.planroom, job_id).await?;
    require_job_visible(caller, job.as_ref())?;
    Ok(job)
}

/// The jobs `job_ids` once each is registered in `caller`'s planroom and `caller` may see it: what
/// writes (events, User Activity rows, blasts) may name. A job that is not registered, or not the
/// caller's to see, is the same 404 as for reads, and nothing of the request is stored. The jobs
/// are read side by side.
pub async fn writable_jobs<S: JobStore + Sync>(store: &S, caller: &Caller, job_ids: &[&Id]) -> Result<Vec<Job>> {
    let reads = job_ids.iter().map(|id| store.get_job(&caller.planroom, id));
    let jobs = futures::future::try_join_all(reads).await?;
    jobs.into_iter()
        .zip(job_ids)
        .map(|(job, id)| match job {
            Some(job) if can_see_job(caller, Some(&job)) => Ok(job),
            _ => Err(Error::NotFound(format!("no such job: {:?}", id.as_str()))),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::config::ClaimNames;
    use crate::ids::Name;

    fn caller(role: &str, company: &str, approved: bool) -> Caller {
        let claims: HashMap<String, String> = [
            ("sub", "u"),
            ("planroom_id", "p"),
            ("role", role),
            ("company_id", company),
            ("approved", if approved { "true" } else { "false" }),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Caller::from_claims(&claims, &ClaimNames::default()).unwrap()
    }

    fn job(company: Option<&str>) -> Job {
        Job {
            job_id: Id::parse("job", "j").unwrap(),
            name: Name::parse("name", "School").unwrap(),
            number: None,
            company_id: company.map(|c| Id::parse("company", c).unwrap()),
            company_name: None,
            time_zone: "UTC".into(),
            is_demo: false,
            bid_due_at: None,
            coverage_alert_hours: None,
            created_at: None,
        }
    }

    #[test]
    fn staff_see_every_job_even_unregistered() {
        assert!(can_see_job(&caller("staff", "", true), None));
        assert!(can_see_job(&caller("staff", "other", false), Some(&job(Some("acme")))));
    }

    #[test]
    fn customers_see_only_their_companys_jobs_when_approved() {
        assert!(can_see_job(&caller("customer", "acme", true), Some(&job(Some("acme")))));
        assert!(!can_see_job(&caller("customer", "acme", false), Some(&job(Some("acme")))));
        assert!(!can_see_job(&caller("customer", "beta", true), Some(&job(Some("acme")))));
        assert!(!can_see_job(&caller("customer", "acme", true), Some(&job(None))));
        assert!(!can_see_job(&caller("customer", "acme", true), None));
        let err = require_job_visible(&caller("customer", "beta", true), None).unwrap_err();
        assert_eq!(err.status(), 404);
    }
}
