//! Keeping verifications fresh: what the poller and the "refresh from the
//! provider now" button share. A read from upstream is stored in one
//! transaction with its audit events: a new upstream attempt becomes a new
//! verification and supersedes the ref's older ones; a changed result
//! updates its verification (and moves its version on).

use crate::domain::audit::{AuditAction, AuditEntity};
use crate::domain::customer::ProviderRef;
use crate::domain::verification::{CategorySet, ReviewStatus};
use crate::error::AppError;
use crate::server::db::audit::{self as audit_log, change, Actor, NewEvent, Origin};
use crate::server::db::customers::RefRow;
use crate::server::db::verifications::NewVerification;
use crate::server::db::{self, Tx};
use crate::server::providers::{UpstreamError, UpstreamResult};
use crate::server::state::AppState;
use crate::view::VerificationView;
use sha2::{Digest, Sha256};
use std::time::Duration;

pub const POLLER: Actor = Actor::System("poller");

fn snapshot_hash(r: &UpstreamResult) -> (String, String) {
    let snapshot = r.snapshot.to_string();
    // The hash covers what a reviewer sees: the normalized status and checks
    // and the redacted payload. It changes when the evidence changes.
    let evidence = serde_json::json!({
        "status_raw": r.status_raw,
        "status": r.status.as_str(),
        "checks": r.checks,
        "snapshot": r.snapshot,
    });
    let hash = hex::encode(Sha256::digest(evidence.to_string().as_bytes()));
    (snapshot, hash)
}

/// What storing one read changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stored {
    pub received: usize,
    pub changed: usize,
    pub superseded: usize,
    /// Every stored result is final: no need to poll again.
    pub all_terminal: bool,
}

/// Stores what `fetch` returned for `r`, inside `tx`.
pub async fn store(
    tx: &mut Tx,
    now: i64,
    r: &RefRow,
    results: &[UpstreamResult],
    actor: &Actor,
    origin: &Origin,
) -> Result<Stored, sqlx::Error> {
    let mut out = Stored {
        all_terminal: !results.is_empty() && results.iter().all(|x| x.terminal),
        ..Stored::default()
    };
    for result in results {
        let (snapshot, hash) = snapshot_hash(result);
        let reasons =
            serde_json::to_string(&result.failure_reasons).unwrap_or_else(|_| "[]".into());
        let earlier = serde_json::to_string(&result.earlier).unwrap_or_else(|_| "[]".into());
        let row = NewVerification {
            customer_id: r.customer_id,
            customer_ref_id: r.customer_ref_id,
            provider: r.provider,
            upstream_ref: &result.upstream_ref,
            upstream_status_raw: &result.status_raw,
            upstream_status: result.status.as_str(),
            terminal: result.terminal,
            failed_checks: CategorySet::failed(&result.checks).0,
            failure_reasons: &reasons,
            snapshot: &snapshot,
            snapshot_hash: &hash,
            upstream_updated_at: result.upstream_updated_at.as_deref(),
            earlier_results: &earlier,
            now,
        };
        // The same attempt, or (Eclipse keys results by `lastModified`) a
        // result that completes the ref's still-running one.
        let same_attempt =
            match db::verifications::find_by_upstream_ref(tx, r.provider, &result.upstream_ref)
                .await?
            {
                Some(v) => Some(v),
                None => db::verifications::current_for_ref(tx, r.customer_ref_id)
                    .await?
                    .into_iter()
                    .rfind(|v| !v.terminal),
            };
        match same_attempt {
            Some(existing) if existing.snapshot_hash == hash => {
                db::verifications::record_poll(tx, existing.verification_id, now, None).await?;
                if existing.earlier_results != earlier {
                    let id = existing.verification_id;
                    db::verifications::set_earlier_results(tx, id, &earlier).await?;
                }
            }
            Some(existing) => {
                db::verifications::update_upstream(tx, existing.verification_id, &row).await?;
                db::verifications::replace_checks(tx, existing.verification_id, &result.checks)
                    .await?;
                if existing.review_status == ReviewStatus::PendingSecondApproval {
                    // The evidence a proposal was made on changed: it is void.
                    let mut changed = existing.clone();
                    changed.snapshot_hash = hash.clone();
                    super::cases::void_stale_proposal(tx, &changed, actor, origin, now).await?;
                }
                let mut changes = serde_json::Map::new();
                if existing.upstream_ref != result.upstream_ref {
                    changes.insert(
                        "upstream_ref".into(),
                        change(&existing.upstream_ref, &result.upstream_ref),
                    );
                }
                if existing.upstream_status_raw != result.status_raw {
                    changes.insert(
                        "upstream_status".into(),
                        change(
                            format!(
                                "{} ({})",
                                existing.upstream_status, existing.upstream_status_raw
                            ),
                            format!("{} ({})", result.status.as_str(), result.status_raw),
                        ),
                    );
                }
                if existing.failed_checks != row.failed_checks {
                    changes.insert(
                        "failed_checks".into(),
                        change(existing.failed_checks, row.failed_checks),
                    );
                }
                changes.insert(
                    "evidence_hash".into(),
                    change(&existing.snapshot_hash, &hash),
                );
                audit_log::append(
                    tx,
                    now,
                    verification_event(
                        actor.clone(),
                        AuditAction::VerificationChanged,
                        origin,
                        &existing.upstream_ref,
                        r,
                        existing.verification_id,
                    )
                    .changes(serde_json::Value::Object(changes)),
                )
                .await?;
                out.changed += 1;
            }
            None => {
                let older = db::verifications::current_for_ref(tx, r.customer_ref_id).await?;
                let id = db::verifications::insert(tx, &row).await?;
                db::verifications::replace_checks(tx, id, &result.checks).await?;
                let status = format!("{} ({})", result.status.as_str(), result.status_raw);
                let received = AuditAction::VerificationReceived;
                let e = verification_event(
                    actor.clone(),
                    received,
                    origin,
                    &result.upstream_ref,
                    r,
                    id,
                )
                .changes(serde_json::json!({
                    "upstream_status": change(None::<&str>, status),
                    "evidence_hash": change(None::<&str>, &hash),
                }));
                audit_log::append(tx, now, e).await?;
                out.received += 1;
                for old in older {
                    db::verifications::set_review_status(
                        tx,
                        old.verification_id,
                        ReviewStatus::Superseded.as_str(),
                        now,
                    )
                    .await?;
                    let superseded = AuditAction::VerificationSuperseded;
                    let (old_ref, old_id) = (&old.upstream_ref, old.verification_id);
                    let e = verification_event(
                        actor.clone(),
                        superseded,
                        origin,
                        old_ref,
                        r,
                        old_id,
                    )
                    .changes(serde_json::json!({
                        "review_status": change(old.review_status, ReviewStatus::Superseded),
                    }))
                    .reason(format!("superseded by verification {id}"));
                    audit_log::append(tx, now, e).await?;
                    out.superseded += 1;
                }
            }
        }
    }
    Ok(out)
}

fn verification_event(
    actor: Actor,
    action: AuditAction,
    origin: &Origin,
    upstream_ref: &str,
    r: &RefRow,
    id: i64,
) -> NewEvent {
    let mut e = NewEvent::new(actor, action, AuditEntity::Verification, origin).entity_id(id);
    e.customer_id = Some(r.customer_id);
    e.verification_id = Some(id);
    e.reason = Some(format!("{}: {}", r.provider, upstream_ref));
    e
}

/// The provider reference stored with a ref row.
pub fn provider_ref(r: &RefRow) -> Option<ProviderRef> {
    serde_json::from_str(&r.details).ok()
}

/// When to look at a ref again: the provider's pace ± a third, later after
/// failures (doubling, at most an hour); never once everything is final.
pub fn next_poll(now: i64, every: Duration, failures: i64, done: bool) -> Option<i64> {
    if done {
        return None;
    }
    use rand::Rng;
    let base = every.as_millis() as i64;
    let backoff = base
        .saturating_mul(1i64 << failures.clamp(0, 10))
        .min(3_600_000);
    let jitter = rand::thread_rng().gen_range(-(backoff / 3)..=(backoff / 3));
    Some(now + backoff + jitter)
}

/// Reads one ref from its provider and stores the result; on failure, the
/// error (with the provider's code and trace id) is recorded on the ref and
/// its current verifications. Returns the upstream error, if any.
/// Someone asked for a verification to be read now (not the poller): the
/// request is recorded with the read's outcome, in its transaction.
pub struct Requested {
    pub verification_id: i64,
    pub customer_id: i64,
}

pub async fn poll_ref(
    st: &AppState,
    r: &RefRow,
    actor: &Actor,
    origin: &Origin,
    requested: Option<Requested>,
) -> Result<Result<Stored, UpstreamError>, AppError> {
    let provider = r.provider;
    let Some(pref) = provider_ref(r) else {
        tracing::error!(
            customer_ref_id = r.customer_ref_id,
            "unreadable customer_ref row; not polling it"
        );
        let mut tx = st.db.begin_write().await?;
        db::customers::record_poll(
            &mut tx,
            r.customer_ref_id,
            st.clock.now_ms(),
            None,
            r.poll_failures,
            r.last_error.as_deref(),
        )
        .await?;
        tx.commit().await?;
        return Ok(Ok(Stored::default()));
    };
    let fetched = match st.providers.require(provider) {
        Ok(adapter) => adapter
            .fetch(&pref)
            .await
            .map(|res| (res, adapter.poll_every())),
        Err(e) => Err(e),
    };
    let now = st.clock.now_ms();
    let every = st
        .providers
        .adapter(provider)
        .map(|a| a.poll_every())
        .unwrap_or(Duration::from_secs(60));
    let mut tx = st.db.begin_write().await?;
    let outcome = match fetched {
        Ok((results, every)) => {
            let stored = store(&mut tx, now, r, &results, actor, origin).await?;
            expire_stale(&mut tx, st, now, r, actor, origin).await?;
            let next = next_poll(now, every, 0, stored.all_terminal);
            db::customers::record_poll(&mut tx, r.customer_ref_id, now, next, 0, None).await?;
            Ok(stored)
        }
        Err(e) => {
            let record = e.record(now);
            let failures = r.poll_failures + 1;
            let next = next_poll(now, every, failures, false);
            db::customers::record_poll(
                &mut tx,
                r.customer_ref_id,
                now,
                next,
                failures,
                Some(&record),
            )
            .await?;
            for v in db::verifications::current_for_ref(&mut tx, r.customer_ref_id).await? {
                db::verifications::record_poll(&mut tx, v.verification_id, now, Some(&record))
                    .await?;
            }
            Err(e)
        }
    };
    if let Some(req) = requested {
        let mut event = NewEvent::new(
            actor.clone(),
            AuditAction::RefreshRequested,
            AuditEntity::Verification,
            origin,
        )
        .entity_id(req.verification_id);
        event.customer_id = Some(req.customer_id);
        event.verification_id = Some(req.verification_id);
        if let Err(e) = &outcome {
            event.action = AuditAction::UpstreamCallFailed;
            event.changes = Some(serde_json::json!({
                "provider": r.provider, "code": e.code, "trace_id": e.trace_id,
                "kind": format!("{:?}", e.kind),
            }));
            event.reason = Some(e.message.clone());
        }
        audit_log::append(&mut tx, now, event).await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

/// A verification that has not moved upstream for `stale_after_hours` and is
/// not final becomes EXPIRED (its raw status is kept).
async fn expire_stale(
    tx: &mut Tx,
    st: &AppState,
    now: i64,
    r: &RefRow,
    actor: &Actor,
    origin: &Origin,
) -> Result<(), sqlx::Error> {
    let stale_ms = st.settings.stale_after_hours as i64 * 3_600_000;
    for v in db::verifications::current_for_ref(tx, r.customer_ref_id).await? {
        if !v.terminal && now - v.upstream_changed_at >= stale_ms {
            db::verifications::expire(tx, v.verification_id, now).await?;
            audit_log::append(
                tx,
                now,
                verification_event(
                    actor.clone(),
                    AuditAction::VerificationExpired,
                    origin,
                    &v.upstream_ref,
                    r,
                    v.verification_id,
                )
                .changes(
                    serde_json::json!({ "upstream_status": change(v.upstream_status, "EXPIRED") }),
                )
                .reason(format!(
                    "no upstream change for {} h",
                    st.settings.stale_after_hours
                )),
            )
            .await?;
        }
    }
    Ok(())
}

/// "Refresh from the provider now" for one verification: reads its ref
/// upstream at once. An upstream failure is recorded on the verification
/// and in the audit trail, and answered as a 502 with the provider's code
/// and trace id. The verification is answered masked unless `pii_revealed`
/// (see `customers::with_checks`).
pub async fn refresh_verification(
    st: &AppState,
    actor: Actor,
    origin: &Origin,
    verification_id: i64,
    pii_revealed: bool,
) -> Result<VerificationView, AppError> {
    let v = db::verifications::find(st.db.reader(), verification_id)
        .await?
        .ok_or_else(|| AppError::not_found("Verification"))?;
    let r = db::customers::get_ref(st.db.reader(), v.customer_ref_id)
        .await?
        .ok_or_else(|| AppError::not_found("Customer reference"))?;
    let requested = Requested {
        verification_id,
        customer_id: v.customer_id,
    };
    poll_ref(st, &r, &actor, origin, Some(requested)).await??;
    let row = db::verifications::find(st.db.reader(), verification_id)
        .await?
        .ok_or_else(|| AppError::not_found("Verification"))?;
    let mut views = super::customers::with_checks(&st.db, vec![row], pii_revealed).await?;
    views.pop().ok_or_else(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_poll_is_jittered_and_backs_off() {
        let every = Duration::from_secs(45);
        for _ in 0..100 {
            let n = next_poll(0, every, 0, false).expect("scheduled");
            assert!((30_000..=60_000).contains(&n), "{n}");
        }
        assert!(next_poll(0, every, 3, false).expect("scheduled") >= 45_000 * 8 * 2 / 3);
        assert!(next_poll(0, every, 30, false).expect("scheduled") <= 3_600_000 * 4 / 3);
        assert_eq!(next_poll(0, every, 0, true), None);
    }
}
