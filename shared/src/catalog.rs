//! What an org offers, as the public surface shows it; availability.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A bookable service, public view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicService {
    pub id: String,
    pub name: String,
    pub description: String,
    pub duration_minutes: u32,
    pub practitioner_ids: Vec<String>,
}

/// A practitioner, public view (no e-mail, no schedule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PublicPractitioner {
    pub id: String,
    pub name: String,
    pub service_ids: Vec<String>,
}

/// One open start time and who is free for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Slot {
    #[serde(deserialize_with = "crate::instant::rfc3339")]
    pub start: DateTime<Utc>,
    #[serde(deserialize_with = "crate::instant::rfc3339")]
    pub end: DateTime<Utc>,
    /// The practitioners free at this start, sorted by id; only with
    /// `include=practitioner_ids` (a slot always has at least one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub practitioner_ids: Vec<String>,
}

/// `GET …/availability`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AvailabilityResponse {
    pub service_id: String,
    /// The org's IANA timezone (dates in the query are read in it).
    pub timezone: String,
    pub slots: Vec<Slot>,
}

/// Every list response: a page of items and where the next one starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub data: Vec<T>,
    pub has_more: bool,
    pub next_cursor: Option<String>,
}
