//! The JSON API under `/api/v1`, one module per resource.

pub mod actions;
pub mod auth;
pub mod commitments;
pub mod coverage;
pub mod exports;
pub mod health;
pub mod holdings;
pub mod imports;
pub mod libraries;
pub mod programs;
pub mod renewals;
pub mod scenarios;
pub mod titles;
pub mod users;
pub mod withdrawal;

pub use crate::views::{id, instant};
