//! `POST /libraries/{id}/holdings`: a library's holdings file (what it holds, committed or not)
//! becomes its holdings set; `GET /libraries/{id}/holdings/summary`: how many titles, since when.
//! The body is spooled to a temporary file as it arrives and loaded on a blocking thread.

use actix_web::web;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::imports::{spool, temporary_file};
use crate::db::models::{holdings, libraries};
use crate::error::ApiError;
use crate::formats::holdings::HoldingsFormat;
use crate::http::extractors::CurrentUser;
use crate::http::query::Query;
use crate::http::AppState;
use crate::imports::holdings::{self as loader, HoldingsMode, HoldingsReport};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HoldingsQuery {
    /// csv (default), marc or marcxml.
    pub format: Option<HoldingsFormat>,
    /// replace (default: the file is the library's whole holdings) or add.
    pub mode: Option<HoldingsMode>,
}

/// Loads a holdings file (the request body) as the library's holdings.
#[utoipa::path(post, path = "/api/v1/libraries/{id}/holdings", tag = "holdings", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the library"), HoldingsQuery),
    request_body(content = String, description = "the holdings file", content_type = "text/csv"),
    responses((status = 200, body = HoldingsReport), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn load(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
    query: Query<HoldingsQuery>,
    body: web::Payload,
) -> Result<web::Json<HoldingsReport>, ApiError> {
    let library_id = path.into_inner();
    let format = query.format.unwrap_or(HoldingsFormat::Csv);
    let mode = query.mode.unwrap_or_default();
    let actor = user.actor;
    let checked = actor.clone();
    let library = state
        .db
        .read(move |conn| loader::check_library(conn, &checked, library_id))
        .await?;
    let file = spool(body, temporary_file()?).await?;
    let db = state.db.clone();
    let report = tokio::task::spawn_blocking(move || {
        use std::io::Seek;
        let mut file = file;
        file.rewind()
            .map_err(|e| ApiError::Internal(format!("cannot read the spooled upload: {e}")))?;
        let rows = crate::formats::holdings::open(Box::new(std::io::BufReader::new(file)), format)
            .map_err(crate::imports::ImportError::from)?;
        Ok::<_, ApiError>(loader::load(&db, &actor, &library, format, rows, mode)?)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(web::Json(report))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HoldingsSummary {
    /// Titles the library holds.
    pub titles: i64,
    /// When its holdings were last loaded; null if never.
    pub updated_at: Option<DateTime<Utc>>,
}

/// How many titles the library holds, and since when.
#[utoipa::path(get, path = "/api/v1/libraries/{id}/holdings/summary", tag = "holdings", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the library")),
    responses((status = 200, body = HoldingsSummary), (status = 404, body = crate::error::ErrorBody)))]
pub async fn summary(
    state: web::Data<AppState>,
    _user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<HoldingsSummary>, ApiError> {
    let library_id = path.into_inner();
    let set = state
        .db
        .read(move |conn| {
            let library = libraries::find(conn, library_id)?;
            holdings::set_of(conn, &library.id)
        })
        .await?;
    Ok(web::Json(HoldingsSummary {
        titles: set.as_ref().map_or(0, |s| s.titles),
        updated_at: set.and_then(|s| s.updated_at).map(crate::views::instant),
    }))
}
