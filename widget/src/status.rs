//! How a screen shows that it is waiting or that something failed; every screen uses these,
//! so they live below all of them.

use crate::api::Failure;
use leptos::prelude::*;

/// "Loading…" with a spinner, announced as busy.
pub fn loading(text: &'static str) -> AnyView {
    view! { <p class="loading" aria-busy="true">{text}</p> }.into_any()
}

/// A failure in plain words, with a button that tries again.
pub fn failed(failure: &Failure, retry: impl Fn() + Send + Sync + 'static) -> AnyView {
    failed_view(failure.message(), std::sync::Arc::new(retry))
}

/// `failed`'s view, not generic: built once in the wasm, whatever the retry does.
fn failed_view(message: String, retry: std::sync::Arc<dyn Fn() + Send + Sync>) -> AnyView {
    view! {
        <p role="alert" class="error">{message}" "
            <button type="button" data-testid="retry" on:click=move |_| retry()>{crate::i18n::t().try_again}</button>
        </p>
    }
    .into_any()
}
