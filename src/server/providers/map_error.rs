//! The one error the mappers return: a payload that is not even the right JSON type, or that
//! lacks the id the attempt is keyed by. Unknown *values* are never errors (they map to
//! `UNKNOWN` with the raw string kept).

use serde_json::Value;

use super::json;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    /// E.g. a string where an object is required.
    #[error("{what}: expected {expected}, got {found}")]
    WrongType {
        what: String,
        expected: &'static str,
        found: &'static str,
    },
    /// The field the attempt is keyed by (`upstream_ref`) is absent, null or blank.
    #[error("{what}: `{field}` is missing or blank, so the attempt cannot be keyed")]
    MissingId { what: String, field: &'static str },
}

impl MapError {
    pub(crate) fn wrong_type(
        what: impl Into<String>,
        expected: &'static str,
        got: &Value,
    ) -> MapError {
        MapError::WrongType {
            what: what.into(),
            expected,
            found: json::kind(got),
        }
    }

    pub(crate) fn missing_id(what: impl Into<String>, field: &'static str) -> MapError {
        MapError::MissingId {
            what: what.into(),
            field,
        }
    }
}
