//! The community a record is filed under: only one the user may choose; and giving a
//! community that waits for an office (an import brought it) its office.

use super::{invalid, Caller};
use crate::db::{audit_log, communities, offices, users, write_tx, DbConnection};
use crate::domain::audit::{Action, Actor, Event};
use crate::domain::community::{self, AssignInput, Reach};
use crate::service::Error;

/// Refuses a community the caller may not choose, with a message by the field; `kept`,
/// the record's own community, stays allowed (the record was reached through it). The
/// user's office and roles are read in the caller's transaction, as they are now. The
/// system (imports, jobs) is not bound.
pub fn check_choice(
    conn: &mut DbConnection,
    caller: &Caller,
    chosen: &str,
    kept: Option<&str>,
) -> Result<(), Error> {
    let Actor::User { id, .. } = &caller.actor else {
        return Ok(());
    };
    if kept == Some(chosen) {
        return Ok(());
    }
    let (user, roles) = users::find_with_roles(conn, *id)?.ok_or(Error::Forbidden)?;
    if communities::may_choose(conn, Reach::of(user.office_id, &roles), chosen)? {
        Ok(())
    } else {
        Err(invalid("community", "err-community-not-yours"))
    }
}

/// Gives the waiting community `community_id` to the chosen office; its records become
/// that office's. Returns the community's and the office's names.
pub fn assign(
    conn: &mut DbConnection,
    caller: &Caller,
    community_id: i32,
    input: &AssignInput,
) -> Result<(String, String), Error> {
    let office_id = community::check_assign(input).map_err(Error::Invalid)?;
    write_tx(conn, |c| {
        let community = communities::find(c, community_id)?.ok_or(Error::NotFound)?;
        let office = offices::find(c, office_id)?
            .ok_or_else(|| invalid("office_id", "err-office-missing"))?;
        if !communities::assign(c, community.id, office.id)? {
            return Err(invalid("office_id", "err-community-assigned"));
        }
        let event = Event::new(
            caller.actor.clone(),
            Action::OfficeUpdated,
            format!("office:{}", office.name),
            &caller.address,
        )
        .details(format!("assigned community {}", community.name));
        audit_log::append(c, &event)?;
        Ok((community.name, office.name))
    })
}
