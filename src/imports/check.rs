//! Checking one imported row against the import's program and library: the commitment to propose
//! (with what the librarian should know about it), the problems that reject it, or — a 583 of
//! another program — nothing to import here.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::Target;
use crate::db::models::titles::TitleRow;
use crate::domain::claims::{names_library, program_claim, ProgramClaim};
use crate::domain::commitment::NewCommitment;
use crate::domain::identifiers::OclcNumber;
use crate::domain::FieldError;
use crate::formats::rows::ImportedRow;

/// What a row is to this import.
pub enum Checked {
    /// A proposal, with warnings (a default applied, a value kept as a note).
    Propose(Box<NewCommitment>, Vec<FieldError>),
    /// Rejected, with every problem found.
    Rejected(Vec<FieldError>),
    /// Not this import's (a 583 for another program): passed over, with a warning.
    NotOurs(FieldError),
}

fn problem(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        message: message.into(),
    }
}

/// The row's OCLC number, when it reads.
pub fn oclc_of(value: Option<&str>) -> Option<OclcNumber> {
    value.and_then(|v| OclcNumber::parse(v).ok())
}

/// Whether two web addresses are the same page (scheme, case and a final slash aside).
fn same_page(a: &str, b: &str) -> bool {
    let key = |u: &str| {
        let u = u.trim().trim_end_matches('/').to_lowercase();
        u.split_once("://")
            .map(|(_, rest)| rest.to_owned())
            .unwrap_or(u)
    };
    key(a) == key(b)
}

/// Checks `row` against `target`. `known` holds the registry's titles for the rows of the batch
/// whose format may carry none (HathiTrust, holdings records).
pub fn check_row(
    target: &Target,
    row: ImportedRow,
    known: &HashMap<i64, TitleRow>,
    today: NaiveDate,
) -> Checked {
    let program = &target.program;
    let library = &target.library;
    let mut input = row.input;
    let mut errors = row.errors;
    let mut warnings = row.warnings;
    if let Some(why) = row.pass_over {
        return Checked::NotOurs(problem("583 $a", why));
    }
    match program_claim(&row.programs, &program.code, &program.name) {
        ProgramClaim::Theirs(named) => {
            return Checked::NotOurs(problem(
                "583 $f",
                format!("583 for {named}, not for {}: passed over", program.code),
            ))
        }
        ProgramClaim::Ours { notes } if !notes.is_empty() => {
            let note = notes.join("; ");
            warnings.push(problem(
                "583 $f",
                format!("{note:?} is not the program's name: kept as the program note"),
            ));
            input.program_note = Some(note);
        }
        ProgramClaim::Ours { .. } | ProgramClaim::Unnamed => {}
    }
    // A CSV's program_code names the program by its code or its name, as a 583 $f does.
    if let Some(claimed) = &row.program_code {
        if let ProgramClaim::Theirs(named) =
            program_claim(std::slice::from_ref(claimed), &program.code, &program.name)
        {
            errors.push(problem(
                "program_code",
                format!(
                    "the row is for {named}, but this import is for {}",
                    program.code
                ),
            ));
        }
    }
    let claims = [
        (
            "oclc_symbol",
            row.oclc_symbol.as_deref(),
            library.oclc_symbol.as_str(),
            true,
        ),
        (
            "marc_org_code",
            row.marc_org_code.as_deref(),
            library.marc_org_code.as_str(),
            false,
        ),
    ];
    for (field, claimed, actual, ignore_case) in claims {
        if let Some(claimed) = claimed {
            let same = if ignore_case {
                claimed.trim().eq_ignore_ascii_case(actual)
            } else {
                claimed.trim() == actual
            };
            if !same {
                errors.push(problem(
                    field,
                    format!("the row is for {claimed}, but this import is for {actual}"),
                ));
            }
        }
    }
    for code in &row.library_codes {
        if !names_library(code, &library.oclc_symbol, &library.marc_org_code) {
            errors.push(problem(
                "library",
                format!(
                    "the record is for library {code}, but this import is for {} ({})",
                    library.oclc_symbol, library.marc_org_code
                ),
            ));
        }
    }
    if let Some(uri) = &row.program_uri {
        let matches = program
            .uri
            .as_deref()
            .is_some_and(|own| same_page(own, uri));
        if !matches {
            warnings.push(problem(
                "583 $u",
                format!(
                    "{uri:?} is not {}'s web page ({}): imported all the same",
                    program.code,
                    program.uri.as_deref().unwrap_or("it has none")
                ),
            ));
        }
    }
    if row.start_missing {
        warnings.push(problem(
            "retention_start",
            format!("no start date ($c): the import day, {today}, is used"),
        ));
    }
    if row.end_missing {
        match program.default_retention_end {
            Some(end) => warnings.push(problem(
                "retention_end",
                format!(
                    "no end date ($d): {}'s default, {end}, is used",
                    program.code
                ),
            )),
            None => errors.push(problem(
                "retention_end",
                format!(
                    "no end date ($d), and {} has no default retention end to use",
                    program.code
                ),
            )),
        }
    }
    if input.title.is_none() && row.title_optional {
        input.title = Some(match oclc_of(input.oclc_number.as_deref()) {
            None => String::from("[title not given]"),
            Some(number) => match known.get(&number.value()) {
                Some(title) => title.title.clone(),
                None => format!("[title not given: OCLC {number}]"),
            },
        });
    }
    input.program_id = Some(target.program_id());
    input.library_id = Some(target.library_id());
    // Fields the reader already found wrong are not checked twice.
    for error in &errors {
        match error.field.as_str() {
            "retention_start" => input.retention_start = None,
            "retention_end" => input.retention_end = None,
            _ => {}
        }
    }
    match NewCommitment::parse(input, today) {
        Ok(new) if errors.is_empty() => Checked::Propose(Box::new(new), warnings),
        Ok(_) => Checked::Rejected(errors),
        Err(invalid) => {
            // What the reader said already is not said twice: a missing end, a record without 035.
            let said = |field: &str| errors.iter().any(|e| e.field == field);
            let (no_end, no_number) = (said("retention_end"), said("035"));
            errors.extend(invalid.0.into_iter().filter(|e| {
                !(no_end && e.field == "retention_end" || no_number && e.field == "oclc_number")
            }));
            Checked::Rejected(errors)
        }
    }
}
