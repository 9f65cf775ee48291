//! `POST /commitments/{id}/{action}`: the workflow actions, each with the version the client last saw.

use actix_web::web;
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::models::actions;
use crate::db::models::last_copies::CoverageAfter;
use crate::domain::commitment::LossReason;
use crate::domain::retention::RetentionEnd;
use crate::domain::workflow::{Action, ActionKind};
use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;
use crate::http::AppState;
use crate::views::CommitmentView;

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionRequest {
    /// The version the client last saw; a stale one is refused with 409.
    pub version: Option<i64>,
    /// decline (required), withdraw, request_release (required), deny_release; report_loss: lost, damaged or missing.
    pub reason: Option<String>,
    /// renew: `YYYY-MM-DD` or `permanent`, later than the current end.
    pub retention_end: Option<String>,
    /// transfer: a member library of the program.
    pub to_library_id: Option<Uuid>,
    /// expire: the day before which the retention must have ended (default today).
    pub as_of: Option<NaiveDate>,
}

fn required_reason(reason: Option<String>) -> Result<String, ValidationErrors> {
    reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .ok_or_else(|| ValidationErrors::one("reason", "reason is required"))
}

fn optional_reason(reason: Option<String>) -> Option<String> {
    reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
}

/// Reads the action's name and extras into a domain action.
pub fn parse_action(
    kind: ActionKind,
    body: ActionRequest,
    today: NaiveDate,
) -> Result<Action, ValidationErrors> {
    let action = match kind {
        ActionKind::Accept => Action::Accept,
        ActionKind::Decline => Action::Decline {
            reason: required_reason(body.reason)?,
        },
        ActionKind::Withdraw => Action::Withdraw {
            reason: optional_reason(body.reason),
        },
        ActionKind::ReportLoss => {
            let reason = required_reason(body.reason)?;
            let reason = LossReason::parse_reported(&reason)
                .map_err(|m| ValidationErrors::one("reason", m))?;
            Action::ReportLoss { reason }
        }
        ActionKind::RequestRelease => Action::RequestRelease {
            reason: required_reason(body.reason)?,
        },
        ActionKind::ApproveRelease => Action::ApproveRelease,
        ActionKind::DenyRelease => Action::DenyRelease {
            reason: optional_reason(body.reason),
        },
        ActionKind::Renew => {
            let end = body.retention_end.ok_or_else(|| {
                ValidationErrors::one("retention_end", "retention_end is required")
            })?;
            let retention_end =
                RetentionEnd::parse(&end).map_err(|m| ValidationErrors::one("retention_end", m))?;
            Action::Renew { retention_end }
        }
        ActionKind::Transfer => Action::Transfer {
            to_library_id: body.to_library_id.ok_or_else(|| {
                ValidationErrors::one("to_library_id", "to_library_id is required")
            })?,
        },
        ActionKind::Expire => Action::Expire {
            as_of: body.as_of.unwrap_or(today),
        },
    };
    Ok(action)
}

/// Applies a workflow action.
#[utoipa::path(post, path = "/api/v1/commitments/{id}/{action}", tag = "commitments", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("action" = String, Path, description = "accept, decline, withdraw, report_loss, request_release, approve_release, deny_release, renew, transfer, expire")),
    request_body = ActionRequest,
    responses((status = 200, body = ActionResponse), (status = 403, body = crate::error::ErrorBody),
              (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn act(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(Uuid, String)>,
    body: web::Json<ActionRequest>,
) -> Result<web::Json<ActionResponse>, ApiError> {
    let (id, name) = path.into_inner();
    let kind =
        ActionKind::parse(&name).ok_or_else(|| ApiError::NotFound(format!("action {name:?}")))?;
    let mut body = body.into_inner();
    let version = body
        .version
        .take()
        .ok_or_else(|| ValidationErrors::one("version", "version is required"))?;
    let version = i32::try_from(version)
        .map_err(|_| ValidationErrors::one("version", "version is out of range"))?;
    let action = parse_action(kind, body, Utc::now().date_naive())?;
    let actor = user.actor.clone();
    let reader = user.actor;
    let acted = state
        .db
        .write(move |conn| actions::act(conn, &actor, id, version, action))
        .await?;
    Ok(web::Json(ActionResponse {
        commitment: CommitmentView::for_reader(acted.record, &reader)?,
        coverage_after: acted.coverage_after,
    }))
}

/// The commitment after the action; `coverage_after` when the action left its title below the
/// program's target.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ActionResponse {
    #[serde(flatten)]
    pub commitment: CommitmentView,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage_after: Option<CoverageAfter>,
}
