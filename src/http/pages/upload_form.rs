//! The multipart forms of the analysis pages (a holdings file, a withdrawal list): the file
//! spooled into the upload store, the CSRF token checked before anything else, then the session.

use actix_web::{web, HttpRequest};
use uuid::Uuid;

use super::imports::receive;
use super::session::{check_csrf, session_user};
use super::{Form, PageError};
use crate::http::extractors::CurrentUser;
use crate::http::AppState;

/// A received upload form whose token and session held.
pub struct Uploaded {
    pub user: CurrentUser,
    pub form: Form,
    /// The spooled file and its id in the upload store (discard it when done).
    pub file: Option<(Uuid, std::fs::File)>,
    pub file_name: String,
}

pub async fn receive_upload(
    state: &AppState,
    req: &HttpRequest,
    payload: web::Payload,
) -> Result<Uploaded, PageError> {
    let received = receive(state, req, payload).await?;
    let file = match (received.upload_id, received.file) {
        (Some(id), Some(file)) if received.size > 0 => Some((id, file)),
        (Some(id), _) => {
            state.uploads.discard(id);
            None
        }
        _ => None,
    };
    let discard = |file: &Option<(Uuid, std::fs::File)>| {
        if let Some((id, _)) = file {
            state.uploads.discard(*id);
        }
    };
    if let Err(refused) = check_csrf(req, received.form.text("csrf_token").as_deref()) {
        discard(&file);
        return Err(refused);
    }
    match session_user(req).await {
        Ok(Some(user)) => Ok(Uploaded {
            user,
            form: received.form,
            file,
            file_name: received.file_name,
        }),
        refused => {
            discard(&file);
            Err(refused.err().unwrap_or(PageError::SignIn))
        }
    }
}
