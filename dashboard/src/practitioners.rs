//! The Practitioners screen: who performs services, each with their weekly hours, date
//! overrides and timezone (the org's when empty); created, edited and deleted here.

use crate::api::{self, Failure};
use crate::hours::{self, OverridesEditor, WeekEditor};
use crate::session::me;
use crate::ui::{Field, FormState, failed, form_alert, loading};
use cadence_shared::{CreatePractitionerRequest, Page, Practitioner, UpdatePractitionerRequest};
use gloo_net::http::Method;
use leptos::prelude::*;

#[component]
pub fn Practitioners() -> impl IntoView {
    let data = LocalResource::new(|| async {
        api::get::<Page<Practitioner>>("/api/v1/practitioners?limit=100").await
    });
    let adding = RwSignal::new(false);
    let reload = move || {
        adding.set(false);
        data.refetch();
    };
    let body = move || match data.get() {
        None => loading(),
        Some(Err(f)) => failed(&f, move || data.refetch()),
        Some(Ok(page)) => {
            let rows = page.data.into_iter().map(|p| view! { <PractitionerRow p reload/> }).collect_view();
            view! {
                {move || adding.get().then(|| view! { <PractitionerForm existing=None done=reload/> })}
                <ul class="cards" data-testid="practitioner-list">{rows}</ul>
            }
            .into_any()
        }
    };
    view! {
        <section data-testid="practitioners">
            <div class="title-row">
                <h1>"Practitioners"</h1>
                <button type="button" on:click=move |_| adding.set(true) data-testid="add-practitioner">"Add practitioner"</button>
            </div>
            {body}
        </section>
    }
}

#[component]
fn PractitionerRow(p: Practitioner, reload: impl Fn() + Copy + Send + Sync + 'static) -> impl IntoView {
    let editing = RwSignal::new(false);
    let form = FormState::new();
    let id = StoredValue::new(p.id.clone());
    let delete = move |_| {
        if window().confirm_with_message("Delete this practitioner?").unwrap_or(false) {
            let url = format!("/api/v1/practitioners/{}", id.get_value());
            form.run(async move { api::send_empty(Method::DELETE, &url, None).await }, move |()| reload());
        }
    };
    let days: Vec<String> = p
        .weekly_hours
        .days()
        .iter()
        .filter(|(_, ivs)| !ivs.is_empty())
        .map(|(day, ivs)| {
            let spans: Vec<String> = ivs.iter().map(|iv| format!("{}–{}", iv.start, iv.end)).collect();
            format!("{}{} {}", day[..1].to_uppercase(), &day[1..3], spans.join(", "))
        })
        .collect();
    let offs = p.date_overrides.len();
    let tz = p.timezone.clone().unwrap_or_else(|| format!("{} (the org's)", me().timezone()));
    let who = StoredValue::new(p.clone());
    view! {
        <li class="card" data-testid="practitioner" data-id=p.id.clone()>
            <h2>{p.name.clone()}</h2>
            <p>{if days.is_empty() { "No weekly hours".to_owned() } else { days.join(" · ") }}</p>
            <p>{format!("{offs} date override(s) · timezone {tz}")}</p>
            {form_alert(form.general_error(&[]))}
            <div class="actions">
                <button type="button" class="secondary" aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)>"Edit"</button>
                <button type="button" class="danger" on:click=delete>"Delete"</button>
            </div>
            {move || editing.get().then(|| view! { <PractitionerForm existing=Some(who.get_value()) done=reload/> })}
        </li>
    }
}

#[component]
fn PractitionerForm(
    existing: Option<Practitioner>,
    done: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let e = existing.as_ref();
    let name = RwSignal::new(e.map(|p| p.name.clone()).unwrap_or_default());
    let email = RwSignal::new(e.and_then(|p| p.email.clone()).unwrap_or_default());
    let timezone = RwSignal::new(e.and_then(|p| p.timezone.clone()).unwrap_or_default());
    let week = RwSignal::new(e.map_or_else(|| vec![Vec::new(); 7], |p| hours::rows_of(&p.weekly_hours)));
    let offs = RwSignal::new(e.map(|p| hours::override_rows(&p.date_overrides)).unwrap_or_default());
    let form = FormState::new();
    let id = e.map(|p| p.id.clone());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = hours::weekly(&week.get_untracked())
            .and_then(|w| hours::overrides(&offs.get_untracked()).map(|o| (w, o)));
        let (weekly_hours, date_overrides) = match checked {
            Ok(both) => both,
            Err(field) => {
                let message =
                    "Enter both times of each interval (HH:MM) and a date for each override.".into();
                form.failure.set(Some(Failure::Status {
                    status: 422,
                    code: "invalid".into(),
                    message,
                    field: Some(field),
                }));
                return;
            }
        };
        let optional = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.trim().is_empty());
        match id.clone() {
            None => {
                let req = CreatePractitionerRequest {
                    name: name.get_untracked(),
                    email: optional(email),
                    timezone: optional(timezone),
                    weekly_hours,
                    date_overrides,
                    active: true,
                };
                form.run(
                    async move { api::send::<Practitioner>(Method::POST, "/api/v1/practitioners", &req).await },
                    move |_| done(),
                );
            }
            Some(id) => {
                let req = UpdatePractitionerRequest {
                    name: Some(name.get_untracked()),
                    email: Some(optional(email)),
                    timezone: Some(optional(timezone)),
                    weekly_hours: Some(weekly_hours),
                    date_overrides: Some(date_overrides),
                    active: None,
                };
                let url = format!("/api/v1/practitioners/{id}");
                form.run(
                    async move { api::send::<Practitioner>(Method::PATCH, &url, &req).await },
                    move |_| done(),
                );
            }
        }
    };
    let title = if existing.is_some() { "Edit practitioner" } else { "New practitioner" };
    view! {
        <form class="panel" on:submit=submit novalidate data-testid="practitioner-form" aria-label=title>
            <h2>{title}</h2>
            <Field label="Name" name="name" value=name form required=true/>
            <Field label="E-mail (for their notifications)" name="email" value=email form kind="email"/>
            <Field label="Timezone" name="timezone" value=timezone form hint="Empty: the org's timezone. Hours are wall-clock times in it."/>
            <fieldset class="week">
                <legend>"Weekly hours"</legend>
                <WeekEditor week/>
                {move || form.error_for("weekly_hours")().map(|m| view! { <p class="field-error" data-testid="error-weekly_hours">{m}</p> })}
            </fieldset>
            <fieldset>
                <legend>"Date overrides"</legend>
                <OverridesEditor list=offs/>
                {move || form.error_for("date_overrides")().map(|m| view! { <p class="field-error" data-testid="error-date_overrides">{m}</p> })}
            </fieldset>
            {form_alert(form.general_error(&["name", "email", "timezone", "weekly_hours", "date_overrides"]))}
            <button type="submit" disabled=move || form.pending.get()>"Save practitioner"</button>
        </form>
    }
}
