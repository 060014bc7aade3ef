//! Everything that runs only on the server: configuration, startup, the
//! database, sessions and security, and the use cases (services).

pub mod assets;
pub mod cli;
pub mod clock;
pub mod config;
pub mod ctx;
pub mod db;
pub mod error;
pub mod export;
pub mod health;
pub mod liveness;
pub mod media;
pub mod oidc;
pub mod password;
pub mod pii;
pub mod providers;
pub mod rest;
pub mod sandbox;
pub mod second_factor;
pub mod security;
pub mod services;
pub mod session;
pub mod sso;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod views;
pub mod workers;
