pub mod error_view;
pub mod field;
pub mod shell;
