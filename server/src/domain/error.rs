//! [`DomainError`]: why the domain refused or failed a request, in its own terms. It knows
//! no status codes or request ids; `http::error` maps each variant to the error envelope.

use crate::store::StoreError;

/// A refusal (the request cannot be done as asked) or a failure (storage, a bug).
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Well-formed but invalid input; `field` names the culprit (`customer.email`).
    #[error("{message}")]
    Invalid { code: &'static str, field: String, message: String },
    /// Unknown, or not the caller's (never revealing which).
    #[error("{message}")]
    NotFound { message: String },
    /// The request conflicts with the current state (`slot_taken`, `email_taken`, …).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// Storage failed or refused in a way the caller did not handle.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A bug or an outage outside storage (e.g. a password hashing task died).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl DomainError {
    /// Invalid input naming the field at fault.
    pub fn invalid(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        DomainError::Invalid { code, field: field.to_owned(), message: message.into() }
    }

    /// A resource kind that is not there, e.g. `not_found("Service")`.
    pub fn not_found(what: &str) -> Self {
        DomainError::NotFound { message: format!("{what} not found.") }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        DomainError::Conflict { code, message: message.into() }
    }
}
