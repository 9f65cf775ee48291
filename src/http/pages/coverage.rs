//! `GET /programs/{id}/coverage`: a program's titles by coverage state (a bar chart and a table),
//! each member library's holdings and kept commitments, and the titles of one state, a page at a
//! time or all of them as CSV. Readable by those who take part in the program.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use uuid::Uuid;

use super::session::PageUser;
use super::{render, Chrome, PageError, Section};
use crate::db::models::coverage::{self, CoverageFilter, CoverageItem, LibraryCoverage};
use crate::db::models::programs::ProgramRow;
use crate::domain::holdings::CoverageState;
use crate::error::ApiError;
use crate::http::api::coverage::{readable, write_csv};
use crate::http::pagination::{decode_cursor, encode_cursor};
use crate::http::AppState;

/// Titles per page of the list.
const PAGE: i64 = 50;

/// One bar of the state chart.
pub struct StateBar {
    pub state: &'static str,
    pub label: &'static str,
    pub count: i64,
    pub width: String,
    pub y: String,
    pub text_y: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "coverage.html")]
struct CoveragePage {
    chrome: Chrome,
    program: ProgramRow,
    bars: Vec<StateBar>,
    total: i64,
    libraries: Vec<LibraryCoverage>,
    state_label: &'static str,
    items: Vec<CoverageItem>,
    next: Option<String>,
    csv_link: String,
    coordinator: bool,
}

#[derive(serde::Deserialize)]
pub struct CoverageQuery {
    state: Option<String>,
    cursor: Option<String>,
    format: Option<String>,
}

/// The state bars, scaled to the largest count.
fn bars(summary: &coverage::CoverageSummary, current: Option<CoverageState>) -> Vec<StateBar> {
    let max = summary.by_state.values().copied().max().unwrap_or(0).max(1);
    CoverageState::ALL
        .iter()
        .enumerate()
        .map(|(i, state)| {
            let count = summary.by_state.get(state).copied().unwrap_or(0);
            let y = 8.0 + i as f64 * 34.0;
            StateBar {
                state: state.as_str(),
                label: state.label(),
                count,
                width: format!("{:.1}", 440.0 * count as f64 / max as f64),
                y: format!("{y:.1}"),
                text_y: format!("{:.1}", y + 17.0),
                current: current == Some(*state),
            }
        })
        .collect()
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let program_id = path.into_inner();
    let query: CoverageQuery = crate::http::query::read(req.query_string())?;
    let chosen = query
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(CoverageState::parse)
        .transpose()
        .map_err(|m| ApiError::BadParameter {
            field: "state".into(),
            message: m,
        })?;
    let after = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(cursor) => Some(
            decode_cursor(cursor)
                .and_then(|k| k.parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::BadRequest("the cursor is not one this page issued".into())
                })?,
        ),
    };
    let filter = CoverageFilter {
        state: chosen,
        library_id: None,
        after,
    };
    let actor = user.actor.clone();
    let program = state
        .db
        .read(move |conn| readable(conn, &actor, program_id))
        .await?;
    if query.format.as_deref() == Some("csv") {
        let db = state.db.clone();
        let name = format!("coverage-{}.csv", program.code.to_lowercase());
        return Ok(crate::http::api::exports::stream(
            "text/csv; charset=utf-8",
            &name,
            Vec::new(),
            move |sink| write_csv(&db, &program, filter, sink),
        )
        .await?);
    }
    let listed = program.clone();
    let (summary, mut items) = state
        .db
        .read(move |conn| {
            let summary = coverage::summary(conn, &listed)?;
            let items = coverage::list(conn, &listed, &filter, PAGE + 1)?;
            Ok((summary, items))
        })
        .await?;
    let more = items.len() as i64 > PAGE;
    items.truncate(PAGE as usize);
    let state_query = chosen
        .map(|s| format!("state={}&", s.as_str()))
        .unwrap_or_default();
    let next = more
        .then(|| {
            items.last().map(|i| {
                format!(
                    "?{state_query}cursor={}",
                    encode_cursor(&i.oclc_number.to_string())
                )
            })
        })
        .flatten();
    let page = CoveragePage {
        chrome: Chrome::new(&req, &user, Section::Dashboard),
        bars: bars(&summary, chosen),
        total: summary.titles,
        libraries: summary.by_library,
        state_label: chosen.map_or("All titles", CoverageState::label),
        items,
        next,
        csv_link: format!("/programs/{}/coverage?{state_query}format=csv", program.id),
        coordinator: crate::domain::workflow::may_expire_program(&user.actor, program_id),
        program,
    };
    render(StatusCode::OK, &page)
}
