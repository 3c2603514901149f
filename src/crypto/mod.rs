//! Encryption at rest for sensitive fields (resident ID numbers and the like).
//!
//! Two independent 32-byte keys live in `keys.json` in the data folder, never in the
//! database: a stolen database dump alone reveals nothing. `FieldCipher` seals a value with
//! AES-256-GCM; `BlindIndex` gives a keyed HMAC of it, so an exact-value lookup can use an
//! indexed column without the plaintext ever being stored.

mod blind_index;
mod cipher;
mod keys;
pub(crate) mod private_file;

pub use blind_index::BlindIndex;
pub use cipher::FieldCipher;
pub use keys::{Keys, KEY_FILE};

/// Why a stored value could not be turned back into text. The messages never quote the
/// value itself: it may be a fragment of personal data.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the stored value is not an encrypted field: {0}")]
    Malformed(&'static str),
    #[error("the stored value cannot be decrypted: wrong key or altered data")]
    Undecryptable,
    #[error("the decrypted value is not UTF-8 text")]
    NotText,
}
