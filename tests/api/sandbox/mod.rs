//! Integration tests: each spawns a sandbox router on 127.0.0.1:0 and calls it
//! over HTTP (reqwest, and the rmcp client for MCP).
#![allow(clippy::unwrap_used)]

mod biometric_kz;
mod common;
mod control;
mod eclipse;
mod ident;
mod mcp;
mod width;
