//! Decisions to ident: the application's status, `PUT` once per attempt and
//! only while ident does not show it already.

use super::Ident;
use crate::domain::decision::DecisionKind;
use crate::server::providers::UpstreamError;
use serde::{Deserialize, Serialize};

/// An approval or a decline of one application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub application_id: String,
    /// `accepted` or `rejected`.
    pub status: String,
}

/// The status ident takes for our decision on `application_id`.
pub fn decision(application_id: &str, kind: DecisionKind) -> Decision {
    let status = match kind {
        DecisionKind::Approve => "accepted",
        DecisionKind::Decline => "rejected",
    };
    Decision {
        application_id: application_id.to_string(),
        status: status.to_string(),
    }
}

/// Sends the status only while ident does not show it. A `PUT` whose answer
/// is lost may have been applied, so the application is read first (a
/// delivery interrupted by a crash, or retried after an unreadable answer,
/// finds its decision there and sends nothing) and read again after an
/// unreadable answer.
pub async fn deliver(ident: &Ident, d: &Decision) -> Result<String, UpstreamError> {
    let (id, target) = (d.application_id.as_str(), d.status.as_str());
    if ident.application(id).await?.status_raw == target {
        return Ok(format!("ident already shows {target}; nothing sent"));
    }
    match ident.put_status(id, target).await {
        // ident's own poller may overwrite a manual status: say so.
        Ok(r) if r.status_raw != target => Ok(format!(
            "sent {target}; ident now says {} (changed again upstream)",
            r.status_raw
        )),
        Ok(_) => Ok(format!("ident status is now {target}")),
        Err(e) if e.may_have_been_applied() => match ident.application(id).await {
            Ok(now) if now.status_raw == target => Ok(format!(
                "ident status is now {target} (read back: its answer to the update was lost)"
            )),
            _ => Err(e),
        },
        Err(e) => Err(e),
    }
}
