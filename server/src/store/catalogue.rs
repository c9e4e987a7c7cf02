//! A per-process cache of each org's catalogue (services and practitioners with their
//! hours and overrides), which every availability query and booking reads.
//!
//! Valid across processes without any messaging: the database bumps `orgs.catalog_version`
//! (triggers of migration 0005) on every change to those tables, every request reads its
//! org, version included, before it asks for the catalogue, and a cached catalogue is used
//! only when it is at least that version. A catalogue is labelled with the version of the
//! org read *before* it was loaded, so it is never labelled newer than what it holds.

use crate::model::{Catalogue, Org};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Orgs kept at most; when full, the cache starts again empty (a 20-practitioner org's
/// catalogue is ~30 KB, so this bounds the cache to tens of MB).
const MAX_ORGS: usize = 2_000;

#[derive(Default)]
pub struct CatalogueCache {
    entries: Mutex<HashMap<String, Arc<Catalogue>>>,
}

impl CatalogueCache {
    /// The cached catalogue of `org`, if it is current for the org as read.
    pub fn get(&self, org: &Org) -> Option<Arc<Catalogue>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.get(&org.id).filter(|c| c.version >= org.catalog_version).cloned()
    }

    /// Keeps `catalogue` for its org unless a newer one is already kept.
    pub fn put(&self, org_id: &str, catalogue: Arc<Catalogue>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.get(org_id).is_some_and(|c| c.version > catalogue.version) {
            return;
        }
        if entries.len() >= MAX_ORGS && !entries.contains_key(org_id) {
            entries.clear();
        }
        entries.insert(org_id.to_owned(), catalogue);
    }
}
