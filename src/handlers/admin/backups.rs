//! `/admin/backups`: every backup with its size and restore check, and "back up now".

use actix_web::{web, HttpResponse};

use super::jobs::run_and_tell;
use crate::db::backups;
use crate::error::AppError;
use crate::jobs::JobName;
use crate::state::AppState;
use crate::views::backups::BackupsPage;
use crate::views::{render, see_other, PageCtx};
use crate::web::session::TypedSession;

/// `GET /admin/backups`
pub async fn list(ctx: PageCtx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (rows, failing) = state
        .db(|c| Ok((backups::recent(c, 100)?, backups::failing(c)?)))
        .await?;
    render(&BackupsPage {
        ctx,
        rows,
        failing,
        dir: state.settings.backup_dir().display().to_string(),
        offsite: state
            .settings
            .backup
            .offsite_dir
            .as_ref()
            .map(|d| d.display().to_string()),
    })
}

/// `POST /admin/backups/run`: a backup now, verified before the page comes back.
pub async fn run(
    ctx: PageCtx,
    session: TypedSession,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    run_and_tell(&ctx, &session, &state, JobName::Backup).await?;
    Ok(see_other("/admin/backups"))
}
