//! The judge of tracked-link hits: the table's stream hands it every new hit and landing-page row,
//! in order per recipient; it decides each pending hit from the hits around it
//! ([`shared::hit_judgement`]) and records every hit in its record: a person's first access (or a
//! repeat), or the automated record, with its reason and confidence.
//!
//! - **Exactly once.** A hit is counted, and taken back, with its own key as the record's mark
//!   ([`shared::store::records::Once`]): a stream batch retried after it failed half way, a hit
//!   moved between records (a burst revealed, a landing page confirming a hit timing alone had
//!   marked) and then reached in its own turn, count nothing twice.
//! - **Faults are never a person.** Anything the judge cannot read fails the batch, which the
//!   stream delivers again: a hit waits, it is never counted as a person's by default.

use std::collections::HashMap;

use aws_lambda_events::event::dynamodb::Event;
use jiff::{SignedDuration, Timestamp};
use shared::config::{self, ConfigError};
use shared::first_access::{self, Capture, Source};
use shared::hit_judgement::{self, Context, Windows};
use shared::ids::Id;
use shared::judgement::{Confidence, Judgement};
use shared::store::hits::{self, JudgedRow, LoggedHit};
use shared::store::records::Once;
use shared::store::{self, DynamoStore, Item};
use shared::user_activity::ActivitySettings;
use shared::user_activity::log::RowKey;

use shared::Result;

/// What the judge needs, built once per cold start.
#[derive(Debug, Clone)]
pub struct Judge {
    store: DynamoStore,
    windows: Windows,
}

impl Judge {
    /// Builds the judge from `TABLE_NAME`, the windows' settings and the AWS environment.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let table = config::required("TABLE_NAME")?;
        let sdk = store::aws_config().await;
        let store = DynamoStore::from_sdk(&sdk, table).with_activity(ActivitySettings::from_env()?);
        Ok(Judge::new(store, windows_from_env()?))
    }

    /// Builds the judge from its parts.
    pub fn new(store: DynamoStore, windows: Windows) -> Self {
        Judge { store, windows }
    }

    /// Judges and records new rows of the log, in their order: hits and landing pages (other rows
    /// are not the judge's and are skipped). An error fails the whole batch, to be delivered again;
    /// every step is safe to repeat.
    pub async fn process(&self, items: &[Item]) -> Result<()> {
        let mut crowds = Crowds::default();
        for item in items {
            match hits::judged_row(item)? {
                Some(JudgedRow::Landing { of }) => self.confirm(&of).await?,
                Some(JudgedRow::Hit(hit)) if hit.pending => self.decide(&hit, &mut crowds).await?,
                Some(JudgedRow::Hit(hit)) => self.count(&hit, &hit.judgement).await?,
                None => {}
            }
        }
        Ok(())
    }

    /// Decides a pending hit from the hits around it, moves the other hits of a burst it reveals,
    /// and counts it.
    async fn decide(&self, hit: &LoggedHit, crowds: &mut Crowds) -> Result<()> {
        let seen = hit.seen();
        let span = self.windows.burst_window;
        let owner = &hit.individual.id;
        let around = self.store.hits_around(&hit.planroom, owner, seen.at - span, seen.at + span).await?;
        let blast = match hit_judgement::looks_for_blast_burst(&self.windows, hit.sent_at, seen.at) {
            true => crowds.around(&self.store, &self.windows, &hit.planroom, &hit.source(), seen.at).await?,
            false => 0,
        };
        let context = Context {
            hit: &seen,
            sent_at: hit.sent_at,
            around: &around.hits,
            confirmed: around.confirmed.contains(&seen.id),
            blast_recipients: blast,
        };
        let verdict = hit_judgement::judge(&self.windows, &context);
        if verdict.judgement.is_automated() {
            for member in &verdict.reclassify {
                let key = RowKey { pk: hit.key.pk.clone(), sk: member.clone() };
                self.move_hit(&key, &verdict.judgement).await?;
            }
            // Judged in its row first; a row another judgement changed first is counted as it says.
            self.store.judge_row(&hit.key, &verdict.judgement, false).await?;
            let judged = self.store.logged_hit(&hit.key).await?.unwrap_or_else(|| hit.clone());
            return self.count(&judged, &judged.judgement).await;
        }
        tracing::info!(
            hit = seen.id,
            confidence = verdict.judgement.confidence.as_str(),
            "tracked-link hit judged a person's"
        );
        self.count(hit, &verdict.judgement).await
    }

    /// A landing page confirmed the hit at `key`: one that timing alone marked a machine's becomes
    /// a person's (a burst stays a machine's). A pending hit finds the confirmation when judged.
    async fn confirm(&self, key: &RowKey) -> Result<()> {
        let Some(hit) = self.store.logged_hit(key).await? else { return Ok(()) };
        let reason = hit.judgement.automated.as_deref().unwrap_or_default();
        if hit.judgement.is_automated() && !hit_judgement::confirmation_overrides(reason) {
            return Ok(());
        }
        let person = Judgement::human(Confidence::High);
        if hit.judgement.is_automated() {
            self.store.judge_row(key, &person, true).await?;
            tracing::info!(hit = key.sk, was = reason, "a landing page confirmed a hit: moved to the person's record");
            self.withdraw(&hit, &hit.judgement).await?;
        }
        // Counted in the person's record now, if it was not: the hit's own turn finds it there.
        self.count(&hit, &person).await
    }

    /// Moves a hit of a burst to the automated record: taken back from the person's record if it
    /// was counted there, counted in the automated one (where its own turn, if to come, finds it).
    async fn move_hit(&self, key: &RowKey, burst: &Judgement) -> Result<()> {
        let Some(hit) = self.store.logged_hit(key).await? else { return Ok(()) };
        if hit.judgement.is_automated() && hit.judgement.automated != burst.automated {
            return Ok(()); // a machine's already, for a reason of its own
        }
        self.store.judge_row(key, burst, false).await?;
        tracing::info!(hit = key.sk, "a hit of a burst moved to the automated record");
        self.withdraw(&hit, &Judgement::human(Confidence::Medium)).await?;
        self.count(&hit, burst).await
    }

    /// Counts a hit in its record (the person's or the automated one, as `judgement` says), at
    /// most once: the update is marked with the hit's key.
    async fn count(&self, hit: &LoggedHit, judgement: &Judgement) -> Result<()> {
        let source = Source::Blast(hit.blast.clone());
        let events = std::slice::from_ref(&hit.event);
        let capture =
            Capture { planroom: &hit.planroom, individual: &hit.individual, source: &source, judgement, events };
        let update = first_access::updates(&capture, &[0]).remove(0);
        let applied = self.store.apply_record(&capture, &update, Once(&hit.event_key)).await?;
        tracing::info!(applied = ?applied, automated = judgement.is_automated(), "tracked-link hit recorded");
        Ok(())
    }

    /// Takes a hit back from the record `judgement` put it in, if it is counted there (its mark).
    async fn withdraw(&self, hit: &LoggedHit, judgement: &Judgement) -> Result<()> {
        let source = Source::Blast(hit.blast.clone());
        let events = std::slice::from_ref(&hit.event);
        let capture =
            Capture { planroom: &hit.planroom, individual: &hit.individual, source: &source, judgement, events };
        let key = capture.record_key(&hit.event);
        self.store.withdraw_from_record(&key, 1, Some(&hit.event_key)).await
    }
}

/// A blast's hits read for a span of time: `(from, to, [(owner, at)])`.
type Crowd = (Timestamp, Timestamp, Vec<(String, Timestamp)>);

/// The blast-wide hits read once per batch and blast (by planroom and blast).
#[derive(Default)]
struct Crowds(HashMap<(String, String), Crowd>);

impl Crowds {
    /// Distinct recipients of the blast (`source`) with a hit within the blast window around `at`.
    async fn around(
        &mut self,
        store: &DynamoStore,
        windows: &Windows,
        planroom: &Id,
        source: &str,
        at: Timestamp,
    ) -> Result<usize> {
        if windows.blast_recipients == 0 {
            return Ok(0);
        }
        let (from, to) = (at - windows.blast_window, at + windows.blast_window);
        let key = (planroom.to_string(), source.to_owned());
        let covered = self.0.get(&key).is_some_and(|(f, t, _)| *f <= from && *t >= to);
        if !covered {
            // Read a little ahead: the batch's next hits of this blast are near.
            let ahead = to + SignedDuration::from_secs(60);
            let hits = store.blast_hits(planroom, source, from, ahead).await?;
            self.0.insert(key.clone(), (from, ahead, hits));
        }
        let hits = self.0.get(&key).map(|(_, _, h)| h.as_slice()).unwrap_or_default();
        let mut owners: Vec<&str> =
            hits.iter().filter(|(_, t)| *t >= from && *t <= to).map(|(o, _)| o.as_str()).collect();
        owners.sort_unstable();
        owners.dedup();
        Ok(owners.len())
    }
}

/// The judge's windows from `SCANNER_BURST_LINKS`, `SCANNER_BURST_WINDOW_SECONDS`,
/// `SCANNER_BLAST_RECIPIENTS`, `SCANNER_BLAST_WINDOW_SECONDS`, `SCANNER_BLAST_HORIZON_SECONDS`
/// and `SCANNER_SEND_WINDOW_SECONDS`.
pub fn windows_from_env() -> Result<Windows, ConfigError> {
    let defaults = Windows::default();
    let seconds = |name: &str, default: SignedDuration| -> Result<SignedDuration, ConfigError> {
        let value = config::number(name, u64::try_from(default.as_secs()).unwrap_or(0))?;
        if value > 3600 {
            return Err(ConfigError(format!("{name} must be at most 3600 seconds")));
        }
        Ok(SignedDuration::from_secs(i64::try_from(value).unwrap_or(0)))
    };
    let count = |name: &str, default: usize| -> Result<usize, ConfigError> {
        usize::try_from(config::number(name, default as u64)?).map_err(|_| ConfigError(format!("{name} is too large")))
    };
    Ok(Windows {
        burst_links: count("SCANNER_BURST_LINKS", defaults.burst_links)?,
        burst_window: seconds("SCANNER_BURST_WINDOW_SECONDS", defaults.burst_window)?,
        blast_recipients: count("SCANNER_BLAST_RECIPIENTS", defaults.blast_recipients)?,
        blast_window: seconds("SCANNER_BLAST_WINDOW_SECONDS", defaults.blast_window)?,
        blast_horizon: seconds("SCANNER_BLAST_HORIZON_SECONDS", defaults.blast_horizon)?,
        send_window: seconds("SCANNER_SEND_WINDOW_SECONDS", defaults.send_window)?,
    })
}

/// The new rows of a stream batch, as items: inserts only (the event source's filter keeps hits
/// and landing pages; this keeps the judge right without it).
pub fn items_of(event: &Event) -> Vec<Item> {
    event.records.iter().filter(|r| r.event_name == "INSERT").map(|r| store::stream_item(&r.change.new_image)).collect()
}

/// Handles a batch of stream records; an error fails the batch so Lambda delivers it again.
pub async fn handle(judge: &Judge, event: Event) -> Result<(), lambda_runtime::Error> {
    judge.process(&items_of(&event)).await.map_err(|err| {
        tracing::error!(error = %err.chain(), records = event.records.len(), "hits could not be judged; the batch will be retried");
        lambda_runtime::Error::from(err.to_string())
    })
}
