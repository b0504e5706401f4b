//! Server-only plumbing that server functions and the `server` crate share: configuration,
//! the database handle, application state and small utilities. Compiled only with `ssr`.

pub mod config;
pub mod db;
pub mod mail;
pub mod metrics;
pub mod security;
pub mod settings;
pub mod shutdown;
pub mod signin_limits;
pub mod state;
pub mod streams;

/// Seconds since the Unix epoch: the one clock every table uses.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Milliseconds since the Unix epoch: job and event times.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

/// `n` bytes from the operating system's CSPRNG, hex-encoded.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    getrandom::fill(&mut bytes).expect("the operating system's random source is unavailable");
    hex::encode(bytes)
}
