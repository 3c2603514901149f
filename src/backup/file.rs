//! The backup file: a short header, then the database copy encrypted with AES-256-GCM in
//! 64 KiB chunks (the STREAM construction: each chunk is authenticated with its position
//! and the last one is marked, so a cut, reordered or altered file does not decrypt).

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use aes_gcm::aead::stream::{DecryptorBE32, EncryptorBE32};
use aes_gcm::aead::{KeyInit, Payload};
use aes_gcm::Aes256Gcm;
use anyhow::{bail, Context};

const MAGIC: &[u8; 15] = b"DOSSIER-BACKUP\n";
const FORMAT: u8 = 1;
const CHUNK: usize = 64 * 1024;
const TAG: usize = 16;
/// STREAM-BE32 over a 96-bit nonce leaves 7 bytes for the random prefix.
const NONCE_PREFIX: usize = 7;

/// What the copy inside is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A SQLite database file (`VACUUM INTO`).
    Sqlite,
    /// A `pg_dump` of one schema, as SQL.
    Postgres { schema: String },
}

/// The header: magic, format, kind (and schema), nonce prefix. It is also the associated
/// data of every chunk, so it cannot be changed without breaking the file.
#[derive(Debug, Clone)]
pub struct Header {
    pub kind: Kind,
    nonce: [u8; NONCE_PREFIX],
}

impl Header {
    fn new(kind: Kind) -> Header {
        let mut nonce = [0u8; NONCE_PREFIX];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut nonce);
        Header { kind, nonce }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.push(FORMAT);
        match &self.kind {
            Kind::Sqlite => bytes.push(b'S'),
            Kind::Postgres { schema } => {
                bytes.push(b'P');
                bytes.push(schema.len() as u8);
                bytes.extend_from_slice(schema.as_bytes());
            }
        }
        bytes.extend_from_slice(&self.nonce);
        bytes
    }

    fn read(input: &mut impl Read) -> anyhow::Result<Header> {
        let mut magic = [0u8; 15];
        input
            .read_exact(&mut magic)
            .context("not a Dossier backup (too short)")?;
        if &magic != MAGIC {
            bail!("not a Dossier backup file");
        }
        let mut byte = [0u8; 1];
        input.read_exact(&mut byte)?;
        if byte[0] != FORMAT {
            bail!(
                "backup format {} is not supported (expected {FORMAT})",
                byte[0]
            );
        }
        input.read_exact(&mut byte)?;
        let kind = match byte[0] {
            b'S' => Kind::Sqlite,
            b'P' => {
                input.read_exact(&mut byte)?;
                let mut schema = vec![0u8; byte[0] as usize];
                input.read_exact(&mut schema)?;
                Kind::Postgres {
                    schema: String::from_utf8(schema).context("damaged backup header")?,
                }
            }
            _ => bail!("damaged backup header"),
        };
        let mut nonce = [0u8; NONCE_PREFIX];
        input.read_exact(&mut nonce)?;
        Ok(Header { kind, nonce })
    }
}

/// Encrypts `plain` into `out` (created new).
pub fn encrypt(key: &[u8; 32], kind: Kind, plain: &Path, out: &Path) -> anyhow::Result<()> {
    let header = Header::new(kind);
    let aad = header.to_bytes();
    let mut input = BufReader::new(File::open(plain)?);
    let mut output = BufWriter::new(crate::crypto::private_file::create(out)?);
    output.write_all(&aad)?;
    let cipher = Aes256Gcm::new_from_slice(key).expect("a 32-byte key");
    let mut stream = EncryptorBE32::from_aead(cipher, header.nonce.as_ref().into());
    let mut chunk = vec![0u8; CHUNK];
    let mut filled = fill(&mut input, &mut chunk)?;
    loop {
        let mut next = vec![0u8; CHUNK];
        let next_filled = if filled == CHUNK {
            fill(&mut input, &mut next)?
        } else {
            0
        };
        if next_filled == 0 {
            let sealed = stream
                .encrypt_last(Payload {
                    msg: &chunk[..filled],
                    aad: &aad,
                })
                .map_err(|_| anyhow::anyhow!("encryption failed"))?;
            output.write_all(&sealed)?;
            break;
        }
        let sealed = stream
            .encrypt_next(Payload {
                msg: &chunk[..filled],
                aad: &aad,
            })
            .map_err(|_| anyhow::anyhow!("encryption failed"))?;
        output.write_all(&sealed)?;
        chunk = next;
        filled = next_filled;
    }
    let file = output.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(())
}

/// Reads the header only (to learn what the backup holds).
pub fn header(path: &Path) -> anyhow::Result<Header> {
    Header::read(&mut BufReader::new(
        File::open(path).with_context(|| format!("cannot open {}", path.display()))?,
    ))
}

/// Decrypts `backup` into `out` (created new). A wrong key or any altered byte fails
/// without leaving `out` behind.
pub fn decrypt(key: &[u8; 32], backup: &Path, out: &Path) -> anyhow::Result<Header> {
    let result = decrypt_into(key, backup, out);
    if result.is_err() {
        let _ = std::fs::remove_file(out);
    }
    result
}

fn decrypt_into(key: &[u8; 32], backup: &Path, out: &Path) -> anyhow::Result<Header> {
    let mut input = BufReader::new(
        File::open(backup).with_context(|| format!("cannot open {}", backup.display()))?,
    );
    let header = Header::read(&mut input)?;
    let aad = header.to_bytes();
    let cipher = Aes256Gcm::new_from_slice(key).expect("a 32-byte key");
    let mut stream = DecryptorBE32::from_aead(cipher, header.nonce.as_ref().into());
    let mut output = BufWriter::new(crate::crypto::private_file::create(out)?);
    let refused = || {
        anyhow::anyhow!(
            "the backup does not decrypt: wrong backup key, or the file was altered or cut short"
        )
    };
    let mut chunk = vec![0u8; CHUNK + TAG];
    let mut filled = fill(&mut input, &mut chunk)?;
    loop {
        let mut next = vec![0u8; CHUNK + TAG];
        let next_filled = if filled == CHUNK + TAG {
            fill(&mut input, &mut next)?
        } else {
            0
        };
        if next_filled == 0 {
            let plain = stream
                .decrypt_last(Payload {
                    msg: &chunk[..filled],
                    aad: &aad,
                })
                .map_err(|_| refused())?;
            output.write_all(&plain)?;
            break;
        }
        let plain = stream
            .decrypt_next(Payload {
                msg: &chunk[..filled],
                aad: &aad,
            })
            .map_err(|_| refused())?;
        output.write_all(&plain)?;
        chunk = next;
        filled = next_filled;
    }
    let file = output.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(header)
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn fill(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// SHA-256 of a file, hex.
pub fn sha256(path: &Path) -> anyhow::Result<String> {
    use sha2::{Digest, Sha256};
    let mut input = BufReader::new(File::open(path)?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = input.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex::encode(hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(size: usize) {
        let dir = tempfile::tempdir().unwrap();
        let plain: Vec<u8> = (0..size).map(|i| (i * 7 % 251) as u8).collect();
        std::fs::write(dir.path().join("plain"), &plain).unwrap();
        let key = [9u8; 32];
        let kind = Kind::Postgres {
            schema: "t_abc".into(),
        };
        encrypt(
            &key,
            kind.clone(),
            &dir.path().join("plain"),
            &dir.path().join("b"),
        )
        .unwrap();
        let header = decrypt(&key, &dir.path().join("b"), &dir.path().join("out")).unwrap();
        assert_eq!(header.kind, kind);
        assert_eq!(
            std::fs::read(dir.path().join("out")).unwrap(),
            plain,
            "{size}"
        );
    }

    #[test]
    fn files_of_any_size_come_back_the_same() {
        for size in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
            round_trip(size);
        }
    }

    #[test]
    fn a_wrong_key_an_altered_byte_or_a_cut_file_is_refused_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let plain = vec![42u8; 2 * CHUNK + 10];
        std::fs::write(dir.path().join("plain"), &plain).unwrap();
        let backup = dir.path().join("b");
        encrypt(&[1; 32], Kind::Sqlite, &dir.path().join("plain"), &backup).unwrap();
        let out = dir.path().join("out");
        assert!(decrypt(&[2; 32], &backup, &out).is_err());
        assert!(!out.exists());
        let good = std::fs::read(&backup).unwrap();
        let mut altered = good.clone();
        altered[40] ^= 1;
        std::fs::write(&backup, &altered).unwrap();
        assert!(decrypt(&[1; 32], &backup, &out).is_err());
        std::fs::write(&backup, &good[..CHUNK + TAG + 24]).unwrap();
        assert!(
            decrypt(&[1; 32], &backup, &out).is_err(),
            "cut after a chunk"
        );
        assert!(!out.exists());
    }
}
