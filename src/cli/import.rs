//! `dossier import customers FILE.csv`

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use crate::app::{connect, load_keys};
use crate::db::Backend;
use crate::domain::audit::Actor;
use crate::service::import;
use crate::service::Caller;
use crate::settings::Settings;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import customers from a CSV file (header: name,type,phone,email,community,building,
    /// unit,role,id_number,tags,source,first_contact_at,last_interaction_at,last_verified_at,notes);
    /// bad rows go to FILE.rejects.csv with the reason
    Customers { file: PathBuf },
}

pub fn run(settings: Settings, command: ImportCommand) -> anyhow::Result<ExitCode> {
    let ImportCommand::Customers { file } = command;
    let keys = load_keys(&settings)?;
    let mut conn = connect(&settings)?;
    // PostgreSQL builds an index per connection at a time: a second one halves the wait
    // for the indexes at the end of a first import. SQLite writes with one at a time.
    let mut helper = match conn.backend() {
        Backend::Postgres => Some(connect(&settings)?),
        Backend::Sqlite => None,
    };
    let os_user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let caller = Caller {
        actor: Actor::System,
        address: format!("cli:{os_user}"),
    };
    // A bar on a terminal only; scripts and CI get the summary line alone.
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{wide_bar} {percent:>3}%  {msg} rows read, {binary_bytes_per_sec}, {eta} left",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    });
    let started = Instant::now();
    let clock = settings.clock();
    let summary = import::customers(
        &mut conn,
        helper.as_mut(),
        &caller,
        &keys,
        &file,
        &clock,
        |at| {
            if let Some(bar) = &bar {
                bar.set_length(at.total_bytes);
                bar.set_position(at.bytes);
                // The header is line 1.
                bar.set_message(at.lines.saturating_sub(1).to_string());
            }
        },
    )
    // All or nothing: what a failed import stored is gone (or goes at the next start).
    .with_context(|| {
        format!(
            "the import of {} stopped; none of its rows were kept",
            file.display()
        )
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = (summary.imported + summary.rejected) as f64 / seconds.max(0.001);
    let rejects = summary
        .rejects_file
        .as_ref()
        .map(|p| format!(" (reasons in {})", p.display()))
        .unwrap_or_default();
    println!(
        "imported {} customers, rejected {}{rejects}, in {seconds:.1} s ({rate:.0} rows/s)",
        summary.imported, summary.rejected
    );
    if !summary.new_communities.is_empty() {
        println!(
            "{} new communities without an office (assign them on /admin/offices; until then only managers without an office see their customers): {}",
            summary.new_communities.len(),
            summary.new_communities.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}
