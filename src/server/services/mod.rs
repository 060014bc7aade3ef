//! Use cases. No Leptos types here: server functions, the CLI and tests call
//! these with plain arguments. Each state change writes its audit event in
//! the same transaction.

pub mod audit;
pub mod audit_log;
pub mod auth;
pub mod cases;
pub mod customers;
pub mod demo;
pub mod demo_data;
pub mod import;
pub mod metrics;
pub mod operations;
pub mod refresh;
pub mod retrigger;
pub mod second_factor;
pub mod sso;
pub mod tokens;
pub mod users;
