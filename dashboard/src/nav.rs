//! Where the dashboard is: the screen named by the address (`/dashboard/services`,
//! `/dashboard/bookings/bk_…`), changed with the History API so the back button works.
//!
//! Hand-written rather than `leptos_router`: ten flat screens, one id at most, no nested
//! routes, loaders or SSR; the router crate would add build time and wasm for none of that.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

pub const BASE: &str = "/dashboard";

/// A screen of the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Login,
    Signup,
    Bookings,
    Booking(String),
    NewBooking,
    Services,
    Practitioners,
    Customers,
    Customer(String),
    ApiKeys,
    Webhooks,
    Webhook(String),
    Settings,
    Account,
    NotFound,
}

impl Screen {
    /// The screen a path (below `/dashboard`) names.
    pub fn parse(path: &str) -> Screen {
        let rest = path.strip_prefix(BASE).unwrap_or(path).trim_matches('/');
        let mut parts = rest.splitn(2, '/');
        let (head, id) = (parts.next().unwrap_or(""), parts.next().filter(|s| !s.is_empty()));
        match (head, id) {
            ("" | "bookings", None) => Screen::Bookings,
            ("bookings", Some("new")) => Screen::NewBooking,
            ("bookings", Some(id)) => Screen::Booking(id.into()),
            ("login", None) => Screen::Login,
            ("signup", None) => Screen::Signup,
            ("services", None) => Screen::Services,
            ("practitioners", None) => Screen::Practitioners,
            ("customers", None) => Screen::Customers,
            ("customers", Some(id)) => Screen::Customer(id.into()),
            ("api-keys", None) => Screen::ApiKeys,
            ("webhooks", None) => Screen::Webhooks,
            ("webhooks", Some(id)) => Screen::Webhook(id.into()),
            ("settings", None) => Screen::Settings,
            ("account", None) => Screen::Account,
            _ => Screen::NotFound,
        }
    }

    /// Screens open without a session.
    pub fn is_public(&self) -> bool {
        matches!(self, Screen::Login | Screen::Signup)
    }
}

/// The address bar (path and query), as a signal.
#[derive(Clone, Copy)]
pub struct Location(pub RwSignal<String>);

fn current() -> String {
    let loc = web_sys::window().map(|w| w.location());
    loc.map(|l| format!("{}{}", l.pathname().unwrap_or_default(), l.search().unwrap_or_default()))
        .unwrap_or_default()
}

thread_local! {
    /// The app's one `Location` (set once by `provide`): also reachable from event handlers,
    /// timers and `spawn_local` tasks, which run outside the reactive owner.
    static HERE: std::cell::OnceCell<Location> = const { std::cell::OnceCell::new() };
}

/// Starts following the address bar (and the back and forward buttons).
pub fn provide() -> Location {
    let here = Location(RwSignal::new(current()));
    HERE.with(|h| h.set(here).ok());
    let on_pop = Closure::<dyn Fn()>::new(move || here.0.set(current()));
    if let Some(w) = web_sys::window() {
        let _ = w.add_event_listener_with_callback("popstate", on_pop.as_ref().unchecked_ref());
    }
    on_pop.forget();
    here
}

pub fn location() -> Location {
    HERE.with(|h| *h.get().expect("nav::provide ran when the app started"))
}

impl Location {
    pub fn screen(&self) -> Screen {
        Screen::parse(self.0.get().split('?').next().unwrap_or_default())
    }

    /// The value of `?name=` in the address.
    pub fn query(&self, name: &str) -> Option<String> {
        let full = self.0.get();
        let search = full.split_once('?').map(|(_, q)| q).unwrap_or_default();
        web_sys::UrlSearchParams::new_with_str(search).ok()?.get(name).filter(|v| !v.is_empty())
    }
}

/// Goes to `to` (a full path such as `/dashboard/services`), adding a history entry.
pub fn go(to: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.push_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(to));
    }
    location().0.set(to.to_owned());
    if let Some(w) = web_sys::window() {
        w.scroll_to_with_x_and_y(0.0, 0.0);
    }
}

/// A link inside the dashboard: a real `<a href>` (open in a new tab works), followed
/// without reloading the page on a plain click.
#[component]
pub fn Link(
    to: String,
    children: Children,
    #[prop(optional)] class: Option<&'static str>,
    #[prop(optional)] testid: Option<&'static str>,
) -> impl IntoView {
    let here = location();
    let path = to.clone();
    let current = move || {
        let now = here.0.get();
        let now = now.split('?').next().unwrap_or_default();
        (now == path || now.starts_with(&format!("{path}/"))).then_some("page")
    };
    let target = to.clone();
    let follow = move |ev: leptos::ev::MouseEvent| {
        if ev.button() == 0 && !ev.ctrl_key() && !ev.meta_key() && !ev.shift_key() && !ev.alt_key() {
            ev.prevent_default();
            go(&target);
        }
    };
    view! {
        <a href=to class=class data-testid=testid aria-current=current on:click=follow>{children()}</a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_screens() {
        assert_eq!(Screen::parse("/dashboard"), Screen::Bookings);
        assert_eq!(Screen::parse("/dashboard/"), Screen::Bookings);
        assert_eq!(Screen::parse("/dashboard/bookings/bk_1"), Screen::Booking("bk_1".into()));
        assert_eq!(Screen::parse("/dashboard/bookings/new"), Screen::NewBooking);
        assert_eq!(Screen::parse("/dashboard/api-keys"), Screen::ApiKeys);
        assert_eq!(Screen::parse("/dashboard/webhooks/wh_1/"), Screen::Webhook("wh_1".into()));
        assert_eq!(Screen::parse("/dashboard/nothing"), Screen::NotFound);
        assert_eq!(Screen::parse("/dashboard/services/x"), Screen::NotFound);
        assert!(Screen::parse("/dashboard/login").is_public());
        assert!(!Screen::parse("/dashboard/settings").is_public());
    }
}
