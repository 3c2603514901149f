//! `app_flags`: switches people flip at run time, such as pausing all mail.

use diesel::prelude::*;

use super::schema::app_flags;
use super::{now, DbConnection};

/// Set by an admin on `/admin/outbox`: while "true" the worker sends nothing.
pub const MAIL_PAUSED: &str = "mail_paused";
/// Set by the deliver-mail job once the raw links of mail queued before links were kept
/// apart (`personal_link`) are sealed.
pub const RAW_LINKS_SEALED: &str = "raw_links_sealed";

pub fn get(conn: &mut DbConnection, name: &str) -> QueryResult<Option<String>> {
    app_flags::table
        .find(name)
        .select(app_flags::value)
        .first(conn)
        .optional()
}

pub fn is_set(conn: &mut DbConnection, name: &str) -> QueryResult<bool> {
    Ok(get(conn, name)?.as_deref() == Some("true"))
}

/// Sets a flag; call inside the transaction that logs who set it.
pub fn set(conn: &mut DbConnection, name: &str, value: &str, by: &str) -> QueryResult<()> {
    let updated = diesel::update(app_flags::table.find(name))
        .set((
            app_flags::value.eq(value),
            app_flags::updated_at.eq(now()),
            app_flags::updated_by.eq(by),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(app_flags::table)
            .values((
                app_flags::name.eq(name),
                app_flags::value.eq(value),
                app_flags::updated_at.eq(now()),
                app_flags::updated_by.eq(by),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Pauses or resumes sending, logged with who did it.
pub fn set_mail_paused(
    conn: &mut DbConnection,
    paused: bool,
    actor: &crate::domain::audit::Actor,
    address: &str,
) -> QueryResult<()> {
    use crate::domain::audit::{Action, Event};
    super::write_tx(conn, |c| {
        set(
            c,
            MAIL_PAUSED,
            if paused { "true" } else { "false" },
            actor.name(),
        )?;
        let action = if paused {
            Action::MailPaused
        } else {
            Action::MailResumed
        };
        super::audit_log::append(c, &Event::new(actor.clone(), action, "mail", address))?;
        Ok(())
    })
}
