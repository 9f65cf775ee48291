//! Bibliographic identifiers, parsed once at the boundary: OCLC numbers, ISBNs, ISSNs.
//!
//! See DOMAIN.md "Identifiers". Each constructor accepts the forms found in real records and
//! refuses anything it cannot read, with a message that says what is wrong.

use std::fmt;

/// An OCLC control number, normalised to the integer (`(OCoLC)ocm00012345` → 12345).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OclcNumber(i64);

impl OclcNumber {
    /// Reads `12345`, `00012345`, `(OCoLC)12345`, `(OCoLC)ocm00012345`, `ocm…`, `ocn…`, `on…`.
    pub fn parse(value: &str) -> Result<Self, String> {
        let original = value;
        let mut rest = value.trim();
        if rest.is_empty() {
            return Err("OCLC number is empty".into());
        }
        if let Some(stripped) = strip_prefix_ignore_case(rest, "(OCoLC)") {
            rest = stripped.trim_start();
        } else if rest.starts_with('(') {
            let prefix = rest.split(')').next().unwrap_or(rest);
            return Err(format!(
                "{original:?} is not an OCLC number: {prefix}) is another agency's number, not (OCoLC)"
            ));
        }
        for prefix in ["ocm", "ocn", "on"] {
            if let Some(stripped) = strip_prefix_ignore_case(rest, prefix) {
                rest = stripped;
                break;
            }
        }
        let digits: String = rest.chars().filter(|c| *c != ' ').collect();
        if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
            let hint = if digits.contains(['e', 'E']) && digits.contains('.') {
                " (it looks like a spreadsheet turned it into scientific notation)"
            } else {
                ""
            };
            return Err(format!(
                "{original:?} is not an OCLC number: it must be digits{hint}"
            ));
        }
        let trimmed = digits.trim_start_matches('0');
        if trimmed.is_empty() {
            return Err(format!("{original:?} is not an OCLC number: it is zero"));
        }
        trimmed
            .parse::<i64>()
            .map(OclcNumber)
            .map_err(|_| format!("{original:?} is not an OCLC number: it is too long"))
    }

    /// From an integer, such as a JSON number.
    pub fn from_integer(value: i64) -> Result<Self, String> {
        if value > 0 {
            Ok(Self(value))
        } else {
            Err(format!(
                "{value} is not an OCLC number: it must be positive"
            ))
        }
    }

    pub fn value(self) -> i64 {
        self.0
    }
}

impl fmt::Display for OclcNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

fn strip_prefix_ignore_case<'a>(value: &'a str, prefix: &str) -> Option<&'a str> {
    let head = value.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &value[prefix.len()..])
}

/// An ISBN, checked and kept as ISBN-13 digits (ISBN-10 are converted: prefix 978, new check digit).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Isbn(String);

impl Isbn {
    pub fn parse(value: &str) -> Result<Self, String> {
        let compact: String = value
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let shown = value.trim();
        if !compact.is_ascii() {
            return Err(format!(
                "ISBN {shown}: an ISBN is digits (and X as an ISBN-10's check digit)"
            ));
        }
        match compact.len() {
            10 => {
                let (body, check) = compact.split_at(9);
                if !body.chars().all(|c| c.is_ascii_digit())
                    || !check.chars().all(|c| c.is_ascii_digit() || c == 'X')
                {
                    return Err(format!(
                        "ISBN {shown}: an ISBN-10 is 9 digits and a check digit (0–9 or X)"
                    ));
                }
                let expected = isbn10_check(body);
                if check != expected {
                    return Err(format!("ISBN {shown}: check digit should be {expected}"));
                }
                let thirteen_body = format!("978{body}");
                Ok(Self(format!(
                    "{thirteen_body}{}",
                    isbn13_check(&thirteen_body)
                )))
            }
            13 => {
                if !compact.chars().all(|c| c.is_ascii_digit()) {
                    return Err(format!("ISBN {shown}: an ISBN-13 is 13 digits"));
                }
                let (body, check) = compact.split_at(12);
                let expected = isbn13_check(body);
                if check != expected {
                    return Err(format!("ISBN {shown}: check digit should be {expected}"));
                }
                Ok(Self(compact))
            }
            _ => Err(format!("ISBN {shown}: an ISBN has 10 or 13 characters")),
        }
    }

    /// The 13 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn isbn10_check(body: &str) -> String {
    let sum: u32 = body
        .chars()
        .zip((2..=10).rev())
        .map(|(c, weight)| c.to_digit(10).unwrap_or(0) * weight)
        .sum();
    match (11 - sum % 11) % 11 {
        10 => "X".into(),
        digit => digit.to_string(),
    }
}

fn isbn13_check(body: &str) -> String {
    let sum: u32 = body
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap_or(0) * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    ((10 - sum % 10) % 10).to_string()
}

/// An ISSN, checked and kept as `NNNN-NNNC`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Issn(String);

impl Issn {
    pub fn parse(value: &str) -> Result<Self, String> {
        let shown = value.trim();
        let compact: String = shown
            .chars()
            .filter(|c| !matches!(c, '-' | ' '))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if compact.chars().count() != 8 {
            return Err(format!(
                "ISSN {shown}: an ISSN is 8 characters, such as 0317-8471"
            ));
        }
        if !compact.is_ascii() {
            return Err(format!(
                "ISSN {shown}: an ISSN is 7 digits and a check digit (0–9 or X)"
            ));
        }
        let (body, check) = compact.split_at(7);
        if !body.chars().all(|c| c.is_ascii_digit())
            || !check.chars().all(|c| c.is_ascii_digit() || c == 'X')
        {
            return Err(format!(
                "ISSN {shown}: an ISSN is 7 digits and a check digit (0–9 or X)"
            ));
        }
        let sum: u32 = body
            .chars()
            .zip((2..=8).rev())
            .map(|(c, weight)| c.to_digit(10).unwrap_or(0) * weight)
            .sum();
        let expected = match sum % 11 {
            0 => "0".to_owned(),
            r if 11 - r == 10 => "X".to_owned(),
            r => (11 - r).to_string(),
        };
        if check != expected {
            return Err(format!("ISSN {shown}: check digit should be {expected}"));
        }
        Ok(Self(format!("{}-{}", &compact[..4], &compact[4..])))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a number typed into a title lookup may be: an OCLC number in any of its forms, an ISBN
/// (10 or 13) or an ISSN. A string that reads as several (13 digits are both an OCLC number and,
/// with a right check digit, an ISBN) keeps every reading; the lookup finds titles by any of them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleQuery {
    pub oclc: Option<OclcNumber>,
    pub isbn: Option<Isbn>,
    pub issn: Option<Issn>,
}

impl TitleQuery {
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.is_empty() {
            return Err("enter an OCLC number, an ISBN or an ISSN".into());
        }
        let oclc = OclcNumber::parse(value);
        let isbn = Isbn::parse(value);
        let issn = Issn::parse(value);
        if oclc.is_err() && isbn.is_err() && issn.is_err() {
            let compact: String = value.chars().filter(char::is_ascii_alphanumeric).collect();
            // Say why in the terms of what it most looks like.
            let why = match compact.len() {
                10 | 13 => isbn.err(),
                8 if value.contains('-') => issn.err(),
                _ => oclc.err(),
            };
            return Err(format!(
                "{value:?} is not an OCLC number, an ISBN or an ISSN: {}",
                why.unwrap_or_default()
            ));
        }
        Ok(Self {
            oclc: oclc.ok(),
            isbn: isbn.ok(),
            issn: issn.ok(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oclc_numbers_in_every_real_form_normalise_to_the_integer() {
        for form in [
            "12345",
            "00012345",
            "(OCoLC)12345",
            "(OCoLC)ocm00012345",
            "ocm00012345",
            " (OCoLC) 12345 ",
        ] {
            assert_eq!(OclcNumber::parse(form).unwrap().value(), 12345, "{form}");
        }
        assert_eq!(
            OclcNumber::parse("ocn123456789").unwrap().value(),
            123456789
        );
        assert_eq!(
            OclcNumber::parse("on1234567890").unwrap().value(),
            1234567890
        );
        assert_eq!(
            OclcNumber::parse("(OCoLC)on1234567890").unwrap().value(),
            1234567890
        );
        assert_eq!(OclcNumber::from_integer(12345).unwrap().value(), 12345);
    }

    #[test]
    fn oclc_number_refuses_what_is_not_one() {
        for bad in [
            "",
            "   ",
            "0",
            "000",
            "(OCoLC)0",
            "12a45",
            "ocm",
            "1.23457e+07",
            "(DLC)   2001012345",
            "(CaOONL)123",
            "12345 abc",
            "-5",
        ] {
            assert!(OclcNumber::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert!(OclcNumber::parse("1.23457e+07")
            .unwrap_err()
            .contains("scientific notation"));
        assert!(OclcNumber::parse("(DLC)   2001012345")
            .unwrap_err()
            .contains("(DLC)"));
        assert!(OclcNumber::from_integer(0).is_err());
        assert!(OclcNumber::parse("99999999999999999999").is_err());
    }

    #[test]
    fn isbn_10_becomes_isbn_13() {
        assert_eq!(
            Isbn::parse("0-306-40615-2").unwrap().as_str(),
            "9780306406157"
        );
        assert_eq!(
            Isbn::parse("978-0-306-40615-7").unwrap().as_str(),
            "9780306406157"
        );
        // An ISBN-10 whose check digit is X.
        assert_eq!(
            Isbn::parse("0-8044-2957-X").unwrap().as_str(),
            "9780804429573"
        );
        assert_eq!(Isbn::parse("080442957x").unwrap().as_str(), "9780804429573");
    }

    #[test]
    fn isbn_with_wrong_check_digit_says_the_right_one() {
        assert_eq!(
            Isbn::parse("0-306-40615-X").unwrap_err(),
            "ISBN 0-306-40615-X: check digit should be 2"
        );
        assert_eq!(
            Isbn::parse("978-0-306-40615-8").unwrap_err(),
            "ISBN 978-0-306-40615-8: check digit should be 7"
        );
        assert!(Isbn::parse("12345").is_err());
        assert!(Isbn::parse("97803064061X7").is_err());
    }

    #[test]
    fn issn_check_digits_are_verified() {
        assert_eq!(Issn::parse("0317-8471").unwrap().as_str(), "0317-8471");
        assert_eq!(Issn::parse("00280836").unwrap().as_str(), "0028-0836");
        assert_eq!(Issn::parse("2434-561x").unwrap().as_str(), "2434-561X");
        assert_eq!(
            Issn::parse("0317-8472").unwrap_err(),
            "ISSN 0317-8472: check digit should be 1"
        );
        assert!(Issn::parse("0317-847").is_err());
    }

    #[test]
    fn letters_beyond_ascii_are_refused_not_a_panic() {
        // Found by the property tests: byte lengths of 8, 10 or 13 with a multi-byte letter.
        assert!(Issn::parse("ᬆEK'×").is_err());
        assert!(Issn::parse("1234567é").is_err());
        assert!(Isbn::parse("12345678é").is_err());
        assert!(TitleQuery::parse("ᬆEK'×").is_err());
    }

    #[test]
    fn a_title_lookup_reads_every_identifier_a_string_may_be() {
        let oclc = TitleQuery::parse("(OCoLC)ocm00012345").unwrap();
        assert_eq!(oclc.oclc, Some(OclcNumber(12345)));
        assert!(oclc.isbn.is_none() && oclc.issn.is_none());
        let isbn = TitleQuery::parse("978-0-306-40615-7").unwrap();
        assert_eq!(isbn.isbn.as_ref().map(Isbn::as_str), Some("9780306406157"));
        assert!(isbn.oclc.is_none());
        let both = TitleQuery::parse("9780306406157").unwrap();
        assert!(both.oclc.is_some() && both.isbn.is_some());
        let ten = TitleQuery::parse("0-306-40615-2").unwrap();
        assert_eq!(ten.isbn.as_ref().map(Isbn::as_str), Some("9780306406157"));
        let issn = TitleQuery::parse("0317-8471").unwrap();
        assert_eq!(issn.issn.as_ref().map(Issn::as_str), Some("0317-8471"));
        let error = TitleQuery::parse("978-0-306-40615-8").unwrap_err();
        assert!(error.contains("check digit"), "{error}");
        assert!(TitleQuery::parse("  ").is_err());
    }
}
