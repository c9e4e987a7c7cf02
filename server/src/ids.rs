//! Opaque, prefixed, time-ordered ids: `org_01J…`, `bk_01J…`, `req_01J…`.
//!
//! The suffix is a ULID from a process-wide monotonic generator, so ids sort by creation
//! time even within one millisecond; lists ordered "newest first" can order and paginate
//! by id alone.

use std::sync::{Mutex, PoisonError};
use ulid::Generator;

static GENERATOR: Mutex<Generator> = Mutex::new(Generator::new());

/// A fresh id with the given type prefix (without the underscore).
pub fn new_id(prefix: &str) -> String {
    let mut generator = GENERATOR.lock().unwrap_or_else(PoisonError::into_inner);
    // Overflow needs 2^80 ids in one millisecond; fall back to a random ULID regardless.
    let ulid = generator.generate().unwrap_or_else(|_| ulid::Ulid::new());
    format!("{prefix}_{ulid}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_carry_their_prefix_and_sort_by_creation() {
        let ids: Vec<String> = (0..1000).map(|_| super::new_id("bk")).collect();
        assert!(ids[0].starts_with("bk_") && ids[0].len() == 3 + 26);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "monotonic within a millisecond");
    }
}
