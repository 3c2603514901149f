//! The `backup` job: make, verify by restoring, rotate, copy off-site.

use chrono::Duration;

use super::{Interrupted, Job, JobContext, Report};
use crate::backup::{self, rotation};
use crate::db::{audit_log, backups, now};
use crate::domain::audit::{Action, Actor, Event};
use crate::settings::Settings;

pub struct Backup;

impl Job for Backup {
    fn name(&self) -> &'static str {
        "backup"
    }

    fn label_key(&self) -> &'static str {
        "job-backup"
    }

    fn cron<'s>(&self, settings: &'s Settings) -> &'s str {
        &settings.cron.backup
    }

    fn run(&self, ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
        run(ctx, report)
    }
}

fn run(ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
    let stale = backup::scratch::remove_stale(&ctx.settings.backup_dir(), ctx.conn)?;
    if stale > 0 {
        report.add("stale_scratch_removed", stale as i64);
    }
    let made = backup::make(ctx.settings, ctx.keys, ctx.conn, &ctx.stop)?;
    let name = made
        .path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    report.say(made.path.display().to_string());
    report.add("bytes", made.size);
    let checked = match ctx.stop.check() {
        Ok(()) => backup::check(ctx.settings, ctx.keys, ctx.conn, &made.path, &ctx.stop),
        Err(stopped) => Err(stopped.into()),
    };
    if checked.is_err() && ctx.stop.is_raised() {
        // Made but never checked: not a backup to keep or to list.
        let _ = std::fs::remove_file(&made.path);
        return Err(Interrupted.into());
    }
    let verdict = match checked {
        Ok(restored) if restored == made.facts => Ok(made.facts.describe()),
        Ok(restored) => Err(anyhow::anyhow!(
            "the restored copy differs: expected {}, found {}",
            made.facts.describe(),
            restored.describe()
        )),
        Err(e) => Err(e.context("the restore check failed")),
    };
    let (verified, detail) = match &verdict {
        Ok(detail) => (true, detail.clone()),
        // The backup's row and the log hold the whole chain on one line.
        Err(e) => (false, format!("{e:#}")),
    };
    let id = backups::insert(
        ctx.conn,
        &backups::NewBackup {
            file_name: &name,
            created_at: made.created_at,
            size_bytes: made.size,
            sha256: &made.sha256,
            verified,
            detail: &detail,
            customers: made.facts.customers,
            audit_entries: made.facts.audit_entries,
            audit_hash: &made.facts.audit_head,
        },
    )?;
    let action = if verified {
        Action::BackupCreated
    } else {
        Action::BackupFailed
    };
    log(
        ctx,
        action,
        &name,
        &format!("sha256 {} {detail}", &made.sha256[..16]),
    )?;
    if let Err(e) = verdict {
        return Err(e.context(name));
    }
    report.say(format!("verified: {detail}"));
    rotate(ctx, report)?;
    ctx.stop.check()?;
    offsite(ctx, report, id, &made)?;
    Ok(())
}

fn rotate(ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
    let present = backups::present(ctx.conn)?;
    let candidates: Vec<rotation::Candidate> = present
        .iter()
        .map(|b| rotation::Candidate {
            id: b.id,
            // Days, weeks and months are the office's: a 02:00 backup in Shanghai belongs
            // to that day, not to the UTC day before.
            created_at: ctx.clock.local(b.created_at).naive_local(),
            verified: b.state == "verified",
        })
        .collect();
    let b = &ctx.settings.backup;
    let keep = rotation::keep(&candidates, b.keep_daily, b.keep_weekly, b.keep_monthly);
    let dir = ctx.settings.backup_dir();
    for row in present.iter().filter(|r| !keep.contains(&r.id)) {
        let path = dir.join(&row.file_name);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                report.skip(format!("cannot delete {}: {e}", path.display()));
                continue;
            }
        }
        backups::mark_deleted(ctx.conn, row.id)?;
        log(ctx, Action::BackupRotated, &row.file_name, "rotated away")?;
        report.add("rotated", 1);
    }
    Ok(())
}

fn offsite(
    ctx: &mut JobContext<'_>,
    report: &mut Report,
    id: i32,
    made: &backup::Made,
) -> anyhow::Result<()> {
    let Some(offsite) = ctx.settings.backup.offsite_dir.clone() else {
        return Ok(());
    };
    let due = backups::last_offsite(ctx.conn)?.is_none_or(|last| last < now() - Duration::days(7));
    if !due {
        return Ok(());
    }
    let copy = backup::copy_offsite(&made.path, &made.sha256, &offsite)?;
    backups::set_offsite(ctx.conn, id, &copy.display().to_string())?;
    let name = copy
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    log(
        ctx,
        Action::BackupCopiedOffsite,
        &name,
        &copy.display().to_string(),
    )?;
    report.say(format!("copied off-site: {}", copy.display()));
    report.add("offsite", 1);
    Ok(())
}

fn log(ctx: &mut JobContext<'_>, action: Action, name: &str, details: &str) -> anyhow::Result<()> {
    audit_log::record(
        ctx.conn,
        &Event::new(Actor::System, action, format!("backup:{name}"), "scheduler").details(details),
    )?;
    Ok(())
}
