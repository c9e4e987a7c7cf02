//! The records the server works with: one type per entity (`ServiceRecord`, `BookingRecord`,
//! …), the inputs that create them (`NewService`, `NewBooking`, …), and their conversions
//! into the wire types of `cadence_shared`, all as `From` impls. The store reads and writes
//! these; the domain decides with them; `http` turns them into responses with `.into()`.
//!
//! Adding a field to an entity touches its record here (and its `From` into the wire type),
//! the wire type in `shared`, the store file of its area (SQL and row), the migrations and,
//! if it is input, the domain's validation.

mod accounts;
mod bookings;
mod catalog;
mod mail;
mod webhooks;

pub use accounts::*;
pub use bookings::*;
pub use catalog::*;
pub use mail::*;
pub use webhooks::*;
