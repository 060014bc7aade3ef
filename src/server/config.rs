//! Settings: defaults, then an optional TOML file, then `KYC_DESK_*`
//! environment variables. Secrets are `SecretString` and never printed.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Every setting, with its environment variable `KYC_DESK_<NAME>` and TOML key
/// `<name>`. README's "Configuration" section lists them all.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://path/to/file.db` (created with its migrations when missing).
    pub database_url: String,
    /// Where the web server listens.
    pub addr: SocketAddr,
    /// The address people reach KYC Desk at (for links sent to customers,
    /// e.g. the liveness landing page); default `http://<addr>`.
    pub public_url: Option<String>,
    /// Demo mode: demo users (and, later, demo customers from the sandbox).
    pub demo: bool,
    /// One password for every demo user, instead of generated ones (for tests).
    pub demo_password: Option<SecretString>,
    /// Mark the session cookie `Secure` (and send HSTS). Turn off only for
    /// plain http on localhost.
    pub cookie_secure: bool,
    /// Sign-in attempts allowed per client address per minute.
    pub login_attempts_per_minute: u32,
    /// JSON API requests allowed per token per minute (then 429 with Retry-After).
    pub api_requests_per_minute: u32,
    /// Reverse proxies (addresses or CIDRs) whose `X-Forwarded-For` names
    /// the client; from any other peer the header is ignored.
    pub trusted_proxies: TrustedProxies,
    /// Who must sign in with a second factor: `privileged` (admins and compliance officers,
    /// the default), `all` or `off`. Demo mode defaults to `off`. See [`Settings::mfa_policy`].
    pub mfa_required: Option<crate::domain::second_factor::MfaPolicy>,
    /// Single sign-on (OpenID Connect): the issuer, found by discovery; set all three of
    /// issuer, client id and client secret, or none. Its redirect URI is
    /// `<public_url>/auth/sso/callback`.
    pub oidc_issuer: Option<String>,
    pub oidc_client_id: Option<String>,
    pub oidc_client_secret: Option<SecretString>,
    /// The identity provider's name on the sign-in page ("Sign in with <name>").
    pub oidc_name: Option<String>,
    /// Create an account at a person's first single sign-on, with this role (never admin).
    /// Unset (the default): only people with an account an admin created sign in.
    pub oidc_new_account_role: Option<crate::domain::Role>,
    /// Key for the keyed hash of client addresses in the audit trail. Required
    /// outside demo mode; demo mode makes one up at start.
    pub secret_key: Option<SecretString>,
    /// Where the compiled front end lives (cargo-leptos's site root).
    pub site_root: PathBuf,
    /// Log format: `json` (default) or `pretty`.
    pub log_format: LogFormat,
    /// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `debug`.
    pub log: String,

    // Upstream providers. A provider without a base URL is disabled (in demo
    // mode, with no base URL at all, the built-in sandbox stands in).
    /// Eclipse host; paths start `/eclipse-conductor/…`.
    pub eclipse_base_url: Option<String>,
    pub eclipse_identity: Option<String>,
    pub eclipse_password: Option<SecretString>,
    /// biometric.kz REST host (paths start `/api/v1/flows/…`).
    pub biometric_kz_base_url: Option<String>,
    pub biometric_kz_flow_api_key: Option<SecretString>,
    /// The full MCP URL, e.g. `https://kyc.biometric.kz/mcp/` (decision push).
    pub biometric_kz_mcp_url: Option<String>,
    pub biometric_kz_org_api_key: Option<SecretString>,
    /// Provide ident base URL including `/api/v1`.
    pub ident_base_url: Option<String>,
    pub ident_token: Option<SecretString>,
    /// WIDTH host (calls go to `{base}/gateway/{method}`).
    pub width_base_url: Option<String>,
    pub width_api_key: Option<SecretString>,
    pub width_api_secret: Option<SecretString>,
    pub width_domain_id: Option<String>,
    /// Where a reviewer opens a case in the provider's own console: an http(s) URL with
    /// `{ref}` where the provider's id of it goes (`domain::verification::console_link`).
    /// Unset: the case page offers no such link.
    pub eclipse_console_url: Option<String>,
    pub biometric_kz_console_url: Option<String>,
    pub ident_console_url: Option<String>,
    pub width_console_url: Option<String>,

    /// Upstream call timeouts and per-provider rate limit.
    pub upstream_connect_timeout_ms: u64,
    pub upstream_timeout_ms: u64,
    pub upstream_requests_per_second: u32,
    /// Poll cadence: Eclipse (30–60 s per its docs; jitter is added) and the others.
    pub eclipse_poll_secs: u64,
    pub poll_secs: u64,
    /// How many upstream reads the poller runs at once.
    pub poll_concurrency: u32,
    /// A verification not final after this long, with no upstream change, becomes EXPIRED.
    pub stale_after_hours: u64,
    /// Run the background workers (poller, outbox) in this process.
    pub workers: bool,
    /// Ed25519 key (base64 of the 32-byte seed) that signs audit checkpoints.
    /// Required outside demo mode (`kyc-desk audit keygen` makes one); demo
    /// mode keeps a generated one beside the database.
    pub audit_signing_key: Option<SecretString>,
    /// The append-only file outside the database that checkpoints are also
    /// written to (default: beside the database file).
    pub audit_checkpoint_file: Option<PathBuf>,
    /// Minutes between periodic checkpoints.
    pub audit_checkpoint_minutes: u64,
    /// Hours a case may wait for its decision (from when KYC Desk received
    /// it) before it counts as an SLA breach on the metrics page.
    pub sla_hours: u32,
    /// Free space (MiB) under the database below which `/readyz` reports
    /// the disk as low (and the server warns), before writes start failing.
    pub min_free_disk_mb: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

/// Addresses and networks of trusted reverse proxies: a comma-separated
/// list (`10.0.0.1, 10.1.0.0/16`) or a TOML array of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

impl TrustedProxies {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// From a comma-separated list, leaving out what does not parse (tests).
    #[cfg(test)]
    pub fn from_list(list: &str) -> TrustedProxies {
        TrustedProxies(list.split(',').filter_map(Self::parse_entry).collect())
    }

    /// One entry: an address (one host) or a network in CIDR notation.
    fn parse_entry(entry: &str) -> Option<ipnet::IpNet> {
        let entry = entry.trim();
        entry
            .parse::<ipnet::IpNet>()
            .ok()
            .or_else(|| entry.parse::<std::net::IpAddr>().ok().map(Into::into))
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries;
        fn parse<E: serde::de::Error>(
            entries: impl Iterator<Item = String>,
        ) -> Result<TrustedProxies, E> {
            let mut nets = Vec::new();
            // Entries are counted, not echoed: values are never printed.
            for (i, entry) in entries.enumerate() {
                match TrustedProxies::parse_entry(&entry) {
                    Some(net) => nets.push(net),
                    None => {
                        return Err(E::custom(format!(
                            "entry {} is not an IP address or a CIDR (like 10.0.0.1 or 10.0.0.0/8)",
                            i + 1
                        )))
                    }
                }
            }
            Ok(TrustedProxies(nets))
        }
        impl<'de> serde::de::Visitor<'de> for Entries {
            type Value = TrustedProxies;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("IP addresses or CIDRs, comma-separated or as an array")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                parse(
                    v.split(',')
                        .map(str::trim)
                        .filter(|e| !e.is_empty())
                        .map(str::to_string),
                )
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = seq.next_element::<String>()? {
                    entries.push(entry);
                }
                parse(entries.into_iter())
            }
        }
        d.deserialize_any(Entries)
    }
}

#[derive(Serialize)]
struct Defaults {
    database_url: &'static str,
    addr: &'static str,
    demo: bool,
    cookie_secure: bool,
    login_attempts_per_minute: u32,
    api_requests_per_minute: u32,
    trusted_proxies: &'static str,
    site_root: &'static str,
    log_format: LogFormat,
    log: &'static str,
    upstream_connect_timeout_ms: u64,
    upstream_timeout_ms: u64,
    upstream_requests_per_second: u32,
    eclipse_poll_secs: u64,
    poll_secs: u64,
    poll_concurrency: u32,
    stale_after_hours: u64,
    workers: bool,
    audit_checkpoint_minutes: u64,
    sla_hours: u32,
    min_free_disk_mb: u64,
}

const DEFAULTS: Defaults = Defaults {
    database_url: "sqlite://data/kyc-desk.db",
    addr: "127.0.0.1:3000",
    demo: false,
    cookie_secure: true,
    login_attempts_per_minute: 30,
    api_requests_per_minute: 600,
    trusted_proxies: "",
    site_root: "target/site",
    log_format: LogFormat::Json,
    log: "info,sqlx=warn,tower_sessions=warn",
    upstream_connect_timeout_ms: 2_000,
    upstream_timeout_ms: 10_000,
    upstream_requests_per_second: 10,
    eclipse_poll_secs: 45,
    poll_secs: 30,
    poll_concurrency: 4,
    stale_after_hours: 24,
    workers: true,
    audit_checkpoint_minutes: 10,
    sla_hours: 24,
    min_free_disk_mb: 512,
};

/// The audit signing key (an Ed25519 seed) from its base64 form, as the
/// setting holds it.
pub fn signing_key_from_base64(b64: &str) -> Option<ed25519_dalek::SigningKey> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .ok()?;
    let seed: [u8; 32] = bytes.try_into().ok()?;
    Some(ed25519_dalek::SigningKey::from_bytes(&seed))
}

/// Read when present and no other file is named.
const DEFAULT_FILE: &str = "kyc-desk.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("bad setting: {0}")]
    Invalid(String),
}

impl Settings {
    /// The console URL template of `provider`, if one is set.
    pub fn console_url(&self, provider: crate::domain::verification::Provider) -> Option<&str> {
        use crate::domain::verification::Provider;
        match provider {
            Provider::Eclipse => self.eclipse_console_url.as_deref(),
            Provider::BiometricKz => self.biometric_kz_console_url.as_deref(),
            Provider::Ident => self.ident_console_url.as_deref(),
            Provider::Width => self.width_console_url.as_deref(),
        }
    }

    /// Loads settings from `file` (if given, it must exist; otherwise
    /// `kyc-desk.toml` is read when present) and the environment.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Self::from_figment(Self::figment(file)?)
    }

    /// The built-in defaults alone (tests merge their own values on top).
    pub fn defaults() -> Figment {
        Figment::from(Serialized::defaults(DEFAULTS))
    }

    pub fn figment(file: Option<&Path>) -> Result<Figment, ConfigError> {
        let mut fig = Self::defaults();
        match file {
            Some(path) if !path.exists() => return Err(ConfigError::MissingFile(path.into())),
            Some(path) => fig = fig.merge(Toml::file_exact(path)),
            None if Path::new(DEFAULT_FILE).exists() => {
                fig = fig.merge(Toml::file_exact(DEFAULT_FILE))
            }
            None => {}
        }
        Ok(fig.merge(Env::prefixed("KYC_DESK_").ignore(&["config"])))
    }

    pub fn from_figment(fig: Figment) -> Result<Settings, ConfigError> {
        let settings: Settings = fig
            .extract()
            .map_err(|e| ConfigError::Invalid(describe(e)))?;
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |msg: &str| Err(ConfigError::Invalid(msg.to_string()));
        if !self.database_url.starts_with("sqlite:") {
            return bad("KYC_DESK_DATABASE_URL (database_url) must start with sqlite:");
        }
        if self.login_attempts_per_minute == 0 {
            return bad(
                "KYC_DESK_LOGIN_ATTEMPTS_PER_MINUTE (login_attempts_per_minute) must be at least 1",
            );
        }
        if self.api_requests_per_minute == 0 {
            return bad(
                "KYC_DESK_API_REQUESTS_PER_MINUTE (api_requests_per_minute) must be at least 1",
            );
        }
        if let Some(pw) = &self.demo_password {
            use secrecy::ExposeSecret;
            if crate::domain::user::check_new_password(pw.expose_secret()).is_err() {
                return bad("KYC_DESK_DEMO_PASSWORD (demo_password) must be 12 to 128 characters");
            }
        }
        self.validate_providers()?;
        self.validate_oidc()?;
        if self.poll_concurrency == 0 || self.upstream_requests_per_second == 0 {
            return bad("KYC_DESK_POLL_CONCURRENCY and KYC_DESK_UPSTREAM_REQUESTS_PER_SECOND must be at least 1");
        }
        if self.eclipse_poll_secs < 30 {
            return bad("KYC_DESK_ECLIPSE_POLL_SECS (eclipse_poll_secs) must be at least 30 (Eclipse asks for 30–60 s)");
        }
        if self.audit_checkpoint_minutes == 0 {
            return bad(
                "KYC_DESK_AUDIT_CHECKPOINT_MINUTES (audit_checkpoint_minutes) must be at least 1",
            );
        }
        if !(1..=8760).contains(&self.sla_hours) {
            return bad("KYC_DESK_SLA_HOURS (sla_hours) must be between 1 and 8760");
        }
        if let Some(key) = &self.audit_signing_key {
            use secrecy::ExposeSecret;
            if signing_key_from_base64(key.expose_secret()).is_none() {
                return bad(
                    "KYC_DESK_AUDIT_SIGNING_KEY (audit_signing_key) must be the base64 of 32 bytes",
                );
            }
        }
        if let Some(key) = &self.secret_key {
            use secrecy::ExposeSecret;
            if key.expose_secret().len() < 32 {
                return bad("KYC_DESK_SECRET_KEY (secret_key) must be at least 32 characters");
            }
        }
        Ok(())
    }

    /// Single sign-on: all of issuer, client id and secret or none; an https issuer (http only
    /// on a loopback address); accounts made at first sign-on never as admins (a role without
    /// single sign-on is warned about at start: demo mode and tests add the sandbox's issuer
    /// after these checks).
    fn validate_oidc(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        let set = [
            self.oidc_issuer.is_some(),
            self.oidc_client_id.is_some(),
            self.oidc_client_secret.is_some(),
        ];
        if set.contains(&true) && set.contains(&false) {
            return bad("KYC_DESK_OIDC_ISSUER, KYC_DESK_OIDC_CLIENT_ID and KYC_DESK_OIDC_CLIENT_SECRET go together: set all three or none");
        }
        if let Some(issuer) = &self.oidc_issuer {
            let ok = reqwest::Url::parse(issuer).is_ok_and(|u| {
                u.scheme() == "https"
                    || (u.scheme() == "http"
                        && u.host_str().is_some_and(|h| {
                            h == "localhost" || h.starts_with("127.") || h == "[::1]"
                        }))
            });
            if !ok {
                return bad("KYC_DESK_OIDC_ISSUER (oidc_issuer) must be an https URL (http only on a loopback address)");
            }
        }
        match self.oidc_new_account_role {
            Some(crate::domain::Role::Admin) => {
                bad("KYC_DESK_OIDC_NEW_ACCOUNT_ROLE (oidc_new_account_role) cannot be admin: admins create admins")
            }
            _ => Ok(()),
        }
    }

    /// A provider with a base URL needs its credentials, and URLs must be http(s).
    fn validate_providers(&self) -> Result<(), ConfigError> {
        let url = |name: &str, v: &Option<String>| -> Result<(), ConfigError> {
            match v {
                Some(u)
                    if !(u.starts_with("http://") || u.starts_with("https://"))
                        || reqwest::Url::parse(u).is_err() =>
                {
                    Err(ConfigError::Invalid(format!("{name}: not an http(s) URL")))
                }
                _ => Ok(()),
            }
        };
        let need = |provider: &str,
                    base: &Option<String>,
                    missing: &[(&str, bool)]|
         -> Result<(), ConfigError> {
            if base.is_none() {
                return Ok(());
            }
            match missing.iter().find(|(_, present)| !present) {
                Some((name, _)) => Err(ConfigError::Invalid(format!(
                    "{name} is required when {provider} is configured"
                ))),
                None => Ok(()),
            }
        };
        url("KYC_DESK_PUBLIC_URL", &self.public_url)?;
        url("KYC_DESK_ECLIPSE_BASE_URL", &self.eclipse_base_url)?;
        url(
            "KYC_DESK_BIOMETRIC_KZ_BASE_URL",
            &self.biometric_kz_base_url,
        )?;
        url("KYC_DESK_BIOMETRIC_KZ_MCP_URL", &self.biometric_kz_mcp_url)?;
        url("KYC_DESK_IDENT_BASE_URL", &self.ident_base_url)?;
        url("KYC_DESK_WIDTH_BASE_URL", &self.width_base_url)?;
        for (name, template) in [
            ("KYC_DESK_ECLIPSE_CONSOLE_URL", &self.eclipse_console_url),
            (
                "KYC_DESK_BIOMETRIC_KZ_CONSOLE_URL",
                &self.biometric_kz_console_url,
            ),
            ("KYC_DESK_IDENT_CONSOLE_URL", &self.ident_console_url),
            ("KYC_DESK_WIDTH_CONSOLE_URL", &self.width_console_url),
        ] {
            if let Some(t) = template {
                if !t.contains("{ref}") {
                    return Err(ConfigError::Invalid(format!(
                        "{name}: put {{ref}} where the provider's id goes"
                    )));
                }
                url(name, &Some(t.replace("{ref}", "ref")))?;
            }
        }
        need(
            "KYC_DESK_ECLIPSE_BASE_URL",
            &self.eclipse_base_url,
            &[
                ("KYC_DESK_ECLIPSE_IDENTITY", self.eclipse_identity.is_some()),
                ("KYC_DESK_ECLIPSE_PASSWORD", self.eclipse_password.is_some()),
            ],
        )?;
        need(
            "KYC_DESK_BIOMETRIC_KZ_BASE_URL",
            &self.biometric_kz_base_url,
            &[(
                "KYC_DESK_BIOMETRIC_KZ_FLOW_API_KEY",
                self.biometric_kz_flow_api_key.is_some(),
            )],
        )?;
        need(
            "KYC_DESK_BIOMETRIC_KZ_MCP_URL",
            &self.biometric_kz_mcp_url,
            &[(
                "KYC_DESK_BIOMETRIC_KZ_ORG_API_KEY",
                self.biometric_kz_org_api_key.is_some(),
            )],
        )?;
        need(
            "KYC_DESK_IDENT_BASE_URL",
            &self.ident_base_url,
            &[("KYC_DESK_IDENT_TOKEN", self.ident_token.is_some())],
        )?;
        need(
            "KYC_DESK_WIDTH_BASE_URL",
            &self.width_base_url,
            &[
                ("KYC_DESK_WIDTH_API_KEY", self.width_api_key.is_some()),
                ("KYC_DESK_WIDTH_API_SECRET", self.width_api_secret.is_some()),
                ("KYC_DESK_WIDTH_DOMAIN_ID", self.width_domain_id.is_some()),
            ],
        )?;
        Ok(())
    }

    /// The public base URL, without a trailing slash.
    pub fn public_base(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.addr))
            .trim_end_matches('/')
            .to_string()
    }

    /// Is any provider configured with a real base URL?
    pub fn any_provider_configured(&self) -> bool {
        self.eclipse_base_url.is_some()
            || self.biometric_kz_base_url.is_some()
            || self.ident_base_url.is_some()
            || self.width_base_url.is_some()
    }

    /// Who must sign in with a second factor: as configured; if not, `privileged`, and `off`
    /// in demo mode (its accounts are for trying KYC Desk out with a shared password).
    pub fn mfa_policy(&self) -> crate::domain::second_factor::MfaPolicy {
        use crate::domain::second_factor::MfaPolicy;
        self.mfa_required.unwrap_or(if self.demo {
            MfaPolicy::Off
        } else {
            MfaPolicy::Privileged
        })
    }

    /// The server needs a secret key and an audit signing key outside demo
    /// mode (the CLI's user commands do not).
    pub fn require_secret_key(&self) -> Result<(), ConfigError> {
        if self.secret_key.is_none() && !self.demo {
            return Err(ConfigError::Invalid(
                "KYC_DESK_SECRET_KEY (secret_key) is required outside demo mode \
                 (32+ random characters)"
                    .into(),
            ));
        }
        if self.audit_signing_key.is_none() && !self.demo {
            return Err(ConfigError::Invalid(
                "KYC_DESK_AUDIT_SIGNING_KEY (audit_signing_key) is required outside demo mode \
                 (make one with `kyc-desk audit keygen`)"
                    .into(),
            ));
        }
        Ok(())
    }

    /// Where the database file lives (for files kept beside it).
    pub fn data_dir(&self) -> PathBuf {
        let path = self
            .database_url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:")
            .split('?')
            .next()
            .unwrap_or_default();
        Path::new(path)
            .parent()
            .map(Path::to_path_buf)
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or_else(|| PathBuf::from("."))
    }
}

/// Turns a figment error into one line naming the setting and its source,
/// without echoing the offending value (it might be a secret).
fn describe(err: figment::Error) -> String {
    err.into_iter()
        .map(|e| {
            let key = e.path.join(".");
            let env = format!("KYC_DESK_{}", key.to_uppercase());
            let what = match &e.kind {
                figment::error::Kind::InvalidType(_, expected) => format!("expected {expected}"),
                figment::error::Kind::InvalidValue(_, expected) => format!("expected {expected}"),
                figment::error::Kind::UnknownField(f, _) => {
                    return format!(
                        "unknown setting `{f}` (KYC_DESK_{}){}",
                        f.to_uppercase(),
                        source_of(&e)
                    )
                }
                figment::error::Kind::MissingField(f) => format!("missing value for {f}"),
                figment::error::Kind::Message(m) => m.clone(),
                other => other.to_string(),
            };
            format!("{env} ({key}): {what}{}", source_of(&e))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn source_of(e: &figment::Error) -> String {
    e.metadata
        .as_ref()
        .map(|m| format!(" [from {}]", m.name))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(toml: &str) -> Result<Settings, ConfigError> {
        Settings::from_figment(Settings::defaults().merge(Toml::string(toml)))
    }

    #[test]
    fn admins_and_officers_need_a_second_factor_unless_configured_otherwise() {
        use crate::domain::second_factor::MfaPolicy;
        assert_eq!(
            with("").expect("defaults").mfa_policy(),
            MfaPolicy::Privileged
        );
        assert_eq!(
            with("demo = true").expect("demo").mfa_policy(),
            MfaPolicy::Off
        );
        let all = with("demo = true\nmfa_required = \"all\"").expect("all");
        assert_eq!(all.mfa_policy(), MfaPolicy::All);
        let err = with("mfa_required = \"sometimes\"").expect_err("refused");
        assert!(err.to_string().contains("KYC_DESK_MFA_REQUIRED"), "{err}");
    }

    #[test]
    fn single_sign_on_is_all_three_settings_or_none_and_never_makes_admins() {
        let one = with("oidc_issuer = \"https://id.example.com\"").expect_err("refused");
        assert!(one.to_string().contains("set all three"), "{one}");
        let three = "oidc_issuer = \"https://id.example.com\"\noidc_client_id = \"kyc\"\n\
                     oidc_client_secret = \"s3cret\"\n";
        assert!(with(three).is_ok());
        let plain = three.replace("https://id.example.com", "http://id.example.com");
        assert!(with(&plain)
            .expect_err("refused")
            .to_string()
            .contains("https"));
        let admin = format!("{three}oidc_new_account_role = \"admin\"");
        assert!(with(&admin)
            .expect_err("refused")
            .to_string()
            .contains("cannot be admin"));
        let reviewer = format!("{three}oidc_new_account_role = \"reviewer\"");
        assert!(with(&reviewer).is_ok());
    }

    #[test]
    fn demo_mode_needs_no_secrets() {
        let s = with("demo = true").expect("demo settings");
        assert_eq!(s.addr.to_string(), "127.0.0.1:3000");
        assert!(s.cookie_secure);
        assert!(s.require_secret_key().is_ok());
    }

    #[test]
    fn a_bad_address_is_named_in_the_error() {
        let err = with("addr = \"not-an-address\"")
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("KYC_DESK_ADDR"), "{err}");
        assert!(
            !err.contains("not-an-address"),
            "values are not echoed: {err}"
        );
    }

    #[test]
    fn the_server_outside_demo_mode_requires_a_secret_key() {
        let err = with("")
            .expect("loads")
            .require_secret_key()
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("KYC_DESK_SECRET_KEY"), "{err}");
    }

    #[test]
    fn a_short_secret_key_is_refused() {
        let err = with("secret_key = \"short\"")
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("KYC_DESK_SECRET_KEY"), "{err}");
    }

    #[test]
    fn secrets_are_not_printed_by_debug() {
        let s = with("demo = true\ndemo_password = \"hunter2hunter2\"").expect("ok");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn unknown_settings_are_refused() {
        let err = with("databse_url = \"x\"").expect_err("typo").to_string();
        assert!(err.contains("databse_url"), "{err}");
    }

    #[test]
    fn a_provider_without_its_credentials_is_refused_by_name() {
        let err = with("eclipse_base_url = \"https://eclipse.example\"\neclipse_identity = \"me\"")
            .expect_err("password missing")
            .to_string();
        assert!(err.contains("KYC_DESK_ECLIPSE_PASSWORD"), "{err}");
        let err = with("width_base_url = \"ftp://x\"")
            .expect_err("bad url")
            .to_string();
        assert!(err.contains("KYC_DESK_WIDTH_BASE_URL"), "{err}");
    }

    #[test]
    fn a_console_url_must_be_http_and_say_where_the_id_goes() {
        let ok = with("ident_console_url = \"https://ident.example/applications/{ref}\"");
        assert!(ok.is_ok(), "{ok:?}");
        let err = with("ident_console_url = \"https://ident.example/applications\"")
            .expect_err("no {ref}")
            .to_string();
        assert!(
            err.contains("KYC_DESK_IDENT_CONSOLE_URL") && err.contains("{ref}"),
            "{err}"
        );
        let err = with("width_console_url = \"javascript:alert(1)//{ref}\"")
            .expect_err("not http")
            .to_string();
        assert!(err.contains("KYC_DESK_WIDTH_CONSOLE_URL"), "{err}");
    }

    #[test]
    fn no_config_file_at_all_is_fine() {
        // The package root has no kyc-desk.toml.
        let fig = Settings::figment(None).expect("no file needed");
        assert!(fig.extract_inner::<String>("database_url").is_ok());
    }

    #[test]
    fn a_config_file_is_read() {
        let dir = std::env::temp_dir().join(format!("kyc-desk-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = dir.join("kyc-desk.toml");
        std::fs::write(&file, "addr = \"127.0.0.1:4000\"\ndemo = true\n").expect("write");
        let fig = Settings::figment(Some(&file)).expect("file");
        assert_eq!(
            fig.extract_inner::<String>("addr").expect("addr"),
            "127.0.0.1:4000"
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks_as_a_list_or_an_array() {
        let list = with("trusted_proxies = \"10.0.0.1, 192.168.0.0/16,::1\"").expect("a list");
        let array = with("trusted_proxies = [\"10.0.0.1\", \"192.168.0.0/16\", \"::1\"]")
            .expect("an array");
        assert_eq!(list.trusted_proxies, array.trusted_proxies);
        let trusted = list.trusted_proxies;
        for ip in ["10.0.0.1", "192.168.4.5", "::1"] {
            assert!(trusted.contains(ip.parse().expect("ip")), "{ip}");
        }
        for ip in ["10.0.0.2", "192.169.0.1", "::2"] {
            assert!(!trusted.contains(ip.parse().expect("ip")), "{ip}");
        }
        assert!(with("").expect("defaults").trusted_proxies.is_empty());
    }

    #[test]
    fn a_bad_trusted_proxy_is_named_in_the_error() {
        for bad in [
            "trusted_proxies = \"10.0.0.1, 10.0.0.300\"",
            "trusted_proxies = [\"10.0.0.0/33\"]",
            "trusted_proxies = \"proxy.example\"",
            "trusted_proxies = 10",
        ] {
            let err = with(bad).expect_err(bad).to_string();
            assert!(err.contains("KYC_DESK_TRUSTED_PROXIES"), "{bad}: {err}");
            assert!(
                !err.contains("300") && !err.contains("proxy.example"),
                "{err}"
            );
        }
    }

    #[test]
    fn a_missing_config_file_is_an_error() {
        let err =
            Settings::load(Some(Path::new("/nonexistent/kyc-desk.toml"))).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/kyc-desk.toml"));
    }
}
