//! `POST /imports`: a file of commitments, sent as the request body, becomes proposals.
//!
//! The body is spooled to a temporary file as it arrives (memory stays flat whatever its size) and
//! read from there on a blocking thread.

use std::io::Write;

use actix_web::web;
use futures_util::StreamExt;
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;
use crate::http::query::Query;
use crate::http::AppState;
use crate::imports::{self, ImportError, ImportFormat, ImportMode, ImportReport};

/// Largest file accepted over HTTP.
pub const MAX_IMPORT_BYTES: usize = 2 * 1024 * 1024 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    pub program_id: Option<Uuid>,
    pub library_id: Option<Uuid>,
    /// csv, hathitrust_tsv, marc, marcxml, oclc_csv or hathitrust_deprecation (default csv).
    pub format: Option<ImportFormat>,
    /// validate, all_or_nothing (default) or valid_rows.
    pub mode: Option<ImportMode>,
}

impl From<ImportError> for ApiError {
    fn from(error: ImportError) -> Self {
        match error {
            ImportError::Db(db) => db.into(),
            ImportError::File(file) => ValidationErrors::one("file", file.to_string()).into(),
            ImportError::Unsupported(format) => {
                ValidationErrors::one("format", format!("importing {format} is not available yet"))
                    .into()
            }
        }
    }
}

/// Imports a file of commitments as proposals by the caller: the file is the request body, or the
/// field `file` of a multipart form.
#[utoipa::path(post, path = "/api/v1/imports", tag = "imports", security(("bearer" = [])), params(ImportQuery),
    request_body(content = String, description = "the file", content_type = "text/csv"),
    responses((status = 200, body = ImportReport), (status = 403, body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn import(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: Query<ImportQuery>,
    request: actix_web::HttpRequest,
    body: web::Payload,
) -> Result<web::Json<ImportReport>, ApiError> {
    let mut errors = ValidationErrors::new();
    let program_id = errors.require("program_id", query.program_id);
    let library_id = errors.require("library_id", query.library_id);
    errors.into_result()?;
    let (program_id, library_id) = (
        program_id.unwrap_or_default(),
        library_id.unwrap_or_default(),
    );
    let format = query.format.unwrap_or(ImportFormat::Csv);
    let mode = query.mode.unwrap_or_default();
    let actor = user.actor;
    let checked = actor.clone();
    let target = state
        .db
        .read(move |conn| imports::Target::check(conn, &checked, program_id, library_id))
        .await?;

    let is_multipart = request
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    let file = if is_multipart {
        let mut parts = actix_multipart::Multipart::new(request.headers(), body);
        let mut found = None;
        while let Some(part) = parts.next().await {
            let part = part.map_err(|e| {
                ApiError::BadRequest(format!("the multipart body cannot be read: {e}"))
            })?;
            if part.name() == Some("file") {
                found = Some(spool(part, temporary_file()?).await?);
                break;
            }
        }
        found.ok_or_else(|| {
            ValidationErrors::one("file", "the multipart body has no field named file")
        })?
    } else {
        spool(body, temporary_file()?).await?
    };
    let db = state.db.clone();
    let report = tokio::task::spawn_blocking(move || {
        imports::run_file(&db, &actor, &target, &file, format, mode)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(web::Json(report))
}

/// An anonymous temporary file to spool an upload to.
pub fn temporary_file() -> Result<std::fs::File, ApiError> {
    tempfile::tempfile().map_err(|e| ApiError::Internal(format!("cannot spool the upload: {e}")))
}

/// Writes an upload into `file` as it arrives, up to [`MAX_IMPORT_BYTES`].
pub async fn spool<S, E>(mut body: S, mut file: std::fs::File) -> Result<std::fs::File, ApiError>
where
    S: futures_util::Stream<Item = Result<web::Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut size = 0_usize;
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("the upload broke off: {e}")))?;
        size += chunk.len();
        if size > MAX_IMPORT_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        file.write_all(&chunk)
            .map_err(|e| ApiError::Internal(format!("cannot spool the upload: {e}")))?;
    }
    Ok(file)
}
