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
