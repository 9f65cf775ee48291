//! Instants and days written into JSON without chrono's formatter.
//!
//! chrono serializes through `Display` and its general formatting machinery, about 2,500
//! instructions an instant; a title lookup's answer holds a few per commitment, a tenth of the
//! lookup's own work. These write the very same text from the fields: RFC 3339 in UTC with `Z` and
//! the fraction in 0, 3, 6 or 9 digits as chrono's `SecondsFormat::AutoSi` does, and `YYYY-MM-DD`.
//! What they do not cover (a year outside 0–9999, a leap second) goes to chrono.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use serde::{Serialize, Serializer};

use crate::domain::iso::{as_str, day_text, digits};

/// The RFC 3339 text of `at` into `out`, and its length.
fn instant_text(out: &mut [u8; 30], at: &DateTime<Utc>) -> Option<usize> {
    let naive = at.naive_utc();
    day_text(out, naive.date())?;
    let time = naive.time();
    let nanos = time.nanosecond();
    if nanos >= 1_000_000_000 {
        return None; // a leap second
    }
    out[10] = b'T';
    digits(out, 11, 2, time.hour());
    out[13] = b':';
    digits(out, 14, 2, time.minute());
    out[16] = b':';
    digits(out, 17, 2, time.second());
    let mut end = 19;
    let (width, fraction) = if nanos == 0 {
        (0, 0)
    } else if nanos.is_multiple_of(1_000_000) {
        (3, nanos / 1_000_000)
    } else if nanos.is_multiple_of(1_000) {
        (6, nanos / 1_000)
    } else {
        (9, nanos)
    };
    if width > 0 {
        out[end] = b'.';
        digits(out, end + 1, width, fraction);
        end += 1 + width;
    }
    out[end] = b'Z';
    Some(end + 1)
}

/// `#[serde(serialize_with)]` for an instant: the same text as chrono's own serialization.
pub fn instant<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut out = [0_u8; 30];
    match instant_text(&mut out, at) {
        Some(len) => serializer.serialize_str(as_str(&out[..len])),
        None => at.serialize(serializer),
    }
}

/// [`instant`] for an optional instant.
pub fn optional_instant<S: Serializer>(
    at: &Option<DateTime<Utc>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => instant(at, serializer),
        None => serializer.serialize_none(),
    }
}

/// `#[serde(serialize_with)]` for a day: the same text as chrono's own serialization.
pub fn day<S: Serializer>(day: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    let mut out = [0_u8; 10];
    match day_text(&mut out, *day) {
        Some(()) => serializer.serialize_str(as_str(&out)),
        None => day.serialize(serializer),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[derive(Serialize)]
    struct Fast {
        #[serde(serialize_with = "instant")]
        at: DateTime<Utc>,
        #[serde(serialize_with = "optional_instant")]
        maybe: Option<DateTime<Utc>>,
        #[serde(serialize_with = "day")]
        day: NaiveDate,
    }

    #[derive(Serialize)]
    struct Chrono {
        at: DateTime<Utc>,
        maybe: Option<DateTime<Utc>>,
        day: NaiveDate,
    }

    fn same(at: DateTime<Utc>, maybe: Option<DateTime<Utc>>, day: NaiveDate) {
        let fast = serde_json::to_string(&Fast { at, maybe, day }).unwrap();
        let chrono = serde_json::to_string(&Chrono { at, maybe, day }).unwrap();
        assert_eq!(fast, chrono);
    }

    #[test]
    fn every_fraction_width_and_the_edges_read_as_chrono_writes_them() {
        for nanos in [0, 1, 999_999_999, 5_000_000, 123_000, 120_000_000, 7] {
            let at = Utc.with_ymd_and_hms(2026, 12, 3, 7, 5, 9).unwrap()
                + chrono::Duration::nanoseconds(nanos);
            same(at, Some(at), at.date_naive());
        }
        let early = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap();
        let late = Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap();
        let outside = Utc.with_ymd_and_hms(10_000, 1, 1, 0, 0, 0).unwrap();
        let before = Utc.with_ymd_and_hms(-1, 6, 30, 0, 0, 0).unwrap();
        for at in [early, late, outside, before] {
            same(at, None, at.date_naive());
        }
        let leap = NaiveDate::from_ymd_opt(2016, 12, 31)
            .and_then(|d| d.and_hms_nano_opt(23, 59, 59, 1_500_000_000))
            .unwrap()
            .and_utc();
        same(leap, Some(leap), leap.date_naive());
    }

    proptest! {
        #[test]
        fn any_instant_reads_as_chrono_writes_it(seconds in -62_000_000_000_i64..260_000_000_000, nanos in 0_u32..1_000_000_000, pick in 0_u32..4) {
            // Round fractions are as common as any in stored data: milli- and microseconds.
            let nanos = match pick { 0 => 0, 1 => nanos / 1_000_000 * 1_000_000, 2 => nanos / 1_000 * 1_000, _ => nanos };
            let at = DateTime::from_timestamp(seconds, nanos).unwrap();
            same(at, Some(at), at.date_naive());
        }
    }
}
