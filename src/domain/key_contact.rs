//! A key contact of an enterprise customer (name, title, phone, email) as the record
//! page's form posts it, and its check.

use super::customer::{normalize_email, normalize_phone};
use super::validation::{required_text, FieldErrors};

pub const NAME_MAX: usize = 64;
/// A longer title is cut, not refused.
pub const TITLE_MAX: usize = 32;

/// The form as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct KeyContactInput {
    #[serde(default)]
    pub contact_name: String,
    #[serde(default)]
    pub contact_title: String,
    #[serde(default)]
    pub contact_phone: String,
    #[serde(default)]
    pub contact_email: String,
}

/// A key contact once checked; phone and email are normalised, or empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyContactDraft {
    pub name: String,
    pub title: String,
    pub phone: String,
    pub email: String,
}

/// A name is required, and a phone or an email to reach them.
pub fn check(input: &KeyContactInput) -> Result<KeyContactDraft, FieldErrors> {
    let mut errors = FieldErrors::default();
    let name = required_text(&mut errors, "contact_name", &input.contact_name, NAME_MAX);
    let title = input
        .contact_title
        .trim()
        .chars()
        .take(TITLE_MAX)
        .collect::<String>();
    let phone = match input.contact_phone.trim() {
        "" => String::new(),
        typed => normalize_phone(typed).unwrap_or_else(|key| {
            errors.add("contact_phone", key);
            String::new()
        }),
    };
    let email = match input.contact_email.trim() {
        "" => String::new(),
        typed => normalize_email(typed).unwrap_or_else(|key| {
            errors.add("contact_email", key);
            String::new()
        }),
    };
    if phone.is_empty() && email.is_empty() && errors.is_empty() {
        errors.add("contact_phone", "err-contact-reach");
    }
    errors.into_result(KeyContactDraft {
        name,
        title,
        phone,
        email,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_needs_a_way_to_reach_them() {
        let input = KeyContactInput {
            contact_name: "王丽".into(),
            ..KeyContactInput::default()
        };
        let errors = check(&input).unwrap_err();
        assert_eq!(errors.get("contact_phone"), Some("err-contact-reach"));
    }

    #[test]
    fn an_email_alone_is_enough() {
        let input = KeyContactInput {
            contact_name: "王丽".into(),
            contact_email: "wang@example.com".into(),
            ..KeyContactInput::default()
        };
        let draft = check(&input).unwrap();
        assert_eq!(draft.phone, "");
        assert_eq!(draft.email, "wang@example.com");
    }
}
