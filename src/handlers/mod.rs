//! HTTP in, page or redirect out. No SQL here: handlers call `service` and `db` functions.

pub mod account;
pub mod admin;
pub mod audit;
pub mod customers;
pub mod health;
pub mod home;
pub mod lang;
pub mod login;
pub mod logout;
pub mod reverify;
pub mod reviews;

use actix_web::HttpRequest;

use crate::service::Caller;
use crate::web::client_address;
use crate::web::current_user::CurrentUser;

/// The caller of a use case: the signed-in user and their address.
pub fn caller(req: &HttpRequest, user: &CurrentUser) -> Caller {
    Caller {
        actor: user.actor(),
        address: client_address(req),
    }
}
