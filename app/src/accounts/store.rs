//! The `users` table.

use super::{Role, User};
use crate::{
    backend::{db::Db, now},
    error::AppError,
};
use sqlx::Row;

pub(crate) fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User, AppError> {
    let role: String = row.try_get("role")?;
    Ok(User {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        role: Role::parse(&role).ok_or(AppError::Internal)?,
        has_jobs: row.try_get::<i64, _>("has_jobs")? > 0,
        review_first: row.try_get::<i64, _>("review_first")? != 0,
    })
}

/// The column `has_jobs` for `user_from_row`, of the user aliased `u`: 1 if they have any job,
/// else 0 (an EXISTS probe on the index `jobs_user_created`; cast, so both engines give BIGINT).
pub(crate) const HAS_JOBS: &str =
    "CAST(CASE WHEN EXISTS (SELECT 1 FROM jobs WHERE jobs.user_id = u.id) THEN 1 ELSE 0 END AS BIGINT) AS has_jobs";

/// Adds a user; a taken email is a `Conflict` a person can act on.
pub async fn insert(db: &Db, email: &str, password_hash: &str, role: Role) -> Result<User, AppError> {
    let id = uuid::Uuid::new_v4().to_string();
    let result =
        sqlx::query("INSERT INTO users (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(email)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(now())
            .execute(db.pool())
            .await;
    match result {
        Ok(_) => Ok(User { id, email: email.to_owned(), role, has_jobs: false, review_first: false }),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::Conflict(
            "An account with that email already exists. Log in instead, or use another email.".into(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The enabled account with this id.
pub async fn user_by_id(db: &Db, id: &str) -> Result<Option<User>, AppError> {
    let row = sqlx::query(&format!(
        "SELECT u.id, u.email, u.role, u.review_first, {HAS_JOBS} FROM users u WHERE u.id = $1 AND u.disabled_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The user with this (normalised) email and their password hash.
pub async fn find_with_hash(db: &Db, email: &str) -> Result<Option<(User, String)>, AppError> {
    let row = sqlx::query(&format!(
        "SELECT u.id, u.email, u.role, u.review_first, u.password_hash, {HAS_JOBS} FROM users u WHERE u.email = $1"
    ))
    .bind(email)
    .fetch_optional(db.pool())
    .await?;
    row.map(|row| Ok((user_from_row(&row)?, row.try_get("password_hash")?))).transpose()
}

/// Creates the account as an admin, or makes an existing account an admin with this password.
pub async fn upsert_admin(db: &Db, email: &str, password_hash: &str) -> Result<User, AppError> {
    let updated = sqlx::query("UPDATE users SET role = 'admin', password_hash = $1 WHERE email = $2")
        .bind(password_hash)
        .bind(email)
        .execute(db.pool())
        .await?;
    let user = if updated.rows_affected() == 0 {
        insert(db, email, password_hash, Role::Admin).await?
    } else {
        find_with_hash(db, email).await?.ok_or(AppError::Internal)?.0
    };
    // The operator names the admin's address: it counts as confirmed.
    super::confirm::store::mark_confirmed(db, &user.id).await?;
    Ok(user)
}

pub async fn set_password(db: &Db, user_id: &str, password_hash: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A person's numbers for their profile.
pub struct Stats {
    /// When the account was made, in Unix milliseconds (the `users` table keeps seconds).
    pub member_since_ms: i64,
    pub videos: i64,
    pub video_ms: i64,
    pub jobs_this_month: i64,
}

pub async fn stats(db: &Db, user_id: &str, month_start_ms: i64) -> Result<Stats, AppError> {
    let row = sqlx::query(
        "SELECT \
           (SELECT created_at FROM users WHERE id = $1) AS member_since, \
           (SELECT COUNT(*) FROM jobs WHERE user_id = $1 AND status = 'succeeded') AS videos, \
           (SELECT CAST(COALESCE(SUM(video_ms), 0) AS BIGINT) FROM jobs WHERE user_id = $1 AND status = 'succeeded') AS video_ms, \
           (SELECT COUNT(*) FROM jobs WHERE user_id = $1 AND created_at >= $2) AS jobs_this_month",
    )
    .bind(user_id)
    .bind(month_start_ms)
    .fetch_one(db.pool())
    .await?;
    Ok(Stats {
        member_since_ms: row.try_get::<i64, _>("member_since")? * 1000,
        videos: row.try_get("videos")?,
        video_ms: row.try_get("video_ms")?,
        jobs_this_month: row.try_get("jobs_this_month")?,
    })
}

/// How many admins there are.
pub async fn admin_count(db: &Db) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin'").fetch_one(db.pool()).await?)
}

/// Removes the account's row; its sessions and reset links go with it (foreign keys cascade).
/// Its jobs must be deleted first, through `jobs::store::delete` (their files durably).
pub async fn delete(db: &Db, user_id: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM users WHERE id = $1").bind(user_id).execute(db.pool()).await?;
    Ok(())
}

/// Whether an admin has disabled the account.
pub async fn is_disabled(db: &Db, user_id: &str) -> Result<bool, AppError> {
    let at: Option<Option<i64>> = sqlx::query_scalar("SELECT disabled_at FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(matches!(at, Some(Some(_))))
}
