//! Server data held in signals, loaded with plain `spawn_local` tasks.
//!
//! Leptos resources, `Suspense` and actions would do this too, but their async machinery
//! costs about a tenth of the wasm bundle; the widget only needs "loading, then a result",
//! with older answers dropped when a newer request was made meanwhile.

use crate::api::Failure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// A request on its way (boxed: one spawn wrapper per answer type, not per call site).
pub type Request<T> = Pin<Box<dyn Future<Output = Result<T, Failure>>>>;

/// Boxes a request for `Remote::new`'s loader.
pub fn request<T>(f: impl Future<Output = Result<T, Failure>> + 'static) -> Option<Request<T>> {
    Some(Box::pin(f))
}

type Loader<T> = Arc<dyn Fn() -> Option<Request<T>> + Send + Sync>;

/// The last answer to a request the widget made, and whether one is on its way.
pub struct Remote<T: Send + Sync + 'static> {
    value: RwSignal<Option<Result<T, Failure>>>,
    loading: RwSignal<bool>,
    latest: StoredValue<u32>,
    load: StoredValue<Loader<T>>,
}

impl<T: Send + Sync + 'static> Clone for Remote<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Remote<T> {}

impl<T: Clone + Send + Sync + 'static> Remote<T> {
    /// `load` makes the request from the current choices (read untracked), or `None` when
    /// there is nothing to ask yet. Nothing is sent until `reload`.
    pub fn new(load: impl Fn() -> Option<Request<T>> + Send + Sync + 'static) -> Self {
        Remote {
            value: RwSignal::new(None),
            loading: RwSignal::new(false),
            latest: StoredValue::new(0),
            load: StoredValue::new(Arc::new(load)),
        }
    }

    /// Sends the request again; its answer replaces the value unless another request
    /// began since. The previous value stays visible meanwhile (no flicker when a month's
    /// times reload). Called when what the request depends on changes, and by "Try again".
    pub fn reload(self) {
        let Some(request) = self.load.with_value(|load| load()) else { return };
        let ticket = self.latest.get_value().wrapping_add(1);
        self.latest.set_value(ticket);
        self.loading.set(true);
        spawn_local(async move {
            let answer = request.await;
            if self.latest.try_get_value() == Some(ticket) {
                self.value.set(Some(answer));
                self.loading.set(false);
            }
        });
    }

    /// The answer (tracked): `None` before the first one arrives.
    pub fn get(self) -> Option<Result<T, Failure>> {
        self.value.get()
    }

    /// The successful answer, if any (tracked).
    pub fn ok(self) -> Option<T> {
        self.value.with(|v| v.as_ref().and_then(|r| r.as_ref().ok().cloned()))
    }

    /// The failure, if the last answer was one (tracked).
    pub fn failure(self) -> Option<Failure> {
        self.value.with(|v| v.as_ref().and_then(|r| r.as_ref().err().cloned()))
    }

    /// Whether a request is on its way (tracked).
    pub fn loading(self) -> bool {
        self.loading.get()
    }

    /// Replaces the value (e.g. with the answer of a cancel).
    pub fn set(self, value: T) {
        self.value.set(Some(Ok(value)));
    }
}
