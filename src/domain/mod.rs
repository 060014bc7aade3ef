//! Pure, isomorphic types and rules. No IO: this module compiles to wasm and
//! is shared by the server and the browser (for client-side validation).

/// A closed set of values with a stable string spelling (used in the
/// database, on the wire and in URLs).
macro_rules! string_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize,
            serde::Deserialize,
        )]
        pub enum $name { $($(#[$vm])* #[serde(rename = $s)] $variant),+ }

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

/// An optional text field as a form or a query string sends it: absent,
/// empty or blank is `None`, else its trimmed text.
pub fn filled(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Percent-encodes a URL query value: everything but letters, digits and `-_.~`.
pub fn query_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A value outside the closed set a field takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotInSet;

/// An optional choice from a closed set, as a form or a query string sends
/// it: absent or blank is `None`; anything else must parse.
pub fn choice<T>(
    v: &Option<String>,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, NotInSet> {
    filled(v).map(|s| parse(s).ok_or(NotInSet)).transpose()
}

pub mod audit;
pub mod case;
pub mod customer;
pub mod decision;
pub mod metrics;
pub mod role;
pub mod second_factor;
pub mod user;
pub mod verification;

pub use role::{Permission, Role};
