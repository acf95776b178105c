//! `POST /v1/user-activity`: what the planroom's frontend does elsewhere (an addendum
//! acknowledged, a bid submitted, a file uploaded), as User Activity rows of the caller. Who did
//! it comes from the verified claims only; the rows carry `source: "client"`. Any malformed event
//! is a 422, and an event naming a job that is not registered or not the caller's a 404, before
//! anything is written.
//!
//! Each event is logged once: with its `event_id` (or, without one, its content and `occurred_at`)
//! its row's key is its own, and a retry finds the row and leaves it as it was; an `event_id`
//! without `occurred_at` is remembered for 7 days beside its row. The id belongs to the user: two
//! users' equal ids are two events.

use futures::future::try_join_all;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::ids::Id;
use shared::user_activity::input::{self, UserEvent};
use shared::user_activity::log::{LogEntry, new_key};
use shared::user_activity::partition::event_key;
use shared::user_activity::row::{JobFields, UserFields};
use shared::user_activity::sources::user_event_entry;
use shared::{Result, http, recording, visibility};

use crate::App;

/// How an event's row is found again.
enum Identity {
    /// Its key follows from its id (or content) and time.
    Keyed,
    /// Its id is remembered beside its row (no time was given).
    Remembered,
    /// Nothing identifies it: every post is a new event.
    Fresh,
}

/// `POST /v1/user-activity`: 200 `{results: [{event_id}]}` in request order.
pub async fn post(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    let arrived = jiff::Timestamp::now();
    let events = input::decode(http::body(req, http::MAX_BODY_BYTES)?, arrived)?;
    let mut named: Vec<&Id> = events.iter().filter_map(|e| e.job.as_ref()).collect();
    named.sort();
    named.dedup();
    let jobs: Vec<JobFields> = visibility::writable_jobs(&app.store, &caller, &named)
        .await?
        .iter()
        .map(|job| JobFields::of(&job.job_id, Some(job)))
        .collect();
    let user = UserFields::of_caller(&caller);
    let user_agent = http::header(req, "user-agent");
    let owner = caller.sub.as_str();
    let entries: Vec<(Identity, String, LogEntry)> = events
        .iter()
        .map(|event| {
            let (identity, key, id) = identify(event, owner);
            let job = event.job.as_ref().and_then(|j| jobs.iter().find(|f| f.job_id == j.as_str()));
            let entry = user_event_entry(event, &id, &key, owner, &user, user_agent, job, arrived);
            (identity, id, entry)
        })
        .collect();
    let shards = app.store.activity().shards;
    let mut fresh = Vec::new();
    let mut once = Vec::new();
    for (identity, _, entry) in &entries {
        match identity {
            Identity::Fresh => fresh.push(entry.clone()),
            Identity::Keyed => once.push((entry, None)),
            Identity::Remembered => once.push((entry, Some(entry.key.clone()))),
        }
    }
    let logged = once.into_iter().map(|(entry, remember)| {
        let store = &app.store;
        let planroom = &caller.planroom;
        async move {
            let row = entry.row_key(planroom, shards);
            if let Some(key) = &remember
                && let Some(before) = store.claim_event_id(planroom, key, &row).await?
            {
                let stored = store.entries_at(std::slice::from_ref(&before)).await?;
                if !stored.is_empty() || recording::settle_claim(store, planroom, key, &before, &row).await?.is_some() {
                    return Ok(()); // posted before: its row stands
                }
            }
            let written = store.put_entry_once(planroom, entry).await.map(|_| ());
            if let (Err(_), Some(key)) = (&written, &remember) {
                // Not stored: forget the id, so that a retry stores it at once.
                if let Err(err) = store.forget_event_id(planroom, key).await {
                    tracing::error!(error = %err.chain(), "an unstored event's id not forgotten");
                }
            }
            written
        }
    });
    let (_, ()) = tokio::try_join!(try_join_all(logged), app.store.put_entries(&caller.planroom, &fresh))?;
    let results: Vec<_> = entries.iter().map(|(_, id, _)| json!({ "event_id": id })).collect();
    Ok(http::json(StatusCode::OK, &json!({ "results": results })))
}

/// How `event` of `owner` is identified: its key and the id its row shows.
fn identify(event: &UserEvent, owner: &str) -> (Identity, String, String) {
    match (&event.event_id, event.content_id()) {
        (Some(id), _) => {
            let identity = if event.client_time { Identity::Keyed } else { Identity::Remembered };
            (identity, event_key("event", owner, id.as_str()), id.as_str().to_owned())
        }
        (None, Some(content)) => {
            let key = event_key("content", owner, &content);
            (Identity::Keyed, key.clone(), key)
        }
        (None, None) => {
            let key = new_key();
            (Identity::Fresh, key.clone(), key)
        }
    }
}
