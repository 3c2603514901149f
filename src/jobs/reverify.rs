//! The `reverify` job (复核): for each record past its cycle, one mail per cycle with a
//! personal link. A run queues at most `reverify_daily_limit` mails, the longest overdue
//! first, so that the backlog of a first import goes out over the days that follow; the
//! jobs page and `dossier job list` show what is left and when it will be gone.
//!
//! Each batch's links, mails and log entries are written in one transaction of a few
//! statements; a mail already queued for the cycle (same idempotency key) leaves no
//! second link behind.

use anyhow::Context;
use askama::Template;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::result::QueryResult;

use super::{Job, JobContext, Report};
use crate::clock::Clock;
use crate::crypto::Keys;
use crate::db::outbox::{self, NewMail};
use crate::db::queries::reverify_due::{self, DueRecord};
use crate::db::{verify_tokens, write_tx, DbConnection};
use crate::domain::audit::Actor;
use crate::domain::personal_link;
use crate::domain::reverify::{mail_key, new_token, Cycles};
use crate::mail::reverify as reverify_mail;
use crate::settings::Settings;

/// Mails per transaction: short enough that the writes of people working meanwhile are
/// not kept waiting (on SQLite one transaction holds the database's write lock).
const BATCH: usize = 200;

fn cycles(settings: &Settings) -> Cycles {
    Cycles {
        months: settings.reverify_months,
        vip_months: settings.reverify_months_vip,
    }
}

pub struct Reverify;

impl Job for Reverify {
    fn name(&self) -> &'static str {
        "reverify"
    }

    fn label_key(&self) -> &'static str {
        "job-reverify"
    }

    fn cron<'s>(&self, settings: &'s Settings) -> &'s str {
        &settings.cron.reverify
    }

    fn run(&self, ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
        run(ctx, report)
    }

    fn backlog(
        &self,
        conn: &mut DbConnection,
        settings: &Settings,
        clock: &Clock,
    ) -> QueryResult<Option<Backlog>> {
        backlog_now(conn, settings, clock).map(Some)
    }
}

fn run(ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
    let settings = ctx.settings;
    let cycles = cycles(settings);
    let today = ctx.clock.today();
    let reading = "reading the records due for re-verification";
    report.add("queued", 0);
    report.add(
        "no_email",
        reverify_due::without_email(ctx.conn, cycles, today).context(reading)?,
    );
    report.add(
        "already_queued",
        reverify_due::already_queued(ctx.conn, cycles, today).context(reading)?,
    );
    let limit = i64::from(settings.reverify_daily_limit);
    // Chosen before the first write: the order is the backlog's, and a record verified
    // meanwhile is mailed once for its cycle at most (the idempotency key).
    let chosen = reverify_due::next_to_queue(ctx.conn, cycles, today, limit).context(reading)?;
    let expires_at = crate::db::now() + Duration::days(i64::from(settings.verify_link_days));
    for batch in chosen.chunks(BATCH) {
        ctx.stop.check()?;
        let started = std::time::Instant::now();
        let mails: Vec<Prepared> = batch
            .iter()
            .map(|record| prepare(&ctx.clock, ctx.keys, cycles, record, expires_at))
            .collect::<Result<_, _>>()
            .context("writing the re-verification mail")?;
        match write_tx(ctx.conn, |c| queue(c, &mails, expires_at)) {
            Ok(queued) => {
                report.add("queued", queued as i64);
                report.add("already_queued", (mails.len() - queued) as i64);
            }
            Err(e) => {
                let first = batch.first().map_or("", |r| r.code.as_str());
                report.skip(format!("{} mail(s) from {first}: {e}", batch.len()));
            }
        }
        crate::db::rest_after_batch(started.elapsed());
    }
    let backlog = reverify_due::not_yet_queued(ctx.conn, cycles, today).context(reading)?;
    report.add("backlog", backlog);
    let queued = report.count("queued");
    report.say(format!(
        "queued {queued} re-verification mail(s); {backlog} due still to queue"
    ));
    Ok(())
}

/// A mail ready to queue and its link's stored parts.
struct Prepared {
    mail: NewMail,
    token_hash: String,
    customer_id: i32,
    cycle: String,
}

fn prepare(
    clock: &Clock,
    keys: &Keys,
    cycles: Cycles,
    record: &DueRecord,
    expires_at: NaiveDateTime,
) -> askama::Result<Prepared> {
    let base = record.last_verified_at.unwrap_or(record.first_contact_at);
    let due = cycles.due_date(&record.customer_type, base);
    let (token, hash) = new_token();
    Ok(Prepared {
        mail: mail(clock, keys, record, due, &token, expires_at)?,
        token_hash: hash,
        customer_id: record.id,
        cycle: due.to_string(),
    })
}

/// The mail of one record's cycle, with its personal link.
fn mail(
    clock: &Clock,
    keys: &Keys,
    record: &DueRecord,
    due: NaiveDate,
    token: &str,
    expires_at: NaiveDateTime,
) -> askama::Result<NewMail> {
    let email = record.email.as_deref().map(str::trim).unwrap_or("");
    let until = clock.local(expires_at).date_naive().to_string();
    Ok(NewMail {
        kind: "reverify".into(),
        idempotency_key: mail_key(&record.code, due),
        customer_id: Some(record.id),
        customer_code: record.code.clone(),
        recipient: email.to_string(),
        subject: reverify_mail::Subject.render()?,
        // The link is put in as the mail leaves (`personal_link`): stored, the token is
        // encrypted and the body holds a placeholder.
        body: reverify_mail::Body {
            name: &record.name,
            link: personal_link::PLACEHOLDER,
            until: &until,
        }
        .render()?,
        link_token_enc: Some(keys.cipher().encrypt(token)),
    })
}

/// Queues the mails and stores the links of those queued now; returns how many. A mail
/// queued meanwhile by another run keeps its own link, and this run stores none for it.
fn queue(
    conn: &mut DbConnection,
    mails: &[Prepared],
    expires_at: NaiveDateTime,
) -> QueryResult<usize> {
    let new_mails: Vec<NewMail> = mails.iter().map(|p| p.mail.clone()).collect();
    let queued = outbox::enqueue_many(conn, &new_mails, &Actor::System)?;
    let queued: std::collections::HashSet<&str> = queued.iter().map(String::as_str).collect();
    let links: Vec<(String, i32, String)> = mails
        .iter()
        .filter(|p| queued.contains(p.mail.idempotency_key.as_str()))
        .map(|p| (p.token_hash.clone(), p.customer_id, p.cycle.clone()))
        .collect();
    verify_tokens::insert_many(conn, &links, expires_at)?;
    Ok(links.len())
}

/// The re-verification backlog: due records whose mail the daily limit has held back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backlog {
    pub waiting: i64,
    pub per_day: i64,
    /// The day of the run that queues the last of them, at `per_day` a run, one run a
    /// day from `first_run`; none without a backlog.
    pub clears_on: Option<NaiveDate>,
}

impl Backlog {
    /// What `dossier job list` prints about it, in English and Chinese.
    pub fn text(&self) -> String {
        match self.clears_on {
            Some(day) if self.waiting > 0 => format!(
                "reverify backlog: {waiting} due, not yet queued (at most {per_day} a day); clears on {day}\n\
                 复核待发积压：{waiting} 位客户已到期、尚未排队（每天最多 {per_day} 封），预计 {day} 发完",
                waiting = self.waiting,
                per_day = self.per_day,
            ),
            _ => "reverify backlog: none\n复核待发积压：无".to_string(),
        }
    }
}

/// The backlog as of `today`, with the job's next run on `first_run`.
pub fn backlog(
    conn: &mut DbConnection,
    settings: &Settings,
    today: NaiveDate,
    first_run: NaiveDate,
) -> QueryResult<Backlog> {
    let waiting = reverify_due::not_yet_queued(conn, cycles(settings), today)?;
    let per_day = i64::from(settings.reverify_daily_limit.max(1));
    let runs = (waiting + per_day - 1) / per_day;
    Ok(Backlog {
        waiting,
        per_day,
        clears_on: (runs > 0).then(|| first_run + Duration::days(runs - 1)),
    })
}

/// The backlog now: "today" as the run sees it, and the next scheduled run's day.
pub fn backlog_now(
    conn: &mut DbConnection,
    settings: &Settings,
    clock: &Clock,
) -> QueryResult<Backlog> {
    let today = clock.today();
    let schedule = Reverify.schedule(settings);
    let first_run = super::next_after(&schedule, clock.now(), clock.zone())
        .map(|t| clock.local(t).date_naive())
        .unwrap_or(today);
    backlog(conn, settings, today, first_run)
}
