//! The booking widget: a Leptos client-side app served by the cadence server at `/{slug}`
//! and embedded elsewhere through `embed.js`. `app` holds the screens, `api` the calls to
//! the public surface, `clock` the browser's time formatting, `host` the messages to an
//! embedding page; `calendar` and `form` are the pure, unit-tested logic.

mod api;
mod app;
mod calendar;
mod clock;
mod form;
mod host;

fn main() {
    // In debug builds a panic shows its message in the browser console instead of a bare
    // "unreachable" (release builds leave the formatting out: it costs ~80 KB gzip).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    let launch = app::Launch::from_location();
    leptos::mount::mount_to_body(move || leptos::view! { <app::App launch/> });
}
