//! The Customers screen: everyone who booked, searched by name or e-mail (`?q=` on the org
//! API), and one customer's detail with their booking history.

use crate::api;
use crate::bookings::{Catalog, booking_row};
use crate::nav::{BASE, Link};
use crate::session::me;
use crate::ui::{failed, loading};
use cadence_shared::{Customer, CustomerDetail as Detail, Page};
use leptos::prelude::*;

#[component]
pub fn Customers() -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let asked = RwSignal::new(String::new());
    let rows = RwSignal::new(Vec::<Customer>::new());
    let next = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None);
    let loaded = RwSignal::new(false);
    let fetch = move |more: bool| {
        let q = asked.get_untracked();
        let mut url = format!("/api/v1/customers?limit=50&q={}", api::encode(q.trim()));
        if more {
            let Some(c) = next.get_untracked() else { return };
            url.push_str(&format!("&cursor={}", api::encode(&c)));
        }
        leptos::task::spawn_local(async move {
            match api::get::<Page<Customer>>(&url).await {
                Ok(page) => {
                    failure.set(None);
                    next.set(page.next_cursor.filter(|_| page.has_more));
                    if more {
                        rows.update(|r| r.extend(page.data))
                    } else {
                        rows.set(page.data)
                    }
                    loaded.set(true);
                }
                Err(f) => failure.set(Some(f)),
            }
        });
    };
    fetch(false);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        asked.set(typed.get_untracked());
        fetch(false);
    };
    let tz = me().timezone();
    let list = move || {
        let tz = tz.clone();
        rows.get()
            .into_iter()
            .map(|c| {
                let last = c
                    .last_booking_at
                    .map(|at| crate::time::date_time_label(at, &tz))
                    .unwrap_or_else(|| "–".into());
                view! {
                    <tr data-testid="customer">
                        <td><Link to=format!("{BASE}/customers/{}", c.id)>{c.name}</Link></td>
                        <td>{c.email.unwrap_or_default()}</td>
                        <td>{c.phone.unwrap_or_default()}</td>
                        <td>{c.booking_count}</td>
                        <td>{last}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section data-testid="customers">
            <h1>"Customers"</h1>
            <form role="search" class="filters" on:submit=search>
                <div class="field">
                    <label for="customer-q">"Search by name or e-mail"</label>
                    <input id="customer-q" type="search" prop:value=move || typed.get()
                        on:input=move |ev| typed.set(event_target_value(&ev))/>
                </div>
                <button type="submit">"Search"</button>
            </form>
            {move || failure.get().map(|f| failed(&f, move || fetch(false)))}
            {move || (!loaded.get() && failure.with(Option::is_none)).then(loading)}
            <div class="table-wrap">
                <table>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"E-mail"</th><th scope="col">"Phone"</th>
                        <th scope="col">"Bookings"</th><th scope="col">"Last booking"</th></tr></thead>
                    <tbody>{list}</tbody>
                </table>
            </div>
            {move || (loaded.get() && rows.with(Vec::is_empty)).then(|| view! { <p class="empty">"No customers match."</p> })}
            {move || next.with(Option::is_some).then(|| view! {
                <button type="button" class="secondary" on:click=move |_| fetch(true)>"More"</button>
            })}
        </section>
    }
}

#[component]
pub fn CustomerDetail(id: String) -> impl IntoView {
    let id = StoredValue::new(id);
    let data = LocalResource::new(move || {
        let id = id.get_value();
        async move {
            let detail = api::get::<Detail>(&format!("/api/v1/customers/{id}")).await?;
            Ok::<_, api::Failure>((detail, Catalog::load().await?))
        }
    });
    let tz = me().timezone();
    let body = move || match data.get() {
        None => loading(),
        Some(Err(f)) => failed(&f, move || data.refetch()),
        Some(Ok((d, cat))) => {
            let history = d.bookings.iter().map(|b| booking_row(b, &cat, &tz, true)).collect_view();
            view! {
                <h1>{d.customer.name.clone()}</h1>
                <dl class="facts">
                    <dt>"E-mail"</dt><dd>{d.customer.email.clone().unwrap_or_default()}</dd>
                    <dt>"Phone"</dt><dd>{d.customer.phone.clone().unwrap_or_default()}</dd>
                    <dt>"Bookings"</dt><dd>{d.customer.booking_count}</dd>
                </dl>
                <h2>"Booking history"</h2>
                <ul class="bookings" data-testid="customer-bookings">{history}</ul>
            }
            .into_any()
        }
    };
    view! {
        <section data-testid="customer-detail">
            <p><Link to=format!("{BASE}/customers")>"‹ Customers"</Link></p>
            {body}
        </section>
    }
}
