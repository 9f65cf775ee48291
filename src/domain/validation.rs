//! Field-level validation failures, collected so that a client sees every problem at once.

use serde::Serialize;

/// One problem with one input field, in words a librarian understands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every problem found in one request; never empty when returned as an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// A single-field failure.
    pub fn one(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Records the error of `result` under `field` and returns its value, if any.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(field, message);
                None
            }
        }
    }

    /// Records a missing required field.
    pub fn require<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.add(field, format!("{field} is required"));
        }
        value
    }

    /// `Ok(())` when nothing was recorded.
    pub fn into_result(self) -> Result<(), ValidationErrors> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self)
        }
    }
}

/// Refuses text no database column should hold: a NUL byte (PostgreSQL cannot store one) or
/// another control character but tab and line breaks.
pub fn storable(value: &str, what: &str) -> Result<(), String> {
    match value
        .chars()
        .find(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        Some(c) => Err(format!(
            "{what} contains the control character U+{:04X}, which cannot be stored",
            c as u32
        )),
        None => Ok(()),
    }
}

/// Trims a required free-text field and checks its length and characters.
pub fn non_empty_text(value: &str, what: &str, max: usize) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(format!("{what} must not be empty"));
    }
    storable(trimmed, what)?;
    if trimmed.chars().count() > max {
        return Err(format!("{what} must be at most {max} characters"));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collects_every_problem() {
        let mut errors = ValidationErrors::new();
        errors.require::<()>("name", None);
        errors.check::<()>("code", Err("bad".into()));
        assert_eq!(errors.0.len(), 2);
        assert_eq!(errors.0[0].field, "name");
        assert!(errors.into_result().is_err());
    }

    #[test]
    fn non_empty_text_trims_and_limits() {
        assert_eq!(non_empty_text("  EAST  ", "name", 10).unwrap(), "EAST");
        assert!(non_empty_text("   ", "name", 10).is_err());
        assert!(non_empty_text("abcdefghijk", "name", 10).is_err());
    }

    #[test]
    fn a_nul_byte_or_control_character_is_refused_but_line_breaks_are_kept() {
        assert!(non_empty_text("Middle\0march", "title", 100)
            .unwrap_err()
            .contains("U+0000"));
        assert!(storable("a\u{1b}b", "note").is_err());
        assert!(storable("line one\nline two\tend", "note").is_ok());
    }
}
