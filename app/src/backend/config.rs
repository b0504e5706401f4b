//! Configuration, 12-factor style: every setting is an environment variable with a default that
//! runs the embedded mode (SQLite and local files under `./data`). README.md lists them all.
//! Passwords, keys and URLs that may hold a password are [`SecretString`]s: their `Debug` prints
//! `[REDACTED]`, so no log line or panic message can show one (the one redaction rule).

use leptos::config::LeptosOptions;
pub use secrecy::{ExposeSecret, SecretString};
use std::{net::SocketAddr, path::PathBuf, time::Duration};

#[derive(Clone, Debug)]
pub struct Config {
    /// Address the HTTP server binds (`HH_LISTEN`).
    pub listen: SocketAddr,
    /// The URL people use to reach the app (`HH_PUBLIC_URL`); https here makes cookies `Secure`.
    pub public_url: String,
    /// Where the embedded mode keeps its database and media (`HH_DATA_DIR`).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…` (`DATABASE_URL`); may hold a password.
    pub database_url: SecretString,
    /// Needed to register (`HH_ACCESS_CODE`); when unset one is generated and kept in the database.
    pub access_code: Option<SecretString>,
    /// How long a login lasts (`HH_SESSION_DAYS`).
    pub session_ttl: Duration,
    /// How long a script may wait for its owner's review, untouched, before its job is cancelled
    /// (`HH_REVIEW_DAYS`, 7).
    pub review_expiry: Duration,
    /// An admin account ensured at start (`HH_ADMIN_EMAIL` + `HH_ADMIN_PASSWORD`).
    pub bootstrap_admin: Option<(String, SecretString)>,
    /// Where `scripts/build-site` (or `cargo leptos`) wrote the site: WASM, JS, CSS and public
    /// files (`LEPTOS_SITE_ROOT`).
    pub site_root: PathBuf,
    /// Whether the bundle's names carry content hashes: `LEPTOS_HASH_FILES` when set (cargo-leptos
    /// always sets it), else whether the site folder holds `hash.txt`.
    pub hashed_bundle: Option<bool>,
    /// Where the filesystem object store keeps jobs' files (`HH_MEDIA_DIR`).
    pub media_dir: PathBuf,
    /// The S3 bucket that replaces `media_dir` when `HH_S3_BUCKET` is set.
    pub s3: Option<S3Settings>,
    /// How videos reach the browser (`HH_MEDIA_DELIVERY`).
    pub media_delivery: MediaDelivery,
    /// Jobs this process runs at once (`HH_WORKERS`); 0 makes a web-only process.
    pub workers: usize,
    /// How long a worker's claim on a job lasts unless renewed (`HH_LEASE_SECONDS`): how soon
    /// another worker takes over the jobs of one that died.
    pub lease: Duration,
    /// Papers a person may submit per hour (`HH_SUBMISSIONS_PER_HOUR`); admins are not limited.
    pub submissions_per_hour: usize,
    /// Sign-in attempts (log-ins, registrations, password checks) one client address may make
    /// in an hour (`HH_SIGNIN_ATTEMPTS_PER_CLIENT`, default 120); see `signin_limits`.
    pub signin_attempts_per_client: u32,
    /// The header a trusted reverse proxy puts the client's address in
    /// (`HH_CLIENT_IP_HEADER`, e.g. `x-forwarded-for`); unset: the TCP peer is the client.
    pub client_ip_header: Option<String>,
    /// The largest upload accepted, in bytes (`HH_UPLOAD_LIMIT_MB`).
    pub upload_limit: u64,
    /// How long a connection may take to send a request head, and how long a kept-alive
    /// connection may sit idle before its next one (`HH_HEADER_TIMEOUT_SECS`); then it is closed.
    pub header_timeout: Duration,
    /// Request bodies (`HH_BODY_TIMEOUT_SECS`): a form or JSON body must arrive whole within this
    /// time; an upload may take as long as it needs but may not pause longer than this. Either
    /// is answered 408 and the connection closed.
    pub body_timeout: Duration,
    /// Connections served at once (`HH_MAX_CONNECTIONS`); more wait in the listen queue until one
    /// closes. Keep it below the process's open-file limit (`ulimit -n`).
    pub max_connections: usize,
    /// Connections one client address may hold at once (`HH_CONNECTIONS_PER_CLIENT`, default
    /// 100); not applied when `HH_CLIENT_IP_HEADER` says a proxy is in front.
    pub connections_per_client: usize,
    /// How long a write of an answer may wait for the client to read (`HH_WRITE_TIMEOUT_SECS`,
    /// default 60) before the connection is closed.
    pub write_timeout: Duration,
    /// Live event streams (status pages, My videos) one person may hold open at once
    /// (`HH_STREAMS_PER_PERSON`); the next is refused with 429.
    pub streams_per_person: usize,
    /// Free space, in bytes, below which the local disk counts as full for `/health`
    /// (`HH_MIN_FREE_DISK_MB`; 0 checks only that writes succeed).
    pub min_free_disk: u64,
    /// NCBI: base URLs (for tests and mirrors), API key and the contact NCBI asks for.
    pub ncbi: NcbiSettings,
    /// Google Gemini for the script and the voice, when `HH_GEMINI_API_KEY` is set.
    pub gemini: Option<OnlineSettings>,
    /// Runway for the scene clips, when `HH_RUNWAY_API_KEY` is set.
    pub runway: Option<OnlineSettings>,
    /// Any OpenAI-compatible chat-completions server writes the script, when `HH_LLM_URL` and
    /// `HH_LLM_MODEL` are set (it takes precedence over Gemini for the script).
    pub llm: Option<LlmSettings>,
    /// Whether `serve` makes the landing page's sample video when the object store has none
    /// (`HH_SAMPLE_VIDEO`, on by default; `off` disables it).
    pub sample_video: bool,
    /// How log lines are written (`HH_LOG_FORMAT`: `text`, the default, or `json`, one object
    /// per line for a log collector).
    pub log_format: LogFormat,
    /// The bearer token `/metrics` asks for on the app's own address (`HH_METRICS_TOKEN`, at
    /// least 16 characters; never logged). Unset: `/metrics` is not served there (404).
    pub metrics_token: Option<SecretString>,
    /// A second address that serves `/metrics` alone, without a token (`HH_METRICS_LISTEN`,
    /// e.g. `127.0.0.1:9100`, for a Prometheus on the same host or network).
    pub metrics_listen: Option<SocketAddr>,
    /// Where e-mail goes out, when set: password reset links.
    pub mail: Option<MailSettings>,
    /// Where errors and panics are reported (`HH_SENTRY_DSN`, a Sentry or compatible DSN such as
    /// `https://<key>@o1.ingest.sentry.io/2`; never logged). Unset: nowhere but the log.
    pub sentry_dsn: Option<SecretString>,
    /// `HH_REQUIRE_VERIFIED_EMAIL` (off by default; needs SMTP): a new account logs in only
    /// once its address is confirmed by the link mailed at sign-up.
    pub require_verified_email: bool,
    /// Daily budgets of the paid providers, and what a job does when one is spent.
    pub quotas: QuotaSettings,
}

/// How much of each paid provider one day (UTC) may use; `None` is no budget. The counts are
/// kept in the database (`provider_usage`), so every process shares them.
#[derive(Clone, Debug, Default)]
pub struct QuotaSettings {
    /// `HH_GEMINI_DAILY_REQUESTS`: Gemini requests (scripts and voices) a day.
    pub gemini_requests: Option<u64>,
    /// `HH_LLM_DAILY_TOKENS`: the OpenAI-compatible server's tokens (prompt and answer) a day.
    pub llm_tokens: Option<u64>,
    /// `HH_RUNWAY_DAILY_CREDITS`: Runway credits a day (1 credit = $0.01).
    pub runway_credits: Option<u64>,
    /// `HH_QUOTA_FALLBACK`: `wait` (the default: the job waits, visibly, until the budget
    /// renews) or `offline` (the step goes on with the offline provider).
    pub fallback: QuotaFallback,
}

/// What a job does when a provider's daily budget is spent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QuotaFallback {
    #[default]
    Wait,
    Offline,
}

/// An SMTP server that sends the app's e-mail.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// `HH_SMTP_URL`: `smtps://user:pass@host:465` (TLS), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), or `smtp://host:port` (plain, for a relay on the same host or tests). Holds the
    /// password: never logged.
    pub url: SecretString,
    /// `HH_MAIL_FROM`: the sender, `Hidden Hill <no-reply@example.org>` or a bare address.
    pub from: String,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (the default).
    Text,
    /// One JSON object per line, with the span's fields (request id, job, step, attempt).
    Json,
}

/// An OpenAI-compatible server (OpenAI, OpenRouter, vLLM, llama.cpp, Ollama).
#[derive(Clone, Debug)]
pub struct LlmSettings {
    /// `HH_LLM_URL`: the API root with its version path, e.g. `http://localhost:11434/v1`.
    pub url: String,
    /// `HH_LLM_MODEL`: the model id as that server names it.
    pub model: String,
    /// `HH_LLM_API_KEY`: sent as a bearer token; optional for local servers (never logged).
    pub api_key: Option<SecretString>,
}

/// An online provider: its key (never logged), and optional overrides of its URL and models.
#[derive(Clone, Debug, Default)]
pub struct OnlineSettings {
    pub api_key: SecretString,
    /// `HH_GEMINI_URL` / `HH_RUNWAY_URL` (tests point them at local fakes).
    pub url: Option<String>,
    /// `HH_GEMINI_SCRIPT_MODEL` / `HH_RUNWAY_MODEL`.
    pub model: Option<String>,
    /// `HH_GEMINI_TTS_MODEL`.
    pub voice_model: Option<String>,
    /// `HH_GEMINI_VOICE`.
    pub voice: Option<String>,
}

/// An S3-compatible bucket (AWS S3, Garage, MinIO, R2).
#[derive(Clone, Debug)]
pub struct S3Settings {
    /// `HH_S3_BUCKET`
    pub bucket: String,
    /// `HH_S3_ENDPOINT`, e.g. `http://127.0.0.1:3900` for Garage; unset means AWS itself.
    pub endpoint: Option<String>,
    /// `HH_S3_REGION` (Garage's default is `garage`).
    pub region: String,
    /// `HH_S3_ACCESS_KEY_ID`
    pub access_key_id: String,
    /// `HH_S3_SECRET_ACCESS_KEY` (never logged)
    pub secret_access_key: SecretString,
    /// `HH_S3_PATH_STYLE`: `bucket` in the path rather than the host name. On by default with a
    /// custom endpoint, as Garage and MinIO expect.
    pub path_style: bool,
    /// `HH_S3_PRESIGN_SECONDS`: how long a presigned video URL works.
    pub presign_ttl: Duration,
}

/// How `/videos/{id}` hands over a video.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaDelivery {
    /// The app streams the bytes (and Range requests) itself: works everywhere.
    Proxy,
    /// The app checks who is asking, then redirects to a short-lived presigned URL, so the
    /// bytes go from the store to the browser directly. S3 only; the endpoint must be reachable
    /// by browsers.
    Redirect,
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
    pub api_key: Option<SecretString>,
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
    raw.parse().ok().filter(|n| range.contains(n)).ok_or_else(|| ConfigError {
        name,
        value: raw.clone(),
        reason: reason.into(),
    })
}

/// An on/off setting: on, true, 1, yes / off, false, 0, no; `default` when unset.
fn switch(lookup: &impl Fn(&str) -> Option<String>, name: &'static str, default: bool) -> Result<bool, ConfigError> {
    match lookup(name).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None => Ok(default),
        Some("on" | "true" | "1" | "yes") => Ok(true),
        Some("off" | "false" | "0" | "no") => Ok(false),
        Some(other) => Err(ConfigError { name, value: other.into(), reason: "must be on or off".into() }),
    }
}

/// The S3 settings, when `HH_S3_BUCKET` is set; the keys must come with it.
fn s3_settings(lookup: &impl Fn(&str) -> Option<String>) -> Result<Option<S3Settings>, ConfigError> {
    let Some(bucket) = lookup("HH_S3_BUCKET") else { return Ok(None) };
    let required = |name: &'static str| {
        lookup(name).ok_or_else(|| ConfigError {
            name,
            value: String::new(),
            reason: "must be set when HH_S3_BUCKET is".into(),
        })
    };
    let endpoint = lookup("HH_S3_ENDPOINT").map(|e| e.trim_end_matches('/').to_owned());
    if let Some(endpoint) = &endpoint {
        if !(endpoint.starts_with("http://") || endpoint.starts_with("https://")) {
            return Err(ConfigError {
                name: "HH_S3_ENDPOINT",
                value: endpoint.clone(),
                reason: "must be an http:// or https:// URL such as http://127.0.0.1:3900".into(),
            });
        }
    }
    let path_style = match lookup("HH_S3_PATH_STYLE").as_deref() {
        None => endpoint.is_some(),
        Some("true" | "1" | "yes") => true,
        Some("false" | "0" | "no") => false,
        Some(other) => {
            return Err(ConfigError {
                name: "HH_S3_PATH_STYLE",
                value: other.into(),
                reason: "must be true or false".into(),
            })
        }
    };
    let presign_secs = whole_number(
        lookup,
        "HH_S3_PRESIGN_SECONDS",
        300,
        1..=604_800,
        "must be a whole number of seconds from 1 to 604800 (7 days, S3's limit)",
    )?;
    Ok(Some(S3Settings {
        bucket,
        endpoint,
        region: lookup("HH_S3_REGION").unwrap_or_else(|| "us-east-1".into()),
        access_key_id: required("HH_S3_ACCESS_KEY_ID")?,
        secret_access_key: required("HH_S3_SECRET_ACCESS_KEY")?.into(),
        path_style,
        presign_ttl: Duration::from_secs(presign_secs),
    }))
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
        let public_url =
            lookup("HH_PUBLIC_URL").unwrap_or_else(|| format!("http://{listen}")).trim_end_matches('/').to_owned();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError {
                name: "HH_PUBLIC_URL",
                value: public_url,
                reason: "must start with http:// or https://".into(),
            });
        }
        let data_dir = PathBuf::from(lookup("HH_DATA_DIR").unwrap_or_else(|| "data".into()));
        let database_url = lookup("DATABASE_URL")
            .unwrap_or_else(|| format!("sqlite://{}/hidden-hill.db?mode=rwc", data_dir.display()));
        if !(database_url.starts_with("sqlite:") || database_url.starts_with("postgres")) {
            return Err(ConfigError {
                name: "DATABASE_URL",
                value: database_url,
                reason: "must be a sqlite:// or postgres:// URL".into(),
            });
        }
        let session_days =
            whole_number(&lookup, "HH_SESSION_DAYS", 30, 1..=365, "must be a whole number of days from 1 to 365")?;
        let review_days =
            whole_number(&lookup, "HH_REVIEW_DAYS", 7, 1..=365, "must be a whole number of days from 1 to 365")?;
        let bootstrap_admin = match (lookup("HH_ADMIN_EMAIL"), lookup("HH_ADMIN_PASSWORD")) {
            (Some(email), Some(password)) => Some((email, SecretString::from(password))),
            (None, None) => None,
            _ => {
                return Err(ConfigError {
                    name: "HH_ADMIN_EMAIL",
                    value: String::new(),
                    reason: "HH_ADMIN_EMAIL and HH_ADMIN_PASSWORD must be set together".into(),
                })
            }
        };
        if lookup("HH_LLM_URL").is_some() != lookup("HH_LLM_MODEL").is_some() {
            return Err(ConfigError {
                name: "HH_LLM_URL",
                value: String::new(),
                reason: "HH_LLM_URL and HH_LLM_MODEL must be set together".into(),
            });
        }
        let workers = whole_number(
            &lookup,
            "HH_WORKERS",
            1,
            0..=64,
            "must be a whole number from 0 (no worker in this process) to 64",
        )?;
        let upload_mb = whole_number(
            &lookup,
            "HH_UPLOAD_LIMIT_MB",
            50,
            1..=2048,
            "must be a whole number of megabytes from 1 to 2048",
        )?;
        let lease_secs = whole_number(
            &lookup,
            "HH_LEASE_SECONDS",
            30,
            1..=3600,
            "must be a whole number of seconds from 1 to 3600",
        )?;
        let submissions_per_hour = whole_number(
            &lookup,
            "HH_SUBMISSIONS_PER_HOUR",
            30,
            1..=100_000,
            "must be a whole number from 1 to 100000",
        )?;
        let signin_attempts_per_client = whole_number(
            &lookup,
            "HH_SIGNIN_ATTEMPTS_PER_CLIENT",
            120,
            4..=1_000_000,
            "must be a whole number of attempts per hour from 4 to 1000000",
        )?;
        let client_ip_header = match lookup("HH_CLIENT_IP_HEADER").map(|h| h.trim().to_ascii_lowercase()) {
            Some(name) if http::HeaderName::from_bytes(name.as_bytes()).is_err() => {
                return Err(ConfigError {
                    name: "HH_CLIENT_IP_HEADER",
                    value: name,
                    reason: "must be a header name such as x-forwarded-for or x-real-ip".into(),
                })
            }
            other => other,
        };
        let header_timeout_secs = whole_number(
            &lookup,
            "HH_HEADER_TIMEOUT_SECS",
            10,
            1..=3600,
            "must be a whole number of seconds from 1 to 3600",
        )?;
        let body_timeout_secs = whole_number(
            &lookup,
            "HH_BODY_TIMEOUT_SECS",
            30,
            1..=3600,
            "must be a whole number of seconds from 1 to 3600",
        )?;
        let max_connections = whole_number(
            &lookup,
            "HH_MAX_CONNECTIONS",
            1000,
            1..=1_000_000,
            "must be a whole number from 1 to 1000000",
        )?;
        let connections_per_client = whole_number(
            &lookup,
            "HH_CONNECTIONS_PER_CLIENT",
            100,
            1..=1_000_000,
            "must be a whole number from 1 to 1000000",
        )?;
        let write_timeout_secs = whole_number(
            &lookup,
            "HH_WRITE_TIMEOUT_SECS",
            60,
            1..=3600,
            "must be a whole number of seconds from 1 to 3600",
        )?;
        let streams_per_person =
            whole_number(&lookup, "HH_STREAMS_PER_PERSON", 20, 1..=10_000, "must be a whole number from 1 to 10000")?;
        let min_free_mb = whole_number(
            &lookup,
            "HH_MIN_FREE_DISK_MB",
            100,
            0..=100_000_000,
            "must be a whole number of megabytes (0 to check only that writes succeed)",
        )?;
        let media_dir = lookup("HH_MEDIA_DIR").map(PathBuf::from).unwrap_or_else(|| data_dir.join("media"));
        let s3 = s3_settings(&lookup)?;
        let media_delivery = match lookup("HH_MEDIA_DELIVERY").as_deref().map(str::trim) {
            None | Some("proxy") => MediaDelivery::Proxy,
            Some("redirect") if s3.is_some() => MediaDelivery::Redirect,
            Some(other) => {
                return Err(ConfigError {
                    name: "HH_MEDIA_DELIVERY",
                    value: other.into(),
                    reason: "must be proxy, or redirect (which needs HH_S3_BUCKET)".into(),
                })
            }
        };
        let sample_video = switch(&lookup, "HH_SAMPLE_VIDEO", true)?;
        let log_format = match lookup("HH_LOG_FORMAT").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    name: "HH_LOG_FORMAT",
                    value: other.into(),
                    reason: "must be text or json".into(),
                })
            }
        };
        let budget = |name: &'static str| -> Result<Option<u64>, ConfigError> {
            lookup(name)
                .map(|raw| {
                    raw.trim().parse::<u64>().ok().filter(|n| *n > 0).ok_or_else(|| ConfigError {
                        name,
                        value: raw.clone(),
                        reason: "must be a whole number above 0 (leave it unset for no budget)".into(),
                    })
                })
                .transpose()
        };
        let quotas = QuotaSettings {
            gemini_requests: budget("HH_GEMINI_DAILY_REQUESTS")?,
            llm_tokens: budget("HH_LLM_DAILY_TOKENS")?,
            runway_credits: budget("HH_RUNWAY_DAILY_CREDITS")?,
            fallback: match lookup("HH_QUOTA_FALLBACK").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
                None | Some("wait") => QuotaFallback::Wait,
                Some("offline") => QuotaFallback::Offline,
                Some(other) => {
                    return Err(ConfigError {
                        name: "HH_QUOTA_FALLBACK",
                        value: other.into(),
                        reason: "must be wait or offline".into(),
                    })
                }
            },
        };
        let metrics_token = match lookup("HH_METRICS_TOKEN").map(|t| t.trim().to_owned()) {
            Some(t) if t.chars().count() < 16 => {
                return Err(ConfigError {
                    name: "HH_METRICS_TOKEN",
                    value: String::new(),
                    reason: "must be at least 16 characters (e.g. `openssl rand -hex 24`)".into(),
                })
            }
            t => t.map(SecretString::from),
        };
        let metrics_listen = match lookup("HH_METRICS_LISTEN") {
            None => None,
            Some(raw) => Some(raw.trim().parse::<SocketAddr>().map_err(|e| ConfigError {
                name: "HH_METRICS_LISTEN",
                value: raw.clone(),
                reason: format!("{e}; expected host:port such as 127.0.0.1:9100"),
            })?),
        };
        let mail = match (lookup("HH_SMTP_URL"), lookup("HH_MAIL_FROM")) {
            (None, None) => None,
            (Some(url), Some(from)) => {
                let url = url.trim().to_owned();
                if !(url.starts_with("smtp://") || url.starts_with("smtps://")) {
                    return Err(ConfigError {
                        name: "HH_SMTP_URL",
                        value: String::new(),
                        reason: "must start with smtp:// or smtps://".into(),
                    });
                }
                if from.trim().parse::<lettre::message::Mailbox>().is_err() {
                    return Err(ConfigError {
                        name: "HH_MAIL_FROM",
                        value: from,
                        reason: "must be an address, e.g. `Hidden Hill <no-reply@example.org>`".into(),
                    });
                }
                Some(MailSettings { url: url.into(), from: from.trim().to_owned() })
            }
            _ => {
                return Err(ConfigError {
                    name: "HH_SMTP_URL",
                    value: String::new(),
                    reason: "HH_SMTP_URL and HH_MAIL_FROM must be set together".into(),
                })
            }
        };
        let require_verified_email = switch(&lookup, "HH_REQUIRE_VERIFIED_EMAIL", false)?;
        let sentry_dsn = match lookup("HH_SENTRY_DSN").map(|d| d.trim().to_owned()) {
            Some(d) if !(d.starts_with("https://") || d.starts_with("http://")) || !d.contains('@') => {
                return Err(ConfigError {
                    name: "HH_SENTRY_DSN",
                    value: String::new(),
                    reason: "must be a DSN such as https://<key>@o1.ingest.sentry.io/2".into(),
                })
            }
            d => d.map(SecretString::from),
        };
        if require_verified_email && mail.is_none() {
            return Err(ConfigError {
                name: "HH_REQUIRE_VERIFIED_EMAIL",
                value: "on".into(),
                reason: "needs HH_SMTP_URL and HH_MAIL_FROM: the confirmation links go out by e-mail".into(),
            });
        }
        Ok(Config {
            listen,
            public_url,
            data_dir,
            database_url: database_url.into(),
            access_code: lookup("HH_ACCESS_CODE").map(|c| SecretString::from(c.trim())),
            session_ttl: Duration::from_secs(session_days * 24 * 3600),
            review_expiry: Duration::from_secs(review_days * 24 * 3600),
            bootstrap_admin,
            site_root: PathBuf::from(lookup("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into())),
            hashed_bundle: lookup("LEPTOS_HASH_FILES").map(|v| v.trim() == "true"),
            media_dir,
            s3,
            media_delivery,
            workers: workers as usize,
            lease: Duration::from_secs(lease_secs),
            submissions_per_hour: submissions_per_hour as usize,
            signin_attempts_per_client: signin_attempts_per_client as u32,
            client_ip_header,
            upload_limit: upload_mb * 1024 * 1024,
            header_timeout: Duration::from_secs(header_timeout_secs),
            body_timeout: Duration::from_secs(body_timeout_secs),
            max_connections: max_connections as usize,
            connections_per_client: connections_per_client as usize,
            write_timeout: Duration::from_secs(write_timeout_secs),
            streams_per_person: streams_per_person as usize,
            min_free_disk: min_free_mb * 1024 * 1024,
            ncbi: NcbiSettings {
                eutils_url: lookup("HH_NCBI_EUTILS_URL"),
                idconv_url: lookup("HH_NCBI_IDCONV_URL"),
                oa_url: lookup("HH_NCBI_OA_URL"),
                cloud_url: lookup("HH_NCBI_CLOUD_URL"),
                api_key: lookup("HH_NCBI_API_KEY").map(SecretString::from),
                email: lookup("HH_NCBI_EMAIL"),
            },
            gemini: lookup("HH_GEMINI_API_KEY").map(|api_key| OnlineSettings {
                api_key: api_key.into(),
                url: lookup("HH_GEMINI_URL"),
                model: lookup("HH_GEMINI_SCRIPT_MODEL"),
                voice_model: lookup("HH_GEMINI_TTS_MODEL"),
                voice: lookup("HH_GEMINI_VOICE"),
            }),
            llm: lookup("HH_LLM_URL").zip(lookup("HH_LLM_MODEL")).map(|(url, model)| LlmSettings {
                url,
                model,
                api_key: lookup("HH_LLM_API_KEY").map(SecretString::from),
            }),
            runway: lookup("HH_RUNWAY_API_KEY").map(|api_key| OnlineSettings {
                api_key: api_key.into(),
                url: lookup("HH_RUNWAY_URL"),
                model: lookup("HH_RUNWAY_MODEL"),
                ..OnlineSettings::default()
            }),
            sample_video,
            log_format,
            metrics_token,
            metrics_listen,
            mail,
            require_verified_email,
            sentry_dsn,
            quotas,
        })
    }

    /// Cookies get `Secure` only when people reach the app over https; over plain http a browser
    /// would silently drop them.
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Where browsers fetch videos from besides this app: the object store's origin in redirect
    /// mode (scheme, host and port of its presigned URLs), else none.
    pub fn media_origin(&self) -> Option<String> {
        let s3 = self.s3.as_ref().filter(|_| self.media_delivery == MediaDelivery::Redirect)?;
        Some(match &s3.endpoint {
            Some(endpoint) => {
                let after_scheme = endpoint.find("://").map_or(0, |i| i + 3);
                let end = endpoint[after_scheme..].find('/').map_or(endpoint.len(), |i| after_scheme + i);
                let origin = &endpoint[..end];
                if s3.path_style {
                    origin.to_owned()
                } else {
                    format!("{}{}.{}", &endpoint[..after_scheme], s3.bucket, &origin[after_scheme..])
                }
            }
            None => format!("https://{}.s3.{}.amazonaws.com", s3.bucket, s3.region),
        })
    }

    /// Leptos's own options, built here rather than read from compile-time values so that tests
    /// and production run with the same, explicit settings.
    ///
    /// When the site folder holds `hash.txt` (written by `scripts/build-site`), the bundle's
    /// files carry content hashes in their names and the pages name them from it. Leptos reads
    /// that file relative to the server's executable unless the path is absolute, so it is
    /// made absolute here. `LEPTOS_HASH_FILES=false` (as `cargo leptos watch` sets it) ignores a
    /// `hash.txt` left by an earlier `scripts/build-site`.
    pub fn leptos_options(&self) -> LeptosOptions {
        let hash_file =
            std::path::absolute(self.site_root.join("hash.txt")).unwrap_or_else(|_| self.site_root.join("hash.txt"));
        let hashed = self.hashed_bundle.unwrap_or_else(|| hash_file.is_file());
        LeptosOptions::builder()
            .output_name("hidden-hill")
            .site_root(self.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(self.listen)
            .env(leptos::config::Env::PROD)
            .hash_files(hashed)
            .hash_file(hash_file.to_string_lossy().into_owned().into())
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_run_the_embedded_mode() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(c.database_url.expose_secret(), "sqlite://data/hidden-hill.db?mode=rwc");
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert!(!c.secure_cookies());
        assert_eq!(c.session_ttl.as_secs(), 30 * 24 * 3600);
        assert!(c.access_code.is_none() && c.bootstrap_admin.is_none());
        assert_eq!(c.media_dir, PathBuf::from("data/media"));
        assert_eq!((c.workers, c.upload_limit), (1, 50 * 1024 * 1024));
        assert_eq!((c.signin_attempts_per_client, c.client_ip_header.as_deref()), (120, None));
        assert!(c.sample_video, "a new installation makes its sample video");
    }

    #[test]
    fn budgets_and_confirmation_are_read_and_checked() {
        let c = config(&[]).unwrap();
        assert_eq!((c.quotas.gemini_requests, c.quotas.fallback), (None, QuotaFallback::Wait));
        assert!(!c.require_verified_email);
        let c = config(&[
            ("HH_GEMINI_DAILY_REQUESTS", "500"),
            ("HH_LLM_DAILY_TOKENS", " 2000000 "),
            ("HH_RUNWAY_DAILY_CREDITS", "3000"),
            ("HH_QUOTA_FALLBACK", "Offline"),
        ])
        .unwrap();
        assert_eq!(
            (c.quotas.gemini_requests, c.quotas.llm_tokens, c.quotas.runway_credits),
            (Some(500), Some(2_000_000), Some(3000))
        );
        assert_eq!(c.quotas.fallback, QuotaFallback::Offline);
        for (name, value) in
            [("HH_GEMINI_DAILY_REQUESTS", "0"), ("HH_RUNWAY_DAILY_CREDITS", "lots"), ("HH_QUOTA_FALLBACK", "fail")]
        {
            assert_eq!(config(&[(name, value)]).unwrap_err().name, name);
        }
        // Confirmation links go out by e-mail: the requirement needs SMTP.
        assert_eq!(config(&[("HH_REQUIRE_VERIFIED_EMAIL", "on")]).unwrap_err().name, "HH_REQUIRE_VERIFIED_EMAIL");
        let mail = [
            ("HH_SMTP_URL", "smtp://127.0.0.1:2525"),
            ("HH_MAIL_FROM", "a@example.org"),
            ("HH_REQUIRE_VERIFIED_EMAIL", "yes"),
        ];
        assert!(config(&mail).unwrap().require_verified_email);
    }

    #[test]
    fn the_sample_video_can_be_switched_off() {
        assert!(!config(&[("HH_SAMPLE_VIDEO", "off")]).unwrap().sample_video);
        assert!(!config(&[("HH_SAMPLE_VIDEO", "OFF")]).unwrap().sample_video);
        assert!(config(&[("HH_SAMPLE_VIDEO", "on")]).unwrap().sample_video);
        assert_eq!(config(&[("HH_SAMPLE_VIDEO", "sometimes")]).unwrap_err().name, "HH_SAMPLE_VIDEO");
    }

    #[test]
    fn connection_limits_and_the_disk_threshold_have_sane_defaults() {
        let c = config(&[]).unwrap();
        assert_eq!((c.header_timeout.as_secs(), c.body_timeout.as_secs()), (10, 30));
        assert_eq!((c.max_connections, c.streams_per_person), (1000, 20));
        assert_eq!((c.connections_per_client, c.write_timeout.as_secs()), (100, 60));
        assert_eq!(c.min_free_disk, 100 * 1024 * 1024);
        let c = config(&[
            ("HH_HEADER_TIMEOUT_SECS", "1"),
            ("HH_BODY_TIMEOUT_SECS", "2"),
            ("HH_MAX_CONNECTIONS", "3"),
            ("HH_STREAMS_PER_PERSON", "4"),
            ("HH_MIN_FREE_DISK_MB", "0"),
        ])
        .unwrap();
        assert_eq!((c.header_timeout.as_secs(), c.body_timeout.as_secs()), (1, 2));
        assert_eq!((c.max_connections, c.streams_per_person, c.min_free_disk), (3, 4, 0));
        for name in ["HH_HEADER_TIMEOUT_SECS", "HH_BODY_TIMEOUT_SECS", "HH_MAX_CONNECTIONS", "HH_STREAMS_PER_PERSON"] {
            assert_eq!(config(&[(name, "0")]).unwrap_err().name, name);
        }
        assert_eq!(config(&[("HH_MIN_FREE_DISK_MB", "lots")]).unwrap_err().name, "HH_MIN_FREE_DISK_MB");
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
        let err = config(&[("HH_CLIENT_IP_HEADER", "x forwarded")]).unwrap_err();
        assert_eq!(err.name, "HH_CLIENT_IP_HEADER");
        let err = config(&[("HH_SIGNIN_ATTEMPTS_PER_CLIENT", "0")]).unwrap_err();
        assert_eq!(err.name, "HH_SIGNIN_ATTEMPTS_PER_CLIENT");
        let err = config(&[("HH_LLM_URL", "http://127.0.0.1:8080/v1")]).unwrap_err();
        assert!(err.to_string().contains("HH_LLM_MODEL"));
        let err = config(&[("HH_ADMIN_EMAIL", "a@b.c")]).unwrap_err();
        assert!(err.to_string().contains("HH_ADMIN_PASSWORD"));
    }

    #[test]
    fn s3_settings_come_whole_or_not_at_all() {
        let c = config(&[]).unwrap();
        assert!(c.s3.is_none());
        assert_eq!(c.media_delivery, MediaDelivery::Proxy);
        let garage = [
            ("HH_S3_BUCKET", "videos"),
            ("HH_S3_ENDPOINT", "http://127.0.0.1:3900/"),
            ("HH_S3_REGION", "garage"),
            ("HH_S3_ACCESS_KEY_ID", "GK123"),
            ("HH_S3_SECRET_ACCESS_KEY", "secret"),
            ("HH_MEDIA_DELIVERY", "redirect"),
        ];
        let c = config(&garage).unwrap();
        let s3 = c.s3.as_ref().unwrap();
        assert_eq!(s3.endpoint.as_deref(), Some("http://127.0.0.1:3900"));
        assert!(s3.path_style, "a custom endpoint defaults to path-style addressing");
        assert_eq!(s3.presign_ttl.as_secs(), 300);
        assert_eq!(c.media_delivery, MediaDelivery::Redirect);
        assert_eq!(c.media_origin().as_deref(), Some("http://127.0.0.1:3900"));
        assert_eq!(config(&garage[..5]).unwrap().media_origin(), None, "proxied media come from the app itself");
        assert!(!format!("{c:?}").contains("\"secret\""), "the secret never reaches logs");
        let aws =
            config(&[("HH_S3_BUCKET", "v"), ("HH_S3_ACCESS_KEY_ID", "A"), ("HH_S3_SECRET_ACCESS_KEY", "S")]).unwrap();
        assert!(!aws.s3.unwrap().path_style);

        assert_eq!(config(&[("HH_S3_BUCKET", "v")]).unwrap_err().name, "HH_S3_ACCESS_KEY_ID");
        assert_eq!(config(&[("HH_MEDIA_DELIVERY", "redirect")]).unwrap_err().name, "HH_MEDIA_DELIVERY");
        let mut bad = garage.to_vec();
        bad.push(("HH_S3_ENDPOINT", "127.0.0.1:3900"));
        assert_eq!(config(&bad).unwrap_err().name, "HH_S3_ENDPOINT");
        let mut bad = garage.to_vec();
        bad.push(("HH_S3_PRESIGN_SECONDS", "0"));
        assert_eq!(config(&bad).unwrap_err().name, "HH_S3_PRESIGN_SECONDS");
    }

    #[test]
    fn no_secret_reaches_debug_output() {
        let c = config(&[
            ("DATABASE_URL", "postgres://hh:db-pass-1@db/hh"),
            ("HH_ACCESS_CODE", "access-code-2"),
            ("HH_ADMIN_EMAIL", "chief@example.org"),
            ("HH_ADMIN_PASSWORD", "admin-pass-3"),
            ("HH_NCBI_API_KEY", "ncbi-key-4"),
            ("HH_GEMINI_API_KEY", "gemini-key-5"),
            ("HH_RUNWAY_API_KEY", "runway-key-6"),
            ("HH_LLM_URL", "http://127.0.0.1:11434/v1"),
            ("HH_LLM_MODEL", "qwen2.5:14b"),
            ("HH_LLM_API_KEY", "llm-key-8"),
            ("HH_S3_BUCKET", "videos"),
            ("HH_S3_ACCESS_KEY_ID", "GK123"),
            ("HH_S3_SECRET_ACCESS_KEY", "s3-secret-7"),
        ])
        .unwrap();
        let printed = format!("{c:?} {c:#?}");
        for secret in [
            "db-pass-1",
            "access-code-2",
            "admin-pass-3",
            "ncbi-key-4",
            "gemini-key-5",
            "runway-key-6",
            "s3-secret-7",
            "llm-key-8",
        ] {
            assert!(!printed.contains(secret), "{secret} printed");
        }
        assert!(printed.contains("REDACTED") && printed.contains("chief@example.org"));
        // Still there for the code that needs them.
        assert_eq!(c.gemini.unwrap().api_key.expose_secret(), "gemini-key-5");
    }
}
