//! Server function arguments that are not text (ids, versions, flags).
//!
//! server_fn decodes a function's arguments before its body runs, and when a
//! value does not parse (`id=abc`, a number too large) its error cannot say
//! which field it was. An [`Arg`] always decodes, keeping the value or the
//! fact that it did not parse; the body reads it with [`Arg::read`] after
//! the permission check, and a bad value becomes a 400 that names its field.

use crate::error::{AppError, ErrorKind};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg<T>(Option<T>);

impl<T> Arg<T> {
    /// The value, or a 400 naming `field` when it did not parse.
    pub fn read(self, field: &str) -> Result<T, AppError> {
        self.0.ok_or_else(|| {
            AppError::new(ErrorKind::BadRequest {
                message: format!("The field \"{field}\" does not hold a valid value."),
                field: Some(field.to_string()),
            })
        })
    }
}

impl<T> From<T> for Arg<T> {
    fn from(v: T) -> Self {
        Arg(Some(v))
    }
}

impl<T: fmt::Display> Serialize for Arg<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            Some(v) => s.collect_str(v),
            None => s.serialize_str(""),
        }
    }
}

impl<'de, T: FromStr> Deserialize<'de> for Arg<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Parse<T>(PhantomData<T>);

        impl<T: FromStr> Parse<T> {
            fn text<E>(s: &str) -> Result<Arg<T>, E> {
                Ok(Arg(s.trim().parse().ok()))
            }
        }

        impl<T: FromStr> Visitor<'_> for Parse<T> {
            type Value = Arg<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value given as text")
            }

            fn visit_str<E: de::Error>(self, s: &str) -> Result<Arg<T>, E> {
                Self::text(s)
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Arg<T>, E> {
                Self::text(&v.to_string())
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Arg<T>, E> {
                Self::text(&v.to_string())
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Arg<T>, E> {
                Self::text(&v.to_string())
            }
        }

        d.deserialize_any(Parse(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Serialize)]
    struct Form {
        id: Arg<i64>,
        on: Arg<bool>,
    }

    fn form(s: &str) -> Form {
        serde_json::from_str(s).expect("always decodes")
    }

    #[test]
    fn a_value_that_parses_is_read_and_one_that_does_not_names_its_field() {
        let f = form(r#"{"id": "42", "on": "true"}"#);
        assert_eq!(f.id.read("id"), Ok(42));
        assert_eq!(f.on.read("on"), Ok(true));
        for bad in [
            r#""abc""#,
            r#""99999999999999999999""#,
            r#""""#,
            "18446744073709551615",
        ] {
            let f = form(&format!(r#"{{"id": {bad}, "on": "yes"}}"#));
            let e = f.id.read("id").expect_err(bad);
            assert_eq!(e.status(), 400);
            assert!(
                matches!(e.kind, ErrorKind::BadRequest { field: Some(ref f), .. } if f == "id")
            );
            assert!(f.on.read("on").is_err());
        }
    }

    #[test]
    fn it_goes_out_as_the_text_it_came_in_as() {
        let f = Form {
            id: 7.into(),
            on: false.into(),
        };
        assert_eq!(
            serde_json::to_string(&f).expect("json"),
            r#"{"id":"7","on":"false"}"#
        );
    }
}
