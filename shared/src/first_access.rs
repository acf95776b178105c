//! First access: the first time an individual did an activity on an object is recorded once and
//! never overwritten; later accesses bump `count` and move `last_at` forward. Automated (scanner)
//! accesses are kept apart and never become, or bump, a first access.
//!
//! Every accepted event is one row of the log ([`crate::user_activity`]); a record follows from
//! the events of its (individual, activity, object). This module decides, without storage, what
//! the events of one capture do to each record ([`updates`]) and, once DynamoDB applied a record's
//! update atomically and answered its new state, what each event answers ([`results`]): under any
//! number of concurrent captures every event gets its own count, and the one that made the count 1
//! is the first access.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::event::EventInput;
use crate::ids::Id;
use crate::individual::Individual;
use crate::judgement::{Judgement, TakenAs};
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

/// One post of events by one individual (a tracked-link hit, once judged, is a capture of one).
#[derive(Debug, Clone)]
pub struct Capture<'a> {
    /// The tenant.
    pub planroom: &'a Id,
    /// Who.
    pub individual: &'a Individual,
    /// Login or blast.
    pub source: &'a Source,
    /// A person's or a machine's: automated accesses are kept apart and never become, or bump, a
    /// human first access.
    pub judgement: &'a Judgement,
    /// What was done, in request order, each at its own time.
    pub events: &'a [EventInput],
}

/// What recording one event answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recorded {
    /// Whether this event created the record: exactly one event of a record is its first access.
    pub first: bool,
    /// When the record's first access happened (the earliest of its events, whatever their order
    /// of arrival), stored form.
    pub first_at: String,
    /// The record's count once this event was applied: every event of a record has its own.
    pub count: u64,
    /// A person's or a machine's.
    pub taken_as: TakenAs,
    /// Why it was taken as a machine's.
    pub automated_reason: Option<String>,
    /// The landing page of the tracked link the recipient followed: the same view as the link's
    /// hit, counted once, with it (the record as far as it is counted).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub landing: bool,
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
    /// The record an event counts in (human or automated).
    pub fn record_key(&self, event: &EventInput) -> ItemKey {
        ItemKey {
            pk: keys::job_pk(self.planroom, &event.job),
            sk: keys::first_access_sk(
                &self.individual.id,
                event.activity,
                event.object.kind,
                &event.object.id,
                self.judgement.is_automated(),
            ),
        }
    }
}

/// The change the events of one capture make to one record, applied as one atomic update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordUpdate {
    /// Which record.
    pub key: ItemKey,
    /// The event that describes it, should the update create it (the first of the capture's).
    pub describing: usize,
    /// The events counted, in request order.
    pub events: Vec<usize>,
    /// The earliest of their times (the record's `first_at` moves back to it, never forward).
    pub earliest: Timestamp,
    /// The latest (the record's `last_at` moves forward to it, never back).
    pub latest: Timestamp,
}

impl RecordUpdate {
    /// How many accesses the update adds.
    pub fn added(&self) -> u64 {
        self.events.len() as u64
    }
}

/// The record updates of `applied`, the events of `capture` to count (by index, in request order;
/// events answered from the log are not among them): one per record, in the order of its first event.
pub fn updates(capture: &Capture<'_>, applied: &[usize]) -> Vec<RecordUpdate> {
    let mut out: Vec<RecordUpdate> = Vec::new();
    let mut position: HashMap<ItemKey, usize> = HashMap::new();
    for &i in applied {
        let event = &capture.events[i];
        let key = capture.record_key(event);
        match position.get(&key) {
            Some(&at) => {
                let update = &mut out[at];
                update.events.push(i);
                update.earliest = update.earliest.min(event.at);
                update.latest = update.latest.max(event.at);
            }
            None => {
                position.insert(key.clone(), out.len());
                out.push(RecordUpdate { key, describing: i, events: vec![i], earliest: event.at, latest: event.at });
            }
        }
    }
    out
}

/// A record's state right after an update was applied to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordState {
    /// Accesses counted, this update's included.
    pub count: u64,
    /// Its first access.
    pub first_at: Timestamp,
}

/// What each event of `update` answers once the record reads `after`: DynamoDB added the update's
/// events at once, so they hold the last counts, in request order; the one holding 1 created the
/// record.
pub fn results(capture: &Capture<'_>, update: &RecordUpdate, after: RecordState) -> Vec<(usize, Recorded)> {
    let start = after.count.saturating_sub(update.added());
    update
        .events
        .iter()
        .enumerate()
        .map(|(n, &i)| {
            let count = start + n as u64 + 1;
            let recorded = Recorded {
                first: count == 1,
                first_at: crate::time::format(after.first_at),
                count,
                taken_as: capture.judgement.taken_as(),
                automated_reason: capture.judgement.automated.clone(),
                landing: false,
            };
            (i, recorded)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::decode_batch;
    use crate::individual::Email;
    use crate::judgement::Confidence;

    fn arrival() -> Timestamp {
        "2026-12-03T14:00:00Z".parse().unwrap()
    }

    fn person() -> Individual {
        Individual::by_email(Email::parse("zoe@bidder.test").unwrap(), Default::default(), None)
    }

    fn events(json: &str) -> Vec<EventInput> {
        decode_batch(json.as_bytes(), arrival()).unwrap()
    }

    const THREE: &str = r#"[
        {"job_id":"j","activity":"view","object":{"kind":"file","id":"f1"},"occurred_at":"2026-12-03T13:00:00Z"},
        {"job_id":"j","activity":"download","object":{"kind":"file","id":"f1"}},
        {"job_id":"j","activity":"view","object":{"kind":"file","id":"f1"},"occurred_at":"2026-12-03T12:00:00Z"}]"#;

    fn with<T>(judgement: Judgement, events: &[EventInput], check: impl FnOnce(&Capture<'_>) -> T) -> T {
        let (planroom, who, source) = (Id::parse("p", "p").unwrap(), person(), Source::Login);
        check(&Capture { planroom: &planroom, individual: &who, source: &source, judgement: &judgement, events })
    }

    #[test]
    fn events_of_one_record_make_one_update_spanning_their_times() {
        let batch = events(THREE);
        with(Judgement::human(Confidence::High), &batch, |capture| {
            let all = updates(capture, &[0, 1, 2]);
            assert_eq!(all.len(), 2);
            assert_eq!((all[0].describing, all[0].events.clone()), (0, vec![0, 2]));
            assert_eq!(crate::time::format(all[0].earliest), "2026-12-03T12:00:00.000Z", "the offline one");
            assert_eq!(crate::time::format(all[0].latest), "2026-12-03T13:00:00.000Z");
            assert!(all[0].key.sk.starts_with("FA#"));
            assert_eq!(all[1].events, [1]);
            assert_eq!(updates(capture, &[1]).len(), 1, "events answered from the log are not counted");
        });
    }

    #[test]
    fn each_event_answers_its_own_count_and_the_one_at_one_is_the_first() {
        let batch = events(THREE);
        with(Judgement::human(Confidence::High), &batch, |capture| {
            let update = &updates(capture, &[0, 1, 2])[0];
            let created = results(capture, update, RecordState { count: 2, first_at: update.earliest });
            assert_eq!(
                created.iter().map(|(i, r)| (*i, r.first, r.count)).collect::<Vec<_>>(),
                [(0, true, 1), (2, false, 2)]
            );
            assert!(created.iter().all(|(_, r)| r.first_at == "2026-12-03T12:00:00.000Z"));
            // Concurrent captures got there first: these are the 6th and 7th accesses.
            let later = results(capture, update, RecordState { count: 7, first_at: update.earliest });
            assert_eq!(later.iter().map(|(_, r)| (r.first, r.count)).collect::<Vec<_>>(), [(false, 6), (false, 7)]);
            assert_eq!(later[0].1.taken_as, TakenAs::Human);
        });
    }

    #[test]
    fn automated_captures_touch_only_automated_records_and_say_why() {
        let batch = events(THREE);
        with(Judgement::automated("head_request", Confidence::High), &batch, |capture| {
            let updates = updates(capture, &[0, 1, 2]);
            assert!(updates.iter().all(|u| u.key.sk.starts_with("AUTO#")));
            let answered = results(capture, &updates[1], RecordState { count: 1, first_at: arrival() });
            assert_eq!(answered[0].1.taken_as, TakenAs::Automated);
            assert_eq!(answered[0].1.automated_reason.as_deref(), Some("head_request"));
        });
    }

    #[test]
    fn each_job_has_its_own_records() {
        let batch = events(
            r#"[{"job_id":"a","activity":"view","object":{"kind":"file","id":"f"}},
                {"job_id":"b","activity":"view","object":{"kind":"file","id":"f"}}]"#,
        );
        with(Judgement::human(Confidence::High), &batch, |capture| {
            let updates = updates(capture, &[0, 1]);
            assert_eq!(updates.len(), 2);
            assert_ne!(updates[0].key.pk, updates[1].key.pk);
        });
    }
}
