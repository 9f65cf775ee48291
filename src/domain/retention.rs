//! How long a commitment lasts: until a date, or permanently.

use std::fmt;

use chrono::NaiveDate;

/// The end of a retention period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetentionEnd {
    Date(NaiveDate),
    Permanent,
}

impl RetentionEnd {
    /// Reads `YYYY-MM-DD` or `permanent`.
    pub fn parse(value: &str) -> Result<Self, String> {
        let value = value.trim();
        if value.eq_ignore_ascii_case("permanent") {
            return Ok(Self::Permanent);
        }
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .map(Self::Date)
            .map_err(|_| format!("{value:?} is neither a date (YYYY-MM-DD) nor \"permanent\""))
    }

    /// The stored form: the date, or `None` for permanent.
    pub fn date(self) -> Option<NaiveDate> {
        match self {
            Self::Date(date) => Some(date),
            Self::Permanent => None,
        }
    }

    pub fn from_date(date: Option<NaiveDate>) -> Self {
        date.map_or(Self::Permanent, Self::Date)
    }

    /// Whether this end comes strictly after `other` (permanent comes after every date).
    pub fn is_later_than(self, other: RetentionEnd) -> bool {
        match (self, other) {
            (Self::Permanent, Self::Date(_)) => true,
            (Self::Date(a), Self::Date(b)) => a > b,
            (_, Self::Permanent) => false,
        }
    }

    /// Whether the period is over before `day` (a permanent one never is).
    pub fn ended_before(self, day: NaiveDate) -> bool {
        matches!(self, Self::Date(end) if end < day)
    }
}

impl fmt::Display for RetentionEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Date(date) => {
                let mut text = [0_u8; 10];
                match super::iso::day_text(&mut text, *date) {
                    Some(()) => f.write_str(super::iso::as_str(&text)),
                    None => write!(f, "{}", date.format("%Y-%m-%d")),
                }
            }
            Self::Permanent => f.write_str("permanent"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    proptest::proptest! {
        #[test]
        fn a_date_is_written_as_chrono_writes_it(days in -800_000_i32..4_000_000) {
            // From before year 0 to past 9999: those go to chrono itself.
            let date = NaiveDate::from_num_days_from_ce_opt(days).unwrap();
            proptest::prop_assert_eq!(
                RetentionEnd::Date(date).to_string(),
                date.format("%Y-%m-%d").to_string()
            );
        }
    }

    #[test]
    fn reads_dates_and_permanent() {
        assert_eq!(
            RetentionEnd::parse("2042-12-31").unwrap(),
            RetentionEnd::Date(day("2042-12-31"))
        );
        assert_eq!(
            RetentionEnd::parse("Permanent").unwrap(),
            RetentionEnd::Permanent
        );
        assert!(RetentionEnd::parse("2019-02-30").is_err());
        assert!(RetentionEnd::parse("indefinite").is_err());
        assert_eq!(RetentionEnd::Permanent.to_string(), "permanent");
        assert_eq!(
            RetentionEnd::Date(day("2031-06-30")).to_string(),
            "2031-06-30"
        );
    }

    #[test]
    fn permanent_is_later_than_every_date_and_never_ends() {
        let date = RetentionEnd::Date(day("2031-06-30"));
        assert!(RetentionEnd::Permanent.is_later_than(date));
        assert!(!date.is_later_than(RetentionEnd::Permanent));
        assert!(!RetentionEnd::Permanent.is_later_than(RetentionEnd::Permanent));
        assert!(RetentionEnd::Date(day("2035-12-31")).is_later_than(date));
        assert!(!RetentionEnd::Permanent.ended_before(day("9999-12-31")));
        assert!(date.ended_before(day("2031-07-01")));
        assert!(!date.ended_before(day("2031-06-30")));
    }
}

/// Dates as imported files write them, read leniently (DOMAIN.md): `YYYY-MM-DD`, `yyyymmdd`, or a
/// written date such as `June 30, 2028` or `30 June 2028`.
pub fn parse_lenient_date(value: &str) -> Option<NaiveDate> {
    let value = value.trim().trim_end_matches('.');
    for format in [
        "%Y-%m-%d",
        "%Y%m%d",
        "%B %d, %Y",
        "%B %d %Y",
        "%d %B %Y",
        "%b %d, %Y",
        "%b %d %Y",
        "%d %b %Y",
        "%b. %d, %Y",
        "%Y/%m/%d",
    ] {
        if let Ok(date) = NaiveDate::parse_from_str(value, format) {
            return Some(date);
        }
    }
    None
}

/// A retention start as imported files write it: a date, a year and month (`yyyymm`, `yyyy-mm`:
/// the first of the month), or a year alone (1 January).
pub fn parse_imported_start(value: &str) -> Result<NaiveDate, String> {
    let trimmed = value.trim().trim_end_matches('.');
    let digits: String = trimmed.chars().filter(|c| *c != '-').collect();
    if digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit()) && trimmed.len() <= 7 {
        let (year, month) = (digits[..4].parse::<i32>(), digits[4..].parse::<u32>());
        if let (Ok(year), Ok(month)) = (year, month) {
            if let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) {
                return Ok(first);
            }
        }
    }
    if trimmed.len() == 4 && trimmed.chars().all(|c| c.is_ascii_digit()) {
        let year: i32 = trimmed
            .parse()
            .map_err(|_| format!("{trimmed:?} is not a year"))?;
        return NaiveDate::from_ymd_opt(year, 1, 1)
            .ok_or_else(|| format!("{trimmed:?} is not a year"));
    }
    parse_lenient_date(trimmed).ok_or_else(|| {
        format!("start date {trimmed:?} is not a date: write YYYY-MM-DD, yyyymmdd, a year, or a date such as June 30, 2028")
    })
}

/// A retention end as imported files write it: a date, or `permanent`, `indefinite`, `perpetuity`.
pub fn parse_imported_end(value: &str) -> Result<RetentionEnd, String> {
    let trimmed = value.trim();
    let lower = trimmed.to_lowercase();
    if [
        "permanent",
        "permanently",
        "indefinite",
        "indefinitely",
        "perpetuity",
        "in perpetuity",
    ]
    .contains(&lower.as_str())
    {
        return Ok(RetentionEnd::Permanent);
    }
    parse_lenient_date(trimmed).map(RetentionEnd::Date).ok_or_else(|| {
        format!(
            "end date {trimmed:?} is not a date: write YYYY-MM-DD, yyyymmdd, a date such as June 30, 2028, or permanent"
        )
    })
}

#[cfg(test)]
mod lenient_tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn real_world_583_dates_are_read() {
        assert_eq!(parse_imported_start("20190228").unwrap(), day(2019, 2, 28));
        assert_eq!(parse_imported_start("2025").unwrap(), day(2025, 1, 1));
        assert_eq!(parse_imported_start("201501").unwrap(), day(2015, 1, 1));
        assert_eq!(parse_imported_start("2015-07").unwrap(), day(2015, 7, 1));
        assert!(parse_imported_start("201513").is_err());
        assert_eq!(
            parse_imported_end("December 31, 2035").unwrap(),
            RetentionEnd::Date(day(2035, 12, 31))
        );
        assert_eq!(
            parse_imported_end("in perpetuity").unwrap(),
            RetentionEnd::Permanent
        );
        assert_eq!(
            parse_imported_start(" 2016-06-30 ").unwrap(),
            day(2016, 6, 30)
        );
        assert_eq!(
            parse_imported_end("20421231").unwrap(),
            RetentionEnd::Date(day(2042, 12, 31))
        );
        assert_eq!(
            parse_imported_end("June 30, 2028").unwrap(),
            RetentionEnd::Date(day(2028, 6, 30))
        );
        assert_eq!(
            parse_imported_end("June 30, 2031").unwrap(),
            RetentionEnd::Date(day(2031, 6, 30))
        );
        for permanent in ["permanent", "indefinite", "Perpetuity", "INDEFINITE"] {
            assert_eq!(
                parse_imported_end(permanent).unwrap(),
                RetentionEnd::Permanent,
                "{permanent}"
            );
        }
    }

    #[test]
    fn what_is_not_a_date_is_refused_with_a_message() {
        assert!(parse_imported_end("five years from receipt date")
            .unwrap_err()
            .contains("not a date"));
        assert!(parse_imported_start("2019-02-30").is_err());
        assert!(
            parse_imported_end("2031").is_err(),
            "a year alone is not an end date"
        );
    }
}
