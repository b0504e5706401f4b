//! Provider quotas: what the paid providers (Gemini, an OpenAI-compatible LLM, Runway) were asked
//! for today, against the daily budgets the operator set (`HH_GEMINI_DAILY_REQUESTS`,
//! `HH_LLM_DAILY_TOKENS`, `HH_RUNWAY_DAILY_CREDITS`).
//!
//! Every call is counted where it is made (the clients' [`video::usage::Meter`]) into
//! `provider_usage`, one row per day (UTC) and service, by every process alike. A call that would
//! go over a budget is refused with `provider-quota`; the job then waits in the status "quota"
//! until the next day (or the step goes on offline with `HH_QUOTA_FALLBACK=offline`). Two
//! workers admitted at the same moment can each make one more call than the budget leaves:
//! a budget is a brake measured in whole calls, not a bank account.
//!
//! The admin reads the day's figures with [`provider_usage`].

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One paid service's use today, as the admin's usage table shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceUsage {
    /// "gemini", "llm", "runway".
    pub service: String,
    /// "Gemini", "the LLM", "Runway".
    pub label: String,
    /// Whether this server has the service's key (an unconfigured one shows only if it was
    /// used today).
    pub configured: bool,
    pub requests: i64,
    pub tokens: i64,
    pub credits: i64,
    /// Calls that failed (an error answer, or no answer).
    pub failures: i64,
    /// What the budget counts: "requests", "tokens" or "credits".
    pub measure: String,
    /// Today's budget in that measure, if one is set.
    pub budget: Option<i64>,
    /// Used today in that measure.
    pub used: i64,
}

impl ServiceUsage {
    /// The budget is set and used up.
    pub fn spent(&self) -> bool {
        self.budget.is_some_and(|b| self.used >= b)
    }
}

/// Today's use of every paid service.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageToday {
    /// Midnight UTC that began the day counted, in milliseconds.
    pub day_ms: i64,
    /// When the budgets renew (the next midnight UTC).
    pub renews_at_ms: i64,
    pub services: Vec<ServiceUsage>,
    /// Jobs waiting for a budget to renew.
    pub waiting_jobs: i64,
    /// What a job does when a budget is spent: "wait" or "offline".
    pub fallback: String,
}

/// Today's use of the paid providers against their budgets. Admins only (anyone else: 404).
#[server(endpoint = "admin/usage", input = server_fn::codec::GetUrl)]
pub async fn provider_usage() -> Result<UsageToday, AppError> {
    crate::error::answered(async move {
        let state = crate::backend::state::app_state()?;
        crate::accounts::session::require_admin(&state).await?;
        usage_today(&state).await
    })
    .await
}

#[cfg(feature = "ssr")]
pub use server::{usage_today, DbMeter};

#[cfg(feature = "ssr")]
mod server {
    use super::{ServiceUsage, UsageToday};
    use crate::backend::{
        config::QuotaFallback, config::QuotaSettings, db::Db, metrics::metrics, now_ms, state::AppState,
    };
    use crate::error::AppError;
    use crate::jobs::progress::{date_label, duration_label};
    use video::usage::{BoxFuture, CallOutcome, Service, Spend};
    use video::{VideoError, VideoErrorKind};

    const DAY_MS: i64 = 86_400_000;

    /// Days since 1970-01-01 (UTC) at `ms`.
    fn day_of(ms: i64) -> i64 {
        ms.div_euclid(DAY_MS)
    }

    /// The budget of `service`, what it counts and the setting that sets it.
    fn budget_of(quotas: &QuotaSettings, service: Service) -> (Option<u64>, &'static str, &'static str) {
        match service {
            Service::Gemini => (quotas.gemini_requests, "requests", "HH_GEMINI_DAILY_REQUESTS"),
            Service::Llm => (quotas.llm_tokens, "tokens", "HH_LLM_DAILY_TOKENS"),
            Service::Runway => (quotas.runway_credits, "credits", "HH_RUNWAY_DAILY_CREDITS"),
        }
    }

    /// The figure of `spend` a budget of `service` counts.
    fn measured(service: Service, spend: Spend) -> u64 {
        match service {
            Service::Gemini => spend.requests,
            Service::Llm => spend.tokens,
            Service::Runway => spend.credits,
        }
    }

    /// The meter every paid client of this process uses: counts in the database, budgets from
    /// the configuration.
    #[derive(Debug)]
    pub struct DbMeter {
        db: Db,
        quotas: QuotaSettings,
    }

    impl DbMeter {
        pub fn new(db: Db, quotas: QuotaSettings) -> DbMeter {
            DbMeter { db, quotas }
        }
    }

    impl video::usage::UsageMeter for DbMeter {
        fn admit(&self, service: Service, expected: Spend) -> BoxFuture<'_, Result<(), VideoError>> {
            Box::pin(async move {
                let (Some(budget), measure, name) = budget_of(&self.quotas, service) else { return Ok(()) };
                let now = now_ms();
                let used = match store::on_day(&self.db, day_of(now)).await {
                    Ok(rows) => {
                        rows.into_iter().find(|r| r.service == service.as_str()).map_or(Spend::default(), |r| r.spend())
                    }
                    Err(e) => {
                        // The budget is a brake: a database that does not answer now does not stop the call.
                        tracing::warn!(service = service.as_str(), error = %e, "provider usage not readable; the call goes ahead");
                        return Ok(());
                    }
                };
                let (used, next) = (measured(service, used), measured(service, expected));
                if within(used, next, budget) {
                    return Ok(());
                }
                metrics().provider_call(service.as_str(), "refused", Spend::default());
                let renews = (day_of(now) + 1) * DAY_MS;
                let label = service.label();
                let needs = if next > 0 && used < budget {
                    format!(", and the next call needs about {next}")
                } else {
                    String::new()
                };
                Err(VideoError::permanent(
                    VideoErrorKind::ProviderQuota,
                    format!(
                        "{}'s daily budget is spent: {used} of {budget} {measure} used today ({name}){needs}. It renews at {}, in {}.",
                        capitalised(label),
                        date_label(renews),
                        duration_label(renews - now),
                    ),
                )
                .retry_after((renews - now).max(1_000) as u64))
            })
        }

        fn record(&self, service: Service, spent: Spend, outcome: CallOutcome) -> BoxFuture<'_, ()> {
            Box::pin(async move {
                let failed = outcome == CallOutcome::Failed;
                metrics().provider_call(service.as_str(), if failed { "failed" } else { "ok" }, spent);
                if let Err(e) = store::add(&self.db, day_of(now_ms()), service.as_str(), spent, failed).await {
                    tracing::warn!(service = service.as_str(), error = %e, "provider usage not recorded");
                }
            })
        }
    }

    /// Whether a call expected to cost `next` may go when `used` of `budget` is spent today. A
    /// call bigger than the whole budget still goes first thing in the day, or it would wait for
    /// ever.
    fn within(used: u64, next: u64, budget: u64) -> bool {
        used < budget && (used == 0 || used + next <= budget)
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn a_budget_admits_what_fits() {
            use super::within;
            // Requests: one at a time, up to the budget.
            assert!(within(0, 1, 2) && within(1, 1, 2) && !within(2, 1, 2));
            // Tokens are known only afterwards: calls go until the count reaches the budget.
            assert!(within(999, 0, 1000) && !within(1000, 0, 1000) && !within(1200, 0, 1000));
            // Credits: a clip goes only if its expected cost fits in what is left…
            assert!(within(40, 60, 100) && !within(50, 60, 100));
            // …except the day's first, even when it alone is more than the budget.
            assert!(within(0, 250, 100));
        }
    }

    fn capitalised(s: &str) -> String {
        let mut chars = s.chars();
        chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
    }

    /// Today's figures for every service configured or used today.
    pub async fn usage_today(state: &AppState) -> Result<UsageToday, AppError> {
        let now = now_ms();
        let day = day_of(now);
        let rows = store::on_day(&state.db, day).await?;
        let config = &state.config;
        let services = Service::ALL
            .into_iter()
            .filter_map(|service| {
                let row = rows.iter().find(|r| r.service == service.as_str());
                let configured = match service {
                    Service::Gemini => config.gemini.is_some(),
                    Service::Llm => config.llm.is_some(),
                    Service::Runway => config.runway.is_some(),
                };
                if !configured && row.is_none() {
                    return None;
                }
                let spend = row.map_or(Spend::default(), |r| r.spend());
                let (budget, measure, _) = budget_of(&config.quotas, service);
                Some(ServiceUsage {
                    service: service.as_str().to_owned(),
                    label: capitalised(service.label()),
                    configured,
                    requests: spend.requests as i64,
                    tokens: spend.tokens as i64,
                    credits: spend.credits as i64,
                    failures: row.map_or(0, |r| r.failures),
                    measure: measure.to_owned(),
                    budget: budget.map(|b| b as i64),
                    used: measured(service, spend) as i64,
                })
            })
            .collect();
        Ok(UsageToday {
            day_ms: day * DAY_MS,
            renews_at_ms: (day + 1) * DAY_MS,
            services,
            waiting_jobs: store::waiting_jobs(&state.db).await?,
            fallback: match config.quotas.fallback {
                QuotaFallback::Wait => "wait",
                QuotaFallback::Offline => "offline",
            }
            .to_owned(),
        })
    }

    /// `provider_usage` and the jobs waiting for it.
    pub mod store {
        use crate::backend::db::Db;
        use sqlx::Row;
        use video::usage::Spend;

        /// One service's row for one day.
        pub struct UsageRow {
            pub service: String,
            pub requests: i64,
            pub tokens: i64,
            pub credits: i64,
            pub failures: i64,
        }

        impl UsageRow {
            pub fn spend(&self) -> Spend {
                let n = |v: i64| v.max(0) as u64;
                Spend { requests: n(self.requests), tokens: n(self.tokens), credits: n(self.credits) }
            }
        }

        /// Adds one call's cost to `day`'s row of `service` (made if it is the day's first).
        pub async fn add(db: &Db, day: i64, service: &str, spent: Spend, failed: bool) -> Result<(), sqlx::Error> {
            let n = |v: u64| v.min(i64::MAX as u64) as i64;
            sqlx::query(
                "INSERT INTO provider_usage (day, service, requests, tokens, credits, failures) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (day, service) DO UPDATE SET requests = provider_usage.requests + excluded.requests, \
                 tokens = provider_usage.tokens + excluded.tokens, credits = provider_usage.credits + excluded.credits, \
                 failures = provider_usage.failures + excluded.failures",
            )
            .bind(day)
            .bind(service)
            .bind(n(spent.requests))
            .bind(n(spent.tokens))
            .bind(n(spent.credits))
            .bind(i64::from(failed))
            .execute(db.pool())
            .await?;
            Ok(())
        }

        /// Every service's row for `day`.
        pub async fn on_day(db: &Db, day: i64) -> Result<Vec<UsageRow>, sqlx::Error> {
            let rows = sqlx::query(
                "SELECT service, requests, tokens, credits, failures FROM provider_usage WHERE day = $1 ORDER BY service",
            )
            .bind(day)
            .fetch_all(db.pool())
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(UsageRow {
                        service: r.try_get("service")?,
                        requests: r.try_get("requests")?,
                        tokens: r.try_get("tokens")?,
                        credits: r.try_get("credits")?,
                        failures: r.try_get("failures")?,
                    })
                })
                .collect()
        }

        /// Jobs waiting for a provider's budget to renew.
        pub async fn waiting_jobs(db: &Db) -> Result<i64, sqlx::Error> {
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE status = 'quota'").fetch_one(db.pool()).await
        }
    }
}
