//! The widget's frame: which org and which screen (the booking flow, or the manage view of
//! one booking), the brand colour and logo, and the embed iframe's height reports.

use crate::api::{self, Failure};
use crate::flow::BookingFlow;
use crate::host;
use crate::i18n;
use crate::manage::ManageBooking;
use crate::remote::{Remote, request};
use crate::status::{failed, loading};
use cadence_shared::PublicOrg;
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
    /// `?locale=de` (the embed passes its placeholder's `data-locale` so).
    pub locale: Option<String>,
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
            locale: param("locale"),
        }
    }
}

#[component]
pub fn App(launch: Launch) -> impl IntoView {
    // Until the org (and its default language) is known: the page's choice or the browser's.
    let browser = i18n::browser_languages();
    i18n::apply(i18n::choose(launch.locale.as_deref(), None, &browser));
    let slug = StoredValue::new(launch.slug.clone());
    let org = Remote::<PublicOrg>::new(move || {
        let slug = slug.get_value();
        request(async move {
            match slug {
                Some(slug) => api::org(&slug).await,
                None => Err(Failure::no_such_page()),
            }
        })
    });
    org.reload();
    if launch.embedded {
        let last = std::cell::Cell::new(0);
        let report = move || {
            let mut height = last.get();
            host::report_height(&mut height);
            last.set(height);
        };
        let _ = set_interval_with_handle(report, std::time::Duration::from_millis(250));
    }
    let screen = move || match org.get() {
        None => loading(i18n::t().loading),
        Some(Ok(org)) => {
            i18n::apply(i18n::choose(launch.locale.as_deref(), org.locale.as_deref(), &browser));
            let color = launch
                .color
                .clone()
                .or(org.branding.primary_color.clone())
                .unwrap_or_else(|| "#334155".into());
            let body = match launch.manage.clone() {
                Some((id, token)) => view! { <ManageBooking org=org.clone() id token/> }.into_any(),
                None => {
                    view! { <BookingFlow org=org.clone() preselect=launch.service.clone() reschedule=None/> }
                        .into_any()
                }
            };
            // The logo is decoration (the org's name follows as text), so the stylesheet
            // draws it from `--logo`: an <img> view would cost ~0.4 KB gzip of wasm.
            let logo = org.branding.logo_url.as_deref().map_or(String::new(), |url| {
                // A quote or backslash would end the CSS string early (URLs %-encode them).
                let url: String = url.chars().filter(|c| !matches!(c, '"' | '\\')).collect();
                format!("; --logo: url(\"{url}\"); --logo-height: 3rem")
            });
            view! {
                <div class="brand" style=format!("--brand: {color}{logo}")>
                    <header data-testid="org-header"><h1>{org.name.clone()}</h1></header>
                    {body}
                </div>
            }
            .into_any()
        }
        Some(Err(f)) if f.status() == Some(404) => {
            view! { <p role="alert" class="error" data-testid="widget-error">{f.message()}</p> }.into_any()
        }
        Some(Err(f)) => failed(&f, move || org.reload()),
    };
    view! { <main class="cadence" data-testid="cadence-widget">{screen}</main> }
}
