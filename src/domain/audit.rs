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
    }
}
