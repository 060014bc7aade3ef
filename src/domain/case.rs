//! Who may move a case, and how, right now: one pure rule per move. The
//! services enforce these rules and the case page builds its buttons from
//! [`CaseActions::for_case`], which asks the same rules, so a button is
//! shown exactly when its action would be taken.
//!
//! Deciding (final or proposed) and confirming a proposal are in
//! [`super::decision`].

use super::decision::{decide_as, may_second, DecideAs, Refusal};
use super::verification::{
    short_score, Check, CheckCategory, CheckOutcome, Provider, ReviewStatus, UpstreamStatus,
};
use super::{Permission, Role};
use serde::{Deserialize, Serialize};

/// May this person claim a case in `status`?
pub fn may_claim(role: Role, status: ReviewStatus) -> Result<(), Refusal> {
    match (status, role) {
        (ReviewStatus::Unreviewed, Role::Reviewer | Role::ComplianceOfficer) => Ok(()),
        (ReviewStatus::Escalated, Role::ComplianceOfficer) => Ok(()),
        (ReviewStatus::Escalated, _) => {
            Err(Refusal("An escalated case is for compliance officers."))
        }
        (ReviewStatus::InReview, _) => Err(Refusal("Someone is already working on this case.")),
        _ => Err(Refusal("This case is not open for review.")),
    }
}

/// May this person hand a case in review back to the queue? The assignee,
/// or a compliance officer.
pub fn may_release(role: Role, is_assignee: bool, status: ReviewStatus) -> Result<(), Refusal> {
    if status != ReviewStatus::InReview {
        return Err(Refusal("Only a case in review can be released."));
    }
    if !(is_assignee || role == Role::ComplianceOfficer) {
        return Err(Refusal(
            "Only the assignee (or a compliance officer) releases a case in review.",
        ));
    }
    Ok(())
}

/// May this person assign a case in `status` to someone? Compliance
/// officers, on open cases that are not waiting for a second approval.
pub fn may_assign(role: Role, status: ReviewStatus) -> Result<(), Refusal> {
    if role != Role::ComplianceOfficer {
        return Err(Refusal("Only a compliance officer assigns cases."));
    }
    match status {
        ReviewStatus::Unreviewed | ReviewStatus::InReview | ReviewStatus::Escalated => Ok(()),
        _ => Err(Refusal(
            "Only open cases that are not waiting for a second approval can be assigned.",
        )),
    }
}

/// May a case in `status` go to someone of role `to`? Reviewers and
/// officers take cases; an escalated case goes to an officer.
pub fn may_assign_to(status: ReviewStatus, to: Role) -> Result<(), Refusal> {
    match (status, to) {
        (ReviewStatus::Escalated, Role::ComplianceOfficer) => Ok(()),
        (ReviewStatus::Escalated, _) => {
            Err(Refusal("An escalated case goes to a compliance officer."))
        }
        (_, Role::Reviewer | Role::ComplianceOfficer) => Ok(()),
        _ => Err(Refusal("Choose an active reviewer or compliance officer.")),
    }
}

/// May this person hand the case they are reviewing to the compliance
/// officers? A reviewer, on a case they have in review: one they must not
/// decide alone (a sanctions hit, an override of a failed result) or are
/// not sure of.
pub fn may_escalate(role: Role, is_assignee: bool, status: ReviewStatus) -> Result<(), Refusal> {
    if role != Role::Reviewer {
        return Err(Refusal(
            "Reviewers escalate to the compliance officers; officers decide or propose.",
        ));
    }
    if status != ReviewStatus::InReview || !is_assignee {
        return Err(Refusal("Claim the case before escalating it."));
    }
    Ok(())
}

/// May this person ask the provider to run KYC again on the case? The
/// person who has the case in review, or a compliance officer; never while
/// an earlier request for the case is still on its way (a second one would
/// spend a paid session, or restart a ratification, twice).
pub fn may_retrigger(
    role: Role,
    is_assignee: bool,
    status: ReviewStatus,
    one_on_its_way: bool,
) -> Result<(), Refusal> {
    if !matches!(role, Role::Reviewer | Role::ComplianceOfficer) {
        return Err(Refusal("Your role does not ask providers again."));
    }
    let has_it = is_assignee && status == ReviewStatus::InReview;
    if !(has_it || role == Role::ComplianceOfficer) {
        return Err(Refusal(
            "Claim the case first: the person who has the case (or a compliance officer) asks the provider again.",
        ));
    }
    if one_on_its_way {
        return Err(Refusal(
            "An earlier request to the provider for this case is still on its way: wait for its answer.",
        ));
    }
    Ok(())
}

string_enum! {
    /// Asking a provider to run (part of) KYC again.
    Retrigger {
        /// Eclipse: ratify the customer again (they are PENDING until it ends).
        Reratify = "reratify",
        /// Eclipse: a new hosted AWS liveness check (paid).
        Liveness = "liveness",
        /// biometric.kz: a new verification session (a paid transaction).
        NewSession = "new_session",
        /// WIDTH: a new KYC workflow execution.
        NewWorkflow = "new_workflow",
    }
}

impl Retrigger {
    pub fn provider(self) -> Provider {
        match self {
            Retrigger::Reratify | Retrigger::Liveness => Provider::Eclipse,
            Retrigger::NewSession => Provider::BiometricKz,
            Retrigger::NewWorkflow => Provider::Width,
        }
    }
}

/// The guards on asking again, whoever asks: KYC is not restarted on a
/// customer who PASSED except by a compliance officer, and a paid liveness
/// check is run again only when the liveness check itself failed.
pub fn retrigger_allowed(
    what: Retrigger,
    role: Role,
    upstream: UpstreamStatus,
    checks: &[(CheckCategory, CheckOutcome)],
) -> Result<(), Refusal> {
    match what {
        Retrigger::Reratify
            if upstream == UpstreamStatus::Passed && role != Role::ComplianceOfficer =>
        {
            Err(Refusal(
                "This customer PASSED: only a compliance officer can re-ratify, with confirmation.",
            ))
        }
        Retrigger::Liveness
            if !checks
                .iter()
                .any(|(c, o)| *c == CheckCategory::Liveness && *o == CheckOutcome::Failed) =>
        {
            Err(Refusal(
                "Liveness is re-run only when the liveness check itself failed.",
            ))
        }
        _ => Ok(()),
    }
}

/// Must the person tick "I confirm"? A paid session always; restarting the
/// ratification of a customer who PASSED too.
pub fn retrigger_needs_confirmation(what: Retrigger, upstream: UpstreamStatus) -> bool {
    match what {
        Retrigger::NewSession => true,
        Retrigger::Reratify => upstream == UpstreamStatus::Passed,
        Retrigger::Liveness | Retrigger::NewWorkflow => false,
    }
}

/// May this person send a failed upstream action again? Compliance
/// officers, after checking upstream.
pub fn may_retry_push(role: Role) -> Result<(), Refusal> {
    if role == Role::ComplianceOfficer {
        Ok(())
    } else {
        Err(Refusal(
            "Only a compliance officer retries an upstream action.",
        ))
    }
}

/// Why a case is in front of a reviewer, in a few words built from its data: each failed or
/// erring check (sanctions first; a score against its threshold), then what the provider itself
/// said, e.g. `["Face match 0.41 < 0.85", "Sanctions list: failed (OFAC match)", "approving
/// overrides a provider FAILED"]`. At most five parts, then how many more.
pub fn why_review(upstream: UpstreamStatus, upstream_raw: &str, checks: &[Check]) -> Vec<String> {
    let mut bad: Vec<&Check> = checks
        .iter()
        .filter(|c| matches!(c.outcome, CheckOutcome::Failed | CheckOutcome::Error))
        .collect();
    bad.sort_by_key(|c| c.category != CheckCategory::SanctionsPepAml);
    let mut parts: Vec<String> = bad
        .iter()
        .map(|c| {
            let word = if c.outcome == CheckOutcome::Error {
                "error"
            } else {
                "failed"
            };
            match (c.score, c.threshold, &c.reason) {
                (Some(s), Some(t), _) => format!(
                    "{} {} < {}",
                    c.name,
                    short_score(s, c.score_scale),
                    short_score(t, c.score_scale)
                ),
                (_, _, Some(r)) if !r.is_empty() => format!("{}: {word} ({r})", c.name),
                _ => format!("{}: {word}", c.name),
            }
        })
        .collect();
    match upstream {
        UpstreamStatus::Failed | UpstreamStatus::Declined => {
            parts.push(format!("approving overrides a provider {upstream_raw}"))
        }
        UpstreamStatus::NeedsReview | UpstreamStatus::InUpstreamReview => parts.push(format!(
            "the provider asks for a manual review ({upstream_raw})"
        )),
        UpstreamStatus::Error => {
            parts.push(format!("the provider reported an error ({upstream_raw})"))
        }
        _ => {}
    }
    let pending = checks
        .iter()
        .filter(|c| c.outcome == CheckOutcome::Pending)
        .count();
    if pending > 0 {
        parts.push(format!(
            "{pending} check{} still pending",
            if pending == 1 { "" } else { "s" }
        ));
    }
    if parts.is_empty() {
        parts.push(format!("no failed check; the provider says {upstream_raw}"));
    }
    if parts.len() > 5 {
        let more = parts.len() - 4;
        parts.truncate(4);
        parts.push(format!("{more} more"));
    }
    parts
}

/// Can a reviewer decide on what the provider has said so far? Not while the customer has not
/// started, is still going, or the provider is still working on it; not on a verification the
/// customer abandoned. The default queue and "next case" offer only these.
pub fn ready_for_review(upstream: UpstreamStatus) -> bool {
    !WAITING_ON_PROVIDER.contains(&upstream)
}

/// The upstream states [`ready_for_review`] leaves out.
pub const WAITING_ON_PROVIDER: [UpstreamStatus; 6] = [
    UpstreamStatus::NotStarted,
    UpstreamStatus::InProgress,
    UpstreamStatus::AwaitingInput,
    UpstreamStatus::Processing,
    UpstreamStatus::Cancelled,
    UpstreamStatus::Expired,
];

/// The queue a person lands on when they ask for none: an officer lands on the proposals
/// waiting for their confirmation, else the escalated cases, when there are any; everyone
/// else (and an officer with nothing waiting) on their own cases.
pub fn landing_view(awaiting_me: Option<i64>, escalated: Option<i64>) -> &'static str {
    if awaiting_me.is_some_and(|n| n > 0) {
        "awaiting"
    } else if escalated.is_some_and(|n| n > 0) {
        "escalated"
    } else {
        "mine"
    }
}

/// What is true of a case and a person, as the rules need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseFacts {
    pub role: Role,
    pub is_assignee: bool,
    pub status: ReviewStatus,
    /// A failed sanctions / PEP / AML check: every decision needs two
    /// compliance officers.
    pub sanctions_hit: bool,
    /// The provider's own verdict is FAILED or DECLINED: approving over it
    /// needs two compliance officers.
    pub upstream_failed: bool,
    /// A proposal waits for its second approval: `Some(true)` when this
    /// person made it.
    pub proposal_by_me: Option<bool>,
    /// An upstream action of the case failed for good.
    pub failed_push: bool,
    /// A request to the provider (a re-trigger) is still on its way.
    pub retrigger_on_its_way: bool,
}

/// The buttons a case page shows this person: one per rule above.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseActions {
    pub claim: bool,
    pub release: bool,
    pub assign: bool,
    pub note: bool,
    /// Approve / decline: a final decision or a proposal (four eyes).
    pub decide: bool,
    /// The decision is a proposal for a second compliance officer (for
    /// this person: always, or when approving over a failed result).
    pub propose: bool,
    pub escalate: bool,
    /// Confirm or reject the waiting proposal.
    pub second: bool,
    pub retry_push: bool,
    pub retrigger: bool,
    /// Show the re-triggers at all: to the person who has the case, or an officer (the others
    /// would only read why they may not).
    pub offer_retriggers: bool,
    /// Why deciding is not possible now, when it is not (for those who
    /// work cases).
    pub decide_blocked: Option<String>,
    /// Why asking the provider again is not possible now, when it is not.
    pub retrigger_blocked: Option<String>,
}

impl CaseActions {
    pub fn for_case(f: &CaseFacts) -> CaseActions {
        let works = f.role.can(Permission::WorkCases);
        // Any decision on a sanctions hit needs four eyes; an approval over
        // a failed result does too (the page marks that choice a proposal).
        let decide = decide_as(f.role, f.is_assignee, f.status, f.sanctions_hit);
        let proposes_approval_over_failure = decide.is_ok()
            && f.upstream_failed
            && decide_as(f.role, f.is_assignee, f.status, true) == Ok(DecideAs::Proposal);
        let retrigger = may_retrigger(f.role, f.is_assignee, f.status, f.retrigger_on_its_way);
        CaseActions {
            claim: works && may_claim(f.role, f.status).is_ok(),
            release: may_release(f.role, f.is_assignee, f.status).is_ok(),
            assign: may_assign(f.role, f.status).is_ok(),
            note: true,
            decide: decide.is_ok(),
            propose: matches!(decide, Ok(DecideAs::Proposal)) || proposes_approval_over_failure,
            escalate: may_escalate(f.role, f.is_assignee, f.status).is_ok(),
            second: f
                .proposal_by_me
                .is_some_and(|mine| may_second(f.role, mine, f.status).is_ok()),
            retry_push: f.failed_push && may_retry_push(f.role).is_ok(),
            retrigger: retrigger.is_ok(),
            offer_retriggers: may_retrigger(f.role, f.is_assignee, f.status, false).is_ok(),
            decide_blocked: match decide {
                Err(r) if works && !f.status.is_closed() => Some(r.0.to_string()),
                _ => None,
            },
            retrigger_blocked: match retrigger {
                Err(r) if works => Some(r.0.to_string()),
                _ => None,
            },
        }
    }
}

#[cfg(test)]
mod landing_tests {
    use super::landing_view;

    #[test]
    fn officers_land_on_what_waits_for_them_first() {
        assert_eq!(landing_view(Some(2), Some(5)), "awaiting");
        assert_eq!(landing_view(Some(0), Some(5)), "escalated");
        assert_eq!(landing_view(Some(0), Some(0)), "mine");
        assert_eq!(
            landing_view(None, None),
            "mine",
            "reviewers land on their own cases"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ReviewStatus::*;

    fn facts(role: Role, is_assignee: bool, status: ReviewStatus) -> CaseFacts {
        CaseFacts {
            role,
            is_assignee,
            status,
            sanctions_hit: false,
            upstream_failed: false,
            proposal_by_me: None,
            failed_push: false,
            retrigger_on_its_way: false,
        }
    }

    fn check(name: &str, category: CheckCategory, outcome: CheckOutcome) -> Check {
        Check::new(name, name, category, outcome)
    }

    #[test]
    fn why_review_names_failed_checks_sanctions_first_then_the_providers_verdict() {
        let mut face = check("Face match", CheckCategory::FaceMatch, CheckOutcome::Failed);
        face.score = Some(0.41);
        face.score_scale = Some(crate::domain::verification::ScoreScale::Unit);
        face.threshold = Some(0.85);
        let mut sanctions = check(
            "Sanctions list",
            CheckCategory::SanctionsPepAml,
            CheckOutcome::Failed,
        );
        sanctions.reason = Some("OFAC match".into());
        let passed = check(
            "Document",
            CheckCategory::IdentityDocument,
            CheckOutcome::Passed,
        );
        assert_eq!(
            why_review(UpstreamStatus::Failed, "FAILED", &[face, passed, sanctions]),
            [
                "Sanctions list: failed (OFAC match)",
                "Face match 0.41 < 0.85",
                "approving overrides a provider FAILED",
            ]
        );
    }

    #[test]
    fn why_review_says_so_when_nothing_failed() {
        let pending = check("Liveness", CheckCategory::Liveness, CheckOutcome::Pending);
        assert_eq!(
            why_review(UpstreamStatus::Passed, "PASSED", &[]),
            ["no failed check; the provider says PASSED"]
        );
        assert_eq!(
            why_review(UpstreamStatus::NeedsReview, "review", &[pending]),
            [
                "the provider asks for a manual review (review)",
                "1 check still pending"
            ]
        );
    }

    #[test]
    fn why_review_keeps_to_five_parts() {
        let many: Vec<Check> = (0..9)
            .map(|i| check(&format!("C{i}"), CheckCategory::Other, CheckOutcome::Error))
            .collect();
        let parts = why_review(UpstreamStatus::Passed, "PASSED", &many);
        assert_eq!(parts.len(), 5);
        assert_eq!(parts[4], "5 more");
    }

    #[test]
    fn escalated_cases_are_claimed_by_officers_only() {
        assert!(may_claim(Role::Reviewer, Escalated).is_err());
        assert!(may_claim(Role::ComplianceOfficer, Escalated).is_ok());
        assert!(may_claim(Role::Reviewer, InReview).is_err());
        assert!(may_claim(Role::Reviewer, Unreviewed).is_ok());
        assert!(may_claim(Role::Manager, Unreviewed).is_err());
    }

    #[test]
    fn the_assignee_or_an_officer_releases_a_case_in_review() {
        assert!(may_release(Role::Reviewer, true, InReview).is_ok());
        assert!(may_release(Role::Reviewer, false, InReview).is_err());
        assert!(may_release(Role::ComplianceOfficer, false, InReview).is_ok());
        assert!(may_release(Role::Reviewer, true, Approved).is_err());
    }

    #[test]
    fn officers_assign_open_cases_and_escalated_ones_only_to_officers() {
        assert!(may_assign(Role::ComplianceOfficer, Unreviewed).is_ok());
        assert!(may_assign(Role::ComplianceOfficer, Escalated).is_ok());
        assert!(may_assign(Role::ComplianceOfficer, PendingSecondApproval).is_err());
        assert!(may_assign(Role::Reviewer, Unreviewed).is_err());
        assert!(may_assign_to(Escalated, Role::Reviewer).is_err());
        assert!(may_assign_to(Escalated, Role::ComplianceOfficer).is_ok());
        assert!(may_assign_to(InReview, Role::Reviewer).is_ok());
        assert!(may_assign_to(InReview, Role::Manager).is_err());
    }

    #[test]
    fn a_reviewer_escalates_a_case_they_have_in_review() {
        assert!(may_escalate(Role::Reviewer, true, InReview).is_ok());
        assert!(may_escalate(Role::Reviewer, false, InReview).is_err());
        assert!(may_escalate(Role::Reviewer, true, Unreviewed).is_err());
        assert!(may_escalate(Role::ComplianceOfficer, true, InReview).is_err());
    }

    #[test]
    fn only_who_has_the_case_or_an_officer_asks_again_and_never_twice_at_once() {
        assert!(may_retrigger(Role::Reviewer, true, InReview, false).is_ok());
        assert!(may_retrigger(Role::Reviewer, false, InReview, false).is_err());
        assert!(may_retrigger(Role::Reviewer, true, Approved, false).is_err());
        assert!(may_retrigger(Role::Reviewer, false, Unreviewed, false).is_err());
        assert!(may_retrigger(Role::ComplianceOfficer, false, Approved, false).is_ok());
        assert!(may_retrigger(Role::ComplianceOfficer, true, InReview, true).is_err());
        assert!(may_retrigger(Role::Reviewer, true, InReview, true).is_err());
        assert!(may_retrigger(Role::Manager, true, InReview, false).is_err());
    }

    #[test]
    fn a_passed_customer_is_re_ratified_by_an_officer_and_liveness_only_after_it_failed() {
        let passed = UpstreamStatus::Passed;
        let failed_liveness = [(CheckCategory::Liveness, CheckOutcome::Failed)];
        assert!(retrigger_allowed(Retrigger::Reratify, Role::Reviewer, passed, &[]).is_err());
        assert!(
            retrigger_allowed(Retrigger::Reratify, Role::ComplianceOfficer, passed, &[]).is_ok()
        );
        let failed = UpstreamStatus::Failed;
        assert!(retrigger_allowed(Retrigger::Reratify, Role::Reviewer, failed, &[]).is_ok());
        assert!(retrigger_allowed(Retrigger::Liveness, Role::Reviewer, failed, &[]).is_err());
        assert!(retrigger_allowed(
            Retrigger::Liveness,
            Role::Reviewer,
            failed,
            &failed_liveness
        )
        .is_ok());
        assert!(retrigger_needs_confirmation(Retrigger::NewSession, failed));
        assert!(retrigger_needs_confirmation(Retrigger::Reratify, passed));
        assert!(!retrigger_needs_confirmation(Retrigger::Reratify, failed));
        assert!(!retrigger_needs_confirmation(
            Retrigger::NewWorkflow,
            passed
        ));
    }

    #[test]
    fn only_officers_retry_a_failed_push() {
        assert!(may_retry_push(Role::ComplianceOfficer).is_ok());
        assert!(may_retry_push(Role::Reviewer).is_err());
    }

    #[test]
    fn a_reviewer_on_a_sanctions_hit_sees_escalate_not_decide() {
        let a = CaseActions::for_case(&CaseFacts {
            sanctions_hit: true,
            ..facts(Role::Reviewer, true, InReview)
        });
        assert!(a.escalate && !a.decide && !a.propose && !a.claim && a.release);
        assert!(a.decide_blocked.is_some());
    }

    #[test]
    fn an_officer_on_a_sanctions_hit_proposes_and_another_confirms() {
        let a = CaseActions::for_case(&CaseFacts {
            sanctions_hit: true,
            ..facts(Role::ComplianceOfficer, true, InReview)
        });
        assert!(a.decide && a.propose && !a.escalate && a.assign);
        let second = CaseActions::for_case(&CaseFacts {
            proposal_by_me: Some(false),
            ..facts(Role::ComplianceOfficer, false, PendingSecondApproval)
        });
        assert!(second.second && !second.decide);
        let own = CaseActions::for_case(&CaseFacts {
            proposal_by_me: Some(true),
            ..facts(Role::ComplianceOfficer, true, PendingSecondApproval)
        });
        assert!(!own.second);
    }

    #[test]
    fn an_officer_approving_over_a_failed_result_proposes() {
        let a = CaseActions::for_case(&CaseFacts {
            upstream_failed: true,
            ..facts(Role::ComplianceOfficer, true, InReview)
        });
        assert!(a.decide && a.propose);
        let reviewer = CaseActions::for_case(&CaseFacts {
            upstream_failed: true,
            ..facts(Role::Reviewer, true, InReview)
        });
        assert!(reviewer.decide && !reviewer.propose, "declining is final");
    }

    #[test]
    fn re_triggers_are_offered_to_whoever_has_the_case_or_an_officer() {
        assert!(CaseActions::for_case(&facts(Role::Reviewer, true, InReview)).offer_retriggers);
        assert!(!CaseActions::for_case(&facts(Role::Reviewer, false, InReview)).offer_retriggers);
        assert!(!CaseActions::for_case(&facts(Role::Reviewer, false, Unreviewed)).offer_retriggers);
        assert!(
            CaseActions::for_case(&facts(Role::ComplianceOfficer, false, Unreviewed))
                .offer_retriggers
        );
        let busy = CaseActions::for_case(&CaseFacts {
            retrigger_on_its_way: true,
            ..facts(Role::Reviewer, true, InReview)
        });
        assert!(
            busy.offer_retriggers && !busy.retrigger,
            "shown, with why not now"
        );
    }

    #[test]
    fn a_closed_case_gives_no_hint_about_claiming() {
        for status in [Approved, Declined, Superseded] {
            let a = CaseActions::for_case(&facts(Role::Reviewer, true, status));
            assert!(a.decide_blocked.is_none() && !a.decide && !a.claim);
        }
    }

    #[test]
    fn only_what_the_provider_has_finished_is_ready_for_review() {
        assert!(ready_for_review(UpstreamStatus::Failed));
        assert!(ready_for_review(UpstreamStatus::NeedsReview));
        assert!(
            ready_for_review(UpstreamStatus::Unknown),
            "a person looks at what we cannot read"
        );
        assert!(!ready_for_review(UpstreamStatus::Processing));
        assert!(!ready_for_review(UpstreamStatus::NotStarted));
        assert!(!ready_for_review(UpstreamStatus::Cancelled));
    }

    #[test]
    fn a_manager_reads_and_writes_notes_only() {
        let a = CaseActions::for_case(&facts(Role::Manager, false, Unreviewed));
        assert!(a.note);
        assert!(!(a.claim || a.release || a.assign || a.decide || a.escalate || a.retrigger));
        assert!(a.decide_blocked.is_none() && a.retrigger_blocked.is_none());
    }

    #[test]
    fn every_button_agrees_with_its_rule_for_every_role_and_status() {
        for role in Role::ALL {
            for status in ReviewStatus::ALL.iter().copied() {
                for is_assignee in [false, true] {
                    let f = facts(role, is_assignee, status);
                    let a = CaseActions::for_case(&f);
                    assert_eq!(
                        a.claim,
                        role.can(Permission::WorkCases) && may_claim(role, status).is_ok()
                    );
                    assert_eq!(a.release, may_release(role, is_assignee, status).is_ok());
                    assert_eq!(a.assign, may_assign(role, status).is_ok());
                    assert_eq!(a.escalate, may_escalate(role, is_assignee, status).is_ok());
                    assert_eq!(
                        a.retrigger,
                        may_retrigger(role, is_assignee, status, false).is_ok()
                    );
                }
            }
        }
    }
}
