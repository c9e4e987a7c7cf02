//! The Cadence server: HTTP surfaces ([`http`]), storage ([`store`]), and the `cadence`
//! command line ([`cli`]). See the repository README for the big picture.

pub mod accounts;
pub mod app;
pub mod availability;
pub mod bookings;
pub mod catalog;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod error;
pub mod housekeeping;
pub mod http;
pub mod idempotency;
pub mod ids;
pub mod input;
pub mod keys;
pub mod rate_limit;
pub mod request_log;
pub mod scheduling;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod validation;
pub mod webhooks;
pub mod wire;
