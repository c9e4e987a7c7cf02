//! The booking widget: a Leptos client-side app served by the cadence server at `/{slug}`
//! and embedded elsewhere through `embed.js`. From the top down: `app` is the frame (org,
//! brand, which screen); `manage` one booking's page; `flow` the booking steps, with `pick`
//! (calendar and times) and `details` (the form, sending it, the confirmation); `status`
//! the loading and failure views every screen shows; `api` calls the public surface and
//! `remote` keeps its answers in signals; `clock` formats times with the browser's Intl
//! API in the language `i18n` chose (and holds the words of), `host` talks to an embedding page; `calendar` and `form` are the pure, unit-tested
//! logic.

mod api;
mod app;
mod calendar;
mod clock;
mod details;
mod flow;
mod form;
mod host;
mod i18n;
mod manage;
mod pick;
mod remote;
mod status;

#[cfg(all(not(target_feature = "atomics"), target_family = "wasm"))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

fn main() {
    // In debug builds a panic shows its message in the browser console instead of a bare
    // "unreachable" (release builds leave the formatting out: it costs ~80 KB gzip).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    let launch = app::Launch::from_location();
    leptos::mount::mount_to_body(move || leptos::view! { <app::App launch/> });
}
