//! The people of this Hidden Hill, for admins: search them, see their jobs and videos, disable
//! and enable an account, make or unmake an admin, delete an account with everything in it, and
//! make a new access code. Every function answers anyone else with a 404, as if it did not exist.

use super::Role;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One person as the admin's list shows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub email: String,
    pub role: Role,
    pub joined_ms: i64,
    /// Jobs they have (every status).
    pub jobs: i64,
    /// Of those, finished videos.
    pub videos: i64,
    /// When an admin disabled the account; `None` while it is enabled.
    pub disabled_ms: Option<i64>,
}

/// A page of people, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct People {
    pub people: Vec<Person>,
    /// Everyone matching the search.
    pub total: i64,
    /// 1-based.
    pub page: i64,
    pub has_next: bool,
    /// The code people give to register, and whether `HH_ACCESS_CODE` sets it (then a new one
    /// is made there, not here).
    pub access_code: String,
    pub access_code_configured: bool,
}

pub const PEOPLE_PAGE_SIZE: i64 = 50;

/// People whose e-mail contains `search` (everyone when empty), newest first, page `page`.
#[server(endpoint = "admin/people", input = server_fn::codec::GetUrl)]
pub async fn list_people(
    #[server(default)] search: String,
    #[server(default)] page: Option<i64>,
) -> Result<People, AppError> {
    crate::error::answered(async move {
        let state = crate::backend::state::app_state()?;
        super::session::require_admin(&state).await?;
        let page = page.unwrap_or(1).max(1);
        let (people, total) = store::list(&state.db, search.trim(), page, PEOPLE_PAGE_SIZE).await?;
        let access_code = crate::backend::settings::access_code(&state.db, &state.config).await?;
        Ok(People {
            has_next: page * PEOPLE_PAGE_SIZE < total,
            people,
            total,
            page,
            access_code,
            access_code_configured: state.config.access_code.is_some(),
        })
    })
    .await
}

/// Disables (`disabled`) or enables the account `id`: a disabled account cannot log in, its
/// sessions end at once and its reset links stop working; its jobs and videos stay. Not the
/// caller's own account (`Conflict`).
#[server(endpoint = "admin/people/disable")]
pub async fn set_disabled(id: String, disabled: bool) -> Result<Person, AppError> {
    crate::error::answered(async move {
        let state = crate::backend::state::app_state()?;
        let admin = super::session::require_admin(&state).await?;
        if admin.id == id {
            return Err(AppError::Conflict("You cannot disable your own account.".into()));
        }
        store::set_disabled(&state.db, &id, disabled).await?;
        if disabled {
            super::session::delete_all(&state.db, &id).await?;
        }
        tracing::info!(admin = %admin.id, person = %id, disabled, "an admin changed an account");
        store::person(&state.db, &id).await?.ok_or_else(|| AppError::NotFound("Person".into()))
    })
    .await
}

/// Makes the account `id` an admin (`admin`) or a person again. The caller stays an admin
/// (`Conflict` for their own account), so there is always one.
#[server(endpoint = "admin/people/role")]
pub async fn set_admin(id: String, admin: bool) -> Result<Person, AppError> {
    crate::error::answered(async move {
        let state = crate::backend::state::app_state()?;
        let caller = super::session::require_admin(&state).await?;
        if caller.id == id {
            return Err(AppError::Conflict("You cannot change your own role; another admin can.".into()));
        }
        store::set_role(&state.db, &id, if admin { Role::Admin } else { Role::User }).await?;
        tracing::info!(admin = %caller.id, person = %id, made_admin = admin, "an admin changed a role");
        store::person(&state.db, &id).await?.ok_or_else(|| AppError::NotFound("Person".into()))
    })
    .await
}

/// Deletes the account `id` with every job, event and file in it (files durably). `email`
/// must be the account's address, typed to confirm. Not the caller's own account (the profile
/// page does that). Returns how many jobs went with it.
#[server(endpoint = "admin/people/delete")]
pub async fn delete_person(id: String, email: String) -> Result<usize, AppError> {
    crate::error::answered(async move {
        let state = crate::backend::state::app_state()?;
        let admin = super::session::require_admin(&state).await?;
        if admin.id == id {
            return Err(AppError::Conflict("Delete your own account from your profile.".into()));
        }
        let person = store::person(&state.db, &id).await?.ok_or_else(|| AppError::NotFound("Person".into()))?;
        if email.trim().to_lowercase() != person.email {
            return Err(AppError::invalid("email", "Type the account's e-mail address exactly to confirm."));
        }
        let jobs = super::erase(&state, &admin, &person.id).await?;
        tracing::info!(admin = %admin.id, person = %id, jobs, "an admin deleted an account");
        Ok(jobs)
    })
    .await
}

/// Makes a new access code: the old one stops working at once, in every process. `Conflict`
/// when `HH_ACCESS_CODE` sets the code (change it there).
#[server(endpoint = "admin/access-code")]
pub async fn new_access_code() -> Result<String, AppError> {
    crate::error::answered(async move {
        let state = crate::backend::state::app_state()?;
        let admin = super::session::require_admin(&state).await?;
        if state.config.access_code.is_some() {
            return Err(AppError::Conflict(
                "HH_ACCESS_CODE in the server's settings sets the access code: change it there.".into(),
            ));
        }
        let code = crate::backend::settings::new_access_code(&state.db).await?;
        tracing::info!(admin = %admin.id, "an admin made a new access code");
        Ok(code)
    })
    .await
}

#[cfg(feature = "ssr")]
pub mod store {
    //! The admin's SQL over `users`.

    use super::{Person, Role};
    use crate::{
        backend::{db::Db, now},
        error::AppError,
    };
    use sqlx::{any::AnyRow, Row};

    /// The columns of a [`Person`], of the user aliased `u`.
    const COLUMNS: &str = "u.id, u.email, u.role, u.created_at, u.disabled_at, \
        (SELECT COUNT(*) FROM jobs j WHERE j.user_id = u.id) AS jobs, \
        (SELECT COUNT(*) FROM jobs j WHERE j.user_id = u.id AND j.status = 'succeeded') AS videos";

    fn person_from_row(row: &AnyRow) -> Result<Person, AppError> {
        let role: String = row.try_get("role")?;
        Ok(Person {
            id: row.try_get("id")?,
            email: row.try_get("email")?,
            role: Role::parse(&role).ok_or(AppError::Internal)?,
            joined_ms: row.try_get::<i64, _>("created_at")? * 1000,
            jobs: row.try_get("jobs")?,
            videos: row.try_get("videos")?,
            disabled_ms: row.try_get::<Option<i64>, _>("disabled_at")?.map(|s| s * 1000),
        })
    }

    /// People whose e-mail contains `search` (case-insensitively; `%` and `_` match themselves),
    /// newest first, and how many match.
    pub async fn list(db: &Db, search: &str, page: i64, size: i64) -> Result<(Vec<Person>, i64), AppError> {
        let pattern =
            format!("%{}%", search.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM users u WHERE u.email LIKE $1 ESCAPE '\\' \
             ORDER BY u.created_at DESC, u.id LIMIT $2 OFFSET $3"
        ))
        .bind(&pattern)
        .bind(size)
        .bind((page - 1) * size)
        .fetch_all(db.pool())
        .await?;
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users u WHERE u.email LIKE $1 ESCAPE '\\'")
            .bind(&pattern)
            .fetch_one(db.pool())
            .await?;
        Ok((rows.iter().map(person_from_row).collect::<Result<_, _>>()?, total))
    }

    pub async fn person(db: &Db, id: &str) -> Result<Option<Person>, AppError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM users u WHERE u.id = $1"))
            .bind(id)
            .fetch_optional(db.pool())
            .await?;
        row.as_ref().map(person_from_row).transpose()
    }

    /// Disables the account now (`true`) or enables it; `NotFound` when there is no such account.
    pub async fn set_disabled(db: &Db, id: &str, disabled: bool) -> Result<(), AppError> {
        let query = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2").bind(disabled.then(now)).bind(id);
        found(query.execute(db.pool()).await?.rows_affected())
    }

    /// `NotFound` when there is no such account.
    pub async fn set_role(db: &Db, id: &str, role: Role) -> Result<(), AppError> {
        let query = sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role.as_str()).bind(id);
        found(query.execute(db.pool()).await?.rows_affected())
    }

    /// An update of one account by id changed a row, or there is no such account.
    fn found(rows: u64) -> Result<(), AppError> {
        if rows == 0 {
            Err(AppError::NotFound("Person".into()))
        } else {
            Ok(())
        }
    }
}
