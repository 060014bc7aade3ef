//! Asking Eclipse again: re-ratify, and the hosted AWS liveness flow (start
//! it; read its result when the customer comes back).

use super::{Eclipse, Ratified, LIVENESS_THRESHOLD};
use crate::domain::case::Retrigger;
use crate::domain::verification::CheckOutcome;
use crate::server::providers::job::{Delivered, OutboxJob};
use crate::server::providers::{RetriggerContext, UpstreamError};
use serde_json::{json, Value};

/// The job for `what` on the customer `tenant_id/customer_id`.
pub fn job(
    what: Retrigger,
    tenant_id: &str,
    customer_id: &str,
    cx: &RetriggerContext<'_>,
) -> Option<OutboxJob> {
    let (tenant_id, customer_id) = (tenant_id.to_string(), customer_id.to_string());
    match what {
        Retrigger::Reratify => Some(OutboxJob::Reratify {
            tenant_id,
            customer_id,
        }),
        // The token in the path: Eclipse appends `?status=…` to the landing
        // URL as it is.
        Retrigger::Liveness => Some(OutboxJob::Liveness {
            tenant_id,
            customer_id,
            landing_url: format!("{}/liveness/callback/{}", cx.public_base, cx.key),
        }),
        Retrigger::NewSession | Retrigger::NewWorkflow => None,
    }
}

/// A new ratification (sent once: it restarts KYC).
pub async fn reratify(
    eclipse: &Eclipse,
    tenant_id: &str,
    customer_id: &str,
) -> Result<Delivered, UpstreamError> {
    let said = match eclipse.ratify(tenant_id, customer_id).await? {
        Ratified::Started(r) => format!("a new ratification started ({})", r.status_raw),
        Ratified::AlreadyInProgress { trace_id } => format!(
            "already in progress at Eclipse (KYC001{}): the running ratification will be read",
            trace_id.map(|t| format!(", trace {t}")).unwrap_or_default()
        ),
    };
    Ok(Delivered {
        poll_soon: true,
        ..Delivered::said(said)
    })
}

/// Starts a liveness session; the case page shows the customer's link.
pub async fn start_liveness(
    eclipse: &Eclipse,
    tenant_id: &str,
    customer_id: &str,
    landing_url: &str,
) -> Result<Delivered, UpstreamError> {
    let start = eclipse
        .start_liveness(tenant_id, customer_id, landing_url)
        .await?;
    Ok(Delivered::said(
        json!({
            "message": format!(
                "send the customer this liveness link (valid about 3 minutes): {}",
                start.completion_url
            ),
            "summary": "a liveness link was created for the customer \
                        (valid about 3 minutes; shown on the case page)",
            "completion_url": start.completion_url,
            "document_id": start.document_id,
            "document": start.document,
            "tenant_id": tenant_id,
            "customer_id": customer_id,
        })
        .to_string(),
    ))
}

/// The job that reads a finished liveness check, from what starting it
/// answered (the liveness row's result).
pub fn finish_job(started: &Value) -> Option<OutboxJob> {
    let text = |k: &str| {
        started
            .get(k)
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| Some(v.to_string()))
            })
            .filter(|s| !s.is_empty() && s != "null")
    };
    Some(OutboxJob::LivenessFinish {
        tenant_id: text("tenant_id")?,
        customer_id: text("customer_id")?,
        document_id: text("document_id")?,
        document: started.get("document").cloned().unwrap_or(Value::Null),
    })
}

/// Reads the result. A pass asks Eclipse to ratify again, as a row of its
/// own, sent once like every re-ratify: retrying this read never starts a
/// second ratification.
pub async fn finish_liveness(
    eclipse: &Eclipse,
    tenant_id: &str,
    customer_id: &str,
    document_id: &str,
    document: &Value,
) -> Result<Delivered, UpstreamError> {
    let (doc, check) = eclipse
        .finish_liveness(tenant_id, document_id, document)
        .await?;
    let passed = check.outcome == CheckOutcome::Passed;
    let said = format!(
        "liveness {} (score {} against {LIVENESS_THRESHOLD})",
        doc.result.unwrap_or_else(|| "without a result".into()),
        doc.score.map_or_else(|| "—".into(), |s| s.to_string()),
    );
    Ok(Delivered {
        result: if passed {
            format!("{said}; re-ratification queued")
        } else {
            said
        },
        new_ref: None,
        poll_soon: true,
        then: passed.then(|| OutboxJob::Reratify {
            tenant_id: tenant_id.to_string(),
            customer_id: customer_id.to_string(),
        }),
    })
}
