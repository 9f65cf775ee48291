//! The one HTTP error type, its status map and its JSON body.
//!
//! Body: `{"error": {"code", "message", "details": […]}}`. Use `BadRequest` for a request that
//! cannot be read (bad JSON, wrong type, unknown enum value), `Validation` for input that reads
//! but breaks a rule (422), `Unauthenticated` for missing or bad credentials, `Forbidden` for a
//! signed-in user who may not do this, `NotFound`, `Conflict` for a stale version or a transition
//! the state does not allow, `PayloadTooLarge`, `UnsupportedMediaType` for a body of another type, and `Internal`/`Unavailable`, whose cause goes to
//! the log only.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use serde_json::{json, Value};

use crate::db::DbError;
use crate::domain::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// A query parameter that does not read (400, with the field in the details).
    #[error("{message}")]
    BadParameter { field: String, message: String },
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("{message}")]
    Conflict {
        message: String,
        details: Vec<Value>,
    },
    #[error("the request is invalid")]
    Validation(ValidationErrors),
    #[error("the request body is too large")]
    PayloadTooLarge,
    /// A body whose `Content-Type` the endpoint does not take (415).
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    /// Too many attempts (sign-in): 429 with `Retry-After`.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    #[error("the service is unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// A stable snake_case code such as `validation_failed`.
    pub code: String,
    /// A sentence for people.
    pub message: String,
    /// For `validation_failed` a list of `{field, message}`; for `conflict` the current status and version.
    #[schema(value_type = Vec<Object>)]
    pub details: Vec<Value>,
}

impl ApiError {
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) | ApiError::BadParameter { .. } => "bad_request",
            ApiError::Unauthenticated(_) => "unauthenticated",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::Conflict { .. } => "conflict",
            ApiError::Validation(_) => "validation_failed",
            ApiError::PayloadTooLarge => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::MethodNotAllowed(_) => "method_not_allowed",
            ApiError::TooManyRequests { .. } => "too_many_requests",
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    pub fn body(&self) -> ErrorBody {
        let message = match self {
            // The cause of a 5xx is logged, never shown.
            ApiError::Internal(_) => {
                "something went wrong on our side; it has been logged".to_owned()
            }
            ApiError::Unavailable(_) => "the database is unavailable; try again shortly".to_owned(),
            other => other.to_string(),
        };
        let details = match self {
            ApiError::Validation(errors) => errors
                .0
                .iter()
                .map(|e| json!({"field": e.field, "message": e.message}))
                .collect(),
            ApiError::Conflict { details, .. } => details.clone(),
            ApiError::BadParameter { field, message } => {
                vec![json!({"field": field, "message": message})]
            }
            _ => Vec::new(),
        };
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message,
                details,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::BadParameter { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthenticated(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => tracing::error!(%cause, "request failed"),
            ApiError::Unavailable(cause) => tracing::warn!(%cause, "database unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        match self {
            ApiError::Unauthenticated(_) => {
                response.insert_header(("WWW-Authenticate", "Bearer"));
            }
            ApiError::TooManyRequests { retry_after, .. } => {
                response.insert_header(("Retry-After", retry_after.to_string()));
            }
            // A database that is down or busy is worth trying again shortly.
            ApiError::Unavailable(_) => {
                response.insert_header(("Retry-After", "5"));
            }
            _ => {}
        }
        response.json(self.body())
    }
}

impl From<ValidationErrors> for ApiError {
    fn from(errors: ValidationErrors) -> Self {
        ApiError::Validation(errors)
    }
}

impl From<DbError> for ApiError {
    fn from(error: DbError) -> Self {
        match error {
            DbError::NotFound(what) => ApiError::NotFound(what.to_owned()),
            DbError::Invalid(errors) => ApiError::Validation(errors),
            DbError::Forbidden(why) => ApiError::Forbidden(why),
            DbError::Conflict {
                message,
                status,
                version,
            } => {
                let details = if status.is_some() || version.is_some() {
                    vec![
                        json!({"field": "version", "message": message, "status": status, "version": version}),
                    ]
                } else {
                    Vec::new()
                };
                ApiError::Conflict { message, details }
            }
            DbError::Unavailable(cause) => ApiError::Unavailable(cause),
            other @ (DbError::Query(_)
            | DbError::Migration(_)
            | DbError::Corrupt(_)
            | DbError::RolledBack) => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<crate::exports::ExportError> for ApiError {
    fn from(error: crate::exports::ExportError) -> Self {
        match error {
            crate::exports::ExportError::Db(error) => error.into(),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

/// A withdrawal check that fails: a line of the list that does not read is the caller's (422).
impl From<crate::analysis::withdrawal::CheckError> for ApiError {
    fn from(error: crate::analysis::withdrawal::CheckError) -> Self {
        use crate::analysis::withdrawal::CheckError;
        match error {
            CheckError::Db(error) => error.into(),
            CheckError::File(error) => ValidationErrors::one("file", error.to_string()).into(),
            CheckError::Write(cause) => ApiError::Internal(cause),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(error: ApiError) -> (StatusCode, Value) {
        let response = error.error_response();
        let status = response.status();
        let bytes = response.into_body().try_into_bytes().unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    #[test]
    fn every_variant_has_its_status_and_code() {
        let cases = [
            (ApiError::BadRequest("x".into()), 400, "bad_request"),
            (
                ApiError::Unauthenticated("x".into()),
                401,
                "unauthenticated",
            ),
            (ApiError::Forbidden("x".into()), 403, "forbidden"),
            (ApiError::NotFound("program".into()), 404, "not_found"),
            (
                ApiError::Conflict {
                    message: "x".into(),
                    details: vec![],
                },
                409,
                "conflict",
            ),
            (
                ApiError::Validation(ValidationErrors::one("code", "bad")),
                422,
                "validation_failed",
            ),
            (ApiError::PayloadTooLarge, 413, "payload_too_large"),
            (
                ApiError::UnsupportedMediaType("x".into()),
                415,
                "unsupported_media_type",
            ),
            (ApiError::Unavailable("x".into()), 503, "unavailable"),
            (
                ApiError::TooManyRequests {
                    message: "x".into(),
                    retry_after: 30,
                },
                429,
                "too_many_requests",
            ),
            (ApiError::Internal("x".into()), 500, "internal_error"),
        ];
        for (error, status, code) in cases {
            let (actual, body) = body_of(error);
            assert_eq!(actual.as_u16(), status);
            assert_eq!(body["error"]["code"], code);
        }
    }

    #[test]
    fn validation_details_name_the_field() {
        let (_, body) = body_of(ApiError::Validation(ValidationErrors::one(
            "code", "too long",
        )));
        assert_eq!(body["error"]["details"][0]["field"], "code");
        assert_eq!(body["error"]["details"][0]["message"], "too long");
    }

    #[test]
    fn internal_cause_is_not_shown() {
        let (_, body) = body_of(ApiError::Internal("password=hunter2".into()));
        assert!(!body.to_string().contains("hunter2"));
    }

    #[test]
    fn stale_version_carries_current_status_and_version() {
        let error = ApiError::from(DbError::Conflict {
            message: "stale".into(),
            status: Some("active".into()),
            version: Some(3),
        });
        let (status, body) = body_of(error);
        assert_eq!(status.as_u16(), 409);
        assert_eq!(body["error"]["details"][0]["status"], "active");
        assert_eq!(body["error"]["details"][0]["version"], 3);
    }
}
