//! `GET /commitments/{id}`: every field, who else retains the title, the history from the audit
//! trail, and a form for exactly the actions this user may take now (`workflow::available`);
//! `POST /commitments/{id}/{action}`: the action, then 303 back to the detail.
//!
//! A refusal shows the detail again with the API's message: beside the field (422), or with the
//! current state and a word that someone else acted first (409, a stale version).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, Utc};
use uuid::Uuid;

use super::session::PageUser;
use super::view::{words, CommitmentLine, EventLine};
use super::{render, see_other, Chrome, FieldErrors, PageError, Section, SignedInForm};
use crate::db::audit;
use crate::db::models::commitments::{self, CommitmentRecord};
use crate::db::models::libraries::LibraryRow;
use crate::db::models::{actions, programs, users};
use crate::db::{DbError, MAX_PAGE};
use crate::domain::commitment::LossReason;
use crate::domain::workflow::{self, ActionKind};
use crate::domain::{Actor, ValidationErrors};
use crate::error::ApiError;
use crate::http::api::actions::{parse_action, ActionRequest};
use crate::http::extractors::CurrentUser;
use crate::http::AppState;
use crate::views::CommitmentView;

/// What a page about one commitment shows.
struct Loaded {
    record: CommitmentRecord,
    others: Vec<CommitmentLine>,
    history: Vec<EventLine>,
    /// Libraries a transfer may go to: the program's other members.
    transfer_to: Vec<LibraryRow>,
}

fn load(conn: &mut crate::db::DbConnection, actor: &Actor, id: Uuid) -> Result<Loaded, DbError> {
    let record = commitments::find_visible(conn, actor, id)?;
    let others = commitments::on_title(conn, actor, &record.title.id)?
        .iter()
        .filter(|r| r.commitment.id != record.commitment.id)
        .map(CommitmentLine::of)
        .collect();
    let events = audit::of_commitment(conn, id, None, MAX_PAGE)?.items;
    let actor_ids: Vec<String> = events.iter().filter_map(|e| e.actor_id.clone()).collect();
    let names = users::names(conn, &actor_ids)?;
    let history = events
        .iter()
        .map(|e| EventLine::of(e, &names, &Default::default()))
        .collect();
    let program_id = crate::db::models::parse_id(&record.program.id)?;
    let transfer_to = programs::members(conn, program_id, None, MAX_PAGE)?
        .items
        .into_iter()
        .map(|m| m.library)
        .filter(|l| l.id != record.library.id)
        .collect();
    Ok(Loaded {
        record,
        others,
        history,
        transfer_to,
    })
}

/// One action form: the action, what the user typed, and the messages beside its fields.
pub struct ActionForm {
    pub kind: &'static str,
    pub label: String,
    pub values: ActionValues,
    pub errors: FieldErrors,
}

#[derive(Default, Clone)]
pub struct ActionValues {
    pub reason: String,
    pub retention_end: String,
    pub to_library_id: String,
}

/// A failed action to show again in its form.
struct Failed {
    kind: ActionKind,
    values: ActionValues,
    errors: ValidationErrors,
}

#[derive(Template)]
#[template(path = "commitment.html")]
struct DetailPage {
    chrome: Chrome,
    c: CommitmentView,
    library_name: String,
    status_text: String,
    policies: String,
    others: Vec<CommitmentLine>,
    history: Vec<EventLine>,
    forms: Vec<ActionForm>,
    transfer_to: Vec<LibraryRow>,
    loss_reasons: Vec<&'static str>,
    notice: Option<String>,
    problem: Option<String>,
}

/// The action in words; a library's renewal is a proposal for the program to apply.
fn label(kind: ActionKind, library_side: bool) -> String {
    match kind {
        ActionKind::ReportLoss => "Report lost, damaged or missing".to_owned(),
        ActionKind::Renew if library_side => "Propose a later end".to_owned(),
        ActionKind::Renew => "Renew".to_owned(),
        other => {
            let text = words(other.as_str());
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => format!("{}{}", first.to_uppercase(), chars.as_str()),
                None => text,
            }
        }
    }
}

fn page(
    req: &HttpRequest,
    user: &CurrentUser,
    loaded: Loaded,
    failed: Option<Failed>,
    notice: Option<String>,
    problem: Option<String>,
) -> Result<DetailPage, PageError> {
    let today = Utc::now().date_naive();
    let facts = loaded.record.commitment.facts()?;
    let offered = workflow::available(&facts, &user.actor, today);
    let library_side = workflow::side_of_actor(&user.actor) == Some(workflow::Side::Library);
    let forms: Vec<ActionForm> = offered
        .into_iter()
        .filter(|kind| *kind != ActionKind::Transfer || !loaded.transfer_to.is_empty())
        .map(|kind| {
            let (values, errors) = match &failed {
                Some(f) if f.kind == kind => (f.values.clone(), FieldErrors::of(&f.errors)),
                _ => (ActionValues::default(), FieldErrors::default()),
            };
            ActionForm {
                kind: kind.as_str(),
                label: label(kind, library_side),
                values,
                errors,
            }
        })
        .collect();
    let mut problem = problem;
    if let Some(f) = failed.filter(|f| {
        !forms
            .iter()
            .any(|form: &ActionForm| form.kind == f.kind.as_str())
    }) {
        let messages: Vec<String> = f.errors.0.iter().map(|e| e.message.clone()).collect();
        problem = Some(messages.join("; "));
    }
    let library_name = loaded.record.library.name.clone();
    let c = CommitmentView::for_reader(loaded.record, &user.actor)?;
    Ok(DetailPage {
        chrome: Chrome::new(req, user, Section::Commitments),
        status_text: words(c.status.as_str()),
        policies: c
            .policies
            .iter()
            .map(|p| words(p.as_str()))
            .collect::<Vec<_>>()
            .join(", "),
        library_name,
        c,
        others: loaded.others,
        history: loaded.history,
        forms,
        transfer_to: loaded.transfer_to,
        loss_reasons: LossReason::REPORTED.iter().map(|r| r.as_str()).collect(),
        notice,
        problem,
    })
}

#[derive(serde::Deserialize)]
pub struct DetailQuery {
    done: Option<String>,
    /// After an action that left the title below target: copies the program still keeps, and its target.
    kept: Option<i64>,
    target: Option<i64>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let id = path.into_inner();
    let done: DetailQuery = crate::http::query::read(req.query_string())?;
    let notice = done
        .done
        .as_deref()
        .and_then(ActionKind::parse)
        .map(|kind| match (done.kept, done.target) {
            (Some(kept), Some(target)) => format!(
                "Done: {}. The program now keeps {kept} of its target of {target} copies of this title.",
                words(kind.as_str())
            ),
            _ => format!("Done: {}.", words(kind.as_str())),
        });
    let actor = user.actor.clone();
    let loaded = state.db.read(move |conn| load(conn, &actor, id)).await?;
    render(
        StatusCode::OK,
        &page(&req, &user, loaded, None, notice, None)?,
    )
}

fn values_of(form: &super::Form) -> ActionValues {
    ActionValues {
        reason: form.text("reason").unwrap_or_default(),
        retention_end: form.text("retention_end").unwrap_or_default(),
        to_library_id: form.text("to_library_id").unwrap_or_default(),
    }
}

/// The form's fields as the API's action body.
fn request_of(form: &super::Form, errors: &mut ValidationErrors) -> (Option<i32>, ActionRequest) {
    let version = match form.text("version") {
        None => {
            errors.add("version", "version is required");
            None
        }
        Some(v) => errors.check(
            "version",
            v.parse::<i32>()
                .map_err(|_| format!("version {v:?} is not a number")),
        ),
    };
    let body = ActionRequest {
        version: None,
        reason: form.text("reason"),
        retention_end: form.text("retention_end"),
        to_library_id: form.id("to_library_id", errors),
        as_of: form.parsed("as_of", errors, |v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| format!("{v:?} is not a date (YYYY-MM-DD)"))
        }),
    };
    (version, body)
}

pub async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    submitted: SignedInForm,
) -> Result<HttpResponse, PageError> {
    let SignedInForm { user, form } = submitted;
    let (id, name) = path.into_inner();
    let kind =
        ActionKind::parse(&name).ok_or_else(|| ApiError::NotFound(format!("action {name:?}")))?;
    let values = values_of(&form);
    let mut errors = ValidationErrors::new();
    let (version, body) = request_of(&form, &mut errors);
    let action = match parse_action(kind, body, Utc::now().date_naive()) {
        Ok(action) => Some(action),
        Err(invalid) => {
            errors.0.extend(invalid.0);
            None
        }
    };
    let outcome = match (version, action, errors.is_empty()) {
        (Some(version), Some(action), true) => {
            let actor = user.actor.clone();
            state
                .db
                .write(move |conn| actions::act(conn, &actor, id, version, action))
                .await
                .map(|acted| acted.coverage_after)
        }
        _ => Err(DbError::Invalid(errors)),
    };
    let (status, failed, problem) = match outcome {
        Ok(None) => return Ok(see_other(&format!("/commitments/{id}?done={kind}"))),
        Ok(Some(left)) => {
            return Ok(see_other(&format!(
                "/commitments/{id}?done={kind}&kept={}&target={}",
                left.committed, left.target_copies
            )))
        }
        Err(DbError::Invalid(errors)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Failed {
                kind,
                values,
                errors,
            }),
            None,
        ),
        Err(conflict @ DbError::Conflict { .. }) => {
            let message = ApiError::from(conflict).body().error.message;
            (
                StatusCode::CONFLICT,
                None,
                Some(format!(
                    "Someone else acted first: {message}. This is the commitment as it is now."
                )),
            )
        }
        Err(other) => return Err(other.into()),
    };
    let actor = user.actor.clone();
    let loaded = state.db.read(move |conn| load(conn, &actor, id)).await?;
    render(status, &page(&req, &user, loaded, failed, None, problem)?)
}
