//! Components and pages. The UI talks to the server only through `api`.

pub mod components;
pub mod pages;
