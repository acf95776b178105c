//! Staff register the planroom's base URL and the job's blasts; each blast answers with one
//! signed tracked link per recipient and target.

use std::collections::BTreeMap;

use lambda_http::http::StatusCode;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use serde_json::json;
use shared::blast::{self, BlastInput, Target};
use shared::caller::Caller;
use shared::cursor::{self, Cursor};
use shared::ids::Id;
use shared::link_token::{LinkDetails, LinkToken};
use shared::store::{LinkJob, LinkRecipient, NewBlast};
use shared::user_activity::EventType;
use shared::user_activity::sources::{Action, BLASTS};
use shared::{Error, Result, http, planroom, time, visibility};

use crate::App;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanroomInput {
    base_url: String,
}

/// `PUT /v1/planroom`: staff register the https base URL tracked links redirect to.
pub async fn put_planroom(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let input: PlanroomInput = http::json_body(req)?;
    let base_url = planroom::parse_base_url(&input.base_url)?;
    app.store.put_base_url(&caller.planroom, &base_url, &time::now().1).await?;
    let action = Action {
        event_type: EventType::CreateUpdate,
        event_name: "Planroom settings saved",
        event_subtype: Some("base_url"),
        tool_name: "Planroom",
        object: Some(("planroom", caller.planroom.as_str(), None)),
    };
    app.store.log_action(&caller, &action, http::header(req, "user-agent"), None).await;
    Ok(http::json(StatusCode::OK, &json!({ "planroom_id": caller.planroom, "base_url": base_url })))
}

/// `POST /v1/jobs/{job_id}/blasts`: stores the blast and its recipients, answers 201 with the
/// first page of its links (`links_total` in all, the rest by `next_cursor` from
/// `GET /v1/jobs/{job_id}/blasts/{blast_id}/links`).
pub async fn post_blast(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let job = http::path_id(req, "job_id")?;
    let blast = http::json_body_within::<BlastInput>(req, http::MAX_BLAST_BODY_BYTES)?.validate()?;
    // A blast names a registered job the caller may see, or nothing is stored (404).
    let registered = visibility::writable_jobs(&app.store, &caller, &[&job]).await?;
    let link_job = registered.first().map(link_job).ok_or_else(|| Error::NotFound("no such job".into()))?;
    let (now, now_text) = time::now();
    let blast_id = format!("b-{}", uuid::Uuid::new_v4().simple());
    let expires_at = now.as_second().saturating_add(app.links.ttl_seconds);
    let new = NewBlast {
        id: &blast_id,
        blast: &blast,
        created_at: &now_text,
        links_expire_at: expires_at,
        job: &link_job,
        reminder: None,
    };
    app.store.put_blast(&caller.planroom, &job, &new).await?;
    let mut recipients: Vec<LinkRecipient> = blast
        .recipients
        .iter()
        .map(|r| LinkRecipient {
            individual_id: r.individual.id.clone(),
            email: r.individual.email.as_ref().map(|e| e.as_str().to_owned()),
            contact_id: r.contact_id.as_ref().map(|c| c.as_str().to_owned()),
            name: r.individual.name.as_str().to_owned(),
            company_name: r.individual.company_name.as_ref().map(|c| c.as_str().to_owned()),
        })
        .collect();
    // The order `GET …/links` pages in: by individual.
    recipients.sort_by(|a, b| a.individual_id.cmp(&b.individual_id));
    let per_page = recipients_per_page(blast::LINKS_PER_PAGE, blast.targets.len());
    let more = recipients.len() > per_page;
    recipients.truncate(per_page);
    let sent_at = blast.sent_at.as_deref().and_then(time::parse_instant).unwrap_or(now);
    let minted = Minter {
        app,
        planroom: &caller.planroom,
        job: &job,
        blast: &blast_id,
        base: link_base(app, req)?,
        expires_at,
        sent_at_ms: sent_at.as_millisecond(),
        link_job: &link_job,
    };
    let links = minted.links(&recipients, &blast.targets);
    let next_cursor = more.then(|| minted.cursor(&recipients));
    tracing::info!(blast_id, recipients = blast.recipients.len(), links = links.len(), "blast registered");
    let action = Action {
        event_type: EventType::Notify,
        event_name: "Blast registered",
        event_subtype: None,
        tool_name: BLASTS,
        object: Some(("blast", &blast_id, Some(blast.name.as_str()))),
    };
    app.store.log_action(&caller, &action, http::header(req, "user-agent"), Some(&job)).await;
    let total = blast.recipients.len() * blast.targets.len();
    Ok(http::json(
        StatusCode::CREATED,
        &json!({ "blast_id": blast_id, "links": links, "links_total": total, "next_cursor": next_cursor }),
    ))
}

/// `GET /v1/jobs/{job_id}/blasts/{blast_id}/links`: a page of a blast's links, the same URLs its
/// registration minted (links are signed, not stored: they are minted again, identical).
pub async fn links(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let job = http::path_id(req, "job_id")?;
    let blast_id = http::path_id(req, "blast_id")?;
    let limit = match http::typed_query(req, "limit") {
        None => blast::LINKS_PER_PAGE,
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=blast::LINKS_PER_PAGE).contains(n))
            .ok_or_else(|| Error::BadRequest(format!("limit must be 1 to {}", blast::LINKS_PER_PAGE)))?,
    };
    let head = app
        .store
        .blast(&caller.planroom, &job, blast_id.as_str())
        .await?
        .ok_or_else(|| Error::NotFound("no such blast".into()))?;
    let targets = head.targets();
    let created = head.created_at.as_deref().and_then(time::parse_instant).unwrap_or_else(jiff::Timestamp::now);
    let expires_at = head.links_expire_at.unwrap_or_else(|| created.as_second().saturating_add(app.links.ttl_seconds));
    let sent_at = head.sent_at.as_deref().and_then(time::parse_instant).unwrap_or(created);
    // Blasts registered before links were sealed carry no job: their links are minted with the
    // job as it is registered now.
    let link_job = match head.job.clone() {
        Some(job) => job,
        None => {
            let registered = visibility::writable_jobs(&app.store, &caller, &[&job]).await?;
            registered.first().map(link_job).ok_or_else(|| Error::NotFound("no such job".into()))?
        }
    };
    let minter = Minter {
        app,
        planroom: &caller.planroom,
        job: &job,
        blast: blast_id.as_str(),
        base: link_base(app, req)?,
        expires_at,
        sent_at_ms: sent_at.as_millisecond(),
        link_job: &link_job,
    };
    let after = match http::query(req, "cursor") {
        Some(token) => Some(cursor::decode(&app.keys, &minter.scope(), token)?.key.remove("after").unwrap_or_default()),
        None => None,
    };
    let per_page = recipients_per_page(limit, targets.len());
    let (recipients, more) =
        app.store.blast_recipients(&caller.planroom, &job, blast_id.as_str(), after.as_deref(), per_page).await?;
    let links = minter.links(&recipients, &targets);
    let next_cursor = (more && !recipients.is_empty()).then(|| minter.cursor(&recipients));
    Ok(http::json(StatusCode::OK, &json!({ "blast_id": blast_id, "links": links, "next_cursor": next_cursor })))
}

/// Whole recipients per page: all of a recipient's links are on one page.
pub(crate) fn recipients_per_page(links: usize, targets: usize) -> usize {
    (links / targets.max(1)).max(1)
}

/// Mints a blast's links.
pub(crate) struct Minter<'a> {
    pub(crate) app: &'a App,
    pub(crate) planroom: &'a Id,
    pub(crate) job: &'a Id,
    pub(crate) blast: &'a str,
    pub(crate) base: String,
    pub(crate) expires_at: i64,
    pub(crate) sent_at_ms: i64,
    pub(crate) link_job: &'a LinkJob,
}

impl Minter<'_> {
    /// One link per recipient and target, recipients in order.
    pub(crate) fn links(&self, recipients: &[LinkRecipient], targets: &[Target]) -> Vec<serde_json::Value> {
        let mut links = Vec::with_capacity(recipients.len() * targets.len());
        for recipient in recipients {
            for target in targets {
                let token = LinkToken {
                    planroom: self.planroom.to_string(),
                    blast: self.blast.to_owned(),
                    recipient: recipient.individual_id.clone(),
                    job: self.job.to_string(),
                    target_kind: target.kind,
                    target_id: target.id.to_string(),
                    action: target.action,
                    expires_at: self.expires_at,
                    details: Some(LinkDetails {
                        email: recipient.email.clone().unwrap_or_default(),
                        name: recipient.name.clone(),
                        company: recipient.company_name.clone(),
                        target_name: target.name.as_str().to_owned(),
                        sent_at_ms: self.sent_at_ms,
                        job_name: self.link_job.name.clone(),
                        job_number: self.link_job.number.clone(),
                        job_is_demo: self.link_job.is_demo,
                        job_time_zone: self.link_job.time_zone.clone(),
                    }),
                }
                .encode(&self.app.keys);
                links.push(json!({
                    "contact_id": recipient.contact_id,
                    "email": recipient.email.as_deref().unwrap_or_default(),
                    "target_kind": target.kind,
                    "target_id": target.id,
                    "action": target.action,
                    "url": format!("{}/r/{token}", self.base),
                }));
            }
        }
        links
    }

    /// What the links cursor is bound to.
    fn scope(&self) -> String {
        cursor::scope(&["links", self.planroom.as_str(), self.job.as_str(), self.blast])
    }

    /// The cursor of the page after the one ending with `recipients`' last.
    pub(crate) fn cursor(&self, recipients: &[LinkRecipient]) -> String {
        let last = recipients.last().map(|r| r.individual_id.clone()).unwrap_or_default();
        cursor::encode(
            &self.app.keys,
            &self.scope(),
            Cursor { phase: 0, key: BTreeMap::from([("after".to_owned(), last)]) },
        )
    }
}

/// The job as its blast's links carry it.
pub(crate) fn link_job(job: &shared::job::Job) -> LinkJob {
    LinkJob {
        name: job.name.as_str().to_owned(),
        number: job.number.as_ref().map(|n| n.as_str().to_owned()),
        is_demo: job.is_demo,
        time_zone: job.time_zone.clone(),
    }
}

/// Where tracked links point: the redirect's own base (`LINK_BASE_URL`, its function URL) when
/// configured, else the API's public base (configured, or the domain API Gateway was called on).
pub(crate) fn link_base(app: &App, req: &Request) -> Result<String> {
    if let Some(base) = &app.links.link_base {
        return Ok(base.trim_end_matches('/').to_owned());
    }
    if let Some(base) = &app.links.public_base {
        return Ok(base.trim_end_matches('/').to_owned());
    }
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.domain_name.as_ref().map(|d| format!("https://{d}")),
        _ => None,
    }
    .ok_or_else(|| Error::internal("building link URLs", "no PUBLIC_API_URL and no request domain"))
}
