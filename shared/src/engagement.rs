//! How a job's blasts did: per blast, recipients → opened → viewed → downloaded, computed from the
//! job's blast heads, blast recipients and individual summaries (people only: scanners' hits never
//! count).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::records::IndividualSummary;
use crate::store::{Item, get_s};

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
}

/// What one individual's summary says for the funnel.
struct Person<'a> {
    blasts_followed: HashSet<&'a str>,
    viewed: bool,
    downloaded: bool,
}

/// The funnel of every completely registered blast, newest first. `blasts` are blast heads,
/// `recipients` recipient items (`individual_id`, `blast_id`), `individuals` the job's summaries
/// (only people's count: the ways someone only scanners touched came are the scanners').
pub fn of_blasts(blasts: &[Item], recipients: &[Item], individuals: &[IndividualSummary]) -> Vec<BlastEngagement> {
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
    for item in recipients {
        if let (Some(blast), Some(individual)) = (get_s(item, "blast_id"), get_s(item, "individual_id")) {
            by_blast.entry(blast).or_default().insert(individual);
        }
    }
    let mut out: Vec<BlastEngagement> = blasts
        .iter()
        .filter_map(|head| {
            let blast_id = get_s(head, "blast_id")?;
            let members = by_blast.get(blast_id);
            let count = |keep: &dyn Fn(&Person) -> bool| {
                members.into_iter().flatten().filter(|m| people.get(*m).is_some_and(keep)).count() as u64
            };
            Some(BlastEngagement {
                blast_id: blast_id.to_owned(),
                name: get_s(head, "name").unwrap_or_default().to_owned(),
                sent_at: get_s(head, "sent_at").map(str::to_owned),
                created_at: get_s(head, "created_at").map(str::to_owned),
                targets: get_s(head, "targets")
                    .and_then(|t| serde_json::from_str(t).ok())
                    .unwrap_or_else(|| serde_json::json!([])),
                recipients: members.map_or(0, |m| m.len() as u64),
                opened: count(&|p| p.blasts_followed.contains(blast_id)),
                viewed: count(&|p| p.viewed),
                downloaded: count(&|p| p.downloaded),
            })
        })
        .collect();
    out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.blast_id.cmp(&b.blast_id)));
    out
}

#[cfg(test)]
mod tests {
    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;

    fn item(pairs: &[(&str, AttributeValue)]) -> Item {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect()
    }
    fn s(v: &str) -> AttributeValue {
        AttributeValue::S(v.into())
    }

    #[test]
    fn the_funnel_counts_each_recipient_once_and_only_peoples_clicks_open() {
        let blasts = [
            item(&[("blast_id", s("b1")), ("name", s("Addendum 3")), ("created_at", s("2026-11-20T10:00:00.000Z"))]),
            item(&[("blast_id", s("b2")), ("name", s("Bid day")), ("created_at", s("2026-11-25T10:00:00.000Z"))]),
        ];
        let recipients = [
            item(&[("blast_id", s("b1")), ("individual_id", s("zoe"))]),
            item(&[("blast_id", s("b1")), ("individual_id", s("sam"))]),
            item(&[("blast_id", s("b1")), ("individual_id", s("ann"))]),
            item(&[("blast_id", s("b2")), ("individual_id", s("zoe"))]),
            // A recipient of a blast whose head is missing (registration unfinished) counts nowhere.
            item(&[("blast_id", s("b3")), ("individual_id", s("zoe"))]),
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
    }
}
