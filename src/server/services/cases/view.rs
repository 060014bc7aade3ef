//! The case page: everything it shows, and the actions this person may take.

use super::decision::checks_of;
use crate::domain::case::{self, CaseFacts};
use crate::domain::decision;
use crate::domain::verification::Provider;
use crate::domain::verification::{Check, CheckCategory, CheckOutcome, UpstreamStatus};
use crate::error::AppError;
use crate::server::db;
use crate::server::db::cases as db_cases;
use crate::server::pii::mask_personal;
use crate::server::providers;
use crate::server::session::CurrentUser;
use crate::server::state::AppState;
use crate::server::views;
use crate::view::RetriggerOption;
use crate::view::{
    ActorOption, CaseActions, CaseView, DecisionView, NoteView, OtherVerification, PushView,
};

/// The customer case `id` belongs to (not found: no such case).
pub async fn customer_of(st: &AppState, id: i64) -> Result<i64, AppError> {
    db::verifications::customer_of(st.db.reader(), id)
        .await?
        .ok_or_else(|| AppError::not_found("Case"))
}

/// The case page.
pub async fn case(
    st: &AppState,
    me: &CurrentUser,
    id: i64,
    pii_revealed: bool,
) -> Result<CaseView, AppError> {
    let v = db::verifications::find(st.db.reader(), id)
        .await?
        .ok_or_else(|| AppError::not_found("Case"))?;
    let mut customer = super::super::customers::get(&st.db, v.customer_id).await?;
    if !pii_revealed {
        super::super::customers::mask(&mut customer);
    }
    let assignee = match v.assignee_id {
        Some(a) => db::users::find(st.db.reader(), a).await?.map(|u| u.name),
        None => None,
    };
    let notes = db_cases::notes(st.db.reader(), id)
        .await?
        .into_iter()
        .map(|n| NoteView {
            id: n.note_id,
            author: n.author_name,
            body: n.body,
            at: views::time(n.created_at),
        })
        .collect();
    let decisions: Vec<DecisionView> = db_cases::decisions(st.db.reader(), id)
        .await?
        .into_iter()
        .map(decision_view)
        .collect();
    let proposal = decisions.iter().find(|d| d.status == "PROPOSED").cloned();
    let pushes = db_cases::outbox_of(st.db.reader(), id)
        .await?
        .into_iter()
        .map(|o| PushView {
            id: o.outbox_id,
            kind: o.kind,
            state: o.state,
            attempts: o.attempts,
            next_attempt_at: o.next_attempt_at.map(views::time),
            last_error: views::upstream_error(o.last_error.as_deref()),
            result: o
                .result
                .as_deref()
                .map(crate::server::workers::outbox::message_of),
        })
        .collect::<Vec<_>>();
    let others = db::verifications::for_customer(st.db.reader(), v.customer_id)
        .await?
        .into_iter()
        .filter(|o| o.verification_id != id)
        .map(|o| OtherVerification {
            id: o.verification_id,
            provider: o.provider,
            upstream_status: o.upstream_status,
            review_status: o.review_status,
            created_at: views::time(o.created_at),
        })
        .collect();
    let checks = checks_of(st, id).await?;
    let status = v.review_status;
    let upstream = v.upstream_status;
    let sanctions_hit = checks
        .iter()
        .any(|(c, o)| *c == CheckCategory::SanctionsPepAml && *o == CheckOutcome::Failed);
    let upstream_failed = matches!(upstream, UpstreamStatus::Failed | UpstreamStatus::Declined);
    let is_assignee = v.assignee_id == Some(me.user_id);
    let retrigger_on_its_way = pushes
        .iter()
        .any(|p| p.kind != "decision" && matches!(p.state.as_str(), "PENDING" | "SENDING"));
    let can = CaseActions::for_case(&CaseFacts {
        role: me.role,
        is_assignee,
        status,
        sanctions_hit,
        upstream_failed,
        proposal_by_me: proposal.as_ref().map(|p| p.by_id == me.user_id),
        failed_push: pushes.iter().any(|p| p.state == "FAILED"),
        retrigger_on_its_way,
    });
    let assignable = if can.assign {
        db::users::assignable(st.db.reader())
            .await?
            .into_iter()
            .map(|(user_id, name, role)| ActorOption {
                user_id,
                label: format!("{name} ({})", role.replace('_', " ")),
            })
            .collect()
    } else {
        Vec::new()
    };
    let raw_snapshot = serde_json::from_str::<serde_json::Value>(&v.snapshot).ok();
    let snapshot = raw_snapshot
        .as_ref()
        .map(|s| {
            if pii_revealed {
                s.clone()
            } else {
                mask_personal(s)
            }
        })
        .and_then(|s| serde_json::to_string_pretty(&s).ok())
        .unwrap_or_default();
    let provider = v.provider;
    // Photos are listed from where the snapshot redacted them, and fetched
    // through the media proxy only once personal data is revealed.
    let serves_media = st
        .providers
        .adapter(provider)
        .is_some_and(|a| a.serves_media());
    let media = match (&raw_snapshot, serves_media) {
        (Some(s), true) => crate::server::providers::media::media_paths(s)
            .into_iter()
            .map(|path| crate::view::MediaView {
                label: crate::server::providers::media::label(&path),
                url: pii_revealed.then(|| {
                    format!(
                        "/cases/{}/media?path={}",
                        v.verification_id,
                        crate::domain::query_value(&path)
                    )
                }),
                path,
            })
            .collect(),
        _ => Vec::new(),
    };
    let retriggers = if can.offer_retriggers {
        retrigger_options(me, provider, upstream, &checks, &can)
    } else {
        Vec::new()
    };
    let verification = super::super::customers::with_checks(&st.db, vec![v.clone()], pii_revealed)
        .await?
        .pop()
        .ok_or_else(AppError::internal)?;
    let evidence: Vec<Check> = verification
        .checks
        .iter()
        .map(|c| Check {
            key: c.key.clone(),
            name: c.name.clone(),
            category: c.category,
            outcome: c.outcome,
            score: c.score,
            score_scale: c.score_scale,
            threshold: c.threshold,
            reason: c.reason.clone(),
            comment: None,
        })
        .collect();
    let why = case::why_review(upstream, &verification.upstream_status_raw, &evidence);
    Ok(CaseView {
        verification,
        customer,
        pii_revealed,
        assignee,
        assignee_id: v.assignee_id,
        notes,
        decisions,
        proposal,
        pushes,
        push_policy: providers::profile(provider).push_policy.to_string(),
        others,
        snapshot,
        media,
        sanctions_hit,
        upstream_failed,
        can,
        assignable,
        retriggers,
        why,
        draft: None,
        earlier: serde_json::from_str(&v.earlier_results).unwrap_or_default(),
        console_url: st
            .settings
            .console_url(provider)
            .map(|t| crate::domain::verification::console_link(t, provider, &v.upstream_ref)),
    })
}

/// The re-triggers the provider offers, each with why it cannot be asked
/// now (the case rule first, then the guard on that re-trigger).
fn retrigger_options(
    me: &CurrentUser,
    provider: Provider,
    upstream: UpstreamStatus,
    checks: &[(CheckCategory, CheckOutcome)],
    can: &CaseActions,
) -> Vec<RetriggerOption> {
    providers::profile(provider)
        .retriggers
        .iter()
        .map(|w| RetriggerOption {
            action: w.what.as_str().to_string(),
            label: w.label.to_string(),
            blocked: can.retrigger_blocked.clone().or_else(|| {
                case::retrigger_allowed(w.what, me.role, upstream, checks)
                    .err()
                    .map(|r| r.0.to_string())
            }),
            confirm: case::retrigger_needs_confirmation(w.what, upstream),
            warning: w.warning.map(str::to_string),
        })
        .collect()
}

fn decision_view(d: db_cases::DecisionRow) -> DecisionView {
    DecisionView {
        id: d.decision_id,
        kind: d.kind,
        reason: decision::reason(&d.reason_code)
            .map(|r| r.label.to_string())
            .unwrap_or(d.reason_code),
        note: d.note,
        status: d.status,
        four_eyes: d.four_eyes,
        by: d.decided_by_name,
        by_id: d.decided_by,
        at: views::time(d.decided_at),
        second_by: d.second_by_name,
        second_at: d.second_at.map(views::time),
        second_note: d.second_note,
    }
}
