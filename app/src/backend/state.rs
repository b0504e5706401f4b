//! What every request handler and server function can reach.

use super::{config::Config, db::Db, shutdown::Shutdown, signin_limits::SignInLimits, streams::LiveStreams};
use crate::error::AppError;
use crate::jobs::events::EventBus;
use crate::storage::ObjectStore;
use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use std::sync::Arc;

/// What every request handler and server function shares: a handle (one reference count to
/// clone), because axum clones the state for every request's extractors and layers, and a
/// request cloned each of its parts several times (a fifth of a status request's CPU).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> AppState {
        AppState(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// leptos_axum's routes and file handler read the site's options from the state.
impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

/// The parts of [`AppState`].
pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    /// Signs messages handed to a page through its URL (`security::sign`).
    pub signing_key: Arc<str>,
    /// The gate every password hash passes: one per core at a time, a short queue.
    pub password_checks: Arc<crate::accounts::password::PasswordChecks>,
    /// Sign-in attempts per client address and account, counted before any hashing.
    pub signin_limits: Arc<SignInLimits>,
    /// Job events as they happen, for the SSE streams of this process.
    pub events: EventBus,
    /// Where jobs' files live.
    pub media: ObjectStore,
    /// Triggered when the process stops, so streams and workers end in time.
    pub shutdown: Shutdown,
    /// Live event streams open per person (`HH_STREAMS_PER_PERSON`).
    pub live_streams: Arc<LiveStreams>,
    /// The landing page's sample video, once this process has seen it in the store.
    pub sample: crate::sample::KnownSample,
    /// Who writes scripts (offline, Gemini or an OpenAI-compatible model, as configured): the
    /// studio asks it for another version of a scene.
    pub writer: video::providers::ScriptWriter,
    /// Counts every paid provider call of this process against the daily budgets
    /// (`crate::quota::DbMeter`); the pipeline's providers and the studio's writer share it.
    pub meter: video::usage::Meter,
    /// Sends e-mail (password reset links) when `HH_SMTP_URL` is set.
    pub mailer: Option<super::mail::Mailer>,
}

/// The state inside a server function (leptos_axum provides it as context).
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}
