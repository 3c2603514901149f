//! The reading side of an import: CSV rows → checked, encrypted records in batches, and
//! the bad rows into the rejects file. It runs on its own thread, so that checking and
//! encrypting one batch overlaps with storing the one before.

use std::collections::HashMap;
use std::sync::mpsc::SyncSender;

use chrono::NaiveDate;

use super::{ImportError, HEADER};
use crate::crypto::Keys;
use crate::db::customers::CustomerFields;
use crate::domain::customer::{self, CustomerDraft, CustomerInput, Status};
use crate::i18n::Lang;
use crate::service::customers::to_fields;

/// A row that passed its checks, ready to store.
pub struct Good {
    pub draft: CustomerDraft,
    pub fields: CustomerFields,
}

/// Checked rows, and how far into the file they reach.
pub struct Batch {
    pub rows: Vec<Good>,
    pub lines_read: u64,
    pub bytes_read: u64,
}

/// What the reader saw: rows rejected, and the last line number.
pub struct Read {
    pub rejected: usize,
    pub lines: u64,
}

/// Reads every record after the header, sending batches of `batch_size` good rows.
/// Stops early, without an error, when the receiving side has gone (it failed).
pub fn read_rows<R: std::io::Read>(
    reader: &mut csv::Reader<R>,
    rejects: &mut csv::Writer<std::fs::File>,
    mut phones: HashMap<String, String>,
    keys: &Keys,
    today: NaiveDate,
    batch_size: usize,
    out: SyncSender<Batch>,
) -> Result<Read, ImportError> {
    let mut rejected = 0;
    let mut line: u64 = 1;
    let mut rows = Vec::with_capacity(batch_size);
    let mut record = csv::ByteRecord::new();
    loop {
        let more = match reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(error) => {
                line += 1;
                rejected += 1;
                rejects.write_record([line.to_string(), format!("unreadable CSV row: {error}")])?;
                continue_after_error(reader, &error)?;
                continue;
            }
        };
        if more {
            line += 1;
            match to_input(&record).and_then(|input| check(&input, today, &phones)) {
                Ok(draft) => {
                    phones.insert(draft.phone.clone(), format!("line {line}"));
                    let fields = to_fields(&draft, keys, Status::Active.as_str(), None, false);
                    rows.push(Good { draft, fields });
                }
                Err(reason) => {
                    rejected += 1;
                    let mut row = vec![line.to_string(), reason];
                    row.extend(
                        record
                            .iter()
                            .map(|f| String::from_utf8_lossy(f).into_owned()),
                    );
                    rejects.write_record(&row)?;
                }
            }
        }
        if rows.len() >= batch_size || (!more && !rows.is_empty()) {
            let batch = Batch {
                rows: std::mem::replace(&mut rows, Vec::with_capacity(batch_size)),
                lines_read: line,
                bytes_read: reader.position().byte(),
            };
            if out.send(batch).is_err() {
                break;
            }
        }
        if !more {
            break;
        }
    }
    Ok(Read {
        rejected,
        lines: line,
    })
}

/// An I/O error ends the import; a malformed row (its bytes were consumed) does not.
fn continue_after_error(
    reader: &csv::Reader<impl std::io::Read>,
    error: &csv::Error,
) -> Result<(), ImportError> {
    match error.kind() {
        csv::ErrorKind::Io(_) => Err(ImportError::Format(format!(
            "reading stopped after byte {}: {error}",
            reader.position().byte()
        ))),
        _ => Ok(()),
    }
}

/// One CSV row as the form's input. Broken UTF-8 or a wrong column count is a reason.
fn to_input(record: &csv::ByteRecord) -> Result<CustomerInput, String> {
    if record.len() != HEADER.len() {
        return Err(format!(
            "expected {} columns, found {}",
            HEADER.len(),
            record.len()
        ));
    }
    let mut fields = Vec::with_capacity(HEADER.len());
    for (i, raw) in record.iter().enumerate() {
        let text = std::str::from_utf8(raw)
            .map_err(|_| format!("column {} is not valid UTF-8", HEADER[i]))?;
        fields.push(text.to_string());
    }
    let mut f = fields.into_iter();
    let mut next = || f.next().unwrap_or_default();
    Ok(CustomerInput {
        name: next(),
        customer_type: next(),
        phone: next(),
        email: next(),
        community: next(),
        building: next(),
        unit: next(),
        role: next(),
        id_number: next(),
        tags: next(),
        source: next(),
        first_contact_at: next(),
        last_interaction_at: next(),
        last_verified_at: next(),
        notes: next(),
        credit_code: String::new(),
        legal_representative: String::new(),
    })
}

/// The form's checks plus "no other record has this phone".
fn check(
    input: &CustomerInput,
    today: NaiveDate,
    phones: &HashMap<String, String>,
) -> Result<CustomerDraft, String> {
    let draft = customer::check(input, today).map_err(|errors| {
        HEADER
            .iter()
            .filter_map(|field| {
                errors
                    .get(field)
                    .map(|key| format!("{field}: {}", Lang::En.t(key)))
            })
            .collect::<Vec<_>>()
            .join("; ")
    })?;
    if let Some(other) = phones.get(&draft.phone) {
        return Err(format!("phone: duplicate of {other}"));
    }
    Ok(draft)
}
