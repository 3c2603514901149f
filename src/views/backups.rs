//! `/admin/backups`

use askama::Template;

use super::PageCtx;
use crate::db::backups::BackupRow;

#[derive(Template)]
#[template(path = "admin/backups.html")]
pub struct BackupsPage {
    pub ctx: PageCtx,
    pub rows: Vec<BackupRow>,
    pub failing: bool,
    pub dir: String,
    pub offsite: Option<String>,
}

impl BackupsPage {
    pub fn size(&self, bytes: &i64) -> String {
        let bytes = *bytes as f64;
        if bytes >= 1024.0 * 1024.0 {
            format!("{:.1} MiB", bytes / 1024.0 / 1024.0)
        } else {
            format!("{:.0} KiB", bytes / 1024.0)
        }
    }

    pub fn state_label(&self, state: &str) -> String {
        self.ctx.t(&format!("backup-state-{state}"))
    }
}
