//! `GET /titles?q=`: a title by OCLC number (any written form), ISBN (10 or 13) or ISSN, every
//! commitment on it the user may see, and at the top the answer to "may I withdraw my copy?".

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::session::PageUser;
use super::view::CommitmentLine;
use super::{render, Chrome, PageError, Section};
use crate::db::models::commitments::{self, CommitmentRecord};
use crate::db::models::titles::{self, TitleRow};
use crate::db::DbError;
use crate::domain::identifiers::TitleQuery;
use crate::domain::retention::RetentionEnd;
use crate::domain::withdrawal::{Retention, WithdrawalAnswer};
use crate::http::AppState;

#[derive(Deserialize)]
pub struct LookupParams {
    q: Option<String>,
}

pub struct Found {
    pub title: TitleRow,
    /// OCLC numbers merged into the title's.
    pub aliases: String,
    pub answer: String,
    pub lines: Vec<CommitmentLine>,
}

#[derive(Template)]
#[template(path = "titles.html")]
struct TitlesPage {
    chrome: Chrome,
    q: String,
    error: Option<String>,
    not_found: bool,
    found: Vec<Found>,
}

fn retention_of(record: &CommitmentRecord) -> Result<Retention, DbError> {
    let facts = record.commitment.facts()?;
    Ok(Retention {
        library_id: facts.library_id,
        oclc_symbol: record.library.oclc_symbol.clone(),
        program_code: record.program.code.clone(),
        status: facts.status,
        retention_end: RetentionEnd::from_date(record.commitment.retention_end),
    })
}

pub async fn lookup(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let params: LookupParams = crate::http::query::read(req.query_string())?;
    let q = params.q.unwrap_or_default().trim().to_owned();
    let mut page = TitlesPage {
        chrome: Chrome::new(&req, &user, Section::Titles),
        q: q.clone(),
        error: None,
        not_found: false,
        found: Vec::new(),
    };
    if q.is_empty() {
        return render(StatusCode::OK, &page);
    }
    let query = match TitleQuery::parse(&q) {
        Ok(query) => query,
        Err(message) => {
            page.error = Some(message);
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let actor = user.actor.clone();
    let found = state
        .db
        .read(move |conn| {
            let titles = titles::find_by_identifiers(
                conn,
                query.oclc,
                query.isbn.as_ref(),
                query.issn.as_ref(),
            )?;
            let ids: Vec<String> = titles.iter().map(|t| t.id.clone()).collect();
            let mut aliases = titles::aliases_of(conn, &ids)?;
            let mut found = Vec::with_capacity(titles.len());
            for title in titles {
                let records = commitments::on_title(conn, &actor, &title.id)?;
                let retentions = records
                    .iter()
                    .map(retention_of)
                    .collect::<Result<Vec<_>, _>>()?;
                let answer = WithdrawalAnswer::of(&retentions, actor.library_id)
                    .sentence(actor.library_id.is_some());
                let merged: Vec<String> = aliases
                    .remove(&title.id)
                    .unwrap_or_default()
                    .iter()
                    .map(i64::to_string)
                    .collect();
                found.push(Found {
                    aliases: merged.join(", "),
                    title,
                    answer,
                    lines: records.iter().map(CommitmentLine::of).collect(),
                });
            }
            Ok(found)
        })
        .await?;
    let status = if found.is_empty() {
        page.not_found = true;
        StatusCode::NOT_FOUND
    } else {
        StatusCode::OK
    };
    page.found = found;
    render(status, &page)
}
