//! Allocation scenarios, for the program's coordinators and admins: `POST /programs/{id}/scenarios`
//! runs the rules at once and keeps the result as a draft; `GET /scenarios/{id}` and
//! `/allocations` (JSON pages or CSV) show it; `DELETE` drops a draft; `POST …/apply` makes each
//! allocation a proposal to its library.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::coverage::ListFormat;
use super::{id, instant};
use crate::analysis::scenarios::{self, Applied, ScenarioRules, TitleChoice};
use crate::db::models::programs;
use crate::db::models::scenarios::{self as store, ScenarioRow};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::allocation::Preference;
use crate::domain::retention::RetentionEnd;
use crate::domain::workflow;
use crate::domain::{Actor, ValidationErrors};
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;
use crate::http::pagination::{encode_cursor, PageQuery};
use crate::http::query::Query;
use crate::http::AppState;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ScenarioRequest {
    pub name: Option<String>,
    /// unretained, at_risk or both.
    pub titles: Option<TitleChoice>,
    /// storage_facility, fewest_allocations, most_holdings, in the order they apply.
    #[serde(default)]
    pub prefer: Vec<Preference>,
    pub max_per_library: Option<i64>,
    #[serde(default)]
    pub exclude_library_ids: Vec<Uuid>,
    /// The end of the proposals made (default: the program's default end).
    pub retention_end: Option<String>,
}

impl ScenarioRequest {
    pub fn parse(self) -> Result<ScenarioRules, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = self.name.map(|n| n.trim().to_owned()).unwrap_or_default();
        if name.is_empty() {
            errors.add("name", "name is required");
        } else if name.chars().count() > 200 {
            errors.add("name", "name is at most 200 characters");
        }
        let titles = errors.require("titles", self.titles);
        let max_per_library = match self.max_per_library {
            Some(n) if n < 1 => {
                errors.add("max_per_library", "max_per_library must be at least 1");
                None
            }
            other => other.map(|n| n as u64),
        };
        let retention_end = match self.retention_end.as_deref().map(RetentionEnd::parse) {
            Some(Err(message)) => {
                errors.add("retention_end", message);
                None
            }
            other => other.and_then(Result::ok),
        };
        let mut prefer = Vec::new();
        for p in self.prefer {
            if prefer.contains(&p) {
                errors.add("prefer", "a preference is given twice");
            }
            prefer.push(p);
        }
        errors.into_result()?;
        Ok(ScenarioRules {
            name,
            titles: titles.unwrap_or(TitleChoice::Both),
            prefer,
            max_per_library,
            exclude_library_ids: self.exclude_library_ids,
            retention_end,
        })
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LibraryAllocations {
    pub library_id: Uuid,
    pub oclc_symbol: String,
    pub count: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ScenarioView {
    pub id: Uuid,
    pub program_id: Uuid,
    pub name: String,
    /// draft or applied.
    pub status: String,
    pub allocations: i64,
    pub by_library: Vec<LibraryAllocations>,
    /// Titles that stay short of target even with every allocation.
    pub titles_left_short: i64,
    #[schema(value_type = Object)]
    pub rules: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub applied_at: Option<DateTime<Utc>>,
}

/// The scenario with its per-library counts.
pub fn view_of(conn: &mut DbConnection, row: ScenarioRow) -> Result<ScenarioView, DbError> {
    let by_library = store::by_library(conn, &row.id)?
        .into_iter()
        .map(|(library, symbol, count)| {
            Ok(LibraryAllocations {
                library_id: crate::db::models::parse_id(&library)?,
                oclc_symbol: symbol,
                count,
            })
        })
        .collect::<Result<_, DbError>>()?;
    Ok(ScenarioView {
        id: crate::db::models::parse_id(&row.id)?,
        program_id: crate::db::models::parse_id(&row.program_id)?,
        name: row.name,
        status: row.status,
        allocations: row.allocations,
        by_library,
        titles_left_short: row.titles_left_short,
        rules: serde_json::from_str(&row.rules).unwrap_or_default(),
        created_at: instant(row.created_at),
        applied_at: row.applied_at.map(instant),
    })
}

/// Whether `actor` works with the scenarios of `program_id`: its coordinators and admins.
pub fn may_manage(actor: &Actor, program_id: Uuid) -> Result<(), DbError> {
    if workflow::may_expire_program(actor, program_id) {
        Ok(())
    } else {
        Err(DbError::Forbidden(
            "only a coordinator of the program (or an admin) works with its scenarios".into(),
        ))
    }
}

/// The scenario `id`, if `actor` may work with it.
pub fn managed(conn: &mut DbConnection, actor: &Actor, id: Uuid) -> Result<ScenarioRow, DbError> {
    let row = store::find(conn, id)?;
    may_manage(actor, crate::db::models::parse_id(&row.program_id)?)?;
    Ok(row)
}

/// Runs a scenario over the program now and keeps it as a draft.
pub fn create_scenario(
    db: &Db,
    actor: &Actor,
    program_id: Uuid,
    rules: &ScenarioRules,
) -> Result<ScenarioView, DbError> {
    let program = programs::find(&mut *db.conn()?, program_id)?;
    may_manage(actor, program_id)?;
    let row = scenarios::run(db, actor, &program, rules)?;
    view_of(&mut *db.conn()?, row)
}

/// Runs an allocation scenario for the program's titles short of target.
#[utoipa::path(post, path = "/api/v1/programs/{id}/scenarios", tag = "scenarios", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the program")), request_body = ScenarioRequest,
    responses((status = 201, body = ScenarioView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<ScenarioRequest>,
) -> Result<HttpResponse, ApiError> {
    let program_id = path.into_inner();
    let rules = body.into_inner().parse()?;
    let actor = user.actor;
    let db = state.db.clone();
    let view =
        tokio::task::spawn_blocking(move || create_scenario(&db, &actor, program_id, &rules))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(HttpResponse::Created().json(view))
}

/// Shows a scenario.
#[utoipa::path(get, path = "/api/v1/scenarios/{id}", tag = "scenarios", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = ScenarioView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<ScenarioView>, ApiError> {
    let id = path.into_inner();
    let actor = user.actor;
    let view = state
        .db
        .read(move |conn| {
            let row = managed(conn, &actor, id)?;
            view_of(conn, row)
        })
        .await?;
    Ok(web::Json(view))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AllocationQuery {
    /// json (default: a page) or csv (every allocation).
    pub format: Option<ListFormat>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AllocationView {
    pub oclc_number: i64,
    pub title_id: Uuid,
    pub title: String,
    pub library_id: Uuid,
    pub oclc_symbol: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AllocationList {
    pub items: Vec<AllocationView>,
    pub next_cursor: Option<String>,
}

/// A scenario's allocations, by OCLC number: a page of JSON or the CSV of all.
#[utoipa::path(get, path = "/api/v1/scenarios/{id}/allocations", tag = "scenarios", security(("bearer" = [])),
    params(("id" = Uuid, Path), AllocationQuery),
    responses((status = 200, body = AllocationList), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn allocations(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
    query: Query<AllocationQuery>,
) -> Result<HttpResponse, ApiError> {
    let scenario = path.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let limit = page.limit()?;
    let bad_cursor = || ApiError::BadRequest("the cursor is not one this service issued".into());
    let after = match page.after()? {
        None => None,
        Some(key) => {
            let (oclc, library) = key.split_once(':').ok_or_else(bad_cursor)?;
            Some((
                oclc.parse::<i64>().map_err(|_| bad_cursor())?,
                library.to_owned(),
            ))
        }
    };
    let actor = user.actor;
    let row = state
        .db
        .read(move |conn| managed(conn, &actor, scenario))
        .await?;
    if query.format == Some(ListFormat::Csv) {
        let db = state.db.clone();
        return super::exports::stream(
            "text/csv; charset=utf-8",
            "allocations.csv",
            Vec::new(),
            move |sink| allocations_csv(&db, &row.id, sink),
        )
        .await;
    }
    let scenario_id = row.id.clone();
    let mut rows = state
        .db
        .read(move |conn| store::allocations(conn, &scenario_id, after, limit + 1))
        .await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|r| encode_cursor(&format!("{}:{}", r.oclc_number, r.library_id)))
        })
        .flatten();
    let items = rows
        .into_iter()
        .map(|r| {
            Ok(AllocationView {
                oclc_number: r.oclc_number,
                title_id: id(&r.title_id)?,
                title: r.title,
                library_id: id(&r.library_id)?,
                oclc_symbol: r.oclc_symbol,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(HttpResponse::Ok().json(AllocationList { items, next_cursor }))
}

pub fn allocations_csv(
    db: &Db,
    scenario_id: &str,
    sink: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
) -> Result<(), ApiError> {
    let csv_error = |e: csv::Error| ApiError::Internal(format!("cannot write CSV: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["oclc_number", "title", "oclc_symbol", "library_id"])
        .map_err(csv_error)?;
    let mut after = None;
    loop {
        let rows = store::allocations(&mut *db.conn()?, scenario_id, after.clone(), 5_000)?;
        let Some(last) = rows.last() else { break };
        after = Some((last.oclc_number, last.library_id.clone()));
        for r in rows {
            out.write_record([
                r.oclc_number.to_string(),
                r.title,
                r.oclc_symbol,
                r.library_id,
            ])
            .map_err(csv_error)?;
        }
        let bytes = std::mem::replace(&mut out, csv::Writer::from_writer(Vec::new()))
            .into_inner()
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        sink(bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    sink(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}

/// Deletes a draft scenario.
#[utoipa::path(delete, path = "/api/v1/scenarios/{id}", tag = "scenarios", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = path.into_inner();
    let actor = user.actor;
    let db = state.db.clone();
    tokio::task::spawn_blocking(move || {
        let row = managed(&mut *db.conn()?, &actor, id)?;
        scenarios::delete(&db, &actor, &row)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(HttpResponse::NoContent().finish())
}

/// Applies a draft scenario: every allocation becomes a proposal to its library.
#[utoipa::path(post, path = "/api/v1/scenarios/{id}/apply", tag = "scenarios", security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses((status = 200, body = Applied), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)))]
pub async fn apply(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<Applied>, ApiError> {
    let id = path.into_inner();
    let actor = user.actor;
    let db = state.db.clone();
    let applied = tokio::task::spawn_blocking(move || {
        let row = managed(&mut *db.conn()?, &actor, id)?;
        scenarios::apply(&db, &actor, &row)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(web::Json(applied))
}
