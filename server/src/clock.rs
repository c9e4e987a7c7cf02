//! The one place the server reads the wall clock.

use chrono::{DateTime, SubsecRound, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

/// Seconds this process's clock runs ahead of the wall clock (0 unless a test moved it).
static OFFSET_SECS: AtomicI64 = AtomicI64::new(0);

/// Now, in whole seconds: SQLite stores instants as unix seconds, so truncating here keeps
/// what a request returns equal to what a later read returns, on both backends.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now().trunc_subsecs(0);
    match OFFSET_SECS.load(Ordering::Relaxed) {
        0 => now,
        offset => now + chrono::Duration::seconds(offset),
    }
}

/// Moves this process's clock `by` ahead of the wall clock, for tests of what happens
/// later (reminders): every decision that reads [`now`] sees the moved time. Not reachable
/// from the command line.
pub fn set_offset(by: chrono::Duration) {
    OFFSET_SECS.store(by.num_seconds(), Ordering::Relaxed);
}
