//! Wire types of the Cadence API, shared by the server and the widget.
//!
//! Everything here is plain serde data and compiles for `wasm32-unknown-unknown`, so it
//! must not depend on anything server-only (no tokio, sqlx or axum).

pub mod account;
pub mod booking;
pub mod catalog;
pub mod error;
pub mod org;
pub mod resources;
pub mod schedule;

pub use account::{
    ApiKey, ChangePasswordRequest, CreateApiKeyRequest, LoginRequest, MeResponse, SessionResponse,
    SignupRequest, UpdateOrgRequest, User,
};
pub use booking::{
    Booking, BookingCustomer, BookingStatus, CancelRequest, CreateBookingRequest, CustomerInput,
    RescheduleRequest,
};
pub use catalog::{AvailabilityResponse, Page, PublicPractitioner, PublicService, Slot};
pub use error::{ErrorBody, ErrorDetail, ErrorType};
pub use org::{Branding, PublicOrg};
pub use resources::{
    CreatePractitionerRequest, CreateServiceRequest, Customer, CustomerDetail, Practitioner, Service,
    UpdatePractitionerRequest, UpdateServiceRequest,
};
pub use schedule::{ClockTime, DateOverride, Interval, WeeklyHours};
