//! `/admin/programs`: the programs with their members; create a program, add a member.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use uuid::Uuid;

use super::{done_notice, AdminForm, PageAdmin};
use crate::db::audit::AuditActor;
use crate::db::models::libraries::{self, LibraryRow};
use crate::db::models::programs::{self, ProgramRow};
use crate::db::{DbError, MAX_PAGE};
use crate::domain::organisations::{NewProgram, ProgramInput};
use crate::domain::ValidationErrors;
use crate::http::extractors::CurrentUser;
use crate::http::pages::{
    checked, render, see_other, Chrome, FieldErrors, Form, PageError, Section,
};
use crate::http::AppState;

pub struct ProgramEntry {
    pub program: ProgramRow,
    pub members: Vec<LibraryRow>,
    /// Libraries that may still join.
    pub others: Vec<LibraryRow>,
    pub member_error: String,
}

#[derive(Template)]
#[template(path = "admin_programs.html")]
struct ProgramsPage {
    chrome: Chrome,
    notice: Option<String>,
    programs: Vec<ProgramEntry>,
    values: Form,
    errors: FieldErrors,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    values: Form,
    errors: FieldErrors,
    member_error: Option<(String, String)>,
) -> Result<ProgramsPage, PageError> {
    let (programs, libraries, memberships) = state
        .db
        .read(|conn| {
            Ok((
                programs::list(conn, None, MAX_PAGE)?.items,
                libraries::of_programs(conn, None)?,
                programs::all_memberships(conn)?,
            ))
        })
        .await?;
    let mut by_program: HashMap<String, Vec<LibraryRow>> = HashMap::new();
    for (program, library) in memberships {
        by_program.entry(program).or_default().push(library);
    }
    let programs = programs
        .into_iter()
        .map(|program| {
            let members = by_program.remove(&program.id).unwrap_or_default();
            let others = libraries
                .iter()
                .filter(|l| !members.iter().any(|m| m.id == l.id))
                .cloned()
                .collect();
            let member_error = match &member_error {
                Some((id, message)) if *id == program.id => message.clone(),
                _ => String::new(),
            };
            ProgramEntry {
                program,
                members,
                others,
                member_error,
            }
        })
        .collect();
    Ok(ProgramsPage {
        chrome: Chrome::new(req, user, Section::Admin),
        notice: done_notice(req.query_string()),
        programs,
        values,
        errors,
    })
}

pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    admin: PageAdmin,
) -> Result<HttpResponse, PageError> {
    let page = page(
        &req,
        &state,
        &admin.0,
        Form::default(),
        FieldErrors::default(),
        None,
    )
    .await?;
    render(StatusCode::OK, &page)
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    submitted: AdminForm,
) -> Result<HttpResponse, PageError> {
    let AdminForm(submitted) = submitted;
    let form = submitted.form;
    let mut errors = ValidationErrors::new();
    let target_copies = form.parsed("target_copies", &mut errors, |v| {
        v.parse::<i64>()
            .map_err(|_| format!("target_copies {v:?} is not a number"))
    });
    let parsed = NewProgram::parse(ProgramInput {
        code: form.text("code"),
        name: form.text("name"),
        uri: form.text("uri"),
        target_copies,
        default_retention_end: form.text("default_retention_end"),
    });
    let outcome = match checked(errors, parsed) {
        Ok(program) => {
            let actor = AuditActor::from(&submitted.user.actor);
            state
                .db
                .write(move |conn| programs::create(conn, &actor, program))
                .await
                .map(|_| ())
        }
        Err(invalid) => Err(invalid),
    };
    match outcome {
        Ok(()) => Ok(see_other("/admin/programs?done=program")),
        Err(DbError::Invalid(errors)) => {
            let page = page(
                &req,
                &state,
                &submitted.user,
                form,
                FieldErrors::of(&errors),
                None,
            )
            .await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn add_member(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    submitted: AdminForm,
) -> Result<HttpResponse, PageError> {
    let AdminForm(submitted) = submitted;
    let program_id = path.into_inner();
    let mut errors = ValidationErrors::new();
    let library_id = submitted.form.id("library_id", &mut errors);
    let outcome = match library_id {
        Some(library_id) if errors.is_empty() => {
            let actor = AuditActor::from(&submitted.user.actor);
            state
                .db
                .write(move |conn| programs::add_member(conn, &actor, program_id, library_id))
                .await
                .map(|_| ())
        }
        _ => {
            if errors.is_empty() {
                errors.add("library_id", "choose a library");
            }
            Err(DbError::Invalid(errors))
        }
    };
    match outcome {
        Ok(()) => Ok(see_other("/admin/programs?done=member")),
        Err(DbError::Invalid(errors)) => {
            let messages: Vec<String> = errors.0.iter().map(|e| e.message.clone()).collect();
            let page = page(
                &req,
                &state,
                &submitted.user,
                Form::default(),
                FieldErrors::default(),
                Some((program_id.to_string(), messages.join("; "))),
            )
            .await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}
