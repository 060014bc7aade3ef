//! Server functions: thin. Each one checks the caller's permission first
//! (`ctx::require`), parses its raw arguments into domain types, calls one
//! service, and maps the result to a DTO. Reads use `GetUrl`; everything that
//! changes something is a POST.

pub mod arg;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod customers;
pub mod metrics;
pub mod operations;
pub mod users;
