//! Programs and libraries: the codes they are known by and the rules for creating them.

use chrono::NaiveDate;

use super::validation::{non_empty_text, ValidationErrors};

/// A program's short code (`EAST`, `HathiTrust`, `BTAA SPC`): 1–32 characters of `[A-Za-z0-9 _.-]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramCode(String);

impl ProgramCode {
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        let len = value.chars().count();
        if !(1..=32).contains(&len) {
            return Err("code must be 1 to 32 characters".into());
        }
        if let Some(bad) = value
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, ' ' | '_' | '.' | '-')))
        {
            return Err(format!(
                "code may contain only letters, digits, space, '_', '.' and '-' (found {bad:?})"
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An OCLC institution symbol (`EYM`, `CUS`): 3–5 uppercase letters or digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OclcSymbol(String);

impl OclcSymbol {
    pub fn parse(value: &str) -> Result<Self, String> {
        let len = value.len();
        let well_formed = (3..=5).contains(&len)
            && value
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if well_formed {
            Ok(Self(value.to_owned()))
        } else {
            Err(format!(
                "OCLC symbol {value:?} must be 3 to 5 uppercase letters or digits, such as EYM"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A MARC organization code as used in 583 `$5` (`MiU`, `PCarlD`, `CU-S`): case matters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarcOrgCode(String);

impl MarcOrgCode {
    pub fn parse(value: &str) -> Result<Self, String> {
        let len = value.len();
        let starts_with_letter = value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic());
        let well_formed = (2..=16).contains(&len)
            && starts_with_letter
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | ':' | '/'));
        if well_formed {
            Ok(Self(value.to_owned()))
        } else {
            Err(format!(
                "MARC organization code {value:?} must start with a letter and hold 2 to 16 letters, digits or hyphens, such as MiU or CU-S"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An absolute `http` or `https` address, such as a program's web page (583 `$u`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUri(String);

impl HttpUri {
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        let rest = value
            .strip_prefix("https://")
            .or_else(|| value.strip_prefix("http://"));
        match rest {
            Some(rest)
                if !rest.is_empty()
                    && !rest.starts_with('/')
                    && value.len() <= 2048
                    && !value.chars().any(|c| c.is_whitespace() || c.is_control()) =>
            {
                Ok(Self(value.to_owned()))
            }
            _ => Err(format!("{value:?} is not an http:// or https:// address")),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a `YYYY-MM-DD` date, naming the field in the message.
pub fn parse_date(value: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| format!("{value:?} is not a valid date (YYYY-MM-DD)"))
}

/// A shared-print program, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProgram {
    pub code: ProgramCode,
    pub name: String,
    pub uri: Option<HttpUri>,
    pub target_copies: i32,
    pub default_retention_end: Option<NaiveDate>,
}

/// What a client sent to create a program, before checking.
#[derive(Debug, Default)]
pub struct ProgramInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub uri: Option<String>,
    pub target_copies: Option<i64>,
    pub default_retention_end: Option<String>,
}

/// How many copies a program may aim to keep of each title.
pub const TARGET_COPIES: std::ops::RangeInclusive<i64> = 1..=20;

/// Target copies when a program does not say.
pub const DEFAULT_TARGET_COPIES: i64 = 2;

impl NewProgram {
    pub fn parse(input: ProgramInput) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let code = errors
            .require("code", input.code)
            .and_then(|c| errors.check("code", ProgramCode::parse(&c)));
        let name = errors
            .require("name", input.name)
            .and_then(|n| errors.check("name", non_empty_text(&n, "name", 200)));
        let uri = match input.uri.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(uri) => errors.check("uri", HttpUri::parse(uri)),
        };
        let target_copies = input.target_copies.unwrap_or(DEFAULT_TARGET_COPIES);
        if !TARGET_COPIES.contains(&target_copies) {
            errors.add(
                "target_copies",
                format!(
                    "target_copies must be between {} and {}",
                    TARGET_COPIES.start(),
                    TARGET_COPIES.end()
                ),
            );
        }
        let default_retention_end = match input.default_retention_end {
            None => None,
            Some(date) => errors.check("default_retention_end", parse_date(&date)),
        };
        errors.into_result()?;
        Ok(Self {
            code: code.expect("checked above"),
            name: name.expect("checked above"),
            uri,
            target_copies: target_copies as i32,
            default_retention_end,
        })
    }
}

/// A member library, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLibrary {
    pub name: String,
    pub oclc_symbol: OclcSymbol,
    pub marc_org_code: MarcOrgCode,
}

impl NewLibrary {
    pub fn parse(
        name: Option<String>,
        oclc_symbol: Option<String>,
        marc_org_code: Option<String>,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = errors
            .require("name", name)
            .and_then(|n| errors.check("name", non_empty_text(&n, "name", 200)));
        let oclc_symbol = errors
            .require("oclc_symbol", oclc_symbol)
            .and_then(|s| errors.check("oclc_symbol", OclcSymbol::parse(&s)));
        let marc_org_code = errors
            .require("marc_org_code", marc_org_code)
            .and_then(|s| errors.check("marc_org_code", MarcOrgCode::parse(&s)));
        errors.into_result()?;
        Ok(Self {
            name: name.expect("checked above"),
            oclc_symbol: oclc_symbol.expect("checked above"),
            marc_org_code: marc_org_code.expect("checked above"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_codes_of_real_programs_parse() {
        for code in [
            "EAST",
            "WEST",
            "HathiTrust",
            "BTAA SPC",
            "Maine_SC",
            "ReCAP-2.0",
        ] {
            assert!(ProgramCode::parse(code).is_ok(), "{code}");
        }
        assert!(ProgramCode::parse("").is_err());
        assert!(ProgramCode::parse("EAST/WEST").is_err());
        assert!(ProgramCode::parse(&"X".repeat(33)).is_err());
    }

    #[test]
    fn oclc_symbols_are_three_to_five_uppercase() {
        assert!(OclcSymbol::parse("EYM").is_ok());
        assert!(OclcSymbol::parse("CUS").is_ok());
        assert!(OclcSymbol::parse("ZCU01").is_ok());
        assert!(OclcSymbol::parse("ey").is_err());
        assert!(OclcSymbol::parse("eym").is_err());
        assert!(OclcSymbol::parse("TOOLONG").is_err());
    }

    #[test]
    fn marc_org_codes_keep_their_case() {
        for code in ["MiU", "PCarlD", "CU-S", "AzTeS", "MeB", "HUL"] {
            assert_eq!(MarcOrgCode::parse(code).unwrap().as_str(), code);
        }
        assert!(MarcOrgCode::parse("M").is_err());
        assert!(MarcOrgCode::parse("1abc").is_err());
        assert!(MarcOrgCode::parse("Mi U").is_err());
    }

    #[test]
    fn program_input_reports_every_field() {
        let errors = NewProgram::parse(ProgramInput {
            code: Some("EAST!".into()),
            name: None,
            uri: Some("ftp://x".into()),
            target_copies: Some(0),
            default_retention_end: Some("2042-13-01".into()),
        })
        .unwrap_err();
        let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "code",
                "name",
                "uri",
                "target_copies",
                "default_retention_end"
            ]
        );
    }

    #[test]
    fn program_defaults_to_two_copies() {
        let program = NewProgram::parse(ProgramInput {
            code: Some("EAST".into()),
            name: Some("Eastern Academic Scholars' Trust".into()),
            uri: Some("https://eastlibraries.org".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(program.target_copies, 2);
        assert_eq!(program.uri.unwrap().as_str(), "https://eastlibraries.org");
    }
}
