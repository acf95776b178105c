//! "Who has every addendum?": a job's bidders by its documents, in one answer.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::coverage::{Ask, RowsBy};
use shared::ids::Id;
use shared::{Error, Result, coverage_reading, http, visibility};

use crate::{App, params};

/// Most files `file_id=` may name.
const MAX_NAMED_FILES: usize = 100;
/// Most cells one answer holds (rows × columns): about 5 MB of JSON at worst, under Lambda's 6 MB.
/// 200 bidders × 30 files is 6,000.
pub const MAX_CELLS: usize = 20_000;

/// `GET /v1/jobs/{job_id}/coverage`: the job's bidders (`by=company`, the default, or
/// `by=individual`) by the files its blasts sent and any named with `file_id=`; each cell the
/// furthest human step with its first time. `missing=true` keeps the rows missing a file;
/// `include_automated=true` shows scanners' hits beside the cells. Reads the job's blasts,
/// recipients and records (Queries of its partition, side by side).
pub async fn matrix(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    let not_found = || Error::NotFound("no such job".into());
    let job = http::path_id(req, "job_id").map_err(|_| not_found())?;
    // Unlike the activity lists, the matrix is of a registered job, even for staff.
    let registered = visibility::visible_job(&app.store, caller, &job).await?.ok_or_else(not_found)?;
    let zone = shared::time::zone(&registered.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let by = match http::typed_query(req, "by") {
        None => RowsBy::Company,
        Some(text) => {
            RowsBy::parse(text).ok_or_else(|| Error::BadRequest("by must be company or individual".into()))?
        }
    };
    let missing_only = params::flag(req, "missing")?;
    let automated = params::flag(req, "include_automated")?;
    let mut extra_files = Vec::new();
    for file in http::query_all(req, "file_id") {
        let id = Id::parse("file_id", &file).map_err(|e| Error::BadRequest(e.to_string()))?;
        if !extra_files.contains(&id.as_str().to_owned()) {
            extra_files.push(id.as_str().to_owned());
        }
    }
    if extra_files.len() > MAX_NAMED_FILES {
        return Err(Error::BadRequest(format!("file_id may name at most {MAX_NAMED_FILES} files")));
    }
    let ask = Ask { by, extra_files: &extra_files, missing_only, automated, zone: &zone };
    let matrix = coverage_reading::job_coverage(&app.store, &caller.planroom, &job, &ask).await?;
    let cells = matrix.rows.len().saturating_mul(matrix.columns.len());
    if cells > MAX_CELLS {
        return Err(Error::Validation(format!(
            "the matrix would hold {cells} cells, more than {MAX_CELLS}: ask by=company, missing=true, or per file \
             (GET /v1/jobs/{{job_id}}/files/{{file_id}}/activity)"
        )));
    }
    let complete = matrix.rows.iter().filter(|r| r.missing == 0).count();
    Ok(http::json(
        StatusCode::OK,
        &json!({
            "job_id": job,
            "time_zone": zone.iana_name().unwrap_or("UTC"),
            "by": by,
            "columns": matrix.columns,
            "rows": matrix.rows,
            "complete_rows": complete,
        }),
    ))
}
