//! RFC 3339 timestamps in UTC for review decisions, formatted from
//! `SystemTime` without a date library.

use std::time::{SystemTime, UNIX_EPOCH};

/// `2025-03-01T14:05:09Z` for the given instant (times before 1970 are
/// written as the epoch: a decision cannot be older than the clock it uses).
pub fn rfc3339_utc(at: SystemTime) -> String {
    let seconds = at
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    from_unix_seconds(seconds)
}

/// The current time, as [`rfc3339_utc`] writes it.
pub fn now() -> String {
    rfc3339_utc(SystemTime::now())
}

fn from_unix_seconds(seconds: u64) -> String {
    let days = seconds / 86_400;
    let in_day = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        in_day / 3600,
        in_day / 60 % 60,
        in_day % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, restricted to dates after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so that leap days end each 400-year era.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        assert_eq!(from_unix_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(from_unix_seconds(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(from_unix_seconds(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(from_unix_seconds(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(from_unix_seconds(1_735_689_600), "2025-01-01T00:00:00Z");
        assert_eq!(from_unix_seconds(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn every_day_of_a_leap_cycle_round_trips() {
        // Walk four years day by day: dates must be consecutive and valid.
        let mut previous = (1969, 12, 31);
        for day in 0..(4 * 366) {
            let date = civil_from_days(day);
            let next_day = (previous.0, previous.1, previous.2 + 1);
            let next_month = (previous.0, previous.1 + 1, 1);
            let next_year = (previous.0 + 1, 1, 1);
            assert!(
                date == next_day || date == next_month || date == next_year,
                "{previous:?} then {date:?}"
            );
            assert!((1..=12).contains(&date.1) && (1..=31).contains(&date.2));
            previous = date;
        }
    }

    #[test]
    fn system_time_is_written_in_utc() {
        let at = UNIX_EPOCH + Duration::from_secs(1_700_000_000) + Duration::from_millis(999);
        assert_eq!(rfc3339_utc(at), "2023-11-14T22:13:20Z");
        assert_eq!(
            rfc3339_utc(UNIX_EPOCH - Duration::from_secs(5)),
            "1970-01-01T00:00:00Z"
        );
        assert!(now().ends_with('Z') && now().len() == 20);
    }
}
