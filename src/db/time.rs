//! Stored timestamps and days read fast from SQLite.
//!
//! SQLite keeps a timestamp as text, and diesel reads it by trying chrono's `parse_from_str`
//! with each of 18 formats, which interprets the format string anew on every value: about 2,000
//! instructions a timestamp. A commitment with its program, library and title carries eight, so
//! that was a fifth of a title lookup and of a SQLite export's own work. The registry writes one
//! shape only (`YYYY-MM-DD HH:MM:SS` with an optional fraction), read here directly; anything else
//! (a value written by hand, a Julian day number) goes on to diesel's own reading.
//!
//! Days (`YYYY-MM-DD`, two or three a commitment) are read the same way.
//!
//! Row fields use them with `#[diesel(deserialize_as = StoredTime)]` (or [`StoredDay`],
//! [`MaybeStoredDay`]) and stay `NaiveDateTime` and `NaiveDate`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::deserialize::{self, FromSql};
use diesel::pg::Pg;
use diesel::sql_types::{Date, Nullable, Timestamp};
use diesel::sqlite::{Sqlite, SqliteType};

use super::connection::{MultiBackend, MultiRawValue};

/// A stored timestamp, read through [`parse`] on SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct StoredTime(pub NaiveDateTime);

impl From<StoredTime> for NaiveDateTime {
    fn from(time: StoredTime) -> Self {
        time.0
    }
}

/// `YYYY-MM-DD HH:MM:SS`, optionally followed by `.` and 1 to 9 digits; `None` for anything else
/// (including dates and times that do not exist).
pub fn parse(text: &str) -> Option<NaiveDateTime> {
    let b = text.as_bytes();
    if b.len() < 19 || b[10] != b' ' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', fraction @ ..] if (1..=9).contains(&fraction.len()) => {
            number(fraction)? * 10_u32.pow(9 - fraction.len() as u32)
        }
        _ => return None,
    };
    let time = NaiveTime::from_hms_nano_opt(
        number(&b[11..13])?,
        number(&b[14..16])?,
        number(&b[17..19])?,
        nanos,
    )?;
    Some(day(&b[..10])?.and_time(time))
}

/// The value of a run of ASCII digits; `None` if any byte is not one.
fn number(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0_u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// The day written `YYYY-MM-DD` in exactly these ten bytes.
fn day(b: &[u8]) -> Option<NaiveDate> {
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(number(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, number(&b[5..7])?, number(&b[8..10])?)
}

/// Reads `$sql` values into `$stored` (a newtype over `$chrono`): on SQLite text through `$parse`,
/// anything else (and every PostgreSQL value) through diesel's own reading.
macro_rules! stored {
    ($stored:ident, $sql:ty, $chrono:ty, $parse:path) => {
        impl FromSql<$sql, Sqlite> for $stored {
            fn from_sql(
                mut value: <Sqlite as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                if value.value_type() == Some(SqliteType::Text) {
                    if let Some(parsed) = $parse(value.read_text()) {
                        return Ok(Self(parsed));
                    }
                }
                <$chrono as FromSql<$sql, Sqlite>>::from_sql(value).map(Self)
            }
        }

        impl FromSql<$sql, Pg> for $stored {
            fn from_sql(
                value: <Pg as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                <$chrono as FromSql<$sql, Pg>>::from_sql(value).map(Self)
            }
        }

        impl FromSql<$sql, MultiBackend> for $stored {
            fn from_sql(value: MultiRawValue<'_>) -> deserialize::Result<Self> {
                value.from_sql::<Self, $sql>()
            }
        }
    };
}

stored!(StoredTime, Timestamp, NaiveDateTime, parse);

/// A stored day, read through [`parse_day`] on SQLite.
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct StoredDay(pub NaiveDate);

impl From<StoredDay> for NaiveDate {
    fn from(day: StoredDay) -> Self {
        day.0
    }
}

/// A stored day that may be missing (a permanent commitment's end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, diesel::deserialize::FromSqlRow)]
pub struct MaybeStoredDay(pub Option<NaiveDate>);

impl From<MaybeStoredDay> for Option<NaiveDate> {
    fn from(day: MaybeStoredDay) -> Self {
        day.0
    }
}

/// `YYYY-MM-DD`; `None` for anything else, or a day that does not exist.
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    day(text.as_bytes())
}

stored!(StoredDay, Date, NaiveDate, parse_day);

/// The nullable day of backend `$backend`: a NULL is `None`, any other value a [`StoredDay`].
macro_rules! maybe_day {
    ($backend:ty, |$value:ident| $read:expr) => {
        impl FromSql<Nullable<Date>, $backend> for MaybeStoredDay {
            fn from_sql(
                $value: <$backend as diesel::backend::Backend>::RawValue<'_>,
            ) -> deserialize::Result<Self> {
                $read
            }

            fn from_nullable_sql(
                value: Option<<$backend as diesel::backend::Backend>::RawValue<'_>>,
            ) -> deserialize::Result<Self> {
                match value {
                    Some(value) => <Self as FromSql<Nullable<Date>, $backend>>::from_sql(value),
                    None => Ok(Self(None)),
                }
            }
        }
    };
}

maybe_day!(Sqlite, |value| {
    <StoredDay as FromSql<Date, Sqlite>>::from_sql(value).map(|day| Self(Some(day.0)))
});
maybe_day!(Pg, |value| <StoredDay as FromSql<Date, Pg>>::from_sql(
    value
)
.map(|day| Self(Some(day.0))));
maybe_day!(MultiBackend, |value| value
    .from_sql::<Self, Nullable<Date>>());

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_what_the_registry_and_sqlite_write() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%F %T%.f").unwrap();
        for text in [
            "2026-12-03 13:34:36.038685",
            "2026-11-30 12:00:00",
            "2026-11-30 12:00:00.5",
            "2000-02-29 23:59:59.123456789",
            "0001-01-01 00:00:00.001",
        ] {
            assert_eq!(parse(text), Some(at(text)), "{text}");
        }
    }

    #[test]
    fn leaves_other_shapes_and_impossible_values_to_diesel() {
        for text in [
            "",
            "2026-12-03",
            "2026-12-03T13:34:36",
            "2026-12-03 13:34:36Z",
            "2026-12-03 13:34:36.",
            "2026-12-03 13:34:36.1234567890",
            "2026-02-30 00:00:00",
            "2026-12-03 24:00:00",
            "2026-12-03 13:34:60",
            "2026-1a-03 13:34:36",
            "2459000.5",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn reads_days_and_leaves_the_rest_to_diesel() {
        assert_eq!(
            parse_day("2040-06-30"),
            NaiveDate::from_ymd_opt(2040, 6, 30)
        );
        assert_eq!(
            parse_day("2000-02-29"),
            NaiveDate::from_ymd_opt(2000, 2, 29)
        );
        for text in [
            "",
            "2040-6-30",
            "2040-06-31",
            "2041-02-29",
            "2040-06-30 00:00:00",
            "20400630",
            "2040/06/30",
        ] {
            assert_eq!(parse_day(text), None, "{text}");
        }
    }

    proptest! {
        #[test]
        fn reads_back_any_day_as_diesel_writes_it(days in 0_i64..3_652_058) {
            let day = NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assert_eq!(parse_day(&day.format("%F").to_string()), Some(day));
        }

        #[test]
        fn reads_back_any_instant_as_diesel_writes_it(secs in 0_i64..253_402_300_799, nanos in 0_u32..1_000_000_000) {
            let time = chrono::DateTime::from_timestamp(secs, nanos).unwrap().naive_utc();
            let text = time.format("%F %T%.f").to_string();
            prop_assert_eq!(parse(&text), Some(time));
        }
    }
}
