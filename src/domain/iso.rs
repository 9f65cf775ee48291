//! ISO 8601 text of days written from their fields.
//!
//! chrono's `format("%Y-%m-%d")` parses its format string and goes through the general formatting
//! machinery on every call, about 1,700 instructions a day; a title lookup writes a retention end
//! per commitment and an export one per row. These write the same text, for the years 0–9999 that
//! `YYYY-MM-DD` can hold; callers hand any other year to chrono.

use chrono::{Datelike, NaiveDate};

/// Writes `value` as `width` decimal digits at `out[at..]`.
pub fn digits(out: &mut [u8], at: usize, width: usize, mut value: u32) {
    for i in (at..at + width).rev() {
        out[i] = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// `YYYY-MM-DD` into `out[..10]`; `None` for a year outside 0–9999.
pub fn day_text(out: &mut [u8], day: NaiveDate) -> Option<()> {
    let year = u32::try_from(day.year()).ok().filter(|y| *y <= 9999)?;
    digits(out, 0, 4, year);
    out[4] = b'-';
    digits(out, 5, 2, day.month());
    out[7] = b'-';
    digits(out, 8, 2, day.day());
    Some(())
}

/// The text [`day_text`] wrote: ASCII digits and dashes only.
pub fn as_str(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}
