//! The one clock: the instant now, the office's date today, and how a stored instant reads
//! on the office's wall clock.
//!
//! Instants are stored in UTC; every "today" (form dates, two-day due times, dormancy and
//! re-verification thresholds, code years) and every time shown comes from here, in the
//! office's time zone (setting `timezone`), so that a change reported at 01:30 in Shanghai
//! belongs to that Shanghai day and not to the UTC one before it.

use chrono::{DateTime, NaiveDate, NaiveDateTime, SubsecRound, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone when none is set: the company's offices are in mainland China.
pub const DEFAULT_ZONE: Tz = chrono_tz::Asia::Shanghai;

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    zone: Tz,
    /// Added to the system time: zero in service; a test moves the clock to the moment it
    /// needs and lets it run on from there (a stopped clock would make two runs of a job
    /// claim the same moment).
    offset: TimeDelta,
}

impl Default for Clock {
    fn default() -> Self {
        Clock::system(DEFAULT_ZONE)
    }
}

impl Clock {
    /// The system time, read in `zone`.
    pub fn system(zone: Tz) -> Clock {
        Clock {
            zone,
            offset: TimeDelta::zero(),
        }
    }

    /// A clock that reads `at` now and runs on from there (tests).
    pub fn starting_at(zone: Tz, at: DateTime<Utc>) -> Clock {
        Clock {
            zone,
            offset: at - Utc::now(),
        }
    }

    pub fn zone(&self) -> Tz {
        self.zone
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    /// Now as stored: UTC, to the microsecond (as `db::now`).
    pub fn now_stored(&self) -> NaiveDateTime {
        self.now().naive_utc().trunc_subsecs(6)
    }

    /// The office's date now.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.zone).date_naive()
    }

    /// A stored (UTC) instant on the office's wall clock.
    pub fn local(&self, stored: NaiveDateTime) -> DateTime<Tz> {
        stored.and_utc().with_timezone(&self.zone)
    }

    /// The stored (UTC) instant at which `day` begins in the office: its midnight, or the
    /// first hour that exists where a daylight-saving jump skips midnight.
    pub fn start_of_day(&self, day: NaiveDate) -> NaiveDateTime {
        (0..24)
            .find_map(|hour| {
                let wall = day.and_hms_opt(hour, 0, 0)?;
                self.zone.from_local_datetime(&wall).earliest()
            })
            .map_or_else(
                || day.and_hms_opt(0, 0, 0).unwrap_or_default(),
                |t| t.naive_utc(),
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn today_is_the_office_date_not_the_utc_one() {
        let clock = Clock::starting_at(DEFAULT_ZONE, at(2026, 12, 3, 17, 30));
        assert_eq!(clock.today(), date(2026, 12, 4));
        let utc = Clock::starting_at(chrono_tz::UTC, at(2026, 12, 3, 17, 30));
        assert_eq!(utc.today(), date(2026, 12, 3));
    }

    #[test]
    fn a_started_clock_runs_on_from_its_moment() {
        let start = at(2030, 1, 1, 0, 0);
        let clock = Clock::starting_at(DEFAULT_ZONE, start);
        let read = clock.now();
        assert!(
            read >= start && read - start < TimeDelta::minutes(1),
            "{read}"
        );
    }

    #[test]
    fn stored_instants_read_in_office_time() {
        let clock = Clock::system(DEFAULT_ZONE);
        let stored = at(2026, 12, 3, 17, 30).naive_utc();
        assert_eq!(
            clock.local(stored).format("%Y-%m-%d %H:%M").to_string(),
            "2026-12-04 01:30"
        );
    }

    #[test]
    fn a_day_starts_at_the_office_midnight() {
        let clock = Clock::system(DEFAULT_ZONE);
        assert_eq!(
            clock.start_of_day(date(2026, 12, 4)),
            at(2026, 12, 3, 16, 0).naive_utc()
        );
        // Havana skips from 00:00 to 01:00 when summer time starts.
        let havana = Clock::system(chrono_tz::America::Havana);
        assert_eq!(
            havana.start_of_day(date(2026, 3, 8)),
            at(2026, 3, 8, 5, 0).naive_utc()
        );
    }
}
