//! The benchmarks' anchor for a signed-in request: `GET /bench/authenticated` checks the bearer
//! token and the account exactly as every API handler does, then answers a constant body. Compiled
//! only with the `bench` cargo feature (`bench/scale` builds with it); never in a served registry.

use actix_web::{web, HttpResponse};

use super::extractors::CurrentUser;

async fn authenticated(_user: CurrentUser) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"ok":true}"#)
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/bench/authenticated", web::get().to(authenticated));
}
