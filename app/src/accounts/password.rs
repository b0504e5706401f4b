//! Password hashing with argon2id at OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).
//! Hashing is CPU-bound, so it runs on the blocking pool, never on the async executor.

use crate::error::AppError;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use std::sync::OnceLock;

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

/// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt.
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await.map_err(|_| AppError::Internal)?
}

/// Checks `password` against `stored`. With no stored hash (unknown email) it still does the
/// same work against a dummy hash, so the answer's timing does not reveal which emails exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    tokio::task::spawn_blocking(move || {
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
    })
    .await
    .map_err(|_| AppError::Internal)?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_are_argon2id_salted_and_verifiable() {
        let a = hash("correct horse battery".into()).await.unwrap();
        let b = hash("correct horse battery".into()).await.unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify("correct horse battery".into(), Some(a.clone())).await.unwrap());
        assert!(!verify("wrong horse battery".into(), Some(a)).await.unwrap());
        assert!(!verify("anything".into(), None).await.unwrap());
    }
}
