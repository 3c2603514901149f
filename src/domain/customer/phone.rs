//! Mainland phone numbers: a mobile becomes its 11 digits, a landline `AREA-NUMBER[-EXT]`.

use super::fold_width;

const ERR_FORMAT: &str = "err-phone-format";

/// Words that start an extension: `010-12345678 转 123`, `… ext. 123`.
const EXTENSION_MARKS: [&str; 5] = ["转", "分机", "ext.", "ext", "x"];

pub fn normalize_phone(value: &str) -> Result<String, &'static str> {
    let value = fold_width(value.trim()).to_lowercase();
    mobile(&value)
        .or_else(|| landline(&value))
        .ok_or(ERR_FORMAT)
}

/// 11 digits starting 13–19, with optional spaces or dashes and a `+86`/`0086` prefix.
fn mobile(value: &str) -> Option<String> {
    let rest = value
        .strip_prefix("+86")
        .or_else(|| value.strip_prefix("0086"))
        .unwrap_or(value);
    if !rest
        .chars()
        .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
    {
        return None;
    }
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    let d = digits.as_bytes();
    (d.len() == 11 && d[0] == b'1' && (b'3'..=b'9').contains(&d[1])).then_some(digits)
}

fn landline(value: &str) -> Option<String> {
    let (main, mut extension) = split_extension(value)?;
    let (area, groups) = match main.strip_prefix('(') {
        Some(rest) => {
            let (area, rest) = rest.split_once(')')?;
            (Some(area.trim()), digit_groups(rest)?)
        }
        None => (None, digit_groups(main)?),
    };
    let mut groups = groups.into_iter();
    // Without a separator the area code's length follows from its second digit.
    let (area, mut number) = match area {
        Some(area) => (area.to_string(), String::new()),
        None => {
            let first = groups.next()?;
            let len = area_code_len(first)?;
            if first.len() > len {
                (first[..len].to_string(), first[len..].to_string())
            } else {
                (first.to_string(), String::new())
            }
        }
    };
    if area_code_len(&area)? != area.len() || !area.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Groups make up the number until it is long enough; one group after that is an
    // extension (`010-12345678-123`), so `0755-8888-6666` is one number.
    for group in groups.by_ref() {
        if number.len() >= 7 {
            if extension.is_some() {
                return None;
            }
            extension = Some(group);
        } else {
            number.push_str(group);
        }
    }
    let number_ok = (7..=8).contains(&number.len()) && !number.starts_with('0');
    let extension_ok = extension.is_none_or(|e| (1..=6).contains(&e.len()));
    if !number_ok || !extension_ok {
        return None;
    }
    Some(match extension {
        Some(extension) => format!("{area}-{number}-{extension}"),
        None => format!("{area}-{number}"),
    })
}

/// The number part and the extension's digits, if a mark like `转` introduces one.
fn split_extension(value: &str) -> Option<(&str, Option<&str>)> {
    for mark in EXTENSION_MARKS {
        if let Some((main, extension)) = value.split_once(mark) {
            let extension = extension.trim();
            if extension.is_empty() || !extension.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            return Some((main.trim(), Some(extension)));
        }
    }
    Some((value, None))
}

/// Runs of digits separated by spaces or dashes; anything else makes it no phone number.
fn digit_groups(value: &str) -> Option<Vec<&str>> {
    let groups: Vec<&str> = value.split([' ', '-']).filter(|g| !g.is_empty()).collect();
    groups
        .iter()
        .all(|g| g.bytes().all(|b| b.is_ascii_digit()))
        .then_some(groups)
}

/// Area codes are 010 and 02x (three digits) or 03xx–09xx (four).
fn area_code_len(digits: &str) -> Option<usize> {
    match digits.as_bytes() {
        [b'0', b'1', b'0', ..] => Some(3),
        [b'0', b'2', b'0'..=b'9', ..] => Some(3),
        [b'0', b'3'..=b'9', ..] => Some(4),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles_become_their_eleven_digits() {
        for typed in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "+8613800138000",
            "0086 13800138000",
            "１３８００１３８０００",
        ] {
            assert_eq!(normalize_phone(typed), Ok("13800138000".into()), "{typed}");
        }
        assert_eq!(normalize_phone("19912345678"), Ok("19912345678".into()));
    }

    #[test]
    fn landlines_become_area_dash_number() {
        let cases = [
            ("010-12345678", "010-12345678"),
            ("0755 1234567", "0755-1234567"),
            ("(021)12345678", "021-12345678"),
            ("（021）1234 5678", "021-12345678"),
            ("02112345678", "021-12345678"),
            ("0755-8888-6666", "0755-88886666"),
            ("010-12345678-123", "010-12345678-123"),
            ("010-12345678 转 123", "010-12345678-123"),
            ("010-12345678转123", "010-12345678-123"),
            ("0571-87654321 ext. 8", "0571-87654321-8"),
        ];
        for (typed, normalized) in cases {
            assert_eq!(normalize_phone(typed), Ok(normalized.into()), "{typed}");
        }
    }

    #[test]
    fn the_generators_bad_phones_are_refused() {
        let good = "13278220482";
        for bad in [
            &good[..10],
            &format!("12{}", &good[2..]),
            &format!("{}O{}", &good[..7], &good[8..]),
            &format!("{good}9"),
            &format!("{}-{}", &good[..5], &good[5..9]),
        ] {
            assert_eq!(normalize_phone(bad), Err("err-phone-format"), "{bad}");
        }
    }

    #[test]
    fn numbers_that_are_neither_mobile_nor_landline_are_refused() {
        for bad in [
            "",
            "12345678",
            "0755-123456",
            "0755-123456789",
            "075-12345678",
            "0210-12345678",
            "013-12345678",
            "010-02345678",
            "010-12345678 转",
            "010-12345678-1234567",
            "010-12345678-12-34",
            "+86 010 12345678",
            "tel 13800138000",
        ] {
            assert_eq!(normalize_phone(bad), Err("err-phone-format"), "{bad:?}");
        }
    }
}
