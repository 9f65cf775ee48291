//! The session cookie, the CSRF token and the signed-in user of a page.
//!
//! The session cookie carries the same JWT as the API's bearer token, HttpOnly and SameSite=Strict
//! (and `Secure` when the request came over HTTPS or the settings say so). CSRF uses the
//! double-submit pattern: a random token lives in its own HttpOnly, SameSite=Strict cookie, set by
//! [`ensure_csrf_cookie`] on the first response to a browser, and in each form's hidden
//! `csrf_token` field; a form is accepted only when the two match (else 403).

use std::future::Future;
use std::pin::Pin;

use actix_web::body::MessageBody;
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderValue, SET_COOKIE};
use actix_web::middleware::Next;
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};

use super::PageError;
use crate::auth::token::TOKEN_LIFETIME_HOURS;
use crate::error::ApiError;
use crate::http::extractors::{user_of_token, CurrentUser};
use crate::http::AppState;

pub const SESSION_COOKIE: &str = "registry_session";
pub const CSRF_COOKIE: &str = "registry_csrf";

/// Whether cookies set in answer to `req` must be `Secure`.
fn secure(req: &HttpRequest) -> bool {
    let configured = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|state| state.secure_cookies);
    configured || req.connection_info().scheme() == "https"
}

fn strict_cookie(req: &HttpRequest, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure(req))
        .finish()
}

/// The session cookie holding a token.
pub fn session_cookie(req: &HttpRequest, token: String) -> Cookie<'static> {
    let mut cookie = strict_cookie(req, SESSION_COOKIE, token);
    cookie.set_max_age(CookieDuration::hours(TOKEN_LIFETIME_HOURS));
    cookie
}

/// A cookie that removes the session.
pub fn expired_session_cookie(req: &HttpRequest) -> Cookie<'static> {
    let mut cookie = strict_cookie(req, SESSION_COOKIE, String::new());
    cookie.make_removal();
    cookie
}

/// A CSRF token made by [`ensure_csrf_cookie`] for a request that came without one.
#[derive(Clone)]
struct FreshCsrf(String);

fn new_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn cookie_token(req: &HttpRequest) -> Option<String> {
    req.cookie(CSRF_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The CSRF token to put in this page's forms.
pub fn csrf_token(req: &HttpRequest) -> String {
    cookie_token(req)
        .or_else(|| req.extensions().get::<FreshCsrf>().map(|f| f.0.clone()))
        .unwrap_or_default()
}

/// Middleware: a request without a CSRF cookie gets a new token, which its pages put in their
/// forms and its response sets as the cookie.
pub async fn ensure_csrf_cookie(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let fresh = match cookie_token(req.request()) {
        Some(_) => None,
        None => {
            let token = new_token();
            req.extensions_mut().insert(FreshCsrf(token.clone()));
            Some(token)
        }
    };
    let mut response = next.call(req).await?;
    if let Some(token) = fresh {
        let cookie = strict_cookie(response.request(), CSRF_COOKIE, token);
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(SET_COOKIE, value);
        }
    }
    Ok(response)
}

/// Refuses a form whose `csrf_token` does not match the cookie (403).
pub fn check_csrf(req: &HttpRequest, submitted: Option<&str>) -> Result<(), PageError> {
    match (cookie_token(req), submitted) {
        (Some(cookie), Some(submitted)) if constant_time_eq(&cookie, submitted) => Ok(()),
        _ => Err(PageError::from(ApiError::Forbidden(
            "the form has expired or did not come from this site; reload the page and try again"
                .into(),
        ))),
    }
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A signed-in user of the web pages; anyone else is sent to `/login`.
pub struct PageUser(pub CurrentUser);

/// The user of the session cookie: `None` when there is no valid session (no cookie, a bad or
/// expired token, a disabled account); an error when it cannot be known (the database is down:
/// 503, not a sign-in page that would only fail again).
pub async fn session_user(req: &HttpRequest) -> Result<Option<CurrentUser>, PageError> {
    let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_owned()) else {
        return Ok(None);
    };
    match user_of_token(req, &token).await {
        Ok(user) => Ok(Some(user)),
        Err(ApiError::Unauthenticated(_)) => Ok(None),
        Err(other) => Err(other.into()),
    }
}

/// The signed-in user, or the sign-in page.
pub async fn signed_in(req: &HttpRequest) -> Result<CurrentUser, PageError> {
    session_user(req).await?.ok_or(PageError::SignIn)
}

impl FromRequest for PageUser {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { signed_in(&req).await.map(PageUser) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_whole() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
        assert!(!constant_time_eq("", "a"));
    }
}
