//! `dossier keys export FILE`

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::app::{connect, load_keys};
use crate::db::audit_log;
use crate::domain::audit::{Action, Actor, Event};
use crate::settings::Settings;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Write every key the data depends on (field encryption, blind index, backup) to FILE
    Export {
        /// Where to write the keys (refuses to overwrite a file)
        file: PathBuf,
    },
}

pub fn run(settings: Settings, command: KeysCommand) -> anyhow::Result<ExitCode> {
    match command {
        KeysCommand::Export { file } => {
            let keys = load_keys(&settings)?;
            keys.write(&file)?;
            let mut conn = connect(&settings)?;
            audit_log::record(
                &mut conn,
                &Event::new(Actor::System, Action::KeysExported, "keys", "cli")
                    .details(file.display().to_string()),
            )?;
            println!("wrote the keys to {}", file.display());
            println!(
                "Keep this file apart from the backups (another disk, a safe): with a backup it \
                 restores everything; without it the backups and ID numbers cannot be read."
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}
