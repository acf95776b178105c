//! The Activity tab's rows, computed from the first-access records when they are read.
//!
//! No summary is stored: a repeat changes only its record (`count`, `last_at`), so keeping one per
//! individual would double what every event costs to write. Activity is written far more often than
//! it is read, so the rows are computed where it is cheapest, in the read: one pass over the job's
//! records (people's and scanners'), grouped by individual, sorted and paged here.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::cursor::Cursor;
use crate::keys::sort_text;
use crate::records::{AccessRecord, IndividualSummary};

/// How the job's individuals are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndividualOrder {
    /// By name.
    Name,
    /// By company, then name.
    Company,
    /// By first access.
    FirstAt,
}

impl IndividualOrder {
    /// Parses `sort=name|company|first_at`.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "name" => Some(IndividualOrder::Name),
            "company" => Some(IndividualOrder::Company),
            "first_at" => Some(IndividualOrder::FirstAt),
            _ => None,
        }
    }

    /// The text a summary sorts by: unique, since it ends with the individual's id.
    pub fn sort_key(self, summary: &IndividualSummary) -> String {
        let id = &summary.individual_id;
        match self {
            IndividualOrder::Name => format!("{}#{id}", sort_text(&summary.name)),
            IndividualOrder::Company => format!(
                "{}#{}#{id}",
                sort_text(summary.company_name.as_deref().unwrap_or_default()),
                sort_text(&summary.name)
            ),
            IndividualOrder::FirstAt => format!("{}#{id}", summary.first_at.as_deref().unwrap_or_default()),
        }
    }
}

/// What one individual's records add up to, kept as they are read (never the records
/// themselves: a job of 200,000 records is summed in the memory of its individuals).
#[derive(Debug, Clone, Default)]
struct Tally {
    /// The identity of the latest access, people's first: `(last_at, name, email, company)`.
    latest: Option<(String, String, Option<String>, Option<String>)>,
    latest_automated: Option<(String, String, Option<String>, Option<String>)>,
    files_viewed: u64,
    downloads: u64,
    orders: u64,
    first_at: Option<String>,
    last_at: Option<String>,
    sources: BTreeSet<String>,
    automated_hits: u64,
    automated_first_at: Option<String>,
    automated_last_at: Option<String>,
    automated_sources: BTreeSet<String>,
    human: bool,
}

fn earlier(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn later(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

type Identity = (String, String, Option<String>, Option<String>);

fn newest(a: Option<Identity>, b: Option<Identity>) -> Option<Identity> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.0 > a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

impl Tally {
    fn add(&mut self, r: &AccessRecord) {
        let time = |t: &str| Some(t.to_owned()).filter(|t| !t.is_empty());
        let identity = Some((r.last_at.clone(), r.name.clone(), r.email.clone(), r.company_name.clone()));
        if r.automated {
            self.automated_hits += r.count;
            self.automated_first_at = earlier(self.automated_first_at.take(), time(&r.first_at));
            self.automated_last_at = later(self.automated_last_at.take(), time(&r.last_at));
            self.automated_sources.extend(r.sources.iter().cloned());
            self.latest_automated = newest(self.latest_automated.take(), identity);
            return;
        }
        self.human = true;
        match (r.activity.as_str(), r.object.kind.as_str()) {
            ("view", "file") => self.files_viewed += 1,
            ("download", _) => self.downloads += 1,
            ("order", _) => self.orders += 1,
            _ => {}
        }
        self.first_at = earlier(self.first_at.take(), time(&r.first_at));
        self.last_at = later(self.last_at.take(), time(&r.last_at));
        self.sources.extend(r.sources.iter().cloned());
        self.latest = newest(self.latest.take(), identity);
    }

    fn merge(&mut self, other: Tally) {
        self.latest = newest(self.latest.take(), other.latest);
        self.latest_automated = newest(self.latest_automated.take(), other.latest_automated);
        self.files_viewed += other.files_viewed;
        self.downloads += other.downloads;
        self.orders += other.orders;
        self.first_at = earlier(self.first_at.take(), other.first_at);
        self.last_at = later(self.last_at.take(), other.last_at);
        self.sources.extend(other.sources);
        self.automated_hits += other.automated_hits;
        self.automated_first_at = earlier(self.automated_first_at.take(), other.automated_first_at);
        self.automated_last_at = later(self.automated_last_at.take(), other.automated_last_at);
        self.automated_sources.extend(other.automated_sources);
        self.human |= other.human;
    }

    fn summary(self, individual_id: String) -> IndividualSummary {
        // People's rows show what they did; someone only scanners touched, what the scanners did.
        let (identity, first_at, last_at, sources) = match self.human {
            true => (self.latest, self.first_at, self.last_at, self.sources),
            false => (self.latest_automated, self.automated_first_at, self.automated_last_at, self.automated_sources),
        };
        let (_, name, email, company_name) = identity.unwrap_or_default();
        IndividualSummary {
            individual_id,
            name,
            email,
            company_name,
            sources: sources.into_iter().collect(),
            files_viewed: self.files_viewed,
            downloads: self.downloads,
            orders: self.orders,
            first_at,
            last_at,
            automated_hits: self.automated_hits,
            first_at_local: None,
            last_at_local: None,
            human: self.human,
        }
    }
}

/// Sums records into summaries as they are read, in any order, in parts that can be merged.
#[derive(Debug, Clone, Default)]
pub struct Summarizer(HashMap<String, Tally>);

impl Summarizer {
    /// Adds one record.
    pub fn add(&mut self, record: &AccessRecord) {
        self.0.entry(record.individual_id.clone()).or_default().add(record);
    }

    /// Adds what another summarizer summed.
    pub fn merge(&mut self, other: Summarizer) {
        for (id, tally) in other.0 {
            self.0.entry(id).or_default().merge(tally);
        }
    }

    /// One summary per individual.
    pub fn finish(self) -> Vec<IndividualSummary> {
        self.0.into_iter().map(|(id, tally)| tally.summary(id)).collect()
    }
}

/// One summary per individual in `records` (people's and scanners' records of one job, any
/// order): distinct files viewed, downloads and orders, first and last access and the ways they
/// came, from their human records; for an individual only scanners touched, the times and ways of
/// the scanners' hits. Hits judged automated are counted apart and never in the rest. Identity
/// (name, e-mail, company) is the one their latest access recorded.
pub fn summarize(records: impl IntoIterator<Item = AccessRecord>) -> Vec<IndividualSummary> {
    let mut summarizer = Summarizer::default();
    for record in records {
        summarizer.add(&record);
    }
    summarizer.finish()
}

/// A page of `summaries` in `order`: people (phase 0), then, with `include_automated`,
/// individuals only scanners touched (phase 1); `limit` of them after `start`, and where the next
/// page starts (`None` on the last).
pub fn page(
    summaries: Vec<IndividualSummary>,
    order: IndividualOrder,
    include_automated: bool,
    start: Option<&Cursor>,
    limit: usize,
) -> (Vec<IndividualSummary>, Option<Cursor>) {
    let mut sorted: Vec<((u32, String), IndividualSummary)> = summaries
        .into_iter()
        .filter(|s| s.human || include_automated)
        .map(|s| ((u32::from(!s.human), order.sort_key(&s)), s))
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let after = start.map(|c| (c.phase, c.key.get("after").cloned().unwrap_or_default()));
    let mut rest = sorted.into_iter().filter(|(key, _)| after.as_ref().is_none_or(|a| key > a)).peekable();
    let mut items = Vec::new();
    let mut last = None;
    while items.len() < limit {
        match rest.next() {
            Some((key, summary)) => {
                last = Some(key);
                items.push(summary);
            }
            None => break,
        }
    }
    let next = match (rest.peek(), last) {
        (Some(_), Some((phase, key))) => Some(Cursor { phase, key: BTreeMap::from([("after".to_owned(), key)]) }),
        _ => None,
    };
    (items, next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::ObjectView;

    fn record(id: &str, name: &str, activity: &str, kind: &str, object: &str, automated: bool) -> AccessRecord {
        AccessRecord {
            job_id: "j".into(),
            individual_id: id.into(),
            name: name.into(),
            email: Some(format!("{id}@x.test")),
            company_name: None,
            activity: activity.into(),
            object: ObjectView { kind: kind.into(), id: object.into(), name: object.into() },
            section: None,
            first_at: "2026-12-01T10:00:00.000Z".into(),
            last_at: "2026-12-01T10:00:00.000Z".into(),
            count: 1,
            source: "login".into(),
            device: None,
            automated,
            automated_reason: automated.then(|| "burst".into()),
            confidence: Some("high".into()),
            sources: vec!["login".into()],
            first_at_local: None,
            last_at_local: None,
        }
    }

    fn at(mut r: AccessRecord, first: &str, last: &str) -> AccessRecord {
        r.first_at = first.into();
        r.last_at = last.into();
        r
    }

    #[test]
    fn a_person_adds_up_their_human_records_and_counts_scanner_hits_apart() {
        let mut scanner = record("a", "Ann", "view", "file", "f3", true);
        scanner.count = 4;
        scanner.sources = vec!["b-1".into()];
        let records = vec![
            at(record("a", "Ann", "view", "file", "f1", false), "2026-12-01T10:00:00.000Z", "2026-12-02T09:00:00.000Z"),
            at(
                record("a", "Ann B.", "view", "file", "f2", false),
                "2026-12-01T09:00:00.000Z",
                "2026-12-03T09:00:00.000Z",
            ),
            record("a", "Ann", "download", "section", "s1", false),
            record("a", "Ann", "view", "section", "s1", false),
            scanner,
        ];
        let all = summarize(records);
        assert_eq!(all.len(), 1);
        let ann = &all[0];
        assert_eq!((ann.files_viewed, ann.downloads, ann.orders, ann.automated_hits), (2, 1, 0, 4));
        assert_eq!(ann.first_at.as_deref(), Some("2026-12-01T09:00:00.000Z"));
        assert_eq!(ann.last_at.as_deref(), Some("2026-12-03T09:00:00.000Z"));
        assert_eq!(ann.name, "Ann B.", "the identity of the latest access");
        assert_eq!(ann.sources, vec!["login"], "a scanner's blast is not a way the person came");
        assert!(ann.human);
    }

    #[test]
    fn parts_summed_apart_and_merged_equal_the_whole_in_any_order() {
        let mut records = Vec::new();
        for (i, id) in ["a", "b", "a", "c", "a", "b"].iter().enumerate() {
            let automated = i % 3 == 2;
            let mut r = at(
                record(
                    id,
                    &format!("N{i}"),
                    if i % 2 == 0 { "view" } else { "download" },
                    "file",
                    &format!("f{i}"),
                    automated,
                ),
                &format!("2026-12-01T10:00:0{i}.000Z"),
                &format!("2026-12-02T10:00:0{i}.000Z"),
            );
            r.count = i as u64 + 1;
            records.push(r);
        }
        let whole = summarize(records.clone());
        let (mut left, mut right) = (Summarizer::default(), Summarizer::default());
        for (i, r) in records.iter().rev().enumerate() {
            if i % 2 == 0 { left.add(r) } else { right.add(r) }
        }
        right.merge(left);
        let sorted = |mut v: Vec<IndividualSummary>| {
            v.sort_by(|x, y| x.individual_id.cmp(&y.individual_id));
            v
        };
        assert_eq!(sorted(right.finish()), sorted(whole));
    }

    #[test]
    fn someone_only_scanners_touched_shows_the_scanners_times_and_nothing_counted() {
        let mut hit =
            at(record("z", "Zed", "view", "file", "f1", true), "2026-12-01T08:00:00.000Z", "2026-12-01T08:00:01.000Z");
        hit.sources = vec!["b-9".into()];
        let zed = &summarize([hit])[0];
        assert!(!zed.human);
        assert_eq!((zed.files_viewed, zed.automated_hits), (0, 1));
        assert_eq!(zed.first_at.as_deref(), Some("2026-12-01T08:00:00.000Z"));
        assert_eq!(zed.sources, vec!["b-9"]);
    }

    #[test]
    fn pages_run_through_people_then_scanner_only_individuals_once_in_order() {
        let mut records = Vec::new();
        for (id, name) in [("1", "carol"), ("2", "Alice"), ("3", "bob"), ("4", "alice")] {
            records.push(record(id, name, "view", "file", "f", false));
        }
        records.push(record("9", "Aaron", "view", "file", "f", true));
        let all = summarize(records);
        for include_automated in [false, true] {
            let mut seen = Vec::new();
            let mut cursor = None;
            loop {
                let (items, next) = page(all.clone(), IndividualOrder::Name, include_automated, cursor.as_ref(), 2);
                seen.extend(items.into_iter().map(|s| s.individual_id));
                match next {
                    Some(next) => cursor = Some(next),
                    None => break,
                }
            }
            let expected: &[&str] = if include_automated { &["2", "4", "3", "1", "9"] } else { &["2", "4", "3", "1"] };
            assert_eq!(seen, expected, "include_automated={include_automated}");
        }
    }

    #[test]
    fn orders_sort_by_company_and_by_first_access() {
        let mut a = record("a", "Zoe", "view", "file", "f", false);
        a.company_name = Some("Acme".into());
        let b =
            at(record("b", "Abe", "view", "file", "f", false), "2026-11-01T00:00:00.000Z", "2026-11-01T00:00:00.000Z");
        let mut c = record("c", "Abe", "view", "file", "f", false);
        c.company_name = Some("beta".into());
        let all = summarize([a, b, c]);
        let ids = |order| {
            page(all.clone(), order, false, None, 10).0.into_iter().map(|s| s.individual_id).collect::<Vec<_>>()
        };
        assert_eq!(ids(IndividualOrder::Company), ["b", "a", "c"], "no company sorts first");
        assert_eq!(ids(IndividualOrder::FirstAt), ["b", "a", "c"]);
        assert_eq!(ids(IndividualOrder::Name), ["b", "c", "a"]);
    }
}
