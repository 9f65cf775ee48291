//! Scheduled work that runs beside the HTTP server.

pub mod expiry;
pub mod staging;
