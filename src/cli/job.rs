//! `dossier job list`, `dossier job run NAME` and `dossier backup`.

use std::process::ExitCode;

use chrono::NaiveDateTime;
use clap::Subcommand;

use crate::app::{connect, load_keys};
use crate::db::job_runs;
use crate::jobs::{self, Job, JobContext, RunResult, Trigger, JOBS};
use crate::settings::Settings;

#[derive(Debug, Subcommand)]
pub enum JobCommand {
    /// Every job: schedule, last run and its result, next run
    List,
    /// Run one job now and print its report
    #[command(about = format!("Run one job now and print its report ({})", jobs::names().join(", ")))]
    Run {
        /// The job's name
        #[arg(help = one_of())]
        name: String,
    },
}

/// `reverify, deliver-mail, dormancy or backup`: the names in `JOBS`.
fn one_of() -> String {
    match jobs::names().split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

pub fn run(settings: Settings, command: JobCommand) -> anyhow::Result<ExitCode> {
    match command {
        JobCommand::List => list(&settings),
        JobCommand::Run { name } => {
            let Some(job) = jobs::find(&name) else {
                let names = jobs::names();
                anyhow::bail!("no job called {name:?}; the jobs are {}", names.join(", "));
            };
            run_now(&settings, job)
        }
    }
}

fn list(settings: &Settings) -> anyhow::Result<ExitCode> {
    let mut conn = connect(settings)?;
    let clock = settings.clock();
    let (now, zone) = (clock.now(), clock.zone());
    let local = |t: NaiveDateTime| clock.local(t).format("%Y-%m-%d %H:%M:%S").to_string();
    println!(
        "{:<13} {:<16} {:<20} {:<8} {:<20} NOTE",
        "JOB", "SCHEDULE", "LAST RUN", "RESULT", "NEXT RUN"
    );
    for &job in JOBS {
        let schedule = job.schedule(settings);
        let last = job_runs::last(&mut conn, job.name())?;
        let slot = jobs::slot_at_or_before(&schedule, now, zone);
        let overdue = match slot {
            Some(slot) => jobs::scheduler::missed(&mut conn, job, slot)?,
            None => false,
        };
        let (started, result, note) = match &last {
            Some(run) => (
                local(run.started_at),
                run.result.clone(),
                if run.error.is_empty() {
                    run.counts.clone()
                } else {
                    run.error.chars().take(80).collect()
                },
            ),
            None => ("never".to_string(), "-".to_string(), String::new()),
        };
        let next = jobs::next_after(&schedule, now, zone).map_or("-".into(), local);
        let note = if overdue {
            format!("OVERDUE (missed {}) {note}", slot.map_or("-".into(), local))
        } else {
            note
        };
        println!(
            "{:<13} {:<16} {:<20} {:<8} {:<20} {}",
            job.name(),
            job.cron(settings),
            started,
            result,
            next,
            note.trim_end()
        );
    }
    for job in JOBS {
        if let Some(backlog) = job.backlog(&mut conn, settings, &clock)? {
            println!();
            println!("{}", backlog.text());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs a job at once, in this process, and prints its report. Also `dossier backup`.
pub fn run_now(settings: &Settings, job: &dyn Job) -> anyhow::Result<ExitCode> {
    let keys = load_keys(settings)?;
    let mut conn = connect(settings)?;
    let mut ctx = JobContext {
        settings,
        keys: &keys,
        conn: &mut conn,
        clock: settings.clock(),
        stop: jobs::Stop::default(),
    };
    let instance = jobs::runner::instance_name();
    let finished = jobs::execute(
        &mut ctx,
        job,
        crate::db::now(),
        Trigger::Manual,
        &format!("cli:{instance}"),
    )?
    .ok_or_else(|| anyhow::anyhow!("another run of {} holds this moment; try again", job.name()))?;
    for line in &finished.report.output {
        println!("{line}");
    }
    for skipped in &finished.report.skipped {
        println!("skipped: {skipped}");
    }
    println!(
        "{}: {} {}",
        job.name(),
        finished.result.as_str(),
        finished.report.counts_text()
    );
    if finished.result == RunResult::Failed {
        eprintln!("error: {}", finished.error);
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
