//! The Cadence server. Its floors, from the top down; each imports only from below:
//!
//! | floor | modules | holds |
//! |---|---|---|
//! | command line | [`cli`], [`demo`] | `cadence serve`, `migrate`, `create-org`, `create-key`; the demo org |
//! | application | [`app`], [`housekeeping`] | the server loop, background tasks, graceful shutdown |
//! | HTTP | [`http`] | routes, extractors, auth, idempotency, rate limits, the error envelope |
//! | domain | [`domain`], [`webhooks`], [`mail`] | the decisions: catalogue, scheduling, bookings, accounts; webhook and mail delivery |
//! | storage | [`store`], [`request_log`] | the `Store` traits on SQLite and Postgres; the request log writer |
//! | records | [`model`] | one record type per entity and its conversions into wire types |
//! | engine | [`availability`] | pure slot arithmetic: schedules, bookings and now in, slots out |
//! | ground | [`config`], [`keys`], [`ids`], [`clock`] | settings, secrets, ids, time |
//!
//! The wire types (`cadence_shared`) sit under all of them. See the README for the big
//! picture.

pub mod app;
pub mod availability;
pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod housekeeping;
pub mod http;
pub mod ids;
pub mod keys;
pub mod mail;
pub mod model;
pub mod request_log;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod webhooks;
