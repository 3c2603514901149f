//! Which backups to keep: the newest verified backup of each of the last `daily` days,
//! `weekly` ISO weeks and `monthly` months that have one. Everything else may go, except
//! the newest verified backup, which is always kept.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDateTime};

#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i32,
    pub created_at: NaiveDateTime,
    pub verified: bool,
}

/// The ids to keep.
pub fn keep(backups: &[Candidate], daily: u32, weekly: u32, monthly: u32) -> HashSet<i32> {
    let mut verified: Vec<&Candidate> = backups.iter().filter(|b| b.verified).collect();
    verified.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    let mut kept = HashSet::new();
    let mut pick = |limit: u32, period: &dyn Fn(&NaiveDateTime) -> (i32, u32)| {
        let mut seen = Vec::new();
        for b in &verified {
            let key = period(&b.created_at);
            if seen.contains(&key) {
                continue;
            }
            if seen.len() as u32 >= limit {
                break;
            }
            seen.push(key);
            kept.insert(b.id);
        }
    };
    pick(daily, &|t| (t.year(), t.ordinal()));
    pick(weekly, &|t| {
        let week = t.iso_week();
        (week.year(), week.week())
    });
    pick(monthly, &|t| (t.year(), t.month()));
    if let Some(newest) = verified.first() {
        kept.insert(newest.id);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveDate};

    fn daily_for(days: i64) -> Vec<Candidate> {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(2, 0, 0)
            .unwrap();
        (0..days)
            .map(|d| Candidate {
                id: d as i32,
                created_at: start + Duration::days(d),
                verified: true,
            })
            .collect()
    }

    #[test]
    fn a_year_of_dailies_keeps_7_daily_4_weekly_12_monthly() {
        let backups = daily_for(365);
        let kept = keep(&backups, 7, 4, 12);
        // The last 7 days, the newest of 4 weeks (3 more beyond the dailies' week(s)),
        // the newest of 12 months (overlapping the latest ones).
        for id in 358..365 {
            assert!(kept.contains(&id), "day {id}");
        }
        assert!(
            kept.len() >= 7 + 2 && kept.len() <= 7 + 4 + 12,
            "{}",
            kept.len()
        );
        assert!(!kept.contains(&100) || backups[100].created_at.day() >= 28);
        // The newest backup of each month is kept.
        assert!(kept.contains(&30), "31 January");
        assert!(kept.contains(&58), "28 February");
    }

    #[test]
    fn failed_backups_are_never_kept_and_the_newest_verified_always_is() {
        let mut backups = daily_for(3);
        backups.push(Candidate {
            id: 99,
            created_at: backups[2].created_at + Duration::hours(1),
            verified: false,
        });
        let kept = keep(&backups, 1, 0, 0);
        assert_eq!(kept, HashSet::from([2]));
    }

    #[test]
    fn two_backups_on_one_day_keep_the_later_one() {
        let mut backups = daily_for(1);
        backups.push(Candidate {
            id: 7,
            created_at: backups[0].created_at + Duration::hours(3),
            verified: true,
        });
        assert_eq!(keep(&backups, 7, 4, 12), HashSet::from([7]));
    }
}
