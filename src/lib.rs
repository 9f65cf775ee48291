//! retention-registry: which library commits to retain which print titles, until when, under which
//! shared-print program. See ARCHITECTURE.md for the layers and how a request flows through them.

pub mod analysis;
pub mod auth;
pub mod backup;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod exports;
pub mod formats;
pub mod http;
pub mod imports;
pub mod jobs;
pub mod progress;
pub mod startup;
pub mod telemetry;
pub mod views;
