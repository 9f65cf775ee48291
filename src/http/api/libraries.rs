//! Member libraries: created by admins, read by anyone signed in.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{id, instant};
use crate::db::audit::AuditActor;
use crate::db::models::libraries::{self, LibraryRow};
use crate::domain::organisations::NewLibrary;
use crate::error::ApiError;
use crate::http::extractors::{AdminUser, CurrentUser};
use crate::http::pagination::{ListResponse, PageQuery};
use crate::http::query::Query;
use crate::http::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LibraryView {
    pub id: Uuid,
    pub name: String,
    /// OCLC institution symbol, such as `EYM`.
    pub oclc_symbol: String,
    /// MARC organization code used in 583 `$5`, such as `MiU`.
    pub marc_org_code: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl LibraryView {
    pub fn from_row(row: LibraryRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: id(&row.id)?,
            name: row.name,
            oclc_symbol: row.oclc_symbol,
            marc_org_code: row.marc_org_code,
            created_at: instant(row.created_at),
            updated_at: instant(row.updated_at),
        })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateLibraryRequest {
    pub name: Option<String>,
    /// 3–5 uppercase letters or digits, unique.
    pub oclc_symbol: Option<String>,
    pub marc_org_code: Option<String>,
}

/// Creates a library.
#[utoipa::path(post, path = "/api/v1/libraries", tag = "libraries", security(("bearer" = [])),
    request_body = CreateLibraryRequest,
    responses((status = 201, body = LibraryView), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<CreateLibraryRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let library = NewLibrary::parse(body.name, body.oclc_symbol, body.marc_org_code)?;
    let actor = AuditActor::from(&admin.0.actor);
    let row = state
        .db
        .write(move |conn| libraries::create(conn, &actor, library))
        .await?;
    Ok(HttpResponse::Created().json(LibraryView::from_row(row)?))
}

/// Lists libraries.
#[utoipa::path(get, path = "/api/v1/libraries", tag = "libraries", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = ListResponse<LibraryView>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: Query<PageQuery>,
) -> Result<web::Json<ListResponse<LibraryView>>, ApiError> {
    let (limit, after) = (query.limit()?, query.after()?);
    let page = state
        .db
        .read(move |conn| libraries::list(conn, after.as_deref(), limit))
        .await?;
    Ok(web::Json(ListResponse::from_page(
        page,
        LibraryView::from_row,
    )?))
}

/// Shows one library.
#[utoipa::path(get, path = "/api/v1/libraries/{id}", tag = "libraries", security(("bearer" = [])),
    responses((status = 200, body = LibraryView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<LibraryView>, ApiError> {
    let id = path.into_inner();
    let row = state.db.read(move |conn| libraries::find(conn, id)).await?;
    Ok(web::Json(LibraryView::from_row(row)?))
}
