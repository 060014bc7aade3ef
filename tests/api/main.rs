//! Integration tests: the real router on a random port, a fresh SQLite file.
//! Run with `cargo test` (the `ssr` feature is on by default).

mod audit;
mod audit_log;
mod auth;
mod canary;
mod cases;
mod cli;
mod cockpit;
mod crash;
mod db;
mod faults;
mod fuzz;
mod helpers;
mod ingest;
mod layers;
mod malformed;
mod mapping;
mod media;
mod metrics;
mod operations;
mod personal_data;
mod poller;
mod providers;
mod retrigger;
mod roles;
mod sandbox;
mod security;
mod seed;
mod sso;
mod two_factor;
mod users;
