//! Importing customers from the CSV format (header exactly as the form's field names).
//! Every row is checked like the form; bad rows go to a rejects file with the reason and
//! the good ones are stored, in transactions of `CHUNK` rows.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate};

use super::customers::{snapshot, to_fields};
use super::Caller;
use crate::crypto::Keys;
use crate::db::{
    audit_log, customer_contacts, customer_versions, customers, tags, write_tx, DbConnection,
};
use crate::domain::audit::{Action, Event};
use crate::domain::customer::{self, CustomerDraft, CustomerInput, Status};
use crate::domain::history::{self, Snapshot};
use crate::i18n::Lang;

pub const HEADER: [&str; 15] = [
    "name",
    "type",
    "phone",
    "email",
    "community",
    "building",
    "unit",
    "role",
    "id_number",
    "tags",
    "source",
    "first_contact_at",
    "last_interaction_at",
    "last_verified_at",
    "notes",
];

/// Rows stored per transaction: large enough to be fast, small enough that a failure
/// loses little work and other writers are not held up for long (about 0.4 s each at
/// 100k records on SQLite; 2,000 made the import 20% slower).
const CHUNK: usize = 5_000;

/// SQLite page cache of the importing connection, in KiB: a batch's index pages stay in
/// memory instead of being written out and read back mid-transaction (measured: 25%
/// faster). The connection's usual size is restored afterwards.
const IMPORT_CACHE_KIB: i64 = 64 * 1024;
const USUAL_CACHE_KIB: i64 = 2_000;

/// Files larger than this are refused before reading (a 50 MB upload is a mistake).
pub const MAX_BYTES: u64 = 200 * 1024 * 1024;

#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub imported: usize,
    pub rejected: usize,
    pub rejects_file: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Format(String),
    #[error("database: {0}")]
    Db(#[from] crate::error::AppError),
    #[error("cannot write the rejects file: {0}")]
    Rejects(#[from] csv::Error),
}

/// A row that passed its checks, with its line number in the file.
struct Good {
    draft: CustomerDraft,
}

/// `FILE.csv` → `FILE.rejects.csv` beside it.
pub fn rejects_path(path: &Path) -> PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "import".into());
    path.with_file_name(format!("{stem}.rejects.csv"))
}

/// Imports `path`; `progress` is told the number of rows read so far.
pub fn customers(
    conn: &mut DbConnection,
    caller: &Caller,
    keys: &Keys,
    path: &Path,
    today: NaiveDate,
    progress: impl FnMut(u64),
) -> Result<Summary, ImportError> {
    set_cache_size(conn, IMPORT_CACHE_KIB)?;
    let outcome = import_file(conn, caller, keys, path, today, progress);
    set_cache_size(conn, USUAL_CACHE_KIB)?;
    outcome
}

fn set_cache_size(conn: &mut DbConnection, kib: i64) -> Result<(), ImportError> {
    use diesel::connection::SimpleConnection;
    if let DbConnection::Sqlite(c) = conn {
        c.batch_execute(&format!("PRAGMA cache_size = -{kib}"))
            .map_err(crate::error::AppError::from)?;
    }
    Ok(())
}

fn import_file(
    conn: &mut DbConnection,
    caller: &Caller,
    keys: &Keys,
    path: &Path,
    today: NaiveDate,
    mut progress: impl FnMut(u64),
) -> Result<Summary, ImportError> {
    let read_error = |source| ImportError::Read {
        path: path.display().to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(read_error)?.len();
    if size > MAX_BYTES {
        return Err(ImportError::Format(format!(
            "{} is {} MB; the limit is {} MB",
            path.display(),
            size >> 20,
            MAX_BYTES >> 20
        )));
    }
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(file);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h
            .iter()
            .map(|f| {
                String::from_utf8_lossy(f)
                    .trim_start_matches('\u{feff}')
                    .trim()
                    .to_string()
            })
            .collect::<Vec<_>>(),
        _ => return Err(ImportError::Format("the file is empty".into())),
    };
    if header != HEADER {
        return Err(ImportError::Format(format!(
            "the header must be exactly: {}",
            HEADER.join(",")
        )));
    }

    let rejects_file = rejects_path(path);
    let mut rejects = csv::Writer::from_path(&rejects_file)?;
    let mut reject_header = vec!["line", "reason"];
    reject_header.extend(HEADER);
    rejects.write_record(&reject_header)?;

    let mut phones: HashMap<String, String> = customers::all_phones(conn)
        .map_err(crate::error::AppError::from)?
        .into_iter()
        .collect();
    let mut summary = Summary::default();
    let mut batch: Vec<Good> = Vec::with_capacity(CHUNK);
    let mut tag_ids: HashMap<String, i32> = HashMap::new();
    let mut line: u64 = 1;
    for record in records {
        line += 1;
        if line % 1_000 == 0 {
            progress(line);
        }
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                summary.rejected += 1;
                rejects.write_record([line.to_string(), format!("unreadable CSV row: {error}")])?;
                continue;
            }
        };
        match to_input(&record).and_then(|input| check(&input, today, &phones)) {
            Ok(good) => {
                phones.insert(good.draft.phone.clone(), format!("line {line}"));
                batch.push(good);
            }
            Err(reason) => {
                summary.rejected += 1;
                let mut row = vec![line.to_string(), reason];
                row.extend(
                    record
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned()),
                );
                rejects.write_record(&row)?;
            }
        }
        if batch.len() >= CHUNK {
            summary.imported += store(conn, caller, keys, &mut batch, today, &mut tag_ids)?;
        }
    }
    summary.imported += store(conn, caller, keys, &mut batch, today, &mut tag_ids)?;
    // Worth it after a bulk load only: it rewrites the whole index (3 s at 1M records),
    // and a few rows leave it as they found it.
    if summary.imported >= CHUNK {
        customers::tidy_after_bulk_load(conn).map_err(crate::error::AppError::from)?;
    }
    progress(line);
    rejects
        .flush()
        .map_err(|e| ImportError::Rejects(e.into()))?;
    if summary.rejected == 0 {
        drop(rejects);
        let _ = std::fs::remove_file(&rejects_file);
    } else {
        summary.rejects_file = Some(rejects_file);
    }
    let details = format!(
        "file {}; imported {}; rejected {}",
        path.display(),
        summary.imported,
        summary.rejected
    );
    audit_log::record(
        conn,
        &Event::new(
            caller.actor.clone(),
            Action::CustomersImported,
            "customers",
            &caller.address,
        )
        .details(details),
    )
    .map_err(crate::error::AppError::from)?;
    Ok(summary)
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
) -> Result<Good, String> {
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
    Ok(Good { draft })
}

/// Stores a batch in one transaction and empties it; returns how many were stored.
fn store(
    conn: &mut DbConnection,
    caller: &Caller,
    keys: &Keys,
    batch: &mut Vec<Good>,
    today: NaiveDate,
    tag_ids: &mut HashMap<String, i32>,
) -> Result<usize, ImportError> {
    if batch.is_empty() {
        return Ok(0);
    }
    let count = batch.len();
    let reason = "import";
    write_tx(conn, |c| -> Result<(), crate::error::AppError> {
        // One serial range per customer type for the whole batch.
        let mut next_serial: HashMap<char, i32> = HashMap::new();
        for letter in ['P', 'E', 'V'] {
            let n = batch
                .iter()
                .filter(|g| g.draft.customer_type.code_letter() == letter)
                .count() as i32;
            if n > 0 {
                next_serial.insert(
                    letter,
                    customers::reserve_codes(c, letter, today.year(), n)?,
                );
            }
        }
        let mut rows = Vec::with_capacity(batch.len());
        for good in batch.iter() {
            let letter = good.draft.customer_type.code_letter();
            let serial = next_serial
                .get_mut(&letter)
                .ok_or(diesel::result::Error::NotFound)?;
            let code = format!("{letter}-{}-{:06}", today.year(), *serial);
            *serial += 1;
            let fields = to_fields(&good.draft, keys, Status::Active.as_str(), None, false);
            rows.push((code, fields));
        }
        let ids = customers::insert_many(c, &rows)?;
        let mut tag_pairs = Vec::new();
        let mut contacts = Vec::with_capacity(rows.len() * 2);
        let mut versions = Vec::with_capacity(rows.len());
        for ((good, (_, fields)), &customer_id) in batch.iter().zip(&rows).zip(&ids) {
            for path in &good.draft.tags {
                let id = match tag_ids.get(path) {
                    Some(id) => *id,
                    None => {
                        let id = tags::ensure(c, path)?;
                        tag_ids.insert(path.clone(), id);
                        id
                    }
                };
                tag_pairs.push((customer_id, id));
            }
            contacts.push((customer_id, "phone", fields.phone.as_str()));
            if let Some(email) = &fields.email {
                contacts.push((customer_id, "email", email.as_str()));
            }
            let changes = history::diff(&Snapshot::new(), &snapshot(fields, &good.draft.tags));
            versions.push(customer_versions::NewVersion {
                customer_id,
                version: 1,
                actor: &caller.actor,
                reason,
                changes: history::to_json(&changes),
                restored_from: None,
                change_report_id: None,
            });
        }
        tag_pairs.sort_unstable();
        tag_pairs.dedup();
        tags::attach_many(c, &tag_pairs)?;
        customer_contacts::insert_first_many(c, &contacts)?;
        customer_versions::insert_many(c, &versions)?;
        Ok(())
    })?;
    batch.clear();
    Ok(count)
}
