//! Every DynamoDB key of the single table, built in one place.
//!
//! | item | `pk` | `sk` |
//! |---|---|---|
//! | planroom settings | `P#{planroom}` | `PLANROOM` |
//! | job | `P#{planroom}#J#{job}` | `JOB` |
//! | job in the planroom's list | `P#{planroom}#JOBS` | `J#{created_at}#{job}` |
//! | first access (human) | `P#{planroom}#J#{job}` | `FA#{individual}#{activity}#{kind}#{object}` |
//! | first access (automated) | `P#{planroom}#J#{job}` | `AUTO#{individual}#{activity}#{kind}#{object}` |
//! | blast | `P#{planroom}#J#{job}` | `BLAST#{blast}` |
//! | blast recipient | `P#{planroom}#J#{job}` | `RCPT#{individual}#{blast}` |
//! | client `event_id` sent without `occurred_at` | `P#{planroom}#EV#{key}` | `EVENT` |
//! | log row (dataset row) | `P#{planroom}#UA#{day}#{shard}` | `{time}#{event key}` |
//! | export | `P#{planroom}#X#{export}` | `EXPORT` |
//! | webhook endpoint | `P#{planroom}#WH` | `W#{webhook}` |
//! | webhook delivery | `P#{planroom}#WH#{webhook}` | `D#{event time}#{message id}` |
//!
//! Index keys: `objects` (`gsi1pk`/`gsi1sk`) finds the first accesses of one object
//! (`{job pk}#O#{kind}#{object}`); `months` (`gsi2pk`/`gsi2sk`) finds a planroom's first accesses
//! by month (`P#{planroom}#M#{yyyy-mm}`, sorted by time). Index partitions are sparse for people:
//! automated (scanner) records sit in partitions of their own, suffixed `#AUTO`, so a page of
//! people reads only people. Summaries are not stored: they are computed from the job's records
//! ([`crate::summaries`]); `IND#` items a release before kept are no longer read. Each export and
//! each event id has a partition of its own. Every id is escaped so that `#` inside an id can never
//! forge another key.

use crate::activity::{Activity, ObjectKind};
use crate::ids::Id;

/// Escapes `%` and `#` so that ids never collide with the key separators.
pub fn part(id: &str) -> String {
    if !id.contains(['%', '#']) {
        return id.to_owned();
    }
    id.replace('%', "%25").replace('#', "%23")
}

/// The planroom settings item's partition.
pub fn planroom_pk(planroom: &Id) -> String {
    format!("P#{}", part(planroom.as_str()))
}

/// Sort key of the planroom settings item.
pub const PLANROOM_SK: &str = "PLANROOM";

/// The partition holding a job, its individuals and their first accesses.
pub fn job_pk(planroom: &Id, job: &Id) -> String {
    format!("P#{}#J#{}", part(planroom.as_str()), part(job.as_str()))
}

/// Sort key of the job item.
pub const JOB_SK: &str = "JOB";

/// The partition listing a planroom's jobs, newest first by sort key.
pub fn job_list_pk(planroom: &Id) -> String {
    format!("P#{}#JOBS", part(planroom.as_str()))
}

/// Sort key of a job's entry in the planroom's list: by when it was first registered.
pub fn job_list_sk(created_at: &str, job: &Id) -> String {
    format!("J#{created_at}#{}", part(job.as_str()))
}

/// Sort key of a first-access item; automated hits live apart under `AUTO#`.
pub fn first_access_sk(individual: &str, activity: Activity, kind: ObjectKind, object: &Id, automated: bool) -> String {
    let prefix = if automated { "AUTO" } else { "FA" };
    format!("{prefix}#{individual}#{}#{}#{}", activity.as_str(), kind.as_str(), part(object.as_str()))
}

/// Sort-key prefix of one individual's first accesses, or of everyone's (`None`).
pub fn first_access_prefix(individual: Option<&str>, automated: bool) -> String {
    let kind = if automated { "AUTO" } else { "FA" };
    match individual {
        Some(individual) => format!("{kind}#{individual}#"),
        None => format!("{kind}#"),
    }
}

/// Sort key of a blast recipient in the job's partition.
pub fn recipient_sk(individual: &str, blast: &str) -> String {
    format!("{RECIPIENT_PREFIX}{individual}#{}", part(blast))
}

/// Sort-key prefix of all blast recipients of a job.
pub const RECIPIENT_PREFIX: &str = "RCPT#";

/// The partition of a planroom's webhook endpoints.
pub fn webhooks_pk(planroom: &Id) -> String {
    format!("P#{}#WH", part(planroom.as_str()))
}

/// Sort key of a webhook endpoint.
pub fn webhook_sk(webhook: &str) -> String {
    format!("W#{}", part(webhook))
}

/// The partition of one endpoint's deliveries, newest last by sort key.
pub fn deliveries_pk(planroom: &Id, webhook: &str) -> String {
    format!("P#{}#WH#{}", part(planroom.as_str()), part(webhook))
}

/// Sort key of a delivery: by the time of its event, then its message id (both fixed by the
/// event, so the same event is the same item).
pub fn delivery_sk(event_at: &str, message_id: &str) -> String {
    format!("D#{event_at}#{}", part(message_id))
}

/// The partition of one export.
pub fn export_pk(planroom: &Id, export_id: &str) -> String {
    format!("P#{}#X#{}", part(planroom.as_str()), part(export_id))
}

/// Sort key of an export item.
pub const EXPORT_SK: &str = "EXPORT";

/// The partition listing the lake's days that have files not yet compacted (sort key
/// `{YYYY-MM-DD}#{planroom}`): the compactor reads it instead of listing the bucket.
pub const LAKE_DAYS_PK: &str = "LAKE#DAYS";

/// The sort key of a planroom's day in [`LAKE_DAYS_PK`].
pub fn lake_day_sk(planroom: &Id, day: &str) -> String {
    format!("{day}#{}", planroom.as_str())
}

/// The S3 key of an export's report.
pub fn export_object(planroom: &Id, export_id: &str, extension: &str) -> String {
    format!("exports/{}/{}.{extension}", part(planroom.as_str()), part(export_id))
}

/// The partition of a captured event, found by the `event_id` its client gave it.
pub fn event_pk(planroom: &Id, event_id: &str) -> String {
    format!("P#{}#EV#{}", part(planroom.as_str()), part(event_id))
}

/// Sort key of a captured event.
pub const EVENT_SK: &str = "EVENT";

/// Sort-key prefix of all blasts of a job.
pub const BLAST_PREFIX: &str = "BLAST#";

/// Sort key of a blast in the job's partition.
pub fn blast_sk(blast: &str) -> String {
    format!("{BLAST_PREFIX}{}", part(blast))
}

/// The suffix of index partitions that hold automated items only.
const AUTOMATED: &str = "#AUTO";

fn sparse(partition: String, automated: bool) -> String {
    if automated { partition + AUTOMATED } else { partition }
}

/// `gsi1pk` of the (human or automated) first accesses of one object.
pub fn object_gsi_pk(job_pk: &str, kind: ObjectKind, object: &Id, automated: bool) -> String {
    sparse(format!("{job_pk}#O#{}#{}", kind.as_str(), part(object.as_str())), automated)
}

/// `gsi1sk` of a first access under its object.
pub fn object_gsi_sk(individual: &str, activity: Activity) -> String {
    format!("{individual}#{}", activity.as_str())
}

/// `gsi2pk` of a planroom's (human or automated) first accesses in the month of `at` (`yyyy-mm`
/// from the stored timestamp).
pub fn audit_gsi_pk(planroom: &Id, at: &str, automated: bool) -> String {
    sparse(format!("P#{}#M#{}", part(planroom.as_str()), at.get(..7).unwrap_or(at)), automated)
}

/// `gsi2sk` of a first access: time first, so a range of days is one key condition.
pub fn audit_gsi_sk(at: &str, job_pk: &str, sk: &str) -> String {
    format!("{at}#{job_pk}#{sk}")
}

/// A case-folded sort text for names.
pub fn sort_text(text: &str) -> String {
    text.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> Id {
        Id::parse("id", s).unwrap()
    }

    #[test]
    fn ids_with_separators_cannot_forge_keys() {
        assert_eq!(job_pk(&id("p"), &id("x#J#y")), "P#p#J#x%23J%23y");
        assert_ne!(job_pk(&id("p#J#x"), &id("y")), job_pk(&id("p"), &id("x#J#y")));
        assert_eq!(part("50%"), "50%25");
    }

    #[test]
    fn human_and_automated_first_accesses_never_share_a_key() {
        let human = first_access_sk("i1", Activity::View, ObjectKind::File, &id("f"), false);
        let auto = first_access_sk("i1", Activity::View, ObjectKind::File, &id("f"), true);
        assert_eq!(human, "FA#i1#view#file#f");
        assert!(human.starts_with(&first_access_prefix(Some("i1"), false)));
        assert!(auto.starts_with(&first_access_prefix(Some("i1"), true)));
        assert!(human.starts_with(&first_access_prefix(None, false)));
        assert!(!auto.starts_with(&first_access_prefix(None, false)));
        assert_ne!(human, auto);
    }

    #[test]
    fn audit_partitions_are_monthly_and_scanners_have_their_own() {
        assert_eq!(audit_gsi_pk(&id("p"), "2026-11-25T21:00:00.000Z", false), "P#p#M#2026-11");
        assert_eq!(audit_gsi_pk(&id("p"), "2026-11-25T21:00:00.000Z", true), "P#p#M#2026-11#AUTO");
        let job = job_pk(&id("p"), &id("j"));
        assert_ne!(
            object_gsi_pk(&job, ObjectKind::File, &id("f"), false),
            object_gsi_pk(&job, ObjectKind::File, &id("f"), true)
        );
    }

    #[test]
    fn events_and_exports_have_partitions_of_their_own_that_ids_cannot_forge() {
        assert_eq!(event_pk(&id("p"), "e-1"), "P#p#EV#e-1");
        assert_eq!(export_pk(&id("p"), "x-1"), "P#p#X#x-1");
        assert_ne!(export_pk(&id("p"), "1"), export_pk(&id("p#X#1"), ""));
        assert_eq!(export_object(&id("p#1"), "x", "csv"), "exports/p%231/x.csv");
    }
}
