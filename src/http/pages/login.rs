//! `GET /login`, `POST /login` and `POST /logout`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::session::{check_csrf, csrf_cookie, csrf_token, expired_session_cookie, session_cookie};
use super::{html, see_other};
use crate::auth::password;
use crate::db::models::users;
use crate::domain::accounts::Email;
use crate::error::ApiError;
use crate::http::api::auth::issue_token;
use crate::http::AppState;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf_token: String,
    email: String,
    email_error: Option<String>,
    password_error: Option<String>,
    form_error: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: Option<String>,
    password: Option<String>,
    csrf_token: Option<String>,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    csrf_token: Option<String>,
}

fn login_page(
    req: &HttpRequest,
    status: StatusCode,
    page: impl FnOnce(String) -> LoginPage,
) -> Result<HttpResponse, ApiError> {
    let (token, fresh) = csrf_token(req);
    let mut response = html(status, &page(token.clone()))?;
    if fresh {
        response
            .add_cookie(&csrf_cookie(&token))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(response)
}

pub async fn show(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    login_page(&req, StatusCode::OK, |csrf_token| LoginPage {
        csrf_token,
        email: String::new(),
        email_error: None,
        password_error: None,
        form_error: None,
    })
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, ApiError> {
    let form = form.into_inner();
    check_csrf(&req, form.csrf_token.as_deref())?;
    let email = form.email.unwrap_or_default().trim().to_owned();
    let candidate = form.password.unwrap_or_default();
    if email.is_empty() || candidate.is_empty() {
        return login_page(&req, StatusCode::UNPROCESSABLE_ENTITY, |csrf_token| {
            LoginPage {
                csrf_token,
                email_error: email
                    .is_empty()
                    .then(|| "Enter your e-mail address.".to_owned()),
                password_error: candidate
                    .is_empty()
                    .then(|| "Enter your password.".to_owned()),
                email: email.clone(),
                form_error: None,
            }
        });
    }
    let account = match Email::parse(&email) {
        Ok(parsed) => {
            state
                .db
                .read(move |conn| users::find_by_email(conn, &parsed))
                .await?
        }
        Err(_) => None,
    };
    let account = tokio::task::spawn_blocking(move || match account {
        Some(account)
            if password::verify(&candidate, &account.user.password_hash)
                && !account.user.disabled =>
        {
            Some(account)
        }
        Some(_) => None,
        None => {
            password::verify_nothing(&candidate);
            None
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    let Some(account) = account else {
        return login_page(&req, StatusCode::UNAUTHORIZED, |csrf_token| LoginPage {
            csrf_token,
            email: email.clone(),
            email_error: None,
            password_error: None,
            form_error: Some("The e-mail address or password is not correct.".into()),
        });
    };
    let login = issue_token(&state, account)?;
    let mut response = see_other("/");
    response
        .add_cookie(&session_cookie(login.token))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(response)
}

pub async fn logout(req: HttpRequest, form: web::Form<CsrfForm>) -> Result<HttpResponse, ApiError> {
    check_csrf(&req, form.csrf_token.as_deref())?;
    let mut response = see_other("/login");
    response
        .add_cookie(&expired_session_cookie())
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(response)
}
