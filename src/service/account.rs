//! A user changing their own password, and signing out.

use super::{invalid, Caller};
use crate::db::{audit_log, users, write_tx, DbConnection};
use crate::domain::audit::{Action, Event};
use crate::domain::password::{self, PasswordChange};
use crate::service::Error;

/// Changes the password; returns the new session epoch (every other session ends).
pub fn change_password(
    conn: &mut DbConnection,
    caller: &Caller,
    user_id: i32,
    change: &PasswordChange,
) -> Result<i32, Error> {
    let user = users::find(conn, user_id)?.ok_or(Error::NotFound)?;
    password::check_change(change, &user.password_hash).map_err(Error::Invalid)?;
    let hash = password::hash(&change.new_password).map_err(|e| Error::Internal(e.into()))?;
    write_tx(conn, |c| {
        users::set_password(c, user_id, &hash, false)?;
        let event = Event::new(
            caller.actor.clone(),
            Action::PasswordChanged,
            format!("user:{}", user.username),
            &caller.address,
        );
        audit_log::append(c, &event)?;
        Ok::<(), Error>(())
    })?;
    Ok(users::find(conn, user_id)?.map_or(0, |u| u.session_epoch))
}

/// Ends every session of the user and logs the sign-out.
pub fn sign_out(
    conn: &mut DbConnection,
    caller: &Caller,
    user_id: i32,
    username: &str,
) -> Result<(), Error> {
    write_tx(conn, |c| {
        users::end_sessions(c, user_id)?;
        let event = Event::new(
            caller.actor.clone(),
            Action::SignOut,
            format!("user:{username}"),
            &caller.address,
        );
        audit_log::append(c, &event)?;
        Ok(())
    })
}

/// Checks a password typed for someone else (admin reset, CLI) against the policy.
pub fn check_new_password(password_typed: &str) -> Result<String, Error> {
    password::check_strength(password_typed).map_err(|w| invalid("password", w.message_key()))?;
    password::hash(password_typed).map_err(|e| Error::Internal(e.into()))
}
