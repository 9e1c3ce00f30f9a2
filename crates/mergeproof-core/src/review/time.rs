//! RFC 3339 timestamps in UTC for review decisions.

use std::time::SystemTime;

use jiff::Timestamp;

/// `2025-03-01T14:05:09Z` for the given instant, to the second (times before
/// 1970 are written as the epoch: a decision cannot be older than the clock
/// it uses).
pub(crate) fn rfc3339_utc(at: SystemTime) -> String {
    let seconds = Timestamp::try_from(at).map_or(0, |t| t.as_second().max(0));
    from_unix_seconds(seconds)
}

/// The current time, as [`rfc3339_utc`] writes it.
pub(crate) fn now() -> String {
    rfc3339_utc(SystemTime::now())
}

fn from_unix_seconds(seconds: i64) -> String {
    Timestamp::from_second(seconds)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

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
