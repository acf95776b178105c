//! The nudge: a reminder is a new blast of the same files to exactly the recipients of a blast who
//! have not viewed (or downloaded) all of them yet.

use lambda_http::http::{HeaderValue, StatusCode};
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use shared::blast::{self, Blast, Recipient};
use shared::caller::Caller;
use shared::coverage::{self, Step};
use shared::export::MAX_IDEMPOTENCY_KEY;
use shared::ids::{Id, MAX_NAME_BYTES, Name};
use shared::individual::{Email, Individual};
use shared::store::{LinkJob, LinkRecipient, NewBlast, Reminder, StoredBlast};
use shared::user_activity::EventType;
use shared::user_activity::sources::{Action, BLASTS};
use shared::{Error, Result, coverage_reading, http, time, visibility};

use crate::App;
use crate::blasts::{Minter, link_base, link_job, recipients_per_page};

/// The body of `POST /v1/jobs/{job_id}/blasts/{blast_id}/reminders` (all of it optional).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReminderInput {
    /// `viewed` (the default) or `downloaded`.
    until: Option<String>,
    /// The reminder's name; "{the blast's name} (reminder)" when absent.
    name: Option<String>,
    /// When the e-mail goes out.
    sent_at: Option<String>,
}

/// `POST /v1/jobs/{job_id}/blasts/{blast_id}/reminders`: 201 with the reminder (a blast with
/// `reminder_of`) and the first page of its links, like a blast's registration; with the same
/// `Idempotency-Key` again, the same reminder (`Idempotent-Replayed: true`), never a second one.
/// 200 with no blast when every recipient has got that far already.
pub async fn post(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let job = http::path_id(req, "job_id")?;
    let original_id = http::path_id(req, "blast_id").map_err(|_| Error::NotFound("no such blast".into()))?;
    let input: ReminderInput = if http::body(req, http::MAX_BODY_BYTES)?.iter().all(u8::is_ascii_whitespace) {
        ReminderInput::default()
    } else {
        http::json_body(req)?
    };
    let until = match input.until.as_deref() {
        None => Step::Viewed,
        Some(text) => Step::parse(text)
            .filter(|s| matches!(s, Step::Viewed | Step::Downloaded))
            .ok_or_else(|| Error::validation("until must be viewed or downloaded"))?,
    };
    let sent_at = input
        .sent_at
        .as_deref()
        .map(|text| time::parse_instant(text).map(time::format))
        .map(|t| t.ok_or_else(|| Error::validation("sent_at must be an RFC 3339 instant")))
        .transpose()?;
    let registered = visibility::writable_jobs(&app.store, &caller, &[&job]).await?;
    let link_job = registered.first().map(link_job).ok_or_else(|| Error::NotFound("no such job".into()))?;
    let original = app
        .store
        .blast(&caller.planroom, &job, original_id.as_str())
        .await?
        .ok_or_else(|| Error::NotFound("no such blast".into()))?;
    let reminder = Reminder { of: original_id.as_str().to_owned(), until };
    let key = http::header(req, "idempotency-key");
    let reminder_id = reminder_id(&caller, &job, &original_id, key)?;
    if key.is_some()
        && let Some(stored) = app.store.blast(&caller.planroom, &job, &reminder_id).await?
    {
        if stored.reminder.as_ref() != Some(&reminder) {
            return Err(Error::validation("this Idempotency-Key was used for a different reminder"));
        }
        let link_job = stored.job.as_ref().unwrap_or(&link_job);
        return answer(app, req, &caller, &job, &reminder_id, &stored, link_job, true).await;
    }

    // Who has not got that far with every target of the blast, by people's own records.
    let (members, _) =
        app.store.blast_recipients(&caller.planroom, &job, original_id.as_str(), None, blast::MAX_RECIPIENTS).await?;
    let records = coverage_reading::job_records(&app.store, &caller.planroom, &job, false).await?;
    let targets = original.targets();
    let wanted: Vec<(&str, &str)> = targets.iter().map(|t| (t.kind.as_str(), t.id.as_str())).collect();
    let missing = coverage::not_reached(members.iter().map(|m| m.individual_id.as_str()), &wanted, &records, until);
    if missing.is_empty() {
        return Ok(http::json(
            StatusCode::OK,
            &json!({ "blast_id": null, "reminder_of": original_id, "until": until, "recipients": 0, "links": [],
                     "links_total": 0, "next_cursor": null }),
        ));
    }
    let recipients: Vec<&LinkRecipient> =
        members.iter().filter(|m| missing.contains(&m.individual_id.as_str())).collect();
    let name = input.name.unwrap_or_else(|| reminder_name(&original.name));
    let blast = Blast {
        name: Name::parse("name", &name)?,
        recipients: recipients.iter().filter_map(|r| recipient(r)).collect(),
        targets,
        sent_at,
    };
    let (now, now_text) = time::now();
    let expires_at = now.as_second().saturating_add(app.links.ttl_seconds);
    let new = NewBlast {
        id: &reminder_id,
        blast: &blast,
        created_at: &now_text,
        links_expire_at: expires_at,
        job: &link_job,
        reminder: Some(&reminder),
    };
    app.store.put_blast(&caller.planroom, &job, &new).await?;
    tracing::info!(
        blast_id = reminder_id,
        reminder_of = original_id.as_str(),
        recipients = blast.recipients.len(),
        "reminder registered"
    );
    let action = Action {
        event_type: EventType::Notify,
        event_name: "Reminder registered",
        event_subtype: Some(until.as_str()),
        tool_name: BLASTS,
        object: Some(("blast", &reminder_id, Some(blast.name.as_str()))),
    };
    app.store.log_action(&caller, &action, http::header(req, "user-agent"), Some(&job)).await;
    let mut stored = StoredBlast::with_targets(&blast.targets);
    stored.sent_at = blast.sent_at.clone().or(Some(now_text.clone()));
    stored.links_expire_at = Some(expires_at);
    stored.created_at = Some(now_text);
    stored.job = Some(link_job.clone());
    stored.name = blast.name.as_str().to_owned();
    stored.reminder = Some(reminder);
    answer(app, req, &caller, &job, &reminder_id, &stored, &link_job, false).await
}

/// The reminder's answer (201): its first page of links, minted from its stored recipients;
/// `replayed` when it was made before with the same `Idempotency-Key`.
#[allow(clippy::too_many_arguments)]
async fn answer(
    app: &App,
    req: &Request,
    caller: &Caller,
    job: &Id,
    reminder_id: &str,
    stored: &StoredBlast,
    link_job: &LinkJob,
    replayed: bool,
) -> Result<Response<Body>> {
    let targets = stored.targets();
    let per_page = recipients_per_page(blast::LINKS_PER_PAGE, targets.len());
    let (all, _) = app.store.blast_recipients(&caller.planroom, job, reminder_id, None, blast::MAX_RECIPIENTS).await?;
    let created = stored.created_at.as_deref().and_then(time::parse_instant).unwrap_or_else(jiff::Timestamp::now);
    let sent_at = stored.sent_at.as_deref().and_then(time::parse_instant).unwrap_or(created);
    let minter = Minter {
        app,
        planroom: &caller.planroom,
        job,
        blast: reminder_id,
        base: link_base(app, req)?,
        expires_at: stored.links_expire_at.unwrap_or_else(|| created.as_second().saturating_add(app.links.ttl_seconds)),
        sent_at_ms: sent_at.as_millisecond(),
        link_job,
    };
    let page = &all[..all.len().min(per_page)];
    let links = minter.links(page, &targets);
    let next_cursor = (all.len() > per_page).then(|| minter.cursor(page));
    let reminder = stored.reminder.as_ref();
    let mut res = http::json(
        StatusCode::CREATED,
        &json!({
            "blast_id": reminder_id,
            "reminder_of": reminder.map(|r| &r.of),
            "until": reminder.map(|r| r.until),
            "name": stored.name,
            "recipients": all.len(),
            "links": links,
            "links_total": all.len() * targets.len(),
            "next_cursor": next_cursor,
        }),
    );
    if replayed {
        res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(res)
}

/// "{name} (reminder)", the blast's name shortened (at a character) when both would not fit.
fn reminder_name(original: &str) -> String {
    const SUFFIX: &str = " (reminder)";
    let room = MAX_NAME_BYTES - SUFFIX.len();
    let mut end = original.len().min(room);
    while !original.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{SUFFIX}", &original[..end])
}

/// A recipient of the blast reminded of, as the reminder's recipient.
fn recipient(stored: &LinkRecipient) -> Option<Recipient> {
    let email = Email::parse(stored.email.as_deref()?).ok()?;
    let name = Name::parse("name", &stored.name).unwrap_or_default();
    let company = stored.company_name.as_deref().and_then(|c| Name::parse("company_name", c).ok());
    Some(Recipient {
        contact_id: stored.contact_id.as_deref().and_then(|c| Id::parse("contact_id", c).ok()),
        individual: Individual::by_email(email, name, company),
    })
}

/// The reminder's id: from the caller's `Idempotency-Key` (with the job and the blast reminded
/// of), so a retried request finds the reminder it created; random without a key.
fn reminder_id(caller: &Caller, job: &Id, original: &Id, key: Option<&str>) -> Result<String> {
    let Some(key) = key else { return Ok(format!("b-{}", uuid::Uuid::new_v4().simple())) };
    if key.len() > MAX_IDEMPOTENCY_KEY || key.chars().any(char::is_control) {
        return Err(Error::BadRequest(format!(
            "Idempotency-Key must be at most {MAX_IDEMPOTENCY_KEY} characters without control characters"
        )));
    }
    let text = format!("{}\0{}\0{job}\0{original}\0{key}", caller.planroom, caller.sub);
    let digest = Sha256::digest(text.as_bytes());
    Ok(format!("b-r{}", digest[..15].iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reminders_default_name_always_fits() {
        assert_eq!(reminder_name("Addendum 3"), "Addendum 3 (reminder)");
        let long = "é".repeat(MAX_NAME_BYTES);
        let name = reminder_name(&long);
        assert!(name.len() <= MAX_NAME_BYTES && name.ends_with(" (reminder)"), "{}", name.len());
        assert!(Name::parse("name", &name).is_ok());
    }
}
