//! Renewal campaigns: `GET /programs/{id}/expiring` (the notice list of active commitments ending
//! before a day, by library) and `POST /programs/{id}/renewals` (renew them all through each
//! commitment's version-checked `renew`, or first only say what would happen).

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::coverage::ListFormat;
use crate::db::models::actions;
use crate::db::models::commitments::{self, CommitmentFilter, CommitmentRecord};
use crate::db::models::programs;
use crate::db::{Db, DbError};
use crate::domain::commitment::Status;
use crate::domain::retention::RetentionEnd;
use crate::domain::workflow::{self, Action, Refusal};
use crate::domain::{Actor, ValidationErrors};
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;
use crate::http::query::Query;
use crate::http::AppState;

/// Commitments read per page while walking a campaign.
const PAGE: i64 = 500;

/// Every active commitment of `filter`, a page at a time, handed to `each` in id order.
fn each_due(
    db: &Db,
    filter: &CommitmentFilter,
    mut each: impl FnMut(CommitmentRecord) -> Result<(), ApiError>,
) -> Result<(), ApiError> {
    let mut after: Option<String> = None;
    loop {
        let page = commitments::list(&mut *db.conn()?, filter, after.as_deref(), PAGE)?;
        for record in page.items {
            each(record)?;
        }
        match page.next_after {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

fn due(program_id: Uuid, library_id: Option<Uuid>, before: NaiveDate) -> CommitmentFilter {
    CommitmentFilter {
        program_id: Some(program_id),
        library_id,
        status: Some(Status::Active),
        expiring_before: Some(before),
        ..CommitmentFilter::default()
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct RenewalRequest {
    /// Active commitments whose retention ends before this day.
    pub ending_before: Option<NaiveDate>,
    /// The new end: `YYYY-MM-DD` or `permanent`, later than each one's current end.
    pub retention_end: Option<String>,
    /// Only this library's commitments.
    pub library_id: Option<Uuid>,
    /// validate (say what would happen, the default) or apply.
    pub mode: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RenewalProblem {
    pub commitment_id: Uuid,
    pub oclc_symbol: String,
    pub oclc_number: i64,
    pub message: String,
}

#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct RenewalResult {
    /// Renewed (validating: would be renewed).
    pub renewed: u64,
    /// Already ending on or after the new end: left as they are.
    pub skipped: u64,
    /// Refused (the rules, or someone else acted first).
    pub errors: Vec<RenewalProblem>,
}

/// Renews every active commitment of the program ending before a day, each through `renew` at the
/// version just read (an audit event each); `validate` only decides.
#[utoipa::path(post, path = "/api/v1/programs/{id}/renewals", tag = "programs", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the program")), request_body = RenewalRequest,
    responses((status = 200, body = RenewalResult), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn renew(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
    body: web::Json<RenewalRequest>,
) -> Result<web::Json<RenewalResult>, ApiError> {
    let program_id = path.into_inner();
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let before = errors.require("ending_before", body.ending_before);
    let end = match body.retention_end.as_deref().map(RetentionEnd::parse) {
        None => {
            errors.add("retention_end", "retention_end is required");
            None
        }
        Some(Err(message)) => {
            errors.add("retention_end", message);
            None
        }
        Some(Ok(end)) => Some(end),
    };
    let apply = match body.mode.as_deref() {
        None | Some("validate") => false,
        Some("apply") => true,
        Some(other) => {
            errors.add("mode", format!("{other:?} is not one of validate, apply"));
            false
        }
    };
    errors.into_result()?;
    let (before, end) = (
        before.unwrap_or_default(),
        end.unwrap_or(RetentionEnd::Permanent),
    );
    let actor = user.actor;
    state
        .db
        .read(move |conn| programs::find(conn, program_id))
        .await?;
    if !workflow::may_expire_program(&actor, program_id) {
        return Err(ApiError::Forbidden(
            "only a coordinator of the program runs its renewal campaigns".into(),
        ));
    }
    let db = state.db.clone();
    let filter = due(program_id, body.library_id, before).for_actor(&actor);
    let result = tokio::task::spawn_blocking(move || campaign(&db, &actor, &filter, end, apply))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(web::Json(result))
}

fn campaign(
    db: &Db,
    actor: &Actor,
    filter: &CommitmentFilter,
    end: RetentionEnd,
    apply: bool,
) -> Result<RenewalResult, ApiError> {
    let mut result = RenewalResult::default();
    each_due(db, filter, |record| {
        let row = &record.commitment;
        let id = crate::db::models::parse_id(&row.id)?;
        let action = Action::Renew { retention_end: end };
        let decided = if apply {
            db.write_blocking(|conn| actions::act(conn, actor, id, row.version, action))
                .map(drop)
        } else {
            workflow::decide(&row.facts()?, actor, &action)
                .map(drop)
                .map_err(|refusal| commitments::refusal(refusal, row))
        };
        match decided {
            Ok(()) => result.renewed += 1,
            Err(DbError::Invalid(_)) if !end.is_later_than(row_end(&record)) => result.skipped += 1,
            Err(
                error @ (DbError::Invalid(_) | DbError::Forbidden(_) | DbError::Conflict { .. }),
            ) => result.errors.push(RenewalProblem {
                commitment_id: id,
                oclc_symbol: record.library.oclc_symbol.clone(),
                oclc_number: record.title.oclc_number,
                message: ApiError::from(error).body().error.message,
            }),
            Err(other) => return Err(other.into()),
        }
        Ok(())
    })?;
    Ok(result)
}

fn row_end(record: &CommitmentRecord) -> RetentionEnd {
    record
        .commitment
        .retention_end
        .map_or(RetentionEnd::Permanent, RetentionEnd::Date)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExpiringQuery {
    /// Active commitments whose retention ends before this day.
    pub before: Option<NaiveDate>,
    /// json (default) or csv.
    pub format: Option<ListFormat>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExpiringCommitment {
    pub id: Uuid,
    pub oclc_number: i64,
    pub title: String,
    pub retention_end: NaiveDate,
    pub version: i32,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExpiringLibrary {
    pub library_id: Uuid,
    pub oclc_symbol: String,
    pub name: String,
    pub count: u64,
    pub commitments: Vec<ExpiringCommitment>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExpiringList {
    pub program_id: Uuid,
    pub before: NaiveDate,
    pub total: u64,
    pub by_library: Vec<ExpiringLibrary>,
}

/// The notice list: the program's active commitments ending before a day, by library.
#[utoipa::path(get, path = "/api/v1/programs/{id}/expiring", tag = "programs", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "the program"), ExpiringQuery),
    responses((status = 200, body = ExpiringList, description = "JSON, or with format=csv one row per commitment by library"),
              (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn expiring(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
    query: Query<ExpiringQuery>,
) -> Result<HttpResponse, ApiError> {
    let program_id = path.into_inner();
    let before = query
        .before
        .ok_or_else(|| ValidationErrors::one("before", "before is required"))?;
    let actor = user.actor;
    let program = state
        .db
        .read(move |conn| programs::find(conn, program_id))
        .await?;
    if !actor.can_read_program(program_id) {
        return Err(DbError::from(Refusal::Forbidden(
            "you do not take part in this program".into(),
        ))
        .into());
    }
    let filter = due(program_id, None, before).for_actor(&actor);
    let db = state.db.clone();
    let by_library = tokio::task::spawn_blocking(move || {
        let mut by_library: BTreeMap<(String, String), ExpiringLibrary> = BTreeMap::new();
        each_due(&db, &filter, |record| {
            let library = by_library
                .entry((
                    record.library.oclc_symbol.clone(),
                    record.library.id.clone(),
                ))
                .or_insert(ExpiringLibrary {
                    library_id: crate::db::models::parse_id(&record.library.id)?,
                    oclc_symbol: record.library.oclc_symbol.clone(),
                    name: record.library.name.clone(),
                    count: 0,
                    commitments: Vec::new(),
                });
            library.count += 1;
            library.commitments.push(ExpiringCommitment {
                id: crate::db::models::parse_id(&record.commitment.id)?,
                oclc_number: record.title.oclc_number,
                title: record.title.title,
                retention_end: record.commitment.retention_end.unwrap_or(before),
                version: record.commitment.version,
            });
            Ok(())
        })?;
        Ok::<_, ApiError>(by_library.into_values().collect::<Vec<_>>())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    if query.format == Some(ListFormat::Csv) {
        let mut out = csv::Writer::from_writer(Vec::new());
        let csv_error = |e: csv::Error| ApiError::Internal(format!("cannot write CSV: {e}"));
        out.write_record([
            "oclc_symbol",
            "library",
            "commitment_id",
            "oclc_number",
            "title",
            "retention_end",
            "version",
        ])
        .map_err(csv_error)?;
        for library in &by_library {
            for c in &library.commitments {
                out.write_record([
                    library.oclc_symbol.clone(),
                    library.name.clone(),
                    c.id.to_string(),
                    c.oclc_number.to_string(),
                    c.title.clone(),
                    c.retention_end.to_string(),
                    c.version.to_string(),
                ])
                .map_err(csv_error)?;
            }
        }
        let bytes = out
            .into_inner()
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "Content-Disposition",
                format!(
                    "attachment; filename=\"expiring-{}-{before}.csv\"",
                    program.code.to_lowercase()
                ),
            ))
            .body(bytes));
    }
    Ok(HttpResponse::Ok().json(ExpiringList {
        program_id,
        before,
        total: by_library.iter().map(|l| l.count).sum(),
        by_library,
    }))
}
