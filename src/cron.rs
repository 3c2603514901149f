//! Cron schedules: how a `cron.*` setting is read, and which slot a moment belongs to.
//!
//! At the bottom of the crate (it knows nothing of jobs or settings), so that the settings
//! can check the schedules at start and the jobs can run on them.

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};
use croner::Cron;

/// Parses a cron schedule as tokio-cron-scheduler does: six fields, seconds first.
pub fn parse(pattern: &str) -> Result<Cron, String> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(pattern)
        .map_err(|e| format!("not a cron schedule with a seconds field ({e})"))
}

/// The latest time at or before `at` that the schedule names, read in the offices' `zone`
/// and stored as UTC (whole seconds): the slot a run at `at` belongs to.
pub fn slot_at_or_before(schedule: &Cron, at: DateTime<Utc>, zone: Tz) -> Option<NaiveDateTime> {
    schedule
        .find_previous_occurrence(&at.with_timezone(&zone), true)
        .ok()
        .map(|t| stored(t.with_timezone(&Utc)))
}

/// The next time after `at` that the schedule names in `zone` (stored as UTC).
pub fn next_after(schedule: &Cron, at: DateTime<Utc>, zone: Tz) -> Option<NaiveDateTime> {
    schedule
        .find_next_occurrence(&at.with_timezone(&zone), false)
        .ok()
        .map(|t| stored(t.with_timezone(&Utc)))
}

fn stored(t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc().with_nanosecond(0).unwrap_or(t.naive_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_slot_is_the_schedule_time_at_or_before_the_moment() {
        let every_minute = parse("0 * * * * *").unwrap();
        let at = Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 42).unwrap();
        let slot = slot_at_or_before(&every_minute, at, chrono_tz::UTC).unwrap();
        assert_eq!(
            slot,
            Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 0)
                .unwrap()
                .naive_utc()
        );
        let on_the_dot = Utc.with_ymd_and_hms(2026, 11, 23, 10, 15, 0).unwrap();
        assert_eq!(
            slot_at_or_before(&every_minute, on_the_dot, chrono_tz::UTC).unwrap(),
            slot
        );
        assert_eq!(
            next_after(&every_minute, on_the_dot, chrono_tz::UTC).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 23, 10, 16, 0)
                .unwrap()
                .naive_utc()
        );
    }

    #[test]
    fn a_daily_slot_is_the_office_time_stored_as_utc() {
        let at_seven = parse("0 0 7 * * *").unwrap();
        let shanghai = chrono_tz::Asia::Shanghai;
        // 2026-12-03 22:30 UTC is 12-04 06:30 in Shanghai: that day's 07:00 has not come,
        // so the slot is 12-03 07:00 Shanghai (12-02 23:00 UTC) and the next 12-04 07:00.
        let at = Utc.with_ymd_and_hms(2026, 12, 3, 22, 30, 0).unwrap();
        assert_eq!(
            slot_at_or_before(&at_seven, at, shanghai).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 2, 23, 0, 0)
                .unwrap()
                .naive_utc()
        );
        assert_eq!(
            next_after(&at_seven, at, shanghai).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 3, 23, 0, 0)
                .unwrap()
                .naive_utc()
        );
    }

    #[test]
    fn five_field_schedules_are_refused() {
        assert!(parse("0 2 * * *").is_err());
        assert!(parse("0 0 2 * * *").is_ok());
    }
}
