//! The key file: two random keys kept in the data folder, outside the database.

use std::fs;
use std::io;
use std::path::Path;

use anyhow::Context;
use serde::{Deserialize, Serialize};

use super::{private_file, BlindIndex, FieldCipher};

/// The name of the key file in the data folder.
pub const KEY_FILE: &str = "keys.json";
const VERSION: u32 = 1;

/// The field encryption key, the blind index key and the backup key.
pub struct Keys {
    field_key: [u8; 32],
    index_key: [u8; 32],
    /// Encrypts backup files. Key files written before backups existed lack it: the data
    /// folder's file gets one added on load; an old export has none.
    backup_key: Option<[u8; 32]>,
    created_at: String,
}

/// The file as stored. Unknown fields are ignored, so a file written by a later version
/// (with a `backup_key`, say) still loads.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    version: u32,
    field_key: String,
    index_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    backup_key: Option<String>,
    #[serde(default)]
    created_at: String,
}

impl Keys {
    /// Loads `<data_dir>/keys.json`, creating it (0600, 32 random bytes each, hex) on first
    /// use.
    pub fn load_or_create(data_dir: &Path) -> anyhow::Result<Keys> {
        let path = data_dir.join(KEY_FILE);
        if path.exists() {
            let mut keys = Keys::read(&path)?;
            if keys.backup_key.is_none() {
                // Written before backups existed: add a backup key, keeping the others.
                let mut key = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
                keys.backup_key = Some(key);
                keys.replace(&path)
                    .with_context(|| format!("cannot add a backup key to {}", path.display()))?;
                tracing::info!(path = %path.display(), "added a backup key to the key file");
            }
            return Ok(keys);
        }
        private_file::create_dir(data_dir)
            .with_context(|| format!("cannot create the data folder {}", data_dir.display()))?;
        let keys = Keys::generate();
        match keys.write_new(&path) {
            Ok(()) => {
                tracing::info!(path = %path.display(), "created a new key file");
                Ok(keys)
            }
            // Another process created it first: its keys are the ones in use.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Keys::read(&path),
            Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
        }
    }

    /// Reads a key file (the same JSON) from any path, e.g. one written by `keys export`.
    pub fn read(path: &Path) -> anyhow::Result<Keys> {
        let text = fs::read_to_string(path)
            .with_context(|| format!("cannot read the key file {}", path.display()))?;
        private_file::warn_if_readable_by_others(path);
        Keys::parse(&text).with_context(|| format!("invalid key file {}", path.display()))
    }

    /// Writes the keys (0600) to `path`; refuses to overwrite an existing file.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        self.write_new(path).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                anyhow::anyhow!(
                    "{} already exists; a key file is never overwritten",
                    path.display()
                )
            } else {
                anyhow::Error::new(e).context(format!("cannot write {}", path.display()))
            }
        })
    }

    /// A one-way fingerprint of both keys, stored in the database so that a data folder
    /// with other keys (lost key file, second instance) is refused instead of silently
    /// writing data that the first keys cannot read.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(b"dossier-keys-v1");
        hasher.update(self.field_key);
        hasher.update(self.index_key);
        hex::encode(&hasher.finalize()[..16])
    }

    pub fn cipher(&self) -> FieldCipher {
        FieldCipher::new(&self.field_key)
    }

    pub fn blind_index(&self) -> BlindIndex {
        BlindIndex::new(&self.index_key)
    }

    /// The key that encrypts backup files, if this key file has one.
    pub fn backup_key(&self) -> Option<&[u8; 32]> {
        self.backup_key.as_ref()
    }

    /// For tests: fixed keys from a seed.
    pub fn for_tests(seed: u8) -> Keys {
        Keys {
            field_key: [seed; 32],
            index_key: [!seed; 32],
            backup_key: Some([seed.wrapping_add(1); 32]),
            created_at: "2000-01-01T00:00:00Z".into(),
        }
    }

    fn generate() -> Keys {
        let mut keys = Keys {
            field_key: [0; 32],
            index_key: [0; 32],
            backup_key: Some([0; 32]),
            created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        };
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut keys.field_key);
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut keys.index_key);
        if let Some(key) = keys.backup_key.as_mut() {
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, key);
        }
        keys
    }

    fn parse(text: &str) -> anyhow::Result<Keys> {
        let file: KeyFile = serde_json::from_str(text)?;
        if file.version != VERSION {
            anyhow::bail!(
                "version {} is not supported (expected {VERSION})",
                file.version
            );
        }
        let keys = Keys {
            field_key: decode_key("field_key", &file.field_key)?,
            index_key: decode_key("index_key", &file.index_key)?,
            backup_key: file
                .backup_key
                .as_deref()
                .map(|k| decode_key("backup_key", k))
                .transpose()?,
            created_at: file.created_at,
        };
        // One key for both jobs would tie the index to the ciphertexts: a hand-edited file.
        if keys.field_key == keys.index_key {
            anyhow::bail!("field_key and index_key must differ");
        }
        Ok(keys)
    }

    fn write_new(&self, path: &Path) -> io::Result<()> {
        private_file::create_new(path, self.to_json()?.as_bytes())
    }

    fn to_json(&self) -> io::Result<String> {
        let file = KeyFile {
            version: VERSION,
            field_key: hex::encode(self.field_key),
            index_key: hex::encode(self.index_key),
            backup_key: self.backup_key.map(hex::encode),
            created_at: self.created_at.clone(),
        };
        let mut text = serde_json::to_string_pretty(&file).map_err(io::Error::other)?;
        text.push('\n');
        Ok(text)
    }

    /// Rewrites an existing key file in one step: a private temp file beside it, synced,
    /// then renamed over it, so a crash leaves the old file or the new one, never half.
    fn replace(&self, path: &Path) -> io::Result<()> {
        let temp = path.with_extension("json.new");
        let _ = fs::remove_file(&temp);
        private_file::create_new(&temp, self.to_json()?.as_bytes())?;
        fs::File::open(&temp)?.sync_all()?;
        fs::rename(&temp, path)
    }

    /// Writes the keys to `path` (0600), replacing a file there; for `restore --keys`.
    pub fn install(&self, path: &Path) -> anyhow::Result<()> {
        if path.exists() {
            self.replace(path)
        } else {
            self.write_new(path)
        }
        .with_context(|| format!("cannot write {}", path.display()))
    }
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("field_key", &format_args!("<redacted>"))
            .field("index_key", &format_args!("<redacted>"))
            .field("backup_key", &format_args!("<redacted>"))
            .field("created_at", &self.created_at)
            .finish()
    }
}

fn decode_key(name: &str, hex_key: &str) -> anyhow::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    // The decoder's own message would quote a character of the key.
    hex::decode_to_slice(hex_key, &mut key)
        .map_err(|_| anyhow::anyhow!("{name} must be 64 hexadecimal digits"))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same_keys(a: &Keys, b: &Keys) -> bool {
        a.field_key == b.field_key && a.index_key == b.index_key && a.backup_key == b.backup_key
    }

    #[test]
    fn the_first_load_creates_a_private_file_and_the_second_returns_the_same_keys() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let first = Keys::load_or_create(&data_dir).unwrap();
        let path = data_dir.join(KEY_FILE);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            let dir_mode = fs::metadata(&data_dir).unwrap().permissions().mode();
            assert_eq!(dir_mode & 0o077, 0);
        }
        let json: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["field_key"].as_str().unwrap().len(), 64);
        assert_eq!(json["index_key"].as_str().unwrap().len(), 64);
        assert!(chrono::DateTime::parse_from_rfc3339(json["created_at"].as_str().unwrap()).is_ok());
        assert_ne!(first.field_key, first.index_key);

        let second = Keys::load_or_create(&data_dir).unwrap();
        assert!(same_keys(&first, &second));
        let stored = first.cipher().encrypt("11010119900307002X");
        assert_eq!(
            second.cipher().decrypt(&stored).unwrap(),
            "11010119900307002X"
        );
    }

    #[test]
    fn written_keys_read_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("export.json");
        let keys = Keys::for_tests(3);
        keys.write(&path).unwrap();
        assert!(same_keys(&keys, &Keys::read(&path).unwrap()));
    }

    #[test]
    fn write_refuses_to_overwrite_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        fs::write(&path, "precious").unwrap();
        let error = Keys::for_tests(3).write(&path).unwrap_err();
        assert!(error.to_string().contains("already exists"), "{error}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "precious");
    }

    #[test]
    fn a_file_with_an_extra_backup_key_reads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys.json");
        let json = format!(
            r#"{{"version":1,"field_key":"{}","index_key":"{}","backup_key":"{}","created_at":"2026-01-01T00:00:00Z"}}"#,
            "11".repeat(32),
            "22".repeat(32),
            "33".repeat(32)
        );
        fs::write(&path, json).unwrap();
        let keys = Keys::read(&path).unwrap();
        assert_eq!(keys.field_key, [0x11; 32]);
        assert_eq!(keys.index_key, [0x22; 32]);
        assert_eq!(keys.backup_key, Some([0x33; 32]));
    }

    #[test]
    fn a_key_file_from_before_backups_gets_a_backup_key_and_keeps_its_keys() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        let json = format!(
            r#"{{"version":1,"field_key":"{}","index_key":"{}","created_at":"2026-01-01T00:00:00Z"}}"#,
            "11".repeat(32),
            "22".repeat(32)
        );
        fs::write(&path, json).unwrap();
        let keys = Keys::load_or_create(dir.path()).unwrap();
        assert_eq!((keys.field_key, keys.index_key), ([0x11; 32], [0x22; 32]));
        let added = keys.backup_key.expect("a backup key was added");
        let again = Keys::load_or_create(dir.path()).unwrap();
        assert_eq!(again.backup_key, Some(added), "and it is kept");
        assert_eq!(again.fingerprint(), keys.fingerprint());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn a_file_without_both_keys_or_with_bad_ones_is_refused() {
        let (a, b) = ("11".repeat(32), "22".repeat(32));
        for json in [
            format!(r#"{{"version":1,"field_key":"{a}"}}"#),
            format!(r#"{{"version":1,"index_key":"{b}"}}"#),
            format!(r#"{{"version":1,"field_key":"{a}","index_key":"22"}}"#),
            format!(
                r#"{{"version":1,"field_key":"{a}","index_key":"{}"}}"#,
                "zz".repeat(32)
            ),
            format!(r#"{{"version":1,"field_key":"{a}","index_key":"{a}"}}"#),
            format!(r#"{{"version":2,"field_key":"{a}","index_key":"{b}"}}"#),
            format!(r#"{{"field_key":"{a}","index_key":"{b}"}}"#),
            String::new(),
        ] {
            assert!(Keys::parse(&json).is_err(), "{json}");
        }
    }

    #[test]
    fn debug_output_does_not_show_the_keys() {
        let keys = Keys::for_tests(0xab);
        let shown = format!(
            "{keys:?} {:?} {:?} {keys:#?}",
            keys.cipher(),
            keys.blind_index()
        );
        assert!(shown.contains("<redacted>"), "{shown}");
        for secret in [
            hex::encode(keys.field_key),
            hex::encode(keys.index_key),
            hex::encode(keys.backup_key.unwrap()),
            format!("{:?}", keys.field_key),
            format!("{:?}", keys.index_key),
        ] {
            assert!(!shown.contains(&secret[..8]), "{shown}");
        }
        assert!(!shown.contains("171"), "{shown}");
    }
}
