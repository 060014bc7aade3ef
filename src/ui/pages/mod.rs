pub mod customer;
pub mod customer_new;
pub mod customers;
pub mod home;
pub mod login;
pub mod not_found;
pub mod user;
pub mod users;
