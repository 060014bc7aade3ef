use super::clock::Clock;
use super::config::Settings;
use super::db::Db;
use super::health::{Probe, Readiness};
use super::password::Passwords;
use super::providers::Providers;
use super::services::audit::{AuditKeys, ChainStatusCell};
use super::workers::Wake;
use crate::view::ActorOption;
use axum::extract::FromRef;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use leptos::config::LeptosOptions;
use secrecy::SecretSlice;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

/// Everything a request handler or server function may need. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub settings: Arc<Settings>,
    pub passwords: Passwords,
    pub clock: Clock,
    /// Sign-in attempts per client address.
    pub login_limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// JSON API requests per token.
    pub api_limiter: Arc<DefaultKeyedRateLimiter<i64>>,
    /// Key for keyed hashes (client addresses, throttle keys).
    pub secret_key: Arc<SecretSlice<u8>>,
    /// The configured upstream providers.
    pub providers: Providers,
    /// Single sign-on, when configured.
    pub oidc: Option<Arc<super::oidc::Oidc>>,
    #[from_ref(skip)]
    pub poller: Wake,
    #[from_ref(skip)]
    pub outbox: Wake,
    /// The key that signs audit checkpoints, and their file.
    pub audit_keys: AuditKeys,
    /// The last known state of the audit chain.
    pub chain_status: ChainStatusCell,
    /// The audit log's actor filter, while the accounts stay unchanged.
    pub actors: ActorsCell,
    /// The last readiness probe (`/readyz`).
    #[from_ref(skip)]
    pub readiness: Arc<Readiness>,
}

impl AppState {
    pub fn new(
        leptos_options: LeptosOptions,
        db: Db,
        settings: Settings,
        passwords: Passwords,
        secret_key: Vec<u8>,
        providers: Providers,
        audit_keys: AuditKeys,
    ) -> AppState {
        let per_minute =
            NonZeroU32::new(settings.login_attempts_per_minute).unwrap_or(NonZeroU32::MIN);
        let api_per_minute =
            NonZeroU32::new(settings.api_requests_per_minute).unwrap_or(NonZeroU32::MIN);
        AppState {
            leptos_options,
            db,
            passwords,
            clock: Clock::default(),
            login_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(per_minute))),
            api_limiter: Arc::new(RateLimiter::keyed(Quota::per_minute(api_per_minute))),
            secret_key: Arc::new(SecretSlice::from(secret_key)),
            settings: Arc::new(settings),
            providers,
            // Set by startup when single sign-on is configured.
            oidc: None,
            poller: Wake::default(),
            outbox: Wake::default(),
            audit_keys,
            chain_status: ChainStatusCell::default(),
            actors: ActorsCell::default(),
            readiness: Arc::default(),
        }
    }

    /// HMAC-SHA256 of `value` under the app's secret key, hex-encoded
    /// (first 16 bytes): a stable pseudonym that cannot be reversed.
    pub fn keyed_hash(&self, purpose: &str, value: &[u8]) -> String {
        use hmac::{Hmac, Mac};
        use secrecy::ExposeSecret;
        let mut mac = match Hmac::<sha2::Sha256>::new_from_slice(self.secret_key.expose_secret()) {
            Ok(m) => m,
            Err(_) => return String::new(),
        };
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value);
        hex::encode(&mac.finalize().into_bytes()[..16])
    }
}

/// The audit log's actor filter: every account's name and role, kept while
/// the accounts stay unchanged. The key is `db::users::fingerprint` when the
/// list was read (read again on every page: an account changed by the CLI
/// in another process counts too).
#[derive(Clone, Default)]
pub struct ActorsCell(Arc<std::sync::RwLock<Option<KnownActors>>>);

/// The accounts' fingerprint and the options read under it.
type KnownActors = ((i64, i64), Vec<ActorOption>);

impl ActorsCell {
    /// The list, if it was read under this key.
    pub fn get(&self, key: (i64, i64)) -> Option<Vec<ActorOption>> {
        let known = self.0.read().ok()?;
        known
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, list)| list.clone())
    }

    pub fn set(&self, key: (i64, i64), list: Vec<ActorOption>) {
        if let Ok(mut known) = self.0.write() {
            *known = Some((key, list));
        }
    }
}

impl FromRef<AppState> for Probe {
    fn from_ref(st: &AppState) -> Probe {
        Probe {
            db: st.db.clone(),
            clock: st.clock.clone(),
            min_free_disk_mb: st.settings.min_free_disk_mb,
            readiness: st.readiness.clone(),
        }
    }
}
