//! The booking widget. This first version resolves the org from the page path (`/{slug}`)
//! and shows its name in its brand colour; the booking flow builds on it.

use cadence_shared::{ErrorBody, PublicOrg};
use gloo_net::http::Request;
use leptos::prelude::*;

fn main() {
    leptos::mount::mount_to_body(App);
}

/// The org slug: the first path segment of the booking page URL.
fn slug_from_path(path: &str) -> Option<String> {
    let first = path.trim_start_matches('/').split('/').next()?;
    (!first.is_empty()).then(|| first.to_owned())
}

/// What loading the org can end in, in words for the visitor.
async fn load_org(slug: String) -> Result<PublicOrg, String> {
    let res = Request::get(&format!("/api/v1/public/orgs/{slug}")).send().await.map_err(|_| {
        "We could not reach the booking service. Check your connection and try again.".to_string()
    })?;
    match res.status() {
        200 => res.json::<PublicOrg>().await.map_err(|e| e.to_string()),
        404 => Err("This booking page does not exist.".into()),
        _ => Err(res
            .json::<ErrorBody>()
            .await
            .map(|b| b.error.message)
            .unwrap_or_else(|_| "Something went wrong. Please try again.".into())),
    }
}

#[component]
fn App() -> impl IntoView {
    let path = window().location().pathname().unwrap_or_default();
    let org = LocalResource::new(move || {
        let slug = slug_from_path(&path);
        async move {
            match slug {
                Some(slug) => load_org(slug).await,
                None => Err("This booking page does not exist.".into()),
            }
        }
    });
    view! {
        <main class="cadence" data-testid="cadence-widget">
            <Suspense fallback=|| view! { <p aria-busy="true">"Loading…"</p> }>
                {move || org.get().map(|result| match result {
                    Ok(org) => {
                        let colour = org.branding.primary_color.clone().unwrap_or_else(|| "#334155".into());
                        view! {
                            <header data-testid="org-header" style=format!("border-top: 6px solid {colour}")>
                                <h1>{org.name}</h1>
                            </header>
                        }.into_any()
                    }
                    Err(message) => view! { <p role="alert" data-testid="widget-error">{message}</p> }.into_any(),
                })}
            </Suspense>
        </main>
    }
}
