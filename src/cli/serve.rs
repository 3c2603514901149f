//! `dossier serve`

use std::process::ExitCode;

use anyhow::Context;

use crate::app::Application;
use crate::bootstrap;
use crate::settings::Settings;

/// The glibc setting the server runs with: blocks of 128 KiB and more are always
/// mapped on their own and given back to the system when freed.
///
/// By default glibc raises that threshold to the size of any large block once it is
/// freed; from then on such blocks come from the thread's arena and stay resident for
/// good. Each sign-in's Argon2 hash takes a 19 MiB block, so the first sign-in on each
/// thread grew the server by 19 MiB (measured peak under load: 59 MiB; with this
/// setting 42 MiB, at the same speed).
const MALLOC_TUNABLES: &str = "glibc.malloc.mmap_threshold=131072";

/// glibc reads its tunables only when a process starts, so the server starts itself
/// again, once, with them set. A `GLIBC_TUNABLES` already set (by the operator, or by
/// this restart) is left as it is; if the restart fails, the server runs untuned.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn restart_with_malloc_tuning() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("GLIBC_TUNABLES").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    // `exec` only returns when it failed.
    let error = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("GLIBC_TUNABLES", MALLOC_TUNABLES)
        .exec();
    eprintln!("note: running without the malloc setting ({error})");
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn restart_with_malloc_tuning() {}

pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    actix_web::rt::System::new().block_on(async move {
        let bind = settings.bind.clone();
        let database = settings.effective_database_url_redacted();
        let app = Application::build(settings).await?;
        if let Some(password) = bootstrap::ensure_first_admin(&app.pool)? {
            println!("{}", bootstrap::first_admin_notice(&password));
        }
        let port = app.port();
        let host = bind.rsplit_once(':').map_or(bind.as_str(), |(h, _)| h);
        println!("Dossier: http://{host}:{port}/  (database: {database})");
        app.run_until_stopped()
            .await
            .context("server stopped with an error")?;
        Ok(ExitCode::SUCCESS)
    })
}
