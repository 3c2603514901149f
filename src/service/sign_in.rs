//! Signing in: lock-out per typed name, constant-time answers, every attempt logged.

use chrono::Duration;

use crate::db::{audit_log, login_attempts, users, write_tx, DbConnection};
use crate::domain::audit::{Action, Actor, Event};
use crate::domain::password;
use crate::service::Error;

#[derive(Debug, Clone, Copy)]
pub struct LockoutPolicy {
    pub threshold: i32,
    pub lock_for: Duration,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    SignedIn {
        user_id: i32,
        epoch: i32,
        must_change_password: bool,
    },
    /// Wrong name, wrong password or a disabled account: one answer for all three.
    Refused,
    Locked,
}

pub fn attempt(
    conn: &mut DbConnection,
    username: &str,
    password_typed: &str,
    address: &str,
    policy: LockoutPolicy,
) -> Result<Outcome, Error> {
    let target = format!("user:{username}");
    let failed = |details: &str| {
        Event::new(Actor::Anonymous, Action::SignInFailed, &target, address).details(details)
    };
    if login_attempts::locked_until(conn, username)?.is_some() {
        audit_log::record(conn, &failed("locked"))?;
        return Ok(Outcome::Locked);
    }
    let user = users::find_by_username(conn, username)?;
    // Verify against a dummy hash for unknown names so the answer takes as long.
    let stored = user
        .as_ref()
        .map_or(password::dummy_hash(), |u| u.password_hash.as_str());
    let matches = password::verify(password_typed, stored);
    match user {
        Some(user) if matches && !user.disabled => write_tx(conn, |c| {
            login_attempts::clear(c, username)?;
            let actor = Actor::User {
                id: user.id,
                name: user.username.clone(),
            };
            audit_log::append(c, &Event::new(actor, Action::SignIn, &target, address))?;
            Ok(Outcome::SignedIn {
                user_id: user.id,
                epoch: user.session_epoch,
                must_change_password: user.must_change_password,
            })
        }),
        user => {
            let why = match user {
                None => "unknown user",
                Some(u) if u.disabled => "account disabled",
                Some(_) => "wrong password",
            };
            write_tx(conn, |c| {
                let failure =
                    login_attempts::record_failure(c, username, policy.threshold, policy.lock_for)?;
                audit_log::append(c, &failed(why))?;
                if failure == login_attempts::Failure::LockedNow {
                    let details = format!(
                        "{} failed sign-ins; locked for {} s",
                        policy.threshold,
                        policy.lock_for.num_seconds()
                    );
                    audit_log::append(
                        c,
                        &Event::new(Actor::Anonymous, Action::LockedOut, &target, address)
                            .details(details),
                    )?;
                    return Ok(Outcome::Locked);
                }
                Ok(Outcome::Refused)
            })
        }
    }
}
