//! Signing in, the signed-in user, and changing one's own password.

use std::net::IpAddr;

use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokio::sync::OwnedSemaphorePermit;

use super::users::UserView;
use crate::auth::password;
use crate::auth::throttle::Refused;
use crate::auth::token::TokenScope;
use crate::db::audit::AuditActor;
use crate::db::models::users::{self, Account, AccountChange};
use crate::domain::accounts::{Email, Password};
use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;
use crate::http::AppState;

#[derive(Deserialize, utoipa::ToSchema)]
pub struct LoginRequest {
    pub email: Option<String>,
    pub password: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub token: String,
    /// Always `Bearer`.
    pub token_type: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct PasswordChangeRequest {
    pub current_password: Option<String>,
    pub new_password: Option<String>,
}

const BAD_CREDENTIALS: &str = "the e-mail address or password is not correct";

/// Signs in with e-mail and password and returns a token.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn login(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let email = errors.require("email", body.email);
    let candidate = errors.require("password", body.password);
    errors.into_result()?;
    let (email, candidate) = (email.unwrap_or_default(), candidate.unwrap_or_default());
    let address = req.peer_addr().map(|a| a.ip());
    let account = check_credentials(&state, &email, candidate, address).await?;
    Ok(HttpResponse::Ok().json(issue_token(&state, account)?))
}

fn too_many(refused: Refused) -> ApiError {
    ApiError::TooManyRequests {
        message: format!(
            "too many sign-in attempts; try again in {} seconds",
            refused.retry_after.as_secs()
        ),
        retry_after: refused.retry_after.as_secs(),
    }
}

/// A turn to hash or verify a password (a few run at once; argon2 is memory-hard).
pub async fn hashing_turn(state: &AppState) -> Result<OwnedSemaphorePermit, ApiError> {
    state.throttle.turn().await.map_err(too_many)
}

/// The enabled account with this e-mail and password; the same refusal for an unknown e-mail and
/// a wrong password (and as long for both), another for a disabled account; 429 after too many
/// failures for the account or from the `address`. The API's sign-in and the sign-in page both use
/// it.
pub async fn check_credentials(
    state: &AppState,
    email: &str,
    candidate: String,
    address: Option<IpAddr>,
) -> Result<Account, ApiError> {
    state.throttle.check(email, address).map_err(too_many)?;
    let turn = hashing_turn(state).await?;
    let outcome = verify_credentials(state, email, candidate).await;
    drop(turn);
    match &outcome {
        Ok(_) => state.throttle.succeeded(email),
        Err(ApiError::Unauthenticated(_)) => state.throttle.failed(email, address),
        Err(_) => {}
    }
    outcome
}

async fn verify_credentials(
    state: &AppState,
    email: &str,
    candidate: String,
) -> Result<Account, ApiError> {
    let account = match Email::parse(email) {
        Ok(email) => {
            state
                .db
                .read(move |conn| users::find_by_email(conn, &email))
                .await?
        }
        Err(_) => None,
    };
    let account = tokio::task::spawn_blocking(move || match account {
        Some(account) if password::verify(&candidate, &account.user.password_hash) => Some(account),
        Some(_) => None,
        None => {
            password::verify_nothing(&candidate);
            None
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .ok_or_else(|| ApiError::Unauthenticated(BAD_CREDENTIALS.into()))?;
    if account.user.disabled {
        return Err(ApiError::Unauthenticated("this account is disabled".into()));
    }
    Ok(account)
}

/// A fresh token for `account`, in the shape of the login answer.
pub fn issue_token(state: &AppState, account: Account) -> Result<LoginResponse, ApiError> {
    let user = UserView::from_account(account)?;
    let scope = TokenScope {
        library_id: user.library_id,
        program_ids: user.program_ids.clone(),
    };
    let (token, expires_at) = state
        .keys
        .issue(
            user.id,
            user.role.as_str(),
            scope,
            user.token_version(),
            Utc::now(),
        )
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(LoginResponse {
        token,
        token_type: "Bearer".into(),
        expires_at,
        user,
    })
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 401, body = crate::error::ErrorBody)))]
pub async fn me(user: CurrentUser) -> Result<web::Json<UserView>, ApiError> {
    Ok(web::Json(UserView::from_account(user.account)?))
}

/// Changes one's own password. Every token issued before stops working; the answer carries a new one.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", security(("bearer" = [])),
    request_body = PasswordChangeRequest,
    responses((status = 200, body = LoginResponse), (status = 401, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn change_password(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<PasswordChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = ValidationErrors::new();
    let current = errors.require("current_password", body.current_password);
    let new = errors
        .require("new_password", body.new_password)
        .and_then(|p| errors.check("new_password", Password::parse(&p)));
    errors.into_result()?;
    let (current, new) = (current.unwrap_or_default(), new.expect("checked above"));
    let login = change_own_password(&state, &user, current, new).await?;
    Ok(HttpResponse::Ok().json(login))
}

/// Checks `current` against the user's password, stores `new` (revoking every earlier token) and
/// answers with a fresh token: the API's password change and the account page's.
pub async fn change_own_password(
    state: &AppState,
    user: &CurrentUser,
    current: String,
    new: Password,
) -> Result<LoginResponse, ApiError> {
    let stored = user.account.user.password_hash.clone();
    let turn = hashing_turn(state).await?;
    let new_hash = tokio::task::spawn_blocking(move || {
        if !password::verify(&current, &stored) {
            return Err(ApiError::from(ValidationErrors::one(
                "current_password",
                "the current password is not correct",
            )));
        }
        password::hash(&new).map_err(|e| ApiError::Internal(e.to_string()))
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    drop(turn);
    let actor = AuditActor::from(&user.actor);
    let id = user.actor.user_id;
    let account = state
        .db
        .write(move |conn| {
            let change = AccountChange {
                password_hash: Some(new_hash),
                ..Default::default()
            };
            users::change(conn, &actor, id, change)
        })
        .await?;
    issue_token(state, account)
}
