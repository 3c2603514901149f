//! A keyed hash of a field value, so that an exact-value search can use an index.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Computes blind-index values with the index key.
#[derive(Clone)]
pub struct BlindIndex {
    // Keyed once; each value hashes a clone, which skips re-deriving the padded key.
    mac: Hmac<Sha256>,
}

impl BlindIndex {
    pub(super) fn new(key: &[u8; 32]) -> BlindIndex {
        BlindIndex {
            mac: Hmac::new_from_slice(key).expect("HMAC accepts keys of any length"),
        }
    }

    /// HMAC-SHA256 of the normalized value (trim, upper-case), hex; equal inputs give equal
    /// outputs.
    pub fn of(&self, value: &str) -> String {
        let normalized = value.trim().to_uppercase();
        let mut mac = self.mac.clone();
        mac.update(normalized.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

impl std::fmt::Debug for BlindIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BlindIndex(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use crate::crypto::Keys;

    #[test]
    fn spacing_and_case_do_not_change_the_index() {
        let index = Keys::for_tests(1).blind_index();
        let value = index.of("11010119900307002x");
        assert_eq!(value, index.of(" 11010119900307002X "));
        assert_eq!(value.len(), 64);
        assert!(value.chars().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn different_values_give_different_indexes() {
        let index = Keys::for_tests(1).blind_index();
        assert_ne!(
            index.of("11010119900307002X"),
            index.of("110101199003070038")
        );
    }

    #[test]
    fn different_keys_give_different_indexes() {
        let value = "11010119900307002X";
        assert_ne!(
            Keys::for_tests(1).blind_index().of(value),
            Keys::for_tests(2).blind_index().of(value)
        );
    }
}
