//! Wire types of the Cadence API, shared by the server and the widget.
//!
//! Everything here is plain serde data and compiles for `wasm32-unknown-unknown`, so it
//! must not depend on anything server-only (no tokio, sqlx or axum).

pub mod account;
pub mod booking;
pub mod catalog;
pub mod error;
pub mod instant;
pub mod object;
pub mod org;
pub mod resources;
pub mod schedule;
#[cfg(feature = "signatures")]
pub mod signatures;
pub mod webhooks;

pub use account::{
    API_KEY_SCOPES, ApiKey, ChangePasswordRequest, CreateApiKeyRequest, LoginRequest, MeResponse,
    SessionResponse, SignupRequest, UpdateOrgRequest, UpdateProfileRequest, User,
};
pub use booking::{
    Booking, BookingCustomer, BookingStatus, CancelRequest, CreateBookingRequest, CustomerInput,
    RescheduleRequest,
};
pub use catalog::{AvailabilityResponse, Page, PublicPractitioner, PublicService, Slot};
pub use error::{ErrorBody, ErrorDetail, ErrorType};
pub use org::{Branding, LOCALES, PublicOrg};
pub use resources::{
    CalendarFeed, CreatePractitionerRequest, CreateServiceRequest, Customer, CustomerDetail, Practitioner,
    RequestLogItem, Service, UpdatePractitionerRequest, UpdateServiceRequest,
};
pub use schedule::{ClockTime, DateOverride, Interval, WeeklyHours};
#[cfg(feature = "signatures")]
pub use signatures::{sign_payload, sign_standard, verify_signature, verify_standard};
pub use webhooks::{CreateWebhookRequest, UpdateWebhookRequest, WebhookAttempt, WebhookEndpoint};
