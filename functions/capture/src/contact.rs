//! Events of blast recipients who are not logged in, authenticated by the contact session the
//! redirect handed them. No valid session: 401 and nothing stored — guests are never tracked.
//!
//! A session is bound to its planroom, job, blast and recipient: a post naming another job is
//! refused whole (403). Events posted through a session minted for an automated hit (an e-mail
//! scanner following the link) are stored as automated, with the session's reason.

use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;
use shared::contact_session::ContactSession;
use shared::event::decode_batch;
use shared::first_access::{Capture, Source};
use shared::ids::Id;
use shared::user_activity::row::UserFields;
use shared::user_activity::sources::CaptureKind;
use shared::{Error, Result, http, time};

use crate::App;

/// The header the planroom frontend sends the session in.
pub const SESSION_HEADER: &str = "x-contact-session";

/// `POST /v1/contact-events`: the same body and answer as `POST /v1/events`.
pub async fn post_events(app: &App, req: &Request) -> Result<Response<Body>> {
    let unauthorized = || Error::Unauthorized("a valid X-Contact-Session header is required".into());
    let token = http::header(req, SESSION_HEADER).ok_or_else(unauthorized)?;
    let (now, at) = time::now();
    let session = ContactSession::decode(token, &app.keys, now.as_second()).map_err(|_| unauthorized())?;
    let planroom = Id::parse("planroom", &session.planroom).map_err(|_| unauthorized())?;
    let job = Id::parse("job", &session.job).map_err(|_| unauthorized())?;
    let blast = Id::parse("blast", &session.blast).map_err(|_| unauthorized())?;
    let events = decode_batch(http::body(req, http::MAX_BODY_BYTES)?)?;
    if let Some(other) = events.iter().find(|e| e.job != job) {
        return Err(Error::Forbidden(format!(
            "this contact session covers job {job:?} only, not {:?}; nothing was recorded",
            other.job.as_str()
        )));
    }
    let recipient =
        app.store.recipient(&planroom, &job, &session.recipient, blast.as_str()).await?.ok_or_else(unauthorized)?;
    let capture = Capture {
        planroom: &planroom,
        individual: &recipient.individual,
        source: &Source::Blast(blast),
        automated: session.automated.as_deref(),
        at: &at,
        events: &events,
    };
    let user = UserFields::of_recipient(&recipient.individual);
    let user_agent = http::header(req, "user-agent");
    let results = app.store.record_and_log(CaptureKind::Events, &capture, &user, user_agent).await?;
    Ok(http::json(StatusCode::OK, &json!({ "results": results })))
}
