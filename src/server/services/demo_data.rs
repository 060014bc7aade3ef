//! Demo mode's upstream: the built-in sandbox, started in-process when no
//! provider is configured, and one demo customer per sandbox scenario so the
//! dashboard shows real work from the first minute.

use crate::domain::customer::{CustomerInput, RefInput};
use crate::error::AppError;
use crate::server::clock::Clock;
use crate::server::config::Settings;
use crate::server::db::audit::{Actor, Origin};
use crate::server::db::Db;
use crate::server::sandbox::{RunningSandbox, Sandbox, SandboxConfig, ScenarioRef};
use crate::server::services::customers;
use secrecy::SecretString;
use std::collections::HashSet;

/// Starts the sandbox on a free local port and points every provider of
/// `settings` at it, with the sandbox's credentials.
pub async fn start_sandbox(settings: &mut Settings) -> std::io::Result<RunningSandbox> {
    let sandbox = Sandbox::start(SandboxConfig::default(), "127.0.0.1:0").await?;
    point_at_sandbox(settings, &sandbox);
    let addr = sandbox.addr();
    tracing::info!(%addr, "demo mode: the built-in sandbox stands in for the four providers");
    Ok(sandbox)
}

/// Sets every provider's base URL and credentials to those of a sandbox, and single sign-on
/// to its identity provider when none is configured.
pub fn point_at_sandbox(settings: &mut Settings, sandbox: &RunningSandbox) {
    let base = sandbox.url();
    let cfg = sandbox.config();
    let secret = |s: &str| Some(SecretString::from(s.to_string()));
    settings.eclipse_base_url = Some(base.clone());
    settings.eclipse_identity = Some(cfg.eclipse_identity.clone());
    settings.eclipse_password = secret(&cfg.eclipse_password);
    settings.biometric_kz_base_url = Some(base.clone());
    settings.biometric_kz_flow_api_key = secret(&cfg.biometric_flow_api_key);
    settings.biometric_kz_mcp_url = Some(format!("{base}/mcp/"));
    settings.biometric_kz_org_api_key = secret(&cfg.biometric_org_api_key);
    settings.ident_base_url = Some(format!("{base}/api/v1"));
    settings.ident_token = secret(&cfg.ident_token);
    settings.width_base_url = Some(base);
    settings.width_api_key = secret(&cfg.width_api_key);
    settings.width_api_secret = secret(&cfg.width_api_secret);
    settings.width_domain_id = Some(cfg.width_domain_id.clone());
    // Single sign-on with the sandbox's identity provider, unless one is configured.
    if settings.oidc_issuer.is_none() {
        settings.oidc_issuer = Some(format!("{}/oidc", sandbox.url()));
        settings.oidc_client_id = Some(cfg.oidc_client_id.clone());
        settings.oidc_client_secret = secret(&cfg.oidc_client_secret);
        settings.oidc_name = Some("the sandbox identity provider".into());
    }
}

const NAMES: &[&str] = &[
    "Aigerim Sarsenova",
    "Thabo Nkosi",
    "Maria Ivanova",
    "Daniel Okafor",
    "Li Wei",
    "Sofia Rossi",
    "Arman Bekov",
    "Naledi Dlamini",
    "Oleg Petrov",
    "Fatima Zahra",
    "Kenji Sato",
    "Amelia Clarke",
    "Nurlan Abenov",
    "Sipho Mokoena",
    "Elena Popescu",
    "Carlos Mendes",
    "Priya Raman",
    "Jonas Berg",
    "Dana Omarova",
    "Lerato Khumalo",
    "Yusuf Demir",
    "Hannah Fischer",
    "Zhanna Kim",
    "Pieter de Wet",
    "Grace Mwangi",
    "Timur Aliyev",
    "Chloe Martin",
    "Ahmed Hassan",
    "Ingrid Olsen",
    "Ravi Patel",
    "Marat Iskakov",
    "Zanele Zulu",
    "Anna Kowalska",
    "Luis Garcia",
    "Mei Lin",
    "Farid Karimov",
    "Olivia Brown",
    "Sello Molefe",
    "Katya Smirnova",
    "Omar Farouk",
];

/// One demo customer per sandbox scenario (skipping scenarios that reuse
/// another's reference). Registering is idempotent, so restarts add nothing.
pub async fn seed_customers(db: &Db, clock: &Clock) -> Result<usize, AppError> {
    let mut used = HashSet::new();
    let mut n = 0;
    for (i, s) in Sandbox::scenarios().into_iter().enumerate() {
        // Walk-in ids stay free for people adding customers by hand.
        if s.key == "walk_in" {
            continue;
        }
        let (r, country) = match &s.refs {
            ScenarioRef::Eclipse {
                tenant_id,
                customer_id,
            } => (
                RefInput {
                    provider: "eclipse".into(),
                    tenant_id: Some(tenant_id.to_string()),
                    customer_id: Some(customer_id.to_string()),
                    ..RefInput::default()
                },
                "ZA",
            ),
            ScenarioRef::BiometricKz { session_id } => (
                RefInput {
                    provider: "biometric_kz".into(),
                    session_id: Some(session_id.to_string()),
                    ..RefInput::default()
                },
                "KZ",
            ),
            ScenarioRef::Ident { application_id } => (
                RefInput {
                    provider: "ident".into(),
                    application_id: Some(application_id.to_string()),
                    ..RefInput::default()
                },
                "US",
            ),
            ScenarioRef::Width {
                execution_id,
                customer_id,
                reference_id,
            } => (
                RefInput {
                    provider: "width".into(),
                    execution_id: Some(execution_id.to_string()),
                    customer_id: Some(customer_id.to_string()),
                    reference_id: Some(reference_id.to_string()),
                    ..RefInput::default()
                },
                "SG",
            ),
        };
        let key = format!(
            "{}:{:?}",
            r.provider,
            (
                &r.tenant_id,
                &r.customer_id,
                &r.session_id,
                &r.application_id,
                &r.execution_id
            )
        );
        if !used.insert(key) {
            continue;
        }
        let name = NAMES[i % NAMES.len()];
        let input = CustomerInput {
            external_id: format!("demo-{}-{}", s.provider, s.key).replace('_', "-"),
            display_name: name.to_string(),
            email: Some(format!(
                "{}@example.com",
                name.to_lowercase().replace(' ', ".")
            )),
            country: Some(country.to_string()),
            refs: vec![r],
        };
        let new = match input.validate() {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(
                    scenario = s.key, field = %e.field, "demo scenario skipped: {}", e.message
                );
                continue;
            }
        };
        match customers::upsert(db, clock, Actor::System("demo"), &Origin::default(), new).await {
            Ok(up) if up.created => n += 1,
            Ok(_) => {}
            Err(e) if e.is_validation() => {
                tracing::warn!(scenario = s.key, "demo scenario skipped: {}", e.message())
            }
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}
