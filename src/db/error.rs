//! What can go wrong below the HTTP layer. `crate::error::ApiError` maps each case to a status.
//!
//! Use `NotFound` for an id that does not exist, `Invalid` for input that refers to something
//! missing or duplicates something unique, `Forbidden` when the actor may not act on the record,
//! `Conflict` for a stale version or a transition not allowed from the current state.

use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::domain::workflow::Refusal;
use crate::domain::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("conflict: {message}")]
    Conflict {
        message: String,
        status: Option<String>,
        version: Option<i32>,
    },
    #[error("database unavailable: {0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Query(DieselError),
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    /// Work rolled back on purpose (a validation run, an import with rejected rows).
    #[error("rolled back")]
    RolledBack,
}

impl From<Refusal> for DbError {
    /// A workflow refusal as the persistence error; [`crate::db::models::commitments::refusal`]
    /// adds the row's version to a conflict.
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotVisible => DbError::NotFound("commitment"),
            Refusal::Forbidden(why) => DbError::Forbidden(why),
            Refusal::WrongState { status } => DbError::Conflict {
                message: format!("the commitment is {status}, which does not allow this action"),
                status: Some(status.as_str().to_owned()),
                version: None,
            },
            Refusal::Invalid(errors) => DbError::Invalid(errors),
        }
    }
}

impl From<DieselError> for DbError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => DbError::NotFound("record"),
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                DbError::Conflict {
                    message: format!(
                        "a record with the same key was stored at the same moment ({})",
                        info.message()
                    ),
                    status: None,
                    version: None,
                }
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                DbError::Unavailable(info.message().to_owned())
            }
            // Two transactions in each other's way: nothing was written, trying again will do.
            DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, info) => {
                DbError::Unavailable(format!("serialization failure: {}", info.message()))
            }
            DieselError::DatabaseError(_, info)
                if info.message().starts_with("deadlock detected")
                    || info.message().contains("database is locked") =>
            {
                DbError::Unavailable(info.message().to_owned())
            }
            DieselError::BrokenTransactionManager => {
                DbError::Unavailable("the connection's transaction state is broken".into())
            }
            other => DbError::Query(other),
        }
    }
}

impl From<r2d2::Error> for DbError {
    fn from(error: r2d2::Error) -> Self {
        DbError::Unavailable(error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadlock_or_serialization_failure_is_unavailable_not_an_internal_error() {
        for (kind, message) in [
            (
                DatabaseErrorKind::SerializationFailure,
                "could not serialize access",
            ),
            (DatabaseErrorKind::Unknown, "deadlock detected"),
            (DatabaseErrorKind::Unknown, "database is locked"),
        ] {
            let error = DbError::from(DieselError::DatabaseError(
                kind,
                Box::new(message.to_owned()),
            ));
            assert!(
                matches!(error, DbError::Unavailable(_)),
                "{message}: {error:?}"
            );
        }
    }

    #[test]
    fn missing_row_is_not_found() {
        assert!(matches!(
            DbError::from(DieselError::NotFound),
            DbError::NotFound(_)
        ));
    }

    #[test]
    fn broken_transaction_is_unavailable() {
        assert!(matches!(
            DbError::from(DieselError::BrokenTransactionManager),
            DbError::Unavailable(_)
        ));
    }
}
