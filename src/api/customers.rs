// Server functions take one argument per form field (that is how an HTML
// form posts them), so some take many.
#![allow(clippy::too_many_arguments)]

use super::arg::Arg;
use crate::error::AppError;
use crate::view::{CustomerDetail, CustomerSummary, Page, RefFieldset};
use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;
use std::collections::HashMap;

/// Customers, newest first; `q` matches a name prefix, an e-mail, an
/// external id or a provider reference.
#[server(prefix = "/api", endpoint = "customers/list", input = GetUrl)]
pub async fn list_customers(
    q: Option<String>,
    provider: Option<String>,
    country: Option<String>,
    after: Option<String>,
) -> Result<Page<CustomerSummary>, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::customers::{self, ListQuery};
    ctx::run(async move {
        let (st, _me) = ctx::require(Permission::ViewCases)?;
        let query = ListQuery {
            q,
            provider,
            country,
        };
        customers::page(&st.db, &query, after.as_deref()).await
    })
    .await
}

#[server(prefix = "/api", endpoint = "customers/get", input = GetUrl)]
pub async fn get_customer(customer_id: Arg<i64>) -> Result<CustomerDetail, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::customers;
    ctx::run(async move {
        let (st, _me) = ctx::require(Permission::ViewCases)?;
        let customer_id = customer_id.read("customer_id")?;
        let mut customer = customers::get(&st.db, customer_id).await?;
        let session: tower_sessions::Session = leptos_axum::extract()
            .await
            .map_err(|_| AppError::internal())?;
        let pii_revealed =
            customers::pii_revealed(&session, customer_id, st.clock.now_ms()).await?;
        let verifications = customers::verifications(&st.db, customer_id, pii_revealed).await?;
        if !pii_revealed {
            customers::mask(&mut customer);
        }
        Ok(CustomerDetail {
            customer,
            verifications,
            pii_revealed,
        })
    })
    .await
}

/// Shows a customer's personal data in full for ten minutes, with a reason
/// that is recorded in the audit trail. Asked from a case page (`case_id`),
/// the browser goes back to that case.
#[server(prefix = "/api", endpoint = "customers/reveal")]
pub async fn reveal_pii(
    customer_id: Arg<i64>,
    reason: String,
    case_id: Option<Arg<i64>>,
) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::customers;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::ViewCases)?;
        let customer_id = customer_id.read("customer_id")?;
        let case_id = case_id.map(|c| c.read("case_id")).transpose()?;
        let session: tower_sessions::Session = leptos_axum::extract()
            .await
            .map_err(|_| AppError::internal())?;
        let revealed = async {
            let checked = crate::domain::customer::check_reveal_reason(&reason)
                .map_err(|m| AppError::validation("reason", m))?;
            let origin = ctx::origin();
            let (db, clock) = (&st.db, &st.clock);
            customers::reveal(
                db,
                clock,
                &session,
                me.actor(),
                &origin,
                customer_id,
                &checked,
            )
            .await
        }
        .await;
        match case_id {
            // Asked from a case page, that page shows the reason again beside the error.
            Some(case) => {
                let page = format!("/cases/{case}");
                ctx::keeping_draft(&page, "reveal", &[("reason", &reason)], revealed).await?
            }
            None => revealed?,
        };
        match case_id {
            Some(case) => leptos_axum::redirect(&format!("/cases/{case}")),
            None => leptos_axum::redirect(&format!("/customers/{customer_id}")),
        }
        Ok(())
    })
    .await
}

/// The "Add customer" form: the same rules as `POST /api/v1/customers`,
/// one optional reference per provider.
#[server(prefix = "/api", endpoint = "customers/add")]
pub async fn add_customer(
    external_id: String,
    display_name: String,
    email: Option<String>,
    country: Option<String>,
    refs: Option<HashMap<String, String>>,
) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::customers;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::WorkCases)?;
        let refs = refs.unwrap_or_default();
        // A refused form comes back with everything typed.
        let mut typed: Vec<(String, String)> = vec![
            ("external_id".into(), external_id.clone()),
            ("display_name".into(), display_name.clone()),
            ("email".into(), email.clone().unwrap_or_default()),
            ("country".into(), country.clone().unwrap_or_default()),
        ];
        typed.extend(refs.iter().map(|(k, v)| (format!("refs[{k}]"), v.clone())));
        let typed: Vec<(&str, &str)> = typed
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let form = customers::CustomerForm {
            external_id,
            display_name,
            email,
            country,
            refs,
        };
        let added =
            customers::add_from_form(&st.db, &st.clock, me.actor(), &ctx::origin(), form).await;
        let up = ctx::keeping_draft("/customers/new", "add", &typed, added).await?;
        st.poller.wake();
        leptos_axum::redirect(&format!("/customers/{}", up.customer.id));
        Ok(())
    })
    .await
}

/// The fields of "Add customer": each provider's reference parts. Anyone
/// who reads cases may see them (they hold no data); adding needs
/// `WorkCases`, so a manager sees the form and is refused on submit.
#[server(prefix = "/api", endpoint = "customers/form", input = GetUrl)]
pub async fn customer_form() -> Result<Vec<RefFieldset>, AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::customers;
    ctx::run(async move {
        ctx::require(Permission::ViewCases)?;
        Ok(customers::ref_fieldsets())
    })
    .await
}

/// Reads a verification from its provider now (recorded in the audit trail;
/// an upstream failure is shown with its code and trace id).
#[server(prefix = "/api", endpoint = "verifications/refresh")]
pub async fn refresh_verification(verification_id: Arg<i64>) -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::refresh;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::WorkCases)?;
        let verification_id = verification_id.read("verification_id")?;
        // The view is not sent back (the page reloads its customer).
        refresh::refresh_verification(&st, me.actor(), &ctx::origin(), verification_id, false)
            .await?;
        Ok(())
    })
    .await
}

/// Imports every Provide ident application (paging through its list) as
/// customers; then shows the customer list with a summary.
#[server(prefix = "/api", endpoint = "customers/import-ident")]
pub async fn import_ident() -> Result<(), AppError> {
    use crate::domain::Permission;
    use crate::server::ctx;
    use crate::server::services::import;
    ctx::run(async move {
        let (st, me) = ctx::require(Permission::WorkCases)?;
        let done = import::ident_applications(&st, me.actor(), &ctx::origin()).await?;
        leptos_axum::redirect(&format!(
            "/customers?imported={}&created={}&skipped={}",
            done.applications, done.customers_created, done.skipped
        ));
        Ok(())
    })
    .await
}
