//! The Settings screen: the org's name, timezone, brand colour and logo (with a live
//! preview of the booking page's header), the public booking link, the embed snippet, and
//! the request log of the org's API calls.

use crate::api;
use crate::session::me;
use crate::time;
use crate::ui::{CopyButton, Field, FormState, Paged, form_alert};
use cadence_shared::account::Org;
use cadence_shared::{Branding, RequestLogItem, UpdateOrgRequest};
use gloo_net::http::Method;
use leptos::prelude::*;

fn origin() -> String {
    window().location().origin().unwrap_or_default()
}

/// The snippet a web site pastes to embed the booking widget.
pub fn embed_snippet(origin: &str, slug: &str) -> String {
    format!(
        "<div data-cadence-org=\"{slug}\"></div>\n<script src=\"{origin}/widget/embed.js\" async></script>"
    )
}

#[component]
pub fn Settings() -> impl IntoView {
    let who = me();
    let org = who.0.get_untracked().map(|m| m.org);
    let o = org.as_ref();
    let name = RwSignal::new(o.map(|o| o.name.clone()).unwrap_or_default());
    let timezone = RwSignal::new(o.map(|o| o.timezone.clone()).unwrap_or_default());
    let color =
        RwSignal::new(o.and_then(|o| o.branding.primary_color.clone()).unwrap_or_else(|| "#334155".into()));
    let logo = RwSignal::new(o.and_then(|o| o.branding.logo_url.clone()).unwrap_or_default());
    let slug = o.map(|o| o.slug.clone()).unwrap_or_default();
    let form = FormState::new();
    let saved = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let logo_url = Some(logo.get_untracked()).filter(|l| !l.trim().is_empty());
        let req = UpdateOrgRequest {
            name: Some(name.get_untracked()),
            timezone: Some(timezone.get_untracked()),
            branding: Some(Branding { primary_color: Some(color.get_untracked()), logo_url }),
            locale: None,
        };
        saved.set(false);
        form.run(async move { api::send::<Org>(Method::PATCH, "/api/v1/org", &req).await }, move |org| {
            who.0.update(|m| {
                if let Some(m) = m {
                    m.org = org
                }
            });
            saved.set(true);
        });
    };
    let link = format!("{}/{slug}", origin());
    let snippet = embed_snippet(&origin(), &slug);
    let preview_style = move || format!("--brand: {}", color.get());
    const FIELDS: &[&str] = &["name", "timezone", "branding"];
    view! {
        <section data-testid="settings">
            <h1>"Settings"</h1>
            <form class="panel" on:submit=submit novalidate aria-labelledby="org-h">
                <h2 id="org-h">"Business"</h2>
                <Field label="Business name" name="name" value=name form required=true/>
                <Field label="Timezone" name="timezone" value=timezone form hint="IANA name; the booking page and this dashboard show times in it."/>
                <div class="row">
                    <Field label="Brand colour" name="branding.primary_color" value=color form kind="color"/>
                    <Field label="Logo URL" name="branding.logo_url" value=logo form kind="url" hint="https, shown at the top of the booking page."/>
                </div>
                <div class="preview" aria-label="Preview of the booking page header" role="img" data-testid="brand-preview" style=preview_style>
                    {move || (!logo.get().trim().is_empty()).then(|| view! { <img src=logo.get() alt=""/> })}
                    <span>{move || name.get()}</span>
                </div>
                {form_alert(form.general_error(FIELDS))}
                {move || saved.get().then(|| view! { <p role="status" class="ok">"Settings saved."</p> })}
                <button type="submit" disabled=move || form.pending.get()>"Save settings"</button>
            </form>
            <div class="panel">
                <h2>"Booking page"</h2>
                <p><a href=link.clone() data-testid="booking-link" target="_blank" rel="noopener">{link.clone()}</a>" "<CopyButton text=link label="Copy link"/></p>
                <h2>"Embed on your web site"</h2>
                <pre data-testid="embed-snippet"><code>{snippet.clone()}</code></pre>
                <CopyButton text=snippet label="Copy snippet"/>
            </div>
            <RequestLog/>
        </section>
    }
}

/// The org's recent API calls, newest first, a page at a time.
#[component]
fn RequestLog() -> impl IntoView {
    let log = Paged::<RequestLogItem>::new(|| "/api/v1/request-log?limit=25".to_owned());
    log.fetch(false);
    let tz = me().timezone();
    let list = move || {
        let tz = tz.clone();
        log.rows
            .get()
            .into_iter()
            .map(|r| {
                view! {
                    <tr data-testid="log-row">
                        <td>{time::date_time_label(r.at, &tz)}</td>
                        <td>{r.method}</td>
                        <td><code>{r.route}</code></td>
                        <td>{r.status}</td>
                        <td>{format!("{} ms", r.latency_ms)}</td>
                        <td>{r.key_id.unwrap_or_else(|| "dashboard".into())}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <div class="panel">
            <h2>"Request log"</h2>
            <button type="button" class="secondary" on:click=move |_| log.fetch(false)>"Refresh"</button>
            {log.status()}
            <div class="table-wrap">
                <table data-testid="request-log">
                    <thead><tr><th scope="col">"Time"</th><th scope="col">"Method"</th><th scope="col">"Route"</th>
                        <th scope="col">"Status"</th><th scope="col">"Latency"</th><th scope="col">"Key"</th></tr></thead>
                    <tbody>{list}</tbody>
                </table>
            </div>
            {log.more()}
        </div>
    }
}
