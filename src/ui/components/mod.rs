pub mod badges;
pub mod charts;
pub mod checks;
pub mod error_view;
pub mod field;
pub mod form_helpers;
pub mod shell;
pub mod shortcuts;
