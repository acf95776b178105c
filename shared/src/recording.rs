//! Recording a capture (the events of `POST /v1/events` and `POST /v1/contact-events`): each event
//! is counted in its record and logged as one row, exactly once per event.
//!
//! 1. **Which events are new.** An event with a client `event_id` has a row key of its own: with
//!    `occurred_at`, the key follows from the id and that time, and one consistent read of the
//!    post's keys finds the events logged before; without it, the id is remembered (a conditional
//!    PutItem) beside the row it names. An event found answers what its row says it answered and
//!    writes nothing more. An event without an id is new.
//! 2. **Count.** The new events of each record are added to it in one atomic UpdateItem that
//!    answers the new count ([`crate::first_access`]): each event holds its own count, the one at 1
//!    is the first access.
//! 3. **Log.** Each new event's row is written with what it answered, conditionally on its key; a
//!    concurrent copy of the same event that got there first wins, and this one gives its count
//!    back and answers the stored result.
//!
//! A failure after step 2 gives back what was counted and removes what was logged (best effort),
//! then answers the error: the client's retry finds nothing half done. The landing page of a
//! tracked link (the recipient's first view of the link's own target, through the session the link
//! handed out) is not a second view: it is logged once as the link's confirmation, which the judge
//! of the link's hit reads, and answers the click's record.

use std::collections::HashMap;

use futures::future::try_join_all;
use jiff::Timestamp;

use crate::first_access::{self, Capture, Recorded};
use crate::ids::Id;
use crate::store::DynamoStore;
use crate::store::log::{entry_result, row_key_of};
use crate::store::records::{Applied, Once};
use crate::user_activity::log::{LogEntry, RowKey, new_key, row_key};
use crate::user_activity::partition::event_key;
use crate::user_activity::row::{JobFields, UserFields};
use crate::user_activity::sources::{self, CaptureKind};
use crate::{Error, Result, time};

/// A tracked link's hit a contact session was handed for: its landing page's view is its own.
#[derive(Debug, Clone)]
pub struct Landing {
    /// The hit's row (its sort key).
    pub hit: String,
    /// When the hit was.
    pub at: Timestamp,
    /// The record key (sort key) the link counts in: the landing's view is the same access.
    pub record_sk: String,
}

/// Everything a capture is recorded with.
#[derive(Debug, Clone)]
pub struct CaptureRequest<'a> {
    /// The events and who made them.
    pub capture: Capture<'a>,
    /// Who, as the rows show them.
    pub user: &'a UserFields,
    /// The client's `User-Agent`.
    pub user_agent: Option<&'a str>,
    /// Each event's job as registered (every event's job is in it: unregistered jobs are refused
    /// before).
    pub jobs: &'a HashMap<Id, JobFields>,
    /// When the post arrived.
    pub arrived: Timestamp,
    /// The tracked-link hit of a contact session.
    pub landing: Option<&'a Landing>,
}

/// How an event is found again.
#[derive(Debug, Clone)]
enum Identity {
    /// A fresh key: never seen before.
    Fresh,
    /// A client id with its time: the row's key says it all.
    Keyed,
    /// A client id without a time: remembered beside its row.
    Remembered,
    /// The landing page of the session's hit.
    Landing,
}

/// One event's place in the log.
#[derive(Debug, Clone)]
struct Slot {
    identity: Identity,
    key: String,
    row: RowKey,
}

/// What became of one event.
#[derive(Debug, Clone)]
enum Outcome {
    /// Answered from the log (a retry, or a copy within the post of event `usize`).
    Answered(Recorded),
    /// The same as another event of the post.
    CopyOf(usize),
    /// New: to be counted and logged.
    New,
}

/// Records `request`: one answer per event, in request order.
pub async fn record(store: &DynamoStore, request: &CaptureRequest<'_>) -> Result<Vec<Recorded>> {
    let capture = &request.capture;
    let mut slots = slots(store, request, true);
    if let Some(landing) = slots.iter().find(|s| matches!(s.identity, Identity::Landing)) {
        // The landing page confirmed its hit before: this view is the recipient's own (a reload,
        // a later visit), counted like any other, unless it is the confirmation's retry.
        let row = landing.row.clone();
        if let Some(item) = store.entries_at(std::slice::from_ref(&row)).await?.get(&row) {
            let stored_id = item.get("event_id").and_then(|v| v.as_s().ok()).map(String::as_str);
            let retry = capture.events.iter().any(|e| e.event_id.as_ref().map(|id| id.as_str()) == stored_id);
            if !retry {
                slots = self::slots(store, request, false);
            }
        }
    }
    let mut outcomes = find_logged(store, request, &slots).await?;
    let new: Vec<usize> = (0..slots.len())
        .filter(|&i| matches!(outcomes[i], Outcome::New) && !matches!(slots[i].identity, Identity::Landing))
        .collect();
    let updates = first_access::updates(capture, &new);
    let mut answers: HashMap<usize, Recorded> = HashMap::new();
    let mut counted: Vec<(usize, &first_access::ItemKey)> = Vec::new();
    let mark = |u: &first_access::RecordUpdate| Once(&slots[u.events[0]].key);
    let applied = futures::future::join_all(updates.iter().map(|u| store.apply_record(capture, u, mark(u)))).await;
    let mut failure = None;
    for (update, applied) in updates.iter().zip(applied) {
        match applied {
            Ok(Applied::Counted(state)) => {
                for (i, recorded) in first_access::results(capture, update, state) {
                    counted.push((i, &update.key));
                    answers.insert(i, recorded);
                }
            }
            Ok(Applied::AlreadyCounted) => {
                failure.get_or_insert(Error::internal("counting accesses", "a capture's count was taken for a hit's"));
            }
            Err(err) => {
                failure.get_or_insert(err);
            }
        }
    }
    if let Some(err) = failure {
        give_back(store, request, &slots, &counted, &[]).await;
        return Err(err);
    }
    let landing_answer = match slots.iter().position(|s| matches!(s.identity, Identity::Landing)) {
        Some(i) if matches!(outcomes[i], Outcome::New) => Some(landing_answer(store, request).await?),
        _ => None,
    };
    let logged = log_new(store, request, &slots, &outcomes, &answers).await;
    let found = match logged {
        Ok(found) => found,
        Err((err, written)) => {
            give_back(store, request, &slots, &counted, &written).await;
            return Err(err);
        }
    };
    // Copies of an event that got there first (a concurrent retry) give their count back.
    for (i, stored) in found {
        if let Some((_, key)) = counted.iter().find(|(c, _)| *c == i) {
            store.withdraw_from_record(key, 1, None).await?;
        }
        outcomes[i] = Outcome::Answered(stored);
    }
    (0..slots.len())
        .map(|i| match &outcomes[i] {
            Outcome::Answered(recorded) => Ok(recorded.clone()),
            Outcome::CopyOf(original) => answer_of(*original, &outcomes, &answers, landing_answer.as_ref()),
            Outcome::New => answer_of(i, &outcomes, &answers, landing_answer.as_ref()),
        })
        .collect()
}

fn answer_of(
    i: usize,
    outcomes: &[Outcome],
    answers: &HashMap<usize, Recorded>,
    landing: Option<&Recorded>,
) -> Result<Recorded> {
    match &outcomes[i] {
        Outcome::Answered(recorded) => Ok(recorded.clone()),
        _ => answers
            .get(&i)
            .or(landing)
            .cloned()
            .ok_or_else(|| Error::internal("answering a capture", "an event was neither counted nor logged")),
    }
}

/// Where each event of the capture is logged, and how it is found again; with `landing`, the
/// first view of the session's link target is its landing page's.
fn slots(store: &DynamoStore, request: &CaptureRequest<'_>, landing: bool) -> Vec<Slot> {
    let capture = &request.capture;
    let shards = store.activity().shards;
    let owner = &capture.individual.id;
    let mut landing_taken = false;
    capture
        .events
        .iter()
        .map(|event| {
            let landing = request.landing.filter(|l| {
                landing
                    && !landing_taken
                    && capture.record_key(event).sk == l.record_sk
                    && !capture.judgement.is_automated()
            });
            if let Some(landing) = landing {
                landing_taken = true;
                let key = event_key("landing", owner, &landing.hit);
                let row = row_key(capture.planroom, &time::format(landing.at), owner, &key, shards);
                return Slot { identity: Identity::Landing, key, row };
            }
            let (identity, key, at) = match &event.event_id {
                None => (Identity::Fresh, new_key(), event.at),
                Some(id) => {
                    let key = event_key("event", owner, id.as_str());
                    // With its time the id alone finds the row; without, the time is the arrival's.
                    let identity = if event.client_time { Identity::Keyed } else { Identity::Remembered };
                    (identity, key, event.at)
                }
            };
            let row = row_key(capture.planroom, &time::format(at), owner, &key, shards);
            Slot { identity, key, row }
        })
        .collect()
}

/// Which events were logged before (answered from their rows), which are copies of an earlier
/// event of the post, and which are new.
async fn find_logged(store: &DynamoStore, request: &CaptureRequest<'_>, slots: &[Slot]) -> Result<Vec<Outcome>> {
    let capture = &request.capture;
    let mut outcomes = vec![Outcome::New; slots.len()];
    let mut first_of: HashMap<&str, usize> = HashMap::new();
    for (i, slot) in slots.iter().enumerate() {
        if matches!(slot.identity, Identity::Fresh) {
            continue;
        }
        match first_of.get(slot.key.as_str()) {
            Some(&earlier) => outcomes[i] = Outcome::CopyOf(earlier),
            None => {
                first_of.insert(&slot.key, i);
            }
        }
    }
    // Ids without a time are remembered now; one remembered before names its row.
    let remembered = (0..slots.len())
        .filter(|&i| matches!(slots[i].identity, Identity::Remembered) && matches!(outcomes[i], Outcome::New));
    let claims = remembered.map(|i| async move {
        store.claim_event_id(capture.planroom, &slots[i].key, &slots[i].row).await.map(|before| (i, before))
    });
    let claimed: Vec<(usize, Option<RowKey>)> = try_join_all(claims).await?;
    let mut wanted: Vec<RowKey> = Vec::new();
    let mut where_found: HashMap<usize, RowKey> = HashMap::new();
    for (i, slot) in slots.iter().enumerate() {
        if !matches!(outcomes[i], Outcome::New) {
            continue;
        }
        match slot.identity {
            Identity::Keyed | Identity::Landing => {
                wanted.push(slot.row.clone());
                where_found.insert(i, slot.row.clone());
            }
            _ => {}
        }
    }
    for (i, before) in claimed {
        if let Some(row) = before {
            wanted.push(row.clone());
            where_found.insert(i, row);
        }
    }
    if wanted.is_empty() {
        return Ok(outcomes);
    }
    let stored = store.entries_at(&wanted).await?;
    for (i, row) in where_found {
        let found = match (stored.get(&row), &slots[i].identity) {
            (Some(item), _) => Some(item.clone()),
            (None, Identity::Remembered) => {
                settle_claim(store, capture.planroom, &slots[i].key, &row, &slots[i].row).await?
            }
            (None, _) => None,
        };
        let Some(item) = found.as_ref() else { continue };
        if matches!(slots[i].identity, Identity::Landing) {
            // Logged before: this view is the recipient's own, unless it is the landing's retry.
            let same = capture.events[i].event_id.as_ref().map(|id| id.as_str())
                == item.get("event_id").and_then(|v| v.as_s().ok()).map(String::as_str);
            if same {
                outcomes[i] = Outcome::Answered(landing_answer(store, request).await?);
            }
            continue;
        }
        match entry_result(item) {
            Some(result) => outcomes[i] = Outcome::Answered(result),
            None => {
                return Err(Error::internal("finding a logged event", "its row holds no result"));
            }
        }
    }
    Ok(outcomes)
}

/// How long an attempt that remembered an event id may take to store its row: longer than a
/// capture can run (the capture function's timeout is 12 s). Past it, an id remembered without its
/// row belongs to an attempt that failed.
pub const CLAIM_LEASE_SECONDS: i64 = 15;

/// An event id remembered at `before`, whose row is not there: another attempt is storing it
/// (waited for a moment: its row, or a 503 to retry later), or one that failed left it (then the
/// id is remembered at `mine`, and `None` says: log it as new).
pub async fn settle_claim(
    store: &DynamoStore,
    planroom: &Id,
    key: &str,
    before: &RowKey,
    mine: &RowKey,
) -> Result<Option<crate::store::Item>> {
    let claimed_at = before.sk.split('#').next().and_then(|t| t.parse::<Timestamp>().ok());
    let in_flight = claimed_at.is_some_and(|at| (Timestamp::now() - at).as_secs() < CLAIM_LEASE_SECONDS);
    if in_flight {
        // Wait for it while the request's budget allows (its row comes within moments).
        while crate::budget::remaining() > std::time::Duration::from_millis(300) {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            if let Some(item) = store.entries_at(std::slice::from_ref(before)).await?.remove(before) {
                return Ok(Some(item));
            }
        }
        return Err(Error::Unavailable {
            context: "recording an event".into(),
            source: "another attempt of this event is being recorded; retry".into(),
        });
    }
    if store.reclaim_event_id(planroom, key, before, mine).await? {
        return Ok(None);
    }
    Err(Error::Unavailable {
        context: "recording an event".into(),
        source: "another attempt of this event is being recorded; retry".into(),
    })
}

/// The answer to a landing page's view: the link's record as far as it is counted (the judge
/// counts the link's hit).
async fn landing_answer(store: &DynamoStore, request: &CaptureRequest<'_>) -> Result<Recorded> {
    let capture = &request.capture;
    let (first_at, count) = match request.landing {
        Some(landing) => {
            let job = capture.events.first().map(|e| &e.job);
            let record = match job {
                Some(job) => store.record_state(capture.planroom, job, &landing.record_sk).await?,
                None => None,
            };
            match record {
                Some(state) => (state.first_at, state.count),
                None => (landing.at, 0),
            }
        }
        None => (request.arrived, 0),
    };
    Ok(Recorded {
        first: false,
        first_at: time::format(first_at),
        count,
        taken_as: capture.judgement.taken_as(),
        automated_reason: capture.judgement.automated.clone(),
        landing: true,
    })
}

/// Log entries by the index of their event.
type Numbered = Vec<(usize, LogEntry)>;

/// Logs every new event with what it answered; answers the events whose row was there already
/// (a concurrent copy got there first), with what their row says. On failure, the error and the
/// events whose rows this request wrote.
async fn log_new(
    store: &DynamoStore,
    request: &CaptureRequest<'_>,
    slots: &[Slot],
    outcomes: &[Outcome],
    answers: &HashMap<usize, Recorded>,
) -> Result<Vec<(usize, Recorded)>, (Error, Vec<usize>)> {
    let entries = entries(request, slots, outcomes, answers).map_err(|err| (err, Vec::new()))?;
    let capture = &request.capture;
    let (fresh, once): (Numbered, Numbered) =
        entries.into_iter().partition(|(i, _)| matches!(slots[*i].identity, Identity::Fresh));
    let fresh_entries: Vec<LogEntry> = fresh.iter().map(|(_, e)| e.clone()).collect();
    let writes = once.iter().map(|(i, entry)| async move { (*i, store.put_entry_once(capture.planroom, entry).await) });
    let (written, batch) =
        tokio::join!(futures::future::join_all(writes), store.put_entries(capture.planroom, &fresh_entries));
    let mut mine: Vec<usize> = Vec::new();
    let mut failure: Option<Error> = None;
    let mut found = Vec::new();
    match batch {
        // Fresh keys are this request's alone: whatever part of the batch was written is its own.
        Ok(()) => mine.extend(fresh.iter().map(|(i, _)| *i)),
        Err(err) => {
            mine.extend(fresh.iter().map(|(i, _)| *i));
            failure = Some(err);
        }
    }
    for (i, outcome) in written {
        match outcome {
            Ok(None) => mine.push(i),
            Ok(Some(item)) if matches!(slots[i].identity, Identity::Landing) => {
                let _ = item; // a concurrent landing: either is the confirmation
            }
            Ok(Some(item)) => match entry_result(&item) {
                Some(stored) => found.push((i, stored)),
                None => {
                    failure.get_or_insert_with(|| {
                        Error::internal("logging an event", format!("row {:?} holds no result", row_key_of(&item)))
                    });
                }
            },
            Err(err) => {
                failure.get_or_insert(err);
            }
        }
    }
    match failure {
        Some(err) => Err((err, mine)),
        None => Ok(found),
    }
}

/// The log entries of the new events, by event.
fn entries(
    request: &CaptureRequest<'_>,
    slots: &[Slot],
    outcomes: &[Outcome],
    answers: &HashMap<usize, Recorded>,
) -> Result<Vec<(usize, LogEntry)>> {
    let capture = &request.capture;
    let mut out = Vec::new();
    for (i, slot) in slots.iter().enumerate() {
        if !matches!(outcomes[i], Outcome::New) {
            continue;
        }
        let event = &capture.events[i];
        let job = request
            .jobs
            .get(&event.job)
            .ok_or_else(|| Error::internal("logging an event", "its job was not resolved"))?;
        let entry = match (&slot.identity, request.landing) {
            (Identity::Landing, Some(landing)) => {
                let mut entry = sources::landing_entry(
                    capture,
                    i,
                    &slot.key,
                    &landing.hit,
                    request.user,
                    request.user_agent,
                    job,
                    request.arrived,
                );
                // At the hit's time: a retry of the landing finds it.
                entry.row.insert("event_timestamp".into(), time::format(landing.at).into());
                entry
            }
            _ => sources::capture_entry(
                CaptureKind::Events,
                capture,
                i,
                &slot.key,
                answers.get(&i),
                request.user,
                request.user_agent,
                job,
                request.arrived,
            ),
        };
        out.push((i, entry));
    }
    Ok(out)
}

/// Undoes what a capture did before it failed, as far as it can: the counts it added are given
/// back, the rows it wrote removed, the ids it remembered forgotten. What cannot be undone is logged.
async fn give_back(
    store: &DynamoStore,
    request: &CaptureRequest<'_>,
    slots: &[Slot],
    counted: &[(usize, &first_access::ItemKey)],
    written: &[usize],
) {
    let capture = &request.capture;
    // Per record: how many its update counted, and its mark (its first event's key).
    let mut per_record: HashMap<&first_access::ItemKey, (u64, usize)> = HashMap::new();
    for &(i, key) in counted {
        per_record.entry(key).or_insert((0, i)).0 += 1;
    }
    for (key, (n, first)) in per_record {
        if let Err(err) = store.withdraw_from_record(key, n, Some(&slots[first].key)).await {
            tracing::error!(error = %err.chain(), pk = key.pk, sk = key.sk, n, "a failed capture's count not given back");
        }
    }
    for &i in written {
        let slot = &slots[i];
        if let Err(err) = store.remove_entry(&slot.row).await {
            tracing::error!(error = %err.chain(), pk = slot.row.pk, sk = slot.row.sk, "a failed capture's row not removed");
        }
    }
    for slot in slots.iter().filter(|s| matches!(s.identity, Identity::Remembered)) {
        if let Err(err) = store.forget_event_id(capture.planroom, &slot.key).await {
            tracing::error!(error = %err.chain(), "a failed capture's event id not forgotten");
        }
    }
}
