//! `GET /withdrawal-check`: a library uploads its list of weeding candidates and sees how many get
//! each verdict, the first answers, and a download of all of them (kept for a day, for the user who
//! ran the check only: `?result=ID`).

use std::io::Write;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use uuid::Uuid;

use super::options::{self, library_choices, program_choices, Libraries};
use super::session::PageUser;
use super::upload_form::receive_upload;
use super::uploads::Upload;
use super::{render, Choice, Chrome, FieldErrors, PageError, Section};
use crate::analysis::withdrawal::{self, HEADER};
use crate::domain::withdrawal::Verdict;
use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::http::api::withdrawal::scope_of;
use crate::http::extractors::CurrentUser;
use crate::http::AppState;

/// Answers shown on the page; the download has all of them.
const PREVIEW: usize = 50;
const RESULT_FORMAT: &str = "withdrawal-check";

pub struct Outcome {
    pub file_name: String,
    pub rows: u64,
    /// (verdict label, verdict, count)
    pub counts: Vec<(&'static str, &'static str, u64)>,
    pub header: Vec<&'static str>,
    pub preview: Vec<Vec<String>>,
    pub download: String,
}

#[derive(Template)]
#[template(path = "withdrawal.html")]
struct WithdrawalPage {
    chrome: Chrome,
    libraries: Vec<Choice>,
    programs: Vec<Choice>,
    errors: FieldErrors,
    outcome: Option<Outcome>,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    library: Option<&str>,
    program: Option<&str>,
    errors: FieldErrors,
    outcome: Option<Outcome>,
) -> Result<WithdrawalPage, PageError> {
    let actor = user.actor.clone();
    let (programs, libraries) = state
        .db
        .read(move |conn| options::load(conn, &actor, Libraries::ActFor))
        .await?;
    Ok(WithdrawalPage {
        chrome: Chrome::new(req, user, Section::Withdrawal),
        libraries: library_choices(libraries, library),
        programs: program_choices(programs, program),
        errors,
        outcome,
    })
}

#[derive(serde::Deserialize)]
pub struct ResultQuery {
    result: Option<Uuid>,
}

/// The form, or with `?result=ID` the answers of a check this user ran.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let query: ResultQuery = crate::http::query::read(req.query_string())?;
    if let Some(id) = query.result {
        let (upload, file) = state
            .uploads
            .open(id, user.actor.user_id)
            .filter(|(u, _)| u.format == RESULT_FORMAT)
            .ok_or_else(|| {
                ApiError::NotFound("this check's answers (they are kept for a day)".into())
            })?;
        let bytes = std::fs::read(state.uploads.path_of(upload.id))
            .map_err(|e| ApiError::Internal(format!("cannot read the answers: {e}")))?;
        drop(file);
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{}\"", upload.file_name),
            ))
            .body(bytes));
    }
    let page = page(
        &req,
        &state,
        &user,
        None,
        None,
        FieldErrors::default(),
        None,
    )
    .await?;
    render(StatusCode::OK, &page)
}

/// Runs the check of the uploaded list.
pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let uploaded = receive_upload(&state, &req, payload).await?;
    let user = uploaded.user;
    let form = uploaded.form;
    let library = form.text("library_id");
    let program = form.text("program_id");
    let mut errors = ValidationErrors::new();
    let library_id = match library.as_deref().map(Uuid::parse_str) {
        Some(Ok(id)) => Some(id),
        _ => {
            errors.add("library_id", "choose the library whose copies would go");
            None
        }
    };
    let program_id = match program.as_deref().map(Uuid::parse_str) {
        Some(Err(_)) => {
            errors.add("program_id", "choose a program, or every program");
            None
        }
        other => other.and_then(Result::ok),
    };
    if uploaded.file.is_none() {
        errors.add("file", "choose the file of candidates");
    }
    let discard = |file: &Option<(Uuid, std::fs::File)>| {
        if let Some((id, _)) = file {
            state.uploads.discard(*id);
        }
    };
    let (Some(library_id), Some((input_id, input)), true) = (
        library_id,
        uploaded.file.as_ref().map(|(id, f)| (*id, f)),
        errors.is_empty(),
    ) else {
        discard(&uploaded.file);
        let page = page(
            &req,
            &state,
            &user,
            library.as_deref(),
            program.as_deref(),
            FieldErrors::of(&errors),
            None,
        )
        .await?;
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let actor = user.actor.clone();
    let scope = match state
        .db
        .read(move |conn| scope_of(conn, &actor, library_id, program_id))
        .await
    {
        Ok(scope) => scope,
        Err(error) => {
            discard(&uploaded.file);
            return Err(error.into());
        }
    };
    let input = input
        .try_clone()
        .map_err(|e| ApiError::Internal(format!("cannot read the upload: {e}")))?;
    let store = state.uploads.clone();
    let db = state.db.clone();
    let owner = user.actor.user_id;
    let file_name = uploaded.file_name.clone();
    let ran = tokio::task::spawn_blocking(move || -> Result<Result<Outcome, String>, ApiError> {
        use std::io::Seek;
        let mut input = input;
        input
            .rewind()
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        if let Err(error) = withdrawal::check_start(std::io::BufReader::new(&input)) {
            return Ok(Err(error.to_string()));
        }
        input
            .rewind()
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let (id, output) = store
            .create()
            .map_err(|e| ApiError::Internal(format!("cannot keep the answers: {e}")))?;
        let mut out = std::io::BufWriter::new(output);
        let counts = withdrawal::run(&db, &scope, std::io::BufReader::new(input), &mut |bytes| {
            out.write_all(&bytes)
        })
        .map_err(|e| ApiError::Internal(e.to_string()))?;
        out.flush().map_err(|e| ApiError::Internal(e.to_string()))?;
        store
            .keep(&Upload {
                id,
                owner,
                program_id: Uuid::nil(),
                library_id,
                format: RESULT_FORMAT.into(),
                file_name: "withdrawal-check.csv".into(),
            })
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let preview = preview(&store.path_of(id))?;
        Ok(Ok(Outcome {
            file_name,
            rows: counts.values().sum(),
            counts: Verdict::ALL
                .iter()
                .map(|v| {
                    (
                        v.label(),
                        v.as_str(),
                        counts.get(v.as_str()).copied().unwrap_or(0),
                    )
                })
                .collect(),
            header: HEADER.to_vec(),
            preview,
            download: format!("/withdrawal-check?result={id}"),
        }))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    state.uploads.discard(input_id);
    match ran? {
        Ok(outcome) => {
            let page = page(
                &req,
                &state,
                &user,
                library.as_deref(),
                program.as_deref(),
                FieldErrors::default(),
                Some(outcome),
            )
            .await?;
            render(StatusCode::OK, &page)
        }
        Err(message) => {
            let errors = ValidationErrors::one("file", message);
            let page = page(
                &req,
                &state,
                &user,
                library.as_deref(),
                program.as_deref(),
                FieldErrors::of(&errors),
                None,
            )
            .await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// The first answers of the kept CSV.
fn preview(path: &std::path::Path) -> Result<Vec<Vec<String>>, ApiError> {
    let file = std::fs::File::open(path).map_err(|e| ApiError::Internal(e.to_string()))?;
    let mut reader = csv::Reader::from_reader(std::io::BufReader::new(file));
    let mut rows = Vec::new();
    for record in reader.records().take(PREVIEW) {
        let record = record.map_err(|e| ApiError::Internal(e.to_string()))?;
        rows.push(record.iter().map(str::to_owned).collect());
    }
    Ok(rows)
}
