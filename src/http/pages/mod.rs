//! Server-rendered web pages (askama). They follow the API's rules by calling the same domain and
//! persistence functions as the API handlers: a page handler reads its form or query, calls them,
//! and renders the answer; a refusal renders as a page with the API's message and status.
//!
//! Every page extends `templates/layout.html` with a [`Chrome`]: who is signed in, the navigation
//! (only what the role may use, the current page marked) and the CSRF token for its forms.

pub mod account;
pub mod admin;
mod chart;
pub mod commitments;
pub mod coverage;
pub mod dashboard;
pub mod detail;
pub mod exports;
mod form;
pub mod holdings;
pub mod imports;
pub mod login;
mod options;
pub mod programs;
pub mod propose;
pub mod scenarios;
pub mod security;
pub mod session;
pub mod titles;
mod upload_form;
pub mod uploads;
pub mod view;
pub mod withdrawal;

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;

use crate::db::DbError;
use crate::domain::{Actor, Capability, ValidationErrors};
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;

pub use form::{Form, SignedInForm};

/// The parts of the site the navigation bar names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Dashboard,
    Commitments,
    Propose,
    Titles,
    Withdrawal,
    Import,
    Export,
    Admin,
    Account,
}

/// One entry of the navigation bar.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What every signed-in page shows around its content.
pub struct Chrome {
    pub user_name: String,
    pub user_email: String,
    /// The role in words: "collection manager".
    pub role_label: String,
    pub nav: Vec<NavItem>,
    pub csrf_token: String,
}

impl Chrome {
    pub fn new(req: &HttpRequest, user: &CurrentUser, current: Section) -> Self {
        Self {
            user_name: user.account.user.name.clone(),
            user_email: user.account.user.email.clone(),
            role_label: role_label(&user.actor),
            nav: nav(&user.actor, current),
            csrf_token: session::csrf_token(req),
        }
    }
}

pub fn role_label(actor: &Actor) -> String {
    actor.role.as_str().replace('_', " ")
}

/// The navigation entries `actor` may use, each once; what the role may not use is left out.
fn nav(actor: &Actor, current: Section) -> Vec<NavItem> {
    let entries: [(Section, &str, &str, Capability); 9] = [
        (Section::Dashboard, "/", "Dashboard", Capability::Read),
        (
            Section::Commitments,
            "/commitments",
            "Commitments",
            Capability::Read,
        ),
        (
            Section::Propose,
            "/commitments/new",
            "Propose",
            Capability::Propose,
        ),
        (Section::Titles, "/titles", "Title lookup", Capability::Read),
        (
            Section::Withdrawal,
            "/withdrawal-check",
            "Withdrawal check",
            Capability::Read,
        ),
        (
            Section::Import,
            "/imports/new",
            "Import",
            Capability::Import,
        ),
        (Section::Export, "/exports", "Export", Capability::Export),
        (
            Section::Admin,
            "/admin/programs",
            "Admin",
            Capability::Administer,
        ),
        (Section::Account, "/account", "Account", Capability::Read),
    ];
    entries
        .into_iter()
        .filter(|(_, _, _, capability)| actor.can(*capability))
        .map(|(section, href, label, _)| NavItem {
            href,
            label,
            current: section == current,
        })
        .collect()
}

/// One option of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// Options from (value, label) pairs, the one equal to `current` selected.
pub fn choices(
    items: impl IntoIterator<Item = (String, String)>,
    current: Option<&str>,
) -> Vec<Choice> {
    items
        .into_iter()
        .map(|(value, label)| Choice {
            selected: current == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

/// Field messages of a form, by field name.
#[derive(Debug, Default)]
pub struct FieldErrors(HashMap<String, Vec<String>>);

impl FieldErrors {
    pub fn of(errors: &ValidationErrors) -> Self {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for error in &errors.0 {
            map.entry(error.field.clone())
                .or_default()
                .push(error.message.clone());
        }
        Self(map)
    }

    /// The messages for `field`, joined; empty when it has none.
    pub fn get(&self, field: &str) -> String {
        self.0.get(field).map(|m| m.join("; ")).unwrap_or_default()
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Messages for fields the form does not show (they go at its top).
    pub fn others(&self, shown: &[&str]) -> Vec<String> {
        let mut others: Vec<String> = self
            .0
            .iter()
            .filter(|(field, _)| !shown.contains(&field.as_str()))
            .flat_map(|(field, messages)| messages.iter().map(move |m| format!("{field}: {m}")))
            .collect();
        others.sort();
        others
    }
}

/// What a form reads to: the parsed value when neither reading its fields (`read`) nor the domain's
/// parse found a problem, else every message of both, to show beside the fields.
pub fn checked<T>(
    read: ValidationErrors,
    parsed: Result<T, ValidationErrors>,
) -> Result<T, DbError> {
    match (parsed, read.is_empty()) {
        (Ok(value), true) => Ok(value),
        (Ok(_), false) => Err(DbError::Invalid(read)),
        (Err(invalid), _) => {
            let mut all = read;
            all.0.extend(invalid.0);
            Err(DbError::Invalid(all))
        }
    }
}

/// Renders a template into an HTML response with `status`.
pub fn render(status: StatusCode, page: &impl Template) -> Result<HttpResponse, PageError> {
    let body = page
        .render()
        .map_err(|e| ApiError::Internal(format!("template: {e}")))?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

/// A 303 to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", location))
        .finish()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    heading: &'static str,
    message: String,
}

/// Why a page could not be shown: not signed in (to `/login`), or the API's error as a page.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("sign in first")]
    SignIn,
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl From<DbError> for PageError {
    fn from(error: DbError) -> Self {
        PageError::Api(error.into())
    }
}

impl From<ValidationErrors> for PageError {
    fn from(errors: ValidationErrors) -> Self {
        PageError::Api(errors.into())
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            PageError::SignIn => StatusCode::SEE_OTHER,
            PageError::Api(error) => error.status_code(),
        }
    }

    fn error_response(&self) -> HttpResponse {
        let error = match self {
            PageError::SignIn => return see_other("/login"),
            PageError::Api(error) => error,
        };
        // The API's response logs a 5xx's cause; its body gives the message people may see.
        let api = error.error_response();
        let status = api.status();
        let body = error.body();
        let mut message = body.error.message;
        if let ApiError::Validation(errors) = error {
            let details: Vec<String> = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            message = format!("{message}: {}", details.join("; "));
        }
        let heading = match status {
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::CONFLICT => "Someone else acted first",
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => {
                "The request cannot be used"
            }
            StatusCode::PAYLOAD_TOO_LARGE => "The file is too large",
            StatusCode::SERVICE_UNAVAILABLE => "The registry is unavailable",
            _ => "Something went wrong",
        };
        let page = ErrorPage {
            status: status.as_u16(),
            heading,
            message,
        };
        let mut response = match render(status, &page) {
            Ok(response) => response,
            Err(_) => HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(page.message),
        };
        if let Some(retry) = api.headers().get("Retry-After") {
            response
                .headers_mut()
                .insert(actix_web::http::header::RETRY_AFTER, retry.clone());
        }
        response
    }
}
