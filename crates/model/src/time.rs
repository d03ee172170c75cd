//! Civil-date arithmetic (proleptic Gregorian, UTC) shared by every crate that reads or writes
//! dates: Howard Hinnant's `days_from_civil` and `civil_from_days`, and the one ISO 8601 form
//! of a microsecond timestamp that every output uses.

use serde::{Serialize, Serializer};

/// Days since 1970-01-01 of a proleptic Gregorian date (`m` 1..=12, `d` 1..=31).
///
/// ```
/// assert_eq!(unmask_model::time::days_from_civil(1970, 1, 1), 0);
/// assert_eq!(unmask_model::time::days_from_civil(2000, 3, 1), 11_017);
/// ```
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day count since 1970-01-01.
///
/// ```
/// assert_eq!(unmask_model::time::civil_from_days(11_017), (2000, 3, 1));
/// ```
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `YYYY-MM-DD` of a time in seconds since the epoch.
pub fn iso_date(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` of a time in microseconds since the epoch.
///
/// ```
/// assert_eq!(unmask_model::time::iso_time_us(951_782_400_000_000), "2000-02-29T00:00:00.000000Z");
/// ```
pub fn iso_time_us(ts_us: i64) -> String {
    let secs = ts_us.div_euclid(1_000_000);
    let us = ts_us.rem_euclid(1_000_000);
    let sod = secs.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}.{us:06}Z",
        iso_date(secs),
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// A UTC time in microseconds since the epoch; serializes as [`iso_time_us`] text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcMicros(pub i64);

impl Serialize for UtcMicros {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&iso_time_us(self.0))
    }
}

impl std::fmt::Display for UtcMicros {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&iso_time_us(self.0))
    }
}
