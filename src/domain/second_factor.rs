//! Two-factor sign-in: who must have a second factor, and what a session still owes.

use super::Role;

string_enum! {
    /// `KYC_DESK_MFA_REQUIRED`: who must sign in with a second factor.
    MfaPolicy {
        /// No one must (anyone may still enrol, and then always needs it).
        Off = "off",
        /// Admins and compliance officers: they manage accounts and decide sanctions cases.
        Privileged = "privileged",
        /// Everyone.
        All = "all",
    }
}

impl MfaPolicy {
    /// Whether a person with `role` must have a second factor.
    pub fn requires(self, role: Role) -> bool {
        match self {
            MfaPolicy::Off => false,
            MfaPolicy::Privileged => matches!(role, Role::Admin | Role::ComplianceOfficer),
            MfaPolicy::All => true,
        }
    }
}

string_enum! {
    /// What a session that gave the password still owes before it may do anything else.
    MfaStep {
        /// A code from the authenticator app (or a recovery code): the person has one.
        Code = "code",
        /// Setting up an authenticator app: the policy requires one, and there is none yet.
        Enrol = "enrol",
    }
}

impl MfaStep {
    /// The page that takes this step.
    pub fn path(self) -> &'static str {
        match self {
            MfaStep::Code => "/login/second-factor",
            MfaStep::Enrol => "/account/two-factor",
        }
    }
}

/// The enrolment state machine, per request: a session that has given a second factor owes
/// nothing; one that gave only the password owes a code when the person has enrolled (whatever
/// the policy), and an enrolment when the policy requires a factor they do not have yet.
pub fn step_owed(
    policy: MfaPolicy,
    role: Role,
    enrolled: bool,
    session_has_second_factor: bool,
) -> Option<MfaStep> {
    if session_has_second_factor {
        None
    } else if enrolled {
        Some(MfaStep::Code)
    } else if policy.requires(role) {
        Some(MfaStep::Enrol)
    } else {
        None
    }
}

/// A six-digit code as typed ("123 456", " 123456 "): its digits, if it is one.
pub fn totp_code(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// A recovery code as typed (any case, with or without dashes and spaces): its canonical
/// form (16 lower-case base32 letters), if it can be one.
pub fn recovery_code(raw: &str) -> Option<String> {
    let code: String = raw
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (code.len() == 16 && code.bytes().all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7')))
        .then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileged_means_admins_and_compliance_officers() {
        for role in Role::ALL {
            let privileged = matches!(role, Role::Admin | Role::ComplianceOfficer);
            assert_eq!(MfaPolicy::Privileged.requires(role), privileged, "{role}");
            assert!(MfaPolicy::All.requires(role));
            assert!(!MfaPolicy::Off.requires(role));
        }
    }

    #[test]
    fn a_session_with_a_second_factor_owes_nothing() {
        for policy in MfaPolicy::ALL {
            for role in Role::ALL {
                for enrolled in [false, true] {
                    assert_eq!(step_owed(*policy, role, enrolled, true), None);
                }
            }
        }
    }

    #[test]
    fn an_enrolled_person_always_gives_a_code_whatever_the_policy() {
        for policy in MfaPolicy::ALL {
            for role in Role::ALL {
                assert_eq!(step_owed(*policy, role, true, false), Some(MfaStep::Code));
            }
        }
    }

    #[test]
    fn a_person_the_policy_covers_enrols_before_anything_else() {
        let p = MfaPolicy::Privileged;
        assert_eq!(
            step_owed(p, Role::Admin, false, false),
            Some(MfaStep::Enrol)
        );
        assert_eq!(
            step_owed(p, Role::ComplianceOfficer, false, false),
            Some(MfaStep::Enrol)
        );
        assert_eq!(step_owed(p, Role::Reviewer, false, false), None);
        assert_eq!(step_owed(MfaPolicy::Off, Role::Admin, false, false), None);
        assert_eq!(
            step_owed(MfaPolicy::All, Role::Manager, false, false),
            Some(MfaStep::Enrol)
        );
    }

    #[test]
    fn codes_are_read_as_people_type_them() {
        assert_eq!(totp_code(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(totp_code("12345"), None);
        assert_eq!(totp_code("12345a"), None);
        assert_eq!(
            recovery_code("ABCD-EFGH-2345-67AB").as_deref(),
            Some("abcdefgh234567ab")
        );
        assert_eq!(
            recovery_code("abcd-efgh-2345-6781"),
            None,
            "1 is not base32"
        );
        assert_eq!(recovery_code("abcd"), None);
    }
}
