//! AES-256-GCM for single field values, stored as printable text.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use rand::RngCore;

use super::CryptoError;

/// The format tag; a later scheme (another key, another algorithm) gets another one.
const PREFIX: &str = "v1:";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Encrypts and decrypts field values with the field key.
#[derive(Clone)]
pub struct FieldCipher {
    aead: Aes256Gcm,
}

impl FieldCipher {
    pub(super) fn new(key: &[u8; 32]) -> FieldCipher {
        FieldCipher {
            aead: Aes256Gcm::new(key.into()),
        }
    }

    /// AES-256-GCM with a fresh random 96-bit nonce; returns printable text
    /// `"v1:<hex nonce><hex ciphertext+tag>"`.
    pub fn encrypt(&self, plaintext: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        // GCM refuses only plaintexts over 64 GiB, which no field value comes near.
        let sealed = self
            .aead
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .expect("a field value is far below the AES-GCM size limit");
        let mut stored = String::with_capacity(PREFIX.len() + 2 * (NONCE_LEN + sealed.len()));
        stored.push_str(PREFIX);
        stored.push_str(&hex::encode(nonce));
        stored.push_str(&hex::encode(sealed));
        stored
    }

    /// Reverses `encrypt`; a wrong key, a tampered or malformed value gives an error, never
    /// a panic.
    pub fn decrypt(&self, stored: &str) -> Result<String, CryptoError> {
        let hex_part = stored
            .strip_prefix(PREFIX)
            .ok_or(CryptoError::Malformed("no v1: prefix"))?;
        let bytes = hex::decode(hex_part).map_err(|_| CryptoError::Malformed("not hexadecimal"))?;
        if bytes.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed("too short"));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self
            .aead
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| CryptoError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| CryptoError::NotText)
    }
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldCipher(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Keys;

    const ID: &str = "11010119900307002X";

    #[test]
    fn a_value_survives_a_round_trip() {
        let cipher = Keys::for_tests(1).cipher();
        for value in [ID, "张三 北京市朝阳区", ""] {
            let stored = cipher.encrypt(value);
            assert!(stored.starts_with("v1:"));
            assert!(!stored.contains(value) || value.is_empty());
            assert_eq!(cipher.decrypt(&stored).unwrap(), value);
        }
    }

    #[test]
    fn two_encryptions_of_one_value_differ_but_decrypt_the_same() {
        let cipher = Keys::for_tests(1).cipher();
        let first = cipher.encrypt(ID);
        let second = cipher.encrypt(ID);
        assert_ne!(first, second);
        assert_ne!(first[3..27], second[3..27], "the nonces must differ");
        assert_eq!(cipher.decrypt(&first).unwrap(), ID);
        assert_eq!(cipher.decrypt(&second).unwrap(), ID);
    }

    #[test]
    fn a_flipped_byte_anywhere_fails_to_decrypt() {
        let cipher = Keys::for_tests(1).cipher();
        let stored = cipher.encrypt(ID);
        let bytes = hex::decode(&stored[3..]).unwrap();
        // Nonce, ciphertext and tag: every part is covered by the authentication.
        for i in 0..bytes.len() {
            let mut altered = bytes.clone();
            altered[i] ^= 0x01;
            let altered = format!("v1:{}", hex::encode(altered));
            assert!(
                matches!(cipher.decrypt(&altered), Err(CryptoError::Undecryptable)),
                "byte {i}"
            );
        }
    }

    #[test]
    fn another_key_fails_to_decrypt() {
        let stored = Keys::for_tests(1).cipher().encrypt(ID);
        let result = Keys::for_tests(2).cipher().decrypt(&stored);
        assert!(matches!(result, Err(CryptoError::Undecryptable)));
    }

    #[test]
    fn malformed_values_give_errors() {
        let cipher = Keys::for_tests(1).cipher();
        let short = format!("v1:{}", "00".repeat(NONCE_LEN + TAG_LEN - 1));
        let valid = cipher.encrypt(ID);
        let odd_length = &valid[..valid.len() - 1];
        let unprefixed = &valid[3..];
        for bad in [
            "garbage", "v1:zz", "", "v1:", &short, odd_length, unprefixed, "v2:00",
        ] {
            assert!(
                matches!(cipher.decrypt(bad), Err(CryptoError::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn bytes_that_are_not_text_are_an_error() {
        let keys = Keys::for_tests(1);
        let cipher = keys.cipher();
        let nonce = [0u8; NONCE_LEN];
        let sealed = cipher
            .aead
            .encrypt(Nonce::from_slice(&nonce), [0xff, 0xfe].as_slice())
            .unwrap();
        let stored = format!("v1:{}{}", hex::encode(nonce), hex::encode(sealed));
        assert!(matches!(cipher.decrypt(&stored), Err(CryptoError::NotText)));
    }
}
