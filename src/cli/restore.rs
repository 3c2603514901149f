//! `dossier restore FILE --data-dir DIR [--keys KEYFILE] [--force]`: the work is
//! `backup::restore`; here, the order of the steps and what is printed.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::app::{connect, load_keys};
use crate::backup::restore;
use crate::db::audit_log::Verdict;
use crate::settings::Settings;

pub fn run(
    settings: Settings,
    backup_file: PathBuf,
    key_file: Option<PathBuf>,
    force: bool,
) -> anyhow::Result<ExitCode> {
    restore::into_place(&settings, &backup_file, key_file.as_deref(), force)?;
    // Pending migrations (an older backup), then the key check against the restored data.
    load_keys(&settings)?;
    let mut conn = connect(&settings)?;
    let (facts, verdict) = restore::settle(&mut conn, &backup_file)?;
    println!("restored {}", backup_file.display());
    println!(
        "customers {}, versions {}, operation-log entries {}",
        facts.customers, facts.versions, facts.audit_entries
    );
    match verdict {
        Verdict::Intact { entries, .. } => {
            println!("operation log intact ({entries} entries)");
            Ok(ExitCode::SUCCESS)
        }
        Verdict::Broken { seq, reason } => {
            println!("operation log BROKEN at entry #{seq}: {reason}");
            Ok(ExitCode::FAILURE)
        }
    }
}
