//! Which program and library an imported 583 says it is for (DOMAIN.md, "Reading real 583s").
//!
//! A 583 names its program in `$f`, often repeated with a tier or sub-collection
//! (`$f ReCAP $f Italian Language Imprints Collaborative Collection`), and its library in `$5` (or a
//! holdings record in 852 `$a`), by OCLC symbol or MARC organization code.

/// A name as the field writes it, compared as people mean it: case, surrounding spaces and a final
/// period do not matter.
fn normalised(value: &str) -> String {
    value.trim().trim_end_matches('.').trim().to_lowercase()
}

/// How a 583's `$f` values stand to the importing program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramClaim {
    /// No `$f`: the import's program.
    Unnamed,
    /// One `$f` names the program; the others (a tier, a sub-collection) are kept as a note.
    Ours { notes: Vec<String> },
    /// Every `$f` names something else: another program's commitment.
    Theirs(String),
}

/// What the `$f` `values` of a 583 say, for the program with `code` and `name`.
pub fn program_claim(values: &[String], code: &str, name: &str) -> ProgramClaim {
    let values: Vec<&str> = values
        .iter()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .collect();
    if values.is_empty() {
        return ProgramClaim::Unnamed;
    }
    let (code, name) = (normalised(code), normalised(name));
    let is_ours = |v: &str| {
        let v = normalised(v);
        v == code || v == name
    };
    if values.iter().any(|v| is_ours(v)) {
        let mut notes: Vec<String> = Vec::new();
        for value in values.iter().filter(|v| !is_ours(v)) {
            let value = value.trim_end_matches('.').trim().to_owned();
            if !notes.contains(&value) {
                notes.push(value);
            }
        }
        ProgramClaim::Ours { notes }
    } else {
        ProgramClaim::Theirs(values.join(" / "))
    }
}

/// Whether a library code of a 583 `$5` or 852 `$a` names the library with this OCLC symbol or
/// MARC organization code (case does not matter: files write `hul`, `HUL`, `NjP`, `NJP`).
pub fn names_library(value: &str, oclc_symbol: &str, marc_org_code: &str) -> bool {
    let value = normalised(value);
    value == oclc_symbol.to_lowercase() || value == marc_org_code.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_tier_or_sub_collection_beside_the_program_is_kept_as_a_note() {
        assert_eq!(
            program_claim(
                &values(&[
                    "ReCAP",
                    "Italian Language Imprints Collaborative Collection"
                ]),
                "ReCAP",
                "Research Collections and Preservation Consortium"
            ),
            ProgramClaim::Ours {
                notes: vec!["Italian Language Imprints Collaborative Collection".into()]
            }
        );
        assert_eq!(
            program_claim(
                &values(&["TESTPROGRAM", "TESTPROGRAM Gold"]),
                "TESTPROGRAM",
                "Test"
            ),
            ProgramClaim::Ours {
                notes: vec!["TESTPROGRAM Gold".into()]
            }
        );
    }

    #[test]
    fn the_program_is_named_by_code_or_name_in_any_case_with_a_final_period() {
        for value in [
            "hathitrust",
            " HathiTrust. ",
            "HathiTrust Shared Print Program",
        ] {
            assert_eq!(
                program_claim(
                    &values(&[value]),
                    "HathiTrust",
                    "HathiTrust Shared Print Program"
                ),
                ProgramClaim::Ours { notes: vec![] },
                "{value}"
            );
        }
        assert_eq!(
            program_claim(&[], "EAST", "Eastern Academic Scholars' Trust"),
            ProgramClaim::Unnamed
        );
    }

    #[test]
    fn another_programs_583_is_theirs() {
        assert_eq!(
            program_claim(
                &values(&["ReCAP Shared Collection"]),
                "HathiTrust",
                "HathiTrust Shared Print Program"
            ),
            ProgramClaim::Theirs("ReCAP Shared Collection".into())
        );
    }

    #[test]
    fn a_library_is_named_by_symbol_or_marc_code_in_any_case() {
        assert!(names_library("hul", "HUL", "MH"));
        assert!(names_library("MH", "HUL", "MH"));
        assert!(names_library("njp", "PUL", "NjP"));
        assert!(!names_library("MiU", "HUL", "MH"));
    }
}
