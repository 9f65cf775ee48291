//! `GET /imports/new` and `POST /imports`: upload a file of commitments for a program and library,
//! in a format and mode, and see the report as a table (line, field, message). A file checked with
//! `validate` stays on the server ([`super::uploads`]) and a button imports that same file.
//!
//! The upload is a multipart form (its `csrf_token` field is checked before anything is done with
//! the file); importing a checked upload is a plain form naming it by `upload_id`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use futures_util::StreamExt;
use uuid::Uuid;

use super::options::{self, library_choices, program_choices, Libraries};
use super::session::{check_csrf, session_user, PageUser};
use super::uploads::Upload;
use super::{choices, render, Choice, Chrome, FieldErrors, Form, PageError, Section};
use crate::domain::{Actor, Capability, ValidationErrors};
use crate::error::ApiError;
use crate::http::api::imports::spool;
use crate::http::extractors::CurrentUser;
use crate::http::AppState;
use crate::imports::{self, ImportFormat, ImportMode, ImportReport};

/// Largest text field of the upload form.
const FIELD_LIMIT_BYTES: usize = 64 * 1024;

pub struct ReportView {
    pub file_name: String,
    pub target: String,
    pub mode: &'static str,
    pub report: ImportReport,
    /// Set when the file was only checked and is kept for importing.
    pub upload_id: Option<String>,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    chrome: Chrome,
    programs: Vec<Choice>,
    libraries: Vec<Choice>,
    formats: Vec<Choice>,
    modes: Vec<Choice>,
    errors: FieldErrors,
    problem: Option<String>,
    report: Option<ReportView>,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    values: &Form,
    errors: FieldErrors,
    problem: Option<String>,
    report: Option<ReportView>,
) -> Result<ImportPage, PageError> {
    if !user.actor.can(Capability::Import) {
        return Err(ApiError::Forbidden("an auditor only reads".into()).into());
    }
    let actor = user.actor.clone();
    let (programs, libraries) = state
        .db
        .read(move |conn| options::load(conn, &actor, Libraries::ActFor))
        .await?;
    let mode = values
        .text("mode")
        .unwrap_or_else(|| ImportMode::Validate.as_str().to_owned());
    Ok(ImportPage {
        chrome: Chrome::new(req, user, Section::Import),
        programs: program_choices(programs, values.text("program_id").as_deref()),
        libraries: library_choices(libraries, values.text("library_id").as_deref()),
        formats: choices(
            ImportFormat::ALL.map(|f| (f.as_str().to_owned(), f.label().to_owned())),
            values.text("format").as_deref(),
        ),
        modes: choices(
            ImportMode::ALL.map(|m| (m.as_str().to_owned(), m.label().to_owned())),
            Some(mode.as_str()),
        ),
        errors,
        problem,
        report,
    })
}

pub async fn new(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let page = page(
        &req,
        &state,
        &user.0,
        &Form::default(),
        FieldErrors::default(),
        None,
        None,
    )
    .await?;
    render(StatusCode::OK, &page)
}

/// The multipart form: its text fields, and the uploaded file spooled into the upload store.
pub(super) struct Received {
    pub(super) form: Form,
    pub(super) upload_id: Option<Uuid>,
    pub(super) file: Option<std::fs::File>,
    pub(super) file_name: String,
    pub(super) size: u64,
}

pub(super) async fn receive(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Received, PageError> {
    let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
    let mut pairs = Vec::new();
    let mut received = Received {
        form: Form::default(),
        upload_id: None,
        file: None,
        file_name: String::new(),
        size: 0,
    };
    while let Some(part) = parts.next().await {
        let mut part = part
            .map_err(|e| ApiError::BadRequest(format!("the uploaded form cannot be read: {e}")))?;
        let name = part.name().unwrap_or_default().to_owned();
        if name == "file" && received.upload_id.is_none() {
            received.file_name = part
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or_default()
                .to_owned();
            let (id, file) = state
                .uploads
                .create()
                .map_err(|e| ApiError::Internal(format!("cannot keep the upload: {e}")))?;
            received.upload_id = Some(id);
            let file = match spool(&mut part, file).await {
                Ok(file) => file,
                Err(error) => {
                    state.uploads.discard(id);
                    return Err(error.into());
                }
            };
            received.size = file.metadata().map(|m| m.len()).unwrap_or(0);
            received.file = Some(file);
        } else {
            let mut value = Vec::new();
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|e| {
                    ApiError::BadRequest(format!("the uploaded form broke off: {e}"))
                })?;
                if value.len() + chunk.len() > FIELD_LIMIT_BYTES {
                    return Err(ApiError::PayloadTooLarge.into());
                }
                value.extend_from_slice(&chunk);
            }
            pairs.push((name, String::from_utf8_lossy(&value).into_owned()));
        }
    }
    received.form = Form::from_pairs(pairs);
    Ok(received)
}

/// What to import: from the upload form, or a kept upload named by `upload_id`.
struct Request {
    program_id: Uuid,
    library_id: Uuid,
    format: ImportFormat,
    mode: ImportMode,
}

fn request_of(form: &Form, actor: &Actor) -> Result<Request, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let program_id = form.id("program_id", &mut errors);
    // A collection manager's form names its own library, or none; one naming another library is
    // refused by the import's target check (403), as the API refuses it.
    let library_id = form.id("library_id", &mut errors).or(actor.library_id);
    let format = form
        .parsed("format", &mut errors, ImportFormat::parse)
        .unwrap_or(ImportFormat::Csv);
    let mode = form
        .parsed("mode", &mut errors, ImportMode::parse)
        .unwrap_or_default();
    let program_id = errors.require("program_id", program_id);
    let library_id = errors.require("library_id", library_id);
    errors.into_result()?;
    Ok(Request {
        program_id: program_id.unwrap_or_default(),
        library_id: library_id.unwrap_or_default(),
        format,
        mode,
    })
}

/// Checks the target and imports the spooled upload `file` as `request` says.
async fn run(
    state: &AppState,
    user: &CurrentUser,
    request: &Request,
    file: std::fs::File,
) -> Result<(ImportReport, String), PageError> {
    let (actor, program_id, library_id) =
        (user.actor.clone(), request.program_id, request.library_id);
    let target = state
        .db
        .read(move |conn| imports::Target::check(conn, &actor, program_id, library_id))
        .await?;
    let label = format!("{} · {}", target.program.code, target.library.oclc_symbol);
    let (db, actor, format, mode) = (
        state.db.clone(),
        user.actor.clone(),
        request.format,
        request.mode,
    );
    let report = tokio::task::spawn_blocking(move || {
        imports::run_file(&db, &actor, &target, &file, format, mode)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(ApiError::from)?;
    Ok((report, label))
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let multipart = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let (form, upload, fresh_file, file_name, fresh) = if multipart {
        let received = receive(&state, &req, payload).await?;
        if let Err(refused) = check_csrf(&req, received.form.text("csrf_token").as_deref()) {
            if let Some(id) = received.upload_id {
                state.uploads.discard(id);
            }
            return Err(refused);
        }
        (
            received.form,
            received
                .upload_id
                .filter(|_| received.size > 0 || !received.file_name.is_empty()),
            received.file,
            received.file_name,
            true,
        )
    } else {
        let mut payload = payload.into_inner();
        let form = <Form as actix_web::FromRequest>::from_request(&req, &mut payload).await?;
        (form, None, None, String::new(), false)
    };
    let user = match session_user(&req).await {
        Ok(Some(user)) => user,
        refused => {
            if let (Some(id), true) = (upload, fresh) {
                state.uploads.discard(id);
            }
            return Err(refused.err().unwrap_or(PageError::SignIn));
        }
    };
    let mut kept = match form.text("upload_id") {
        Some(id) if !fresh => Uuid::parse_str(&id)
            .ok()
            .and_then(|id| state.uploads.open(id, user.actor.user_id)),
        _ => None,
    };
    let file = match kept.as_mut() {
        Some((_, file)) => file.try_clone().ok(),
        None => fresh_file,
    };
    // Importing a checked upload: what it was checked for, in the mode now chosen.
    let (request, upload, file_name) = match (&kept, upload) {
        (Some((kept, _)), _) => {
            let mode = form
                .text("mode")
                .map(|m| ImportMode::parse(&m))
                .transpose()
                .map_err(|m| ValidationErrors::one("mode", m))?
                .unwrap_or_default();
            let request = Request {
                program_id: kept.program_id,
                library_id: kept.library_id,
                format: ImportFormat::parse(&kept.format).unwrap_or(ImportFormat::Csv),
                mode,
            };
            (Ok(request), Some(kept.id), kept.file_name.clone())
        }
        (None, upload) => (request_of(&form, &user.actor), upload, file_name),
    };
    let mut errors = match &request {
        Ok(_) => ValidationErrors::new(),
        Err(errors) => errors.clone(),
    };
    if upload.is_none() || file.is_none() {
        errors.add(
            "file",
            if form.text("upload_id").is_some() {
                "that upload is no longer kept; choose the file again"
            } else {
                "choose a file to import"
            },
        );
    }
    let (request, upload, file) = match (request, upload, file, errors.is_empty()) {
        (Ok(request), Some(upload), Some(file), true) => (request, upload, file),
        (_, upload, _, _) => {
            if let (Some(id), true) = (upload, fresh) {
                state.uploads.discard(id);
            }
            let page = page(
                &req,
                &state,
                &user,
                &form,
                FieldErrors::of(&errors),
                None,
                None,
            )
            .await?;
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let outcome = run(&state, &user, &request, file).await;
    let keep = request.mode == ImportMode::Validate && outcome.is_ok();
    if keep {
        let kept = Upload {
            id: upload,
            owner: user.actor.user_id,
            program_id: request.program_id,
            library_id: request.library_id,
            format: request.format.as_str().to_owned(),
            file_name: file_name.clone(),
        };
        state
            .uploads
            .keep(&kept)
            .map_err(|e| ApiError::Internal(format!("cannot keep the upload: {e}")))?;
    } else {
        state.uploads.discard(upload);
    }
    let (report, target) = match outcome {
        Ok(done) => done,
        Err(PageError::Api(ApiError::Validation(errors))) => {
            let page = page(
                &req,
                &state,
                &user,
                &form,
                FieldErrors::of(&errors),
                None,
                None,
            )
            .await?;
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(PageError::Api(ApiError::Forbidden(why))) => {
            let page = page(
                &req,
                &state,
                &user,
                &form,
                FieldErrors::default(),
                Some(why),
                None,
            )
            .await?;
            return render(StatusCode::FORBIDDEN, &page);
        }
        Err(other) => return Err(other),
    };
    let view = ReportView {
        file_name,
        target,
        mode: request.mode.label(),
        report,
        upload_id: keep.then(|| upload.to_string()),
    };
    let page = page(
        &req,
        &state,
        &user,
        &form,
        FieldErrors::default(),
        None,
        Some(view),
    )
    .await?;
    render(StatusCode::OK, &page)
}
