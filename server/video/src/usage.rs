//! What paid providers are asked for, counted where the call is made: every Gemini, LLM
//! (OpenAI-compatible) and Runway request goes through a [`UsageMeter`] when the client has one.
//! The meter may refuse a call before it is made (a daily budget is spent) and is told what the
//! call cost afterwards. The server's meter keeps the counts per day in its database
//! (`app::quota`); `hidden-hill render` and the tests of this crate run without one.

use crate::VideoError;
use std::{future::Future, pin::Pin, sync::Arc};

/// A boxed future that can be sent between threads (what [`UsageMeter`]'s methods return).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A paid service, as budgets and the admin's usage table name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Service {
    /// Google Gemini: scripts and voices (budget: requests a day).
    Gemini,
    /// An OpenAI-compatible chat-completions server: scripts (budget: tokens a day).
    Llm,
    /// Runway: scene clips (budget: credits a day; 1 credit = $0.01).
    Runway,
}

impl Service {
    pub const ALL: [Service; 3] = [Service::Gemini, Service::Llm, Service::Runway];

    /// "gemini", "llm", "runway": the database's and the metrics' name.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Gemini => "gemini",
            Service::Llm => "llm",
            Service::Runway => "runway",
        }
    }

    /// "Gemini", "the LLM", "Runway": for sentences a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Service::Gemini => "Gemini",
            Service::Llm => "the LLM",
            Service::Runway => "Runway",
        }
    }
}

/// What one call cost: requests made, tokens used (prompt and answer), credits charged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Spend {
    pub requests: u64,
    pub tokens: u64,
    pub credits: u64,
}

impl Spend {
    /// One request and nothing else known yet.
    pub const ONE_REQUEST: Spend = Spend { requests: 1, tokens: 0, credits: 0 };
}

/// How a call ended, for the error counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallOutcome {
    Ok,
    /// The provider answered with an error or did not answer.
    Failed,
}

/// Counts the calls of a running process's clients and keeps them within their budgets.
pub trait UsageMeter: Send + Sync + std::fmt::Debug {
    /// Before a call that will cost about `expected` (tokens are not known beforehand, so they
    /// count only once spent): `Err` of kind `provider-quota` when the service's budget for today
    /// is spent, with `retry_after_ms` until it renews. A meter that cannot read its counts lets
    /// the call go (a budget is a brake, not a reason to fail a job).
    fn admit(&self, service: Service, expected: Spend) -> BoxFuture<'_, Result<(), VideoError>>;
    /// After a call, whatever its outcome: what it cost.
    fn record(&self, service: Service, spent: Spend, outcome: CallOutcome) -> BoxFuture<'_, ()>;
}

/// A client's meter, if it has one: a cheap clone, and nothing happens without one.
#[derive(Clone, Debug, Default)]
pub struct Meter(Option<Arc<dyn UsageMeter>>);

impl Meter {
    pub fn new(meter: Arc<dyn UsageMeter>) -> Meter {
        Meter(Some(meter))
    }

    /// Makes one call to `service` under the meter: admitted first for about `expected` (an
    /// `Err` of kind `provider-quota` when today's budget is spent, and the call is not made),
    /// then counted whatever its outcome: what `spent` reads off a success, one request for a
    /// failure.
    pub async fn call<T, E: From<VideoError>>(
        &self,
        service: Service,
        expected: Spend,
        call: impl Future<Output = Result<T, E>>,
        spent: impl FnOnce(&T) -> Spend,
    ) -> Result<T, E> {
        let Some(meter) = &self.0 else { return call.await };
        meter.admit(service, expected).await?;
        let answer = call.await;
        let (cost, outcome) = match &answer {
            Ok(value) => (spent(value), CallOutcome::Ok),
            Err(_) => (Spend::ONE_REQUEST, CallOutcome::Failed),
        };
        meter.record(service, cost, outcome).await;
        answer
    }
}
