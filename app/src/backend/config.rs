//! Configuration, 12-factor style: every setting is an environment variable with a default that
//! runs the embedded mode (SQLite and local files under `./data`). README.md lists them all.

use leptos::config::LeptosOptions;
use std::{net::SocketAddr, path::PathBuf, time::Duration};

#[derive(Clone, Debug)]
pub struct Config {
    /// Address the HTTP server binds (`HH_LISTEN`).
    pub listen: SocketAddr,
    /// The URL people use to reach the app (`HH_PUBLIC_URL`); https here makes cookies `Secure`.
    pub public_url: String,
    /// Where the embedded mode keeps its database and media (`HH_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…` (`DATABASE_URL`).
    pub database_url: String,
    /// Needed to register (`HH_ACCESS_CODE`); when unset one is generated and kept in the database.
    pub access_code: Option<String>,
    /// How long a login lasts (`HH_SESSION_DAYS`).
    pub session_ttl: Duration,
    /// An admin account ensured at start (`HH_ADMIN_EMAIL` + `HH_ADMIN_PASSWORD`).
    pub bootstrap_admin: Option<(String, String)>,
    /// Where cargo-leptos wrote the site: WASM, JS, CSS and public files (`LEPTOS_SITE_ROOT`).
    pub site_root: PathBuf,
    /// Where the filesystem object store keeps jobs' files (`HH_MEDIA_DIR`).
    pub media_dir: PathBuf,
    /// Jobs this process runs at once (`HH_WORKERS`); 0 makes a web-only process.
    pub workers: usize,
    /// How long a worker's claim on a job lasts unless renewed (`HH_LEASE_SECONDS`): how soon
    /// another worker takes over the jobs of one that died.
    pub lease: Duration,
    /// Papers a person may submit per hour (`HH_SUBMISSIONS_PER_HOUR`); admins are not limited.
    pub submissions_per_hour: usize,
    /// The largest upload accepted, in bytes (`HH_UPLOAD_LIMIT_MB`).
    pub upload_limit: u64,
    /// NCBI: base URLs (for tests and mirrors), API key and the contact NCBI asks for.
    pub ncbi: NcbiSettings,
    /// Google Gemini for the script and the voice, when `HH_GEMINI_API_KEY` is set.
    pub gemini: Option<OnlineSettings>,
    /// Runway for the scene clips, when `HH_RUNWAY_API_KEY` is set.
    pub runway: Option<OnlineSettings>,
}

/// An online provider: its key (never logged), and optional overrides of its URL and models.
#[derive(Clone, Default)]
pub struct OnlineSettings {
    pub api_key: String,
    /// `HH_GEMINI_URL` / `HH_RUNWAY_URL` (tests point them at local fakes).
    pub url: Option<String>,
    /// `HH_GEMINI_SCRIPT_MODEL` / `HH_RUNWAY_MODEL`.
    pub model: Option<String>,
    /// `HH_GEMINI_TTS_MODEL`.
    pub voice_model: Option<String>,
    /// `HH_GEMINI_VOICE`.
    pub voice: Option<String>,
}

impl std::fmt::Debug for OnlineSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnlineSettings").field("api_key", &"***").field("url", &self.url).field("model", &self.model).finish()
    }
}

/// Where the NCBI client talks to; every URL can point at a local fake.
#[derive(Clone, Debug, Default)]
pub struct NcbiSettings {
    /// `HH_NCBI_EUTILS_URL`
    pub eutils_url: Option<String>,
    /// `HH_NCBI_IDCONV_URL`
    pub idconv_url: Option<String>,
    /// `HH_NCBI_OA_URL`
    pub oa_url: Option<String>,
    /// `HH_NCBI_CLOUD_URL`
    pub cloud_url: Option<String>,
    /// `HH_NCBI_API_KEY` (never logged)
    pub api_key: Option<String>,
    /// `HH_NCBI_EMAIL`
    pub email: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {name} = {value:?} is not valid: {reason}")]
pub struct ConfigError {
    pub name: &'static str,
    pub value: String,
    pub reason: String,
}

/// The whole number in `name` (or `default`), refused with `reason` outside `range`.
fn whole_number(
    lookup: &impl Fn(&str) -> Option<String>,
    name: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
    reason: &str,
) -> Result<u64, ConfigError> {
    let Some(raw) = lookup(name) else { return Ok(default) };
    raw.parse()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| ConfigError { name, value: raw.clone(), reason: reason.into() })
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads settings through `lookup`, so tests can configure an instance without touching the
    /// process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let listen_raw = lookup("HH_LISTEN").unwrap_or_else(|| "127.0.0.1:3000".into());
        let listen: SocketAddr = listen_raw.parse().map_err(|e| ConfigError {
            name: "HH_LISTEN",
            value: listen_raw.clone(),
            reason: format!("{e}; expected host:port such as 127.0.0.1:3000"),
        })?;
        let public_url = lookup("HH_PUBLIC_URL")
            .unwrap_or_else(|| format!("http://{listen}"))
            .trim_end_matches('/')
            .to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                name: "HH_PUBLIC_URL",
                value: public_url,
                reason: "must start with http:// or https://".into(),
            });
        }
        let data_dir = PathBuf::from(lookup("HH_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = lookup("DATABASE_URL").unwrap_or_else(|| {
            format!("sqlite://{}/hidden-hill.db?mode=rwc", data_dir.display())
        });
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(ConfigError {
                name: "DATABASE_URL",
                value: database_url,
                reason: "must be a sqlite:// or postgres:// URL".into(),
            });
        }
        let session_days = whole_number(&lookup, "HH_SESSION_DAYS", 30, 1..=365, "must be a whole number of days from 1 to 365")?;
        let bootstrap_admin = match (lookup("HH_ADMIN_EMAIL"), lookup("HH_ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some((email, password)),
            (None, None) => None,
            _ => {
                return Err(ConfigError {
                    name: "HH_ADMIN_EMAIL",
                    value: String::new(),
                    reason: "HH_ADMIN_EMAIL and HH_ADMIN_PASSWORD must be set together".into(),
                })
            }
        };
        let workers = whole_number(&lookup, "HH_WORKERS", 1, 0..=64, "must be a whole number from 0 (no worker in this process) to 64")?;
        let upload_mb = whole_number(&lookup, "HH_UPLOAD_LIMIT_MB", 50, 1..=2048, "must be a whole number of megabytes from 1 to 2048")?;
        let lease_secs = whole_number(&lookup, "HH_LEASE_SECONDS", 30, 1..=3600, "must be a whole number of seconds from 1 to 3600")?;
        let submissions_per_hour =
            whole_number(&lookup, "HH_SUBMISSIONS_PER_HOUR", 30, 1..=100_000, "must be a whole number from 1 to 100000")?;
        let media_dir = lookup("HH_MEDIA_DIR").map(PathBuf::from).unwrap_or_else(|| data_dir.join("media"));
        Ok(Config {
            listen,
            public_url,
            data_dir,
            database_url,
            access_code: lookup("HH_ACCESS_CODE").map(|c| c.trim().to_owned()),
            session_ttl: Duration::from_secs(session_days * 24 * 3600),
            bootstrap_admin,
            site_root: PathBuf::from(lookup("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into())),
            media_dir,
            workers: workers as usize,
            lease: Duration::from_secs(lease_secs),
            submissions_per_hour: submissions_per_hour as usize,
            upload_limit: upload_mb * 1024 * 1024,
            ncbi: NcbiSettings {
                eutils_url: lookup("HH_NCBI_EUTILS_URL"),
                idconv_url: lookup("HH_NCBI_IDCONV_URL"),
                oa_url: lookup("HH_NCBI_OA_URL"),
                cloud_url: lookup("HH_NCBI_CLOUD_URL"),
                api_key: lookup("HH_NCBI_API_KEY"),
                email: lookup("HH_NCBI_EMAIL"),
            },
            gemini: lookup("HH_GEMINI_API_KEY").map(|api_key| OnlineSettings {
                api_key,
                url: lookup("HH_GEMINI_URL"),
                model: lookup("HH_GEMINI_SCRIPT_MODEL"),
                voice_model: lookup("HH_GEMINI_TTS_MODEL"),
                voice: lookup("HH_GEMINI_VOICE"),
            }),
            runway: lookup("HH_RUNWAY_API_KEY").map(|api_key| OnlineSettings {
                api_key,
                url: lookup("HH_RUNWAY_URL"),
                model: lookup("HH_RUNWAY_MODEL"),
                ..OnlineSettings::default()
            }),
        })
    }

    /// Cookies get `Secure` only when people reach the app over https; over plain http a browser
    /// would silently drop them.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Leptos's own options, built here rather than read from compile-time values so that tests
    /// and production run with the same, explicit settings.
    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name("hidden-hill")
            .site_root(self.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(self.listen)
            .env(leptos::config::Env::PROD)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_run_the_embedded_mode() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url, "sqlite://data/hidden-hill.db?mode=rwc");
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert!(!c.secure_cookies());
        assert_eq!(c.session_ttl.as_secs(), 30 * 24 * 3600);
        assert!(c.access_code.is_none() && c.bootstrap_admin.is_none());
        assert_eq!(c.media_dir, PathBuf::from("data/media"));
        assert_eq!((c.workers, c.upload_limit), (1, 50 * 1024 * 1024));
    }

    #[test]
    fn https_public_url_makes_cookies_secure() {
        let c = config(&[("HH_PUBLIC_URL", "https://hiddenhill.example/")]).unwrap();
        assert!(c.secure_cookies());
        assert_eq!(c.public_url, "https://hiddenhill.example");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = config(&[("HH_LISTEN", "nonsense")]).unwrap_err();
        assert_eq!(err.name, "HH_LISTEN");
        let err = config(&[("DATABASE_URL", "mysql://x")]).unwrap_err();
        assert_eq!(err.name, "DATABASE_URL");
        let err = config(&[("HH_WORKERS", "many")]).unwrap_err();
        assert_eq!(err.name, "HH_WORKERS");
        let err = config(&[("HH_UPLOAD_LIMIT_MB", "0")]).unwrap_err();
        assert_eq!(err.name, "HH_UPLOAD_LIMIT_MB");
        let err = config(&[("HH_SESSION_DAYS", "0")]).unwrap_err();
        assert_eq!(err.name, "HH_SESSION_DAYS");
        let err = config(&[("HH_ADMIN_EMAIL", "a@b.c")]).unwrap_err();
        assert!(err.to_string().contains("HH_ADMIN_PASSWORD"));
    }
}
