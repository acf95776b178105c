//! "Did they see addendum 3?": who accessed one file, and which blast recipients have not.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::activity::ObjectKind;
use shared::caller::Caller;
use shared::cursor;
use shared::records::AccessRecord;
use shared::{Result, http};

use crate::{App, params, phases, visible_job};

/// `GET /v1/jobs/{job_id}/files/{file_id}/activity`: a page of `accessed` (first accesses of the
/// file, by individual); `not_accessed` (the job's blast recipients with no human access to the
/// file) comes with the last page.
pub async fn activity(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let job = visible_job(app, caller, req).await?;
    let file = http::path_id(req, "file_id")?;
    let include_automated = params::flag(req, "include_automated")?;
    let limit = params::limit(req)?;
    let scope =
        cursor::scope(&["file", caller.planroom.as_str(), job.as_str(), file.as_str(), &include_automated.to_string()]);
    let start = params::cursor(req, &app.keys, &scope)?;
    // People's first accesses, then scanners' when asked for.
    let (items, next) = phases::read(1 + u32::from(include_automated), start, limit, |phase, args| {
        app.store.accesses_of_object(&caller.planroom, &job, ObjectKind::File, &file, phase == 1, args)
    })
    .await?;
    let accessed: Vec<AccessRecord> = items.iter().map(AccessRecord::from_item).collect();
    let not_accessed = match next {
        Some(_) => Vec::new(),
        None => {
            let accessors = app.store.accessors_of_object(&caller.planroom, &job, ObjectKind::File, &file).await?;
            let mut recipients = app.store.recipients(&caller.planroom, &job).await?;
            recipients.retain(|r| !accessors.contains(&r.individual_id));
            recipients
        }
    };
    let next_cursor = next.map(|c| cursor::encode(&app.keys, &scope, c));
    Ok(http::json(
        StatusCode::OK,
        &json!({ "accessed": accessed, "not_accessed": not_accessed, "next_cursor": next_cursor }),
    ))
}
