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
            Self::Date(date) => write!(f, "{}", date.format("%Y-%m-%d")),
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
