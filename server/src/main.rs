//! `hidden-hill`: the one binary. `serve` (the default) runs the web app with its workers (and
//! makes the landing page's sample video at its first start, `server::sample`);
//! `worker` runs only workers; `render` makes one video on the command line with no database;
//! `migrate`, `create-admin` and `orphans` are for operators.

use anyhow::Context;
use app::backend::config::{Config, ExposeSecret, LogFormat};
use clap::{Parser, Subcommand};
use server::startup::{self, Application};
use std::io::{BufRead, IsTerminal};
use tracing_subscriber::{layer::SubscriberExt, util::SubscriberInitExt};

/// mimalloc gives freed memory back to the system; glibc's malloc kept the peaks of sign-in
/// bursts (each password hash holds 19 MiB) for the life of the process.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "hidden-hill", version, about = "Turn a scientific paper into a short vertical video.")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web application (the default).
    Serve,
    /// Run jobs only (no web server), `HH_WORKERS` at a time (at least one).
    Worker,
    /// Make one video from a paper file (PDF, DOCX, JATS XML, text) or an identifier, with no
    /// database and no web server: the workers' steps and providers (same configuration), with
    /// the job's files in a work folder.
    Render {
        /// A file path, or a PMCID, PMID, DOI or link; leave it out to resume `--work-dir`.
        paper: Option<String>,
        /// Where to write the MP4 (captions and thumbnail go beside it).
        #[arg(short, long, default_value = "video.mp4")]
        output: std::path::PathBuf,
        /// Keep every artifact (paper.json, script.json, audio, clips, captions, final.mp4) in
        /// this folder; run again on it to resume, e.g. after editing script.json.
        #[arg(long)]
        work_dir: Option<std::path::PathBuf>,
        /// One line per step instead of a progress bar.
        #[arg(short, long)]
        quiet: bool,
        /// The visual style: dark, paper or bold (a new script only; else edit script.json).
        #[arg(long, default_value = "dark")]
        style: String,
        /// The video's length in seconds: 30, 60 or 90 (a new script only).
        #[arg(long, default_value = "60")]
        length: String,
        /// The narration's pace: slower, normal or faster (a new script only).
        #[arg(long, default_value = "normal")]
        pace: String,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// List job folders in the object store that no job owns; `--delete` removes them.
    Orphans {
        #[arg(long)]
        delete: bool,
    },
    /// Print a one-time link that lets the account with this e-mail address choose a new
    /// password (30 minutes; for servers without HH_SMTP_URL, or a person without their mail).
    ResetLink {
        /// The account's email address.
        email: String,
    },
    /// Create an admin account, or make an existing account an admin. The password is read
    /// from standard input (one line) or asked for at the terminal.
    CreateAdmin {
        /// The admin's email address.
        email: String,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    // Errors and panics go to Sentry when HH_SENTRY_DSN is set: an `error!` becomes an event
    // (with the request or step span it happened in), a `warn!` a breadcrumb of the next one.
    // Started before the runtime, as the Sentry client asks; flushed when the guard drops.
    let _sentry = config.sentry_dsn.as_ref().map(|dsn| {
        // No addresses, cookies or e-mail addresses leave the server.
        let mut options = sentry::ClientOptions::new().send_default_pii(false);
        options.release = sentry::release_name!();
        sentry::init((dsn.expose_secret(), options))
    });
    // `RUST_LOG` chooses what is logged; the request log (one line per answer, with its id and
    // route) is tower_http's, at info.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=warn,tower_http::trace::on_response=info".into());
    let (errors, breadcrumbs) = match _sentry {
        Some(_) => {
            use sentry::integrations::tracing::{BreadcrumbLayer, ErrorLayer};
            use tracing_subscriber::{filter::LevelFilter, Layer};
            (
                Some(ErrorLayer::new().enable_span_attributes().with_filter(LevelFilter::ERROR)),
                Some(BreadcrumbLayer::new().with_filter(LevelFilter::WARN)),
            )
        }
        None => (None, None),
    };
    let logs = tracing_subscriber::registry().with(filter).with(errors).with(breadcrumbs);
    match config.log_format {
        LogFormat::Text => logs.with(tracing_subscriber::fmt::layer()).init(),
        // One object per line, with the fields of every span it is in (request id, job, step).
        LogFormat::Json => logs.with(tracing_subscriber::fmt::layer().json().flatten_event(true)).init(),
    }
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(cli, config))
}

async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Worker => worker(config).await,
        Command::Render { paper, output, work_dir, quiet, style, length, pace } => {
            let options = app::jobs::JobOptions::from_fields(Some(&style), Some(&length), Some(&pace), None)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            server::render::run(&config, server::render::RenderRequest { paper, output, work_dir, quiet, options })
                .await
        }
        Command::Orphans { delete } => {
            let state = startup::build_state(config).await?;
            let orphans = server::admin::orphans(&state, delete).await?;
            for id in &orphans {
                println!("jobs/{id}/");
            }
            let scratch = server::admin::scratch_orphans(&state, delete).await?;
            for path in &scratch {
                println!("{}", path.display());
            }
            let verb = if delete { "removed" } else { "found (run with --delete to remove them)" };
            println!("{} orphaned job folder(s) and {} scratch folder(s) {verb}.", orphans.len(), scratch.len());
            Ok(())
        }
        Command::Migrate => {
            startup::open_database(&config).await?;
            println!("Database {} is up to date.", startup::redact(config.database_url.expose_secret()));
            Ok(())
        }
        Command::ResetLink { email } => {
            let db = startup::open_database(&config).await?;
            let key = email.trim().to_lowercase();
            let Some((user, _)) = app::accounts::store::find_with_hash(&db, &key).await? else {
                anyhow::bail!("No account uses {key}. (hidden-hill create-admin makes an admin account.)");
            };
            let token = app::accounts::reset::store::issue(&db, &user.id).await?;
            println!("{}", app::accounts::reset::store::link(&config.public_url, &token));
            eprintln!(
                "Give this link to {} only. It works once, for {} minutes, and logs out every device of the account.",
                user.email,
                app::accounts::reset::RESET_MINUTES
            );
            Ok(())
        }
        Command::CreateAdmin { email } => {
            let password = read_password()?;
            let db = startup::open_database(&config).await?;
            let admin = server::admin::ensure_admin(&db, &email, &password).await?;
            println!("{} is an admin. Log in at {}/login", admin.email, config.public_url);
            Ok(())
        }
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let public_url = config.public_url.clone();
    let code_from_env = config.access_code.is_some();
    let app = Application::build(config).await?;
    if code_from_env {
        tracing::info!("registration needs the access code set in HH_ACCESS_CODE");
    } else {
        let code = app::backend::settings::access_code(&app.state().db, &app.state().config).await?;
        tracing::info!(access_code = %code, "registration needs this access code (set HH_ACCESS_CODE to choose your own, or make a new one on the admin's People page)");
    }
    tracing::info!("Hidden Hill is running at {public_url} (listening on {})", app.local_addr());
    app.run_until(shutdown_signal()).await
}

async fn worker(mut config: Config) -> anyhow::Result<()> {
    config.workers = config.workers.max(1);
    let state = startup::build_state(config).await?;
    startup::sweep_scratch(&state).await;
    let running = server::worker::start(&state).expect("at least one worker");
    server::worker::start_housekeeping(&state);
    shutdown_signal().await;
    state.shutdown.trigger();
    running.await?;
    Ok(())
}

fn read_password() -> anyhow::Result<String> {
    let password = if std::io::stdin().is_terminal() {
        rpassword::prompt_password("Password for the admin: ")?
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("could not read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    };
    anyhow::ensure!(!password.is_empty(), "no password given: pipe it on standard input or type it at the prompt");
    Ok(password)
}

/// Ctrl-C or SIGTERM (what `docker stop` and systemd send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down: finishing requests in flight");
}
