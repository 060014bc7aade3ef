//! The closed vocabulary of the audit trail.

string_enum! {
    /// What happened. A closed list: every state change names one of these.
    AuditAction {
        SignInSucceeded = "auth.sign_in",
        SignInFailed = "auth.sign_in_failed",
        SignedOut = "auth.sign_out",
        SessionExpired = "auth.session_expired",
        SecondFactorEnrolmentStarted = "auth.second_factor_enrolment_started",
        /// An authenticator app set up (its first code confirmed it).
        SecondFactorEnrolled = "auth.second_factor_enrolled",
        SecondFactorUsed = "auth.second_factor",
        SecondFactorFailed = "auth.second_factor_failed",
        RecoveryCodeUsed = "auth.recovery_code_used",
        UserCreated = "user.created",
        UserRoleChanged = "user.role_changed",
        UserDisabled = "user.disabled",
        UserEnabled = "user.enabled",
        UserPasswordReset = "user.password_reset",
        /// An admin removed someone's second factor: they must set it up again.
        UserSecondFactorReset = "user.second_factor_reset",
        TokenCreated = "token.created",
        TokenRevoked = "token.revoked",
        CustomerCreated = "customer.created",
        CustomerUpdated = "customer.updated",
        VerificationReceived = "verification.received",
        VerificationChanged = "verification.changed",
        VerificationSuperseded = "verification.superseded",
        VerificationExpired = "verification.expired",
        RefreshRequested = "verification.refresh_requested",
        UpstreamCallFailed = "upstream.call_failed",
        AuditVerified = "audit.verified",
        AuditCheckpointSigned = "audit.checkpoint_signed",
        AuditViewed = "audit.viewed",
        AuditExported = "audit.exported",
        /// A full copy of the database (`kyc-desk backup`): every person's data left in it.
        DatabaseBackedUp = "database.backed_up",
        PiiRevealed = "pii.revealed",
        MediaViewed = "pii.media_viewed",
        /// A JSON API read of customers or verifications (one per request, with the ids).
        ApiRead = "api.read",
        CaseClaimed = "case.claimed",
        CaseReleased = "case.released",
        CaseAssigned = "case.assigned",
        CaseEscalated = "case.escalated",
        NoteAdded = "case.note_added",
        DecisionMade = "decision.made",
        DecisionProposed = "decision.proposed",
        DecisionConfirmed = "decision.confirmed",
        DecisionRejected = "decision.rejected",
        DecisionVoided = "decision.voided",
        PushSending = "outbox.sending",
        PushSucceeded = "outbox.pushed",
        PushFailed = "outbox.push_failed",
        PushRetryRequested = "outbox.retry_requested",
        RetriggerRequested = "upstream.retrigger_requested",
    }
}

string_enum! {
    /// What kind of thing an event is about.
    AuditEntity {
        User = "user",
        Customer = "customer",
        Verification = "verification",
        Token = "token",
        Export = "export",
        AuditLog = "audit_log",
    }
}

impl AuditAction {
    /// What happened, in words a manager reads in the log ("Decision confirmed").
    pub fn label(self) -> &'static str {
        use AuditAction::*;
        match self {
            SignInSucceeded => "Signed in",
            SignInFailed => "Sign-in failed",
            SignedOut => "Signed out",
            SessionExpired => "Session expired",
            SecondFactorEnrolmentStarted => "Two-factor set-up started",
            SecondFactorEnrolled => "Two-factor sign-in set up",
            SecondFactorUsed => "Signed in with the second factor",
            SecondFactorFailed => "Second factor refused",
            RecoveryCodeUsed => "Signed in with a recovery code",
            UserCreated => "Account created",
            UserRoleChanged => "Role changed",
            UserDisabled => "Account disabled",
            UserEnabled => "Account enabled",
            UserPasswordReset => "Password reset",
            UserSecondFactorReset => "Two-factor sign-in reset",
            TokenCreated => "API token created",
            TokenRevoked => "API token revoked",
            CustomerCreated => "Customer added",
            CustomerUpdated => "Customer changed",
            VerificationReceived => "Verification received",
            VerificationChanged => "Verification changed upstream",
            VerificationSuperseded => "Verification superseded",
            VerificationExpired => "Verification expired",
            RefreshRequested => "Read from the provider",
            UpstreamCallFailed => "Provider call failed",
            AuditVerified => "Audit chain verified",
            AuditCheckpointSigned => "Checkpoint signed",
            AuditViewed => "Audit log read",
            AuditExported => "Audit log exported",
            DatabaseBackedUp => "Database backed up",
            PiiRevealed => "Personal data revealed",
            MediaViewed => "Photo viewed",
            ApiRead => "Read through the API",
            CaseClaimed => "Case claimed",
            CaseReleased => "Case released",
            CaseAssigned => "Case assigned",
            CaseEscalated => "Escalated to compliance officers",
            NoteAdded => "Note added",
            DecisionMade => "Decision recorded",
            DecisionProposed => "Decision proposed (four eyes)",
            DecisionConfirmed => "Decision confirmed",
            DecisionRejected => "Proposal rejected",
            DecisionVoided => "Decision voided",
            PushSending => "Sending the decision to the provider",
            PushSucceeded => "Decision sent to the provider",
            PushFailed => "Sending the decision failed",
            PushRetryRequested => "Send retried",
            RetriggerRequested => "Provider asked again",
        }
    }
}

impl AuditEntity {
    /// The page an event's entity lives on, if it has one (an account's page is for admins).
    pub fn href(self, id: &str, admin: bool) -> Option<String> {
        let id: i64 = id.parse().ok()?;
        match self {
            AuditEntity::User if admin => Some(format!("/admin/users/{id}")),
            AuditEntity::User => None,
            AuditEntity::Customer => Some(format!("/customers/{id}")),
            AuditEntity::Verification => Some(format!("/cases/{id}")),
            AuditEntity::Token | AuditEntity::Export | AuditEntity::AuditLog => None,
        }
    }

    /// The entity in words ("Case #12").
    pub fn label(self, id: Option<&str>) -> String {
        let kind = match self {
            AuditEntity::User => "Account",
            AuditEntity::Customer => "Customer",
            AuditEntity::Verification => "Case",
            AuditEntity::Token => "API token",
            AuditEntity::Export => "Export",
            AuditEntity::AuditLog => "Audit log",
        };
        match id {
            Some(id) => format!("{kind} #{id}"),
            None => kind.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_reads_as_words_not_as_its_code() {
        for a in AuditAction::ALL {
            let label = a.label();
            assert!(!label.contains('.') && !label.contains('_'), "{a}: {label}");
            assert!(
                label.starts_with(|c: char| c.is_uppercase()),
                "{a}: {label}"
            );
        }
    }

    #[test]
    fn cases_customers_and_accounts_link_to_their_page() {
        let case = AuditEntity::Verification.href("12", false);
        assert_eq!(case.as_deref(), Some("/cases/12"));
        let customer = AuditEntity::Customer.href("5", false);
        assert_eq!(customer.as_deref(), Some("/customers/5"));
        let account = AuditEntity::User.href("3", true);
        assert_eq!(account.as_deref(), Some("/admin/users/3"));
        assert_eq!(
            AuditEntity::User.href("3", false),
            None,
            "only admins open accounts"
        );
        assert_eq!(AuditEntity::Token.href("3", true), None);
        assert_eq!(AuditEntity::Customer.href("x", false), None);
        assert_eq!(AuditEntity::Verification.label(Some("12")), "Case #12");
    }
}
