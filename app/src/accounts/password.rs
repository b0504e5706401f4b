//! Password hashing with argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
//! Hashing is CPU-bound, so it runs on the blocking pool, never on the async executor.
//!
//! Each hash holds 19 MiB while it runs, so a burst of sign-ins must not run them all at once:
//! at most one hash per core runs, a short queue waits, and beyond it the answer is
//! [`AppError::Busy`] (503 with Retry-After). Memory for hashing is then bounded by
//! cores × 19 MiB whatever arrives (measured in BENCHMARKS.md, "Sign-in floods").

use crate::error::AppError;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::{
    atomic::{AtomicUsize, Ordering},
    Arc, OnceLock,
};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Sign-ins waiting for a hashing slot, per core, before more are turned away.
const QUEUE_PER_CORE: usize = 4;
/// The longest a sign-in waits for a hashing slot.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// The gate every password check passes: hashes running now (at most one per core) and
/// sign-ins queued for a slot. One per application (`AppState::password_checks`).
///
/// A slot belongs to the hash, not to the request: a client that hangs up while its hash runs
/// on the blocking pool does not free the slot before the 19 MiB are, and a request dropped
/// while it waits leaves the queue (a guard counts it out).
pub struct PasswordChecks {
    slots: Arc<Semaphore>,
    waiting: AtomicUsize,
    max_waiting: usize,
}

impl Default for PasswordChecks {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        PasswordChecks {
            slots: Arc::new(Semaphore::new(cores)),
            waiting: AtomicUsize::new(0),
            max_waiting: cores * QUEUE_PER_CORE,
        }
    }
}

/// One sign-in counted in the queue until it is dropped, however its wait ends.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl PasswordChecks {
    /// A hashing slot, or `Busy` when the queue is full or the wait too long.
    async fn slot(&self) -> Result<OwnedSemaphorePermit, AppError> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let busy = AppError::Busy { retry_after_secs: 2 };
        let queued = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.waiting);
        if queued >= self.max_waiting {
            tracing::warn!("password checks queue full: a sign-in was turned away");
            return Err(busy);
        }
        match tokio::time::timeout(MAX_WAIT, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(busy),
        }
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let slot = self.slot().await?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            hash_blocking(&password)
        })
        .await
        .map_err(|_| AppError::Internal)?
    }

    /// Checks `password` against `stored`. With no stored hash (unknown email) it still does the
    /// same work against a dummy hash, so the answer's timing does not reveal which emails exist.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        let slot = self.slot().await?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            verify_blocking(&password, stored)
        })
        .await
        .map_err(|_| AppError::Internal)?
    }
}

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> Result<String, AppError> {
    hasher().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| {
        tracing::error!(error = %e, "argon2 hashing failed");
        AppError::Internal
    })
}

fn verify_blocking(password: &str, stored: Option<String>) -> Result<bool, AppError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let (stored, real) = match stored {
        Some(s) => (s, true),
        None => (DUMMY.get_or_init(|| hash_blocking("not a real password").unwrap_or_default()).clone(), false),
    };
    let parsed = argon2::password_hash::phc::PasswordHash::new(&stored).map_err(|e| {
        tracing::error!(error = %e, "stored password hash is unreadable");
        AppError::Internal
    })?;
    let ok = hasher().verify_password(password.as_bytes(), &parsed).is_ok();
    Ok(ok && real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verifiable() {
        let checks = PasswordChecks::default();
        let a = checks.hash("correct horse battery".into()).await.unwrap();
        let b = checks.hash("correct horse battery".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(checks.verify("correct horse battery".into(), Some(a.clone())).await.unwrap());
        assert!(!checks.verify("wrong horse battery".into(), Some(a)).await.unwrap());
        assert!(!checks.verify("anything".into(), None).await.unwrap());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_burst_beyond_the_queue_is_turned_away_not_hashed() {
        let gate = std::sync::Arc::new(PasswordChecks::default());
        let burst = gate.slots.available_permits() + gate.max_waiting + 8;
        let checks = (0..burst).map(|_| {
            let gate = gate.clone();
            tokio::spawn(async move { gate.verify("wrong".into(), None).await })
        });
        let answers = futures::future::join_all(checks).await;
        let busy = answers.iter().filter(|a| matches!(a, Ok(Err(AppError::Busy { .. })))).count();
        let checked = answers.iter().filter(|a| matches!(a, Ok(Ok(false)))).count();
        assert_eq!(busy + checked, burst, "every check is answered: {answers:?}");
        assert!(busy >= 8, "at least the overflow is turned away: {busy} of {burst}");
        assert_eq!(gate.waiting.load(Ordering::SeqCst), 0, "nobody is left counted as waiting");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sign_ins_that_hang_up_free_neither_too_early_nor_never() {
        let gate = std::sync::Arc::new(PasswordChecks::default());
        let cores = gate.slots.available_permits();
        // Every slot busy, the queue full; then every request hangs up (its future dropped).
        let checks: Vec<_> = (0..cores + gate.max_waiting)
            .map(|_| {
                let gate = gate.clone();
                tokio::spawn(async move { gate.verify("wrong".into(), None).await })
            })
            .collect();
        let queue_full = async {
            while gate.waiting.load(Ordering::SeqCst) < gate.max_waiting {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(std::time::Duration::from_secs(5), queue_full).await.expect("the queue fills");
        for check in &checks {
            check.abort();
        }
        for check in checks {
            let _ = check.await;
        }
        assert_eq!(gate.waiting.load(Ordering::SeqCst), 0, "the queue forgets who hung up");
        assert!(gate.slots.available_permits() < cores, "the hashes still running keep their slots");
        while gate.slots.available_permits() < cores {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
    }
}
