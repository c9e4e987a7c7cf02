//! The widget's screens: the booking flow and the manage view of one booking.

use crate::api::{self, Failure};
use crate::calendar::Month;
use crate::clock;
use crate::form::CustomerForm;
use crate::host;
use cadence_shared::{
    Booking, CreateBookingRequest, CustomerInput, PublicOrg, PublicPractitioner, PublicService, Slot,
};
use chrono::{Datelike, NaiveDate, Utc};
use leptos::prelude::*;

/// How the widget was opened: `/{slug}?service=…&color=…&embed=1` or, to manage a booking,
/// `/{slug}?booking=bk_…&token=…`.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    pub slug: Option<String>,
    pub service: Option<String>,
    pub color: Option<String>,
    pub manage: Option<(String, String)>,
    pub embedded: bool,
}

impl Launch {
    pub fn from_location() -> Launch {
        let Some(location) = web_sys::window().map(|w| w.location()) else { return Launch::default() };
        let path = location.pathname().unwrap_or_default();
        let slug =
            path.trim_start_matches('/').split('/').next().filter(|s| !s.is_empty()).map(str::to_owned);
        let query = web_sys::UrlSearchParams::new_with_str(&location.search().unwrap_or_default()).ok();
        let param = |k: &str| query.as_ref().and_then(|q| q.get(k)).filter(|v| !v.is_empty());
        Launch {
            slug,
            service: param("service"),
            color: param("color").filter(|c| c.starts_with('#') && c.len() == 7),
            manage: param("booking").zip(param("token")),
            embedded: param("embed").is_some(),
        }
    }
}

#[component]
pub fn App(launch: Launch) -> impl IntoView {
    let slug = launch.slug.clone();
    let org = LocalResource::new(move || {
        let slug = slug.clone();
        async move {
            match slug {
                Some(slug) => api::org(&slug).await,
                None => Err(Failure::Status {
                    status: 404,
                    code: String::new(),
                    message: String::new(),
                    retry_after: None,
                }),
            }
        }
    });
    if launch.embedded {
        let last = std::cell::Cell::new(0);
        let report = move || {
            let mut height = last.get();
            host::report_height(&mut height);
            last.set(height);
        };
        let _ = set_interval_with_handle(report, std::time::Duration::from_millis(250));
    }
    view! {
        <main class="cadence" data-testid="cadence-widget">
            <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Loading…"</p> }>
                {move || {
                    let launch = launch.clone();
                    org.get().map(move |result| match result {
                        Ok(org) => {
                            let color = launch.color.clone().or(org.branding.primary_color.clone()).unwrap_or_else(|| "#334155".into());
                            let body = match launch.manage.clone() {
                                Some((id, token)) => view! { <ManageBooking org=org.clone() id token/> }.into_any(),
                                None => view! { <BookingFlow org=org.clone() preselect=launch.service.clone() reschedule=None/> }.into_any(),
                            };
                            view! {
                                <div class="brand" style=format!("--brand: {color}")>
                                    <header data-testid="org-header"><h1>{org.name.clone()}</h1></header>
                                    {body}
                                </div>
                            }
                            .into_any()
                        }
                        Err(f) => view! { <p role="alert" class="error" data-testid="widget-error">{f.message()}</p> }.into_any(),
                    })
                }}
            </Suspense>
        </main>
    }
}

/// Choose a service, practitioner, day and time, then book (or, with `reschedule`, move an
/// existing booking there).
#[component]
fn BookingFlow(
    org: PublicOrg,
    preselect: Option<String>,
    reschedule: Option<(String, String)>,
) -> impl IntoView {
    let slug = StoredValue::new(org.slug.clone());
    let browser_tz = clock::browser_timezone();
    let tz = RwSignal::new(browser_tz.clone());
    let service = RwSignal::new(None::<PublicService>);
    let practitioner = RwSignal::new(None::<String>);
    let month = RwSignal::new(Month::of(Utc::now().date_naive()));
    let day = RwSignal::new(None::<NaiveDate>);
    let slot = RwSignal::new(None::<Slot>);
    let form = RwSignal::new(CustomerForm::default());
    let notice = RwSignal::new(None::<String>);
    let invalid = RwSignal::new(None::<&'static str>);
    let refresh = RwSignal::new(0u32);
    let confirmed = RwSignal::new(None::<Booking>);
    let key = RwSignal::new(clock::idempotency_key());
    let reschedule = StoredValue::new(reschedule);

    let services = LocalResource::new(move || async move { api::services(&slug.get_value()).await });
    Effect::new(move |_| {
        if let (Some(Ok(list)), None) = (services.get(), service.get_untracked()) {
            let wanted = preselect.clone();
            let pick = list
                .iter()
                .find(|s| Some(&s.id) == wanted.as_ref())
                .cloned()
                .or_else(|| (list.len() == 1).then(|| list[0].clone()));
            if pick.is_some() {
                service.set(pick);
            }
        }
    });
    let practitioners = LocalResource::new(move || {
        let s = service.get();
        async move {
            match s {
                Some(s) => api::practitioners(&slug.get_value(), &s.id).await,
                None => Ok(Vec::new()),
            }
        }
    });
    let slots = LocalResource::new(move || {
        let (s, p, m, _) = (service.get(), practitioner.get(), month.get(), refresh.get());
        async move {
            match s {
                Some(s) => {
                    api::availability(&slug.get_value(), &s.id, p.as_deref(), m.first_day(), m.last_day())
                        .await
                        .map(|a| a.slots)
                }
                None => Ok(Vec::new()),
            }
        }
    });
    // Results copied into plain signals: views that read them do not suspend the page
    // (only the calendar's own Transition waits for fresh times).
    let slot_list = RwSignal::new(Vec::<Slot>::new());
    let slot_error = RwSignal::new(None::<Failure>);
    let practitioner_list = RwSignal::new(Vec::<PublicPractitioner>::new());
    Effect::new(move |_| match slots.get() {
        Some(Ok(list)) => {
            slot_list.set(list);
            slot_error.set(None);
        }
        Some(Err(f)) => slot_error.set(Some(f)),
        None => {}
    });
    Effect::new(move |_| {
        if let Some(Ok(list)) = practitioners.get() {
            practitioner_list.set(list);
        }
    });
    // Slots grouped by the customer's local date.
    let by_day = Memo::new(move |_| {
        let zone = tz.get();
        let mut days: Vec<(NaiveDate, Vec<Slot>)> = Vec::new();
        {
            for s in slot_list.get() {
                if let Some(d) = clock::local_date(s.start, &zone) {
                    match days.last_mut() {
                        Some((last, v)) if *last == d => v.push(s),
                        _ => days.push((d, vec![s])),
                    }
                }
            }
        }
        days
    });

    let submit = Action::new_local(move |_: &()| {
        let (s, chosen, f, k) =
            (service.get_untracked(), slot.get_untracked(), form.get_untracked(), key.get_untracked());
        let pick = practitioner.get_untracked();
        async move {
            let (Some(s), Some(chosen)) = (s, chosen) else { return None };
            let start = chosen.start.to_rfc3339();
            let result = match reschedule.get_value() {
                Some((id, token)) => api::reschedule(&id, &token, &start, &k).await,
                None => {
                    let req = CreateBookingRequest {
                        service_id: s.id.clone(),
                        start,
                        practitioner_id: pick,
                        customer: CustomerInput {
                            name: f.name.trim().to_owned(),
                            email: Some(f.email.trim().to_owned()).filter(|e| !e.is_empty()),
                            phone: Some(f.phone.trim().to_owned()).filter(|p| !p.is_empty()),
                        },
                        notes: Some(f.notes.trim().to_owned()).filter(|n| !n.is_empty()),
                    };
                    api::book(&slug.get_value(), &req, &k).await
                }
            };
            Some(result)
        }
    });
    Effect::new(move |_| match submit.value().get().flatten() {
        Some(Ok(booking)) => {
            host::booked(&booking);
            notice.set(None);
            confirmed.set(Some(booking));
        }
        Some(Err(failure)) => {
            notice.set(Some(failure.message()));
            if failure.status().is_some() {
                // The server answered: this key now stands for that answer; a new attempt
                // needs a new key. (After a network failure the same key makes a retry safe.)
                key.set(clock::idempotency_key());
            }
            if failure.status() == Some(409) {
                slot.set(None);
                refresh.update(|n| *n += 1);
            }
        }
        None => {}
    });
    let send = move || {
        if let (None, Some(err)) = (reschedule.get_value(), form.get_untracked().validate()) {
            invalid.set(Some(err.field));
            notice.set(Some(err.message.to_owned()));
            return;
        }
        invalid.set(None);
        notice.set(None);
        submit.dispatch(());
    };

    let practitioner_name = move |id: &str| -> String {
        practitioner_list.get().into_iter().find(|p| p.id == id).map(|p| p.name).unwrap_or_default()
    };
    let zones = StoredValue::new(clock::timezone_choices(&browser_tz, &org.timezone));
    let slug_for_links = org.slug.clone();

    view! {
        <Show when=move || confirmed.get().is_none() fallback=move || {
            let b = confirmed.get().expect("shown when confirmed");
            let zone = tz.get();
            let links = b.manage_token.clone().map(|token| {
                let href = format!("/{}?booking={}&token={}", slug_for_links, b.id, token);
                view! {
                    <p class="links">
                        <a href=href.clone() data-testid="manage-link">"Cancel or reschedule this booking"</a>
                    </p>
                }
            });
            view! {
                <section class="confirmation" data-testid="confirmation" aria-live="polite">
                    <h2>{if reschedule.get_value().is_some() { "Your appointment was moved" } else { "You're booked" }}</h2>
                    <p data-testid="confirmation-when">{clock::date_label(b.start, &zone)}", "{clock::time_label(b.start, &zone)}</p>
                    <p>"Times in "{zone.clone()}</p>
                    <p data-testid="confirmation-practitioner">"With "{practitioner_name(&b.practitioner_id)}</p>
                    {links}
                </section>
            }
        }>
            <section aria-labelledby="services-title">
                <h2 id="services-title">"Service"</h2>
                <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Loading services…"</p> }>
                    {move || services.get().map(|r| match r {
                        Ok(list) => list.into_iter().map(|s| {
                            let chosen = s.clone();
                            let id = s.id.clone();
                            view! {
                                <button type="button" class="choice" data-testid="service"
                                    aria-pressed=move || (service.get().map(|x| x.id) == Some(id.clone())).to_string()
                                    on:click=move |_| { service.set(Some(chosen.clone())); day.set(None); slot.set(None); }>
                                    <strong>{s.name.clone()}</strong>
                                    <span>{format!(" · {} min", s.duration_minutes)}</span>
                                    <small>{s.description.clone()}</small>
                                </button>
                            }
                        }).collect_view().into_any(),
                        Err(f) => view! { <p role="alert">{f.message()}</p> }.into_any(),
                    })}
                </Suspense>
            </section>
            <Show when=move || service.get().is_some()>
                <section class="options">
                    <label>"Practitioner "
                        <select data-testid="practitioner-select" on:change=move |ev| {
                            let v = event_target_value(&ev);
                            practitioner.set((!v.is_empty()).then_some(v));
                            slot.set(None);
                        }>
                            <option value="">"Any available"</option>
                            {move || practitioner_list.get().into_iter().map(|p| {
                                view! { <option value=p.id.clone()>{p.name.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <label>"Times shown in "
                        <select data-testid="timezone-select" on:change=move |ev| tz.set(event_target_value(&ev))>
                            {zones.get_value().into_iter().map(|z| {
                                let selected = z == tz.get_untracked();
                                view! { <option value=z.clone() selected=selected>{z.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                </section>
                <section class="calendar" aria-labelledby="month-title">
                    <div class="month-nav">
                        <button type="button" aria-label="Previous month" data-testid="prev-month"
                            on:click=move |_| { month.update(|m| *m = m.previous()); day.set(None); }>"‹"</button>
                        <h2 id="month-title" data-testid="month-title">{move || month.get().title()}</h2>
                        <button type="button" aria-label="Next month" data-testid="next-month"
                            on:click=move |_| { month.update(|m| *m = m.next()); day.set(None); }>"›"</button>
                    </div>
                    <Transition fallback=|| view! { <p class="loading" aria-busy="true">"Finding open times…"</p> }>
                        {move || {
                            // Reading the resource here makes this Transition wait for it.
                            let _ = slots.get();
                            let open: Vec<NaiveDate> = by_day.get().into_iter().map(|(d, _)| d).collect();
                            let failed = slot_error.get();
                            view! {
                                {failed.map(|f| view! {
                                    <p role="alert">{f.message()}" "
                                        <button type="button" on:click=move |_| refresh.update(|n| *n += 1)>"Try again"</button></p>
                                })}
                                <table role="grid" aria-labelledby="month-title">
                                    <thead><tr>{["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"].map(|d| view! { <th scope="col">{d}</th> }).collect_view()}</tr></thead>
                                    <tbody>
                                        {month.get().weeks().into_iter().map(|week| view! {
                                            <tr>{week.into_iter().map(|cell| match cell {
                                                Some(date) if open.contains(&date) => view! {
                                                    <td><button type="button" class="day open" data-testid="day" data-date=date.to_string()
                                                        aria-label=format!("{}, open times", crate::calendar::day_label(date))
                                                        aria-pressed=move || (day.get() == Some(date)).to_string()
                                                        on:click=move |_| { day.set(Some(date)); slot.set(None); }>
                                                        {date.day().to_string()}</button></td>
                                                }.into_any(),
                                                Some(date) => view! { <td><span class="day" aria-disabled="true">{date.day().to_string()}</span></td> }.into_any(),
                                                None => view! { <td></td> }.into_any(),
                                            }).collect_view()}</tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {open.is_empty().then(|| view! { <p data-testid="no-times">"No open times this month. Try the next month."</p> })}
                            }
                        }}
                    </Transition>
                </section>
                <Show when=move || day.get().is_some()>
                    <section class="times" aria-labelledby="times-title">
                        <h2 id="times-title">{move || day.get().map(crate::calendar::day_label)}</h2>
                        <div class="time-list">
                            {move || {
                                let zone = tz.get();
                                let chosen = day.get();
                                by_day.get().into_iter().filter(|(d, _)| Some(*d) == chosen).flat_map(|(_, v)| v).map(|s| {
                                    let label = clock::time_label(s.start, &zone);
                                    let start = s.start;
                                    let pick = s.clone();
                                    view! {
                                        <button type="button" class="time" data-testid="time" data-start=start.to_rfc3339()
                                            aria-pressed=move || (slot.get().map(|x| x.start) == Some(start)).to_string()
                                            on:click=move |_| slot.set(Some(pick.clone()))>{label}</button>
                                    }
                                }).collect_view()
                            }}
                        </div>
                    </section>
                </Show>
            </Show>
            <Show when=move || slot.get().is_some()>
                <form class="details" on:submit=move |ev| { ev.prevent_default(); send(); }>
                    {move || reschedule.get_value().is_none().then(|| view! {
                        <h2>"Your details"</h2>
                        <label>"Name" <input data-testid="name" autocomplete="name" aria-invalid=move || (invalid.get() == Some("name")).to_string()
                            prop:value=move || form.get().name on:input=move |ev| form.update(|f| f.name = event_target_value(&ev))/></label>
                        <label>"E-mail" <input data-testid="email" type="email" autocomplete="email" aria-invalid=move || (invalid.get() == Some("email")).to_string()
                            prop:value=move || form.get().email on:input=move |ev| form.update(|f| f.email = event_target_value(&ev))/></label>
                        <label>"Phone" <input data-testid="phone" type="tel" autocomplete="tel" aria-invalid=move || (invalid.get() == Some("phone")).to_string()
                            prop:value=move || form.get().phone on:input=move |ev| form.update(|f| f.phone = event_target_value(&ev))/></label>
                        <label>"Notes (optional)" <textarea data-testid="notes" prop:value=move || form.get().notes
                            on:input=move |ev| form.update(|f| f.notes = event_target_value(&ev))></textarea></label>
                    })}
                    <button type="submit" class="primary" data-testid="submit" disabled=move || submit.pending().get()>
                        {move || match (submit.pending().get(), reschedule.get_value().is_some()) {
                            (true, _) => "Sending…",
                            (false, true) => "Move my appointment here",
                            (false, false) => "Book this time",
                        }}
                    </button>
                </form>
            </Show>
            <p role="alert" class="notice" data-testid="notice">{move || notice.get()}</p>
        </Show>
    }
}

/// One booking, opened with its manage token: see it, cancel it, or move it.
#[component]
fn ManageBooking(org: PublicOrg, id: String, token: String) -> impl IntoView {
    let (bid, btoken) = (StoredValue::new(id), StoredValue::new(token));
    let booking =
        LocalResource::new(move || async move { api::booking(&bid.get_value(), &btoken.get_value()).await });
    let moving = RwSignal::new(false);
    let cancel = Action::new_local(move |_: &()| async move {
        api::cancel(&bid.get_value(), &btoken.get_value(), &clock::idempotency_key()).await
    });
    let tz = clock::browser_timezone();
    let org = StoredValue::new(org);
    view! {
        <section class="manage" data-testid="manage">
            <Suspense fallback=|| view! { <p class="loading" aria-busy="true">"Loading your booking…"</p> }>
                {move || booking.get().map(|r| match r {
                    Ok(b) => {
                        let current = cancel.value().get().and_then(|r| r.ok()).unwrap_or(b);
                        let cancelled = current.status == cadence_shared::BookingStatus::Cancelled;
                        let when = format!("{}, {} ({})", clock::date_label(current.start, &tz), clock::time_label(current.start, &tz), tz);
                        let service = current.service_id.clone();
                        view! {
                            <h2>"Your booking"</h2>
                            <p data-testid="manage-when">{when}</p>
                            <p data-testid="manage-status">{if cancelled { "Cancelled" } else { "Confirmed" }}</p>
                            {(!cancelled).then(|| view! {
                                <p>
                                    <button type="button" data-testid="cancel-booking" on:click=move |_| { cancel.dispatch(()); }>"Cancel booking"</button>
                                    " "
                                    <button type="button" data-testid="reschedule-booking" on:click=move |_| moving.set(true)>"Choose a new time"</button>
                                </p>
                            })}
                            {move || (moving.get() && !cancelled).then(|| view! {
                                <BookingFlow org=org.get_value() preselect=Some(service.clone())
                                    reschedule=Some((bid.get_value(), btoken.get_value()))/>
                            })}
                        }.into_any()
                    }
                    Err(f) => view! { <p role="alert" data-testid="widget-error">{f.message()}</p> }.into_any(),
                })}
            </Suspense>
            <p role="alert">{move || cancel.value().get().and_then(|r| r.err()).map(|f| f.message())}</p>
        </section>
    }
}
