//! `GET /exports`: the list filters and every format, and the audit trail; the downloads,
//! `GET /exports/commitments` and `GET /exports/events`, stream the same files as the API's
//! exports, for the signed-in user of the page.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::commitments::{parse_since, ListParams};
use super::options::{self, library_choices, program_choices, Libraries};
use super::session::PageUser;
use super::view::words;
use super::{choices, render, Choice, Chrome, FieldErrors, PageError, Section};
use crate::domain::commitment::Status;
use crate::domain::ValidationErrors;
use crate::formats::ExportFormat;
use crate::http::api::exports::{commitments_file, events_file, EventFormat};
use crate::http::query;
use crate::http::AppState;

#[derive(Template)]
#[template(path = "exports.html")]
struct ExportsPage {
    chrome: Chrome,
    programs: Vec<Choice>,
    libraries: Vec<Choice>,
    statuses: Vec<Choice>,
    formats: Vec<Choice>,
    params: ListParams,
    errors: FieldErrors,
}

impl ExportsPage {
    fn value<'a>(&self, value: &'a Option<String>) -> &'a str {
        value.as_deref().unwrap_or("")
    }
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &crate::http::extractors::CurrentUser,
    params: ListParams,
    format: Option<&str>,
    errors: FieldErrors,
) -> Result<ExportsPage, PageError> {
    let actor = user.actor.clone();
    let (programs, libraries) = state
        .db
        .read(move |conn| options::load(conn, &actor, Libraries::Read))
        .await?;
    let current = |v: &Option<String>| v.as_deref().map(str::to_owned);
    let (program, library, status) = (
        current(&params.program_id),
        current(&params.library_id),
        current(&params.status),
    );
    Ok(ExportsPage {
        chrome: Chrome::new(req, user, Section::Export),
        programs: program_choices(programs, program.as_deref()),
        libraries: library_choices(libraries, library.as_deref()),
        statuses: choices(
            Status::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), words(s.as_str()))),
            status.as_deref(),
        ),
        formats: choices(
            ExportFormat::ALL.map(|f| (f.as_str().to_owned(), f.label().to_owned())),
            format,
        ),
        params,
        errors,
    })
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let page = page(
        &req,
        &state,
        &user.0,
        ListParams::default(),
        Some("csv"),
        FieldErrors::default(),
    )
    .await?;
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
struct FormatParam {
    format: Option<String>,
}

/// `GET /exports/commitments`: the file, or the form again with what is wrong (422).
pub async fn commitments(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let params: ListParams = query::read(req.query_string())?;
    let format: FormatParam = query::read(req.query_string())?;
    let format_text = format.format.unwrap_or_else(|| "csv".to_owned());
    let mut errors = ValidationErrors::new();
    let format = errors.check("format", ExportFormat::parse(&format_text));
    let filter = match params.filter(&user.actor) {
        Ok((filter, _)) => Some(filter),
        Err(invalid) => {
            errors.0.extend(invalid.0);
            None
        }
    };
    match (filter, format) {
        (Some(filter), Some(format)) if errors.is_empty() => {
            Ok(commitments_file(&state, &user.actor, filter, format).await?)
        }
        _ => {
            let page = page(
                &req,
                &state,
                &user,
                params,
                Some(&format_text),
                FieldErrors::of(&errors),
            )
            .await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

#[derive(Deserialize)]
struct EventParams {
    format: Option<String>,
    since: Option<String>,
}

/// `GET /exports/events`: the audit trail the user may read.
pub async fn events(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let params: EventParams = query::read(req.query_string())?;
    let mut errors = ValidationErrors::new();
    let format = match params.format.as_deref().unwrap_or("csv") {
        "csv" => Some(EventFormat::Csv),
        "ndjson" => Some(EventFormat::Ndjson),
        other => {
            errors.add(
                "events_format",
                format!("{other:?} is not one of csv, ndjson"),
            );
            None
        }
    };
    let since = params
        .since
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .and_then(|s| errors.check("since", parse_since(s)));
    match format {
        Some(format) if errors.is_empty() => {
            Ok(events_file(&state, &user.actor, since, format).await?)
        }
        _ => {
            let page = page(
                &req,
                &state,
                &user,
                ListParams::default(),
                Some("csv"),
                FieldErrors::of(&errors),
            )
            .await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}
