//! Allocation scenarios in the browser, for the program's coordinators and admins:
//! `GET /programs/{id}/scenarios` (the scenarios so far and the form of rules), `GET /scenarios/{id}`
//! (allocations per library, the first allocations, the CSV, apply and delete).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use uuid::Uuid;

use super::session::PageUser;
use super::{render, see_other, Chrome, FieldErrors, PageError, Section, SignedInForm};
use crate::analysis::scenarios::TitleChoice;
use crate::db::models::libraries::{self, LibraryRow};
use crate::db::models::programs::{self, ProgramRow};
use crate::db::models::scenarios::{self as store, AllocationRow, ScenarioRow};
use crate::db::DbError;
use crate::domain::allocation::Preference;
use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::http::api::scenarios::{
    create_scenario, managed, may_manage, view_of, ScenarioRequest, ScenarioView,
};
use crate::http::extractors::CurrentUser;
use crate::http::AppState;

/// Allocations shown on the scenario's page; the CSV has all.
const PREVIEW: i64 = 100;

pub struct FormValues {
    pub name: String,
    pub titles: String,
    pub prefer: Vec<String>,
    pub max_per_library: String,
    pub exclude: Vec<String>,
    pub retention_end: String,
}

impl FormValues {
    pub fn prefers(&self, preference: &str) -> bool {
        self.prefer.iter().any(|p| p == preference)
    }

    pub fn excludes(&self, library_id: &str) -> bool {
        self.exclude.iter().any(|l| l == library_id)
    }
}

#[derive(Template)]
#[template(path = "scenarios.html")]
struct ScenariosPage {
    chrome: Chrome,
    program: ProgramRow,
    scenarios: Vec<ScenarioRow>,
    members: Vec<LibraryRow>,
    values: FormValues,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "scenario.html")]
struct ScenarioPage {
    chrome: Chrome,
    program: ProgramRow,
    scenario: ScenarioView,
    allocations: Vec<AllocationRow>,
    notice: Option<String>,
}

async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    program_id: Uuid,
    values: FormValues,
    errors: FieldErrors,
) -> Result<ScenariosPage, PageError> {
    let actor = user.actor.clone();
    let (program, scenarios, members) = state
        .db
        .read(move |conn| {
            let program = programs::find(conn, program_id)?;
            may_manage(&actor, program_id)?;
            let scenarios = store::of_program(conn, &program.id)?;
            let members = libraries::of_programs(conn, Some(&[program_id]))?;
            Ok((program, scenarios, members))
        })
        .await?;
    Ok(ScenariosPage {
        chrome: Chrome::new(req, user, Section::Dashboard),
        program,
        scenarios,
        members,
        values,
        errors,
    })
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let values = FormValues {
        name: String::new(),
        titles: "both".into(),
        prefer: vec!["storage_facility".into(), "fewest_allocations".into()],
        max_per_library: String::new(),
        exclude: Vec::new(),
        retention_end: String::new(),
    };
    let page = list_page(
        &req,
        &state,
        &user.0,
        path.into_inner(),
        values,
        FieldErrors::default(),
    )
    .await?;
    render(StatusCode::OK, &page)
}

fn parse_choice<T: serde::de::DeserializeOwned>(value: &str) -> Option<T> {
    serde_json::from_value(serde_json::Value::String(value.to_owned())).ok()
}

/// Runs the scenario of the form and shows it, or the form again with its problems.
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: SignedInForm,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let (user, form) = (form.user, form.form);
    let program_id = path.into_inner();
    let values = FormValues {
        name: form.value("name"),
        titles: form.value("titles"),
        prefer: form.all("prefer"),
        max_per_library: form.value("max_per_library"),
        exclude: form.all("exclude_library_ids"),
        retention_end: form.value("retention_end"),
    };
    let mut read = ValidationErrors::new();
    let titles = match values.titles.as_str() {
        "" => None,
        other => {
            let parsed = parse_choice::<TitleChoice>(other);
            if parsed.is_none() {
                read.add("titles", "choose unretained, at risk or both");
            }
            parsed
        }
    };
    let mut prefer = Vec::new();
    for p in &values.prefer {
        match parse_choice::<Preference>(p) {
            Some(p) if !prefer.contains(&p) => prefer.push(p),
            Some(_) => {}
            None => read.add("prefer", format!("{p:?} is not a preference")),
        }
    }
    let max_per_library = match values.max_per_library.as_str() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                read.add("max_per_library", "a whole number of titles");
                None
            }
        },
    };
    let exclude = values
        .exclude
        .iter()
        .filter_map(|v| Uuid::parse_str(v).ok())
        .collect();
    let request = ScenarioRequest {
        name: Some(values.name.clone()),
        titles,
        prefer,
        max_per_library,
        exclude_library_ids: exclude,
        retention_end: Some(values.retention_end.clone()).filter(|v| !v.is_empty()),
    };
    let rules = match super::checked(read, request.parse()) {
        Ok(rules) => rules,
        Err(DbError::Invalid(errors)) => {
            let page = list_page(
                &req,
                &state,
                &user,
                program_id,
                values,
                FieldErrors::of(&errors),
            )
            .await?;
            return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(other) => return Err(other.into()),
    };
    let db = state.db.clone();
    let actor = user.actor.clone();
    let view =
        tokio::task::spawn_blocking(move || create_scenario(&db, &actor, program_id, &rules))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(see_other(&format!("/scenarios/{}", view.id)))
}

#[derive(serde::Deserialize)]
pub struct ShowQuery {
    format: Option<String>,
    created: Option<u64>,
    skipped: Option<u64>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let user = user.0;
    let id = path.into_inner();
    let query: ShowQuery = crate::http::query::read(req.query_string())?;
    let actor = user.actor.clone();
    let (program, scenario, allocations) = state
        .db
        .read(move |conn| {
            let row = managed(conn, &actor, id)?;
            let program = programs::find(conn, crate::db::models::parse_id(&row.program_id)?)?;
            let allocations = store::allocations(conn, &row.id, None, PREVIEW)?;
            Ok((program, view_of(conn, row)?, allocations))
        })
        .await?;
    if query.format.as_deref() == Some("csv") {
        let db = state.db.clone();
        let scenario_id = scenario.id.to_string();
        return Ok(crate::http::api::exports::stream(
            "text/csv; charset=utf-8",
            "allocations.csv",
            Vec::new(),
            move |sink| crate::http::api::scenarios::allocations_csv(&db, &scenario_id, sink),
        )
        .await?);
    }
    let notice = query.created.map(|created| {
        format!(
            "Applied: {created} proposals were sent to the libraries{}.",
            match query.skipped {
                Some(n) if n > 0 => format!(" ({n} already covered by a live commitment)"),
                _ => String::new(),
            }
        )
    });
    let page = ScenarioPage {
        chrome: Chrome::new(&req, &user, Section::Dashboard),
        program,
        scenario,
        allocations,
        notice,
    };
    render(StatusCode::OK, &page)
}

pub async fn apply(
    state: web::Data<AppState>,
    form: SignedInForm,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let db = state.db.clone();
    let actor = form.user.actor.clone();
    let applied = tokio::task::spawn_blocking(move || {
        let row = managed(&mut *db.conn()?, &actor, id)?;
        crate::analysis::scenarios::apply(&db, &actor, &row)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(see_other(&format!(
        "/scenarios/{id}?created={}&skipped={}",
        applied.created, applied.skipped_duplicates
    )))
}

pub async fn delete(
    state: web::Data<AppState>,
    form: SignedInForm,
    path: web::Path<Uuid>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let actor = form.user.actor.clone();
    let db = state.db.clone();
    let program_id = tokio::task::spawn_blocking(move || {
        let row = managed(&mut *db.conn()?, &actor, id)?;
        crate::analysis::scenarios::delete(&db, &actor, &row)?;
        Ok::<_, DbError>(row.program_id)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(see_other(&format!("/programs/{program_id}/scenarios")))
}
