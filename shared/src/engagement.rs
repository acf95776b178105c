//! How a job's blasts did: per blast, recipients → opened → viewed → downloaded, computed from the
//! job's blast heads, blast recipients and individual summaries (people only: scanners' hits never
//! count).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::records::{BlastView, IndividualSummary};

/// One blast's funnel (the answer of `GET /v1/jobs/{job_id}/blasts`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlastEngagement {
    /// The blast.
    pub blast_id: String,
    /// Its display name.
    pub name: String,
    /// When the e-mail went out, when the sender said so.
    pub sent_at: Option<String>,
    /// When the blast was registered.
    pub created_at: Option<String>,
    /// What its links open: `{kind, id, name, action}`.
    pub targets: serde_json::Value,
    /// Distinct recipients.
    pub recipients: u64,
    /// Recipients who followed one of its links themselves (not a scanner).
    pub opened: u64,
    /// Recipients who viewed a file of the job, by any way.
    pub viewed: u64,
    /// Recipients who downloaded from the job, by any way.
    pub downloaded: u64,
    /// Recipients reminded since (sent a reminder of this blast).
    pub reminded: u64,
    /// The blast this one reminds of, for a reminder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reminder_of: Option<String>,
}

/// What one individual's summary says for the funnel.
struct Person<'a> {
    blasts_followed: HashSet<&'a str>,
    viewed: bool,
    downloaded: bool,
}

/// The funnel of every completely registered blast, newest first: `blasts` their heads,
/// `recipients` their `(blast, individual)`, `individuals` the job's summaries (only people's
/// count: the ways someone only scanners touched came are the scanners').
pub fn of_blasts(
    blasts: &[BlastView],
    recipients: &[(String, String)],
    individuals: &[IndividualSummary],
) -> Vec<BlastEngagement> {
    let people: HashMap<&str, Person<'_>> = individuals
        .iter()
        .filter(|s| s.human)
        .map(|s| {
            let person = Person {
                blasts_followed: s.sources.iter().map(String::as_str).collect(),
                viewed: s.files_viewed > 0,
                downloaded: s.downloads > 0,
            };
            (s.individual_id.as_str(), person)
        })
        .collect();
    let mut by_blast: HashMap<&str, HashSet<&str>> = HashMap::new();
    for (blast, individual) in recipients {
        by_blast.entry(blast).or_default().insert(individual);
    }
    // Who each blast's reminders went to.
    let mut reminded: HashMap<&str, HashSet<&str>> = HashMap::new();
    for head in blasts {
        if let (Some(original), Some(members)) = (head.reminder_of.as_deref(), by_blast.get(head.blast_id.as_str())) {
            reminded.entry(original).or_default().extend(members.iter().copied());
        }
    }
    let mut out: Vec<BlastEngagement> = blasts
        .iter()
        .map(|head| {
            let members = by_blast.get(head.blast_id.as_str());
            let reminded = match (members, reminded.get(head.blast_id.as_str())) {
                (Some(members), Some(reminded)) => members.intersection(reminded).count() as u64,
                _ => 0,
            };
            let count = |keep: &dyn Fn(&Person<'_>) -> bool| {
                members.into_iter().flatten().filter(|m| people.get(*m).is_some_and(keep)).count() as u64
            };
            BlastEngagement {
                blast_id: head.blast_id.clone(),
                name: head.name.clone(),
                sent_at: head.sent_at.clone(),
                created_at: head.created_at.clone(),
                targets: head.targets.clone(),
                recipients: members.map_or(0, |m| m.len() as u64),
                opened: count(&|p| p.blasts_followed.contains(head.blast_id.as_str())),
                viewed: count(&|p| p.viewed),
                downloaded: count(&|p| p.downloaded),
                reminded,
                reminder_of: head.reminder_of.clone(),
            }
        })
        .collect();
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.blast_id.cmp(&b.blast_id)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blast(id: &str, name: &str, created_at: &str) -> BlastView {
        BlastView {
            blast_id: id.into(),
            name: name.into(),
            sent_at: None,
            created_at: Some(created_at.into()),
            targets: serde_json::json!([]),
            reminder_of: None,
        }
    }

    #[test]
    fn the_funnel_counts_each_recipient_once_and_only_peoples_clicks_open() {
        let blasts =
            [blast("b1", "Addendum 3", "2026-11-20T10:00:00.000Z"), blast("b2", "Bid day", "2026-11-25T10:00:00.000Z")];
        let pair = |b: &str, i: &str| (b.to_owned(), i.to_owned());
        let recipients = [
            pair("b1", "zoe"),
            pair("b1", "sam"),
            pair("b1", "ann"),
            pair("b2", "zoe"),
            // A recipient of a blast whose head is missing (registration unfinished) counts nowhere.
            pair("b3", "zoe"),
        ];
        let summary = |id: &str, sources: &[&str], viewed: u64, downloads: u64, human: bool| IndividualSummary {
            individual_id: id.into(),
            name: id.into(),
            email: None,
            company_name: None,
            sources: sources.iter().map(|s| (*s).to_owned()).collect(),
            files_viewed: viewed,
            downloads,
            orders: 0,
            first_at: None,
            last_at: None,
            automated_hits: 0,
            first_at_local: None,
            last_at_local: None,
            human,
        };
        let individuals = [
            summary("zoe", &["b1", "login"], 2, 1, true),
            // Sam logged in and viewed, but never followed the link.
            summary("sam", &["login"], 1, 0, true),
            // Only a scanner opened Ann's link.
            summary("ann", &["b1"], 0, 0, false),
        ];
        let funnel = of_blasts(&blasts, &recipients, &individuals);
        assert_eq!(funnel.iter().map(|b| b.blast_id.as_str()).collect::<Vec<_>>(), ["b2", "b1"], "newest first");
        let b1 = &funnel[1];
        assert_eq!((b1.recipients, b1.opened, b1.viewed, b1.downloaded), (3, 1, 2, 1));
        let b2 = &funnel[0];
        assert_eq!((b2.recipients, b2.opened, b2.viewed, b2.downloaded), (1, 0, 1, 1));
        assert_eq!(b2.targets, serde_json::json!([]));
        assert_eq!((b1.reminded, b2.reminded), (0, 0));
    }

    #[test]
    fn a_reminders_recipients_are_counted_as_reminded_in_the_original() {
        let mut reminder = blast("r1", "Addendum 3 (reminder)", "2026-11-22T10:00:00.000Z");
        reminder.reminder_of = Some("b1".into());
        let blasts = [blast("b1", "Addendum 3", "2026-11-20T10:00:00.000Z"), reminder];
        let pair = |b: &str, i: &str| (b.to_owned(), i.to_owned());
        let recipients =
            [pair("b1", "zoe"), pair("b1", "sam"), pair("b1", "ann"), pair("r1", "sam"), pair("r1", "ann")];
        let funnel = of_blasts(&blasts, &recipients, &[]);
        let b1 = funnel.iter().find(|b| b.blast_id == "b1").unwrap();
        assert_eq!((b1.recipients, b1.reminded), (3, 2));
        let r1 = funnel.iter().find(|b| b.blast_id == "r1").unwrap();
        assert_eq!((r1.reminder_of.as_deref(), r1.recipients, r1.reminded), (Some("b1"), 2, 0));
    }
}
