//! The closed vocabulary of the audit trail.

use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

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
