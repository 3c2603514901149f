//! Re-verification (复核): when a record is due, the personal link's token, and the masked
//! forms a customer sees on the link page (which anyone holding the link can open).

use chrono::{Months, NaiveDate};
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::customer::CustomerType;

/// The cycle lengths in months, from the settings.
#[derive(Debug, Clone, Copy)]
pub struct Cycles {
    pub months: u32,
    pub vip_months: u32,
}

impl Cycles {
    pub fn months_for(self, customer_type: &str) -> u32 {
        if customer_type == CustomerType::Vip.as_str() {
            self.vip_months
        } else {
            self.months
        }
    }

    /// The last day a record of this type may have been verified (or first contacted) on
    /// and count as due today. Both the job and the call list select with it.
    pub fn cutoff(self, customer_type_is_vip: bool, today: NaiveDate) -> NaiveDate {
        let months = if customer_type_is_vip {
            self.vip_months
        } else {
            self.months
        };
        today
            .checked_sub_months(Months::new(months))
            .unwrap_or(NaiveDate::MIN)
    }

    /// When a record verified (or first contacted) on `base` falls due: the cycle key of
    /// its mail and link.
    pub fn due_date(self, customer_type: &str, base: NaiveDate) -> NaiveDate {
        base.checked_add_months(Months::new(self.months_for(customer_type)))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// The idempotency key of a cycle's mail: one mail per customer per cycle.
pub fn mail_key(code: &str, due: NaiveDate) -> String {
    format!("reverify:{code}:{due}")
}

/// A new link token: 32 random bytes as hex (URL-safe), and the hash that is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// What is stored for a token: its SHA-256, so a copy of the database opens no link.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether the text can be a token at all (checked before any lookup).
pub fn looks_like_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `138****5678`: the first three and last four characters; short values starred whole.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().collect();
    let n = chars.len();
    if n < 8 {
        return "*".repeat(n);
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[n - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(n - 7))
}

/// `w***@example.com`: the first character of the name, the domain in full.
pub fn mask_email(email: &str) -> String {
    match email.trim().split_once('@') {
        Some((name, domain)) => {
            let first: String = name.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => "***".to_string(),
    }
}

/// A customer's free text from the link page: required, at most `max` characters, line
/// breaks kept but no other control characters. `Err` is the locale key of the message.
pub fn check_description(text: &str, max: usize) -> Result<String, &'static str> {
    let text = text.replace("\r\n", "\n");
    let text = text.trim();
    if text.is_empty() {
        Err("err-required")
    } else if text.chars().count() > max {
        Err("err-too-long")
    } else if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        Err("err-invalid-chars")
    } else {
        Ok(text.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const CYCLES: Cycles = Cycles {
        months: 12,
        vip_months: 6,
    };

    #[test]
    fn vip_records_fall_due_after_six_months_others_after_twelve() {
        let base = day(2026, 1, 15);
        assert_eq!(CYCLES.due_date("vip", base), day(2026, 7, 15));
        assert_eq!(CYCLES.due_date("personal", base), day(2027, 1, 15));
        let today = day(2026, 11, 23);
        assert_eq!(CYCLES.cutoff(true, today), day(2026, 5, 23));
        assert_eq!(CYCLES.cutoff(false, today), day(2025, 11, 23));
    }

    #[test]
    fn a_token_is_url_safe_and_only_its_hash_is_kept() {
        let (token, hash) = new_token();
        assert!(looks_like_token(&token));
        assert_ne!(token, hash);
        assert_eq!(token_hash(&token), hash);
        assert_ne!(new_token().0, token);
        assert!(!looks_like_token("../etc/passwd"));
    }

    #[test]
    fn phones_and_emails_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("010-12345678"), "010*****5678");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_email("wang.wei@example.com"), "w***@example.com");
        assert_eq!(mask_email("broken"), "***");
    }

    #[test]
    fn a_description_keeps_its_lines_but_not_other_control_characters() {
        assert_eq!(check_description(" a\r\nb ", 10), Ok("a\nb".to_string()));
        assert_eq!(check_description("   ", 10), Err("err-required"));
        assert_eq!(check_description("abcdefghijk", 10), Err("err-too-long"));
        assert_eq!(check_description("a\u{7}b", 10), Err("err-invalid-chars"));
    }
}
