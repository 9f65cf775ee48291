//! `GET /`: who is signed in and the programs they act in.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::html;
use super::session::{csrf_cookie, csrf_token, PageUser};
use crate::db::models::programs::{self, ProgramRow};
use crate::db::MAX_PAGE;
use crate::error::ApiError;
use crate::http::AppState;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    csrf_token: String,
    name: String,
    email: String,
    role: String,
    programs: Vec<ProgramRow>,
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
) -> Result<HttpResponse, ApiError> {
    let actor = user.0.actor.clone();
    let programs = state
        .db
        .read(move |conn| {
            let page = programs::list(conn, None, MAX_PAGE)?;
            Ok(page
                .items
                .into_iter()
                .filter(|p| uuid::Uuid::parse_str(&p.id).is_ok_and(|id| actor.can_read_program(id)))
                .collect::<Vec<_>>())
        })
        .await?;
    let (token, fresh) = csrf_token(&req);
    let account = user.0.account;
    let mut response = html(
        StatusCode::OK,
        &DashboardPage {
            csrf_token: token.clone(),
            name: account.user.name,
            email: account.user.email,
            role: account.role.as_str().replace('_', " "),
            programs,
        },
    )?;
    if fresh {
        response
            .add_cookie(&csrf_cookie(&token))
            .map_err(|e| ApiError::Internal(e.to_string()))?;
    }
    Ok(response)
}
