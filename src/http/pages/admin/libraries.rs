//! `/admin/libraries`: the libraries and the programs they belong to; create a library.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::{done_notice, AdminForm, PageAdmin};
use crate::db::audit::AuditActor;
use crate::db::models::libraries::{self, LibraryRow};
use crate::db::models::programs;
use crate::db::{DbError, MAX_PAGE};
use crate::domain::organisations::NewLibrary;
use crate::http::extractors::CurrentUser;
use crate::http::pages::{render, see_other, Chrome, FieldErrors, Form, PageError, Section};
use crate::http::AppState;

pub struct LibraryEntry {
    pub library: LibraryRow,
    pub programs: String,
}

#[derive(Template)]
#[template(path = "admin_libraries.html")]
struct LibrariesPage {
    chrome: Chrome,
    notice: Option<String>,
    libraries: Vec<LibraryEntry>,
    values: Form,
    errors: FieldErrors,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    values: Form,
    errors: FieldErrors,
) -> Result<LibrariesPage, PageError> {
    let (libraries, programs, memberships) = state
        .db
        .read(|conn| {
            Ok((
                libraries::of_programs(conn, None)?,
                programs::list(conn, None, MAX_PAGE)?.items,
                programs::all_memberships(conn)?,
            ))
        })
        .await?;
    let codes: HashMap<String, String> = programs.into_iter().map(|p| (p.id, p.code)).collect();
    let mut of_library: HashMap<String, Vec<String>> = HashMap::new();
    for (program, library) in memberships {
        if let Some(code) = codes.get(&program) {
            of_library.entry(library.id).or_default().push(code.clone());
        }
    }
    Ok(LibrariesPage {
        chrome: Chrome::new(req, user, Section::Admin),
        notice: done_notice(req.query_string()),
        libraries: libraries
            .into_iter()
            .map(|library| LibraryEntry {
                programs: of_library
                    .remove(&library.id)
                    .map(|codes| codes.join(", "))
                    .unwrap_or_default(),
                library,
            })
            .collect(),
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
    let outcome = match NewLibrary::parse(
        form.text("name"),
        form.text("oclc_symbol"),
        form.text("marc_org_code"),
    ) {
        Ok(library) => {
            let actor = AuditActor::from(&submitted.user.actor);
            state
                .db
                .write(move |conn| libraries::create(conn, &actor, library))
                .await
                .map(|_| ())
        }
        Err(invalid) => Err(DbError::Invalid(invalid)),
    };
    match outcome {
        Ok(()) => Ok(see_other("/admin/libraries?done=library")),
        Err(DbError::Invalid(errors)) => {
            let page = page(
                &req,
                &state,
                &submitted.user,
                form,
                FieldErrors::of(&errors),
            )
            .await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}
