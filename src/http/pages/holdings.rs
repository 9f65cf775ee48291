//! `GET /libraries/{id}/holdings`: how many titles a library holds and since when, and the form
//! that loads its holdings file (for the library's collection manager, its programs'
//! coordinators and admins), with the load's report.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::NaiveDateTime;
use uuid::Uuid;

use super::session::PageUser;
use super::upload_form::receive_upload;
use super::{choices, render, Choice, Chrome, FieldErrors, PageError, Section};
use crate::db::models::holdings;
use crate::db::models::libraries::{self, LibraryRow};
use crate::db::DbError;
use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::formats::holdings::HoldingsFormat;
use crate::http::extractors::CurrentUser;
use crate::http::AppState;
use crate::imports::holdings::{self as loader, HoldingsMode, HoldingsReport};

#[derive(Template)]
#[template(path = "holdings.html")]
struct HoldingsPage {
    chrome: Chrome,
    library: LibraryRow,
    titles: i64,
    updated_at: Option<NaiveDateTime>,
    formats: Vec<Choice>,
    modes: Vec<Choice>,
    errors: FieldErrors,
    report: Option<HoldingsReport>,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    library_id: Uuid,
    chosen: (HoldingsFormat, HoldingsMode),
    errors: FieldErrors,
    report: Option<HoldingsReport>,
) -> Result<HoldingsPage, PageError> {
    let (format, mode) = chosen;
    let (library, set) = state
        .db
        .read(move |conn| {
            let library = libraries::find(conn, library_id)?;
            let set = holdings::set_of(conn, &library.id)?;
            Ok::<_, DbError>((library, set))
        })
        .await?;
    Ok(HoldingsPage {
        chrome: Chrome::new(req, user, Section::Dashboard),
        library,
        titles: set.as_ref().map_or(0, |s| s.titles),
        updated_at: set.and_then(|s| s.updated_at),
        formats: choices(
            HoldingsFormat::ALL.map(|f| (f.as_str().to_owned(), f.label().to_owned())),
            Some(format.as_str()),
        ),
        modes: choices(
            [
                (
                    "replace".to_owned(),
                    "the file is all the library holds".to_owned(),
                ),
                (
                    "add".to_owned(),
                    "add the file's titles to the holdings".to_owned(),
                ),
            ],
            Some(mode.as_str()),
        ),
        errors,
        report,
    })
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let page = page(
        &req,
        &state,
        &user.0,
        path.into_inner(),
        (HoldingsFormat::Csv, HoldingsMode::Replace),
        FieldErrors::default(),
        None,
    )
    .await?;
    render(StatusCode::OK, &page)
}

pub async fn load(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let library_id = path.into_inner();
    let uploaded = receive_upload(&state, &req, payload).await?;
    let upload_id = uploaded.file.as_ref().map(|(id, _)| *id);
    let discard = || {
        if let Some(id) = upload_id {
            state.uploads.discard(id);
        }
    };
    let user = uploaded.user;
    let mut errors = ValidationErrors::new();
    let format = match uploaded
        .form
        .text("format")
        .as_deref()
        .map(HoldingsFormat::parse)
    {
        None => HoldingsFormat::Csv,
        Some(Ok(format)) => format,
        Some(Err(message)) => {
            errors.add("format", message);
            HoldingsFormat::Csv
        }
    };
    let mode = match uploaded
        .form
        .text("holdings_mode")
        .as_deref()
        .map(HoldingsMode::parse)
    {
        None => HoldingsMode::Replace,
        Some(Ok(mode)) => mode,
        Some(Err(message)) => {
            errors.add("holdings_mode", message);
            HoldingsMode::Replace
        }
    };
    if uploaded.file.is_none() {
        errors.add("file", "choose the holdings file");
    }
    let actor = user.actor.clone();
    let library = match state
        .db
        .read(move |conn| loader::check_library(conn, &actor, library_id))
        .await
    {
        Ok(library) => library,
        Err(error) => {
            discard();
            return Err(error.into());
        }
    };
    let Some(file) = uploaded
        .file
        .as_ref()
        .map(|(_, f)| f)
        .filter(|_| errors.is_empty())
    else {
        discard();
        let page = page(
            &req,
            &state,
            &user,
            library_id,
            (format, mode),
            FieldErrors::of(&errors),
            None,
        )
        .await?;
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let file = file
        .try_clone()
        .map_err(|e| ApiError::Internal(format!("cannot read the upload: {e}")))?;
    let db = state.db.clone();
    let actor = user.actor.clone();
    let loaded = tokio::task::spawn_blocking(move || {
        use std::io::Seek;
        let mut file = file;
        file.rewind()
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let rows = crate::formats::holdings::open(Box::new(std::io::BufReader::new(file)), format)
            .map_err(|e| ValidationErrors::one("file", e.to_string()))?;
        Ok::<_, ApiError>(loader::load(&db, &actor, &library, format, rows, mode)?)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()));
    discard();
    match loaded? {
        Ok(report) => {
            let page = page(
                &req,
                &state,
                &user,
                library_id,
                (format, mode),
                FieldErrors::default(),
                Some(report),
            )
            .await?;
            render(StatusCode::OK, &page)
        }
        Err(ApiError::Validation(errors)) => {
            let page = page(
                &req,
                &state,
                &user,
                library_id,
                (format, mode),
                FieldErrors::of(&errors),
                None,
            )
            .await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}
