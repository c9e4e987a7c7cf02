//! The one place the server reads the wall clock.

use chrono::{DateTime, SubsecRound, Utc};

/// Now, in whole seconds: SQLite stores instants as unix seconds, so truncating here keeps
/// what a request returns equal to what a later read returns, on both backends.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(0)
}
