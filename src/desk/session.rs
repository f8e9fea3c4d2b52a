//! Who is at the desk: the session cookie (`sohoa_session`: HttpOnly,
//! SameSite=Strict, path `/desk`, `Secure` behind HTTPS) opens a session kept
//! in the database; without one, a page sends the officer to sign in. Every
//! form carries the session's CSRF token in a hidden `csrf` field, and a
//! form posted without it, or with another session's, changes nothing. The
//! sign-in form, before any session, is guarded the same way by a token in a
//! cookie of its own (double submit).

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieAge};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use super::DeskError;
use crate::domain::officer::Officer;
use crate::http::AppState;
use crate::http::UploadTicket;
use crate::http::upload::{self, Parts};
use crate::ops::officers;

pub const SESSION_COOKIE: &str = "sohoa_session";
pub const LOGIN_CSRF_COOKIE: &str = "sohoa_login_csrf";

/// A signed-in officer, from the session cookie.
#[derive(Debug, Clone)]
pub struct Desk {
    pub officer: Officer,
    pub csrf: String,
    pub token: String,
}

impl Desk {
    /// Refuses a form whose `csrf` field is not this session's.
    pub fn check_csrf(&self, given: &str) -> Result<(), DeskError> {
        if same(given, &self.csrf) {
            Ok(())
        } else {
            Err(DeskError::Csrf)
        }
    }
}

impl Desk {
    /// A multipart form of the desk's (files in `page`, text fields among
    /// `fields`), read as the API reads an upload, for an officer whose role
    /// is among `roles` (checked before the body is read), and refused
    /// unless it carries this session's CSRF token.
    pub async fn read_form(
        &self,
        state: &AppState,
        req: &HttpRequest,
        payload: web::Payload,
        roles: &[crate::domain::Role],
        fields: &[&str],
    ) -> Result<(Parts, UploadTicket), DeskError> {
        crate::ops::authorize(&self.officer.actor(), roles)?;
        let (parts, ticket) = upload::read_form(state, req, payload, fields).await?;
        self.check_csrf(parts.fields.get("csrf").map(|v| v.trim()).unwrap_or(""))?;
        Ok((parts, ticket))
    }
}

/// Equal strings, compared in time that does not depend on where they differ.
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn secure(req: &HttpRequest) -> bool {
    req.connection_info().scheme() == "https"
}

/// A cookie of the desk's: HttpOnly, SameSite=Strict, for `/desk` only.
pub fn cookie(req: &HttpRequest, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/desk")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req))
        .finish()
}

/// The same cookie, expired: what sign-out sends.
pub fn expired(req: &HttpRequest, name: &'static str) -> Cookie<'static> {
    let mut c = cookie(req, name, String::new());
    c.set_max_age(CookieAge::ZERO);
    c
}

impl FromRequest for Desk {
    type Error = DeskError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
        Box::pin(async move {
            let (Some(state), Some(token)) = (state, token) else {
                return Err(DeskError::SignIn);
            };
            let found = officers::session(state.cx.repo.as_ref(), &token, chrono::Utc::now())
                .await?
                .ok_or(DeskError::SignIn)?;
            Ok(Desk {
                officer: found.officer,
                csrf: found.csrf,
                token,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::same;

    #[test]
    fn tokens_compare_equal_only_when_every_byte_is() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
        assert!(!same("", "a"));
    }
}
