//! Start-up: connect and migrate the database, resolve the access code, ensure the bootstrap
//! admin, bind the listener. Tests build an `Application` on port 0 exactly as `serve` does.

use crate::router::router;
use anyhow::Context;
use app::backend::config::ExposeSecret;
use app::{
    backend::{
        config::Config,
        db::{Db, Engine},
        settings,
        shutdown::Shutdown,
        signin_limits::SignInLimits,
        state::AppState,
        streams::LiveStreams,
    },
    jobs::events::EventBus,
};
use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};
use tokio::net::TcpListener;

/// Opens the database named by the configuration and brings its schema up to date.
pub async fn open_database(config: &Config) -> anyhow::Result<Db> {
    let url = config.database_url.expose_secret();
    let db = Db::connect(url).await.with_context(|| format!("could not open the database at {}", redact(url)))?;
    db.migrate().await.context("could not apply the database migrations")?;
    Ok(db)
}

/// Everything request handlers need, ready to serve.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    let db = open_database(&config).await?;
    // Made (and kept) at the first start when HH_ACCESS_CODE does not set it.
    settings::access_code(&db, &config).await?;
    if let Some((email, password)) = &config.bootstrap_admin {
        crate::admin::ensure_admin(&db, email, password.expose_secret())
            .await
            .context("HH_ADMIN_EMAIL/HH_ADMIN_PASSWORD: could not create the admin")?;
    }
    let signing_key = settings::signing_key(&db).await?;
    let events = EventBus::new();
    let shutdown = Shutdown::new();
    if db.engine() == Engine::Postgres {
        // Workers in other processes report through PostgreSQL; relay their events here.
        let url = config.database_url.expose_secret().to_owned();
        tokio::spawn(app::jobs::events::listen(url, events.clone(), shutdown.clone()));
    }
    let media = app::storage::ObjectStore::from_config(&config);
    tracing::info!(store = %media.describe(), "object store");
    // Say at once when the store cannot be used (wrong key, missing bucket, nothing listening)
    // rather than at the first upload; the app starts anyway, as jobs wait for the store.
    let probe = media.clone();
    tokio::spawn(async move {
        if let Err(e) = probe.ping().await {
            tracing::error!(store = %probe.describe(), error = %e, "the object store does not answer; uploads and jobs will wait for it");
        }
    });
    let signin_limits = Arc::new(SignInLimits::new(config.signin_attempts_per_client));
    let live_streams = LiveStreams::new(config.streams_per_person);
    // Every paid call of this process is counted in the database against the daily budgets.
    let meter = video::usage::Meter::new(Arc::new(app::quota::DbMeter::new(db.clone(), config.quotas.clone())));
    // The studio's "Try another sentence" asks the same writer the pipeline uses.
    let writer = crate::pipeline::steps::Providers::from_config(&config, meter.clone()).writer;
    let mailer = config.mail.as_ref().map(app::backend::mail::Mailer::new).transpose().map_err(anyhow::Error::msg)?;
    Ok(AppState::new(app::backend::state::Shared {
        leptos_options: config.leptos_options(),
        db,
        config: Arc::new(config),
        signing_key: signing_key.into(),
        signin_limits,
        password_checks: Default::default(),
        events,
        media,
        shutdown,
        live_streams,
        sample: Default::default(),
        writer,
        meter,
        mailer,
    }))
}

pub struct Application {
    listener: TcpListener,
    /// `HH_METRICS_LISTEN`'s listener, when set: `/metrics` alone, without a token.
    metrics_listener: Option<TcpListener>,
    state: AppState,
}

impl Application {
    /// Prepares the state and binds `config.listen` (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let listen = config.listen;
        let state = build_state(config).await?;
        sweep_scratch(&state).await;
        let listener = TcpListener::bind(listen).await.with_context(|| format!("could not listen on {listen}"))?;
        let metrics_listener = match state.config.metrics_listen {
            Some(address) => Some(
                TcpListener::bind(address)
                    .await
                    .with_context(|| format!("HH_METRICS_LISTEN: could not listen on {address}"))?,
            ),
            None => None,
        };
        Ok(Application { listener, metrics_listener, state })
    }

    /// The address `/metrics` is served on without a token, when `HH_METRICS_LISTEN` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener.as_ref().and_then(|l| l.local_addr().ok())
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then finishes the requests in flight.
    /// Open SSE streams are told to end first, so the drain does not wait on them.
    /// Connections are limited and timed as `crate::serve` describes.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let stopping = self.state.shutdown.clone();
        let limits = crate::serve::Limits {
            header_timeout: self.state.config.header_timeout,
            max_connections: self.state.config.max_connections,
            per_client: self
                .state
                .config
                .client_ip_header
                .is_none()
                .then_some(self.state.config.connections_per_client),
            write_timeout: self.state.config.write_timeout,
        };
        let worker = crate::worker::start(&self.state);
        crate::worker::start_housekeeping(&self.state);
        let sample = crate::sample::start(&self.state);
        if let Some(listener) = self.metrics_listener {
            let metrics = crate::router::metrics_router(self.state.clone());
            let stop = self.state.shutdown.wait();
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, metrics).with_graceful_shutdown(stop).await {
                    tracing::error!(error = %e, "the metrics listener stopped");
                }
            });
        }
        let app = router(self.state);
        let served = crate::serve::serve(self.listener, app, limits, async move {
            shutdown.await;
            stopping.trigger();
        })
        .await
        .context("the HTTP server stopped with an error");
        if let Some(worker) = worker {
            // Jobs in hand go back to the queue at their next checkpoint.
            let _ = worker.await;
        }
        if let Some(sample) = sample {
            // It stops at its next checkpoint too, and removes its work folder.
            let _ = tokio::time::timeout(Duration::from_secs(30), sample).await;
        }
        served
    }
}

/// Removes the scratch folders no run is using, before this process's worker starts: a run
/// killed with its process leaves one behind. A failure is logged, never fatal.
pub async fn sweep_scratch(state: &AppState) {
    let root = crate::pipeline::scratch::root(&state.config);
    if let Err(e) = crate::pipeline::scratch::sweep(state, &root).await {
        tracing::warn!(root = %root.display(), error = %e, "could not sweep the scratch folders");
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{}{}:***{}", &url[..scheme + 3], user, &url[at..])
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords_from_database_urls() {
        assert_eq!(super::redact("postgres://hh:s3cret@db:5432/hh"), "postgres://hh:***@db:5432/hh");
        assert_eq!(super::redact("sqlite://data/hh.db"), "sqlite://data/hh.db");
    }
}
