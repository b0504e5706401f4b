//! What the benches share: the app started in this process on a random loopback port, a person
//! with a session and a job, and a fresh PostgreSQL database for the cross-process figures.
#![allow(dead_code)] // each bench uses its own part

use app::{
    accounts::{store as accounts, Role},
    backend::{config::Config, state::AppState},
    jobs::{store, PaperSource},
};
use server::startup::Application;
use std::{collections::HashMap, net::SocketAddr, path::Path};

/// The settings of a bench app on `database_url`, its files under `dir`, no worker and no
/// sample video, with `extra` settings on top.
pub fn config(database_url: &str, dir: &Path, extra: &[(&str, &str)]) -> Config {
    let mut vars: HashMap<String, String> = HashMap::from([
        ("HH_LISTEN".into(), "127.0.0.1:0".into()),
        ("DATABASE_URL".into(), database_url.into()),
        ("HH_ACCESS_CODE".into(), "bench".into()),
        ("HH_DATA_DIR".into(), dir.display().to_string()),
        ("HH_WORKERS".into(), "0".into()),
        ("HH_SAMPLE_VIDEO".into(), "off".into()),
    ]);
    vars.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    Config::from_lookup(|k| vars.get(k).cloned()).unwrap()
}

/// Builds the app from `config` and serves it in the background.
pub async fn serve(config: Config) -> (SocketAddr, AppState) {
    let app = Application::build(config).await.unwrap();
    let (addr, state) = (app.local_addr(), app.state().clone());
    tokio::spawn(app.run_until(std::future::pending()));
    (addr, state)
}

/// A new person, their session cookie (`hh_session=…`) and one queued job of theirs.
pub async fn person_with_a_job(state: &AppState) -> (String, String) {
    let email = format!("{}@bench.example", uuid::Uuid::new_v4().simple());
    let user = accounts::insert(&state.db, &email, "x", Role::User).await.unwrap();
    let token = app::accounts::session::create(&state.db, &user.id, 3600).await.unwrap();
    let job = store::submit(state, &user, PaperSource::parse("PMC1").unwrap(), Default::default()).await.unwrap();
    (format!("hh_session={token}"), job.id)
}

/// A fresh database on the PostgreSQL server at `HH_BENCH_POSTGRES` (default
/// postgres://postgres@127.0.0.1:5432/postgres), or why there is none (the figure is skipped).
pub async fn postgres_database() -> Result<String, String> {
    let admin =
        std::env::var("HH_BENCH_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let name = format!("hh_test_bench_{}", uuid::Uuid::new_v4().simple());
    let created = async {
        use sqlx::{Connection, Executor};
        let mut conn = sqlx::PgConnection::connect(&admin).await?;
        conn.execute(format!("CREATE DATABASE {name}").as_str()).await?;
        Ok::<_, sqlx::Error>(())
    };
    match created.await {
        Ok(()) => Ok(format!("{}/{name}", admin.rsplit_once('/').unwrap().0)),
        Err(e) => Err(format!("no server at {admin}: {e}")),
    }
}
