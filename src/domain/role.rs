use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The four roles of KYC Desk. Permissions are derived from the role on every
/// request (never cached in the session), so a role change takes effect on the
/// user's next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Reviewer,
    ComplianceOfficer,
    Manager,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Reviewer,
        Role::ComplianceOfficer,
        Role::Manager,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Reviewer => "reviewer",
            Role::ComplianceOfficer => "compliance_officer",
            Role::Manager => "manager",
            Role::Admin => "admin",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Reviewer => "Reviewer",
            Role::ComplianceOfficer => "Compliance officer",
            Role::Manager => "Manager",
            Role::Admin => "Admin",
        }
    }

    /// Deny by default: a role may do exactly what this table grants.
    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            ViewOwnAccount => true,
            ManageUsers => self == Admin,
            ViewCases => matches!(self, Reviewer | ComplianceOfficer | Manager),
            WorkCases => matches!(self, Reviewer | ComplianceOfficer),
            SuperviseCases => self == ComplianceOfficer,
            ViewAudit => matches!(self, Manager | Admin),
            ViewMetrics => self == Manager,
            ViewOperations => self == Admin,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role \"{0}\" (expected reviewer, compliance_officer, manager or admin)")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| UnknownRole(s.to_string()))
    }
}

/// What a caller may do. Every server function asks for exactly one of these
/// before it does anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// Read one's own account (who am I, sign out).
    ViewOwnAccount,
    /// List, create and change users.
    ManageUsers,
    /// See customers, verifications and checks (managers read only).
    ViewCases,
    /// Add customers, import, refresh from the provider: the reviewers' work.
    WorkCases,
    /// Assign cases to others, confirm or reject four-eyes proposals, retry
    /// failed upstream pushes: compliance officers.
    SuperviseCases,
    /// Read, verify and export the audit trail.
    ViewAudit,
    /// The metrics page.
    ViewMetrics,
    /// The Operations page: each provider's health and backlog.
    ViewOperations,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admins_manage_users() {
        for role in Role::ALL {
            assert_eq!(role.can(Permission::ManageUsers), role == Role::Admin);
        }
    }

    #[test]
    fn managers_read_cases_but_only_reviewers_and_officers_work_them() {
        assert!(Role::Manager.can(Permission::ViewCases));
        assert!(!Role::Manager.can(Permission::WorkCases));
        assert!(Role::Reviewer.can(Permission::WorkCases));
        assert!(Role::ComplianceOfficer.can(Permission::WorkCases));
        assert!(!Role::Admin.can(Permission::ViewCases));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
