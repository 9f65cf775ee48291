//! `GET /commitments`: the list with every filter of the API as query parameters, keyset-paged
//! both ways; and `POST /commitments/bulk`: accepting or declining several proposals at once, each
//! its own version-checked, audited action, with a report of which succeeded.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::options::{self, library_choices, program_choices, Libraries};
use super::session::PageUser;
use super::view::{words, CommitmentLine};
use super::{choices, render, Choice, Chrome, FieldErrors, PageError, Section, SignedInForm};
use crate::db::models::actions;
use crate::db::models::commitments::{self, CommitmentFilter};
use crate::db::{Page, MAX_PAGE};
use crate::domain::commitment::Status;
use crate::domain::identifiers::OclcNumber;
use crate::domain::workflow::{self, Action, ActionKind, Side};
use crate::domain::{Actor, ValidationErrors};
use crate::error::ApiError;
use crate::http::pagination::{decode_cursor, encode_cursor, DEFAULT_LIMIT};
use crate::http::query;
use crate::http::AppState;

/// The list's query parameters, as typed (a filter form sends empty fields as empty strings).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListParams {
    pub program_id: Option<String>,
    pub library_id: Option<String>,
    pub status: Option<String>,
    pub oclc_number: Option<String>,
    pub q: Option<String>,
    pub expiring_before: Option<String>,
    pub updated_since: Option<String>,
    pub proposed_by: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub before: Option<String>,
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// `updated_since` as an RFC 3339 instant, or a day (its start, UTC).
pub fn parse_since(value: &str) -> Result<chrono::NaiveDateTime, String> {
    if let Ok(at) = DateTime::parse_from_rfc3339(value) {
        return Ok(at.with_timezone(&Utc).naive_utc());
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .ok_or_else(|| format!("{value:?} is neither a day (YYYY-MM-DD) nor an instant (RFC 3339)"))
}

impl ListParams {
    /// The filter these parameters ask for, limited to what `actor` may read, and the page size.
    pub fn filter(&self, actor: &Actor) -> Result<(CommitmentFilter, i64), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let id = |errors: &mut ValidationErrors, field: &str, value: &Option<String>| {
            given(value).and_then(|v| {
                errors.check(
                    field,
                    Uuid::parse_str(v).map_err(|_| format!("{v:?} is not an id")),
                )
            })
        };
        let program_id = id(&mut errors, "program_id", &self.program_id);
        let library_id = id(&mut errors, "library_id", &self.library_id);
        let status = given(&self.status).and_then(|v| errors.check("status", Status::parse(v)));
        let oclc_number = given(&self.oclc_number)
            .and_then(|v| errors.check("oclc_number", OclcNumber::parse(v)));
        let expiring_before = given(&self.expiring_before).and_then(|v| {
            errors.check(
                "expiring_before",
                NaiveDate::parse_from_str(v, "%Y-%m-%d")
                    .map_err(|_| format!("{v:?} is not a date (YYYY-MM-DD)")),
            )
        });
        let updated_since =
            given(&self.updated_since).and_then(|v| errors.check("updated_since", parse_since(v)));
        let proposed_by = given(&self.proposed_by).and_then(|v| {
            errors.check(
                "proposed_by",
                match v {
                    "library" => Ok(Side::Library),
                    "program" => Ok(Side::Program),
                    other => Err(format!("{other:?} is not one of library, program")),
                },
            )
        });
        let limit = match given(&self.limit) {
            None => Some(DEFAULT_LIMIT),
            Some(v) => errors.check(
                "limit",
                v.parse::<i64>()
                    .ok()
                    .filter(|n| (1..=MAX_PAGE).contains(n))
                    .ok_or_else(|| format!("limit must be between 1 and {MAX_PAGE}")),
            ),
        };
        errors.into_result()?;
        let filter = CommitmentFilter {
            program_id,
            library_id,
            status,
            oclc_number,
            q: given(&self.q).map(str::to_owned),
            expiring_before,
            updated_since,
            proposed_by,
            proposer_role: None,
            visible_programs: None,
        }
        .for_actor(actor);
        Ok((filter, limit.unwrap_or(DEFAULT_LIMIT)))
    }

    /// This list's query string with another cursor: `("cursor" | "before", key)`.
    fn with_cursor(&self, name: &str, key: &str) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (field, value) in [
            ("program_id", &self.program_id),
            ("library_id", &self.library_id),
            ("status", &self.status),
            ("oclc_number", &self.oclc_number),
            ("q", &self.q),
            ("expiring_before", &self.expiring_before),
            ("updated_since", &self.updated_since),
            ("proposed_by", &self.proposed_by),
            ("limit", &self.limit),
        ] {
            if let Some(value) = given(value) {
                query.append_pair(field, value);
            }
        }
        query.append_pair(name, &encode_cursor(key));
        format!("/commitments?{}", query.finish())
    }

    /// This list's own address (to come back to after a bulk action).
    fn address(&self, req: &HttpRequest) -> String {
        match req.query_string() {
            "" => "/commitments".to_owned(),
            query => format!("/commitments?{query}"),
        }
    }
}

/// A row of the list, and whether this user may accept or decline it from the list.
pub struct ListRow {
    pub line: CommitmentLine,
    pub selectable: bool,
}

#[derive(Template)]
#[template(path = "commitments.html")]
struct ListPage {
    chrome: Chrome,
    params: ListParams,
    errors: FieldErrors,
    programs: Vec<Choice>,
    libraries: Vec<Choice>,
    statuses: Vec<Choice>,
    sides: Vec<Choice>,
    limits: Vec<Choice>,
    rows: Vec<ListRow>,
    any_selectable: bool,
    next: Option<String>,
    previous: Option<String>,
    back: String,
}

impl ListPage {
    fn value<'a>(&self, value: &'a Option<String>) -> &'a str {
        value.as_deref().unwrap_or("")
    }
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let params: ListParams = query::read(req.query_string())?;
    let actor = user.actor.clone();
    let parsed = params.filter(&actor);
    let after = given(&params.cursor).map(|c| decode_cursor(c).ok_or(c.to_owned()));
    let before = given(&params.before).map(|c| decode_cursor(c).ok_or(c.to_owned()));
    let (after, before) = match (after.transpose(), before.transpose()) {
        (Ok(after), Ok(before)) => (after, before),
        _ => {
            return Err(
                ApiError::BadRequest("the cursor is not one this service issued".into()).into(),
            )
        }
    };
    let query_actor = actor.clone();
    let filter = parsed.as_ref().ok().cloned();
    let (options, page) = state
        .db
        .read(move |conn| {
            let options = options::load(conn, &query_actor, Libraries::Read)?;
            let page = match filter {
                None => None,
                Some((filter, limit)) => Some(match &before {
                    Some(before) => commitments::list_before(conn, &filter, before, limit)?,
                    None => commitments::list(conn, &filter, after.as_deref(), limit)?,
                }),
            };
            Ok((options, page))
        })
        .await?;
    let (programs, libraries) = options;
    let paging_back = given(&params.before).is_some();
    let (next, previous) = match &page {
        None => (None, None),
        Some(Page { items, next_after }) => {
            let first = items.first().map(|r| r.commitment.id.clone());
            let last = items.last().map(|r| r.commitment.id.clone());
            if paging_back {
                (
                    last.map(|k| params.with_cursor("cursor", &k)),
                    next_after.as_ref().map(|k| params.with_cursor("before", k)),
                )
            } else {
                (
                    next_after.as_ref().map(|k| params.with_cursor("cursor", k)),
                    given(&params.cursor)
                        .and(first)
                        .map(|k| params.with_cursor("before", &k)),
                )
            }
        }
    };
    let today = Utc::now().date_naive();
    let rows: Vec<ListRow> = page
        .map(|p| p.items)
        .unwrap_or_default()
        .iter()
        .map(|record| {
            let offered = record
                .commitment
                .facts()
                .map(|facts| workflow::available(&facts, &actor, today))
                .unwrap_or_default();
            ListRow {
                line: CommitmentLine::of(record),
                selectable: offered.contains(&ActionKind::Accept)
                    && offered.contains(&ActionKind::Decline),
            }
        })
        .collect();
    let errors = match &parsed {
        Ok(_) => FieldErrors::default(),
        Err(errors) => FieldErrors::of(errors),
    };
    let status = if parsed.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let current = |v: &Option<String>| given(v).map(str::to_owned);
    let (program_now, library_now, status_now, side_now, limit_now) = (
        current(&params.program_id),
        current(&params.library_id),
        current(&params.status),
        current(&params.proposed_by),
        current(&params.limit).unwrap_or_else(|| DEFAULT_LIMIT.to_string()),
    );
    let page = ListPage {
        chrome: Chrome::new(&req, &user, Section::Commitments),
        programs: program_choices(programs, program_now.as_deref()),
        libraries: library_choices(libraries, library_now.as_deref()),
        statuses: choices(
            Status::ALL
                .iter()
                .map(|s| (s.as_str().to_owned(), words(s.as_str()))),
            status_now.as_deref(),
        ),
        sides: choices(
            [
                ("library".to_owned(), "the library".to_owned()),
                ("program".to_owned(), "the program (allocations)".to_owned()),
            ],
            side_now.as_deref(),
        ),
        limits: choices(
            [25, 50, 100, 250, 1000].map(|n| (n.to_string(), n.to_string())),
            Some(limit_now.as_str()),
        ),
        any_selectable: rows.iter().any(|r| r.selectable),
        rows,
        next,
        previous,
        back: params.address(&req),
        errors,
        params,
    };
    render(status, &page)
}

/// One proposal's outcome in a bulk action.
pub struct BulkLine {
    pub id: String,
    pub title: String,
    pub ok: bool,
    pub message: String,
}

#[derive(Template)]
#[template(path = "bulk.html")]
struct BulkPage {
    chrome: Chrome,
    action: String,
    lines: Vec<BulkLine>,
    succeeded: usize,
    failed: usize,
    back: String,
}

/// `ID:VERSION` of a selected row.
fn selected(value: &str) -> Option<(Uuid, i32)> {
    let (id, version) = value.split_once(':')?;
    Some((Uuid::parse_str(id).ok()?, version.parse().ok()?))
}

pub async fn bulk(
    req: HttpRequest,
    state: web::Data<AppState>,
    submitted: SignedInForm,
) -> Result<HttpResponse, PageError> {
    let SignedInForm { user, form } = submitted;
    let mut errors = ValidationErrors::new();
    let action = match form.text("action").as_deref() {
        Some("accept") => Some(Action::Accept),
        Some("decline") => match form.text("reason") {
            Some(reason) => Some(Action::Decline { reason }),
            None => {
                errors.add("reason", "give a reason to decline the selected proposals");
                None
            }
        },
        _ => {
            errors.add("action", "choose accept or decline");
            None
        }
    };
    let chosen: Vec<String> = form.all("commitment");
    if chosen.is_empty() {
        errors.add("commitment", "select at least one proposal");
    }
    errors.into_result()?;
    let action = action.ok_or_else(|| ValidationErrors::one("action", "choose an action"))?;
    let mut lines = Vec::with_capacity(chosen.len());
    for value in chosen {
        let Some((id, version)) = selected(&value) else {
            lines.push(BulkLine {
                id: String::new(),
                title: value.clone(),
                ok: false,
                message: "not a selection this page made".into(),
            });
            continue;
        };
        let actor = user.actor.clone();
        let act = action.clone();
        // Each its own transaction and audit event: one refusal does not undo the others.
        let outcome = state
            .db
            .write(move |conn| actions::act(conn, &actor, id, version, act))
            .await;
        lines.push(match outcome {
            Ok(acted) => BulkLine {
                id: id.to_string(),
                title: acted.record.title.title.clone(),
                ok: true,
                message: match acted.coverage_after {
                    Some(left) => format!(
                        "now {}; the program keeps {} of its {} copies of this title",
                        words(&acted.record.commitment.status),
                        left.committed,
                        left.target_copies
                    ),
                    None => format!("now {}", words(&acted.record.commitment.status)),
                },
            },
            Err(error) => {
                let error = ApiError::from(error);
                BulkLine {
                    id: id.to_string(),
                    title: String::new(),
                    ok: false,
                    message: error.body().error.message,
                }
            }
        });
    }
    let back = form
        .text("back")
        .filter(|b| b.starts_with("/commitments"))
        .unwrap_or_else(|| "/commitments".to_owned());
    let succeeded = lines.iter().filter(|l| l.ok).count();
    let page = BulkPage {
        chrome: Chrome::new(&req, &user, Section::Commitments),
        action: words(action.name()),
        failed: lines.len() - succeeded,
        succeeded,
        lines,
        back,
    };
    render(StatusCode::OK, &page)
}
