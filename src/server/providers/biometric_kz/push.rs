//! Decisions to biometric.kz, through its MCP server: the session's final
//! status (only from IN_REVIEW, where a Cabinet reviewer took it) and a
//! review that records ours.

use super::mcp::FinalStatus;
use super::BiometricKz;
use crate::domain::decision::DecisionKind;
use crate::domain::verification::Provider;
use crate::server::providers::{UpstreamError, UpstreamErrorKind};
use serde::{Deserialize, Serialize};

/// An approval or a decline of one session, with the reviewer's note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub session_id: String,
    /// `APPROVED` or `DECLINED`.
    pub status: String,
    pub note: String,
}

pub fn decision(session_id: &str, kind: DecisionKind, note: &str) -> Decision {
    let status = match kind {
        DecisionKind::Approve => FinalStatus::Approved,
        DecisionKind::Decline => FinalStatus::Declined,
    };
    Decision {
        session_id: session_id.to_string(),
        status: status.as_str().to_string(),
        note: note.to_string(),
    }
}

/// Finalises the session and records our review, each only while
/// biometric.kz does not show it: the session and its reviews are read
/// first, and again after a call whose answer was lost, so a repeated
/// delivery sends nothing twice; the review carries our idempotency `key`
/// to be found.
pub async fn deliver(bkz: &BiometricKz, d: &Decision, key: &str) -> Result<String, UpstreamError> {
    let p = Provider::BiometricKz;
    let mcp = bkz.mcp().ok_or_else(|| {
        UpstreamError::new(
            p,
            UpstreamErrorKind::Disabled,
            "the biometric.kz MCP URL and org key are not configured",
        )
    })?;
    let (session_id, target, note) = (d.session_id.as_str(), d.status.as_str(), d.note.as_str());
    let status = if target == FinalStatus::Approved.as_str() {
        FinalStatus::Approved
    } else {
        FinalStatus::Declined
    };
    let now = bkz.session(session_id).await?;
    if now.status_raw != target {
        if now.status_raw != "IN_REVIEW" {
            return Err(UpstreamError::new(
                p,
                UpstreamErrorKind::Rejected,
                format!(
                    "the session is {} at biometric.kz: a Cabinet reviewer must take it into \
                     review (IN_REVIEW) before it can be finalised; then retry",
                    now.status_raw
                ),
            ));
        }
        if let Err(e) = mcp.update_status(session_id, status, note).await {
            let applied = e.may_have_been_applied()
                && bkz
                    .session(session_id)
                    .await
                    .is_ok_and(|s| s.status_raw == target);
            if !applied {
                return Err(e);
            }
        }
    }
    let tag = format!("[kyc-desk:{key}]");
    let has_review = || async {
        mcp.list_reviews(session_id)
            .await
            .map(|reviews| reviews.to_string().contains(&tag))
    };
    if !has_review().await? {
        let text = format!("KYC Desk decision {target} {tag}: {note}");
        if let Err(e) = mcp.create_review(session_id, &text).await {
            if !(e.may_have_been_applied() && has_review().await.unwrap_or(false)) {
                return Err(e);
            }
        }
    }
    Ok(format!("biometric.kz session is {target}; review recorded"))
}
