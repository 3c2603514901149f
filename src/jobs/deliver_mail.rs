//! The `deliver-mail` job.

use super::{JobContext, Report};

pub fn run(_ctx: &mut JobContext<'_>, _report: &mut Report) -> anyhow::Result<()> {
    anyhow::bail!("not built yet")
}
