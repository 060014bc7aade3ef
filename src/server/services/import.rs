//! Importing Provide ident applications: pages through its list and
//! registers each application under a customer (one per ident user), so the
//! poller reads them. Registering is idempotent: importing twice adds nothing.

use crate::domain::customer::{CustomerInput, RefInput};
use crate::domain::verification::Provider;
use crate::error::AppError;
use crate::server::db::audit::{Actor, Origin};
use crate::server::providers::{UpstreamError, UpstreamErrorKind};
use crate::server::services::customers;
use crate::server::state::AppState;
use serde_json::Value;

const PAGE_SIZE: u32 = 50;
/// A bound on one import (50 × 200 = 10,000 applications).
const MAX_PAGES: u32 = 200;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub applications: usize,
    pub customers_created: usize,
    pub skipped: usize,
}

pub async fn ident_applications(
    st: &AppState,
    actor: Actor,
    origin: &Origin,
) -> Result<Imported, AppError> {
    let ident = st.providers.ident.clone().ok_or_else(|| {
        UpstreamError::new(
            Provider::Ident,
            UpstreamErrorKind::Disabled,
            "Provide ident is not configured",
        )
    })?;
    let mut out = Imported::default();
    for page in 1..=MAX_PAGES {
        let p = ident.list(page, PAGE_SIZE).await?;
        let n = p.applications.len();
        for app in &p.applications {
            out.applications += 1;
            match input(app).map(|i| i.validate()) {
                Some(Ok(new)) => {
                    match customers::upsert(&st.db, &st.clock, actor.clone(), origin, new).await {
                        Ok(up) => out.customers_created += usize::from(up.created),
                        Err(e) if e.is_validation() => out.skipped += 1,
                        Err(e) => return Err(e),
                    }
                }
                _ => out.skipped += 1,
            }
        }
        let done = n < PAGE_SIZE as usize || p.total.is_some_and(|t| out.applications as u64 >= t);
        if done {
            break;
        }
    }
    st.poller.wake();
    Ok(out)
}

/// The customer an application belongs to: one per ident user.
fn input(app: &Value) -> Option<CustomerInput> {
    let s = |k: &str| {
        app.get(k)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let id = s("id")?;
    let external_id = match s("user_id") {
        Some(user) => format!("ident-user-{user}"),
        None => format!("ident-app-{id}"),
    };
    Some(CustomerInput {
        external_id,
        display_name: s("name").map(str::to_string).unwrap_or_else(|| {
            let short: String = id.chars().take(8).collect();
            format!("ident applicant {short}")
        }),
        email: None,
        country: None,
        refs: vec![RefInput {
            provider: "ident".into(),
            application_id: Some(id.to_string()),
            ..RefInput::default()
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_application_without_a_name_is_named_by_its_id_whatever_its_characters() {
        for id in [
            "1de70000-0000-4000",
            "ééééééééé-1",
            "申请编号一二三四五",
            "ab",
        ] {
            let app = serde_json::json!({ "id": id });
            let c = input(&app).expect("an application with an id");
            assert!(c.display_name.starts_with("ident applicant "), "{id}");
            assert!(id.starts_with(c.display_name.trim_start_matches("ident applicant ")));
        }
    }
}
