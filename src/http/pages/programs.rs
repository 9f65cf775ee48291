//! `GET /programs/{id}`: a program's commitments by status and by library, its expiry wave and
//! its members. Readable by those who take part in it (as `GET /api/v1/programs/{id}/summary`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use uuid::Uuid;

use super::chart::ExpiryChart;
use super::dashboard::list_link;
use super::session::PageUser;
use super::view::words;
use super::{render, Chrome, PageError, Section};
use crate::db::models::commitments::CommitmentFilter;
use crate::db::models::programs::{self, Membership, ProgramRow};
use crate::db::models::summary::{self, LibraryCounts};
use crate::db::{DbError, MAX_PAGE};
use crate::domain::commitment::Status;
use crate::http::AppState;

pub struct LibraryRowView {
    pub id: String,
    pub symbol: String,
    pub name: String,
    pub counts: Vec<i64>,
    pub total: i64,
}

#[derive(Template)]
#[template(path = "program.html")]
struct ProgramPage {
    chrome: Chrome,
    program: ProgramRow,
    statuses: Vec<(String, i64, String)>,
    status_labels: Vec<String>,
    libraries: Vec<LibraryRowView>,
    members: Vec<Membership>,
    chart: ExpiryChart,
    total: i64,
}

fn library_row(counts: LibraryCounts) -> LibraryRowView {
    let values: Vec<i64> = Status::ALL
        .iter()
        .map(|s| counts.by_status.get(s.as_str()).copied().unwrap_or(0))
        .collect();
    LibraryRowView {
        id: counts.library_id,
        symbol: counts.oclc_symbol,
        name: counts.name,
        total: values.iter().sum(),
        counts: values,
    }
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let program_id = path.into_inner();
    let actor = user.actor.clone();
    let today = Utc::now().date_naive();
    let (program, summary, members) = state
        .db
        .read(move |conn| {
            let program = programs::find(conn, program_id)?;
            if !actor.can_read_program(program_id) {
                return Err(DbError::Forbidden(
                    "you do not take part in this program".into(),
                ));
            }
            let summary = summary::program_summary(conn, program_id, today)?;
            let members = programs::members(conn, program_id, None, MAX_PAGE)?.items;
            Ok((program, summary, members))
        })
        .await?;
    let statuses = Status::ALL
        .iter()
        .map(|status| {
            let filter = CommitmentFilter {
                status: Some(*status),
                program_id: Some(program_id),
                ..Default::default()
            };
            (
                words(status.as_str()),
                summary.by_status.get(status.as_str()).copied().unwrap_or(0),
                list_link(&filter),
            )
        })
        .collect::<Vec<_>>();
    let page = ProgramPage {
        chrome: Chrome::new(&req, &user, Section::Dashboard),
        total: statuses.iter().map(|(_, n, _)| n).sum(),
        statuses,
        status_labels: Status::ALL.iter().map(|s| words(s.as_str())).collect(),
        libraries: summary.by_library.into_iter().map(library_row).collect(),
        members,
        chart: ExpiryChart::new(&summary.ending_by_year),
        program,
    };
    render(StatusCode::OK, &page)
}
