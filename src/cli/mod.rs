//! The command line: parse, load settings, dispatch. Each command lives in its own file.

mod audit;
mod import;
mod job;
mod keys;
mod restore;
pub mod serve;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::settings::{Overrides, Settings};

#[derive(Debug, Parser)]
#[command(
    name = "dossier",
    version,
    about = "Dossier: customer records for property-management offices"
)]
pub struct Cli {
    /// Settings file (default: dossier.toml in the data folder, if present)
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Data folder: the SQLite database, keys and backups [default: ./data]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the web application (creates the first admin on an empty database)
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
    },
    /// Run pending database migrations and exit
    Migrate,
    /// Manage user accounts
    User {
        #[command(subcommand)]
        command: user::UserCommand,
    },
    /// Import data (customers from CSV)
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// Check the operation log
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Scheduled jobs: list them, or run one now
    Job {
        #[command(subcommand)]
        command: job::JobCommand,
    },
    /// Make a verified backup now (= `job run backup`) and print its file path
    Backup,
    /// Export the keys the data depends on
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// Restore a backup into an empty data folder (or the DATABASE_URL database)
    Restore {
        /// The backup file (from the backup folder or the off-site copy)
        file: PathBuf,
        /// The key file from `dossier keys export` (installed as keys.json in the data folder)
        #[arg(long, value_name = "KEYFILE")]
        keys: Option<PathBuf>,
        /// Replace a database that is not empty
        #[arg(long)]
        force: bool,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve { .. }) {
        serve::restart_with_allocator_settings();
    }
    init_tracing();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let bind = match &cli.command {
        Command::Serve { bind } => bind.clone(),
        _ => None,
    };
    let settings = Settings::load(&Overrides {
        config_file: cli.config,
        bind,
        data_dir: cli.data_dir,
    })?;
    match cli.command {
        Command::Serve { .. } => serve::run(settings),
        Command::Migrate => {
            crate::app::connect(&settings)?;
            println!(
                "migrations: up to date ({})",
                settings.effective_database_url_redacted()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command } => user::run(settings, command),
        Command::Import { command } => import::run(settings, command),
        Command::Audit { command } => audit::run(settings, command),
        Command::Job { command } => job::run(settings, command),
        Command::Backup => job::run_now(&settings, crate::jobs::JobName::Backup),
        Command::Keys { command } => keys::run(settings, command),
        Command::Restore { file, keys, force } => restore::run(settings, file, keys, force),
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("DOSSIER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Logs go to stderr so that stdout carries only what a command prints for people.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
