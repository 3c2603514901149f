//! Identity numbers: the 18-character resident ID (GB 11643, ISO 7064 MOD 11-2 check
//! character) and the enterprise's unified social credit code (GB 32100-2015).

use chrono::{Datelike, NaiveDate};

use super::fold_width;

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

// The credit code's alphabet leaves out I, O, S, V and Z, which read like digits.
const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [usize; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// Upper case, full-width folded, inner spaces dropped: `1101 0119 9003 0700 2x` is typed too.
pub(super) fn compact(value: &str) -> String {
    fold_width(value)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// The normalised ID (upper-case `X`), or what is wrong: format, check character, birth date.
pub fn check_resident_id(value: &str, today: NaiveDate) -> Result<String, &'static str> {
    let id = compact(value);
    let chars: Vec<char> = id.chars().collect();
    let well_formed = chars.len() == 18
        && chars[..17].iter().all(char::is_ascii_digit)
        && (chars[17].is_ascii_digit() || chars[17] == 'X');
    if !well_formed {
        return Err("err-id-number-format");
    }
    if resident_id_check_char(&id[..17]) != chars[17] {
        return Err("err-id-number-checksum");
    }
    match birth_date(&id) {
        Some(birth) if birth.year() >= 1900 && birth <= today => Ok(id),
        _ => Err("err-id-number-birth-date"),
    }
}

/// The date in positions 7–14 (`YYYYMMDD`), if it is one.
fn birth_date(id: &str) -> Option<NaiveDate> {
    let part = |range: std::ops::Range<usize>| id.get(range)?.parse::<u32>().ok();
    let year = i32::try_from(part(6..10)?).ok()?;
    NaiveDate::from_ymd_opt(year, part(10..12)?, part(12..14)?)
}

/// The check character of the first 17 digits (which the caller has checked are digits).
pub(super) fn resident_id_check_char(first17: &str) -> char {
    let sum: u32 = first17
        .chars()
        .zip(ID_WEIGHTS)
        .map(|(c, w)| c.to_digit(10).unwrap_or(0) * w)
        .sum();
    ID_CHECK[(sum % 11) as usize]
}

/// The normalised (upper-case) code, or what is wrong: format or check character.
pub fn check_credit_code(value: &str) -> Result<String, &'static str> {
    let code = compact(value);
    let values: Option<Vec<usize>> = code.chars().map(|c| CREDIT_ALPHABET.find(c)).collect();
    let values = match values {
        Some(values) if values.len() == 18 => values,
        _ => return Err("err-credit-code-format"),
    };
    let sum: usize = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        return Err("err-credit-code-checksum");
    }
    Ok(code)
}

/// The first and last four characters shown, the rest starred: `1101**********002X`.
/// Anything of eight characters or fewer is starred whole, or it would show in full.
pub fn mask_id_number(value: &str) -> String {
    let chars: Vec<char> = value.trim().chars().collect();
    let n = chars.len();
    if n <= 8 {
        return "*".repeat(n);
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[n - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(n - 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    /// A well-formed ID for the given birth date, with a correct check character.
    fn id_born(yyyymmdd: &str) -> String {
        let first17 = format!("110101{yyyymmdd}123");
        format!("{first17}{}", resident_id_check_char(&first17))
    }

    #[test]
    fn a_valid_resident_id_passes_and_a_lower_case_x_is_raised() {
        assert_eq!(
            check_resident_id("11010119900307002X", today()),
            Ok("11010119900307002X".into())
        );
        assert_eq!(
            check_resident_id(" 110101 19900307 002x ", today()),
            Ok("11010119900307002X".into())
        );
        // Rows of the test data generator.
        for id in [
            "310115198906084343",
            "11010519790627795X",
            "440304194112020148",
        ] {
            assert_eq!(check_resident_id(id, today()), Ok(id.into()));
        }
    }

    #[test]
    fn a_wrong_check_character_is_refused() {
        for wrong in [
            "110101199003070020",
            "110101199003070029",
            "11010119900307012X",
        ] {
            assert_eq!(
                check_resident_id(wrong, today()),
                Err("err-id-number-checksum"),
                "{wrong}"
            );
        }
    }

    #[test]
    fn a_resident_id_of_the_wrong_shape_is_refused() {
        for bad in [
            "",
            "11010119900307002",
            "11010119900307002XX",
            "1101011990030700X2",
            "A1010119900307002X",
            "11010119900307002Y",
        ] {
            assert_eq!(
                check_resident_id(bad, today()),
                Err("err-id-number-format"),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_birth_date_must_be_real_past_and_after_1899() {
        assert_eq!(
            check_resident_id("11010119900230009X", today()),
            Err("err-id-number-birth-date"),
            "February 30"
        );
        for born in ["19901301", "18991231", "20261123"] {
            assert_eq!(
                check_resident_id(&id_born(born), today()),
                Err("err-id-number-birth-date"),
                "{born}"
            );
        }
        for born in ["19000101", "20000229", "20261122"] {
            assert!(check_resident_id(&id_born(born), today()).is_ok(), "{born}");
        }
    }

    #[test]
    fn a_valid_credit_code_passes_and_one_changed_character_fails() {
        assert_eq!(
            check_credit_code("91350100M000100Y43"),
            Ok("91350100M000100Y43".into())
        );
        assert_eq!(
            check_credit_code("91350100m000100y43"),
            Ok("91350100M000100Y43".into())
        );
        assert_eq!(
            check_credit_code("91350100M000100Y44"),
            Err("err-credit-code-checksum")
        );
        assert_eq!(
            check_credit_code("91350100M000200Y43"),
            Err("err-credit-code-checksum")
        );
    }

    #[test]
    fn a_credit_code_of_the_wrong_shape_is_refused() {
        for bad in [
            "",
            "91350100M000100Y4",
            "91350100M000100Y433",
            "91350100I000100Y43",
        ] {
            assert_eq!(
                check_credit_code(bad),
                Err("err-credit-code-format"),
                "{bad}"
            );
        }
    }

    #[test]
    fn masking_keeps_the_first_and_last_four() {
        assert_eq!(mask_id_number("11010119900307002X"), "1101**********002X");
        assert_eq!(mask_id_number("123456789"), "1234*6789");
        assert_eq!(mask_id_number("12345678"), "********");
        assert_eq!(mask_id_number(""), "");
    }
}
