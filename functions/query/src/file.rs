//! "Did they see addendum 3?": who accessed one file, and which blast recipients have not.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::activity::ObjectKind;
use shared::caller::Caller;
use shared::cursor::{self, Cursor};
use shared::records::AccessRecord;
use shared::store::page::PageArgs;
use shared::{Result, http};

use crate::{App, params, visible_job};

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
    let start = params::cursor(req, &app.keys, &scope)?.map(|c| c.key);
    let page = app
        .store
        .accesses_of_object(
            &caller.planroom,
            &job,
            ObjectKind::File,
            &file,
            include_automated,
            PageArgs { limit, start },
        )
        .await?;
    let accessed: Vec<AccessRecord> = page.items.iter().map(AccessRecord::from_item).collect();
    let not_accessed = match page.next {
        Some(_) => Vec::new(),
        None => {
            let accessors = app.store.accessors_of_object(&caller.planroom, &job, ObjectKind::File, &file).await?;
            let mut recipients = app.store.recipients(&caller.planroom, &job).await?;
            recipients.retain(|r| !accessors.contains(&r.individual_id));
            recipients
        }
    };
    let next_cursor = page.next.map(|key| cursor::encode(&app.keys, &scope, Cursor { phase: 0, key }));
    Ok(http::json(
        StatusCode::OK,
        &json!({ "accessed": accessed, "not_accessed": not_accessed, "next_cursor": next_cursor }),
    ))
}
