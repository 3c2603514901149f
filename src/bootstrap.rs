//! First start: an empty database gets an `admin` account with a generated password.

use anyhow::Context;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::db::{users, DbPool};
use crate::domain::audit::Actor;
use crate::domain::password;
use crate::domain::role::Role;
use crate::domain::user::UserDetails;
use crate::service::{self, Caller};

pub const FIRST_ADMIN: &str = "admin";

/// Creates the first admin when there is no user at all; returns its password, to be
/// shown once. The account must change it at first sign-in.
pub fn ensure_first_admin(pool: &DbPool) -> anyhow::Result<Option<String>> {
    let mut conn = pool.get()?;
    if users::count(&mut conn)? > 0 {
        return Ok(None);
    }
    let generated = password::generate();
    let details = UserDetails {
        username: FIRST_ADMIN.into(),
        display_name: FIRST_ADMIN.into(),
        roles: vec![Role::Admin],
        office_id: None,
    };
    let caller = Caller {
        actor: Actor::System,
        address: "startup".into(),
    };
    match service::users::create(&mut conn, &caller, &details, &generated, true) {
        Ok(_) => Ok(Some(generated)),
        // Another instance starting on the same database made it first.
        Err(service::Error::Invalid(_))
        | Err(service::Error::Db(DieselError::DatabaseError(
            DatabaseErrorKind::UniqueViolation,
            _,
        ))) => Ok(None),
        Err(other) => Err(other).context("cannot create the first admin"),
    }
}

/// The two-language notice printed once on stdout.
pub fn first_admin_notice(password: &str) -> String {
    format!(
        "首次启动：已创建管理员账号 {FIRST_ADMIN}，初始密码 {password}（只显示这一次，首次登录后须修改）。\n\
         First start: created the administrator account \"{FIRST_ADMIN}\" with the password {password} \
         (shown this once; it must be changed at the first sign-in)."
    )
}
