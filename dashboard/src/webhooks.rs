//! The Webhooks screen: endpoints (add one — its signing secret shown once —, edit, enable
//! again after a 410 disabled it, rotate the secret, send a test event, delete) and one
//! endpoint's deliveries with status, attempts and response codes, a page at a time.

use crate::api;
use crate::nav::{self, BASE, Link};
use crate::session::me;
use crate::time;
use crate::ui::{CopyButton, Field, FormState, Paged, failed, form_alert, loading};
use cadence_shared::{CreateWebhookRequest, Page, UpdateWebhookRequest, WebhookAttempt, WebhookEndpoint};
use gloo_net::http::Method;
use leptos::prelude::*;

const EVENTS: [&str; 3] = ["booking.created", "booking.cancelled", "booking.rescheduled"];

/// The answer of `POST …/test`.
#[derive(Debug, Clone, serde::Deserialize)]
struct TestEvent {
    event_id: String,
}

/// A signing secret, shown once with a copy button.
fn secret_panel(secret: String, done: impl Fn() + Send + Sync + 'static) -> impl IntoView {
    view! {
        <div class="panel secret" role="status" data-testid="new-secret">
            <h2>"Signing secret"</h2>
            <p><strong>"Copy it now: you will not see it again."</strong>" Verify each delivery's signature with it."</p>
            <p><code data-testid="secret">{secret.clone()}</code>" "<CopyButton text=secret/></p>
            <button type="button" class="secondary" on:click=move |_| done()>"Done"</button>
        </div>
    }
}

#[component]
pub fn Webhooks() -> impl IntoView {
    let list = LocalResource::new(|| async {
        api::get::<Page<WebhookEndpoint>>("/api/v1/webhooks?limit=100").await
    });
    let secret = RwSignal::new(None::<String>);
    let rows = move || match list.get() {
        None => loading(),
        Some(Err(f)) => failed(&f, move || list.refetch()),
        Some(Ok(page)) if page.data.is_empty() => {
            view! { <p class="empty">"No endpoints yet."</p> }.into_any()
        }
        Some(Ok(page)) => {
            let items = page
                .data
                .into_iter()
                .map(|w| {
                    let state = match (w.active, &w.disabled_reason) {
                        (true, _) => "Active".to_owned(),
                        (false, Some(reason)) => format!("Disabled: {reason}"),
                        (false, None) => "Disabled".to_owned(),
                    };
                    view! {
                        <li class="card" data-testid="webhook" data-id=w.id.clone()>
                            <h2><Link to=format!("{BASE}/webhooks/{}", w.id)>{w.url.clone()}</Link></h2>
                            <p>{w.events.join(", ")}" · "{state}</p>
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="cards" data-testid="webhook-list">{items}</ul> }.into_any()
        }
    };
    view! {
        <section data-testid="webhooks">
            <h1>"Webhooks"</h1>
            {move || secret.get().map(|s| secret_panel(s, move || secret.set(None)))}
            <EndpointForm existing=None done=move |w: WebhookEndpoint| { secret.set(w.secret); list.refetch(); }/>
            {rows}
        </section>
    }
}

/// Add (`existing` None) or edit an endpoint: URL, events (or all), description.
#[component]
fn EndpointForm(
    existing: Option<WebhookEndpoint>,
    done: impl Fn(WebhookEndpoint) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let e = existing.as_ref();
    let url = RwSignal::new(e.map(|w| w.url.clone()).unwrap_or_default());
    let description = RwSignal::new(e.and_then(|w| w.description.clone()).unwrap_or_default());
    let events = RwSignal::new(e.map_or_else(|| vec!["*".to_owned()], |w| w.events.clone()));
    let form = FormState::new();
    let id = e.map(|w| w.id.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let desc = Some(description.get_untracked()).filter(|d| !d.trim().is_empty());
        match id.clone() {
            None => {
                let req = CreateWebhookRequest {
                    url: url.get_untracked(),
                    events: events.get_untracked(),
                    description: desc,
                };
                form.run(
                    async move { api::send::<WebhookEndpoint>(Method::POST, "/api/v1/webhooks", &req).await },
                    move |w| {
                        url.set(String::new());
                        description.set(String::new());
                        done(w)
                    },
                );
            }
            Some(id) => {
                let req = UpdateWebhookRequest {
                    url: Some(url.get_untracked()),
                    events: Some(events.get_untracked()),
                    description: Some(desc),
                    active: None,
                };
                let path = format!("/api/v1/webhooks/{id}");
                form.run(async move { api::send::<WebhookEndpoint>(Method::PATCH, &path, &req).await }, done);
            }
        }
    };
    let boxes = std::iter::once("*")
        .chain(EVENTS)
        .map(|event| {
            let ev_name = event.to_string();
            let has = {
                let e = ev_name.clone();
                move || events.with(|all| all.contains(&e))
            };
            let toggle = move |_| {
                events.update(|all| match all.iter().position(|x| *x == ev_name) {
                    Some(i) => {
                        all.remove(i);
                    }
                    None if ev_name == "*" => *all = vec!["*".into()],
                    None => {
                        all.retain(|x| x != "*");
                        all.push(ev_name.clone())
                    }
                })
            };
            let label = if event == "*" { "All events" } else { event };
            view! { <label class="check"><input type="checkbox" prop:checked=has on:change=toggle/>" "{label}</label> }
        })
        .collect_view();
    let title = if existing.is_some() { "Edit endpoint" } else { "Add an endpoint" };
    view! {
        <form class="panel" on:submit=submit novalidate aria-label=title data-testid="webhook-form">
            <h2>{title}</h2>
            <Field label="Endpoint URL" name="url" value=url form kind="url" hint="HTTPS, reachable from this server." required=true/>
            <Field label="Description" name="description" value=description form/>
            <fieldset>
                <legend>"Events"</legend>
                {boxes}
                {move || form.error_for("events")().map(|m| view! { <p class="field-error">{m}</p> })}
            </fieldset>
            {form_alert(form.general_error(&["url", "description", "events"]))}
            <button type="submit" disabled=move || form.pending.get()>{if existing.is_some() { "Save endpoint" } else { "Add endpoint" }}</button>
        </form>
    }
}

#[component]
pub fn WebhookDetail(id: String) -> impl IntoView {
    let id = StoredValue::new(id);
    let endpoint = LocalResource::new(move || {
        let id = id.get_value();
        async move { api::get::<WebhookEndpoint>(&format!("/api/v1/webhooks/{id}")).await }
    });
    let secret = RwSignal::new(None::<String>);
    let actions = FormState::new();
    let notice = RwSignal::new(None::<String>);
    let act = move |path: &'static str, method: Method, body: Option<UpdateWebhookRequest>| {
        let url = format!("/api/v1/webhooks/{}{path}", id.get_value());
        notice.set(None);
        match (path, body) {
            ("/test", _) => actions.run(async move { api::send::<TestEvent>(method, &url, &()).await }, move |t| {
                notice.set(Some(format!("Test event {} queued; its delivery shows below.", t.event_id)));
            }),
            (_, Some(body)) => actions.run(async move { api::send::<WebhookEndpoint>(method, &url, &body).await }, move |_| endpoint.refetch()),
            _ => actions.run(async move { api::send::<WebhookEndpoint>(method, &url, &()).await }, move |w| {
                secret.set(w.secret);
                notice.set(Some("New secret in use; the old one keeps verifying for 24 hours (both signatures are sent).".into()));
                endpoint.refetch();
            }),
        }
    };
    let remove = move |_| {
        if window().confirm_with_message("Delete this endpoint? Nothing more is sent to it.").unwrap_or(false)
        {
            let url = format!("/api/v1/webhooks/{}", id.get_value());
            actions.run(async move { api::send_empty(Method::DELETE, &url, None).await }, |()| {
                nav::go(&format!("{BASE}/webhooks"))
            });
        }
    };
    let tz = me().timezone();
    let body = move || match endpoint.get() {
        None => loading(),
        Some(Err(f)) => failed(&f, move || endpoint.refetch()),
        Some(Ok(w)) => {
            let active = w.active;
            let rotated = w.previous_secret_expires_at.map(|at| time::date_time_label(at, &tz));
            view! {
                <h1 data-testid="webhook-url">{w.url.clone()}</h1>
                <p data-testid="webhook-state">{if active { "Active".to_owned() } else {
                    format!("Disabled{}", w.disabled_reason.clone().map(|r| format!(": {r}")).unwrap_or_default())
                }}</p>
                {rotated.map(|at| view! { <p>"The previous secret keeps verifying until "{at}"."</p> })}
                <div class="actions">
                    <button type="button" data-testid="send-test" on:click=move |_| act("/test", Method::POST, None)>"Send test event"</button>
                    <button type="button" class="secondary" on:click=move |_| act("/rotate-secret", Method::POST, None)>"Rotate secret"</button>
                    <button type="button" class="secondary" on:click=move |_| {
                        act("", Method::PATCH, Some(UpdateWebhookRequest { active: Some(!active), ..Default::default() }))
                    }>{if active { "Disable" } else { "Enable again" }}</button>
                    <button type="button" class="danger" on:click=remove>"Delete"</button>
                </div>
                <EndpointForm existing=Some(w) done=move |_| endpoint.refetch()/>
            }
            .into_any()
        }
    };
    view! {
        <section data-testid="webhook-detail">
            <p><Link to=format!("{BASE}/webhooks")>"‹ Webhooks"</Link></p>
            {move || secret.get().map(|s| secret_panel(s, move || secret.set(None)))}
            {move || notice.get().map(|n| view! { <p role="status" class="ok">{n}</p> })}
            {form_alert(actions.general_error(&[]))}
            {body}
            <Deliveries id=id.get_value()/>
        </section>
    }
}

/// An endpoint's delivery attempts, newest first, a page at a time.
#[component]
fn Deliveries(id: String) -> impl IntoView {
    let id = StoredValue::new(id);
    let attempts = Paged::<WebhookAttempt>::new(move || {
        format!("/api/v1/webhooks/{}/deliveries?limit=20", id.get_value())
    });
    attempts.fetch(false);
    let tz = me().timezone();
    let list = move || {
        let tz = tz.clone();
        attempts
            .rows
            .get()
            .into_iter()
            .map(|a| {
                let code = a.response_status.map_or_else(|| "–".to_owned(), |s| s.to_string());
                view! {
                    <tr data-testid="delivery" data-event=a.event_type.clone()>
                        <td>{time::date_time_label(a.attempted_at, &tz)}</td>
                        <td>{a.event_type.clone()}</td>
                        <td>{a.delivery_state.clone()}</td>
                        <td data-testid="delivery-status">{code}</td>
                        <td>{format!("{} ms", a.latency_ms)}</td>
                        <td>{a.error.clone().unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <h2>"Deliveries"</h2>
        <button type="button" class="secondary" on:click=move |_| attempts.fetch(false)>"Refresh"</button>
        {attempts.status()}
        <div class="table-wrap">
            <table data-testid="deliveries">
                <thead><tr><th scope="col">"Attempted"</th><th scope="col">"Event"</th><th scope="col">"State"</th>
                    <th scope="col">"Response"</th><th scope="col">"Latency"</th><th scope="col">"Error"</th></tr></thead>
                <tbody>{list}</tbody>
            </table>
        </div>
        {attempts.more()}
    }
}
