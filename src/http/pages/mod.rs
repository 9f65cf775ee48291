//! Server-rendered web pages (askama). They follow the API's rules: the same token, carried in an
//! HttpOnly, SameSite=Strict cookie, and a CSRF token on every form.

pub mod dashboard;
pub mod login;
mod session;

use actix_web::HttpResponse;

use crate::error::ApiError;

/// Renders a template into an HTML response with `status`.
fn html(
    status: actix_web::http::StatusCode,
    page: &impl askama::Template,
) -> Result<HttpResponse, ApiError> {
    let body = page
        .render()
        .map_err(|e| ApiError::Internal(format!("template: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// A 303 to `location`.
fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}
