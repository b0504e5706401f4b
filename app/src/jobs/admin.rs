//! Every job of every user, for admins: filters, sorting and pages done in the database.

use super::Job;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The admin list's filters, as they travel in the page's URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminFilter {
    /// queued, running, succeeded, failed or cancelled.
    pub status: Option<String>,
    /// Part of the owner's email.
    pub user: Option<String>,
    /// Part of the paper's identifier, file name or title.
    pub paper: Option<String>,
    /// Submitted on or after this day (YYYY-MM-DD, UTC).
    pub from: Option<String>,
    /// Submitted on or before this day (YYYY-MM-DD, UTC).
    pub to: Option<String>,
    /// "oldest" for oldest first; newest first otherwise.
    pub sort: Option<String>,
    /// 1-based.
    pub page: Option<i64>,
}

impl AdminFilter {
    /// The days the filter covers, as Unix milliseconds: the start of `from`, and the start of
    /// the day after `to`. A day that is not a date, or a From after the To (which no job could
    /// match), is an error tied to its field. The page checks this before asking the server, and
    /// the server checks it again.
    pub fn days(&self) -> Result<(Option<i64>, Option<i64>), AppError> {
        use super::progress::parse_date_ms;
        let day = |field: &str, text: &Option<String>| match text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(text) => {
                parse_date_ms(text).map(Some).ok_or_else(|| AppError::invalid(field, "Use a date such as 2026-11-25."))
            }
        };
        let (from, to) = (day("from", &self.from)?, day("to", &self.to)?);
        if let (Some(start), Some(end)) = (from, to) {
            if start > end {
                return Err(AppError::invalid(
                    "to",
                    "The From date is after the To date, so no job could match. Choose a From date on or before the To date.",
                ));
            }
        }
        Ok((from, to.map(|day| day + 86_400_000)))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminJob {
    pub job: Job,
    pub owner_email: String,
    /// Generation time per step, in milliseconds, for the steps that ran.
    pub step_ms: Vec<(super::Step, i64)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminJobList {
    pub jobs: Vec<AdminJob>,
    pub page: i64,
    pub has_next: bool,
    /// How many jobs match the filters.
    pub total: i64,
}

pub const ADMIN_PAGE_SIZE: i64 = 50;

/// Jobs matching `filter`; a 404 for anyone who is not an admin, as if the page did not exist.
#[server(endpoint = "admin/jobs", input = server_fn::codec::GetUrl)]
pub async fn admin_jobs(#[server(default)] filter: AdminFilter) -> Result<AdminJobList, AppError> {
    crate::error::answered(async move {
        let state = crate::backend::state::app_state()?;
        require_admin(&state).await?;
        super::store::list_all(&state.db, &filter, ADMIN_PAGE_SIZE).await
    })
    .await
}

/// Deletes the selected jobs (admins only); returns how many were deleted.
#[server(endpoint = "admin/jobs/delete")]
pub async fn admin_delete_jobs(#[server(default)] ids: Vec<String>) -> Result<usize, AppError> {
    crate::error::answered(async move {
        let state = crate::backend::state::app_state()?;
        let admin = require_admin(&state).await?;
        if ids.len() > 500 {
            return Err(AppError::invalid("ids", "Select at most 500 jobs at a time."));
        }
        let mut deleted = 0;
        for id in &ids {
            match super::store::delete(&state, &admin, id).await {
                Ok(()) => deleted += 1,
                Err(AppError::NotFound(_)) => {} // already gone
                Err(e) => return Err(e),
            }
        }
        Ok(deleted)
    })
    .await
}

#[cfg(feature = "ssr")]
use crate::accounts::session::require_admin;

#[cfg(test)]
mod tests {
    use super::AdminFilter;

    fn dates(from: &str, to: &str) -> AdminFilter {
        AdminFilter { from: Some(from.into()), to: Some(to.into()), ..AdminFilter::default() }
    }

    #[test]
    fn the_days_are_checked_before_anything_is_asked() {
        assert_eq!(AdminFilter::default().days(), Ok((None, None)));
        assert_eq!(dates("", " ").days(), Ok((None, None)));
        let day = 86_400_000;
        assert_eq!(dates("1970-01-02", "1970-01-02").days(), Ok((Some(day), Some(2 * day))), "one whole day");
        let after = dates("2026-12-05", "2026-12-01").days().unwrap_err();
        assert_eq!(after.field(), Some("to"));
        assert!(after.to_string().contains("From date is after the To date"));
        assert_eq!(dates("yesterday", "").days().unwrap_err().field(), Some("from"));
        assert_eq!(dates("", "2026-02-31").days().unwrap_err().field(), Some("to"));
    }
}
