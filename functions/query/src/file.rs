//! "Did they see addendum 3?": who accessed one file, and which blast recipients have not.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::activity::ObjectKind;
use shared::caller::Caller;
use std::collections::BTreeMap;

use shared::cursor::{self, Cursor};
use shared::records::AccessRecord;
use shared::{Result, http};

use crate::{App, params, phases, visible_job};
use shared::store::records::access_record;

/// `GET /v1/jobs/{job_id}/files/{file_id}/activity`: a page of `accessed` (first accesses of the
/// file, by individual), then of `not_accessed` (the job's blast recipients with no human access to
/// the file), `limit` entries in all: no answer grows with the job.
pub async fn activity(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let (job, zone) = visible_job(app, caller, req).await?;
    let file = http::path_id(req, "file_id")?;
    let include_automated = params::flag(req, "include_automated")?;
    let limit = params::limit(req)?;
    let scope =
        cursor::scope(&["file", caller.planroom.as_str(), job.as_str(), file.as_str(), &include_automated.to_string()]);
    let start = params::cursor(req, &app.keys, &scope)?;
    // People's first accesses, then scanners' when asked for, then the recipients who have not.
    let accessed_phases = 1 + u32::from(include_automated);
    let (items, next, not_from) = match start {
        Some(c) if c.phase >= accessed_phases => (Vec::new(), None, Some(c.key.get("after").cloned())),
        start => {
            let (items, next) = phases::read(accessed_phases, start, limit, |phase, args| {
                app.store.accesses_of_object(&caller.planroom, &job, ObjectKind::File, &file, phase == 1, args)
            })
            .await?;
            let not_from = next.is_none().then_some(None);
            (items, next, not_from)
        }
    };
    let accessed: Vec<AccessRecord> = items.iter().map(|i| access_record(i).localized(&zone)).collect();
    let (not_accessed, next) = match not_from {
        Some(after) if accessed.len() < limit => {
            let accessors = app.store.accessors_of_object(&caller.planroom, &job, ObjectKind::File, &file).await?;
            let room = limit - accessed.len();
            let (recipients, last) =
                app.store.recipients_page(&caller.planroom, &job, after.as_deref(), room, &accessors).await?;
            let next =
                last.map(|last| Cursor { phase: accessed_phases, key: BTreeMap::from([("after".into(), last)]) });
            (recipients, next)
        }
        // The page is full of accessors: the recipients start on the next one.
        Some(_) => (Vec::new(), Some(Cursor { phase: accessed_phases, key: BTreeMap::new() })),
        None => (Vec::new(), next),
    };
    let next_cursor = next.map(|c| cursor::encode(&app.keys, &scope, c));
    Ok(http::json(
        StatusCode::OK,
        &json!({ "accessed": accessed, "not_accessed": not_accessed, "next_cursor": next_cursor }),
    ))
}
