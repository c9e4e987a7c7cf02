//! The org as the public surface shows it.

use serde::{Deserialize, Serialize};

/// Look and feel of an org's booking page and widget.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Branding {
    /// Brand colour as `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_color: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logo_url: Option<String>,
}

/// The languages the booking widget speaks, as lower-case ISO 639-1 codes: the values an
/// org's `locale` may take.
pub const LOCALES: [&str; 5] = ["en", "de", "fr", "es", "nl"];

/// `GET /api/v1/public/orgs/{slug}`: what a browser may know about an org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicOrg {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// IANA timezone name, e.g. `Europe/Berlin`.
    pub timezone: String,
    pub branding: Branding,
    /// The booking page's default language (one of `en`, `de`, `fr`, `es`, `nl`), used when
    /// the page names none (`?locale=`, `data-locale`); `null`: the visitor's browser
    /// languages decide.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(example = "de"))]
    pub locale: Option<String>,
}
