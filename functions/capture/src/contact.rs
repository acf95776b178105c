//! Events of blast recipients who are not logged in, authenticated by the contact session the
//! redirect handed them. No valid session: 401 and nothing stored — guests are never tracked.
//!
//! A session is bound to its planroom, job, blast and recipient: a post naming another job is
//! refused whole (403). Events posted through a session minted for a hit that showed itself a
//! machine's (a `HEAD`, a scanner's user agent or network) are stored as automated, with the
//! session's reason; any other is the recipient's page at work: a person's.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use std::collections::HashMap;

use shared::contact_session::ContactSession;
use shared::event::decode_batch;
use shared::first_access::{Capture, Source};
use shared::ids::Id;
use shared::judgement::{Confidence, Judgement};
use shared::recording::{self, CaptureRequest, Landing};
use shared::store::JobStore;
use shared::user_activity::row::{JobFields, UserFields};
use shared::{Error, Result, http};

use crate::App;

/// The header the planroom frontend sends the session in.
pub const SESSION_HEADER: &str = "x-contact-session";

/// `POST /v1/contact-events`: the same body and answer as `POST /v1/events`. The landing page's
/// view of the link's own target is the link's view, not a second one.
pub async fn post_events(app: &App, req: &Request) -> Result<Response<Body>> {
    let unauthorized = || Error::Unauthorized("a valid X-Contact-Session header is required".into());
    let token = http::header(req, SESSION_HEADER).ok_or_else(unauthorized)?;
    let arrived = jiff::Timestamp::now();
    let session = ContactSession::decode(token, &app.keys, arrived.as_second()).map_err(|_| unauthorized())?;
    let planroom = Id::parse("planroom", &session.planroom).map_err(|_| unauthorized())?;
    let job = Id::parse("job", &session.job).map_err(|_| unauthorized())?;
    let blast = Id::parse("blast", &session.blast).map_err(|_| unauthorized())?;
    let events = decode_batch(http::body(req, http::MAX_BODY_BYTES)?, arrived)?;
    if let Some(other) = events.iter().find(|e| e.job != job) {
        return Err(Error::Forbidden(format!(
            "this contact session covers job {job:?} only, not {:?}; nothing was recorded",
            other.job.as_str()
        )));
    }
    let (recipient, registered) = tokio::join!(
        app.store.recipient(&planroom, &job, &session.recipient, blast.as_str()),
        app.store.get_job(&planroom, &job),
    );
    let recipient = recipient?.ok_or_else(unauthorized)?;
    let registered = registered?.ok_or_else(|| Error::NotFound(format!("no such job: {:?}", job.as_str())))?;
    let jobs = HashMap::from([(job.clone(), JobFields::of(&job, Some(&registered)))]);
    // The recipient's page ran and posted: a person's, unless the link's own request was a machine's.
    let judgement = match &session.automated {
        Some(reason) => Judgement::automated(reason, Confidence::High),
        None => Judgement::human(Confidence::High),
    };
    let capture = Capture {
        planroom: &planroom,
        individual: &recipient.individual,
        source: &Source::Blast(blast),
        judgement: &judgement,
        events: &events,
    };
    let landing = session.hit.as_ref().and_then(|hit| {
        Some(Landing {
            hit: hit.row.clone(),
            at: jiff::Timestamp::from_millisecond(hit.at_ms).ok()?,
            record_sk: hit.record.clone(),
        })
    });
    let user = UserFields::of_recipient(&recipient.individual);
    let request = CaptureRequest {
        capture,
        user: &user,
        user_agent: http::header(req, "user-agent"),
        jobs: &jobs,
        arrived,
        landing: landing.as_ref(),
    };
    let results = recording::record(&app.store, &request).await?;
    Ok(http::json(StatusCode::OK, &json!({ "results": results })))
}
