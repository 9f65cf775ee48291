//! What a library holds (committed or not), and the coverage of a title in a program that holdings
//! and commitments give together: the ground allocation and the withdrawal check stand on.

use uuid::Uuid;

use super::commitment::{Format, Shelving};
use super::identifiers::{Isbn, Issn, OclcNumber};
use super::role::{Actor, Role};
use super::validation::FieldError;
use super::workflow::Refusal;

/// One title a library holds, read from a holdings file and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub oclc_number: OclcNumber,
    /// Numbers merged into it (019, 035 `$z`): they find the same title.
    pub aliases: Vec<OclcNumber>,
    pub isbn: Option<Isbn>,
    pub issn: Option<Issn>,
    pub title: Option<String>,
    pub format: Option<Format>,
    pub shelving: Option<Shelving>,
    pub local_bib_id: Option<String>,
}

/// The values a reader found in one row of a holdings file, before they are checked.
#[derive(Debug, Clone, Default)]
pub struct HoldingInput {
    pub oclc_number: Option<String>,
    pub aliases: Vec<String>,
    pub isbn: Option<String>,
    pub issn: Option<String>,
    pub title: Option<String>,
    pub format: Option<Format>,
    pub shelving: Option<Shelving>,
    pub local_bib_id: Option<String>,
}

/// Longest title or local id kept.
const MAX_TEXT: usize = 2000;

impl Holding {
    /// Checks a row: the OCLC number must read; a bad ISBN, ISSN or merged number only loses that
    /// value (said in a warning), since what matters is that the library holds the title.
    pub fn parse(input: HoldingInput) -> Result<(Holding, Vec<FieldError>), Vec<FieldError>> {
        let problem = |field: &str, message: String| FieldError {
            field: field.to_owned(),
            message,
        };
        let oclc_number = match input.oclc_number.as_deref().map(OclcNumber::parse) {
            Some(Ok(number)) => number,
            Some(Err(message)) => return Err(vec![problem("oclc_number", message)]),
            None => {
                return Err(vec![problem(
                    "oclc_number",
                    "oclc_number is required: the title is known by it".into(),
                )])
            }
        };
        let mut warnings = Vec::new();
        let mut aliases = Vec::new();
        for alias in &input.aliases {
            match OclcNumber::parse(alias) {
                Ok(n) if n != oclc_number && !aliases.contains(&n) => aliases.push(n),
                Ok(_) => {}
                Err(m) => warnings.push(problem(
                    "aliases",
                    format!("a merged number was passed over: {m}"),
                )),
            }
        }
        let mut optional =
            |field: &str, value: Option<String>, parse: fn(&str) -> Result<(), String>| {
                let value = value?;
                match parse(&value) {
                    Ok(()) => Some(value),
                    Err(m) => {
                        warnings.push(problem(field, format!("{field} was passed over: {m}")));
                        None
                    }
                }
            };
        let isbn = optional("isbn", input.isbn, |v| Isbn::parse(v).map(drop));
        let issn = optional("issn", input.issn, |v| Issn::parse(v).map(drop));
        let cut = |value: Option<String>| {
            value
                .map(|v| v.trim().chars().take(MAX_TEXT).collect::<String>())
                .filter(|v| !v.is_empty())
        };
        Ok((
            Holding {
                oclc_number,
                aliases,
                isbn: isbn.and_then(|v| Isbn::parse(&v).ok()),
                issn: issn.and_then(|v| Issn::parse(&v).ok()),
                title: cut(input.title),
                format: input.format,
                shelving: input.shelving,
                local_bib_id: cut(input.local_bib_id),
            },
            warnings,
        ))
    }

    /// The format of a new title made from this holding: as given, else a serial when it has an
    /// ISSN and no ISBN.
    pub fn format_or_guess(&self) -> Format {
        self.format
            .unwrap_or(if self.issn.is_some() && self.isbn.is_none() {
                Format::Serial
            } else {
                Format::Monograph
            })
    }
}

/// Whether `actor` may load the holdings of `library_id`, a member of `library_programs`: an
/// admin, a coordinator of one of those programs, the library's collection manager.
pub fn may_load(actor: &Actor, library_id: Uuid, library_programs: &[Uuid]) -> Result<(), Refusal> {
    match actor.role {
        Role::Admin => Ok(()),
        Role::Coordinator
            if library_programs
                .iter()
                .any(|p| actor.program_ids.contains(p)) =>
        {
            Ok(())
        }
        Role::Coordinator => Err(Refusal::Forbidden(
            "a coordinator loads holdings only for libraries of its programs".into(),
        )),
        Role::CollectionManager if actor.library_id == Some(library_id) => Ok(()),
        Role::CollectionManager => Err(Refusal::Forbidden(
            "a collection manager loads holdings only for its own library".into(),
        )),
        Role::Auditor => Err(Refusal::Forbidden("an auditor only reads".into())),
    }
}

/// Where a title stands in a program: held but kept by nobody, kept by fewer libraries than the
/// program's target, by exactly as many, or by more.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CoverageState {
    Unretained,
    AtRisk,
    Met,
    OverRetained,
}

impl CoverageState {
    pub const ALL: [CoverageState; 4] = [
        CoverageState::Unretained,
        CoverageState::AtRisk,
        CoverageState::Met,
        CoverageState::OverRetained,
    ];

    /// The state of a title with `committed` live-and-kept commitments against `target` copies.
    pub fn of(committed: i64, target: i64) -> Self {
        if committed <= 0 {
            CoverageState::Unretained
        } else if committed < target {
            CoverageState::AtRisk
        } else if committed == target {
            CoverageState::Met
        } else {
            CoverageState::OverRetained
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CoverageState::Unretained => "unretained",
            CoverageState::AtRisk => "at_risk",
            CoverageState::Met => "met",
            CoverageState::OverRetained => "over_retained",
        }
    }

    pub fn parse(value: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| {
                format!("{value:?} is not one of unretained, at_risk, met, over_retained")
            })
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            CoverageState::Unretained => "Unretained",
            CoverageState::AtRisk => "At risk",
            CoverageState::Met => "Target met",
            CoverageState::OverRetained => "Over-retained",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(oclc: &str) -> HoldingInput {
        HoldingInput {
            oclc_number: Some(oclc.into()),
            ..Default::default()
        }
    }

    #[test]
    fn a_holding_needs_a_readable_oclc_number() {
        assert_eq!(
            Holding::parse(input("(OCoLC)ocm00012345"))
                .unwrap()
                .0
                .oclc_number
                .value(),
            12345
        );
        let errors = Holding::parse(input("twelve")).unwrap_err();
        assert_eq!(errors[0].field, "oclc_number");
        let errors = Holding::parse(HoldingInput::default()).unwrap_err();
        assert!(errors[0].message.contains("required"));
    }

    #[test]
    fn a_bad_isbn_or_merged_number_is_dropped_with_a_warning_not_the_holding() {
        let (holding, warnings) = Holding::parse(HoldingInput {
            isbn: Some("978-0-306-40615-6".into()),
            aliases: vec!["x".into(), "12345".into(), "777".into()],
            ..input("12345")
        })
        .unwrap();
        assert_eq!(holding.isbn, None);
        assert_eq!(holding.aliases.len(), 1, "the own number is not its alias");
        let fields: Vec<&str> = warnings.iter().map(|w| w.field.as_str()).collect();
        assert_eq!(fields, ["aliases", "isbn"]);
    }

    #[test]
    fn an_issn_without_isbn_makes_a_serial() {
        let (holding, _) = Holding::parse(HoldingInput {
            issn: Some("0028-0836".into()),
            ..input("1")
        })
        .unwrap();
        assert_eq!(holding.format_or_guess(), Format::Serial);
    }

    #[test]
    fn coverage_states_follow_the_target() {
        assert_eq!(CoverageState::of(0, 2), CoverageState::Unretained);
        assert_eq!(CoverageState::of(1, 2), CoverageState::AtRisk);
        assert_eq!(CoverageState::of(2, 2), CoverageState::Met);
        assert_eq!(CoverageState::of(3, 2), CoverageState::OverRetained);
        assert_eq!(CoverageState::parse("at_risk"), Ok(CoverageState::AtRisk));
        assert!(CoverageState::parse("risky").is_err());
    }

    fn actor(role: Role, library: Option<Uuid>, programs: Vec<Uuid>) -> Actor {
        Actor {
            user_id: Uuid::now_v7(),
            role,
            library_id: library,
            program_ids: programs,
        }
    }

    #[test]
    fn holdings_are_loaded_by_the_library_its_coordinators_and_admins() {
        let (library, other, program, elsewhere) = (
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
            Uuid::now_v7(),
        );
        let programs = [program];
        assert!(may_load(&actor(Role::Admin, None, vec![]), library, &programs).is_ok());
        assert!(may_load(
            &actor(Role::Coordinator, None, vec![program]),
            library,
            &programs
        )
        .is_ok());
        assert!(may_load(
            &actor(Role::Coordinator, None, vec![elsewhere]),
            library,
            &programs
        )
        .is_err());
        assert!(may_load(
            &actor(Role::CollectionManager, Some(library), vec![program]),
            library,
            &programs
        )
        .is_ok());
        assert!(may_load(
            &actor(Role::CollectionManager, Some(other), vec![program]),
            library,
            &programs
        )
        .is_err());
        assert!(may_load(
            &actor(Role::Auditor, None, vec![program]),
            library,
            &programs
        )
        .is_err());
    }
}
