//! `POST /withdrawal-check`: a library's list of weeding candidates answered row by row, streamed
//! back as CSV (see [`crate::analysis::withdrawal`]). The list is spooled to a temporary file as it
//! arrives; its first line is read before answering, so a file that is not a list is a 422.

use std::io::Seek;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use uuid::Uuid;

use super::imports::{spool, temporary_file};
use crate::analysis::withdrawal::{self, Scope};
use crate::db::models::{libraries, programs};
use crate::db::{DbConnection, DbError};
use crate::domain::withdrawal::may_check;
use crate::domain::{Actor, ValidationErrors};
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;
use crate::http::query::Query;
use crate::http::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckQuery {
    /// The library that would withdraw its copies.
    pub library_id: Option<Uuid>,
    /// Only this program's commitments count (default: every program the caller reads).
    pub program_id: Option<Uuid>,
}

/// The library and programs a check by `actor` answers for, once it is allowed.
pub fn scope_of(
    conn: &mut DbConnection,
    actor: &Actor,
    library_id: Uuid,
    program_id: Option<Uuid>,
) -> Result<Scope, DbError> {
    let library = match libraries::find(conn, library_id) {
        Err(DbError::NotFound(_)) => {
            return Err(ValidationErrors::one(
                "library_id",
                format!("no library has id {library_id}"),
            )
            .into())
        }
        other => other?,
    };
    let member_of = programs::programs_of_library(conn, &library.id)?;
    may_check(actor, library_id, &member_of)?;
    let programs = match program_id {
        Some(program) => {
            match programs::find(conn, program) {
                Err(DbError::NotFound(_)) => {
                    return Err(ValidationErrors::one(
                        "program_id",
                        format!("no program has id {program}"),
                    )
                    .into())
                }
                other => other?,
            };
            if !actor.can_read_program(program) {
                return Err(DbError::Forbidden(
                    "you do not take part in this program".into(),
                ));
            }
            Some(vec![program.to_string()])
        }
        None if actor.is_admin() => None,
        None => Some(actor.program_ids.iter().map(Uuid::to_string).collect()),
    };
    Ok(Scope {
        library_id: library.id,
        programs,
    })
}

/// Answers a list of candidates for withdrawal (the request body), one CSV row per input row.
#[utoipa::path(post, path = "/api/v1/withdrawal-check", tag = "coverage", security(("bearer" = [])),
    params(CheckQuery),
    request_body(content = String, description = "CSV with a column oclc_number, isbn or issn, or one unnamed column of OCLC numbers", content_type = "text/csv"),
    responses((status = 200, description = "the answers, streamed as CSV: line,input,oclc_number,title,committed_here,retained_elsewhere,retained_by,programs,latest_retention_end,verdict"),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn check(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: Query<CheckQuery>,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let library_id = query
        .library_id
        .ok_or_else(|| ValidationErrors::one("library_id", "library_id is required"))?;
    let program_id = query.program_id;
    let actor = user.actor;
    let scope = state
        .db
        .read(move |conn| scope_of(conn, &actor, library_id, program_id))
        .await?;
    let mut file = spool(body, temporary_file()?).await?;
    let file = tokio::task::spawn_blocking(move || {
        file.rewind()?;
        let started = withdrawal::check_start(std::io::BufReader::new(&file));
        file.rewind()?;
        Ok::<_, std::io::Error>((file, started))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(format!("cannot read the spooled upload: {e}")))?;
    let (file, started) = file;
    started.map_err(|e| ValidationErrors::one("file", e.to_string()))?;
    let db = state.db.clone();
    super::exports::stream(
        "text/csv; charset=utf-8",
        "withdrawal-check.csv",
        Vec::new(),
        move |sink| {
            withdrawal::run(&db, &scope, std::io::BufReader::new(file), sink)
                .map(drop)
                .map_err(ApiError::from)
        },
    )
    .await
}
