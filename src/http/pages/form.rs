//! A submitted HTML form, read as name/value pairs (a field may repeat, as `policies` does), and
//! refused with 403 before anything else is looked at unless its `csrf_token` matches the cookie.

use std::future::Future;
use std::pin::Pin;

use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use uuid::Uuid;

use super::session::{check_csrf, signed_in};
use super::PageError;
use crate::domain::ValidationErrors;
use crate::error::ApiError;
use crate::http::extractors::CurrentUser;

/// Largest form body accepted (file uploads are multipart and go elsewhere).
const FORM_LIMIT_BYTES: usize = 256 * 1024;

/// The fields of a url-encoded form whose CSRF token was valid.
#[derive(Debug, Default, Clone)]
pub struct Form {
    pairs: Vec<(String, String)>,
}

impl Form {
    /// The form from already checked pairs (a multipart upload's text fields).
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The first value of `name`, trimmed, or empty: what a form shown again keeps in its field.
    pub fn value(&self, name: &str) -> String {
        self.text(name).unwrap_or_default()
    }

    /// The first value of `name` as typed (for passwords, kept exactly).
    pub fn raw(&self, name: &str) -> Option<String> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// `name` as an id, when given; a value that is not one is a field error.
    pub fn id(&self, name: &str, errors: &mut ValidationErrors) -> Option<Uuid> {
        let value = self.text(name)?;
        errors.check(
            name,
            Uuid::parse_str(&value).map_err(|_| format!("{value:?} is not an id")),
        )
    }

    /// `name` read by `parse`, when given; a value that does not read is a field error.
    pub fn parsed<T>(
        &self,
        name: &str,
        errors: &mut ValidationErrors,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        let value = self.text(name)?;
        errors.check(name, parse(&value))
    }
}

async fn read_form(req: &HttpRequest, payload: &mut Payload) -> Result<Form, PageError> {
    let body = web::Bytes::from_request(req, payload)
        .await
        .map_err(|_| PageError::from(ApiError::PayloadTooLarge))?;
    if body.len() > FORM_LIMIT_BYTES {
        return Err(ApiError::PayloadTooLarge.into());
    }
    let pairs: Vec<(String, String)> = form_urlencoded::parse(&body)
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    let token = pairs
        .iter()
        .find(|(n, _)| n == "csrf_token")
        .map(|(_, v)| v.as_str());
    check_csrf(req, token)?;
    Ok(Form { pairs })
}

impl FromRequest for Form {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move { read_form(&req, &mut payload).await })
    }
}

/// A form posted by a signed-in user: the CSRF token is checked first (403), then the session
/// (a visitor who is not signed in goes to `/login`).
pub struct SignedInForm {
    pub user: CurrentUser,
    pub form: Form,
}

impl FromRequest for SignedInForm {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, PageError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let form = read_form(&req, &mut payload).await?;
            let user = signed_in(&req).await?;
            Ok(SignedInForm { user, form })
        })
    }
}
