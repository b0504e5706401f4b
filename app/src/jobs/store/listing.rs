//! The admin's list of every job: filters, paging, and the time each step took, in a bounded
//! number of queries per page (the page, its count, and the step times of all its rows).

use super::{job_from_row, COLUMNS};
use crate::{
    backend::db::Db,
    error::AppError,
    jobs::{JobStatus, Step},
};
use sqlx::Row;
use std::collections::HashMap;

/// How long each step took in the job's latest run of it (started → done), from the event log,
/// in milliseconds, in pipeline order.
pub async fn step_times(db: &Db, job_id: &str) -> Result<Vec<(Step, i64)>, AppError> {
    Ok(step_times_of(db, &[job_id.to_owned()]).await?.remove(job_id).unwrap_or_default())
}

/// [`step_times`] of several jobs in one query, by job id (jobs with no finished step are absent).
pub async fn step_times_of(db: &Db, job_ids: &[String]) -> Result<HashMap<String, Vec<(Step, i64)>>, AppError> {
    if job_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let placeholders = (1..=job_ids.len()).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT job_id, kind, step, created_at FROM job_events WHERE job_id IN ({placeholders}) \
         AND kind IN ('step-started', 'step-done') ORDER BY job_id, seq"
    );
    let mut query = sqlx::query(&sql);
    for id in job_ids {
        query = query.bind(id.clone());
    }
    let mut started: HashMap<(String, Step), i64> = HashMap::new();
    let mut times: HashMap<String, Vec<(Step, i64)>> = HashMap::new();
    for row in query.fetch_all(db.pool()).await? {
        let Some(step) = row.try_get::<Option<String>, _>("step")?.as_deref().and_then(Step::parse) else { continue };
        let job: String = row.try_get("job_id")?;
        let at: i64 = row.try_get("created_at")?;
        if row.try_get::<String, _>("kind")? == "step-started" {
            started.insert((job, step), at);
        } else if let Some(from) = started.remove(&(job.clone(), step)) {
            let list = times.entry(job).or_default();
            list.retain(|(s, _)| *s != step);
            list.push((step, at - from));
        }
    }
    for list in times.values_mut() {
        list.sort_by_key(|(s, _)| Step::ALL.iter().position(|x| x == s));
    }
    Ok(times)
}

/// Every job matching the admin's filters, with its owner's email, a page at a time.
pub async fn list_all(
    db: &Db,
    filter: &crate::jobs::admin::AdminFilter,
    page_size: i64,
) -> Result<crate::jobs::admin::AdminJobList, AppError> {
    /// A bound value, in the order of its `$n`.
    enum Param {
        Text(String),
        Number(i64),
    }
    let mut clauses: Vec<String> = Vec::new();
    let mut params: Vec<Param> = Vec::new();
    let non_empty = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(status) = non_empty(&filter.status) {
        if JobStatus::parse(&status).is_none() {
            return Err(AppError::invalid("status", "Choose one of the listed statuses."));
        }
        params.push(Param::Text(status));
        clauses.push(format!("j.status = ${}", params.len()));
    }
    if let Some(user) = non_empty(&filter.user) {
        params.push(Param::Text(format!("%{}%", user.to_lowercase())));
        clauses.push(format!("u.email LIKE ${}", params.len()));
    }
    if let Some(paper) = non_empty(&filter.paper) {
        params.push(Param::Text(format!("%{}%", paper.to_lowercase())));
        clauses.push(format!(
            "(LOWER(j.source_ref) LIKE ${n} OR LOWER(COALESCE(j.source_name, '')) LIKE ${n} OR LOWER(COALESCE(j.title, '')) LIKE ${n})",
            n = params.len()
        ));
    }
    let (from, until) = filter.days()?;
    if let Some(from) = from {
        params.push(Param::Number(from));
        clauses.push(format!("j.created_at >= ${}", params.len()));
    }
    if let Some(until) = until {
        params.push(Param::Number(until));
        clauses.push(format!("j.created_at < ${}", params.len()));
    }
    let where_sql = if clauses.is_empty() { String::new() } else { format!("WHERE {}", clauses.join(" AND ")) };
    let order = if filter.sort.as_deref() == Some("oldest") { "ASC" } else { "DESC" };
    // Far past the end is simply an empty page; the bound keeps the offset from overflowing.
    let page = filter.page.unwrap_or(1).clamp(1, i64::MAX / page_size.max(1));
    let n = params.len();
    let columns = COLUMNS.split(", ").map(|c| format!("j.{c}")).collect::<Vec<_>>().join(", ");
    let sql = format!(
        "SELECT {columns}, u.email AS owner_email FROM jobs j JOIN users u ON u.id = j.user_id {where_sql} \
         ORDER BY j.created_at {order}, j.id {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let count_sql = format!("SELECT COUNT(*) AS total FROM jobs j JOIN users u ON u.id = j.user_id {where_sql}");
    let mut query = sqlx::query(&sql);
    let mut count = sqlx::query(&count_sql);
    for param in &params {
        match param {
            Param::Text(t) => {
                query = query.bind(t.clone());
                count = count.bind(t.clone());
            }
            Param::Number(v) => {
                query = query.bind(*v);
                count = count.bind(*v);
            }
        }
    }
    let rows = query.bind(page_size + 1).bind((page - 1) * page_size).fetch_all(db.pool()).await?;
    let total: i64 = count.fetch_one(db.pool()).await?.try_get("total")?;
    let mut jobs = rows
        .iter()
        .map(|row| {
            Ok(crate::jobs::admin::AdminJob {
                job: job_from_row(row)?,
                owner_email: row.try_get("owner_email")?,
                step_ms: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let has_next = jobs.len() as i64 > page_size;
    jobs.truncate(page_size as usize);
    // One query for the whole page's step times, not one per row.
    let ids: Vec<String> = jobs.iter().map(|row| row.job.id.clone()).collect();
    let mut times = step_times_of(db, &ids).await?;
    for row in &mut jobs {
        row.step_ms = times.remove(&row.job.id).unwrap_or_default();
    }
    Ok(crate::jobs::admin::AdminJobList { jobs, page, has_next, total })
}

/// Every job counted by status, and the queue: for the operator's metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Statuses with at least one job, and how many.
    pub by_status: Vec<(JobStatus, i64)>,
    /// Jobs waiting for a worker.
    pub queued: i64,
    /// How long the job that has waited longest has waited (ms since it was last queued), when
    /// any waits.
    pub oldest_queued_ms: Option<i64>,
}

/// Counts the jobs by status and measures the queue, in two short queries (the queue one reads
/// the `(status, created_at)` index).
pub async fn census(db: &Db) -> Result<Census, sqlx::Error> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM jobs GROUP BY status").fetch_all(db.pool()).await?;
    let mut census = Census::default();
    for row in rows {
        let status: String = row.try_get("status")?;
        let n: i64 = row.try_get("n")?;
        if let Some(s) = JobStatus::ALL.into_iter().find(|s| s.as_str() == status) {
            census.by_status.push((s, n));
        }
    }
    census.queued = census.by_status.iter().find(|(s, _)| *s == JobStatus::Queued).map_or(0, |(_, n)| *n);
    if census.queued > 0 {
        // A queued job's `updated_at` is when it was (re)queued: a retried or remade job has
        // waited since then, not since it was first submitted.
        let oldest: Option<i64> = sqlx::query("SELECT MIN(updated_at) AS oldest FROM jobs WHERE status = 'queued'")
            .fetch_one(db.pool())
            .await?
            .try_get("oldest")?;
        census.oldest_queued_ms = oldest.map(|t| (crate::backend::now_ms() - t).max(0));
    }
    Ok(census)
}
