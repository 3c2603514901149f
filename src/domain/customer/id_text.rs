//! Resident ID numbers inside free text: a search box holding one (searched by its blind
//! index, never stored as typed), and any text bound for the operation log, where a
//! number shows masked like on screen (`4403**********3991`).

use super::identity::{compact, mask_id_number, resident_id_check_char};

/// Runs of this many digits or more are masked in logged text: an ID number (18, or 15
/// for the numbers issued before 1999) or a bank card; no phone number is that long.
const LONG_RUN: usize = 15;

/// The 18-character ID number a search text stands for, upper-case: the text itself,
/// typed with spaces, full-width or a lower-case `x`, or a 15-digit number of before
/// 1999, which became today's number with `19` before its year and a check character.
pub fn searched_id_number(text: &str) -> Option<String> {
    let id = compact(text);
    let bytes = id.as_bytes();
    let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    match bytes.len() {
        18 if digits(&bytes[..17]) && (bytes[17].is_ascii_digit() || bytes[17] == b'X') => Some(id),
        15 if digits(bytes) => {
            let first17 = format!("{}19{}", &id[..6], &id[6..]);
            let check = resident_id_check_char(&first17);
            Some(format!("{first17}{check}"))
        }
        _ => None,
    }
}

/// `text` with every ID number in it masked: the whole text when it is one number (as
/// a search box holds it, spaces and all), else each run of 15 or more digits standing
/// on its own (a trailing `X` included). Digits inside a longer word (a hex hash) stay.
pub fn mask_id_numbers(text: &str) -> String {
    if searched_id_number(text).is_some() {
        return mask_id_number(&compact(text));
    }
    let chars: Vec<char> = text.chars().collect();
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let is_x = |c: char| matches!(c, 'x' | 'X' | 'ｘ' | 'Ｘ');
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let starts_run =
            is_digit(chars[i]) && (i == 0 || (!is_word(chars[i - 1]) && !is_digit(chars[i - 1])));
        if !starts_run {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut end = i;
        while end < chars.len() && is_digit(chars[end]) {
            end += 1;
        }
        let digits = end - i;
        if end < chars.len() && is_x(chars[end]) {
            end += 1;
        }
        let bounded = end == chars.len() || !is_word(chars[end]);
        let run: String = chars[i..end].iter().collect();
        if digits >= LONG_RUN && bounded {
            out.push_str(&mask_id_number(&compact(&run)));
        } else {
            out.push_str(&run);
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_text_is_an_id_number_however_it_is_typed() {
        let id = Some("44030119900307399X".to_string());
        for typed in [
            "44030119900307399X",
            "44030119900307399x",
            " 4403 0119 9003 0739 9x ",
            "４４０３０１１９９００３０７３９９Ｘ",
        ] {
            assert_eq!(searched_id_number(typed), id, "{typed}");
        }
        for not_one in [
            "王伟",
            "13812345678",
            "4403011990030739",
            "44030119900307399Y",
        ] {
            assert_eq!(searched_id_number(not_one), None, "{not_one}");
        }
    }

    #[test]
    fn a_fifteen_digit_number_becomes_the_eighteen_character_one() {
        // 110105490101002 (born 1949-01-01) is 11010519490101002 + its check character.
        let upgraded = searched_id_number("110105490101002").unwrap();
        assert_eq!(&upgraded[..17], "11010519490101002");
        assert_eq!(upgraded.len(), 18);
        assert_eq!(
            super::super::check_resident_id(&upgraded, chrono::NaiveDate::MAX),
            Ok(upgraded.clone())
        );
    }

    #[test]
    fn id_numbers_in_text_are_masked_and_other_digits_are_not() {
        assert_eq!(
            mask_id_numbers("4403 0119 9003 0739 9x"),
            "4403**********399X"
        );
        assert_eq!(
            mask_id_numbers("q=44030119900307399x&type=vip"),
            "q=4403**********399X&type=vip"
        );
        assert_eq!(
            mask_id_numbers("客户提供身份证440301900307399更正"),
            "客户提供身份证4403*******7399更正"
        );
        assert_eq!(
            mask_id_numbers("phone 13812345678, code P-2026-000042"),
            "phone 13812345678, code P-2026-000042"
        );
        let hash = "ab123456789012345678cd";
        assert_eq!(mask_id_numbers(hash), hash);
        assert_eq!(mask_id_numbers(""), "");
    }
}
