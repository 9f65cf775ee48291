//! Pure rules of the registry: who may do what, what a valid value is.
//!
//! Nothing in here knows about HTTP or SQL. Values are parsed into types at the boundary
//! (`ProgramCode::parse`, `OclcSymbol::parse`, …), so that once a value exists it is valid and the
//! layers below never see bad input.

pub mod accounts;
pub mod allocation;
pub mod claims;
pub mod commitment;
pub mod holdings;
pub mod identifiers;
pub mod iso;
pub mod organisations;
#[cfg(test)]
mod properties;
pub mod retention;
pub mod role;
pub mod validation;
pub mod withdrawal;
pub mod workflow;

pub use role::{Actor, Capability, Role};
pub use validation::{FieldError, ValidationErrors};
