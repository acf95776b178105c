//! The caller of an API route, built only from the claims that API Gateway's JWT authorizer (or
//! the dev server's stand-in) verified. Nothing about identity is ever read from the body.

use std::collections::HashMap;

use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};

use crate::config::ClaimNames;
use crate::ids::{Id, Name};
use crate::individual::{Email, Individual};
use crate::{Error, Result};

/// The caller's role in their planroom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Planroom staff: sees and manages all of the planroom.
    Staff,
    /// A customer user: sees only jobs assigned to their company, when approved.
    Customer,
}

/// An authenticated caller.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The login subject.
    pub sub: String,
    /// The planroom (tenant) the token was issued for.
    pub planroom: Id,
    /// The caller's company id.
    pub company_id: Option<Id>,
    /// The caller as an individual (e-mail keyed).
    pub individual: Individual,
    /// Staff or customer.
    pub role: Role,
    /// Whether the planroom approved this user.
    pub approved: bool,
    /// The optional profile claims, as the token carries them.
    pub profile: Profile,
}

/// What the token says about its user beyond identity and access (User Activity rows show it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    /// The role claim as given (`staff`, `customer`, or the planroom's own word).
    pub role: Option<String>,
    /// Job title.
    pub job_title: Option<String>,
    /// Default permission template.
    pub permission_template: Option<String>,
    /// Whether they are an authorized bidder.
    pub authorized_bidder: Option<bool>,
    /// Whether the account is active.
    pub active: Option<bool>,
    /// The e-mail they log in with, lower-cased.
    pub login_email: Option<String>,
    /// When they last logged in.
    pub last_login: Option<String>,
}

impl Caller {
    /// Reads the verified claims of an HTTP API request.
    pub fn from_request(req: &Request, names: &ClaimNames) -> Result<Self> {
        let claims = match req.request_context_ref() {
            Some(RequestContext::ApiGatewayV2(ctx)) => {
                ctx.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|jwt| &jwt.claims)
            }
            _ => None,
        };
        let claims = claims.ok_or_else(|| Error::Unauthorized("a bearer token is required".into()))?;
        Self::from_claims(claims, names)
    }

    /// Builds a caller from verified claims.
    pub fn from_claims(claims: &HashMap<String, String>, names: &ClaimNames) -> Result<Self> {
        let get = |name: &str| claims.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
        let invalid = |what: &str| Error::Unauthorized(format!("the token's {what} claim is missing or invalid"));
        let sub = get(&names.sub).ok_or_else(|| invalid("subject"))?;
        let planroom = get(&names.planroom_id)
            .and_then(|p| Id::parse("planroom_id", p).ok())
            .ok_or_else(|| invalid("planroom"))?;
        let company_id = get(&names.company_id).and_then(|c| Id::parse("company_id", c).ok());
        let company_name = get(&names.company_name).and_then(|c| Name::parse("company_name", c).ok());
        let name = get(&names.name).and_then(|n| Name::parse("name", n).ok()).unwrap_or_default();
        let individual = match get(&names.email).map(Email::parse) {
            Some(Ok(email)) => Individual::by_email(email, name, company_name),
            Some(Err(_)) => return Err(invalid("email")),
            None => Individual::by_subject(sub, name, company_name),
        };
        let role = if get(&names.role) == Some("staff") { Role::Staff } else { Role::Customer };
        let approved = get(&names.approved).is_some_and(|a| a.eq_ignore_ascii_case("true"));
        let label = |name: &str| get(name).map(|v| v.chars().take(256).collect::<String>());
        let flag = |name: &str| match get(name).map(str::to_ascii_lowercase).as_deref() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        };
        let p = &names.profile;
        let profile = Profile {
            role: label(&names.role),
            job_title: label(&p.job_title),
            permission_template: label(&p.permission_template),
            authorized_bidder: flag(&p.authorized_bidder),
            active: flag(&p.active),
            login_email: get(&p.login_email).and_then(|e| Email::parse(e).ok()).map(|e| e.as_str().to_owned()),
            last_login: label(&p.last_login),
        };
        Ok(Caller { sub: sub.to_owned(), planroom, company_id, individual, role, approved, profile })
    }

    /// Fails with 403 unless the caller is planroom staff.
    pub fn require_staff(&self) -> Result<()> {
        match self.role {
            Role::Staff => Ok(()),
            Role::Customer => Err(Error::Forbidden("this route is for planroom staff only".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn staff_claims_make_a_staff_caller() {
        let c = Caller::from_claims(
            &claims(&[
                ("sub", "u1"),
                ("planroom_id", "p1"),
                ("role", "staff"),
                ("email", "A@B.com"),
                ("approved", "true"),
            ]),
            &ClaimNames::default(),
        )
        .unwrap();
        assert_eq!(c.role, Role::Staff);
        assert!(c.approved);
        assert_eq!(c.individual.email.unwrap().as_str(), "a@b.com");
    }

    #[test]
    fn unknown_roles_get_least_privilege_and_missing_tenant_is_rejected() {
        let names = ClaimNames::default();
        let c =
            Caller::from_claims(&claims(&[("sub", "u1"), ("planroom_id", "p1"), ("role", "admin")]), &names).unwrap();
        assert_eq!(c.role, Role::Customer);
        assert!(!c.approved);
        assert!(c.require_staff().is_err());
        let err = Caller::from_claims(&claims(&[("sub", "u1")]), &names).unwrap_err();
        assert_eq!(err.status(), 401);
    }

    #[test]
    fn claim_names_are_configurable() {
        let names = ClaimNames { planroom_id: "custom:planroom".into(), ..ClaimNames::default() };
        let c = Caller::from_claims(&claims(&[("sub", "u1"), ("custom:planroom", "p9")]), &names).unwrap();
        assert_eq!(c.planroom.as_str(), "p9");
    }
}
