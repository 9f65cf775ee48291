//! Black-box tests over HTTP (and of the binary's commands), each run on SQLite and PostgreSQL.

mod helpers;
mod imports;

mod access;
mod auth;
mod bad_input;
mod cli;
mod commitments;
mod demo;
mod expiry_races;
mod exports;
mod field_files;
mod holdings;
mod import_staging;
mod instances;
mod last_copies;
mod libraries;
mod pages;
mod privacy;
mod programs;
mod renewals;
mod scenarios;
mod service;
mod users;
mod withdrawal_check;
mod workflow;
mod world;
