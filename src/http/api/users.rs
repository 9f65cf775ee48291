//! User accounts (admin only): create, list, show, disable or reset a password.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{id, instant};
use crate::auth::password;
use crate::db::audit::AuditActor;
use crate::db::models::users::{self, Account, AccountChange};
use crate::domain::accounts::{NewUser, Password, UserInput};
use crate::domain::{Role, ValidationErrors};
use crate::error::ApiError;
use crate::http::extractors::AdminUser;
use crate::http::pagination::{ListResponse, PageQuery};
use crate::http::query::Query;
use crate::http::AppState;

/// A user account as the API shows it (never its password).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub library_id: Option<Uuid>,
    /// The programs the user acts in: its own (coordinator, auditor) or its library's (collection manager).
    pub program_ids: Vec<Uuid>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip)]
    #[schema(ignore)]
    token_version: i32,
}

impl UserView {
    pub fn from_account(account: Account) -> Result<Self, ApiError> {
        Ok(Self {
            id: id(&account.user.id)?,
            library_id: account.user.library_id.as_deref().map(id).transpose()?,
            email: account.user.email,
            name: account.user.name,
            role: account.role,
            program_ids: account.program_ids,
            disabled: account.user.disabled,
            created_at: instant(account.user.created_at),
            updated_at: instant(account.user.updated_at),
            token_version: account.user.token_version,
        })
    }

    /// The version tokens of this user must carry.
    pub fn token_version(&self) -> i32 {
        self.token_version
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct CreateUserRequest {
    pub email: Option<String>,
    pub name: Option<String>,
    /// At least 12 characters.
    pub password: Option<String>,
    pub role: Option<Role>,
    /// Required for a collection_manager.
    pub library_id: Option<Uuid>,
    /// At least one for a coordinator or auditor.
    pub program_ids: Option<Vec<Uuid>>,
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct UpdateUserRequest {
    pub disabled: Option<bool>,
    pub password: Option<String>,
}

/// Hashes a new password, in its turn with the other hashings (argon2 is memory-hard).
pub async fn hash_password(state: &AppState, password: Password) -> Result<String, ApiError> {
    let turn = crate::http::api::auth::hashing_turn(state).await?;
    let hashed = tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Internal(e.to_string()));
    drop(turn);
    hashed
}

/// Creates a user account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", security(("bearer" = [])),
    request_body = CreateUserRequest,
    responses((status = 201, body = UserView), (status = 400, body = crate::error::ErrorBody),
              (status = 403, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    admin: AdminUser,
    body: web::Json<CreateUserRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user = NewUser::parse(UserInput {
        email: body.email,
        name: body.name,
        password: body.password,
        role: body.role,
        library_id: body.library_id,
        program_ids: body.program_ids.unwrap_or_default(),
    })?;
    let hash = hash_password(&state, user.password.clone()).await?;
    let actor = AuditActor::from(&admin.0.actor);
    let account = state
        .db
        .write(move |conn| users::create(conn, &actor, user, hash))
        .await?;
    Ok(HttpResponse::Created().json(UserView::from_account(account)?))
}

/// Lists user accounts.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", security(("bearer" = [])), params(PageQuery),
    responses((status = 200, body = ListResponse<UserView>), (status = 403, body = crate::error::ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    _admin: AdminUser,
    query: Query<PageQuery>,
) -> Result<web::Json<ListResponse<UserView>>, ApiError> {
    let (limit, after) = (query.limit()?, query.after()?);
    let page = state
        .db
        .read(move |conn| users::list(conn, after.as_deref(), limit))
        .await?;
    Ok(web::Json(ListResponse::from_page(
        page,
        UserView::from_account,
    )?))
}

/// Shows one user account.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    responses((status = 200, body = UserView), (status = 404, body = crate::error::ErrorBody)))]
pub async fn show(
    state: web::Data<AppState>,
    _admin: AdminUser,
    path: web::Path<Uuid>,
) -> Result<web::Json<UserView>, ApiError> {
    let id = path.into_inner();
    let account = state.db.read(move |conn| users::find(conn, id)).await?;
    Ok(web::Json(UserView::from_account(account)?))
}

/// Disables or enables an account, or sets its password; either revokes the user's tokens.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users", security(("bearer" = [])),
    request_body = UpdateUserRequest,
    responses((status = 200, body = UserView), (status = 404, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<Uuid>,
    body: web::Json<UpdateUserRequest>,
) -> Result<web::Json<UserView>, ApiError> {
    let id = path.into_inner();
    let body = body.into_inner();
    let password_hash = match body.password {
        Some(password) => {
            let password =
                Password::parse(&password).map_err(|m| ValidationErrors::one("password", m))?;
            Some(hash_password(&state, password).await?)
        }
        None => None,
    };
    let change = AccountChange {
        disabled: body.disabled,
        password_hash,
    };
    let actor = AuditActor::from(&admin.0.actor);
    let account = state
        .db
        .write(move |conn| users::change(conn, &actor, id, change))
        .await?;
    Ok(web::Json(UserView::from_account(account)?))
}
