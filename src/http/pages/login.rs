//! `GET /login`, `POST /login` and `POST /logout`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::session::{csrf_token, expired_session_cookie, session_cookie, session_user};
use super::{render, see_other, Form, PageError};
use crate::error::ApiError;
use crate::http::api::auth::{check_credentials, issue_token};
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

impl LoginPage {
    fn new(req: &HttpRequest) -> Self {
        Self {
            csrf_token: csrf_token(req),
            email: String::new(),
            email_error: None,
            password_error: None,
            form_error: None,
        }
    }
}

/// The sign-in form; someone already signed in goes to the dashboard.
pub async fn show(req: HttpRequest) -> Result<HttpResponse, PageError> {
    if session_user(&req).await?.is_some() {
        return Ok(see_other("/"));
    }
    render(StatusCode::OK, &LoginPage::new(&req))
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: Form,
) -> Result<HttpResponse, PageError> {
    let email = form.text("email").unwrap_or_default();
    let candidate = form.raw("password").unwrap_or_default();
    if email.is_empty() || candidate.is_empty() {
        let page = LoginPage {
            email_error: email
                .is_empty()
                .then(|| "Enter your e-mail address.".to_owned()),
            password_error: candidate
                .is_empty()
                .then(|| "Enter your password.".to_owned()),
            email,
            ..LoginPage::new(&req)
        };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let address = req.peer_addr().map(|a| a.ip());
    let account = match check_credentials(&state, &email, candidate, address).await {
        Ok(account) => account,
        Err(ApiError::TooManyRequests {
            message,
            retry_after,
        }) => {
            let page = LoginPage {
                email,
                form_error: Some(sentence(&message)),
                ..LoginPage::new(&req)
            };
            let mut response = render(StatusCode::TOO_MANY_REQUESTS, &page)?;
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(retry_after),
            );
            return Ok(response);
        }
        Err(ApiError::Unauthenticated(message)) => {
            let page = LoginPage {
                email,
                form_error: Some(sentence(&message)),
                ..LoginPage::new(&req)
            };
            return render(StatusCode::UNAUTHORIZED, &page);
        }
        Err(other) => return Err(other.into()),
    };
    let login = issue_token(&state, account)?;
    let mut response = see_other("/");
    response
        .add_cookie(&session_cookie(&req, login.token))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(response)
}

/// The API's lower-case message as a sentence.
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

pub async fn logout(req: HttpRequest, _form: Form) -> Result<HttpResponse, PageError> {
    let mut response = see_other("/login");
    response
        .add_cookie(&expired_session_cookie(&req))
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(response)
}
