//! A customer record's fields and rules: the kinds stored as text, phone and email formats,
//! resident ID and credit code checksums, dates, tags, and the form check that turns what a
//! clerk typed (or an import row) into a `CustomerDraft`.

mod dates;
mod email;
mod id_text;
mod identity;
mod input;
mod kinds;
mod phone;
mod tags;

#[cfg(test)]
mod check_tests;

pub use dates::{parse_date, parse_past_date};
pub use email::normalize_email;
pub use id_text::{mask_id_numbers, searched_id_number};
pub use identity::{check_credit_code, check_resident_id, mask_id_number};
pub use input::{check, CustomerDraft, CustomerInput};
pub use kinds::{CustomerType, OccupantRole, Source, Status, UnknownValue};
pub use phone::normalize_phone;
pub use tags::parse_tags;

/// Full-width ASCII (`１３８`, `＠`, `（`) and the ideographic space folded to plain ASCII:
/// Chinese input methods produce them, and they are never meant as different characters.
fn fold_width(value: &str) -> String {
    value
        .chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_and_punctuation_become_ascii() {
        assert_eq!(fold_width("１３８　（０１０）＠"), "138 (010)@");
        assert_eq!(fold_width("王丽"), "王丽");
    }
}
