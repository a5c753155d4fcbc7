//! Password hashing with Argon2id (the `argon2` crate's default parameters: 19 MiB, 2 passes), stored
//! as PHC strings (`$argon2id$v=19$m=19456,t=2,p=1$...`) so parameters can be raised later without
//! invalidating existing hashes.
//!
//! Hashing takes tens of milliseconds of CPU on purpose: from async code use [`hash_async`] and
//! [`verify_async`], which run on tokio's blocking pool instead of stalling a worker thread.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

use crate::error::ApiError;

pub fn hash(password: &str) -> Result<String, ApiError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(ApiError::internal)
}

/// Whether `password` matches `hash`. A malformed hash is logged and never matches.
pub fn verify(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(e) => {
            tracing::error!(error = %e, "stored password hash is not a valid PHC string");
            false
        }
    }
}

/// Each hash holds 19 MiB for its duration: bound how many run at once, so a burst of logins queues
/// instead of exhausting memory through tokio's (large) blocking pool.
fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(cores.max(2))
    })
}

async fn on_blocking_pool<R: Send + 'static>(work: impl FnOnce() -> R + Send + 'static) -> Result<R, ApiError> {
    let _permit = permits().acquire().await.map_err(ApiError::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(ApiError::internal)
}

pub async fn hash_async(password: impl Into<String>) -> Result<String, ApiError> {
    let password = password.into();
    on_blocking_pool(move || hash(&password)).await?
}

pub async fn verify_async(password: impl Into<String>, hash: impl Into<String>) -> bool {
    let (password, hash) = (password.into(), hash.into());
    on_blocking_pool(move || verify(&password, &hash)).await.unwrap_or(false)
}

/// Checks a login whose account may not exist, with the same work either way: `hash` is the stored hash
/// of the account found, or `None`, in which case `password` is checked against a hash of nothing
/// anyone knows and the answer is `false`.
///
/// Answering a missing account at once (2 ms) and a wrong password after a hash (40 ms) tells an
/// attacker which emails have accounts; with this, both take one hash.
pub async fn verify_login(password: impl Into<String>, hash: Option<String>) -> bool {
    let found = hash.is_some();
    let hash = hash.unwrap_or_else(|| decoy_hash().to_owned());
    verify_async(password, hash).await && found
}

/// A hash with the same parameters as real ones, of a random password made once per process.
fn decoy_hash() -> &'static str {
    static DECOY: OnceLock<String> = OnceLock::new();
    DECOY.get_or_init(|| {
        let secret = SaltString::generate(&mut OsRng);
        hash(secret.as_str()).unwrap_or_else(|_| "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$invalid".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let hashed = hash("correct horse").unwrap();
        assert!(hashed.starts_with("$argon2id$"));
        assert!(verify("correct horse", &hashed));
        assert!(!verify("wrong horse", &hashed));
        assert!(!verify("correct horse", "not-a-hash"));
        assert_ne!(hash("correct horse").unwrap(), hashed, "salted");
    }

    #[tokio::test]
    async fn async_versions() {
        let hashed = hash_async("pw").await.unwrap();
        assert!(verify_async("pw", hashed.clone()).await);
        assert!(!verify_async("px", hashed.clone()).await);
        assert!(verify_login("pw", Some(hashed.clone())).await);
        assert!(!verify_login("px", Some(hashed)).await);
        assert!(!verify_login("pw", None).await);
        // The decoy is a real Argon2id hash with the default parameters, so checking it costs a hash.
        assert!(decoy_hash().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
    }
}
