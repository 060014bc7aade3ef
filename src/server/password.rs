//! Password hashing: argon2id with m=19456 KiB, t=2, p=1 (ASVS 5.0 App. C,
//! the RustCrypto default). Hashing runs on the blocking pool behind a small
//! semaphore, so a burst of sign-ins cannot starve the async executor or use
//! more than `PERMITS × 19 MiB` of memory.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};
use std::sync::Arc;
use tokio::sync::Semaphore;

const PERMITS: usize = 2;

#[derive(Clone)]
pub struct Passwords {
    permits: Arc<Semaphore>,
    /// A real hash of a random password, verified when the account does not
    /// exist, so that "no such user" costs what "wrong password" costs.
    dummy_hash: Arc<str>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Match { needs_rehash: bool },
    NoMatch,
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hashing failed: {0}")]
    Hash(String),
    #[error("password hashing task failed")]
    Join,
}

/// Gives argon2's 19 MiB working memory back to the system after each hash.
///
/// glibc raises its mmap threshold the first time a large block is freed;
/// from then on such blocks come from the per-thread heaps and stay
/// resident (measured: 195 MiB idle after 200 sign-ins, 23 MiB with a fixed
/// threshold). Fixing the threshold at 1 MiB keeps large blocks mmapped.
/// Call once, first thing in `main`.
pub fn return_large_blocks_to_the_system() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets an allocator parameter; it is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, current_params())
}

fn current_params() -> Params {
    Params::new(19_456, 2, 1, None).unwrap_or_default()
}

impl Passwords {
    pub fn new() -> Result<Passwords, PasswordError> {
        let random = SaltString::generate(&mut rand::rngs::OsRng);
        let dummy = hash_now(random.as_str())?;
        Ok(Passwords {
            permits: Arc::new(Semaphore::new(PERMITS)),
            dummy_hash: dummy.into(),
        })
    }

    pub async fn hash(&self, password: &SecretString) -> Result<String, PasswordError> {
        let pw = password.clone();
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| PasswordError::Join)?;
        tokio::task::spawn_blocking(move || hash_now(pw.expose_secret()))
            .await
            .map_err(|_| PasswordError::Join)?
    }

    /// Verifies `password` against `stored` (or against the dummy hash when
    /// there is no account, and then always answers `NoMatch`).
    pub async fn verify(&self, password: &SecretString, stored: Option<&str>) -> Verdict {
        let pw = password.clone();
        let (hash, real) = match stored {
            Some(h) => (h.to_string(), true),
            None => (self.dummy_hash.to_string(), false),
        };
        let Ok(_permit) = self.permits.acquire().await else {
            return Verdict::NoMatch;
        };
        let verdict = tokio::task::spawn_blocking(move || verify_now(pw.expose_secret(), &hash))
            .await
            .unwrap_or(Verdict::NoMatch);
        if real {
            verdict
        } else {
            Verdict::NoMatch
        }
    }
}

fn hash_now(password: &str) -> Result<String, PasswordError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PasswordError::Hash(e.to_string()))
}

fn verify_now(password: &str, stored: &str) -> Verdict {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return Verdict::NoMatch;
    };
    // Verify with the parameters the hash was made with (Argon2::default()
    // reads them from the PHC string), then decide whether to upgrade.
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Verdict::NoMatch;
    }
    Verdict::Match {
        needs_rehash: !meets_policy(&parsed),
    }
}

/// Is this stored hash argon2id with at least the current parameters?
pub fn meets_policy(parsed: &PasswordHash<'_>) -> bool {
    let want = current_params();
    if parsed.algorithm.as_str() != "argon2id" {
        return false;
    }
    match Params::try_from(parsed) {
        Ok(p) => p.m_cost() >= want.m_cost() && p.t_cost() >= want.t_cost() && p.p_cost() == 1,
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let p = Passwords::new().expect("init");
        let h = p
            .hash(&secret("correct horse battery"))
            .await
            .expect("hash");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(
            p.verify(&secret("correct horse battery"), Some(&h)).await,
            Verdict::Match {
                needs_rehash: false
            }
        );
        assert_eq!(
            p.verify(&secret("wrong horse battery"), Some(&h)).await,
            Verdict::NoMatch
        );
    }

    #[tokio::test]
    async fn an_unknown_account_never_matches_even_with_the_dummy_password() {
        let p = Passwords::new().expect("init");
        assert_eq!(
            p.verify(&secret("anything at all"), None).await,
            Verdict::NoMatch
        );
    }

    #[tokio::test]
    async fn weaker_old_hashes_ask_for_a_rehash() {
        let old = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(4096, 1, 1, None).expect("params"),
        );
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        let h = old
            .hash_password(b"old password 1", &salt)
            .expect("hash")
            .to_string();
        let p = Passwords::new().expect("init");
        assert_eq!(
            p.verify(&secret("old password 1"), Some(&h)).await,
            Verdict::Match { needs_rehash: true }
        );
    }
}
