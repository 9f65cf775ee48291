//! `GET /`: what waits for the signed-in person, counts by status, the expiry chart and the
//! programs they take part in.
//!
//! What waits is read off the workflow's sides: proposals from the other side are theirs to accept
//! or decline, their own side's proposals wait for the other, and release requests wait for those
//! who decide them. A collection manager sees its library; others their programs (admins all).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use uuid::Uuid;

use super::chart::ExpiryChart;
use super::session::PageUser;
use super::view::{words, CommitmentLine, EventLine};
use super::{render, Chrome, PageError, Section};
use crate::db::audit;
use crate::db::models::commitments::{self, CommitmentFilter};
use crate::db::models::last_copies::{self, FellBelow};
use crate::db::models::summary::{self, CountScope};
use crate::db::models::{programs, users};
use crate::db::{DbConnection, DbError, MAX_PAGE};
use crate::domain::commitment::Status;
use crate::domain::workflow::{self, Side};
use crate::domain::Actor;
use crate::http::AppState;

/// Rows shown in each list of the dashboard.
const SHOWN: i64 = 10;

pub struct Queue {
    pub heading: String,
    pub empty: String,
    pub lines: Vec<CommitmentLine>,
    /// The full list on `/commitments`, when there are more than shown.
    pub more: Option<String>,
}

pub struct StatusCount {
    pub status: &'static str,
    pub label: String,
    pub count: i64,
    pub href: String,
}

pub struct ProgramLink {
    pub id: String,
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    scope: String,
    counts: Vec<StatusCount>,
    queues: Vec<Queue>,
    events: Vec<EventLine>,
    show_events: bool,
    chart: ExpiryChart,
    programs: Vec<ProgramLink>,
    /// For coordinators and admins: titles that fell below target in the last 30 days.
    fell_below: Option<Vec<FellBelow>>,
    /// The programs whose coverage and scenarios the user may work with.
    coordinates: bool,
}

/// The lists of commitments that wait for `actor`, or for the other side on `actor`'s behalf.
fn queue_filters(actor: &Actor) -> Vec<(String, String, CommitmentFilter)> {
    let mut base = CommitmentFilter::default().for_actor(actor);
    base.library_id = actor.library_id;
    let mut queues = Vec::new();
    let Some(side) = workflow::side_of_actor(actor) else {
        return queues;
    };
    let proposals = |from: Side| CommitmentFilter {
        status: Some(Status::Proposed),
        proposed_by: Some(from),
        ..base.clone()
    };
    let (theirs, ours) = match side {
        Side::Library => (
            "Allocations for your library to accept or decline",
            "Your library's proposals waiting for the program",
        ),
        Side::Program => (
            "Proposals from libraries to accept or decline",
            "Allocations waiting for the libraries",
        ),
    };
    queues.push((
        theirs.to_owned(),
        "Nothing waits for your decision.".to_owned(),
        proposals(side.other()),
    ));
    if workflow::decides_releases(actor) {
        queues.push((
            "Release requests to approve or deny".to_owned(),
            "No library has asked to be released.".to_owned(),
            CommitmentFilter {
                status: Some(Status::ReleaseRequested),
                ..base.clone()
            },
        ));
    }
    queues.push((ours.to_owned(), "None open.".to_owned(), proposals(side)));
    queues
}

/// The `/commitments` query that lists what `filter` selects.
pub fn list_link(filter: &CommitmentFilter) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    if let Some(status) = filter.status {
        query.append_pair("status", status.as_str());
    }
    if let Some(side) = filter.proposed_by {
        query.append_pair(
            "proposed_by",
            match side {
                Side::Library => "library",
                Side::Program => "program",
            },
        );
    }
    if let Some(library) = filter.library_id {
        query.append_pair("library_id", &library.to_string());
    }
    if let Some(program) = filter.program_id {
        query.append_pair("program_id", &program.to_string());
    }
    format!("/commitments?{}", query.finish())
}

fn load_queue(
    conn: &mut DbConnection,
    (heading, empty, filter): (String, String, CommitmentFilter),
) -> Result<Queue, DbError> {
    let page = commitments::list(conn, &filter, None, SHOWN)?;
    Ok(Queue {
        heading,
        empty,
        more: page.next_after.is_some().then(|| list_link(&filter)),
        lines: page.items.iter().map(CommitmentLine::of).collect(),
    })
}

/// The latest changes in `programs` (all for `None`), with their actors and subjects named.
pub fn latest_events(
    conn: &mut DbConnection,
    programs: Option<&[Uuid]>,
    limit: i64,
) -> Result<Vec<EventLine>, DbError> {
    let events = audit::latest(conn, programs, limit)?;
    let actor_ids: Vec<String> = events.iter().filter_map(|e| e.actor_id.clone()).collect();
    let names = users::names(conn, &actor_ids)?;
    let commitment_ids: Vec<String> = events
        .iter()
        .filter_map(|e| e.commitment_id.clone())
        .collect();
    let subjects = commitments::subjects(conn, &commitment_ids)?;
    Ok(events
        .iter()
        .map(|e| EventLine::of(e, &names, &subjects))
        .collect())
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let actor = user.actor.clone();
    let today = Utc::now().date_naive();
    let show_events = workflow::side_of_actor(&actor).is_none() || actor.is_admin();
    let (counts, queues, events, per_year, programs, scope_library, fell_below) = state
        .db
        .read(move |conn| {
            let visible = (!actor.is_admin()).then(|| actor.program_ids.clone());
            let scope = CountScope {
                programs: visible.clone(),
                library: actor.library_id,
            };
            let counts = summary::by_status(conn, &scope)?;
            let queues = queue_filters(&actor)
                .into_iter()
                .map(|q| load_queue(conn, q))
                .collect::<Result<Vec<_>, _>>()?;
            let events = if show_events {
                latest_events(conn, visible.as_deref(), SHOWN)?
            } else {
                Vec::new()
            };
            let per_year = summary::ending_by_year(conn, &scope, today)?;
            let programs: Vec<ProgramLink> = programs::list(conn, None, MAX_PAGE)?
                .items
                .into_iter()
                .filter(|p| Uuid::parse_str(&p.id).is_ok_and(|id| actor.can_read_program(id)))
                .map(|p| ProgramLink {
                    id: p.id,
                    code: p.code,
                    name: p.name,
                })
                .collect();
            let library = match actor.library_id {
                Some(id) => Some(crate::db::models::libraries::find(conn, id)?),
                None => None,
            };
            let fell_below = if actor.is_admin() || actor.role == crate::domain::Role::Coordinator {
                let since = (Utc::now() - chrono::Duration::days(30)).naive_utc();
                Some(last_copies::fell_below(
                    conn,
                    visible.as_deref(),
                    since,
                    SHOWN * 2,
                )?)
            } else {
                None
            };
            Ok((
                counts, queues, events, per_year, programs, library, fell_below,
            ))
        })
        .await?;
    let library_filter = user.actor.library_id;
    let counts: HashMap<String, i64> = counts.into_iter().collect();
    let counts = Status::ALL
        .iter()
        .map(|status| {
            let filter = CommitmentFilter {
                status: Some(*status),
                library_id: library_filter,
                ..Default::default()
            };
            StatusCount {
                status: status.as_str(),
                label: words(status.as_str()),
                count: counts.get(status.as_str()).copied().unwrap_or(0),
                href: list_link(&filter),
            }
        })
        .collect();
    let scope = match (&scope_library, user.actor.is_admin()) {
        (Some(library), _) => format!("{} ({})", library.name, library.oclc_symbol),
        (None, true) => "every program".to_owned(),
        (None, false) => {
            let codes: Vec<&str> = programs.iter().map(|p| p.code.as_str()).collect();
            codes.join(", ")
        }
    };
    let page = DashboardPage {
        chrome: Chrome::new(&req, &user, Section::Dashboard),
        scope,
        counts,
        queues,
        events,
        show_events,
        chart: ExpiryChart::new(&per_year),
        coordinates: fell_below.is_some(),
        fell_below,
        programs,
    };
    render(StatusCode::OK, &page)
}
