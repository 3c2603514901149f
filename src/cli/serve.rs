//! `dossier serve`

use std::process::ExitCode;

use anyhow::Context;

use crate::app::Application;
use crate::bootstrap;
use crate::settings::Settings;
use crate::shutdown::Signals;

/// The allocator settings the server runs with (see `GLOBAL` in main.rs): freed memory
/// goes back to the system at once, and memory is committed as it is used rather than
/// an arena at a time.
///
/// With mimalloc's defaults the server under load held 60-70 MiB; each sign-in's Argon2
/// hash takes a 19 MiB block, and freed blocks stayed resident for a while. With these,
/// 38 MiB under load and a 44 MiB peak, at the same speed (measured at 100k records).
pub const ALLOCATOR_SETTINGS: [(&str, &str); 2] = [
    ("MIMALLOC_PURGE_DELAY", "0"),
    ("MIMALLOC_ARENA_EAGER_COMMIT", "0"),
];

/// mimalloc reads its settings only when a process starts, so the server starts itself
/// again, once, with them set. If any of them is already set (by the operator, or by
/// this restart) the environment is left as it is; if the restart fails, the server
/// runs with the defaults.
#[cfg(unix)]
pub fn restart_with_allocator_settings() {
    use std::os::unix::process::CommandExt;
    if ALLOCATOR_SETTINGS
        .iter()
        .any(|(name, _)| std::env::var_os(name).is_some())
    {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    // `exec` only returns when it failed.
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .envs(ALLOCATOR_SETTINGS)
        .exec();
    eprintln!("note: running without the allocator settings ({error})");
}

#[cfg(not(unix))]
pub fn restart_with_allocator_settings() {}

pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    actix_web::rt::System::new().block_on(async move {
        // Caught from here on: a signal during the start is acted on once it is done.
        let signals = Signals::install().context("cannot catch SIGTERM and SIGINT")?;
        let bind = settings.bind.clone();
        let database = settings.effective_database_url_redacted();
        let app = Application::build(settings).await?;
        if let Some(password) = bootstrap::ensure_first_admin(&app.pool)? {
            println!("{}", bootstrap::first_admin_notice(&password));
        }
        let port = app.port();
        let host = bind.rsplit_once(':').map_or(bind.as_str(), |(h, _)| h);
        println!("Dossier: http://{host}:{port}/  (database: {database})");
        let all_ended = app
            .run_until_signalled(signals)
            .await
            .context("server stopped with an error")?;
        if !all_ended {
            // The runtime would wait for the job's thread when it is dropped: the run is
            // marked interrupted and the database closed, so the process may end now.
            tracing::warn!("stopped with a job still running");
            std::process::exit(0);
        }
        Ok(ExitCode::SUCCESS)
    })
}
