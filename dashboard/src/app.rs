//! The dashboard's frame: asks who is signed in, shows the log-in form when nobody is (and
//! whenever a call answers 401, coming back to the same screen afterwards), else the
//! navigation and the screen the address names.

use crate::nav::{self, BASE, Link, Screen};
use crate::session::{self, Me};
use crate::ui::loading;
use leptos::prelude::*;

#[component]
pub fn App() -> impl IntoView {
    let here = nav::provide();
    let who = Me::provide();
    let out = crate::api::signed_out_flag();
    // Checked once: until then the frame waits (no flash of the log-in form).
    let checked = RwSignal::new(false);
    leptos::task::spawn_local(async move {
        if let Ok(m) = session::whoami().await {
            who.0.set(Some(m));
        }
        checked.set(true);
    });
    // A 401 anywhere: the session ended (expired, logged out elsewhere, password changed).
    Effect::new(move |_| {
        if out.get() {
            out.set(false);
            // A refused log-in is the log-in form's own business.
            if who.0.with_untracked(Option::is_some) {
                who.0.set(None);
            }
            if !here.screen().is_public() {
                nav::go(&session::login_path());
            }
        }
    });
    // Memos: the frame is rebuilt only when the screen or being signed in changes (not when
    // the query string or the profile does), so forms keep what was typed.
    let screen = Memo::new(move |_| here.screen());
    let signed_in = Memo::new(move |_| who.0.with(Option::is_some));
    let body = move || {
        if !checked.get() {
            return loading();
        }
        let (screen, signed_in) = (screen.get(), signed_in.get());
        match (screen, signed_in) {
            (Screen::Login, _) => view! { <session::Login/> }.into_any(),
            (Screen::Signup, _) => view! { <session::Signup/> }.into_any(),
            (_, false) => {
                // Not signed in: to the log-in form, which comes back here.
                let to = session::login_path();
                request_animation_frame(move || nav::go(&to));
                loading()
            }
            (screen, true) => view! { <Shell screen/> }.into_any(),
        }
    };
    view! { <div class="app" data-testid="dashboard">{body}</div> }
}

const SECTIONS: [(&str, &str); 7] = [
    ("Bookings", "bookings"),
    ("Services", "services"),
    ("Practitioners", "practitioners"),
    ("Customers", "customers"),
    ("API keys", "api-keys"),
    ("Webhooks", "webhooks"),
    ("Settings", "settings"),
];

/// The navigation (collapsed behind a "Menu" button on narrow screens) and the screen.
#[component]
fn Shell(screen: Screen) -> impl IntoView {
    let who = session::me();
    let open = RwSignal::new(false);
    let org_name = move || who.0.with(|m| m.as_ref().map(|m| m.org.name.clone()).unwrap_or_default());
    let links = SECTIONS
        .iter()
        .map(|(label, path)| {
            view! { <li><Link to=format!("{BASE}/{path}")>{*label}</Link></li> }
        })
        .collect_view();
    let main = match screen {
        Screen::Bookings => view! { <crate::bookings::Bookings/> }.into_any(),
        Screen::NewBooking => view! { <crate::booking::NewBooking/> }.into_any(),
        Screen::Booking(id) => view! { <crate::booking::BookingDetail id/> }.into_any(),
        Screen::Services => view! { <crate::services::Services/> }.into_any(),
        Screen::Practitioners => view! { <crate::practitioners::Practitioners/> }.into_any(),
        Screen::Customers => view! { <crate::customers::Customers/> }.into_any(),
        Screen::Customer(id) => view! { <crate::customers::CustomerDetail id/> }.into_any(),
        Screen::ApiKeys => view! { <crate::keys::ApiKeys/> }.into_any(),
        Screen::Webhooks => view! { <crate::webhooks::Webhooks/> }.into_any(),
        Screen::Webhook(id) => view! { <crate::webhooks::WebhookDetail id/> }.into_any(),
        Screen::Settings => view! { <crate::settings::Settings/> }.into_any(),
        Screen::Account => view! { <session::Account/> }.into_any(),
        Screen::Login | Screen::Signup | Screen::NotFound => {
            view! { <p data-testid="not-found">"There is no such page in the dashboard."</p> }.into_any()
        }
    };
    view! {
        <header class="top">
            <span class="org" data-testid="org-name">{org_name}</span>
            <button type="button" class="menu" aria-expanded=move || open.get().to_string()
                aria-controls="nav" on:click=move |_| open.update(|o| *o = !*o)>"Menu"</button>
        </header>
        <div class="frame">
            <nav id="nav" aria-label="Dashboard" class:open=move || open.get() on:click=move |_| open.set(false)>
                <ul>{links}</ul>
                <ul class="me">
                    <li><Link to=format!("{BASE}/account")>"Account"</Link></li>
                    <li><button type="button" class="link" on:click=move |_| session::log_out()>"Log out"</button></li>
                </ul>
            </nav>
            <main id="main">{main}</main>
        </div>
    }
}
