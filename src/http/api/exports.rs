//! `GET /exports/commitments` and `GET /exports/events`: streamed files of any size.
//!
//! The file is produced on a blocking thread in keyset batches and handed over a small channel, so
//! the first bytes leave before the last row is read and memory stays flat.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::Deserialize;

use super::commitments::CommitmentQuery;
use crate::db::models::commitments::{self, CommitmentFilter};
use crate::domain::Actor;
use crate::error::ApiError;
use crate::exports;
use crate::formats::ExportFormat;
use crate::http::extractors::CurrentUser;
use crate::http::query::Query;
use crate::http::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// csv, ndjson, marc, marcxml, hathitrust_tsv or oclc_csv (default csv).
    pub format: Option<ExportFormat>,
}

type Chunk = Result<web::Bytes, ApiError>;

/// A response that streams what `produce` sends, from a blocking thread.
///
/// Nothing is answered until `produce` has sent its first bytes, finished or failed: a failure
/// before any byte (the database unreachable for the first read) is an error response with its
/// status, not a 200 whose body stops short, which a browser would save as a complete, empty
/// file. Producers that read before they can write anything of worth send their header with
/// their first rows (see `exports::run`). A failure after the first bytes can only cut the body
/// short: it is logged and the connection closed without the chunked body's end.
pub async fn stream(
    content_type: &str,
    file_name: &str,
    extra_headers: Vec<(&'static str, String)>,
    produce: impl FnOnce(&mut dyn FnMut(Vec<u8>) -> std::io::Result<()>) -> Result<(), ApiError>
        + Send
        + 'static,
) -> Result<HttpResponse, ApiError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    tokio::task::spawn_blocking(move || {
        let mut sink = |bytes: Vec<u8>| {
            tx.blocking_send(Ok(web::Bytes::from(bytes))).map_err(|_| {
                std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
            })
        };
        if let Err(error) = produce(&mut sink) {
            let _ = tx.blocking_send(Err(error));
        }
    });
    let first = match rx.recv().await {
        Some(Err(error)) => return Err(error),
        first => first,
    };
    let body = futures_util::stream::unfold((first, rx), |(first, mut rx)| async move {
        let chunk = match first {
            Some(chunk) => Some(chunk),
            None => rx.recv().await,
        }?;
        let chunk = chunk.map_err(|error| {
            tracing::error!(%error, "export failed part way: the body is cut short");
            std::io::Error::other(error.to_string())
        });
        Some((chunk, (None, rx)))
    });
    let mut response = HttpResponse::Ok();
    response
        .content_type(content_type.to_owned())
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file_name}\""),
        ));
    for header in extra_headers {
        response.insert_header(header);
    }
    Ok(response.streaming(body))
}

/// Commitments the caller may see, with the list filters, as a file.
#[utoipa::path(get, path = "/api/v1/exports/commitments", tag = "exports", security(("bearer" = [])),
    params(FormatQuery, CommitmentQuery),
    responses((status = 200, description = "the file, streamed; `X-Registry-Omitted` counts permanent commitments left out of oclc_csv"),
              (status = 400, body = crate::error::ErrorBody), (status = 401, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody)))]
pub async fn commitments(
    state: web::Data<AppState>,
    user: CurrentUser,
    format: Query<FormatQuery>,
    query: Query<CommitmentQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = format.format.unwrap_or(ExportFormat::Csv);
    let filter = query.filter()?.for_actor(&user.actor);
    commitments_file(&state, &user.actor, filter, format).await
}

/// The streamed file of the commitments `filter` selects (already limited to what the caller may
/// read): the API's export and the export page's download.
pub async fn commitments_file(
    state: &AppState,
    reader: &Actor,
    filter: CommitmentFilter,
    format: ExportFormat,
) -> Result<HttpResponse, ApiError> {
    if let Some(program) = filter.program_id.filter(|p| !reader.can_read_program(*p)) {
        // An empty file would read as "the program has no commitments".
        return Err(ApiError::Forbidden(format!(
            "you may not read the commitments of program {program}"
        )));
    }
    let reader = reader.clone();
    let mut headers = Vec::new();
    if format == ExportFormat::OclcCsv {
        let counted = filter.clone();
        let (_, permanent) = state
            .db
            .read(move |conn| commitments::count(conn, &counted))
            .await?;
        headers.push(("X-Registry-Omitted", permanent.to_string()));
    }
    let db = state.db.clone();
    stream(
        format.content_type(),
        format.file_name(),
        headers,
        move |sink| {
            exports::run(&db, &reader, &filter, format, sink, &mut |_| {})
                .map(|_| ())
                .map_err(ApiError::from)
        },
    )
    .await
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EventFormat {
    Csv,
    Ndjson,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// csv or ndjson (default csv).
    pub format: Option<EventFormat>,
    /// Only events at or after this instant (RFC 3339).
    pub since: Option<DateTime<Utc>>,
}

/// The audit trail of the caller's programs (everything for an admin), oldest first.
#[utoipa::path(get, path = "/api/v1/exports/events", tag = "exports", security(("bearer" = [])),
    params(EventQuery),
    responses((status = 200, description = "the audit trail, streamed"), (status = 400, body = crate::error::ErrorBody)))]
pub async fn events(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: Query<EventQuery>,
) -> Result<HttpResponse, ApiError> {
    let format = query.format.unwrap_or(EventFormat::Csv);
    events_file(
        &state,
        &user.actor,
        query.since.map(|t| t.naive_utc()),
        format,
    )
    .await
}

/// The streamed audit trail `actor` may read, from `since`: the API's and the export page's.
pub async fn events_file(
    state: &AppState,
    actor: &Actor,
    since: Option<NaiveDateTime>,
    format: EventFormat,
) -> Result<HttpResponse, ApiError> {
    let programs = (!actor.is_admin()).then(|| actor.program_ids.clone());
    let db = state.db.clone();
    let (content_type, file_name) = match format {
        EventFormat::Csv => ("text/csv; charset=utf-8", "events.csv"),
        EventFormat::Ndjson => ("application/x-ndjson", "events.ndjson"),
    };
    stream(content_type, file_name, Vec::new(), move |sink| {
        exports::events(
            &db,
            programs.as_deref(),
            since,
            format == EventFormat::Csv,
            sink,
        )
        .map(|_| ())
        .map_err(ApiError::from)
    })
    .await
}
