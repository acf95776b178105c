//! Staff register the planroom's base URL and the job's blasts; each blast answers with one
//! signed tracked link per recipient and target.

use lambda_http::http::StatusCode;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use serde_json::json;
use shared::blast::BlastInput;
use shared::caller::Caller;
use shared::link_token::LinkToken;
use shared::user_activity::EventType;
use shared::user_activity::sources::{Action, BLASTS};
use shared::{Error, Result, http, planroom, time};

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

/// `POST /v1/jobs/{job_id}/blasts`: stores the blast and its recipients, answers 201 with the links.
pub async fn post_blast(app: &App, req: &Request) -> Result<Response<Body>> {
    let caller = Caller::from_request(req, &app.claims)?;
    caller.require_staff()?;
    let job = http::path_id(req, "job_id")?;
    let blast = http::json_body_within::<BlastInput>(req, http::MAX_BLAST_BODY_BYTES)?.validate()?;
    let (now, now_text) = time::now();
    let blast_id = format!("b-{}", uuid::Uuid::new_v4().simple());
    app.store.put_blast(&caller.planroom, &job, &blast_id, &blast, &now_text).await?;
    let base = api_base(app, req)?;
    let expires_at = now.as_second().saturating_add(app.links.ttl_seconds);
    let mut links = Vec::with_capacity(blast.recipients.len() * blast.targets.len());
    for recipient in &blast.recipients {
        for target in &blast.targets {
            let token = LinkToken {
                planroom: caller.planroom.to_string(),
                blast: blast_id.clone(),
                recipient: recipient.individual.id.clone(),
                job: job.to_string(),
                target_kind: target.kind,
                target_id: target.id.to_string(),
                action: target.action,
                expires_at,
            }
            .encode(&app.keys);
            links.push(json!({
                "contact_id": recipient.contact_id,
                "email": recipient.individual.email,
                "target_kind": target.kind,
                "target_id": target.id,
                "action": target.action,
                "url": format!("{base}/r/{token}"),
            }));
        }
    }
    tracing::info!(blast_id, recipients = blast.recipients.len(), links = links.len(), "blast registered");
    let action = Action {
        event_type: EventType::Notify,
        event_name: "Blast registered",
        event_subtype: None,
        tool_name: BLASTS,
        object: Some(("blast", &blast_id, Some(blast.name.as_str()))),
    };
    app.store.log_action(&caller, &action, http::header(req, "user-agent"), Some(&job)).await;
    Ok(http::json(StatusCode::CREATED, &json!({ "blast_id": blast_id, "links": links })))
}

/// The API's public base: configured, or the domain API Gateway was called on.
fn api_base(app: &App, req: &Request) -> Result<String> {
    if let Some(base) = &app.links.public_base {
        return Ok(base.trim_end_matches('/').to_owned());
    }
    match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.domain_name.as_ref().map(|d| format!("https://{d}")),
        _ => None,
    }
    .ok_or_else(|| Error::internal("building link URLs", "no PUBLIC_API_URL and no request domain"))
}
