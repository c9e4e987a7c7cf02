//! The domain: what an org offers, who may book what and when, accounts and webhook
//! endpoints. It decides; `http` above it parses requests and shapes responses, `store`
//! below it keeps the records. It imports neither axum nor `http`, and reports refusals as
//! [`DomainError`], which `http::error` maps to the envelope.
//!
//! | module | decides |
//! |---|---|
//! | [`input`], [`validation`] | values from outside: instants, dates, customers, e-mails, slugs, zones, branding |
//! | [`catalog`] | services and practitioners: validation and PATCH merging |
//! | [`scheduling`] | a service's offer (rules, schedules, busy ranges) and availability |
//! | [`bookings`] | create, reschedule, cancel; who gets an "any practitioner" booking |
//! | [`notify`] | which mails a booking change sends |
//! | [`accounts`] | passwords, sessions, signup, API key requests |
//! | [`webhooks`] | which endpoints may be registered, for which events |

pub mod accounts;
pub mod bookings;
pub mod catalog;
mod error;
pub mod input;
pub mod notify;
pub mod scheduling;
pub mod validation;
pub mod webhooks;

pub use error::DomainError;
