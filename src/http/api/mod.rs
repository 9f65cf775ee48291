//! The JSON API under `/api/v1`, one module per resource.

pub mod actions;
pub mod auth;
pub mod commitments;
pub mod health;
pub mod libraries;
pub mod programs;
pub mod titles;
pub mod users;
pub mod views;

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

use crate::error::ApiError;

/// A stored UTC instant as RFC 3339.
fn instant(at: NaiveDateTime) -> DateTime<Utc> {
    at.and_utc()
}

/// A stored id, which is always a UUID.
fn id(value: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(value)
        .map_err(|_| ApiError::Internal(format!("stored id {value:?} is not a UUID")))
}
