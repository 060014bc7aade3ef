//! `AppError`: the one error type. It crosses the wire (server functions and
//! the JSON API) and carries an honest HTTP status, a message a person can act
//! on, and a correlation reference (the request id) that also appears in the
//! server's logs. Internals never leave the server: they are logged where the
//! error is converted (see `server::error`).

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    pub kind: ErrorKind,
    /// The request id of the failing request, for support.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErrorKind {
    /// No valid session (or API token).
    Unauthenticated,
    /// Signed in, but the role does not allow this.
    Forbidden,
    /// Wrong e-mail or password: deliberately the same for both.
    InvalidCredentials,
    /// Too many attempts; try again later.
    TooManyAttempts {
        retry_after_secs: u64,
    },
    NotFound {
        what: String,
    },
    /// Bad input; `field` names the form field it belongs next to.
    Validation {
        field: String,
        message: String,
    },
    /// The request was malformed (missing or undecodable arguments);
    /// `field` names the argument that could not be read, when known.
    BadRequest {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        field: Option<String>,
    },
    /// The request body is larger than the server accepts.
    TooLarge,
    /// The server cannot write right now (disk full, I/O error, the
    /// database busy for too long): nothing of the request was saved.
    Unavailable {
        message: String,
    },
    /// The thing changed under you (stale version, duplicate, wrong state).
    Conflict {
        message: String,
    },
    /// An upstream provider failed; its own code and trace id are kept.
    Upstream {
        provider: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trace_id: Option<String>,
    },
    /// Something broke on our side; details are in the log under `reference`.
    Internal,
    /// The browser could not reach the server or read its answer.
    Transport {
        message: String,
    },
}

impl AppError {
    pub fn new(kind: ErrorKind) -> Self {
        AppError {
            kind,
            reference: None,
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorKind::Unauthenticated)
    }

    pub fn forbidden() -> Self {
        Self::new(ErrorKind::Forbidden)
    }

    pub fn internal() -> Self {
        Self::new(ErrorKind::Internal)
    }

    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound { what: what.into() })
    }

    pub fn validation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation {
            field: field.into(),
            message: message.into(),
        })
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict {
            message: message.into(),
        })
    }

    /// The server could not write: `what` ("decision", "note", …) was not
    /// saved. Said plainly, so nobody believes it was.
    pub fn not_saved(what: &str) -> Self {
        Self::new(ErrorKind::Unavailable {
            message: format!(
                "Your {what} was NOT saved: the server cannot write right now. \
                 Try again in a minute; if it keeps failing, tell your administrator."
            ),
        })
    }

    /// The same error, naming what was not saved (for an `Unavailable` one).
    pub fn unsaved(self, what: &str) -> Self {
        match self.kind {
            ErrorKind::Unavailable { .. } => AppError {
                reference: self.reference,
                ..Self::not_saved(what)
            },
            _ => self,
        }
    }

    /// The HTTP status this error is answered with.
    pub fn status(&self) -> u16 {
        match self.kind {
            ErrorKind::Unauthenticated | ErrorKind::InvalidCredentials => 401,
            ErrorKind::Forbidden => 403,
            ErrorKind::NotFound { .. } => 404,
            ErrorKind::Conflict { .. } => 409,
            ErrorKind::Validation { .. } => 422,
            ErrorKind::BadRequest { .. } => 400,
            ErrorKind::TooManyAttempts { .. } => 429,
            ErrorKind::TooLarge => 413,
            ErrorKind::Upstream { .. } => 502,
            ErrorKind::Unavailable { .. } => 503,
            ErrorKind::Internal | ErrorKind::Transport { .. } => 500,
        }
    }

    /// A stable machine-readable code (the JSON API's `error.code`).
    pub fn code(&self) -> &'static str {
        match self.kind {
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::InvalidCredentials => "invalid_credentials",
            ErrorKind::TooManyAttempts { .. } => "too_many_attempts",
            ErrorKind::NotFound { .. } => "not_found",
            ErrorKind::Validation { .. } => "validation",
            ErrorKind::BadRequest { .. } => "bad_request",
            ErrorKind::TooLarge => "too_large",
            ErrorKind::Unavailable { .. } => "unavailable",
            ErrorKind::Conflict { .. } => "conflict",
            ErrorKind::Upstream { .. } => "upstream",
            ErrorKind::Internal => "internal",
            ErrorKind::Transport { .. } => "transport",
        }
    }

    /// The message for the person in front of the screen.
    pub fn message(&self) -> String {
        match &self.kind {
            ErrorKind::Unauthenticated => "Please sign in.".into(),
            ErrorKind::Forbidden => "Your role does not allow this.".into(),
            ErrorKind::InvalidCredentials => "Wrong e-mail or password.".into(),
            ErrorKind::TooManyAttempts { retry_after_secs } => {
                format!(
                    "Too many attempts. Try again in {}.",
                    human_secs(*retry_after_secs)
                )
            }
            ErrorKind::NotFound { what } => format!("{what} was not found."),
            ErrorKind::Validation { message, .. } => message.clone(),
            ErrorKind::BadRequest { message, .. } => message.clone(),
            ErrorKind::TooLarge => "The request is too large.".into(),
            ErrorKind::Unavailable { message } => message.clone(),
            ErrorKind::Conflict { message } => message.clone(),
            ErrorKind::Upstream {
                provider, message, ..
            } => format!("{provider}: {message}"),
            ErrorKind::Internal => "Something went wrong on our side.".into(),
            ErrorKind::Transport { message } => message.clone(),
        }
    }

    /// The message for `field`, if this is a validation error about it.
    pub fn field_message(&self, name: &str) -> Option<String> {
        match &self.kind {
            ErrorKind::Validation { field, message } if field == name => Some(message.clone()),
            _ => None,
        }
    }

    pub fn is_validation(&self) -> bool {
        matches!(self.kind, ErrorKind::Validation { .. })
    }
}

fn human_secs(secs: u64) -> String {
    match secs {
        0..=1 => "a second".into(),
        2..=59 => format!("{secs} seconds"),
        60..=119 => "a minute".into(),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

impl From<ErrorKind> for AppError {
    fn from(kind: ErrorKind) -> Self {
        AppError::new(kind)
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())?;
        if let Some(r) = &self.reference {
            write!(f, " (reference {r})")?;
        }
        Ok(())
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let kind = match value {
            ServerFnErrorErr::Args(m)
            | ServerFnErrorErr::MissingArg(m)
            | ServerFnErrorErr::Deserialization(m) => decode_error(&m),
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Response(_) => ErrorKind::Transport {
                message: "The server could not be reached. Check your connection and try again."
                    .into(),
            },
            _ => ErrorKind::Internal,
        };
        AppError::new(kind)
    }
}

/// A server function's arguments could not be decoded: which field, when
/// the decoder's message says (serde names a missing field; serde_qs a
/// repeated one). Values that do not parse are named by `api::arg::Arg`.
fn decode_error(message: &str) -> ErrorKind {
    let between = |start: &str, end: char| {
        let rest = &message[message.find(start)? + start.len()..];
        Some(rest[..rest.find(end)?].to_string())
    };
    let (field, what) = if let Some(f) = between("missing field `", '`') {
        (Some(f), "is missing")
    } else if let Some(f) = between("Multiple values for one key: \"", '"') {
        (Some(f), "was sent more than once")
    } else if let Some(f) = between("duplicate field `", '`') {
        (Some(f), "was sent more than once")
    } else {
        (None, "")
    };
    let message = match &field {
        Some(f) => format!("The field \"{f}\" {what}."),
        None => "The request could not be read. Reload the page and try again.".into(),
    };
    ErrorKind::BadRequest { message, field }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_round_trip_through_json() {
        let e = AppError {
            kind: ErrorKind::Validation {
                field: "email".into(),
                message: "Enter an e-mail address.".into(),
            },
            reference: Some("abc".into()),
        };
        let json = serde_json::to_string(&e).expect("serialize");
        assert_eq!(serde_json::from_str::<AppError>(&json).expect("parse"), e);
    }

    #[test]
    fn a_decode_error_names_the_field_when_the_decoder_says_which() {
        let field = |m: &str| match decode_error(m) {
            ErrorKind::BadRequest { field, .. } => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field("missing field `note`").as_deref(), Some("note"));
        assert_eq!(
            field("Multiple values for one key: \"id\"").as_deref(),
            Some("id")
        );
        assert_eq!(field("invalid utf-8 sequence"), None);
        assert_eq!(AppError::new(decode_error("x")).status(), 400);
    }

    #[test]
    fn each_kind_has_an_honest_status() {
        assert_eq!(AppError::unauthenticated().status(), 401);
        assert_eq!(AppError::forbidden().status(), 403);
        assert_eq!(AppError::not_found("User").status(), 404);
        assert_eq!(AppError::conflict("x").status(), 409);
        assert_eq!(AppError::validation("f", "m").status(), 422);
        assert_eq!(AppError::internal().status(), 500);
    }
}
