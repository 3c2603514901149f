//! `job_runs`: one row per run of a scheduled job. The unique (job, slot) key is the claim
//! that lets exactly one instance run a slot.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::schema::job_runs;
use super::{now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = job_runs)]
pub struct JobRun {
    pub id: i32,
    pub job: String,
    pub slot: NaiveDateTime,
    pub trigger_kind: String,
    pub instance: String,
    pub started_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
    pub result: String,
    pub counts: String,
    pub error: String,
}

/// Inserts the run as `running`. Returns `None` when another run already holds the slot
/// (an `interrupted` run does not: its slot may be run again).
/// Runs outside a transaction: a refused insert must not abort the caller's work.
pub fn claim(
    conn: &mut DbConnection,
    job: &str,
    slot: NaiveDateTime,
    trigger_kind: &str,
    instance: &str,
) -> QueryResult<Option<i32>> {
    let inserted = diesel::insert_into(job_runs::table)
        .values((
            job_runs::job.eq(job),
            job_runs::slot.eq(slot),
            job_runs::trigger_kind.eq(trigger_kind),
            job_runs::instance.eq(instance),
            job_runs::started_at.eq(now()),
            job_runs::result.eq("running"),
        ))
        .execute(conn);
    match inserted {
        Ok(_) => {}
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _)) => return Ok(None),
        Err(e) => return Err(e),
    }
    job_runs::table
        .filter(job_runs::job.eq(job))
        .filter(job_runs::slot.eq(slot))
        .filter(job_runs::result.ne("interrupted"))
        .select(job_runs::id)
        .first(conn)
        .map(Some)
}

/// Marks runs of `job` still `running` that started before `cutoff` as failed: the
/// process running them stopped (a crash, a kill, a power cut) before it could record an
/// end. Returns how many.
pub fn abandon_stale(
    conn: &mut DbConnection,
    job: &str,
    cutoff: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        job_runs::table
            .filter(job_runs::job.eq(job))
            .filter(job_runs::result.eq("running"))
            .filter(job_runs::started_at.lt(cutoff)),
    )
    .set((
        job_runs::finished_at.eq(now()),
        job_runs::result.eq("failed"),
        job_runs::error.eq("abandoned: no end was recorded (the process running it stopped)"),
    ))
    .execute(conn)
}

/// Marks `instance`'s runs still `running` as interrupted: the app is stopping and could
/// not wait for them to reach their next batch. Returns how many.
pub fn interrupt_running(conn: &mut DbConnection, instance: &str) -> QueryResult<usize> {
    diesel::update(
        job_runs::table
            .filter(job_runs::instance.eq(instance))
            .filter(job_runs::result.eq("running")),
    )
    .set((
        job_runs::finished_at.eq(now()),
        job_runs::result.eq("interrupted"),
        job_runs::error.eq(
            "interrupted: the app stopped before the run reached its next batch; \
             the next run goes on from here",
        ),
    ))
    .execute(conn)
}

/// Records how the run ended.
pub fn finish(
    conn: &mut DbConnection,
    id: i32,
    result: &str,
    counts: &str,
    error: &str,
) -> QueryResult<()> {
    diesel::update(job_runs::table.find(id))
        .set((
            job_runs::finished_at.eq(now()),
            job_runs::result.eq(result),
            job_runs::counts.eq(counts),
            job_runs::error.eq(error),
        ))
        .execute(conn)?;
    Ok(())
}

/// The most recent run of a job, whatever started it.
pub fn last(conn: &mut DbConnection, job: &str) -> QueryResult<Option<JobRun>> {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .order(job_runs::id.desc())
        .select(JobRun::as_select())
        .first(conn)
        .optional()
}

/// The latest slot a scheduled (or catch-up) run claimed: what "overdue" is measured from.
/// An interrupted run leaves its slot to be run again.
pub fn last_scheduled_slot(
    conn: &mut DbConnection,
    job: &str,
) -> QueryResult<Option<NaiveDateTime>> {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .filter(job_runs::trigger_kind.ne("manual"))
        .filter(job_runs::result.ne("interrupted"))
        .select(diesel::dsl::max(job_runs::slot))
        .first(conn)
}

/// The latest runs of a job, newest first.
pub fn recent(conn: &mut DbConnection, job: &str, limit: i64) -> QueryResult<Vec<JobRun>> {
    job_runs::table
        .filter(job_runs::job.eq(job))
        .order(job_runs::id.desc())
        .limit(limit)
        .select(JobRun::as_select())
        .load(conn)
}
