//! Liveness and the OpenAPI document (no sign-in needed).

use actix_web::{web, HttpResponse};
use serde::Serialize;
use utoipa::OpenApi;

use crate::http::openapi::ApiDoc;
use crate::http::AppState;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when the service answers and its database does.
    pub status: String,
}

/// Liveness: the service and its database answer.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, body = Health), (status = 503, body = crate::error::ErrorBody)))]
pub async fn healthz(
    state: web::Data<AppState>,
) -> Result<web::Json<Health>, crate::error::ApiError> {
    state
        .db
        .read(|conn| {
            use diesel::RunQueryDsl;
            diesel::sql_query("SELECT 1").execute(conn)?;
            Ok(())
        })
        .await?;
    Ok(web::Json(Health {
        status: "ok".into(),
    }))
}

/// The OpenAPI 3 document of this API, generated from the code.
pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
