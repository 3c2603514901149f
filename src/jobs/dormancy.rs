//! The `dormancy` job: customers nobody has talked to move to the review lists.

use super::{Interrupted, Job, JobContext, Report};
use crate::domain::audit::Actor;
use crate::service::{reviews, Caller};
use crate::settings::Settings;

pub struct Dormancy;

impl Job for Dormancy {
    fn name(&self) -> &'static str {
        "dormancy"
    }

    fn label_key(&self) -> &'static str {
        "job-dormancy"
    }

    fn cron<'s>(&self, settings: &'s Settings) -> &'s str {
        &settings.cron.dormancy
    }

    fn run(&self, ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
        run(ctx, report)
    }
}

fn run(ctx: &mut JobContext<'_>, report: &mut Report) -> anyhow::Result<()> {
    let caller = Caller {
        actor: Actor::System,
        address: "scheduler".into(),
    };
    let sweep = reviews::sweep(
        ctx.conn,
        &caller,
        &ctx.clock,
        ctx.settings.dormant_months,
        ctx.settings.cleanup_months,
        &|| !ctx.stop.is_raised(),
    )?;
    report.add("to_pending_activation", sweep.to_pending);
    report.add("to_cleanup", sweep.to_cleanup);
    for skipped in sweep.skipped {
        report.skip(skipped);
    }
    if sweep.interrupted {
        return Err(Interrupted.into());
    }
    Ok(())
}
