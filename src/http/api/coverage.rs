//! A program's coverage: `GET /programs/{id}/coverage/summary` (titles by state, libraries'
//! holdings and kept commitments) and `GET /programs/{id}/coverage` (the titles, paged as JSON or
//! streamed as CSV). Read by anyone who reads the program.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::id;
use crate::db::models::coverage::{self, CoverageFilter, CoverageItem};
use crate::db::models::programs::{self, ProgramRow};
use crate::db::{Db, DbConnection, DbError};
use crate::domain::holdings::CoverageState;
use crate::domain::{Actor, ValidationErrors};
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;
use crate::http::pagination::{encode_cursor, PageQuery};
use crate::http::query::Query;
use crate::http::AppState;

/// The program, if `actor` may read it.
pub fn readable(
    conn: &mut DbConnection,
    actor: &Actor,
    program_id: Uuid,
) -> Result<ProgramRow, DbError> {
    let program = programs::find(conn, program_id)?;
    if !actor.can_read_program(program_id) {
        return Err(DbError::Forbidden(
            "you do not take part in this program".into(),
        ));
    }
    Ok(program)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LibraryCoverageView {
    pub library_id: Uuid,
    pub oclc_symbol: String,
    pub name: String,
    /// Titles the library holds.
    pub held: i64,
    /// Its commitments in the program that keep a copy (`active`, `release_requested`).
    pub committed: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoverageSummaryView {
    pub program_id: Uuid,
    pub target_copies: i32,
    /// Titles a member holds or the program keeps.
    pub titles: i64,
    pub unretained: i64,
    pub at_risk: i64,
    pub met: i64,
    pub over_retained: i64,
    /// The same counts by state name.
    pub by_state: BTreeMap<String, i64>,
    pub by_library: Vec<LibraryCoverageView>,
}

/// Titles of the program by coverage state, and each member library's holdings and commitments.
#[utoipa::path(get, path = "/api/v1/programs/{id}/coverage/summary", tag = "coverage", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the program")),
    responses((status = 200, body = CoverageSummaryView), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody)))]
pub async fn summary(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<CoverageSummaryView>, ApiError> {
    let program_id = path.into_inner();
    let actor = user.actor;
    let (program, summary) = state
        .db
        .read(move |conn| {
            let program = readable(conn, &actor, program_id)?;
            let summary = coverage::summary(conn, &program)?;
            Ok((program, summary))
        })
        .await?;
    let count = |s: CoverageState| summary.by_state.get(&s).copied().unwrap_or(0);
    Ok(web::Json(CoverageSummaryView {
        program_id,
        target_copies: program.target_copies,
        titles: summary.titles,
        unretained: count(CoverageState::Unretained),
        at_risk: count(CoverageState::AtRisk),
        met: count(CoverageState::Met),
        over_retained: count(CoverageState::OverRetained),
        by_state: summary
            .by_state
            .iter()
            .map(|(s, n)| (s.as_str().to_owned(), *n))
            .collect(),
        by_library: summary
            .by_library
            .into_iter()
            .map(|l| {
                Ok(LibraryCoverageView {
                    library_id: id(&l.library_id)?,
                    oclc_symbol: l.oclc_symbol,
                    name: l.name,
                    held: l.held,
                    committed: l.committed,
                })
            })
            .collect::<Result<_, ApiError>>()?,
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListFormat {
    Json,
    Csv,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    /// unretained, at_risk, met or over_retained (default: every state).
    pub state: Option<CoverageState>,
    /// Only titles this library holds or keeps.
    pub library_id: Option<Uuid>,
    /// json (default: a page) or csv (every title, streamed).
    pub format: Option<ListFormat>,
    /// Rows per page, 1 to 1000 (default 50; JSON only).
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoverageItemView {
    pub oclc_number: i64,
    pub title: String,
    pub format: String,
    /// OCLC symbols of the member libraries holding it.
    pub held_by: Vec<String>,
    /// Commitments in the program keeping a copy (`active`, `release_requested`).
    pub committed: i64,
    /// Proposals in the program not yet accepted.
    pub proposed: i64,
    pub target_copies: i32,
    pub state: CoverageState,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CoverageList {
    pub items: Vec<CoverageItemView>,
    pub next_cursor: Option<String>,
}

fn view(item: CoverageItem, target_copies: i32) -> CoverageItemView {
    CoverageItemView {
        oclc_number: item.oclc_number,
        title: item.title,
        format: item.format,
        held_by: item.held_by,
        committed: item.committed,
        proposed: item.proposed,
        target_copies,
        state: item.state,
    }
}

/// The program's titles in a coverage state (or all), in OCLC number order: a page of JSON, or
/// with `format=csv` every one of them, streamed.
#[utoipa::path(get, path = "/api/v1/programs/{id}/coverage", tag = "coverage", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the program"), CoverageQuery),
    responses((status = 200, body = CoverageList, description = "a page (JSON) or the whole list (CSV)"),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
    query: Query<CoverageQuery>,
) -> Result<HttpResponse, ApiError> {
    let program_id = path.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    };
    let limit = page.limit()?;
    let after = match page.after()? {
        None => None,
        Some(key) => Some(key.parse::<i64>().map_err(|_| {
            ApiError::BadRequest("the cursor is not one this service issued".into())
        })?),
    };
    let filter = CoverageFilter {
        state: query.state,
        library_id: query.library_id,
        after,
    };
    let actor = user.actor;
    let format = query.format.unwrap_or(ListFormat::Json);
    let checked = actor.clone();
    let program = state
        .db
        .read(move |conn| readable(conn, &checked, program_id))
        .await?;
    if let Some(library) = filter.library_id {
        let found = state
            .db
            .read(move |conn| crate::db::models::libraries::find(conn, library))
            .await;
        match found {
            Ok(_) => {}
            Err(DbError::NotFound(_)) => {
                return Err(ValidationErrors::one(
                    "library_id",
                    format!("no library has id {library}"),
                )
                .into())
            }
            Err(error) => return Err(error.into()),
        }
    }
    if format == ListFormat::Csv {
        let db = state.db.clone();
        let name = format!("coverage-{}.csv", program.code.to_lowercase());
        return super::exports::stream("text/csv; charset=utf-8", &name, Vec::new(), move |sink| {
            write_csv(&db, &program, filter, sink)
        })
        .await;
    }
    let target = program.target_copies;
    let mut items = state
        .db
        .read(move |conn| coverage::list(conn, &program, &filter, limit + 1))
        .await?;
    let more = items.len() as i64 > limit;
    items.truncate(limit as usize);
    let next_cursor = more
        .then(|| {
            items
                .last()
                .map(|i| encode_cursor(&i.oclc_number.to_string()))
        })
        .flatten();
    Ok(HttpResponse::Ok().json(CoverageList {
        items: items.into_iter().map(|i| view(i, target)).collect(),
        next_cursor,
    }))
}

/// Titles per read while streaming the CSV.
const CSV_BATCH: i64 = 5_000;

/// The header of the coverage CSV.
pub const CSV_HEADER: [&str; 8] = [
    "oclc_number",
    "title",
    "format",
    "held_by",
    "committed",
    "proposed",
    "target_copies",
    "state",
];

pub fn write_csv(
    db: &Db,
    program: &ProgramRow,
    mut filter: CoverageFilter,
    sink: &mut dyn FnMut(Vec<u8>) -> std::io::Result<()>,
) -> Result<(), ApiError> {
    let csv_error = |e: csv::Error| ApiError::Internal(format!("cannot write CSV: {e}"));
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(CSV_HEADER).map_err(csv_error)?;
    loop {
        let items = coverage::list(&mut *db.conn()?, program, &filter, CSV_BATCH)?;
        let Some(last) = items.last() else { break };
        filter.after = Some(last.oclc_number);
        let done = (items.len() as i64) < CSV_BATCH;
        for item in items {
            out.write_record([
                item.oclc_number.to_string(),
                item.title,
                item.format,
                item.held_by.join(";"),
                item.committed.to_string(),
                item.proposed.to_string(),
                program.target_copies.to_string(),
                item.state.as_str().to_owned(),
            ])
            .map_err(csv_error)?;
        }
        let bytes = out
            .into_inner()
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        sink(bytes).map_err(|e| ApiError::Internal(e.to_string()))?;
        out = csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::new());
        if done {
            return Ok(());
        }
    }
    let bytes = out
        .into_inner()
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    sink(bytes).map_err(|e| ApiError::Internal(e.to_string()))
}
