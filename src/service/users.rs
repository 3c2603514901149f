//! Creating and changing user accounts, each change logged with it.

use diesel::result::DatabaseErrorKind;

use super::account::check_new_password;
use super::{invalid, on_violation, Caller};
use crate::db::users::User;
use crate::db::{audit_log, offices, users, write_tx, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::domain::role::Role;
use crate::domain::user::UserDetails;
use crate::service::Error;

fn roles_text(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn office_name(conn: &mut DbConnection, office_id: Option<i32>) -> Result<String, Error> {
    match office_id {
        None => Ok("-".into()),
        Some(id) => offices::find(conn, id)?
            .map(|o| o.name)
            .ok_or_else(|| invalid("office_id", "err-office-missing")),
    }
}

/// Creates a user. `must_change_password` is true for accounts made in the web UI.
pub fn create(
    conn: &mut DbConnection,
    caller: &Caller,
    details: &UserDetails,
    password_typed: &str,
    must_change_password: bool,
) -> Result<User, Error> {
    let hash = check_new_password(password_typed)?;
    write_tx(conn, |c| {
        let office = office_name(c, details.office_id)?;
        if users::find_by_username(c, &details.username)?.is_some() {
            return Err(invalid("username", "err-username-taken"));
        }
        let user = users::create(c, details, &hash, must_change_password).map_err(|e| {
            on_violation(
                e,
                DatabaseErrorKind::UniqueViolation,
                "username",
                "err-username-taken",
            )
        })?;
        let event = Event::new(
            caller.actor.clone(),
            Action::UserCreated,
            format!("user:{}", user.username),
            &caller.address,
        )
        .details(format!(
            "roles={}; office={office}",
            roles_text(&details.roles)
        ));
        audit_log::append(c, &event)?;
        Ok(user)
    })
}

/// Changes name, roles and office (the user name itself is fixed).
pub fn update(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i32,
    details: &UserDetails,
) -> Result<(), Error> {
    write_tx(conn, |c| {
        let user = users::find(c, id)?.ok_or(Error::NotFound)?;
        let office = office_name(c, details.office_id)?;
        if caller.actor.id() == Some(id) && !details.roles.contains(&Role::Admin) {
            return Err(invalid("roles", "err-own-admin-role"));
        }
        users::update_details(c, id, details)?;
        let event = Event::new(
            caller.actor.clone(),
            Action::UserUpdated,
            format!("user:{}", user.username),
            &caller.address,
        )
        .details(format!(
            "name={}; roles={}; office={office}",
            details.display_name,
            roles_text(&details.roles)
        ));
        audit_log::append(c, &event)?;
        Ok(())
    })
}

/// Sets a new password; `must_change` makes the user choose their own at the next sign-in
/// (an admin's reset), the CLI sets one that stays.
pub fn reset_password(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i32,
    password_typed: &str,
    must_change: bool,
) -> Result<User, Error> {
    let hash = check_new_password(password_typed)?;
    write_tx(conn, |c| {
        let user = users::find(c, id)?.ok_or(Error::NotFound)?;
        users::set_password(c, id, &hash, must_change)?;
        let event = Event::new(
            caller.actor.clone(),
            Action::PasswordReset,
            format!("user:{}", user.username),
            &caller.address,
        );
        audit_log::append(c, &event)?;
        Ok(user)
    })
}

/// Disables or re-enables an account; disabling ends its sessions at once.
pub fn set_disabled(
    conn: &mut DbConnection,
    caller: &Caller,
    id: i32,
    disabled: bool,
) -> Result<User, Error> {
    if disabled && caller.actor.id() == Some(id) {
        return Err(invalid("status", "err-disable-self"));
    }
    write_tx(conn, |c| {
        let user = users::find(c, id)?.ok_or(Error::NotFound)?;
        users::set_disabled(c, id, disabled)?;
        let action = if disabled {
            Action::UserDisabled
        } else {
            Action::UserEnabled
        };
        audit_log::append(
            c,
            &Event::new(
                caller.actor.clone(),
                action,
                format!("user:{}", user.username),
                &caller.address,
            ),
        )?;
        Ok(user)
    })
}
