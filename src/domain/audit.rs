//! The closed vocabulary of the audit trail.

string_enum! {
    /// What happened. A closed list: every state change names one of these.
    AuditAction {
        SignInSucceeded = "auth.sign_in",
        SignInFailed = "auth.sign_in_failed",
        SignedOut = "auth.sign_out",
        SessionExpired = "auth.session_expired",
        UserCreated = "user.created",
        UserRoleChanged = "user.role_changed",
        UserDisabled = "user.disabled",
        UserEnabled = "user.enabled",
        UserPasswordReset = "user.password_reset",
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
