//! Opaque, prefixed, time-ordered ids: `org_01J…`, `bk_01J…`, `req_01J…`.
//!
//! The suffix is a ULID, so ids sort by creation time; lists ordered "newest first" can
//! order and paginate by id alone.

/// A fresh id with the given type prefix (without the underscore).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", ulid::Ulid::new())
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_carry_their_prefix_and_sort_by_time() {
        let a = super::new_id("bk");
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = super::new_id("bk");
        assert!(a.starts_with("bk_") && a.len() == 3 + 26);
        assert!(a < b);
    }
}
