//! The customer pages. Every handler checks the office scope before it shows or changes
//! a record (`load`).

pub mod activity;
pub mod form;
pub mod list;
pub mod record;
pub mod reports;
pub mod tags;

use actix_web::web;

use crate::db::customers::{self, Customer};
use crate::error::AppError;
use crate::service::customers::check_scope;
use crate::service::Error;
use crate::state::AppState;
use crate::web::current_user::CurrentUser;

/// The record with this code, if this user may reach it: 404 for an unknown code, 403
/// outside the user's office.
pub async fn load(
    state: &AppState,
    user: &CurrentUser,
    code: String,
) -> Result<Customer, AppError> {
    let office = user.office_id;
    state
        .read(move |c| {
            let customer = customers::find_by_code(c, &code)?.ok_or(Error::NotFound)?;
            check_scope(c, office, &customer)?;
            Ok(customer)
        })
        .await
}

pub type Code = web::Path<String>;
