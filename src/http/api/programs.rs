//! Programs and their members: created by admins, read by anyone signed in.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::libraries::LibraryView;
use super::{id, instant};
use crate::db::audit::AuditActor;
use crate::db::models::programs::{self, Membership, ProgramRow};
use crate::db::models::{expiry, summary};
use crate::db::DbError;
use crate::domain::organisations::{NewProgram, ProgramInput};
use crate::domain::workflow;
use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::http::extractors::{AdminUser, CurrentUser};
use crate::http::pagination::{ListResponse, PageQuery};
use crate::http::query::Query;
use crate::http::AppState;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProgramView {
    pub id: Uuid,
    /// Short code, such as `EAST`; used in 583 `$f`.
    pub code: String,
    pub name: String,
    /// The program's web page; used in 583 `$u`.
    pub uri: Option<String>,
    /// How many copies of each title the program aims to keep.
    pub target_copies: i32,
    /// The retention end of a new commitment that does not give one.
    pub default_retention_end: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProgramView {
    fn from_row(row: ProgramRow) -> Result<Self, ApiError> {
        Ok(Self {
            id: id(&row.id)?,
            code: row.code,
            name: row.name,
            uri: row.uri,
            target_copies: row.target_copies,
            default_retention_end: row.default_retention_end,
            created_at: instant(row.created_at),
            updated_at: instant(row.updated_at),
        })
    }
}

/// A member library of a program.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    pub program_id: Uuid,
    pub library_id: Uuid,
    pub joined_at: DateTime<Utc>,
    pub library: LibraryView,
}

impl MemberView {
    fn from_membership(member: Membership) -> Result<Self, ApiError> {
        Ok(Self {
            program_id: id(&member.program_id)?,
            library_id: id(&member.library.id)?,
            joined_at: instant(member.joined_at),
            library: LibraryView::from_row(member.library)?,
        })
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateProgramRequest {
    /// 1–32 characters of `[A-Za-z0-9 _.-]`, unique.
    pub code: Option<String>,
    pub name: Option<String>,
    pub uri: Option<String>,
    /// 1 to 20; 2 when left out.
    pub target_copies: Option<i64>,
    /// `YYYY-MM-DD`.
    pub default_retention_end: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AddMemberRequest {
    pub library_id: Option<Uuid>,
}

/// Creates a program.
#[utoipa::path(post, path = "/api/v1/programs", tag = "programs", security(("bearer" = [])),
    request_body = CreateProgramRequest,
    responses((status = 201, body = ProgramView), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<CreateProgramRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let program = NewProgram::parse(ProgramInput {
        code: body.code,
        name: body.name,
        uri: body.uri,
        target_copies: body.target_copies,
        default_retention_end: body.default_retention_end,
    })?;
    let actor = AuditActor::from(&admin.0.actor);
    let row = state
        .db
        .write(move |conn| programs::create(conn, &actor, program))
        .await?;
    Ok(HttpResponse::Created().json(ProgramView::from_row(row)?))
}

/// Lists programs.
#[utoipa::path(get, path = "/api/v1/programs", tag = "programs", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = ListResponse<ProgramView>), (status = 401, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    _user: CurrentUser,
    query: Query<PageQuery>,
) -> Result<web::Json<ListResponse<ProgramView>>, ApiError> {
    let (limit, after) = (query.limit()?, query.after()?);
    let page = state
        .db
        .read(move |conn| programs::list(conn, after.as_deref(), limit))
        .await?;
    Ok(web::Json(ListResponse::from_page(
        page,
        ProgramView::from_row,
    )?))
}

/// Shows one program.
#[utoipa::path(get, path = "/api/v1/programs/{id}", tag = "programs", security(("bearer" = [])),
    responses((status = 200, body = ProgramView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<ProgramView>, ApiError> {
    let id = path.into_inner();
    let row = state.db.read(move |conn| programs::find(conn, id)).await?;
    Ok(web::Json(ProgramView::from_row(row)?))
}

/// Adds a library to a program.
#[utoipa::path(post, path = "/api/v1/programs/{id}/members", tag = "programs", security(("bearer" = [])),
    request_body = AddMemberRequest,
    responses((status = 201, body = MemberView), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn add_member(
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<Uuid>,
    body: web::Json<AddMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let program_id = path.into_inner();
    let library_id = body
        .into_inner()
        .library_id
        .ok_or_else(|| ValidationErrors::one("library_id", "library_id is required"))?;
    let actor = AuditActor::from(&admin.0.actor);
    let member = state
        .db
        .write(move |conn| programs::add_member(conn, &actor, program_id, library_id))
        .await?;
    Ok(HttpResponse::Created().json(MemberView::from_membership(member)?))
}

/// Lists a program's member libraries.
#[utoipa::path(get, path = "/api/v1/programs/{id}/members", tag = "programs", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = ListResponse<MemberView>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn members(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<Uuid>,
    query: Query<PageQuery>,
) -> Result<web::Json<ListResponse<MemberView>>, ApiError> {
    let program_id = path.into_inner();
    let (limit, after) = (query.limit()?, query.after()?);
    let page = state
        .db
        .read(move |conn| programs::members(conn, program_id, after.as_deref(), limit))
        .await?;
    Ok(web::Json(ListResponse::from_page(
        page,
        MemberView::from_membership,
    )?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LibrarySummary {
    pub library_id: Uuid,
    pub oclc_symbol: String,
    pub name: String,
    /// Commitments of this library in the program, by status.
    pub by_status: BTreeMap<String, i64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct YearCount {
    pub year: i32,
    pub count: i64,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProgramSummaryView {
    pub program_id: Uuid,
    pub by_status: BTreeMap<String, i64>,
    pub by_library: Vec<LibrarySummary>,
    /// Active commitments ending in each of this year and the next 29.
    pub ending_by_year: Vec<YearCount>,
}

/// Counts by status, by library and status, and active commitments ending per year for 30 years.
#[utoipa::path(get, path = "/api/v1/programs/{id}/summary", tag = "programs", security(("bearer" = [])),
    responses((status = 200, body = ProgramSummaryView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn summary(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<ProgramSummaryView>, ApiError> {
    let program_id = path.into_inner();
    let actor = user.actor;
    let today = Utc::now().date_naive();
    let summary = state
        .db
        .read(move |conn| {
            programs::find(conn, program_id)?;
            if !actor.can_read_program(program_id) {
                return Err(DbError::Forbidden(
                    "you do not take part in this program".into(),
                ));
            }
            summary::program_summary(conn, program_id, today)
        })
        .await?;
    Ok(web::Json(ProgramSummaryView {
        program_id,
        by_status: summary.by_status,
        by_library: summary
            .by_library
            .into_iter()
            .map(|l| {
                Ok(LibrarySummary {
                    library_id: id(&l.library_id)?,
                    oclc_symbol: l.oclc_symbol,
                    name: l.name,
                    by_status: l.by_status,
                })
            })
            .collect::<Result<_, ApiError>>()?,
        ending_by_year: summary
            .ending_by_year
            .into_iter()
            .map(|(year, count)| YearCount { year, count })
            .collect(),
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ExpireRequest {
    /// Expire active commitments whose retention ended before this day (default today).
    pub as_of: Option<NaiveDate>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ExpireResult {
    pub program_id: Uuid,
    pub as_of: NaiveDate,
    /// How many commitments this call expired.
    pub expired: u64,
}

/// Expires every active commitment of the program whose retention ended before `as_of`.
#[utoipa::path(post, path = "/api/v1/programs/{id}/expire", tag = "programs", security(("bearer" = [])),
    request_body = ExpireRequest,
    responses((status = 200, body = ExpireResult), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn expire(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<web::Json<ExpireResult>, ApiError> {
    let program_id = path.into_inner();
    // The body may be left out (expire as of today); a body that does not read changes nothing.
    let request: ExpireRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ExpireRequest { as_of: None }
    } else {
        let mut reader = serde_json::Deserializer::from_slice(&body);
        serde_path_to_error::deserialize(&mut reader).map_err(|e| ApiError::BadParameter {
            field: e.path().to_string(),
            message: format!("the JSON body could not be read: {}", e.inner()),
        })?
    };
    let as_of = request.as_of.unwrap_or_else(|| Utc::now().date_naive());
    let actor = user.actor;
    state
        .db
        .read(move |conn| programs::find(conn, program_id))
        .await?;
    if !workflow::may_expire_program(&actor, program_id) {
        return Err(ApiError::Forbidden(
            "only a coordinator of the program may expire its commitments".into(),
        ));
    }
    let db = state.db.clone();
    let expired = tokio::task::spawn_blocking(move || {
        expiry::expire_due(&db, &actor, Some(program_id), as_of, |_| {})
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(web::Json(ExpireResult {
        program_id,
        as_of,
        expired,
    }))
}
