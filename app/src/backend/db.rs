//! The database handle. One pool of sqlx's `Any` driver serves SQLite (embedded default) and
//! PostgreSQL (production); queries are plain runtime SQL with `$n` placeholders, which both
//! engines accept. Where the engines must differ (e.g. row locking) the code asks `engine()`.

use sqlx::{any::AnyPoolOptions, AnyPool};
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    engine: Engine,
}

/// The schema, embedded at compile time from `migrations/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

impl Db {
    /// Connects (creating the SQLite file and its folder if needed) without migrating.
    pub async fn connect(url: &str) -> Result<Db, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let engine = if url.starts_with("sqlite:") { Engine::Sqlite } else { Engine::Postgres };
        if engine == Engine::Sqlite {
            if let Some(dir) = sqlite_file(url).and_then(|f| f.parent().map(Path::to_path_buf)) {
                if !dir.as_os_str().is_empty() {
                    std::fs::create_dir_all(&dir).map_err(sqlx::Error::Io)?;
                }
            }
        }
        let pool = AnyPoolOptions::new()
            // SQLite serialises writers anyway; a small pool avoids lock contention.
            .max_connections(if engine == Engine::Sqlite { 4 } else { 10 })
            // sqlx pings every connection before handing it out, a round trip that doubled each
            // query's; a connection used within the last second is known to work, so only one
            // idle for longer is pinged (a dead one is then closed and another one taken).
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= std::time::Duration::from_secs(1) {
                        sqlx::Connection::ping(conn).await?;
                    }
                    Ok(true)
                })
            })
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if engine == Engine::Sqlite {
                        // WAL lets readers proceed while a writer commits.
                        sqlx::query("PRAGMA journal_mode = WAL").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA foreign_keys = ON").execute(&mut *conn).await?;
                        sqlx::query("PRAGMA busy_timeout = 5000").execute(&mut *conn).await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        Ok(Db { pool, engine })
    }

    /// Applies every migration not yet applied.
    pub async fn migrate(&self) -> Result<(), sqlx::migrate::MigrateError> {
        MIGRATOR.run(&self.pool).await
    }

    /// How many of the migrations this build carries are not applied to the database (0 when
    /// its schema is current). Reads sqlx's `_sqlx_migrations` table; a database never migrated
    /// has none applied.
    pub async fn pending_migrations(&self) -> Result<usize, sqlx::Error> {
        use sqlx::Row;
        let applied: Vec<i64> = match sqlx::query("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_all(&self.pool)
            .await
        {
            Ok(rows) => rows.iter().map(|r| r.try_get::<i64, _>("version")).collect::<Result<_, _>>()?,
            // No table yet: nothing applied. Any other error (the database is down) is the caller's.
            Err(sqlx::Error::Database(e)) if e.message().contains("_sqlx_migrations") => Vec::new(),
            Err(e) => return Err(e),
        };
        Ok(MIGRATOR.iter().filter(|m| !applied.contains(&m.version)).count())
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map(|_| ())
    }
}

/// The file path in a `sqlite:` URL, if it names a file.
fn sqlite_file(url: &str) -> Option<&Path> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    (!path.is_empty() && path != ":memory:").then(|| Path::new(path))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::{sqlite_file, Db, MIGRATOR};
    use sqlx::Row;
    use std::path::Path;

    /// The review migration rebuilds `jobs` and `job_events` (SQLite cannot alter a CHECK): a
    /// database made by the migrations before it keeps every job and event, and the log's
    /// foreign key still cascades from the rebuilt jobs table.
    #[tokio::test]
    async fn the_review_migration_keeps_jobs_and_events() {
        let dir = std::env::temp_dir().join(format!("hh-migrate-{}", std::process::id()));
        let url = format!("sqlite://{}/hh.db?mode=rwc", dir.display());
        let db = Db::connect(&url).await.unwrap();
        // Readiness counts what is not applied: everything on a new database.
        assert_eq!(db.pending_migrations().await.unwrap(), MIGRATOR.iter().count());
        let before = sqlx::migrate::Migrator {
            migrations: MIGRATOR.migrations.iter().filter(|m| m.version < 20261205000001).cloned().collect(),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        before.run(db.pool()).await.unwrap();
        assert_eq!(db.pending_migrations().await.unwrap(), MIGRATOR.iter().count() - before.iter().count());
        for sql in [
            "INSERT INTO users (id, email, password_hash, created_at) VALUES ('u', 'a@b.c', 'x', 1)",
            "INSERT INTO jobs (id, user_id, source_kind, source_ref, status, created_at, updated_at, title) \
             VALUES ('j', 'u', 'pmcid', 'PMC1', 'succeeded', 1, 2, 'A title')",
            "INSERT INTO job_events (job_id, seq, kind, percent, message, created_at) VALUES ('j', 1, 'queued', 0, 'Queued', 1)",
            "INSERT INTO job_events (job_id, seq, kind, percent, message, created_at) VALUES ('j', 2, 'succeeded', 100, 'Done', 2)",
        ] {
            sqlx::query(sql).execute(db.pool()).await.unwrap();
        }
        db.migrate().await.unwrap();
        assert_eq!(db.pending_migrations().await.unwrap(), 0);
        let job = sqlx::query("SELECT title, status, reviewed_at FROM jobs WHERE id = 'j'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(job.get::<String, _>("title"), "A title");
        assert_eq!(job.get::<Option<i64>, _>("reviewed_at"), None);
        let events: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_events WHERE job_id = 'j'")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert_eq!(events, 2);
        sqlx::query("UPDATE jobs SET status = 'review' WHERE id = 'j'").execute(db.pool()).await.unwrap();
        assert!(sqlx::query("UPDATE jobs SET status = 'lost' WHERE id = 'j'").execute(db.pool()).await.is_err());
        sqlx::query("DELETE FROM users WHERE id = 'u'").execute(db.pool()).await.unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM job_events").fetch_one(db.pool()).await.unwrap();
        assert_eq!(left, 0, "deleting the person deletes their jobs' events");
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn finds_the_file_in_sqlite_urls() {
        assert_eq!(sqlite_file("sqlite://data/hh.db?mode=rwc"), Some(Path::new("data/hh.db")));
        assert_eq!(sqlite_file("sqlite:///tmp/x.db"), Some(Path::new("/tmp/x.db")));
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }
}
