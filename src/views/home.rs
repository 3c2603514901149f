use askama::Template;

use super::PageCtx;
use crate::web::current_user::CurrentUser;

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub ctx: PageCtx,
    pub user: CurrentUser,
    pub office: Option<String>,
    /// Reported changes past their two-day deadline, for users who handle records.
    pub overdue: Option<i64>,
    /// For admins: the latest backup failed.
    pub backup_failing: bool,
}

impl HomePage {
    pub fn overdue_label(&self) -> String {
        let count = self.overdue.unwrap_or(0);
        self.ctx
            .t_args("home-overdue", &[("count", count.to_string())])
    }

    pub fn welcome(&self) -> String {
        self.ctx
            .t_args("home-welcome", &[("name", self.user.display_name.clone())])
    }
}
