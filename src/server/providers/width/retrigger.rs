//! Asking WIDTH again: register the applicant (idempotent upstream) and
//! submit a new KYC workflow (sent once).

use super::Width;
use crate::domain::case::Retrigger;
use crate::domain::customer::ProviderRef;
use crate::server::providers::job::{Delivered, OutboxJob};
use crate::server::providers::{RetriggerContext, UpstreamError};

/// `width_customer_id`: WIDTH's id of the applicant, when the reference has
/// one (else one of ours).
pub fn job(
    what: Retrigger,
    width_customer_id: Option<&str>,
    cx: &RetriggerContext<'_>,
) -> Option<OutboxJob> {
    match what {
        Retrigger::NewWorkflow => Some(OutboxJob::NewWorkflow {
            customer_id: cx.customer_id,
            width_customer_id: width_customer_id
                .map_or_else(|| format!("kyc-desk-{}", cx.customer_id), str::to_string),
            reference_id: format!("kyc-desk-{}", cx.key),
        }),
        _ => None,
    }
}

/// The new execution becomes a new reference of the customer.
pub async fn new_workflow(
    width: &Width,
    width_customer_id: &str,
    reference_id: &str,
) -> Result<Delivered, UpstreamError> {
    width.register(Some(width_customer_id), None).await?;
    let execution_id = width.submit(width_customer_id, reference_id).await?;
    Ok(Delivered {
        new_ref: Some(ProviderRef::Width {
            execution_id: execution_id.clone(),
            customer_id: Some(width_customer_id.to_string()),
            reference_id: Some(reference_id.to_string()),
        }),
        ..Delivered::said(format!("new WIDTH workflow execution {execution_id}"))
    })
}
