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
}
