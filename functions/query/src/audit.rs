//! The planroom-wide audit: first accesses between two instants (at most 31 days apart), filtered
//! on any dimension. One Query per month partition of gsi2 the range touches (at most two), in the
//! people's partitions, the scanners' (`automated=true`) or both (`include_automated=true`).

use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use lambda_http::{Body, Request, Response};
use shared::activity::{Activity, ObjectKind};
use shared::caller::Caller;
use shared::cursor;
use shared::records::AccessRecord;

use shared::user_activity::window;
use shared::{Error, Result, http, time};

use crate::{App, list_answer, params, phases};
use shared::store::records::access_record;

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
    /// Which partitions to read: people's (`false`), scanners' (`true`), in this order.
    partitions: Vec<bool>,
}

impl Filters {
    fn parse(req: &Request) -> Result<Self> {
        let text = |name: &str| http::query(req, name).map(str::to_owned);
        let activity = http::typed_query(req, "activity")
            .map(|a| {
                Activity::parse(a).ok_or_else(|| Error::BadRequest("activity must be view, download or order".into()))
            })
            .transpose()?;
        let object_kind = http::typed_query(req, "object_kind")
            .map(|k| {
                ObjectKind::parse(k).ok_or_else(|| Error::BadRequest("object_kind must be file, section or job".into()))
            })
            .transpose()?;
        let include_automated = params::flag(req, "include_automated")?;
        let partitions = match params::optional_flag(req, "automated")? {
            Some(automated) => vec![automated],
            None if include_automated => vec![false, true],
            None => vec![false],
        };
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
            partitions,
        })
    }

    /// The filters in a fixed order, for the cursor's scope.
    fn describe(&self) -> String {
        format!("{self:?}")
    }

    fn keep(&self, record: &AccessRecord) -> bool {
        let eq = |got: Option<&str>, want: &Option<String>| want.as_ref().is_none_or(|w| got == Some(w.as_str()));
        let source_ok = self.source.as_ref().is_none_or(|want| match want.as_str() {
            "login" => record.source == "login",
            // Records show a blast's id where they store `blast:{id}`.
            "blast" => record.source != "login" && record.source != "client",
            blast => record.source == blast,
        });
        let company_ok = self
            .company
            .as_ref()
            .is_none_or(|want| record.company_name.as_ref().is_some_and(|c| c.trim().to_lowercase() == *want));
        eq(Some(&record.job_id), &self.job_id)
            && eq(Some(&record.individual_id), &self.individual_id)
            && eq(record.email.as_deref(), &self.email)
            && eq(Some(&record.object.id), &self.object_id)
            && eq(record.device.as_deref(), &self.device)
            && self.activity.is_none_or(|a| record.activity == a.as_str())
            && self.object_kind.is_none_or(|k| record.object.kind == k.as_str())
            && source_ok
            && company_ok
    }
}

/// The `from`..`to` range: both required, `to` after `from`, at most 31 days apart.
fn range(req: &Request) -> Result<(Timestamp, Timestamp)> {
    window::parse(http::query(req, "from"), http::query(req, "to")).map_err(Error::BadRequest)
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
    let parts = &filters.partitions;
    let start = params::cursor(req, &app.keys, &scope)?;
    // Phase p reads month p / parts in partition p % parts.
    let phase_count = u32::try_from(months.len() * parts.len()).unwrap_or(u32::MAX);
    let (items, next) = phases::read(phase_count, start, limit, |phase, args| {
        let (month, automated) = (&months[phase as usize / parts.len()], parts[phase as usize % parts.len()]);
        app.store.audit_month(&caller.planroom, month, automated, (&from_text, &to_text), args, |i| {
            filters.keep(&access_record(i))
        })
    })
    .await?;
    let records: Vec<AccessRecord> = items.iter().map(access_record).collect();
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
