//! Dates as typed in forms and spreadsheets: `2026-11-23` (and `2026/11/23`, which is how
//! a spreadsheet saved on a Chinese desktop writes them back).

use chrono::NaiveDate;

use super::fold_width;

/// `None` for an empty field; a shape other than year-month-day, or a day the calendar
/// does not have (`2026-02-30`), is an error.
pub fn parse_date(value: &str) -> Result<Option<NaiveDate>, &'static str> {
    let value = fold_width(value.trim());
    if value.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = value.split(['-', '/']).collect();
    let digits = |s: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let [year, month, day] = parts[..] else {
        return Err("err-date-format");
    };
    if !digits(year, 4..=4) || !digits(month, 1..=2) || !digits(day, 1..=2) {
        return Err("err-date-format");
    }
    let number = |s: &str| s.parse::<u32>().unwrap_or(0);
    let year = i32::try_from(number(year)).unwrap_or(0);
    NaiveDate::from_ymd_opt(year, number(month), number(day))
        .map(Some)
        .ok_or("err-date-invalid")
}

/// As `parse_date`, and the date must not be after `today`: nothing is recorded in advance.
pub fn parse_past_date(value: &str, today: NaiveDate) -> Result<Option<NaiveDate>, &'static str> {
    match parse_date(value)? {
        Some(date) if date > today => Err("err-date-future"),
        date => Ok(date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn iso_dates_parse_and_empty_is_none() {
        assert_eq!(parse_date("2026-11-23"), Ok(Some(date(2026, 11, 23))));
        assert_eq!(parse_date(" 2024-02-29 "), Ok(Some(date(2024, 2, 29))));
        assert_eq!(parse_date("2026/1/5"), Ok(Some(date(2026, 1, 5))));
        assert_eq!(parse_date(""), Ok(None));
        assert_eq!(parse_date("   "), Ok(None));
    }

    #[test]
    fn other_shapes_are_a_format_error() {
        for bad in [
            "23.11.2026",
            "20261123",
            "26-11-23",
            "2026-11",
            "2026-11-23T10:00",
            "x",
        ] {
            assert_eq!(parse_date(bad), Err("err-date-format"), "{bad}");
        }
    }

    #[test]
    fn february_30_and_other_missing_days_are_refused() {
        for bad in [
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "2026-04-31",
            "2026-00-10",
        ] {
            assert_eq!(parse_date(bad), Err("err-date-invalid"), "{bad}");
        }
    }

    #[test]
    fn a_date_after_today_is_refused_and_today_is_fine() {
        let today = date(2026, 11, 22);
        assert_eq!(parse_past_date("2026-11-23", today), Err("err-date-future"));
        assert_eq!(parse_past_date("2026-11-22", today), Ok(Some(today)));
        assert_eq!(parse_past_date("", today), Ok(None));
    }
}
