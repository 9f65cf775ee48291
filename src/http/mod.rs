//! HTTP: routes, extractors and the JSON API. Handlers parse the request into domain values, call
//! the persistence layer on a blocking thread and shape the answer; rules live in `domain`.

pub mod api;
#[cfg(feature = "bench")]
mod bench;
pub mod extractors;
pub mod openapi;
pub mod pages;
pub mod pagination;
pub mod query;
mod routes;
mod state;

pub use routes::configure;
pub use state::AppState;
