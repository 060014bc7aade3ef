// Deep view types (the case page) need more than the default 128.
#![recursion_limit = "256"]

//! KYC Desk. Dependencies point one way: `domain` ← `server` ← `api` ← `ui`,
//! and `app` ties them together. `view` holds what pages show (isomorphic,
//! no logic): the server fills it and the pages read it.

pub mod api;
pub mod app;
pub mod domain;
pub mod error;
#[cfg(feature = "ssr")]
pub mod server;
pub mod ui;
pub mod view;

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Islands: pages are server-rendered HTML whose forms work as plain
    // forms; only the islands (`#[island]`) ship to the browser and hydrate.
    leptos::mount::hydrate_islands();
}
