//! Newtypes that parse user input. The same rules run in the browser (to show
//! a message before the round trip) and on the server (where they decide).

use serde::{Deserialize, Serialize};

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;
pub const NAME_MAX_CHARS: usize = 100;
pub const EMAIL_MAX_CHARS: usize = 254;

/// A normalised (trimmed, lower-case) e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("Enter an e-mail address.");
        }
        if s.chars().count() > EMAIL_MAX_CHARS {
            return Err("That e-mail address is too long.");
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err("Enter an e-mail address like name@example.com.");
        };
        let domain_ok = !domain.is_empty()
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@');
        if local.is_empty() || !domain_ok || s.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err("Enter an e-mail address like name@example.com.");
        }
        Ok(Email(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A person's display name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName(String);

impl PersonName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let s = raw.trim();
        if s.is_empty() {
            return Err("Enter a name.");
        }
        if s.chars().count() > NAME_MAX_CHARS {
            return Err("That name is too long (100 characters at most).");
        }
        if s.chars().any(char::is_control) {
            return Err("A name cannot contain control characters.");
        }
        Ok(PersonName(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Checks a new password against the policy: length only, no composition
/// rules (ASVS V6.2), never trimmed or truncated.
pub fn check_new_password(raw: &str) -> Result<(), &'static str> {
    let n = raw.chars().count();
    if n < PASSWORD_MIN_CHARS {
        return Err("Use at least 12 characters.");
    }
    if n > PASSWORD_MAX_CHARS {
        return Err("Use at most 128 characters.");
    }
    Ok(())
}

string_enum! {
    /// Why a single sign-on did not sign anyone in, as the sign-in page is told
    /// (`/login?sso=<code>`); what went wrong exactly is in the audit trail.
    SsoRefusal {
        /// The identity provider's answer did not verify, or it could not be reached.
        Failed = "failed",
        /// The identity provider has not verified the person's e-mail.
        Unverified = "unverified",
        /// No KYC Desk account has this e-mail.
        Unknown = "unknown",
        Disabled = "disabled",
        /// The sign-in took too long, or came back to another browser.
        Expired = "expired",
    }
}

impl SsoRefusal {
    /// What the sign-in page says.
    pub fn message(self) -> &'static str {
        match self {
            SsoRefusal::Failed => {
                "Single sign-on did not work: the identity provider's answer could not be \
                 verified. Try again; if it goes on, tell an admin."
            }
            SsoRefusal::Unverified => {
                "Your identity provider has not verified your e-mail address, so KYC Desk \
                 cannot match it to an account."
            }
            SsoRefusal::Unknown => {
                "No KYC Desk account has this e-mail address. An admin creates accounts."
            }
            SsoRefusal::Disabled => "This account is disabled. Ask an admin.",
            SsoRefusal::Expired => {
                "That sign-in took too long or was started elsewhere. Try again."
            }
        }
    }
}

/// Where a person goes after signing in, from the `next` the sign-in page was given: a page of
/// this site (`/cases/12?x=1`), never another site (`//evil`, `/\\evil`, `https://…`), the
/// sign-in page itself or a server function; anything else is the queue.
pub fn return_path(next: Option<&str>) -> &str {
    match next {
        Some(p)
            if p.starts_with('/')
                && !p.starts_with("//")
                && !p.starts_with("/\\")
                && !p.starts_with("/api/")
                && !p.starts_with("/login")
                && p.len() <= 2_000
                && !p.chars().any(|c| c.is_control() || c == '\\') =>
        {
            p
        }
        _ => "/",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_in_returns_only_to_a_page_of_this_site() {
        assert_eq!(return_path(Some("/cases/12?done=3")), "/cases/12?done=3");
        assert_eq!(return_path(None), "/");
        for bad in [
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "evil",
            "/api/auth/logout",
            "/login?next=/x",
            "/cases/1\r\nSet-Cookie: x=1",
            "/a\\b",
        ] {
            assert_eq!(return_path(Some(bad)), "/", "{bad:?}");
        }
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Ann@Example.COM ").map(|e| e.0),
            Ok("ann@example.com".into())
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "ann",
            "@x.com",
            "ann@",
            "ann@.com",
            "a b@x.com",
            "a@b@c",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn passwords_need_twelve_characters_and_no_more_than_128() {
        assert!(check_new_password("short pass").is_err());
        assert!(check_new_password("twelve chars").is_ok());
        assert!(check_new_password(&"x".repeat(128)).is_ok());
        assert!(check_new_password(&"x".repeat(129)).is_err());
        // no composition rules: lower-case letters and spaces are fine
        assert!(check_new_password("correct horse battery staple").is_ok());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(
            PersonName::parse("  Ann Lee ").map(|n| n.0),
            Ok("Ann Lee".into())
        );
        assert!(PersonName::parse("   ").is_err());
        assert!(PersonName::parse(&"a".repeat(101)).is_err());
    }
}
