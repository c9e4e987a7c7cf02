//! The Customers screen: everyone who booked, searched by name or e-mail (`?q=` on the org
//! API), and one customer's detail with their booking history.

use crate::api;
use crate::booking_rows::{Catalog, booking_row};
use crate::nav::{BASE, Link};
use crate::session::me;
use crate::ui::{Paged, failed, loading};
use cadence_shared::{Customer, CustomerDetail as Detail};
use leptos::prelude::*;

#[component]
pub fn Customers() -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let asked = RwSignal::new(String::new());
    let list = Paged::<Customer>::new(move || {
        format!("/api/v1/customers?limit=50&q={}", api::encode(asked.get_untracked().trim()))
    });
    list.fetch(false);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        asked.set(typed.get_untracked());
        list.fetch(false);
    };
    let tz = me().timezone();
    let rows = move || {
        let tz = tz.clone();
        list.rows
            .get()
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
            {list.status()}
            <div class="table-wrap">
                <table>
                    <thead><tr><th scope="col">"Name"</th><th scope="col">"E-mail"</th><th scope="col">"Phone"</th>
                        <th scope="col">"Bookings"</th><th scope="col">"Last booking"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {move || (list.loaded.get() && list.rows.with(Vec::is_empty)).then(|| view! { <p class="empty">"No customers match."</p> })}
            {list.more()}
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
