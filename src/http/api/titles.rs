//! `GET /titles?oclc_number=N`: who retains this title — every commitment on it the caller may see.
//! A number merged into the title (an alias) finds it too.

use actix_web::web;
use serde::{Deserialize, Serialize};

use crate::db::models::commitments::{self, Labels};
use crate::db::models::titles;
use crate::db::DbError;
use crate::domain::identifiers::OclcNumber;
use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;
use crate::http::query::Query;
use crate::http::AppState;
use crate::views::{CommitmentView, TitleView};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TitleQuery {
    /// Any accepted form of OCLC number.
    pub oclc_number: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TitleCommitments {
    pub title: TitleView,
    pub commitments: Vec<CommitmentView>,
}

/// The title with this OCLC number and every commitment on it that the caller may see.
#[utoipa::path(get, path = "/api/v1/titles", tag = "titles", security(("bearer" = [])), params(TitleQuery),
    responses((status = 200, body = TitleCommitments), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn lookup(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: Query<TitleQuery>,
) -> Result<web::Json<TitleCommitments>, ApiError> {
    let raw = query
        .oclc_number
        .clone()
        .ok_or_else(|| ValidationErrors::one("oclc_number", "oclc_number is required"))?;
    let oclc = OclcNumber::parse(&raw).map_err(|m| ValidationErrors::one("oclc_number", m))?;
    let actor = user.actor.clone();
    let reader = user.actor;
    // A handful of index probes: on SQLite run at once rather than handed to a blocking thread.
    let (title, aliases, labelled) = state
        .db
        .read_quick(move |conn| {
            if let Some(found) = commitments::on_numbered_title(conn, &actor, oclc)? {
                return Ok((found.title, found.aliases, found.commitments));
            }
            // A title without commitments, or a number merged into a title.
            let title = titles::find_by_oclc(conn, oclc)?.ok_or(DbError::NotFound("title"))?;
            let labelled = commitments::on_title(conn, &actor, &title.id)?
                .into_iter()
                .map(|r| (r.commitment, Labels::of(&r.program, &r.library)))
                .collect();
            let aliases = titles::aliases_of(conn, std::slice::from_ref(&title.id))?
                .remove(&title.id)
                .unwrap_or_default();
            Ok((title, aliases, labelled))
        })
        .await?;
    let commitments = labelled
        .into_iter()
        .map(|(commitment, labels)| {
            CommitmentView::from_parts(commitment, labels, title.clone())
                .map(|v| v.seen_by(&reader))
        })
        .collect::<Result<_, _>>()?;
    let mut view = TitleView::from_owned(title)?;
    view.aliases = aliases;
    Ok(web::Json(TitleCommitments {
        title: view,
        commitments,
    }))
}
