//! `GET /v1/user-activity` (staff only): the planroom's User Activity rows with `event_timestamp`
//! in `[from, to)` (at most 31 days), newest first, filtered on any field, narrowed to `fields`,
//! or grouped by `group_by` and counted. Only the window's days are read, never the table.

use lambda_http::{Body, Request, RequestExt, Response};
use shared::caller::Caller;
use shared::cursor::{self, Cursor};
use shared::user_activity::select::OrderedRow;
use shared::user_activity::{Filters, Grouping, Selection, window};
use shared::{Error, Result, http, time};

use crate::{App, list_answer, params};

/// Rows a page holds unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 100;

/// `GET /v1/user-activity`.
pub async fn list(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    caller.require_staff()?;
    let (from, to) =
        window::parse(http::typed_query(req, "from"), http::typed_query(req, "to")).map_err(Error::BadRequest)?;
    let pairs: Vec<(&str, &str)> = req.query_string_parameters_ref().map(|q| q.iter().collect()).unwrap_or_default();
    let filters = Filters::from_query(pairs)?;
    let selection = Selection::parse(http::typed_query(req, "fields"))?;
    let grouping = http::typed_query(req, "group_by").map(Grouping::parse).transpose()?;
    let limit = params::limit_or(req, DEFAULT_LIMIT)?;
    let (from_text, to_text) = (time::format(from), time::format(to));
    let shape = match &grouping {
        Some(g) => format!("group_by={}", g.names().join(",")),
        None => String::new(),
    };
    let scope =
        cursor::scope(&["user-activity", caller.planroom.as_str(), &from_text, &to_text, &filters.describe(), &shape]);
    let start = params::cursor(req, &app.keys, &scope)?;
    let (items, next): (Vec<OrderedRow>, Option<Cursor>) = match grouping {
        Some(grouping) => {
            // Groups are counted over the whole window each time; a cursor holds the offset.
            let counter = app.store.activity_groups(&caller.planroom, (from, to), &filters, &grouping).await?;
            let groups = grouping.items(counter);
            let offset = start.map_or(0, |c| c.phase as usize).min(groups.len());
            let end = (offset + limit).min(groups.len());
            let next = (end < groups.len()).then(|| Cursor { phase: end as u32, key: Default::default() });
            (groups.into_iter().skip(offset).take(end - offset).collect(), next)
        }
        None => {
            let shards = app.store.activity().shards;
            let page = app.store.activity_page(&caller.planroom, (from, to), shards, &filters, limit, start).await?;
            (page.rows.iter().map(|row| selection.project(row)).collect(), page.next)
        }
    };
    Ok(list_answer(&items, next.map(|c| cursor::encode(&app.keys, &scope, c))))
}
