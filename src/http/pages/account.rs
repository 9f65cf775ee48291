//! `GET /account` and `POST /account/password`: the signed-in user changes their own password.
//! Every earlier session ends; this one goes on with a fresh token.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::session::{session_cookie, PageUser};
use super::{render, Chrome, FieldErrors, PageError, Section, SignedInForm};
use crate::domain::accounts::Password;
use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::http::api::auth::change_own_password;
use crate::http::extractors::CurrentUser;
use crate::http::AppState;

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    errors: FieldErrors,
    changed: bool,
}

fn page(req: &HttpRequest, user: &CurrentUser, errors: FieldErrors, changed: bool) -> AccountPage {
    AccountPage {
        chrome: Chrome::new(req, user, Section::Account),
        errors,
        changed,
    }
}

pub async fn show(req: HttpRequest, user: PageUser) -> Result<HttpResponse, PageError> {
    render(
        StatusCode::OK,
        &page(&req, &user.0, FieldErrors::default(), false),
    )
}

pub async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    submitted: SignedInForm,
) -> Result<HttpResponse, PageError> {
    let SignedInForm { user, form } = submitted;
    let mut errors = ValidationErrors::new();
    let current = errors.require("current_password", form.raw("current_password"));
    let new = errors
        .require("new_password", form.raw("new_password"))
        .and_then(|p| errors.check("new_password", Password::parse(&p)));
    if let (Some(new), Some(again)) = (&new, form.raw("new_password_again")) {
        if new.expose() != again {
            errors.add("new_password_again", "the two new passwords differ");
        }
    }
    let outcome = match (current, new, errors.is_empty()) {
        (Some(current), Some(new), true) => change_own_password(&state, &user, current, new).await,
        _ => Err(ApiError::Validation(errors)),
    };
    match outcome {
        Ok(login) => {
            let mut response = render(
                StatusCode::OK,
                &page(&req, &user, FieldErrors::default(), true),
            )?;
            response
                .add_cookie(&session_cookie(&req, login.token))
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(response)
        }
        Err(ApiError::Validation(errors)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&req, &user, FieldErrors::of(&errors), false),
        ),
        Err(other) => Err(other.into()),
    }
}
