//! `POST /v1/user-activity/queries` and `GET /v1/user-activity/queries/{query_id}`: questions to
//! the lake, asked by the planroom's staff, run like exports (stored once per `Idempotency-Key`,
//! taken by the worker from the table's stream) and answered in pages of JSON, a CSV and a
//! Parquet file. The planroom a query reads is the caller's, from verified claims.

use std::time::Duration;

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::caller::Caller;
use shared::export::{ExportSpec, Status};
use shared::http;
use shared::lake::query::QueryInput;
use shared::{Error, Result, time};

use crate::lake_answer::{page_key, parquet_key};
use crate::{App, download_file_name, store_export, view};

/// `POST /v1/user-activity/queries` (staff only): 202 `{query_id, status}`.
pub async fn create(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let query = http::json_body::<QueryInput>(req)?.validate()?;
    let (id, status) = store_export(app, req, &caller, ExportSpec::LakeQuery(query)).await?;
    Ok(http::json(StatusCode::ACCEPTED, &json!({ "query_id": id, "status": status })))
}

/// `GET /v1/user-activity/queries/{query_id}?page=N`: status; once ready, page `N` (from 0) of
/// the answer and fresh presigned links to its CSV and Parquet files.
pub async fn status(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    let not_found = || Error::NotFound("no such query".into());
    caller.require_staff().map_err(|_| not_found())?;
    let id = http::path_id(req, "query_id").map_err(|_| not_found())?;
    let page: usize = match http::typed_query(req, "page") {
        None => 0,
        Some(text) => text.parse().map_err(|_| Error::BadRequest("page must be a whole number from 0".into()))?,
    };
    let export = app.store.export(&caller.planroom, id.as_str()).await?.ok_or_else(not_found)?;
    if !matches!(export.request, ExportSpec::LakeQuery(_)) {
        return Err(not_found());
    }
    let (expires_at, filename, rows) = (export.expires_at, download_file_name(&export, None), export.rows);
    let mut body = view(app, export, None).await?;
    let mut out = json!({
        "query_id": id.as_str(),
        "status": body["status"],
        "from": body["from"],
        "to": body["to"],
        "created_at": body["created_at"],
        "rows": body["rows"],
    });
    if let Some(error) = body.get("error") {
        out["error"] = error.clone();
    }
    if body["status"] == json!(Status::Ready) {
        let pages = usize::try_from(rows).unwrap_or(0).div_ceil(shared::lake::results::PAGE_ROWS).max(1);
        if page >= pages {
            return Err(Error::BadRequest(format!("page must be 0 to {}", pages - 1)));
        }
        let stored = app
            .bucket
            .get(&page_key(&caller.planroom, id.as_str(), page))
            .await?
            .ok_or_else(|| Error::internal("reading a query's page", "the answer's page is missing"))?;
        let stored: serde_json::Value =
            serde_json::from_slice(&stored).map_err(|e| Error::internal("reading a query's page", e))?;
        out["columns"] = stored["columns"].clone();
        out["page"] = json!(page);
        out["pages"] = json!(pages);
        out["next_page"] = if page + 1 < pages { json!(page + 1) } else { json!(null) };
        out["items"] = stored["items"].clone();
        out["csv_url"] = body["url"].take();
        let now = jiff::Timestamp::now();
        let left = Duration::from_secs(u64::try_from(expires_at - now.as_second()).unwrap_or(0).max(1));
        let ttl = app.url_ttl.min(left);
        let parquet_name = filename.trim_end_matches(".csv").to_owned() + ".parquet";
        out["parquet_url"] =
            json!(app.bucket.presign(&parquet_key(&caller.planroom, id.as_str()), &parquet_name, ttl).await?);
        out["expires_at"] = json!(time::format(now + ttl));
    }
    Ok(http::json(StatusCode::OK, &out))
}
