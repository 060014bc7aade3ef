//! Background work: the poller keeps upstream results fresh.

pub mod poller;
