//! The API keys screen: the org's keys (prefix, scopes, last use, expiry, revoked), a new
//! key with chosen scopes and expiry — its secret shown once, with a copy button — and
//! revoking with a confirmation.

use crate::api;
use crate::session::me;
use crate::time;
use crate::ui::{CopyButton, Field, FormState, failed, form_alert, loading};
use cadence_shared::{API_KEY_SCOPES as SCOPES, ApiKey, CreateApiKeyRequest, Page};
use gloo_net::http::Method;
use leptos::prelude::*;

#[component]
pub fn ApiKeys() -> impl IntoView {
    let keys = LocalResource::new(|| async { api::get::<Page<ApiKey>>("/api/v1/api-keys?limit=100").await });
    let created = RwSignal::new(None::<ApiKey>);
    let tz = me().timezone();
    let list = move || match keys.get() {
        None => loading(),
        Some(Err(f)) => failed(&f, move || keys.refetch()),
        Some(Ok(page)) if page.data.is_empty() => {
            view! { <p class="empty">"No API keys yet."</p> }.into_any()
        }
        Some(Ok(page)) => {
            let tz = tz.clone();
            let rows = page.data.into_iter().map(|k| key_row(k, &tz, move || keys.refetch())).collect_view();
            view! {
                <div class="table-wrap">
                    <table data-testid="key-list">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Key"</th><th scope="col">"Scopes"</th>
                            <th scope="col">"Last used"</th><th scope="col">"Expires"</th><th scope="col">"Status"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            }
            .into_any()
        }
    };
    view! {
        <section data-testid="api-keys">
            <h1>"API keys"</h1>
            <p>"Keys let your own backend call the org API ("<code>"Authorization: Bearer ck_live_…"</code>")."</p>
            {move || created.get().and_then(|k| k.plain_key).map(|plain| view! {
                <div class="panel secret" role="status" data-testid="new-key">
                    <h2>"Your new key"</h2>
                    <p><strong>"Copy it now: you will not see it again."</strong></p>
                    <p><code data-testid="plain-key">{plain.clone()}</code>" "<CopyButton text=plain/></p>
                    <button type="button" class="secondary" on:click=move |_| created.set(None)>"Done"</button>
                </div>
            })}
            <NewKey on_created=move |k| { created.set(Some(k)); keys.refetch(); }/>
            {list}
        </section>
    }
}

fn key_row(k: ApiKey, tz: &str, reload: impl Fn() + Copy + Send + Sync + 'static) -> AnyView {
    let form = FormState::new();
    let id = StoredValue::new(k.id.clone());
    let name = k.name.clone();
    let revoke = move |_| {
        let sure = window()
            .confirm_with_message(&format!("Revoke the key “{name}”? Requests with it will be refused."))
            .unwrap_or(false);
        if sure {
            let url = format!("/api/v1/api-keys/{}", id.get_value());
            form.run(async move { api::send_empty(Method::DELETE, &url, None).await }, move |()| reload());
        }
    };
    let when = |at: Option<chrono::DateTime<chrono::Utc>>, none: &str| {
        at.map_or_else(|| none.to_owned(), |at| time::date_time_label(at, tz))
    };
    let revoked = k.revoked_at.is_some();
    let expired = k.expires_at.is_some_and(|at| at <= chrono::Utc::now());
    let status = if revoked {
        "Revoked"
    } else if expired {
        "Expired"
    } else {
        "Active"
    };
    view! {
        <tr data-testid="key" data-id=k.id.clone() data-status=status>
            <td>{k.name.clone()}</td>
            <td><code>{k.key_prefix.clone()}</code></td>
            <td class="scopes">{k.scopes.join(", ")}</td>
            <td>{when(k.last_used_at, "never")}</td>
            <td>{when(k.expires_at, "never")}</td>
            <td>{status}</td>
            <td>
                {(!revoked).then(|| view! {
                    <button type="button" class="danger" on:click=revoke aria-label=format!("Revoke {}", k.name)>"Revoke"</button>
                })}
                {form_alert(form.general_error(&[]))}
            </td>
        </tr>
    }
    .into_any()
}

#[component]
fn NewKey(on_created: impl Fn(ApiKey) + Copy + Send + Sync + 'static) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let expires = RwSignal::new(String::new());
    let scopes = RwSignal::new(SCOPES.map(str::to_owned).to_vec());
    let form = FormState::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let date = expires.get_untracked();
        let req = CreateApiKeyRequest {
            name: name.get_untracked(),
            scopes: Some(scopes.get_untracked()),
            // The end of the chosen day (UTC): a key "valid until 31 December" works that day.
            expires_at: (!date.trim().is_empty()).then(|| format!("{}T23:59:59Z", date.trim())),
        };
        form.run(
            async move { api::send::<ApiKey>(Method::POST, "/api/v1/api-keys", &req).await },
            move |k| {
                name.set(String::new());
                expires.set(String::new());
                on_created(k);
            },
        );
    };
    let boxes = SCOPES
        .iter()
        .map(|scope| {
            let s = scope.to_string();
            let has = {
                let s = s.clone();
                move || scopes.with(|all| all.contains(&s))
            };
            let toggle = move |_| {
                scopes.update(|all| match all.iter().position(|x| *x == s) {
                    Some(i) => {
                        all.remove(i);
                    }
                    None => all.push(s.clone()),
                })
            };
            view! { <label class="check"><input type="checkbox" prop:checked=has on:change=toggle/>" "{*scope}</label> }
        })
        .collect_view();
    view! {
        <form class="panel" on:submit=submit novalidate aria-label="New API key" data-testid="key-form">
            <h2>"New API key"</h2>
            <Field label="Name" name="name" value=name form hint="What uses it, e.g. “Website backend”." required=true/>
            <Field label="Expires on (optional)" name="expires_at" value=expires form kind="date"/>
            <fieldset class="scopes">
                <legend>"Scopes"</legend>
                {boxes}
                {move || form.error_for("scopes")().map(|m| view! { <p class="field-error">{m}</p> })}
            </fieldset>
            {form_alert(form.general_error(&["name", "expires_at", "scopes"]))}
            <button type="submit" disabled=move || form.pending.get()>"Create key"</button>
        </form>
    }
}
