//! Decisions: the reason taxonomy, the note rule, the four-eyes rule and the
//! review state machine. Pure: the server enforces it, the browser shows it.

use super::role::Role;
use super::verification::{CheckCategory, CheckOutcome, ReviewStatus, UpstreamStatus};

string_enum! {
    DecisionKind {
        Approve = "approve",
        Decline = "decline",
    }
}

/// A reason from the taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reason {
    pub code: &'static str,
    pub label: &'static str,
    pub kind: DecisionKind,
    /// For declines: final, or the customer may resubmit.
    pub final_decline: bool,
}

const fn approve(code: &'static str, label: &'static str) -> Reason {
    Reason {
        code,
        label,
        kind: DecisionKind::Approve,
        final_decline: false,
    }
}

const fn decline(code: &'static str, label: &'static str, final_decline: bool) -> Reason {
    Reason {
        code,
        label,
        kind: DecisionKind::Decline,
        final_decline,
    }
}

pub const REASONS: &[Reason] = &[
    approve("VERIFIED_MANUALLY", "Verified manually"),
    approve("PROVIDER_FALSE_POSITIVE", "Provider false positive"),
    approve("UPSTREAM_CHECKS_PASSED", "All checks passed upstream"),
    decline(
        "DOCUMENT_UNREADABLE",
        "Document unreadable (resubmission requested)",
        false,
    ),
    decline(
        "DOCUMENT_EXPIRED",
        "Document expired (resubmission requested)",
        false,
    ),
    decline(
        "NAME_MISMATCH",
        "Name mismatch (resubmission requested)",
        false,
    ),
    decline(
        "LIVENESS_FAILED",
        "Liveness failed (resubmission requested)",
        false,
    ),
    decline("FACE_MISMATCH", "Face mismatch (final)", true),
    decline(
        "SANCTIONS_MATCH_CONFIRMED",
        "Sanctions match confirmed (final)",
        true,
    ),
    decline("SUSPECTED_FRAUD", "Suspected fraud (final)", true),
];

pub fn reason(code: &str) -> Option<&'static Reason> {
    REASONS.iter().find(|r| r.code == code)
}

pub const NOTE_MIN_CHARS: usize = 10;
pub const NOTE_MAX_CHARS: usize = 4000;

/// A decision (or confirmation) note: trimmed, 10 to 4000 characters.
pub fn check_note(raw: &str) -> Result<String, &'static str> {
    let n = raw.trim();
    match n.chars().count() {
        0 => Err("Write a note: what you checked and why you decide so."),
        c if c < NOTE_MIN_CHARS => Err("The note is too short: at least 10 characters."),
        c if c > NOTE_MAX_CHARS => Err("The note is too long: at most 4000 characters."),
        _ => Ok(n.to_string()),
    }
}

/// A plain note on a case: trimmed, 1 to 4000 characters.
pub fn check_case_note(raw: &str) -> Result<String, &'static str> {
    let n = raw.trim();
    if n.is_empty() {
        return Err("Write something.");
    }
    if n.chars().count() > NOTE_MAX_CHARS {
        return Err("The note is too long: at most 4000 characters.");
    }
    Ok(n.to_string())
}

/// Does this decision need two compliance officers? Any failed sanctions /
/// PEP / AML check does; so does an approval that overrides an upstream
/// FAILED or DECLINED.
pub fn needs_four_eyes(
    kind: DecisionKind,
    upstream: UpstreamStatus,
    checks: &[(CheckCategory, CheckOutcome)],
) -> bool {
    let sanctions_hit = checks
        .iter()
        .any(|(c, o)| *c == CheckCategory::SanctionsPepAml && *o == CheckOutcome::Failed);
    let overrides = kind == DecisionKind::Approve
        && matches!(upstream, UpstreamStatus::Failed | UpstreamStatus::Declined);
    sanctions_hit || overrides
}

/// The review statuses a case is "open" in (the queue's default view).
pub const OPEN: [ReviewStatus; 4] = [
    ReviewStatus::Unreviewed,
    ReviewStatus::InReview,
    ReviewStatus::PendingSecondApproval,
    ReviewStatus::Escalated,
];

pub fn is_open(s: ReviewStatus) -> bool {
    OPEN.contains(&s)
}

/// What a decide button does for this person on this case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecideAs {
    /// A final decision now.
    Final,
    /// A proposal that a second compliance officer confirms.
    Proposal,
}

/// Why a move is refused (the message a person sees).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub &'static str);

/// May `role`, assignee or not, decide on a case in `status`?
pub fn decide_as(
    role: Role,
    is_assignee: bool,
    status: ReviewStatus,
    four_eyes: bool,
) -> Result<DecideAs, Refusal> {
    if status != ReviewStatus::InReview {
        return Err(Refusal("Claim the case before deciding on it."));
    }
    if !is_assignee {
        return Err(Refusal(
            "Only the person the case is assigned to can decide on it.",
        ));
    }
    match (four_eyes, role) {
        (false, Role::Reviewer | Role::ComplianceOfficer) => Ok(DecideAs::Final),
        (true, Role::ComplianceOfficer) => Ok(DecideAs::Proposal),
        (true, Role::Reviewer) => Err(Refusal(
            "This case needs two compliance officers (sanctions hit or an override of a failed result): escalate it.",
        )),
        _ => Err(Refusal("Your role does not decide cases.")),
    }
}

/// May this officer confirm or reject a proposal?
pub fn may_second(role: Role, is_proposer: bool, status: ReviewStatus) -> Result<(), Refusal> {
    if status != ReviewStatus::PendingSecondApproval {
        return Err(Refusal(
            "There is no proposal waiting for a second approval.",
        ));
    }
    if role != Role::ComplianceOfficer {
        return Err(Refusal(
            "Only a compliance officer confirms or rejects a proposal.",
        ));
    }
    if is_proposer {
        return Err(Refusal(
            "A second, different compliance officer must confirm or reject this proposal.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_trimmed_and_between_10_and_4000_characters() {
        assert!(check_note("   ").is_err());
        assert!(check_note("too short").is_err());
        assert_eq!(
            check_note("  checked the ID  ").as_deref(),
            Ok("checked the ID")
        );
        assert!(check_note(&"x".repeat(4000)).is_ok());
        assert!(check_note(&"x".repeat(4001)).is_err());
    }

    #[test]
    fn a_sanctions_hit_needs_four_eyes_whatever_the_decision() {
        let checks = [(CheckCategory::SanctionsPepAml, CheckOutcome::Failed)];
        assert!(needs_four_eyes(
            DecisionKind::Decline,
            UpstreamStatus::Failed,
            &checks
        ));
        assert!(needs_four_eyes(
            DecisionKind::Approve,
            UpstreamStatus::Passed,
            &checks
        ));
    }

    #[test]
    fn approving_over_an_upstream_failure_needs_four_eyes_declining_does_not() {
        let checks = [(CheckCategory::Liveness, CheckOutcome::Failed)];
        assert!(needs_four_eyes(
            DecisionKind::Approve,
            UpstreamStatus::Failed,
            &checks
        ));
        assert!(!needs_four_eyes(
            DecisionKind::Decline,
            UpstreamStatus::Failed,
            &checks
        ));
        assert!(!needs_four_eyes(
            DecisionKind::Approve,
            UpstreamStatus::Passed,
            &[]
        ));
    }

    #[test]
    fn only_the_assignee_decides_and_reviewers_escalate_four_eyes_cases() {
        use ReviewStatus::*;
        assert_eq!(
            decide_as(Role::Reviewer, true, InReview, false),
            Ok(DecideAs::Final)
        );
        assert!(decide_as(Role::Reviewer, false, InReview, false).is_err());
        assert!(decide_as(Role::Reviewer, true, Unreviewed, false).is_err());
        assert!(decide_as(Role::Reviewer, true, InReview, true).is_err());
        assert_eq!(
            decide_as(Role::ComplianceOfficer, true, InReview, true),
            Ok(DecideAs::Proposal)
        );
        assert!(decide_as(Role::Manager, true, InReview, false).is_err());
    }

    #[test]
    fn the_proposer_cannot_confirm_their_own_proposal() {
        use ReviewStatus::*;
        assert!(may_second(Role::ComplianceOfficer, true, PendingSecondApproval).is_err());
        assert!(may_second(Role::ComplianceOfficer, false, PendingSecondApproval).is_ok());
        assert!(may_second(Role::Reviewer, false, PendingSecondApproval).is_err());
        assert!(may_second(Role::ComplianceOfficer, false, InReview).is_err());
    }

    #[test]
    fn every_reason_code_is_unique() {
        for (i, r) in REASONS.iter().enumerate() {
            assert!(REASONS[i + 1..].iter().all(|o| o.code != r.code));
        }
    }
}
