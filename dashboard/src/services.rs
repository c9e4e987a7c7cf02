//! The Services screen: what the org offers, each editable in place (duration, buffers,
//! interval, notice, window, who performs it), deactivated or deleted.

use crate::api::{self, Failure};
use crate::ui::{Field, FormState, failed, form_alert, loading};
use cadence_shared::{CreateServiceRequest, Page, Practitioner, Service, UpdateServiceRequest};
use gloo_net::http::Method;
use leptos::prelude::*;

async fn load() -> Result<(Vec<Service>, Vec<Practitioner>), Failure> {
    let services = api::get::<Page<Service>>("/api/v1/services?limit=100").await?.data;
    let people = api::get::<Page<Practitioner>>("/api/v1/practitioners?limit=100").await?.data;
    Ok((services, people))
}

#[component]
pub fn Services() -> impl IntoView {
    let data = LocalResource::new(load);
    let adding = RwSignal::new(false);
    let reload = move || {
        adding.set(false);
        data.refetch();
    };
    let body = move || match data.get() {
        None => loading(),
        Some(Err(f)) => failed(&f, move || data.refetch()),
        Some(Ok((services, people))) => {
            let people = StoredValue::new(people);
            let rows = services
                .into_iter()
                .map(|s| view! { <ServiceRow s people=people.get_value() reload/> })
                .collect_view();
            view! {
                {move || adding.get().then(|| view! {
                    <ServiceForm existing=None people=people.get_value() done=reload/>
                })}
                <ul class="cards" data-testid="service-list">{rows}</ul>
            }
            .into_any()
        }
    };
    view! {
        <section data-testid="services">
            <div class="title-row">
                <h1>"Services"</h1>
                <button type="button" on:click=move |_| adding.set(true) data-testid="add-service">"Add service"</button>
            </div>
            {body}
        </section>
    }
}

#[component]
fn ServiceRow(
    s: Service,
    people: Vec<Practitioner>,
    reload: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let editing = RwSignal::new(false);
    let form = FormState::new();
    let id = StoredValue::new(s.id.clone());
    let set_active = move |active: bool| {
        let url = format!("/api/v1/services/{}", id.get_value());
        let req = UpdateServiceRequest { active: Some(active), ..Default::default() };
        form.run(async move { api::send::<Service>(Method::PATCH, &url, &req).await }, move |_| reload());
    };
    let delete = move |_| {
        let ok =
            window().confirm_with_message("Delete this service? Its past bookings stay.").unwrap_or(false);
        if ok {
            let url = format!("/api/v1/services/{}", id.get_value());
            form.run(async move { api::send_empty(Method::DELETE, &url, None).await }, move |()| reload());
        }
    };
    let names: Vec<String> =
        people.iter().filter(|p| s.practitioner_ids.contains(&p.id)).map(|p| p.name.clone()).collect();
    let active = s.active;
    let summary = format!(
        "{} min · buffers {}/{} min · every {} min · notice {} min · up to {} days ahead",
        s.duration_minutes,
        s.buffer_before_minutes,
        s.buffer_after_minutes,
        s.slot_interval_minutes,
        s.min_notice_minutes,
        s.booking_window_days
    );
    let service = StoredValue::new(s.clone());
    let people = StoredValue::new(people);
    view! {
        <li class="card" data-testid="service" data-id=s.id.clone()>
            <h2>{s.name.clone()}{(!active).then(|| view! { <span class="badge">"Inactive"</span> })}</h2>
            <p>{summary}</p>
            <p>"Performed by: "{if names.is_empty() { "nobody yet".to_owned() } else { names.join(", ") }}</p>
            {form_alert(form.general_error(&[]))}
            <div class="actions">
                <button type="button" class="secondary" on:click=move |_| editing.update(|e| *e = !*e)
                    aria-expanded=move || editing.get().to_string()>"Edit"</button>
                <button type="button" class="secondary" on:click=move |_| set_active(!active)>
                    {if active { "Deactivate" } else { "Activate" }}
                </button>
                <button type="button" class="danger" on:click=delete>"Delete"</button>
            </div>
            {move || editing.get().then(|| view! {
                <ServiceForm existing=Some(service.get_value()) people=people.get_value() done=reload/>
            })}
        </li>
    }
}

/// Create (`existing` None) or edit a service.
#[component]
fn ServiceForm(
    existing: Option<Service>,
    people: Vec<Practitioner>,
    done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let e = existing.clone();
    let num = |f: fn(&Service) -> u32, default: u32| RwSignal::new(e.as_ref().map_or(default, f).to_string());
    let name = RwSignal::new(e.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let description = RwSignal::new(e.as_ref().map(|s| s.description.clone()).unwrap_or_default());
    let duration = num(|s| s.duration_minutes, 30);
    let before = num(|s| s.buffer_before_minutes, 0);
    let after = num(|s| s.buffer_after_minutes, 0);
    let interval = num(|s| s.slot_interval_minutes, 30);
    let notice = num(|s| s.min_notice_minutes, 60);
    let window_days = num(|s| s.booking_window_days, 60);
    let chosen = RwSignal::new(e.as_ref().map(|s| s.practitioner_ids.clone()).unwrap_or_default());
    let form = FormState::new();
    let id = e.as_ref().map(|s| s.id.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A number that does not parse goes to the server as -1, which names the field.
        let n = |s: RwSignal<String>| s.get_untracked().trim().parse::<i64>().unwrap_or(-1);
        match id.clone() {
            None => {
                let req = CreateServiceRequest {
                    name: name.get_untracked(),
                    description: description.get_untracked(),
                    duration_minutes: n(duration),
                    buffer_before_minutes: n(before),
                    buffer_after_minutes: n(after),
                    slot_interval_minutes: Some(n(interval)),
                    min_notice_minutes: n(notice),
                    booking_window_days: n(window_days),
                    reminder_minutes_before: 1440,
                    practitioner_ids: chosen.get_untracked(),
                    active: true,
                };
                form.run(
                    async move { api::send::<Service>(Method::POST, "/api/v1/services", &req).await },
                    move |_| done(),
                );
            }
            Some(id) => {
                let req = UpdateServiceRequest {
                    name: Some(name.get_untracked()),
                    description: Some(description.get_untracked()),
                    duration_minutes: Some(n(duration)),
                    buffer_before_minutes: Some(n(before)),
                    buffer_after_minutes: Some(n(after)),
                    slot_interval_minutes: Some(n(interval)),
                    min_notice_minutes: Some(n(notice)),
                    booking_window_days: Some(n(window_days)),
                    practitioner_ids: Some(chosen.get_untracked()),
                    ..Default::default()
                };
                let url = format!("/api/v1/services/{id}");
                form.run(async move { api::send::<Service>(Method::PATCH, &url, &req).await }, move |_| {
                    done()
                });
            }
        }
    };
    let boxes = people
        .into_iter()
        .map(|p| {
            let pid = p.id.clone();
            let checked = {
                let pid = pid.clone();
                move || chosen.with(|c| c.contains(&pid))
            };
            let toggle = move |_| {
                chosen.update(|c| match c.iter().position(|x| *x == pid) {
                    Some(i) => {
                        c.remove(i);
                    }
                    None => c.push(pid.clone()),
                })
            };
            view! { <label class="check"><input type="checkbox" prop:checked=checked on:change=toggle/>" "{p.name}</label> }
        })
        .collect_view();
    const FIELDS: &[&str] = &[
        "name",
        "description",
        "duration_minutes",
        "buffer_before_minutes",
        "buffer_after_minutes",
        "slot_interval_minutes",
        "min_notice_minutes",
        "booking_window_days",
        "practitioner_ids",
    ];
    let title = if existing.is_some() { "Edit service" } else { "New service" };
    view! {
        <form class="panel" on:submit=submit novalidate data-testid="service-form" aria-label=title>
            <h2>{title}</h2>
            <Field label="Name" name="name" value=name form required=true/>
            <Field label="Description" name="description" value=description form/>
            <div class="row">
                <Field label="Duration (minutes)" name="duration_minutes" value=duration form kind="number"/>
                <Field label="Buffer before (minutes)" name="buffer_before_minutes" value=before form kind="number"/>
                <Field label="Buffer after (minutes)" name="buffer_after_minutes" value=after form kind="number"/>
            </div>
            <div class="row">
                <Field label="Start every (minutes)" name="slot_interval_minutes" value=interval form kind="number"/>
                <Field label="Minimum notice (minutes)" name="min_notice_minutes" value=notice form kind="number"/>
                <Field label="Bookable up to (days ahead)" name="booking_window_days" value=window_days form kind="number"/>
            </div>
            <fieldset>
                <legend>"Performed by"</legend>
                {boxes}
                {move || form.error_for("practitioner_ids")().map(|m| view! { <p class="field-error">{m}</p> })}
            </fieldset>
            {form_alert(form.general_error(FIELDS))}
            <button type="submit" disabled=move || form.pending.get()>"Save service"</button>
        </form>
    }
}
