use actix_web::{web, HttpResponse};

use crate::db::{backups, change_reports, offices};
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
    let (office_id, reads) = (user.office_id, user.can(Permission::ReadCustomers));
    let watches_backups = user.can(Permission::ManageJobs);
    let now = state.clock.now_stored();
    let (office, overdue, backup_failing) = state
        .db(move |c| {
            let office = match office_id {
                Some(id) => offices::find(c, id)?.map(|o| o.name),
                None => None,
            };
            let overdue = if reads {
                Some(change_reports::overdue_count(c, office_id, now)?)
            } else {
                None
            };
            let backup_failing = watches_backups && backups::failing(c)?;
            Ok((office, overdue, backup_failing))
        })
        .await?;
    render(&HomePage {
        ctx,
        user,
        office,
        overdue,
        backup_failing,
    })
}
