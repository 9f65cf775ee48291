//! Commitments: propose, list with filters, show, history.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::db::audit;
use crate::db::models::commitments::{self, CommitmentFilter};
use crate::domain::commitment::{
    CommitmentInput, Condition, Format, NewCommitment, Policy, Shelving, Status, Validation,
};
use crate::domain::identifiers::OclcNumber;
use crate::domain::workflow::Side;
use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;
use crate::http::pagination::{ListResponse, PageQuery};
use crate::http::query::Query;
use crate::http::AppState;
use crate::views::{CommitmentView, EventView};

/// An OCLC number as a client may send it: `12345`, `"00012345"` or `"(OCoLC)ocm00012345"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OclcInput {
    Number(i64),
    Text(String),
}

impl OclcInput {
    fn into_text(self) -> String {
        match self {
            OclcInput::Number(n) => n.to_string(),
            OclcInput::Text(t) => t,
        }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct ProposeRequest {
    pub program_id: Option<Uuid>,
    pub library_id: Option<Uuid>,
    /// `12345`, `"00012345"` or `"(OCoLC)ocm00012345"`: normalised to the integer.
    #[schema(value_type = String)]
    pub oclc_number: Option<OclcInput>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub publisher: Option<String>,
    pub pub_year: Option<i64>,
    pub isbn: Option<String>,
    pub issn: Option<String>,
    pub format: Option<Format>,
    pub local_bib_id: Option<String>,
    pub local_item_id: Option<String>,
    pub barcode: Option<String>,
    pub call_number: Option<String>,
    pub materials_specified: Option<String>,
    pub shelving: Option<Shelving>,
    pub condition: Option<Condition>,
    pub validation: Option<Validation>,
    pub policies: Option<Vec<Policy>>,
    /// `YYYY-MM-DD`; today when left out.
    pub retention_start: Option<String>,
    /// `YYYY-MM-DD` or `permanent`; the program's default when left out.
    pub retention_end: Option<String>,
    pub public_note: Option<String>,
    pub private_note: Option<String>,
    /// A tier or sub-collection of the program (583 `$f` after the program's own).
    pub program_note: Option<String>,
    /// The level and terms of the copy's validation (583 `$i`, `$l`).
    pub validation_note: Option<String>,
}

impl From<ProposeRequest> for CommitmentInput {
    fn from(body: ProposeRequest) -> Self {
        CommitmentInput {
            program_id: body.program_id,
            library_id: body.library_id,
            oclc_number: body.oclc_number.map(OclcInput::into_text),
            title: body.title,
            author: body.author,
            publisher: body.publisher,
            pub_year: body.pub_year,
            isbn: body.isbn,
            issn: body.issn,
            format: body.format,
            local_bib_id: body.local_bib_id,
            local_item_id: body.local_item_id,
            barcode: body.barcode,
            call_number: body.call_number,
            materials_specified: body.materials_specified,
            shelving: body.shelving,
            condition: body.condition,
            validation: body.validation,
            policies: body.policies.unwrap_or_default(),
            retention_start: body.retention_start,
            retention_end: body.retention_end,
            public_note: body.public_note,
            private_note: body.private_note,
            program_note: body.program_note,
            validation_note: body.validation_note,
            aliases: Vec::new(),
        }
    }
}

/// Proposes a commitment: a collection manager for its library, or a coordinator allocating to a member.
#[utoipa::path(post, path = "/api/v1/commitments", tag = "commitments", security(("bearer" = [])),
    request_body = ProposeRequest,
    responses((status = 201, body = CommitmentView), (status = 403, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn propose(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<ProposeRequest>,
) -> Result<HttpResponse, ApiError> {
    let new = NewCommitment::parse(body.into_inner().into(), Utc::now().date_naive())?;
    let actor = user.actor.clone();
    let record = state
        .db
        .write(move |conn| commitments::propose(conn, &actor, new))
        .await?;
    Ok(HttpResponse::Created().json(CommitmentView::for_reader(record, &user.actor)?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommitmentQuery {
    pub program_id: Option<Uuid>,
    pub library_id: Option<Uuid>,
    pub status: Option<Status>,
    /// Any accepted form of OCLC number.
    pub oclc_number: Option<String>,
    /// Words that must all appear in the title.
    pub q: Option<String>,
    /// Only commitments whose retention ends before this date.
    pub expiring_before: Option<NaiveDate>,
    /// Only commitments changed at or after this instant (RFC 3339).
    pub updated_since: Option<DateTime<Utc>>,
    /// Only proposals made by `library` (its collection manager) or by the `program` (allocations).
    pub proposed_by: Option<Side>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl CommitmentQuery {
    pub fn filter(&self) -> Result<CommitmentFilter, ApiError> {
        let oclc_number = match self.oclc_number.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(n) => {
                Some(OclcNumber::parse(n).map_err(|m| ValidationErrors::one("oclc_number", m))?)
            }
            None => None,
        };
        Ok(CommitmentFilter {
            program_id: self.program_id,
            library_id: self.library_id,
            status: self.status,
            oclc_number,
            q: self.q.clone().filter(|q| !q.trim().is_empty()),
            expiring_before: self.expiring_before,
            updated_since: self.updated_since.map(|t| t.naive_utc()),
            proposed_by: self.proposed_by,
            proposer_role: None,
            visible_programs: None,
        })
    }

    pub fn page(&self) -> PageQuery {
        PageQuery {
            limit: self.limit,
            cursor: self.cursor.clone(),
        }
    }
}

/// Lists the commitments the caller may see, with the contract's filters.
#[utoipa::path(get, path = "/api/v1/commitments", tag = "commitments", security(("bearer" = [])),
    params(CommitmentQuery),
    responses((status = 200, body = ListResponse<CommitmentView>), (status = 400, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: Query<CommitmentQuery>,
) -> Result<web::Json<ListResponse<CommitmentView>>, ApiError> {
    let filter = query.filter()?.for_actor(&user.actor);
    let page = query.page();
    let (limit, after) = (page.limit()?, page.after()?);
    let page = state
        .db
        .read(move |conn| commitments::list(conn, &filter, after.as_deref(), limit))
        .await?;
    let reader = user.actor;
    Ok(web::Json(ListResponse::from_page(page, |record| {
        CommitmentView::for_reader(record, &reader)
    })?))
}

/// Shows one commitment.
#[utoipa::path(get, path = "/api/v1/commitments/{id}", tag = "commitments", security(("bearer" = [])),
    responses((status = 200, body = CommitmentView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<CommitmentView>, ApiError> {
    let id = path.into_inner();
    let actor = user.actor.clone();
    let record = state
        .db
        .read(move |conn| commitments::find_visible(conn, &actor, id))
        .await?;
    Ok(web::Json(CommitmentView::for_reader(record, &user.actor)?))
}

/// A commitment's audit history, oldest first.
#[utoipa::path(get, path = "/api/v1/commitments/{id}/events", tag = "commitments", security(("bearer" = [])),
    params(PageQuery),
    responses((status = 200, body = ListResponse<EventView>), (status = 404, body = crate::error::ErrorBody)))]
pub async fn events(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<Uuid>,
    query: Query<PageQuery>,
) -> Result<web::Json<ListResponse<EventView>>, ApiError> {
    let id = path.into_inner();
    let limit = query.limit()?;
    let after = match query.after()? {
        Some(key) => Some(key.parse::<i64>().map_err(|_| {
            ApiError::BadRequest("the cursor is not one this service issued".into())
        })?),
        None => None,
    };
    let actor = user.actor;
    let page = state
        .db
        .read(move |conn| {
            commitments::find_visible(conn, &actor, id)?;
            audit::of_commitment(conn, id, after, limit)
        })
        .await?;
    Ok(web::Json(ListResponse::from_page(
        page,
        EventView::from_row,
    )?))
}
