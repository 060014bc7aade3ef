//! Pure, isomorphic types and rules. No IO: this module compiles to wasm and
//! is shared by the server and the browser (for client-side validation).

pub mod audit;
pub mod role;
pub mod user;

pub use role::{Permission, Role};
