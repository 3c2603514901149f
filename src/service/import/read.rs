//! The reading side of an import: CSV rows → checked, encrypted records in batches, and
//! the bad rows into the rejects file. It runs on its own thread, so that checking and
//! encrypting one batch overlaps with storing the one before.

use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Seek, SeekFrom};
use std::sync::mpsc::SyncSender;

use chrono::NaiveDate;

use super::rejects::Rejects;
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

/// How far the reader got: the last line number.
pub struct Read {
    pub lines: u64,
}

/// Reads every record after the header, sending batches of `batch_size` good rows.
/// Stops early, without an error, when the receiving side has gone (it failed).
pub fn read_rows<R: io::Read + Seek>(
    reader: &mut csv::Reader<R>,
    rejects: &mut Rejects,
    mut phones: HashMap<String, String>,
    keys: &Keys,
    today: NaiveDate,
    batch_size: usize,
    out: SyncSender<Batch>,
) -> Result<Read, ImportError> {
    let mut rows = Vec::with_capacity(batch_size);
    let mut record = csv::ByteRecord::new();
    loop {
        let more = match reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(error) => {
                let line = reader.position().line();
                rejects.add(line, &format!("unreadable CSV row: {error}"), [])?;
                continue_after_error(reader, &error)?;
                continue;
            }
        };
        if more {
            // The line the record starts on (the header is line 1): a quoted value may
            // hold line breaks, so records and lines are not counted alike.
            let line = record.position().map_or(0, csv::Position::line);
            if record.len() != HEADER.len() && runs_over_lines(&record) {
                skip_unclosed_quote(reader, &record, rejects)?;
            } else {
                match to_input(&record).and_then(|input| check(&input, today, &phones)) {
                    Ok(draft) => {
                        phones.insert(draft.phone.clone(), format!("line {line}"));
                        let fields = to_fields(&draft, keys, Status::Active.as_str(), None, false);
                        rows.push(Good { draft, fields });
                    }
                    Err(reason) => rejects.add(line, &reason, record.iter())?,
                }
            }
        }
        if rows.len() >= batch_size || (!more && !rows.is_empty()) {
            let batch = Batch {
                rows: std::mem::replace(&mut rows, Vec::with_capacity(batch_size)),
                lines_read: reader.position().line(),
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
        lines: reader.position().line(),
    })
}

/// An I/O error ends the import; a malformed row (its bytes were consumed) does not.
fn continue_after_error(
    reader: &csv::Reader<impl io::Read>,
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

/// A line break inside a value: the record ran on over several lines of the file.
fn runs_over_lines(record: &csv::ByteRecord) -> bool {
    record
        .iter()
        .any(|value| value.contains(&b'\n') || value.contains(&b'\r'))
}

/// A record with the wrong number of columns that runs over several lines is, nearly
/// always, a quote opened and never closed: the parser took the lines after it, good
/// rows among them, into one value up to the next quote or the end of the file. Only its
/// first line is rejected, and reading goes on at the line after it.
fn skip_unclosed_quote<R: io::Read + Seek>(
    reader: &mut csv::Reader<R>,
    record: &csv::ByteRecord,
    rejects: &mut Rejects,
) -> Result<(), ImportError> {
    let start = record
        .position()
        .cloned()
        .unwrap_or_else(csv::Position::new);
    let io_error = |error: io::Error| {
        ImportError::Format(format!("reading stopped at byte {}: {error}", start.byte()))
    };
    let mut first_line = Vec::new();
    {
        let file = reader.get_mut();
        file.seek(SeekFrom::Start(start.byte())).map_err(io_error)?;
        BufReader::new(file)
            .read_until(b'\n', &mut first_line)
            .map_err(io_error)?;
    }
    let ran_to = start.line()
        + record
            .iter()
            .map(|value| value.iter().filter(|&&b| b == b'\n').count() as u64)
            .sum::<u64>();
    let mut alone = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(first_line.as_slice());
    let mut columns = csv::ByteRecord::new();
    alone
        .read_byte_record(&mut columns)
        .map_err(|error| io_error(error.into()))?;
    rejects.add(
        start.line(),
        &format!(
            "a quote opened on this line is not closed: the row ran on to line {ran_to} \
             with {} columns instead of {}",
            record.len(),
            HEADER.len()
        ),
        columns.iter(),
    )?;
    let mut next = csv::Position::new();
    next.set_byte(start.byte() + first_line.len() as u64)
        .set_line(start.line() + 1)
        .set_record(start.record() + 1);
    reader.seek(next)?;
    Ok(())
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
