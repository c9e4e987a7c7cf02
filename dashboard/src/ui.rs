//! Pieces every screen uses: labelled fields that show the server's error next to the field
//! its envelope names, the form-level alert, loading and failure views, and a write runner.

use crate::api::Failure;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;

/// The last failure of a form and whether its write is on the way.
#[derive(Clone, Copy)]
pub struct FormState {
    pub failure: RwSignal<Option<Failure>>,
    pub pending: RwSignal<bool>,
}

impl FormState {
    pub fn new() -> FormState {
        FormState { failure: RwSignal::new(None), pending: RwSignal::new(false) }
    }

    /// Runs `write` once at a time; a failure stays shown (with what was typed) until the
    /// next try; `done` gets the answer.
    pub fn run<T: 'static>(
        self,
        write: impl Future<Output = Result<T, Failure>> + 'static,
        done: impl FnOnce(T) + 'static,
    ) {
        if self.pending.get_untracked() {
            return;
        }
        self.pending.set(true);
        self.failure.set(None);
        spawn_local(async move {
            let answer = write.await;
            self.pending.set(false);
            match answer {
                Ok(value) => done(value),
                Err(failure) => self.failure.set(Some(failure)),
            }
        });
    }

    /// The message for `field` when the last failure names it (or one of its parts:
    /// `weekly_hours` matches `weekly_hours.monday[0]`).
    pub fn error_for(self, field: &'static str) -> impl Fn() -> Option<String> + Copy {
        move || {
            self.failure.with(|f| {
                let f = f.as_ref()?;
                let named = f.field()?;
                let hit = named == field
                    || named.strip_prefix(field).is_some_and(|rest| rest.starts_with(['.', '[']));
                hit.then(|| f.message())
            })
        }
    }

    /// The failure's message when no field of `fields` shows it.
    pub fn general_error(self, fields: &'static [&'static str]) -> impl Fn() -> Option<String> {
        move || {
            self.failure.with(|f| {
                let f = f.as_ref()?;
                let shown = f.field().is_some_and(|named| {
                    fields.iter().any(|field| {
                        named == *field
                            || named.strip_prefix(field).is_some_and(|r| r.starts_with(['.', '[']))
                    })
                });
                (!shown).then(|| f.message())
            })
        }
    }
}

impl Default for FormState {
    fn default() -> Self {
        FormState::new()
    }
}

/// A labelled input bound to `value`, with the error for `name` below it.
#[component]
pub fn Field(
    label: &'static str,
    name: &'static str,
    value: RwSignal<String>,
    form: FormState,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
    #[prop(optional)] hint: &'static str,
    #[prop(optional)] required: bool,
) -> impl IntoView {
    let id = format!("f-{}", name.replace(['.', '_'], "-"));
    let error = form.error_for(name);
    let error_id = format!("{id}-error");
    let described = error_id.clone();
    view! {
        <div class="field">
            <label for=id.clone()>{label}</label>
            <input
                id=id
                name=name
                type=kind
                autocomplete=autocomplete
                required=required
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                aria-describedby=move || error().map(|_| described.clone())
            />
            {(!hint.is_empty()).then(|| view! { <p class="hint">{hint}</p> })}
            {move || error().map(|message| view! {
                <p class="field-error" id=error_id.clone() data-testid=format!("error-{name}")>{message}</p>
            })}
        </div>
    }
}

/// The form's own alert: a failure no field shows.
pub fn form_alert(text: impl Fn() -> Option<String> + Send + Sync + 'static) -> impl IntoView {
    move || {
        text().map(|message| view! { <p role="alert" class="error" data-testid="form-error">{message}</p> })
    }
}

/// "Loading…", announced as busy.
pub fn loading() -> AnyView {
    view! { <p class="loading" aria-busy="true">"Loading…"</p> }.into_any()
}

/// A failed load, with a button that tries again.
pub fn failed(failure: &Failure, retry: impl Fn() + Send + Sync + 'static) -> AnyView {
    let message = failure.message();
    view! {
        <p role="alert" class="error">{message}" "
            <button type="button" on:click=move |_| retry()>"Try again"</button>
        </p>
    }
    .into_any()
}

/// Copies `text` to the clipboard; the button says "Copied".
#[component]
pub fn CopyButton(text: String, #[prop(default = "Copy")] label: &'static str) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.navigator().clipboard().write_text(&text);
            copied.set(true);
        }
    };
    view! {
        <button type="button" class="secondary" on:click=copy>
            {move || if copied.get() { "Copied" } else { label }}
        </button>
    }
}

/// A list read a page at a time (`limit` and `cursor` of the org API) with a "More" button:
/// the rows so far, where the next page starts, and the last failure.
pub struct Paged<T: Send + Sync + 'static> {
    pub rows: RwSignal<Vec<T>>,
    pub next: RwSignal<Option<String>>,
    pub failure: RwSignal<Option<Failure>>,
    /// Whether the first page has arrived.
    pub loaded: RwSignal<bool>,
    url: StoredValue<std::sync::Arc<dyn Fn() -> String + Send + Sync>>,
    /// The latest request: an older answer (filters changed meanwhile) is dropped.
    latest: StoredValue<u32>,
}

impl<T: Send + Sync + 'static> Clone for Paged<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Paged<T> {}

impl<T: Clone + serde::de::DeserializeOwned + Send + Sync + 'static> Paged<T> {
    /// `url` makes the first page's address (with a `?`), from the current filters (read
    /// untracked); nothing is fetched until `fetch`.
    pub fn new(url: impl Fn() -> String + Send + Sync + 'static) -> Self {
        Paged {
            rows: RwSignal::new(Vec::new()),
            next: RwSignal::new(None),
            failure: RwSignal::new(None),
            loaded: RwSignal::new(false),
            url: StoredValue::new(std::sync::Arc::new(url)),
            latest: StoredValue::new(0),
        }
    }

    /// The first page again (`more` false), or the next one added to the rows.
    pub fn fetch(self, more: bool) {
        let mut url = self.url.with_value(|u| u());
        if more {
            let Some(cursor) = self.next.get_untracked() else { return };
            url.push_str(&format!("&cursor={}", crate::api::encode(&cursor)));
        }
        let ticket = self.latest.get_value().wrapping_add(1);
        self.latest.set_value(ticket);
        spawn_local(async move {
            let answer = crate::api::get::<cadence_shared::Page<T>>(&url).await;
            if self.latest.try_get_value() != Some(ticket) {
                return;
            }
            match answer {
                Ok(page) => {
                    self.failure.set(None);
                    self.next.set(page.next_cursor.filter(|_| page.has_more));
                    if more {
                        self.rows.update(|r| r.extend(page.data));
                    } else {
                        self.rows.set(page.data);
                    }
                    self.loaded.set(true);
                }
                Err(f) => self.failure.set(Some(f)),
            }
        });
    }

    /// The failure with "Try again", "Loading…" before the first page, and "More" while
    /// pages follow: what every paged list shows around its rows.
    pub fn status(self) -> impl IntoView {
        view! {
            {move || self.failure.get().map(|f| failed(&f, move || self.fetch(false)))}
            {move || (!self.loaded.get() && self.failure.with(Option::is_none)).then(loading)}
        }
    }

    pub fn more(self) -> impl IntoView {
        move || {
            self.next.with(Option::is_some).then(|| {
                view! { <button type="button" class="secondary" on:click=move |_| self.fetch(true)>"More"</button> }
            })
        }
    }
}
