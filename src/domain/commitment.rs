//! A retention commitment's vocabulary (status, format, shelving, …) and what makes a new one valid.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::identifiers::{Isbn, Issn, OclcNumber};
use super::retention::RetentionEnd;
use super::validation::{non_empty_text, storable, ValidationErrors};

/// Declares a text-backed enum: serde names, `as_str`, `parse` and the list of names.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(value: &str) -> Result<Self, String> {
                match value {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "{other:?} is not one of {}",
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(
    /// Where a commitment is in its life. The last five are final.
    Status {
        Proposed => "proposed",
        Active => "active",
        ReleaseRequested => "release_requested",
        Declined => "declined",
        Withdrawn => "withdrawn",
        Released => "released",
        Transferred => "transferred",
        Expired => "expired",
    }
);

impl Status {
    /// Live commitments count toward uniqueness; the others have ended.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            Status::Proposed | Status::Active | Status::ReleaseRequested
        )
    }
}

text_enum!(
    /// A monograph, or a serial whose retained run is in `materials_specified`.
    Format { Monograph => "monograph", Serial => "serial" }
);

text_enum!(
    Shelving {
        OpenStacks => "open_stacks",
        ClosedStacks => "closed_stacks",
        StorageFacility => "storage_facility",
        HighDensity => "high_density",
    }
);

text_enum!(
    Condition { Excellent => "excellent", Acceptable => "acceptable", Poor => "poor" }
);

text_enum!(
    Validation {
        None => "none",
        CompletenessReviewed => "completeness_reviewed",
        ConditionReviewed => "condition_reviewed",
    }
);

text_enum!(
    /// Access conditions on a retained copy.
    Policy {
        NonCirculating => "non_circulating",
        BuildingUseOnly => "building_use_only",
        DigitizeOnDemand => "digitize_on_demand",
        NoReproduction => "no_reproduction",
    }
);

text_enum!(
    /// Why an active commitment ended early through `report_loss`. People report the first three;
    /// the last two come from HathiTrust deprecation files (`C` a duplicate copy, `E` committed in
    /// error).
    LossReason {
        Lost => "lost",
        Damaged => "damaged",
        Missing => "missing",
        Duplicate => "duplicate",
        Error => "error",
    }
);

impl LossReason {
    /// What a person may report: lost, damaged or missing.
    pub const REPORTED: [LossReason; 3] =
        [LossReason::Lost, LossReason::Damaged, LossReason::Missing];

    /// A reported reason: lost, damaged or missing.
    pub fn parse_reported(value: &str) -> Result<Self, String> {
        LossReason::REPORTED
            .into_iter()
            .find(|r| r.as_str() == value)
            .ok_or_else(|| format!("{value:?} is not one of lost, damaged, missing"))
    }
}

/// Policies as stored: names joined with `;`, in a fixed order without repeats.
pub fn policies_to_text(policies: &[Policy]) -> String {
    let mut sorted: Vec<Policy> = Policy::ALL
        .iter()
        .copied()
        .filter(|p| policies.contains(p))
        .collect();
    sorted.dedup();
    sorted
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(";")
}

/// Policies from their stored form.
pub fn policies_from_text(text: &str) -> Result<Vec<Policy>, String> {
    text.split(';')
        .filter(|p| !p.is_empty())
        .map(Policy::parse)
        .collect()
}

/// The title a commitment is about, as the proposer describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleFacts {
    pub oclc_number: OclcNumber,
    pub title: String,
    pub author: Option<String>,
    pub publisher: Option<String>,
    pub pub_year: Option<i32>,
    pub isbn: Option<Isbn>,
    pub issn: Option<Issn>,
    pub format: Format,
    /// OCLC numbers merged into this one (019 `$a`, 035 `$z`): the same title.
    pub aliases: Vec<OclcNumber>,
}

/// A proposed commitment, checked and ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCommitment {
    pub program_id: Uuid,
    pub library_id: Uuid,
    pub title: TitleFacts,
    pub local_bib_id: Option<String>,
    pub local_item_id: Option<String>,
    pub barcode: Option<String>,
    pub call_number: Option<String>,
    pub materials_specified: Option<String>,
    pub shelving: Option<Shelving>,
    pub condition: Option<Condition>,
    pub validation: Option<Validation>,
    pub policies: Vec<Policy>,
    pub retention_start: NaiveDate,
    /// `None`: the program's default applies (checked when stored).
    pub retention_end: Option<RetentionEnd>,
    pub public_note: Option<String>,
    pub private_note: Option<String>,
    /// What else an imported 583's `$f` said: a tier or sub-collection of the program.
    pub program_note: Option<String>,
    /// The level and terms of the copy's validation (583 `$i`, `$l`).
    pub validation_note: Option<String>,
}

/// What a client sent, before checking. Enums were already read by serde.
#[derive(Debug, Default, Clone)]
pub struct CommitmentInput {
    pub program_id: Option<Uuid>,
    pub library_id: Option<Uuid>,
    pub oclc_number: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub publisher: Option<String>,
    pub pub_year: Option<i64>,
    pub isbn: Option<String>,
    pub issn: Option<String>,
    pub format: Option<Format>,
    pub local_bib_id: Option<String>,
    pub local_item_id: Option<String>,
    pub barcode: Option<String>,
    pub call_number: Option<String>,
    pub materials_specified: Option<String>,
    pub shelving: Option<Shelving>,
    pub condition: Option<Condition>,
    pub validation: Option<Validation>,
    pub policies: Vec<Policy>,
    pub retention_start: Option<String>,
    pub retention_end: Option<String>,
    pub public_note: Option<String>,
    pub private_note: Option<String>,
    pub program_note: Option<String>,
    pub validation_note: Option<String>,
    /// OCLC numbers merged into the title's (any written form).
    pub aliases: Vec<String>,
}

/// Longest free-text field accepted.
const MAX_TEXT: usize = 2000;

fn optional_text(
    errors: &mut ValidationErrors,
    field: &str,
    value: Option<String>,
) -> Option<String> {
    let value = value
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    if value.chars().count() > MAX_TEXT {
        errors.add(
            field,
            format!("{field} must be at most {MAX_TEXT} characters"),
        );
        return None;
    }
    errors.check(field, storable(&value, field))?;
    Some(value)
}

impl NewCommitment {
    /// Checks every field; `today` is the default start.
    pub fn parse(input: CommitmentInput, today: NaiveDate) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let program_id = errors.require("program_id", input.program_id);
        let library_id = errors.require("library_id", input.library_id);
        let oclc_number = errors
            .require("oclc_number", input.oclc_number)
            .and_then(|n| errors.check("oclc_number", OclcNumber::parse(&n)));
        let title = errors
            .require("title", input.title)
            .and_then(|t| errors.check("title", non_empty_text(&t, "title", MAX_TEXT)));
        let pub_year = match input.pub_year {
            Some(year) if !(1000..=9999).contains(&year) => {
                errors.add(
                    "pub_year",
                    format!("pub_year {year} is not a four-digit year"),
                );
                None
            }
            year => year.map(|y| y as i32),
        };
        let isbn = optional_text(&mut errors, "isbn", input.isbn)
            .and_then(|i| errors.check("isbn", Isbn::parse(&i)));
        let issn = optional_text(&mut errors, "issn", input.issn)
            .and_then(|i| errors.check("issn", Issn::parse(&i)));
        let retention_start = match input
            .retention_start
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Some(today),
            Some(start) => errors.check(
                "retention_start",
                NaiveDate::parse_from_str(start, "%Y-%m-%d")
                    .map_err(|_| format!("{start:?} is not a valid date (YYYY-MM-DD)")),
            ),
        };
        let retention_end = match input
            .retention_end
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(end) => errors.check("retention_end", RetentionEnd::parse(end)),
        };
        if let (Some(start), Some(RetentionEnd::Date(end))) = (retention_start, retention_end) {
            if end < start {
                errors.add(
                    "retention_end",
                    format!("retention_end {end} is before retention_start {start}"),
                );
            }
        }
        let author = optional_text(&mut errors, "author", input.author);
        let publisher = optional_text(&mut errors, "publisher", input.publisher);
        let local_bib_id = optional_text(&mut errors, "local_bib_id", input.local_bib_id);
        let local_item_id = optional_text(&mut errors, "local_item_id", input.local_item_id);
        let barcode = optional_text(&mut errors, "barcode", input.barcode);
        let call_number = optional_text(&mut errors, "call_number", input.call_number);
        let materials_specified = optional_text(
            &mut errors,
            "materials_specified",
            input.materials_specified,
        );
        let public_note = optional_text(&mut errors, "public_note", input.public_note);
        let private_note = optional_text(&mut errors, "private_note", input.private_note);
        let mut aliases = Vec::new();
        for alias in &input.aliases {
            if let Some(number) = errors.check("aliases", OclcNumber::parse(alias)) {
                if !aliases.contains(&number) {
                    aliases.push(number);
                }
            }
        }
        let program_note = optional_text(&mut errors, "program_note", input.program_note);
        let validation_note = optional_text(&mut errors, "validation_note", input.validation_note);
        if input.policies.contains(&Policy::DigitizeOnDemand)
            && input.policies.contains(&Policy::NoReproduction)
        {
            errors.add(
                "policies",
                "digitize_on_demand and no_reproduction exclude each other",
            );
        }
        errors.into_result()?;
        Ok(Self {
            program_id: program_id.expect("checked above"),
            library_id: library_id.expect("checked above"),
            title: TitleFacts {
                oclc_number: oclc_number.expect("checked above"),
                title: title.expect("checked above"),
                author,
                publisher,
                pub_year,
                isbn,
                issn,
                format: input.format.unwrap_or(Format::Monograph),
                aliases: aliases
                    .into_iter()
                    .filter(|a| Some(*a) != oclc_number)
                    .collect(),
            },
            local_bib_id,
            local_item_id,
            barcode,
            call_number,
            materials_specified,
            shelving: input.shelving,
            condition: input.condition,
            validation: input.validation,
            policies: input.policies,
            retention_start: retention_start.expect("checked above"),
            retention_end,
            public_note,
            private_note,
            program_note,
            validation_note,
        })
    }

    /// The retention end, falling back to the program's default; a missing end is a field error.
    pub fn resolve_end(
        &self,
        program_default: Option<NaiveDate>,
    ) -> Result<RetentionEnd, ValidationErrors> {
        let end = self
            .retention_end
            .or(program_default.map(RetentionEnd::Date))
            .ok_or_else(|| {
                ValidationErrors::one(
                    "retention_end",
                    "retention_end is required: the program has no default end date",
                )
            })?;
        if let RetentionEnd::Date(date) = end {
            if date < self.retention_start {
                return Err(ValidationErrors::one(
                    "retention_end",
                    format!(
                        "retention_end {date} (the program's default) is before retention_start {}",
                        self.retention_start
                    ),
                ));
            }
        }
        Ok(end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    fn input() -> CommitmentInput {
        CommitmentInput {
            program_id: Some(Uuid::now_v7()),
            library_id: Some(Uuid::now_v7()),
            oclc_number: Some("(OCoLC)ocm00012345".into()),
            title: Some("The shared print handbook".into()),
            ..Default::default()
        }
    }

    #[test]
    fn minimal_proposal_starts_today_and_uses_the_programs_end() {
        let new = NewCommitment::parse(input(), today()).unwrap();
        assert_eq!(new.title.oclc_number.value(), 12345);
        assert_eq!(new.retention_start, today());
        assert_eq!(new.retention_end, None);
        let default = NaiveDate::from_ymd_opt(2042, 12, 31).unwrap();
        assert_eq!(
            new.resolve_end(Some(default)).unwrap(),
            RetentionEnd::Date(default)
        );
        assert_eq!(
            new.resolve_end(None).unwrap_err().0[0].field,
            "retention_end"
        );
    }

    #[test]
    fn every_bad_field_is_reported() {
        let errors = NewCommitment::parse(
            CommitmentInput {
                program_id: None,
                oclc_number: Some("(DLC)2001012345".into()),
                title: Some(" ".into()),
                isbn: Some("0-306-40615-X".into()),
                issn: Some("0317-8472".into()),
                retention_start: Some("2020-01-01".into()),
                retention_end: Some("2019-12-31".into()),
                policies: vec![Policy::DigitizeOnDemand, Policy::NoReproduction],
                ..input()
            },
            today(),
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "program_id",
                "oclc_number",
                "title",
                "isbn",
                "issn",
                "retention_end",
                "policies"
            ]
        );
    }

    #[test]
    fn policies_round_trip_in_a_fixed_order() {
        let text = policies_to_text(&[
            Policy::NoReproduction,
            Policy::NonCirculating,
            Policy::NonCirculating,
        ]);
        assert_eq!(text, "non_circulating;no_reproduction");
        assert_eq!(
            policies_from_text(&text).unwrap(),
            vec![Policy::NonCirculating, Policy::NoReproduction]
        );
        assert_eq!(policies_from_text("").unwrap(), vec![]);
    }

    #[test]
    fn status_names_round_trip_and_live_ones_are_known() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.as_str()).unwrap(), *status);
        }
        let live: Vec<_> = Status::ALL.iter().filter(|s| s.is_live()).collect();
        assert_eq!(
            live,
            [
                &Status::Proposed,
                &Status::Active,
                &Status::ReleaseRequested
            ]
        );
    }
}
