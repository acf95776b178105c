//! First access: the first time an individual did an activity on an object is recorded once and
//! never overwritten; repeats only bump `count` and `last_at`. Automated (scanner) hits are kept
//! apart and never become, or bump, a first access.
//!
//! A post of events is a [`Capture`]. It is applied whole or not at all, and exactly once per
//! `event_id`: [`plan`] decides, from what is stored (read first), what each event answers and what
//! must be written; the store writes it in one transaction whose conditions fail if anything it
//! relied on changed meanwhile, and then plans again from a fresh read.

use std::collections::HashMap;

use crate::Result;
use crate::event::EventInput;
use crate::ids::Id;
use crate::individual::Individual;
use crate::keys;

/// How an access reached the planroom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A logged-in user of the planroom.
    Login,
    /// A recipient of the blast with this id, by a tracked link or its contact session.
    Blast(Id),
}

impl Source {
    /// The stored form: `login` or `blast:{id}`.
    pub fn as_stored(&self) -> String {
        match self {
            Source::Login => "login".into(),
            Source::Blast(id) => format!("blast:{id}"),
        }
    }
}

/// One post of events by one individual (a tracked-link hit is a post of one event).
#[derive(Debug, Clone)]
pub struct Capture<'a> {
    /// The tenant.
    pub planroom: &'a Id,
    /// Who.
    pub individual: &'a Individual,
    /// Login or blast.
    pub source: &'a Source,
    /// `Some(reason)` when the hits are automated (an e-mail scanner, a prefetch): they are kept
    /// apart and never become, or bump, a human first access.
    pub automated: Option<&'a str>,
    /// When, in the stored form (see [`crate::time`]).
    pub at: &'a str,
    /// What was done, in request order.
    pub events: &'a [EventInput],
}

/// The outcome of recording one event.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Recorded {
    /// Whether this event created the first-access record.
    pub first: bool,
    /// When the first access happened.
    pub first_at: String,
    /// How many accesses the record counted once this event was applied.
    pub count: u64,
    /// When the event was applied: now, or for a retry the first time (its User Activity row's
    /// time, so a retry finds the row it made).
    #[serde(skip)]
    pub at: String,
}

/// Storage of first accesses.
pub trait FirstAccessStore {
    /// Applies a capture whole, at most once per `event_id`; answers one result per event.
    fn record(&self, capture: &Capture<'_>) -> impl Future<Output = Result<Vec<Recorded>>> + Send;
}

/// The key of a stored item.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ItemKey {
    /// Partition key.
    pub pk: String,
    /// Sort key.
    pub sk: String,
}

impl Capture<'_> {
    /// The first-access record an event counts in (human or automated).
    pub fn record_key(&self, event: &EventInput) -> ItemKey {
        ItemKey {
            pk: keys::job_pk(self.planroom, &event.job),
            sk: keys::first_access_sk(
                &self.individual.id,
                event.activity,
                event.object.kind,
                &event.object.id,
                self.automated.is_some(),
            ),
        }
    }

    /// The individual's summary in the event's job.
    pub fn summary_key(&self, event: &EventInput) -> ItemKey {
        ItemKey { pk: keys::job_pk(self.planroom, &event.job), sk: keys::individual_sk(&self.individual.id) }
    }

    /// Where an event with a client id is logged.
    pub fn log_key(&self, event: &EventInput) -> Option<ItemKey> {
        let id = event.event_id.as_ref()?;
        Some(ItemKey { pk: keys::event_pk(self.planroom, id.as_str()), sk: keys::EVENT_SK.to_owned() })
    }
}

/// What a stored first-access record holds that a plan needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    /// Accesses counted so far.
    pub count: u64,
    /// When the first one happened.
    pub first_at: String,
}

/// What was stored when the plan was made.
#[derive(Debug, Clone, Default)]
pub struct Stored {
    /// The first-access records the capture touches that exist.
    pub records: HashMap<ItemKey, StoredRecord>,
    /// Events already applied, by `event_id`, with the result they answered.
    pub events: HashMap<String, Recorded>,
}

/// A write of one first-access record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordWrite {
    /// Which record.
    pub key: ItemKey,
    /// The first event of the capture that counts in it (its job, object and section describe it).
    pub event: usize,
    /// Whether the record is created (it must not exist) or bumped (it must exist).
    pub create: bool,
    /// Accesses the capture adds.
    pub added: u64,
}

/// A write of one individual summary (one per job the capture touches).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryWrite {
    /// Which summary.
    pub key: ItemKey,
    /// Accesses the capture adds in this job.
    pub accesses: u64,
    /// Distinct-object counters (`files_viewed`, `downloads`, `orders`) the capture's new
    /// records add to, with how much.
    pub counters: Vec<(&'static str, u64)>,
}

/// A log entry of an event with a client id: its result, so that a retry answers the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogWrite {
    /// Where.
    pub key: ItemKey,
    /// Which event of the capture.
    pub event: usize,
    /// What it answered.
    pub result: Recorded,
}

/// What a capture answers and writes, given what is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// One result per event, in request order.
    pub results: Vec<Recorded>,
    /// Records created or bumped.
    pub records: Vec<RecordWrite>,
    /// Summaries updated.
    pub summaries: Vec<SummaryWrite>,
    /// Events logged by their client id.
    pub log: Vec<LogWrite>,
}

impl Plan {
    /// Whether the plan writes nothing (every event was applied before).
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.summaries.is_empty() && self.log.is_empty()
    }
}

/// Plans a capture against what is stored. An event whose `event_id` was applied before answers
/// its original result and writes nothing; a repeated `event_id` within the capture answers what
/// its first occurrence answers.
pub fn plan(capture: &Capture<'_>, stored: &Stored) -> Plan {
    let mut results: Vec<Option<Recorded>> = vec![None; capture.events.len()];
    let mut copies: Vec<(usize, usize)> = Vec::new();
    let mut first_with_id: HashMap<&str, usize> = HashMap::new();
    let mut records: Vec<RecordWrite> = Vec::new();
    let mut counts: HashMap<ItemKey, (u64, String)> = HashMap::new();
    let mut summaries: Vec<SummaryWrite> = Vec::new();
    let mut log = Vec::new();
    for (i, event) in capture.events.iter().enumerate() {
        if let Some(id) = &event.event_id {
            if let Some(done) = stored.events.get(id.as_str()) {
                results[i] = Some(done.clone());
                continue;
            }
            if let Some(&earlier) = first_with_id.get(id.as_str()) {
                copies.push((i, earlier));
                continue;
            }
            first_with_id.insert(id.as_str(), i);
        }
        let key = capture.record_key(event);
        let (count, first_at) = counts.entry(key.clone()).or_insert_with(|| match stored.records.get(&key) {
            Some(record) => (record.count, record.first_at.clone()),
            None => (0, capture.at.to_owned()),
        });
        *count += 1;
        let first = *count == 1;
        let result = Recorded { first, first_at: first_at.clone(), count: *count, at: capture.at.to_owned() };
        match records.iter_mut().find(|r| r.key == key) {
            Some(write) => write.added += 1,
            None => records.push(RecordWrite { key, event: i, create: first, added: 1 }),
        }
        let summary_key = capture.summary_key(event);
        let summary = match summaries.iter().position(|s| s.key == summary_key) {
            Some(at) => &mut summaries[at],
            None => {
                summaries.push(SummaryWrite { key: summary_key, accesses: 0, counters: Vec::new() });
                summaries.last_mut().expect("just pushed")
            }
        };
        summary.accesses += 1;
        let counter =
            event.activity.summary_counter(event.object.kind).filter(|_| first && capture.automated.is_none());
        if let Some(counter) = counter {
            match summary.counters.iter_mut().find(|(name, _)| *name == counter) {
                Some((_, n)) => *n += 1,
                None => summary.counters.push((counter, 1)),
            }
        }
        if let Some(key) = capture.log_key(event) {
            log.push(LogWrite { key, event: i, result: result.clone() });
        }
        results[i] = Some(result);
    }
    for (copy, original) in copies {
        results[copy] = results[original].clone();
    }
    Plan { results: results.into_iter().map(Option::unwrap_or_default).collect(), records, summaries, log }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::decode_batch;
    use crate::individual::Email;

    const AT: &str = "2026-11-26T10:00:00.000Z";

    fn person() -> Individual {
        Individual::by_email(Email::parse("zoe@bidder.test").unwrap(), Default::default(), None)
    }

    fn events(json: &str) -> Vec<EventInput> {
        decode_batch(json.as_bytes()).unwrap()
    }

    fn capture<'a>(
        planroom: &'a Id,
        who: &'a Individual,
        source: &'a Source,
        automated: Option<&'a str>,
        events: &'a [EventInput],
    ) -> Capture<'a> {
        Capture { planroom, individual: who, source, automated, at: AT, events }
    }

    const TWO_VIEWS_AND_A_DOWNLOAD: &str = r#"[
        {"event_id":"e1","job_id":"j","activity":"view","object":{"kind":"file","id":"f1"}},
        {"event_id":"e2","job_id":"j","activity":"view","object":{"kind":"file","id":"f1"}},
        {"job_id":"j","activity":"download","object":{"kind":"file","id":"f1"}}]"#;

    #[test]
    fn a_new_record_is_created_once_and_counted_per_event() {
        let (planroom, who, source) = (Id::parse("p", "p").unwrap(), person(), Source::Login);
        let batch = events(TWO_VIEWS_AND_A_DOWNLOAD);
        let plan = plan(&capture(&planroom, &who, &source, None, &batch), &Stored::default());
        let counts: Vec<_> = plan.results.iter().map(|r| (r.first, r.count)).collect();
        assert_eq!(counts, [(true, 1), (false, 2), (true, 1)]);
        assert!(plan.results.iter().all(|r| r.first_at == AT));
        assert_eq!(plan.records.len(), 2);
        assert_eq!((plan.records[0].create, plan.records[0].added), (true, 2));
        assert_eq!(plan.summaries.len(), 1);
        assert_eq!(plan.summaries[0].accesses, 3);
        assert_eq!(plan.summaries[0].counters, [("files_viewed", 1), ("downloads", 1)]);
        assert_eq!(plan.log.len(), 2, "only events with an id are logged");
    }

    #[test]
    fn stored_records_are_bumped_and_keep_their_first_time() {
        let (planroom, who, source) = (Id::parse("p", "p").unwrap(), person(), Source::Login);
        let batch = events(TWO_VIEWS_AND_A_DOWNLOAD);
        let c = capture(&planroom, &who, &source, None, &batch);
        let mut stored = Stored::default();
        stored.records.insert(c.record_key(&batch[0]), StoredRecord { count: 7, first_at: "earlier".into() });
        let plan = plan(&c, &stored);
        assert_eq!(plan.results[0], Recorded { first: false, first_at: "earlier".into(), count: 8, at: AT.into() });
        assert_eq!(plan.results[1].count, 9);
        assert!(!plan.records[0].create);
        assert_eq!(plan.summaries[0].counters, [("downloads", 1)], "a bump is not another distinct file");
    }

    #[test]
    fn applied_event_ids_answer_their_original_result_and_write_nothing() {
        let (planroom, who, source) = (Id::parse("p", "p").unwrap(), person(), Source::Login);
        let batch = events(
            r#"[{"event_id":"e1","job_id":"j","activity":"view","object":{"kind":"file","id":"f1"}},
                {"event_id":"e1","job_id":"j","activity":"view","object":{"kind":"file","id":"f1"}}]"#,
        );
        let original = Recorded { first: true, first_at: "then".into(), count: 1, at: "then".into() };
        let mut stored = Stored::default();
        stored.events.insert("e1".into(), original.clone());
        let done = plan(&capture(&planroom, &who, &source, None, &batch), &stored);
        assert!(done.is_empty());
        assert_eq!(done.results, [original.clone(), original]);
        let fresh = plan(&capture(&planroom, &who, &source, None, &batch), &Stored::default());
        assert_eq!(fresh.results[0], fresh.results[1], "a copy within the post answers the same");
        assert_eq!(fresh.records[0].added, 1, "and counts once");
        assert_eq!(fresh.log.len(), 1);
    }

    #[test]
    fn automated_captures_touch_only_automated_records_and_no_counters() {
        let (planroom, who, source) = (Id::parse("p", "p").unwrap(), person(), Source::Login);
        let batch = events(TWO_VIEWS_AND_A_DOWNLOAD);
        let c = capture(&planroom, &who, &source, Some("head_request"), &batch);
        let plan = plan(&c, &Stored::default());
        assert!(plan.records.iter().all(|r| r.key.sk.starts_with("AUTO#")));
        assert!(plan.summaries[0].counters.is_empty());
        assert_eq!(plan.summaries[0].accesses, 3);
    }

    #[test]
    fn each_job_has_its_own_summary() {
        let (planroom, who, source) = (Id::parse("p", "p").unwrap(), person(), Source::Login);
        let batch = events(
            r#"[{"job_id":"a","activity":"view","object":{"kind":"file","id":"f"}},
                {"job_id":"b","activity":"view","object":{"kind":"file","id":"f"}}]"#,
        );
        let plan = plan(&capture(&planroom, &who, &source, None, &batch), &Stored::default());
        assert_eq!(plan.summaries.len(), 2);
        assert_ne!(plan.summaries[0].key, plan.summaries[1].key);
    }
}
