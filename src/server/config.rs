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
    /// Demo mode: demo users (and, later, demo customers from the sandbox).
    pub demo: bool,
    /// One password for every demo user, instead of generated ones (for tests).
    pub demo_password: Option<SecretString>,
    /// Mark the session cookie `Secure` (and send HSTS). Turn off only for
    /// plain http on localhost.
    pub cookie_secure: bool,
    /// Sign-in attempts allowed per client address per minute.
    pub login_attempts_per_minute: u32,
    /// Key for the keyed hash of client addresses in the audit trail. Required
    /// outside demo mode; demo mode makes one up at start.
    pub secret_key: Option<SecretString>,
    /// Where the compiled front end lives (cargo-leptos's site root).
    pub site_root: PathBuf,
    /// Log format: `json` (default) or `pretty`.
    pub log_format: LogFormat,
    /// Log filter (tracing `EnvFilter` syntax), e.g. `info` or `debug`.
    pub log: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Serialize)]
struct Defaults {
    database_url: &'static str,
    addr: &'static str,
    demo: bool,
    cookie_secure: bool,
    login_attempts_per_minute: u32,
    site_root: &'static str,
    log_format: LogFormat,
    log: &'static str,
}

const DEFAULTS: Defaults = Defaults {
    database_url: "sqlite://data/kyc-desk.db",
    addr: "127.0.0.1:3000",
    demo: false,
    cookie_secure: true,
    login_attempts_per_minute: 30,
    site_root: "target/site",
    log_format: LogFormat::Json,
    log: "info,sqlx=warn,tower_sessions=warn",
};

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
        if let Some(pw) = &self.demo_password {
            use secrecy::ExposeSecret;
            if crate::domain::user::check_new_password(pw.expose_secret()).is_err() {
                return bad("KYC_DESK_DEMO_PASSWORD (demo_password) must be 12 to 128 characters");
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

    /// The server needs a secret key outside demo mode (the CLI's user
    /// commands do not).
    pub fn require_secret_key(&self) -> Result<(), ConfigError> {
        if self.secret_key.is_none() && !self.demo {
            return Err(ConfigError::Invalid(
                "KYC_DESK_SECRET_KEY (secret_key) is required outside demo mode (32+ random characters)".into(),
            ));
        }
        Ok(())
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
    fn a_missing_config_file_is_an_error() {
        let err =
            Settings::load(Some(Path::new("/nonexistent/kyc-desk.toml"))).expect_err("missing");
        assert!(err.to_string().contains("/nonexistent/kyc-desk.toml"));
    }
}
