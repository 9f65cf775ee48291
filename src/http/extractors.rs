//! Who is asking. A handler that takes [`CurrentUser`] cannot run for a caller without a valid
//! token of an enabled account; one that takes [`AdminUser`] cannot run for anyone but an admin.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use uuid::Uuid;

use super::AppState;
use crate::db::models::users::{self, Account};
use crate::db::DbError;
use crate::domain::Actor;
use crate::error::ApiError;

/// A signed-in user whose token is valid, whose account is enabled and whose token version is current.
pub struct CurrentUser {
    pub actor: Actor,
    pub account: Account,
}

/// A signed-in admin.
pub struct AdminUser(pub CurrentUser);

const NOT_SIGNED_IN: &str = "sign in first: send Authorization: Bearer <token>";
const TOKEN_REVOKED: &str = "the token is no longer valid; sign in again";

fn bearer_token(req: &HttpRequest) -> Option<String> {
    let header = req.headers().get(actix_web::http::header::AUTHORIZATION)?;
    let value = header.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

async fn authenticate(req: HttpRequest) -> Result<CurrentUser, ApiError> {
    let token =
        bearer_token(&req).ok_or_else(|| ApiError::Unauthenticated(NOT_SIGNED_IN.into()))?;
    user_of_token(&req, &token).await
}

/// The user a token stands for, if the token is valid and the account enabled at its token version.
pub async fn user_of_token(req: &HttpRequest, token: &str) -> Result<CurrentUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("application state missing".into()))?;
    let claims = state.keys.verify(token).map_err(|_| {
        ApiError::Unauthenticated("the token is invalid or has expired; sign in again".into())
    })?;
    let user_id: Uuid = claims.sub;
    let account = state
        .db
        .read_quick(move |conn| users::find(conn, user_id))
        .await
        .map_err(|e| match e {
            DbError::NotFound(_) => ApiError::Unauthenticated(TOKEN_REVOKED.into()),
            other => other.into(),
        })?;
    if account.user.disabled || account.user.token_version != claims.tv {
        return Err(ApiError::Unauthenticated(TOKEN_REVOKED.into()));
    }
    let actor = account.actor()?;
    Ok(CurrentUser { actor, account })
}

impl FromRequest for CurrentUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

impl FromRequest for AdminUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let user = authenticate(req).await?;
            if user.actor.can_manage_accounts() {
                Ok(AdminUser(user))
            } else {
                Err(ApiError::Forbidden("only an admin may do this".into()))
            }
        })
    }
}
