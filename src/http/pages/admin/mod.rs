//! `GET /admin/programs`, `/admin/libraries`, `/admin/users` and their forms: an admin lists and
//! creates programs, libraries, memberships and users, disables a user and sets a new password.
//! Everyone else gets 403. The forms call the same parse and store functions as the admin API.

pub mod libraries;
pub mod programs;
pub mod users;

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, FromRequest, HttpRequest};

use super::session::PageUser;
use super::{PageError, SignedInForm};
use crate::domain::Capability;
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;

fn require_admin(user: CurrentUser) -> Result<CurrentUser, PageError> {
    if user.actor.can(Capability::Administer) {
        Ok(user)
    } else {
        Err(ApiError::Forbidden("only an admin may do this".into()).into())
    }
}

/// A signed-in admin of the pages (others: 403, visitors: to `/login`).
pub struct PageAdmin(pub CurrentUser);

impl FromRequest for PageAdmin {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let user = PageUser::from_request(req, payload);
        Box::pin(async move { require_admin(user.await?.0).map(PageAdmin) })
    }
}

/// A form posted by an admin: CSRF first (403), then the session, then the role (403).
pub struct AdminForm(pub SignedInForm);

impl FromRequest for AdminForm {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = SignedInForm::from_request(req, payload);
        Box::pin(async move {
            let SignedInForm { user, form } = form.await?;
            Ok(AdminForm(SignedInForm {
                user: require_admin(user)?,
                form,
            }))
        })
    }
}

/// The notice for `?done=…` after a change.
pub fn done_notice(query: &str) -> Option<String> {
    let done = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "done")
        .map(|(_, v)| v.into_owned())?;
    let text = match done.as_str() {
        "program" => "The program was created.",
        "member" => "The library was added to the program.",
        "library" => "The library was created.",
        "user" => "The user was created.",
        "disabled" => "The user was disabled: their sessions have ended.",
        "enabled" => "The user was enabled.",
        "password" => "The password was set: the user's earlier sessions have ended.",
        _ => return None,
    };
    Some(text.to_owned())
}
