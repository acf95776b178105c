//! The planroom-wide audit: first accesses between two instants (at most 31 days apart), filtered
//! on any dimension. One Query per month partition of gsi2 the range touches (at most two).

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use lambda_http::{Body, Request, Response};
use shared::activity::{Activity, ObjectKind};
use shared::caller::Caller;
use shared::cursor::{self, Cursor};
use shared::records::AccessRecord;
use shared::store::page::PageArgs;
use shared::store::{Item, get_bool, get_s};
use shared::{Error, Result, http, time};

use crate::{App, list_answer, params};

/// Longest audit range.
const MAX_DAYS: i64 = 31;

/// The audit filters; each present one must match.
#[derive(Debug, Default)]
struct Filters {
    activity: Option<Activity>,
    job_id: Option<String>,
    individual_id: Option<String>,
    email: Option<String>,
    company: Option<String>,
    object_kind: Option<ObjectKind>,
    object_id: Option<String>,
    source: Option<String>,
    device: Option<String>,
    automated: Option<bool>,
}

impl Filters {
    fn parse(req: &Request) -> Result<Self> {
        let text = |name: &str| http::query(req, name).map(str::to_owned);
        let activity = http::query(req, "activity")
            .map(|a| {
                Activity::parse(a).ok_or_else(|| Error::BadRequest("activity must be view, download or order".into()))
            })
            .transpose()?;
        let object_kind = http::query(req, "object_kind")
            .map(|k| {
                ObjectKind::parse(k).ok_or_else(|| Error::BadRequest("object_kind must be file, section or job".into()))
            })
            .transpose()?;
        let include_automated = params::flag(req, "include_automated")?;
        let automated = params::optional_flag(req, "automated")?.or((!include_automated).then_some(false));
        Ok(Filters {
            activity,
            job_id: text("job_id"),
            individual_id: text("individual_id"),
            email: text("email").map(|e| e.trim().to_lowercase()),
            company: text("company").map(|c| c.trim().to_lowercase()),
            object_kind,
            object_id: text("object_id"),
            source: text("source"),
            device: text("device"),
            automated,
        })
    }

    /// The filters in a fixed order, for the cursor's scope.
    fn describe(&self) -> String {
        format!("{self:?}")
    }

    fn keep(&self, item: &Item) -> bool {
        let eq =
            |attr: &str, want: &Option<String>| want.as_ref().is_none_or(|w| get_s(item, attr) == Some(w.as_str()));
        let source_ok = self.source.as_ref().is_none_or(|want| {
            let stored = get_s(item, "source").unwrap_or_default();
            match want.as_str() {
                "login" => stored == "login",
                "blast" => stored.starts_with("blast:"),
                blast => stored.strip_prefix("blast:") == Some(blast),
            }
        });
        let company_ok = self
            .company
            .as_ref()
            .is_none_or(|want| get_s(item, "company_name").is_some_and(|c| c.trim().to_lowercase() == *want));
        eq("job_id", &self.job_id)
            && eq("individual_id", &self.individual_id)
            && eq("email", &self.email)
            && eq("object_id", &self.object_id)
            && eq("device", &self.device)
            && self.activity.is_none_or(|a| get_s(item, "activity") == Some(a.as_str()))
            && self.object_kind.is_none_or(|k| get_s(item, "object_kind") == Some(k.as_str()))
            && self.automated.is_none_or(|a| get_bool(item, "automated") == a)
            && source_ok
            && company_ok
    }
}

/// The `from`..`to` range: both required, `to` after `from`, at most 31 days apart.
fn range(req: &Request) -> Result<(Timestamp, Timestamp)> {
    let instant = |name: &str| {
        let text = http::query(req, name).ok_or_else(|| Error::BadRequest(format!("{name} is required")))?;
        time::parse_instant(text)
            .ok_or_else(|| Error::BadRequest(format!("{name} must be an RFC 3339 instant or a date (YYYY-MM-DD)")))
    };
    let (from, to) = (instant("from")?, instant("to")?);
    if to <= from {
        return Err(Error::BadRequest("to must be after from".into()));
    }
    if to.duration_since(from).as_secs() > MAX_DAYS * 24 * 3600 {
        return Err(Error::BadRequest(format!("from and to must be at most {MAX_DAYS} days apart")));
    }
    Ok((from, to))
}

/// The `yyyy-mm` partitions a range touches, in order.
fn months(from: Timestamp, to: Timestamp) -> Vec<String> {
    let last = &time::format(to - 1.millisecond())[..7];
    let mut month = from.to_zoned_datetime(TimeZone::UTC).date().first_of_month();
    let mut out = Vec::new();
    loop {
        let text = month.strftime("%Y-%m").to_string();
        if text.as_str() > last {
            return out;
        }
        out.push(text);
        match month.checked_add(1.month()) {
            Ok(next) => month = next,
            Err(_) => return out,
        }
    }
}

/// `GET /v1/activity` (staff only).
pub async fn list(app: &App, caller: &Caller, req: &Request) -> Result<Response<Body>> {
    caller.require_staff()?;
    let (from, to) = range(req)?;
    let filters = Filters::parse(req)?;
    let limit = params::limit(req)?;
    let (from_text, to_text) = (time::format(from), time::format(to));
    let scope = cursor::scope(&["audit", caller.planroom.as_str(), &from_text, &to_text, &filters.describe()]);
    let months = months(from, to);
    let mut position = params::cursor(req, &app.keys, &scope)?.unwrap_or(Cursor { phase: 0, key: Default::default() });
    let mut records = Vec::new();
    let mut next = None;
    while let Some(month) = months.get(position.phase as usize) {
        let start = Some(std::mem::take(&mut position.key)).filter(|k| !k.is_empty());
        let page = app
            .store
            .audit_month(
                &caller.planroom,
                month,
                (&from_text, &to_text),
                PageArgs { limit: limit - records.len(), start },
                |i| filters.keep(i),
            )
            .await?;
        records.extend(page.items.iter().map(AccessRecord::from_item));
        if let Some(key) = page.next {
            next = Some(Cursor { phase: position.phase, key });
            break;
        }
        position.phase += 1;
        if records.len() == limit {
            if months.get(position.phase as usize).is_some() {
                next = Some(Cursor { phase: position.phase, key: Default::default() });
            }
            break;
        }
    }
    Ok(list_answer(&records, next.map(|c| cursor::encode(&app.keys, &scope, c))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn months_cover_the_range() {
        assert_eq!(months(ts("2026-10-20T00:00:00Z"), ts("2026-11-05T00:00:00Z")), vec!["2026-10", "2026-11"]);
        assert_eq!(months(ts("2026-11-01T00:00:00Z"), ts("2026-12-01T00:00:00Z")), vec!["2026-11"]);
        assert_eq!(months(ts("2026-12-31T00:00:00Z"), ts("2027-01-01T00:00:01Z")), vec!["2026-12", "2027-01"]);
    }
}
