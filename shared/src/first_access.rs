//! First access: the first time an individual did an activity on an object is recorded once and
//! never overwritten; repeats only bump `count` and `last_at`. Automated (scanner) hits are kept
//! apart and never become, or bump, a first access.

use crate::Result;
use crate::event::EventInput;
use crate::ids::Id;
use crate::individual::Individual;

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

/// One access to record.
#[derive(Debug, Clone)]
pub struct Access<'a> {
    /// The tenant.
    pub planroom: &'a Id,
    /// Who.
    pub individual: &'a Individual,
    /// What, on which object of which job.
    pub event: &'a EventInput,
    /// Login or blast.
    pub source: &'a Source,
    /// `Some(reason)` when the hit looks automated (an e-mail scanner, a prefetch).
    pub automated: Option<&'a str>,
    /// When, in the stored form (see [`crate::time`]).
    pub at: &'a str,
}

/// The outcome of recording one access.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Recorded {
    /// Whether this access created the first-access record.
    pub first: bool,
    /// When the first access happened.
    pub first_at: String,
    /// How many accesses the record counts now.
    pub count: u64,
}

/// Storage of first accesses.
pub trait FirstAccessStore {
    /// Records one access: creates the first-access record exactly once, or bumps it.
    fn record(&self, access: &Access<'_>) -> impl Future<Output = Result<Recorded>> + Send;
}

/// Records a batch of events by one individual, in order; results come back in request order.
pub async fn record_batch<S: FirstAccessStore>(
    store: &S,
    planroom: &Id,
    individual: &Individual,
    source: &Source,
    events: &[EventInput],
) -> Result<Vec<Recorded>> {
    let (_, at) = crate::time::now();
    let mut results = Vec::with_capacity(events.len());
    for event in events {
        let access = Access { planroom, individual, event, source, automated: None, at: &at };
        results.push(store.record(&access).await?);
    }
    Ok(results)
}
