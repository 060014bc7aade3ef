//! Asking biometric.kz again: a new verification session (a paid
//! transaction in production organisations; sent once).

use super::BiometricKz;
use crate::domain::case::Retrigger;
use crate::domain::customer::ProviderRef;
use crate::server::providers::job::{Delivered, OutboxJob};
use crate::server::providers::{RetriggerContext, UpstreamError};

pub fn job(what: Retrigger, cx: &RetriggerContext<'_>) -> Option<OutboxJob> {
    match what {
        Retrigger::NewSession => Some(OutboxJob::NewSession {
            customer_id: cx.customer_id,
        }),
        _ => None,
    }
}

/// Creates the session; it becomes a new reference of the customer.
pub async fn new_session(bkz: &BiometricKz) -> Result<Delivered, UpstreamError> {
    let session_id = bkz.create_session().await?;
    Ok(Delivered {
        new_ref: Some(ProviderRef::BiometricKz {
            session_id: session_id.clone(),
        }),
        ..Delivered::said(format!(
            "new biometric.kz session {session_id}; the customer completes it at biometric.kz"
        ))
    })
}
