//! What every request handler and server function can reach.

use super::{config::Config, db::Db, shutdown::Shutdown, signin_limits::SignInLimits, streams::LiveStreams};
use crate::error::AppError;
use crate::jobs::events::EventBus;
use crate::storage::ObjectStore;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    /// Signs messages handed to a page through its URL (`security::sign`).
    #[from_ref(skip)]
    pub signing_key: Arc<str>,
    /// The gate every password hash passes: one per core at a time, a short queue.
    #[from_ref(skip)]
    pub password_checks: Arc<crate::accounts::password::PasswordChecks>,
    /// Sign-in attempts per client address and account, counted before any hashing.
    #[from_ref(skip)]
    pub signin_limits: Arc<SignInLimits>,
    /// Job events as they happen, for the SSE streams of this process.
    pub events: EventBus,
    /// Where jobs' files live.
    pub media: ObjectStore,
    /// Triggered when the process stops, so streams and workers end in time.
    pub shutdown: Shutdown,
    /// Live event streams open per person (`HH_STREAMS_PER_PERSON`).
    #[from_ref(skip)]
    pub live_streams: Arc<LiveStreams>,
    /// The landing page's sample video, once this process has seen it in the store.
    #[from_ref(skip)]
    pub sample: crate::sample::KnownSample,
    /// Who writes scripts (offline, Gemini or an OpenAI-compatible model, as configured): the
    /// studio asks it for another version of a scene.
    #[from_ref(skip)]
    pub writer: video::providers::ScriptWriter,
    /// Counts every paid provider call of this process against the daily budgets
    /// (`crate::quota::DbMeter`); the pipeline's providers and the studio's writer share it.
    #[from_ref(skip)]
    pub meter: video::usage::Meter,
    /// Sends e-mail (password reset links) when `HH_SMTP_URL` is set.
    #[from_ref(skip)]
    pub mailer: Option<super::mail::Mailer>,
}

/// The state inside a server function (leptos_axum provides it as context).
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}
