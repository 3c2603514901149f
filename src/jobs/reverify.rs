//! The `reverify` job (复核): for each record past its cycle, one mail per cycle with a
//! personal link. The link's token and the mail are written in one transaction; a mail
//! already queued for the cycle (same idempotency key) leaves no second token behind.

use anyhow::Context;
use chrono::{Duration, NaiveDate};
use diesel::result::Error as DieselError;

use super::{JobContext, Report};
use crate::clock::Clock;
use crate::crypto::Keys;
use crate::db::customers::Customer;
use crate::db::outbox::{self, NewMail};
use crate::db::{reverify_due, verify_tokens, write_tx, DbConnection};
use crate::domain::audit::Actor;
use crate::domain::personal_link;
use crate::domain::reverify::{mail_key, new_token, Cycles};
use crate::settings::Settings;

/// Records read per query.
const BATCH: i64 = 200;

pub fn run(ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
    let settings = ctx.settings;
    let cycles = Cycles {
        months: settings.reverify_months,
        vip_months: settings.reverify_months_vip,
    };
    let today = ctx.clock.today();
    let mut after = 0;
    loop {
        ctx.stop.check()?;
        let batch = reverify_due::batch(ctx.conn, cycles, today, after, BATCH)
            .context("reading the records due for re-verification")?;
        let Some(last) = batch.last() else { break };
        after = last.id;
        for customer in &batch {
            let base = customer
                .last_verified_at
                .unwrap_or(customer.first_contact_at);
            let due = cycles.due_date(&customer.customer_type, base);
            let email = customer.email.as_deref().map(str::trim).unwrap_or("");
            if email.is_empty() {
                report.add("no_email", 1);
                continue;
            }
            match queue_one(
                ctx.conn, settings, &ctx.clock, ctx.keys, customer, email, due,
            ) {
                Ok(true) => report.add("queued", 1),
                Ok(false) => report.add("already_queued", 1),
                Err(e) => report.skip(format!("{}: {e}", customer.code)),
            }
        }
    }
    let queued = report.count("queued");
    report.say(format!("queued {queued} re-verification mail(s)"));
    Ok(())
}

/// Stores a new link and queues its mail; false (and nothing kept) when this cycle's
/// mail was queued before.
fn queue_one(
    conn: &mut DbConnection,
    settings: &Settings,
    clock: &Clock,
    keys: &Keys,
    customer: &Customer,
    email: &str,
    due: NaiveDate,
) -> Result<bool, DieselError> {
    let key = mail_key(&customer.code, due);
    if outbox_has(conn, &key)? {
        return Ok(false);
    }
    let (token, hash) = new_token();
    let expires_at = crate::db::now() + Duration::days(i64::from(settings.verify_link_days));
    let mail = NewMail {
        kind: "reverify".into(),
        idempotency_key: key,
        customer_id: Some(customer.id),
        customer_code: customer.code.clone(),
        recipient: email.to_string(),
        subject: "请核对您的客户资料 / Please confirm your details".into(),
        // The link is put in as the mail leaves (`personal_link`): stored, the token is
        // encrypted and the body holds a placeholder.
        body: body(
            &customer.name,
            personal_link::PLACEHOLDER,
            &clock.local(expires_at).date_naive().to_string(),
        ),
        link_token_enc: Some(keys.cipher().encrypt(&token)),
    };
    let outcome = write_tx(conn, |c| {
        verify_tokens::insert(c, &hash, customer.id, &due.to_string(), expires_at)?;
        match outbox::enqueue(c, &mail, &Actor::System)? {
            Some(_) => Ok(true),
            // Queued meanwhile by another run: drop this token with the transaction.
            None => Err(DieselError::RollbackTransaction),
        }
    });
    match outcome {
        Err(DieselError::RollbackTransaction) => Ok(false),
        other => other,
    }
}

fn outbox_has(conn: &mut DbConnection, key: &str) -> Result<bool, DieselError> {
    use crate::db::schema::outbox;
    use diesel::prelude::*;
    diesel::select(diesel::dsl::exists(
        outbox::table.filter(outbox::idempotency_key.eq(key)),
    ))
    .get_result(conn)
}

/// The mail text: Chinese first, English below. The name and the link; never the ID number.
fn body(name: &str, link: &str, until: &str) -> String {
    format!(
        "{name}，您好：\n\n\
         为保证您的客户资料准确，请打开下面的链接核对：信息无误请点击“信息无误”，\
         有变化请点击“信息有变化”并简单说明。\n\n\
         {link}\n\n\
         链接仅供您本人使用，有效期至 {until}。\n\n\
         ----\n\
         Dear {name},\n\n\
         Please open the link above to check the details we keep about you: confirm them, \
         or tell us what has changed. The link is for you alone and works until {until}.\n"
    )
}
