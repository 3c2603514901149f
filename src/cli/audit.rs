//! `dossier audit verify`

use std::process::ExitCode;

use clap::Subcommand;

use crate::app::connect;
use crate::db::audit_log::{self, Verdict};
use crate::settings::Settings;

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the operation log's hash chain; exit 1 naming the first bad entry
    Verify,
}

pub fn run(settings: Settings, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify => {
            let mut conn = connect(&settings)?;
            match audit_log::verify(&mut conn)? {
                Verdict::Intact { entries, head } => {
                    println!("audit log intact: {entries} entries, head {}", &head[..16]);
                    Ok(ExitCode::SUCCESS)
                }
                Verdict::Broken { seq, reason } => {
                    println!("audit log BROKEN at entry #{seq}: {reason}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}
