use actix_web::{web, HttpResponse};

use crate::db::queries::home;
use crate::domain::role::Permission;
use crate::error::AppError;
use crate::state::AppState;
use crate::views::home::HomePage;
use crate::views::{render, PageCtx};
use crate::web::current_user::CurrentUser;

/// `GET /`: who is signed in, with which roles and office, and what is overdue.
pub async fn show(
    ctx: PageCtx,
    user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let viewer = home::Viewer {
        office_id: user.office_id,
        reads_customers: user.can(Permission::ReadCustomers),
        watches_backups: user.can(Permission::ManageJobs),
    };
    let now = state.clock.now_stored();
    let home = state
        .db(move |c| Ok(home::for_viewer(c, viewer, now)?))
        .await?;
    render(&HomePage {
        ctx,
        user,
        office: home.office,
        overdue: home.overdue,
        backup_failing: home.backup_failing,
    })
}
