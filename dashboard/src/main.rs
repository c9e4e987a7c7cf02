//! The Cadence dashboard: the business's Leptos client-side app, served by the cadence
//! server at `/dashboard`. From the top down: `app` is the frame (who is signed in, the
//! navigation, which screen); one module per screen (`bookings` with `agenda` and `booking`,
//! which share `booking_rows`,
//! `services`, `practitioners` with `hours`, `customers`, `keys`, `webhooks`, `settings`,
//! and `session` for log-in, sign-up and the account); `ui` the labelled fields and views
//! they share; `api` the calls to this server; `nav` the address bar; `time` the org's
//! timezone through the browser's Intl API.

mod agenda;
mod api;
mod app;
mod booking;
mod booking_rows;
mod bookings;
mod customers;
mod hours;
mod keys;
mod nav;
mod practitioners;
mod services;
mod session;
mod settings;
mod time;
mod ui;
mod webhooks;

#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
