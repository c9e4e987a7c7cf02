//! Accounts and API keys (the account API, `/api/v1/auth/…`, `/api/v1/api-keys`).

use crate::org::Branding;

/// Every scope an org API key can hold; a new key gets all of them unless told otherwise.
pub const API_KEY_SCOPES: [&str; 10] = [
    "services:read",
    "services:write",
    "practitioners:read",
    "practitioners:write",
    "bookings:read",
    "bookings:write",
    "customers:read",
    "webhooks:manage",
    "org:read",
    "org:write",
];
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /auth/signup`: a person and the org they own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    pub email: String,
    pub password: String,
    pub display_name: String,
    pub org_name: String,
    /// Derived from `org_name` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_slug: Option<String>,
    /// IANA timezone of the org.
    pub timezone: String,
    /// `true`: the session goes into an `HttpOnly` cookie (`cadence_session`) that page
    /// scripts cannot read, and the answer carries no `token` (the dashboard signs in so).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cookie: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// As in `SignupRequest`: the session in an `HttpOnly` cookie instead of the answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cookie: bool,
}

/// `PATCH /auth/me`: the person's display name and e-mail address (any subset). A new
/// e-mail address needs `current_password`: it is what logging in needs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateProfileRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_password: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

/// An org as its members and its API see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Org {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub timezone: String,
    pub branding: Branding,
    /// The booking page's default language (`en`, `de`, `fr`, `es` or `nl`); `null`: the
    /// visitor's browser languages decide.
    #[serde(default)]
    pub locale: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// `PATCH /org`: any subset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateOrgRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::object::optional")]
    pub branding: Option<Branding>,
    /// The booking page's default language, one of `en`, `de`, `fr`, `es`, `nl`; `null`
    /// clears it (the visitor's browser languages decide).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "crate::object::some")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, example = "de"))]
    pub locale: Option<Option<String>>,
}

/// What signup and login return: a session token (shown once) and who it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionResponse {
    /// The session token, for `Authorization: Bearer cs_…`; absent when it was set as the
    /// `cadence_session` cookie (`"cookie": true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    pub expires_at: DateTime<Utc>,
    pub user: User,
    pub org: Org,
}

/// `GET /auth/me`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MeResponse {
    pub user: User,
    pub org: Org,
}

/// `POST /api-keys`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    pub name: String,
    /// Default: every scope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
}

/// An API key as listed; `plain_key` only in the response that created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    /// For display: `ck_live_…a1b2`.
    pub key_prefix: String,
    pub scopes: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plain_key: Option<String>,
}
