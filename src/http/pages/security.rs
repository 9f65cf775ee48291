//! Headers every response carries, and the one stylesheet the pages use.
//!
//! The policy allows nothing from outside the server and no inline script or style, so the pages
//! keep their CSS in `/static/app.css` and need no JavaScript; `frame-ancestors 'none'` keeps them
//! out of other sites' frames.

use actix_web::middleware::DefaultHeaders;
use actix_web::HttpResponse;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; frame-ancestors 'none'; \
     form-action 'self'; base-uri 'none'; object-src 'none'";

/// The security headers, on every response (pages, redirects, errors and the API alike).
pub fn headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", CONTENT_SECURITY_POLICY))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
}

const STYLESHEET: &str = include_str!("../../../templates/app.css");

/// `GET /static/app.css`.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(STYLESHEET)
}
