//! A tracked-link hit as the redirect logs it: who (from the sealed link, or, for an old link, the
//! recipient read), what (the link's target), when, and how far it is judged.

use jiff::Timestamp;
use shared::event::{EventInput, ObjectRef};
use shared::first_access::{Capture, Source};
use shared::ids::{Id, Name};
use shared::individual::{Email, Individual};
use shared::judgement::{Confidence, Judgement};
use shared::link_token::LinkToken;
use shared::scanner::Signal;
use shared::store::{StoredBlast, StoredRecipient};
use shared::user_activity::log::{HitMark, LogEntry, new_key};
use shared::user_activity::row::{JobFields, UserFields};
use shared::user_activity::sources::{self, CaptureKind};

/// Who was sent the link and what it names, as the row of the click needs it.
#[derive(Debug, Clone)]
pub struct Subject {
    /// The recipient.
    pub individual: Individual,
    /// The target's display name.
    pub target_name: Name,
    /// When the blast went out.
    pub sent_at: Option<Timestamp>,
    /// The job, as the blast registered it.
    pub job: JobFields,
}

impl Subject {
    /// What a sealed (version 2) link carries; `None` for a version 1 link.
    pub fn of_link(token: &LinkToken, job: &Id) -> Option<Subject> {
        let details = token.details.as_ref()?;
        let email = Email::parse(&details.email).ok()?;
        let name = Name::parse("name", &details.name).unwrap_or_default();
        let company = details.company.as_deref().and_then(|c| Name::parse("company_name", c).ok());
        Some(Subject {
            individual: Individual::by_email(email, name, company),
            target_name: Name::parse("name", &details.target_name).unwrap_or_default(),
            sent_at: Timestamp::from_millisecond(details.sent_at_ms).ok(),
            job: JobFields {
                job_id: job.to_string(),
                job_name: Some(details.job_name.clone()),
                job_number: details.job_number.clone(),
                job_is_demo: Some(details.job_is_demo),
                time_zone: Some(details.job_time_zone.clone()),
            },
        })
    }

    /// An old link's: the recipient and blast read from the table.
    pub fn of_stored(token: &LinkToken, recipient: &StoredRecipient, blast: &StoredBlast, job: JobFields) -> Subject {
        let name = blast.target_name(token.target_kind.as_str(), &token.target_id).unwrap_or_default();
        Subject {
            individual: recipient.individual.clone(),
            target_name: Name::parse("name", name).unwrap_or_default(),
            sent_at: blast.sent_at.as_deref().and_then(shared::time::parse_instant),
            job,
        }
    }
}

/// The hit's log entry: the link's view (or download) by the recipient, now, automated with
/// `signal` when the request showed one, pending the judge's verdict otherwise.
pub fn entry(
    planroom: &Id,
    token: &LinkToken,
    subject: &Subject,
    signal: Option<Signal>,
    user_agent: Option<&str>,
    now: Timestamp,
) -> shared::Result<LogEntry> {
    let job = Id::parse("job", &token.job)?;
    let events = [EventInput {
        event_id: None,
        job,
        activity: token.action,
        object: ObjectRef {
            kind: token.target_kind,
            id: Id::parse("target", &token.target_id)?,
            name: subject.target_name.clone(),
        },
        section: None,
        url: None,
        device: None,
        at: Timestamp::from_millisecond(now.as_millisecond()).unwrap_or(now),
        client_time: false,
    }];
    let judgement = match signal {
        Some(signal) => Judgement::automated(signal.code(), Confidence::High),
        None => Judgement::human(Confidence::Medium),
    };
    let source = Source::Blast(Id::parse("blast", &token.blast)?);
    let capture =
        Capture { planroom, individual: &subject.individual, source: &source, judgement: &judgement, events: &events };
    let user = UserFields::of_recipient(&subject.individual);
    let mut entry = sources::capture_entry(
        CaptureKind::LinkHit,
        &capture,
        0,
        &new_key(),
        None,
        &user,
        user_agent,
        &subject.job,
        now,
    );
    entry.hit = Some(HitMark { pending: signal.is_none(), confidence: judgement.confidence, sent_at: subject.sent_at });
    Ok(entry)
}
