//! The session cookie, the CSRF token and the signed-in user of a page.
//!
//! CSRF uses the double-submit pattern: a random token lives in an HttpOnly, SameSite=Strict cookie
//! and in each form's hidden `csrf_token` field; a form is accepted only when the two match.

use std::future::Future;
use std::pin::Pin;

use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::{dev::Payload, error::InternalError, FromRequest, HttpRequest};

use crate::auth::token::TOKEN_LIFETIME_HOURS;
use crate::error::ApiError;
use crate::http::extractors::{user_of_token, CurrentUser};

pub const SESSION_COOKIE: &str = "registry_session";
pub const CSRF_COOKIE: &str = "registry_csrf";

/// The session cookie holding a token.
pub fn session_cookie(token: String) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .max_age(CookieDuration::hours(TOKEN_LIFETIME_HOURS))
        .finish()
}

/// A cookie that removes the session.
pub fn expired_session_cookie() -> Cookie<'static> {
    let mut cookie = session_cookie(String::new());
    cookie.make_removal();
    cookie
}

/// The request's CSRF token, or a new one (then `true`: it must be set as a cookie).
pub fn csrf_token(req: &HttpRequest) -> (String, bool) {
    match req
        .cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64)
    {
        Some(token) => (token, false),
        None => {
            use rand::RngCore;
            let mut bytes = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            (hex::encode(bytes), true)
        }
    }
}

pub fn csrf_cookie(token: &str) -> Cookie<'static> {
    Cookie::build(CSRF_COOKIE, token.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .finish()
}

/// Refuses a form whose `csrf_token` does not match the cookie (403).
pub fn check_csrf(req: &HttpRequest, submitted: Option<&str>) -> Result<(), ApiError> {
    let cookie = req.cookie(CSRF_COOKIE);
    match (cookie, submitted) {
        (Some(cookie), Some(submitted)) if !submitted.is_empty() && cookie.value() == submitted => {
            Ok(())
        }
        _ => Err(ApiError::Forbidden(
            "the form has expired or did not come from this site; reload the page and try again"
                .into(),
        )),
    }
}

/// A signed-in user of the web pages; anyone else is sent to `/login`.
pub struct PageUser(pub CurrentUser);

impl FromRequest for PageUser {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, actix_web::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let token = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned());
            let user = match token {
                Some(token) => user_of_token(&req, &token).await.ok(),
                None => None,
            };
            user.map(PageUser).ok_or_else(|| {
                InternalError::from_response("sign in first", super::see_other("/login")).into()
            })
        })
    }
}
