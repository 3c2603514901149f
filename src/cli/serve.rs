//! `dossier serve`

use std::process::ExitCode;

use anyhow::Context;

use crate::app::Application;
use crate::bootstrap;
use crate::settings::Settings;

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
