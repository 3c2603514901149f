//! The `deliver-mail` job: sends what the outbox holds, with retries, never twice.
//!
//! Each mail is claimed (`sending`, with a lease) and the claim committed before the relay
//! is contacted; the answer then settles it. A worker that dies mid-send leaves its rows
//! `sending`; once their lease has passed the next run marks them `unknown` for a person
//! to decide, because resending could deliver them twice.

use anyhow::Context;
use chrono::Duration;
use lettre::message::Mailbox;

use super::{Job, JobContext, Report};
use crate::db::outbox::delivery::{self, Settled};
use crate::db::outbox::{self, Mail};
use crate::db::{app_flags, now};
use crate::domain::outbox::{backoff, MailState};
use crate::domain::personal_link::{take_raw_link, verify_link, with_link};
use crate::mail::send::{send, Outcome, Outgoing};
use crate::mail::SmtpUrl;
use crate::settings::Settings;

/// Mails claimed at once. Small enough that the batch goes out well within the lease
/// even when every send waits for the transport's timeout.
const BATCH: i64 = 10;
/// At most this many mails per run; the next run (a minute later) goes on.
const PER_RUN: usize = 500;
const LEASE_MINUTES: i64 = 5;
/// Expired leases are marked unknown this many at a time.
const EXPIRE_BATCH: i64 = 200;
/// A send is not started with less than this left on its lease.
const LEASE_MARGIN_SECONDS: i64 = 60;

pub struct DeliverMail;

impl Job for DeliverMail {
    fn name(&self) -> &'static str {
        "deliver-mail"
    }

    fn label_key(&self) -> &'static str {
        "job-deliver-mail"
    }

    fn cron<'s>(&self, settings: &'s Settings) -> &'s str {
        &settings.cron.deliver_mail
    }

    fn run(&self, ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
        run(ctx, report)
    }
}

fn run(ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
    loop {
        let expired =
            delivery::expire_leases(ctx.conn, EXPIRE_BATCH).context("marking expired leases")?;
        if expired > 0 {
            report.add("unknown", expired as i64);
        }
        if (expired as i64) < EXPIRE_BATCH {
            break;
        }
    }
    seal_raw_links(ctx, report)?;
    let Some(url) = &ctx.settings.smtp_url else {
        let waiting = outbox::count_waiting(ctx.conn)?;
        report.add("waiting_no_smtp", waiting);
        report.say(format!(
            "{waiting} mail(s) stay queued until an SMTP server is set: DOSSIER_SMTP_URL"
        ));
        return Ok(());
    };
    if paused(ctx, report)? {
        return Ok(());
    }
    let transport = SmtpUrl::parse(url)
        .and_then(|url| url.transport())
        .map_err(anyhow::Error::msg)
        .context("DOSSIER_SMTP_URL")?;
    let from: Mailbox = ctx
        .settings
        .mail_from
        .parse()
        .context("DOSSIER_MAIL_FROM is not a mail address")?;

    let mut done = 0;
    while done < PER_RUN && !ctx.stop.is_raised() {
        let claimed = delivery::claim_due(ctx.conn, BATCH, Duration::minutes(LEASE_MINUTES))
            .context("claiming due mail")?;
        if claimed.is_empty() {
            break;
        }
        done += claimed.len();
        if !deliver_batch(ctx, report, &transport, &from, &claimed) {
            break;
        }
        if paused(ctx, report)? {
            break;
        }
    }
    report.say(format!(
        "sent {}, retrying {}, failed {}, unknown {}",
        report.count("sent"),
        report.count("retrying"),
        report.count("failed"),
        report.count("unknown")
    ));
    ctx.stop.check()?;
    Ok(())
}

/// Whether sending is paused (reported once).
fn paused(ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<bool> {
    if !app_flags::is_set(ctx.conn, app_flags::MAIL_PAUSED)? {
        return Ok(false);
    }
    let waiting = outbox::count_waiting(ctx.conn)?;
    report.add("waiting_paused", waiting);
    report.say(format!(
        "sending is paused on /admin/outbox; {waiting} mail(s) wait"
    ));
    Ok(true)
}

/// Sends a claimed batch. Returns false when the relay could not be reached: the rest
/// of the batch goes back in line untried and the run stops. So does the rest of the
/// batch when the app is stopping (each send may wait for the relay's timeout).
fn deliver_batch(
    ctx: &mut JobContext<'_>,
    report: &mut Report,
    transport: &lettre::SmtpTransport,
    from: &Mailbox,
    claimed: &[Mail],
) -> bool {
    let mut reachable = true;
    for mail in claimed {
        let lease_left = mail
            .lease_until
            .map_or(Duration::zero(), |until| until - now());
        if !reachable
            || ctx.stop.is_raised()
            || lease_left < Duration::seconds(LEASE_MARGIN_SECONDS)
        {
            // Cut off by a stop, a mail is due again at once (the next start sends it).
            let next = if ctx.stop.is_raised() {
                now()
            } else {
                now() + Duration::minutes(1)
            };
            settle(ctx, report, mail, &Settled::NotTried(next), "", "not_tried");
            continue;
        }
        let body = match outgoing_body(ctx, mail) {
            Ok(body) => body,
            Err(why) => {
                let why = format!("{why:#}");
                settle(ctx, report, mail, &Settled::Failed, &why, "failed");
                continue;
            }
        };
        let outcome = send(
            transport,
            &Outgoing {
                from,
                to: &mail.recipient,
                subject: &mail.subject,
                body: &body,
            },
        );
        let (settled, answer, count) = match outcome {
            Outcome::Sent(answer) => (Settled::Sent, answer, "sent"),
            Outcome::Permanent(answer) => (Settled::Failed, answer, "failed"),
            Outcome::Temporary(answer) => retry_or_fail(mail, answer),
            Outcome::Unreachable(answer) => {
                reachable = false;
                retry_or_fail(mail, answer)
            }
        };
        settle(ctx, report, mail, &settled, &answer, count);
    }
    reachable
}

/// The body as it leaves, with its personal link built from the encrypted token and the
/// public URL (see `personal_link`).
fn outgoing_body(ctx: &JobContext<'_>, mail: &Mail) -> anyhow::Result<String> {
    let Some(sealed) = &mail.link_token_enc else {
        return Ok(mail.body.clone());
    };
    let token = ctx
        .keys
        .cipher()
        .decrypt(sealed)
        .context("cannot open the personal link")?;
    let link = verify_link(&ctx.settings.public_url, &token);
    Ok(with_link(&mail.body, &link))
}

/// Mail queued before links were kept apart holds its link in the body: once, cut it
/// out, the token encrypted beside it while the mail waits, dropped if it has left.
fn seal_raw_links(ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
    if app_flags::is_set(ctx.conn, app_flags::RAW_LINKS_SEALED)? {
        return Ok(());
    }
    let mut after = 0;
    let mut sealed = 0;
    loop {
        let rows = outbox::with_raw_links(ctx.conn, after, EXPIRE_BATCH)
            .context("reading mail with old links")?;
        let Some((last, _, _)) = rows.last() else {
            break;
        };
        after = *last;
        for (id, state, body) in &rows {
            let Some((body, token)) = take_raw_link(body) else {
                continue;
            };
            let waiting = state != MailState::Sent.as_str();
            let token = waiting.then(|| ctx.keys.cipher().encrypt(&token));
            if outbox::seal_link(ctx.conn, *id, state, &body, token).context("sealing a link")? {
                sealed += 1;
            }
        }
    }
    if sealed > 0 {
        report.add("links_sealed", sealed);
    }
    use diesel::result::{DatabaseErrorKind, Error as DieselError};
    match app_flags::set(
        ctx.conn,
        app_flags::RAW_LINKS_SEALED,
        "true",
        "deliver-mail",
    ) {
        // Two workers on a new database set it at once: the other's row says the same.
        Ok(()) | Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

fn retry_or_fail(mail: &Mail, answer: String) -> (Settled, String, &'static str) {
    match backoff(mail.attempts) {
        Some(wait) => (Settled::Retrying(now() + wait), answer, "retrying"),
        None => (
            Settled::Failed,
            format!("gave up after {} attempts: {answer}", mail.attempts),
            "failed",
        ),
    }
}

/// Records an attempt's outcome; a row that cannot be recorded is skipped (its lease
/// will make it `unknown`, never resent).
fn settle(
    ctx: &mut JobContext<'_>,
    report: &mut Report,
    mail: &Mail,
    settled: &Settled,
    answer: &str,
    count: &'static str,
) {
    match delivery::settle(ctx.conn, mail, settled, answer) {
        Ok(true) => report.add(count, 1),
        Ok(false) => report.skip(format!(
            "mail:{}: changed by someone else meanwhile",
            mail.id
        )),
        Err(e) => report.skip(format!("mail:{}: cannot record the outcome: {e}", mail.id)),
    }
}
