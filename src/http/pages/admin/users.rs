//! `/admin/users`: the accounts (a hundred a page); create one, disable or enable it, set a new
//! password. Disabling and a new password end the user's sessions (the token version).

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use uuid::Uuid;

use super::{done_notice, AdminForm, PageAdmin};
use crate::db::audit::AuditActor;
use crate::db::models::libraries::{self, LibraryRow};
use crate::db::models::programs::{self, ProgramRow};
use crate::db::models::users::{self, AccountChange};
use crate::db::{DbError, MAX_PAGE};
use crate::domain::accounts::{NewUser, Password, UserInput};
use crate::domain::{Role, ValidationErrors};
use crate::error::ApiError;
use crate::http::api::users::hash_password;
use crate::http::extractors::CurrentUser;
use crate::http::pages::view::words;
use crate::http::pages::{
    checked, choices, render, see_other, Choice, Chrome, FieldErrors, Form, PageError, Section,
};
use crate::http::pagination::{decode_cursor, encode_cursor};
use crate::http::AppState;

/// Accounts per page.
const PER_PAGE: i64 = 100;

pub struct UserEntry {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub scope: String,
    pub disabled: bool,
    /// A failed password change for this user.
    pub password_error: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    chrome: Chrome,
    notice: Option<String>,
    users: Vec<UserEntry>,
    next: Option<String>,
    roles: Vec<Choice>,
    libraries: Vec<Choice>,
    programs: Vec<(ProgramRow, bool)>,
    values: Form,
    errors: FieldErrors,
}

struct Failure {
    form: Form,
    errors: FieldErrors,
    password_for: Option<(String, String)>,
}

async fn page(
    req: &HttpRequest,
    state: &AppState,
    user: &CurrentUser,
    failure: Option<Failure>,
) -> Result<UsersPage, PageError> {
    let after = form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "cursor")
        .map(|(_, v)| {
            decode_cursor(&v).ok_or_else(|| {
                ApiError::BadRequest("the cursor is not one this service issued".into())
            })
        })
        .transpose()?;
    let (accounts, libraries, programs) = state
        .db
        .read(move |conn| {
            Ok((
                users::list(conn, after.as_deref(), PER_PAGE)?,
                libraries::of_programs(conn, None)?,
                programs::list(conn, None, MAX_PAGE)?.items,
            ))
        })
        .await?;
    let symbols: HashMap<&str, &LibraryRow> =
        libraries.iter().map(|l| (l.id.as_str(), l)).collect();
    let codes: HashMap<String, &str> = programs
        .iter()
        .map(|p| (p.id.clone(), p.code.as_str()))
        .collect();
    let (values, errors, password_for) = match failure {
        Some(f) => (f.form, f.errors, f.password_for),
        None => (Form::default(), FieldErrors::default(), None),
    };
    let users = accounts
        .items
        .iter()
        .map(|account| {
            let scope = match (&account.user.library_id, account.role) {
                (Some(library), _) => symbols
                    .get(library.as_str())
                    .map(|l| format!("{} — {}", l.oclc_symbol, l.name))
                    .unwrap_or_default(),
                (None, Role::Admin) => "everything".to_owned(),
                (None, _) => account
                    .program_ids
                    .iter()
                    .filter_map(|p| codes.get(&p.to_string()).copied())
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            UserEntry {
                id: account.user.id.clone(),
                email: account.user.email.clone(),
                name: account.user.name.clone(),
                role: words(account.role.as_str()),
                scope,
                disabled: account.user.disabled,
                password_error: match &password_for {
                    Some((id, message)) if *id == account.user.id => message.clone(),
                    _ => String::new(),
                },
            }
        })
        .collect();
    let chosen_programs = values.all("program_ids");
    let chosen_role = values.text("role");
    let chosen_library = values.text("library_id");
    Ok(UsersPage {
        chrome: Chrome::new(req, user, Section::Admin),
        notice: done_notice(req.query_string()),
        users,
        next: accounts
            .next_after
            .map(|key| format!("/admin/users?cursor={}", encode_cursor(&key))),
        roles: choices(
            Role::ALL.map(|r| (r.as_str().to_owned(), words(r.as_str()))),
            chosen_role.as_deref(),
        ),
        libraries: choices(
            libraries
                .iter()
                .map(|l| (l.id.clone(), format!("{} — {}", l.oclc_symbol, l.name))),
            chosen_library.as_deref(),
        ),
        programs: programs
            .into_iter()
            .map(|p| {
                let chosen = chosen_programs.contains(&p.id);
                (p, chosen)
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
    let page = page(&req, &state, &admin.0, None).await?;
    render(StatusCode::OK, &page)
}

/// The form as the API's input. The form shows the library and the programs for every role; only
/// what the chosen role takes is passed on (a collection manager's library, the others' programs).
fn input_of(form: &Form, errors: &mut ValidationErrors) -> UserInput {
    let role = form.parsed("role", errors, Role::parse);
    let library_id = match role {
        Some(Role::CollectionManager) => form.id("library_id", errors),
        _ => None,
    };
    let program_ids = match role {
        Some(Role::Coordinator | Role::Auditor) => form
            .all("program_ids")
            .iter()
            .filter_map(|id| {
                errors.check(
                    "program_ids",
                    Uuid::parse_str(id).map_err(|_| format!("{id:?} is not an id")),
                )
            })
            .collect(),
        _ => Vec::new(),
    };
    UserInput {
        email: form.text("email"),
        name: form.text("name"),
        password: form.raw("password"),
        role,
        library_id,
        program_ids,
    }
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    submitted: AdminForm,
) -> Result<HttpResponse, PageError> {
    let AdminForm(submitted) = submitted;
    let form = submitted.form;
    let mut errors = ValidationErrors::new();
    let input = input_of(&form, &mut errors);
    let outcome = match checked(errors, NewUser::parse(input)) {
        Ok(new) => {
            let hash = hash_password(&state, new.password.clone()).await?;
            let actor = AuditActor::from(&submitted.user.actor);
            state
                .db
                .write(move |conn| users::create(conn, &actor, new, hash))
                .await
                .map(|_| ())
        }
        Err(invalid) => Err(invalid),
    };
    match outcome {
        Ok(()) => Ok(see_other("/admin/users?done=user")),
        Err(DbError::Invalid(errors)) => {
            let failure = Failure {
                form,
                errors: FieldErrors::of(&errors),
                password_for: None,
            };
            let page = page(&req, &state, &submitted.user, Some(failure)).await?;
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /admin/users/{id}`: `disabled=true|false`, or a new `password`.
pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<Uuid>,
    submitted: AdminForm,
) -> Result<HttpResponse, PageError> {
    let AdminForm(submitted) = submitted;
    let id = path.into_inner();
    let form = &submitted.form;
    let (change, done) = match (form.text("disabled").as_deref(), form.raw("password")) {
        (Some("true"), _) => (
            AccountChange {
                disabled: Some(true),
                ..Default::default()
            },
            "disabled",
        ),
        (Some("false"), _) => (
            AccountChange {
                disabled: Some(false),
                ..Default::default()
            },
            "enabled",
        ),
        (_, Some(password)) => match Password::parse(&password) {
            Ok(password) => (
                AccountChange {
                    password_hash: Some(hash_password(&state, password).await?),
                    ..Default::default()
                },
                "password",
            ),
            Err(message) => {
                let failure = Failure {
                    form: Form::default(),
                    errors: FieldErrors::default(),
                    password_for: Some((id.to_string(), message)),
                };
                let page = page(&req, &state, &submitted.user, Some(failure)).await?;
                return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
            }
        },
        _ => {
            return Err(ValidationErrors::one(
                "password",
                "send disabled=true, disabled=false or a new password",
            )
            .into())
        }
    };
    let actor = AuditActor::from(&submitted.user.actor);
    state
        .db
        .write(move |conn| users::change(conn, &actor, id, change))
        .await?;
    Ok(see_other(&format!("/admin/users?done={done}")))
}
