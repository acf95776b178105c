//! Every DynamoDB key of the single table, built in one place.
//!
//! | item | `pk` | `sk` |
//! |---|---|---|
//! | planroom settings | `P#{planroom}` | `PLANROOM` |
//! | job | `P#{planroom}#J#{job}` | `JOB` |
//! | individual summary | `P#{planroom}#J#{job}` | `IND#{individual}` |
//! | first access (human) | `P#{planroom}#J#{job}` | `FA#{individual}#{activity}#{kind}#{object}` |
//! | first access (automated) | `P#{planroom}#J#{job}` | `AUTO#{individual}#{activity}#{kind}#{object}` |
//!
//! Index keys: `gsi1` finds the first accesses of one object (`{job pk}#O#{kind}#{object}`) and the
//! job's individuals by name (`{job pk}#IND`); `gsi2` finds a planroom's first accesses by month
//! (`P#{planroom}#M#{yyyy-mm}`, sorted by time) and the job's individuals by first access; `gsi3`
//! holds the job's individuals by company. Every id is escaped so that `#` inside an id can never
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

/// Sort key of an individual's summary in a job.
pub fn individual_sk(individual: &str) -> String {
    format!("IND#{individual}")
}

/// Sort-key prefix of all individual summaries.
pub const INDIVIDUAL_PREFIX: &str = "IND#";

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

/// Sort key of an export in the planroom's partition.
pub fn export_sk(export_id: &str) -> String {
    format!("EXPORT#{}", part(export_id))
}

/// Sort key of a blast in the job's partition.
pub fn blast_sk(blast: &str) -> String {
    format!("BLAST#{}", part(blast))
}

/// `gsi1pk` of the first accesses of one object.
pub fn object_gsi_pk(job_pk: &str, kind: ObjectKind, object: &Id) -> String {
    format!("{job_pk}#O#{}#{}", kind.as_str(), part(object.as_str()))
}

/// `gsi1sk` of a first access under its object.
pub fn object_gsi_sk(individual: &str, activity: Activity) -> String {
    format!("{individual}#{}", activity.as_str())
}

/// `gsi2pk` of a planroom's first accesses in the month of `at` (`yyyy-mm` from the stored timestamp).
pub fn audit_gsi_pk(planroom: &Id, at: &str) -> String {
    format!("P#{}#M#{}", part(planroom.as_str()), at.get(..7).unwrap_or(at))
}

/// `gsi2sk` of a first access: time first, so a range of days is one key condition.
pub fn audit_gsi_sk(at: &str, job_pk: &str, sk: &str) -> String {
    format!("{at}#{job_pk}#{sk}")
}

/// Partition (in gsi1, gsi2 and gsi3) of a job's individual summaries.
pub fn individuals_gsi_pk(job_pk: &str) -> String {
    format!("{job_pk}#IND")
}

/// A case-folded sort text for names (`gsi1sk`/`gsi3sk` of summaries).
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
    fn audit_partitions_are_monthly() {
        assert_eq!(audit_gsi_pk(&id("p"), "2026-11-25T21:00:00.000Z"), "P#p#M#2026-11");
    }
}
