//! [`ApiError`]: every failure a handler can return, mapped to the contract's error
//! envelope in one place (`IntoResponse` below). The domain's [`DomainError`] and the
//! store's [`StoreError`] become `ApiError`s here, and only here.

use crate::domain::DomainError;
use crate::http::request_id::current_request_id;
use crate::store::StoreError;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cadence_shared::{ErrorBody, ErrorDetail, ErrorType};

/// A failed request. Handlers return `Result<_, ApiError>` and use `?`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: malformed JSON, path or query.
    #[error("{message}")]
    BadRequest { code: &'static str, message: String, field: Option<String> },
    /// 422: well-formed but semantically invalid.
    #[error("{message}")]
    Invalid { code: &'static str, message: String, field: Option<String> },
    /// 404: unknown, or not the caller's (never revealing which).
    #[error("{message}")]
    NotFound { message: String },
    /// 409: the request conflicts with the current state.
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    /// 401: no, unknown, expired or revoked credentials.
    #[error("{message}")]
    Unauthorized { code: &'static str, message: String },
    /// 403: the key lacks a scope.
    #[error("This API key lacks the scope '{scope}'.")]
    MissingScope { scope: &'static str },
    /// 403: refused whoever asks (e.g. a cross-site request with the session cookie).
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// 409 or 422 about an `Idempotency-Key`.
    #[error("{message}")]
    Idempotency { status: StatusCode, code: &'static str, message: String },
    /// 429: too many requests; retry after `retry_after` seconds.
    #[error("Too many requests; retry in {retry_after} seconds.")]
    RateLimited { limit: u32, retry_after: u64, reset: i64 },
    /// 413: the body is over the size limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// 503: a dependency (the database, the widget build) is not there.
    #[error("{message}")]
    Unavailable { code: &'static str, message: String },
    /// 500: a bug or an outage. Logged with the request id; the client sees no details.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// 404 for a resource kind, e.g. `not_found("Org")`.
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound { message: format!("{what} not found.") }
    }

    /// 422 naming the field at fault.
    pub fn invalid(code: &'static str, field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid { code, message: message.into(), field: Some(field.to_owned()) }
    }

    fn parts(&self) -> (StatusCode, ErrorType, &'static str, Option<&str>) {
        use ErrorType as T;
        match self {
            Self::BadRequest { code, field, .. } => {
                (StatusCode::BAD_REQUEST, T::InvalidRequestError, code, field.as_deref())
            }
            Self::Invalid { code, field, .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, T::InvalidRequestError, code, field.as_deref())
            }
            Self::NotFound { .. } => (StatusCode::NOT_FOUND, T::NotFoundError, "resource_not_found", None),
            Self::Conflict { code, .. } => (StatusCode::CONFLICT, T::ConflictError, code, None),
            Self::Unauthorized { code, .. } => (StatusCode::UNAUTHORIZED, T::AuthenticationError, code, None),
            Self::MissingScope { .. } => (StatusCode::FORBIDDEN, T::PermissionError, "missing_scope", None),
            Self::Forbidden { code, .. } => (StatusCode::FORBIDDEN, T::PermissionError, code, None),
            Self::Idempotency { status, code, .. } => (*status, T::IdempotencyError, code, None),
            Self::RateLimited { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, T::RateLimitError, "rate_limited", None)
            }
            Self::PayloadTooLarge => {
                (StatusCode::PAYLOAD_TOO_LARGE, T::InvalidRequestError, "payload_too_large", None)
            }
            Self::Unavailable { code, .. } => (StatusCode::SERVICE_UNAVAILABLE, T::ApiError, code, None),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, T::ApiError, "internal_error", None),
        }
    }

    fn public_message(&self) -> String {
        match self {
            ApiError::PayloadTooLarge => {
                format!("The request body is larger than {} bytes.", crate::http::BODY_LIMIT_BYTES)
            }
            ApiError::Internal(_) => {
                "Something went wrong on our side. Quote the request id when reporting it.".into()
            }
            other => other.to_string(),
        }
    }
}

/// A store failure the domain did not turn into a decision: a row that vanished is a 404,
/// anything else a bug or an outage (500, logged).
impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::NotFound => ApiError::NotFound { message: "Not found.".into() },
            other => ApiError::Internal(other.into()),
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Invalid { code, field, message } => {
                ApiError::Invalid { code, message, field: Some(field) }
            }
            DomainError::NotFound { message } => ApiError::NotFound { message },
            DomainError::Conflict { code, message } => ApiError::Conflict { code, message },
            DomainError::Store(err) => err.into(),
            DomainError::Internal(err) => ApiError::Internal(err),
        }
    }
}

impl ApiError {
    /// The status and envelope body of this error, as sent (idempotency stores it).
    pub fn envelope(&self) -> (StatusCode, ErrorBody) {
        let (status, kind, code, field) = self.parts();
        let mut detail = detail(kind, code, self.public_message(), field.map(str::to_owned));
        if let ApiError::MissingScope { scope } = self {
            detail.required_scope = Some(scope.to_string());
        }
        (status, ErrorBody { error: detail })
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let ApiError::Internal(err) = &self {
            // Inside the request's span, so the line carries the request id.
            tracing::error!(error = ?err, "request failed with an internal error");
        }
        let (status, body) = self.envelope();
        let mut res = envelope(status, body.error);
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let ApiError::RateLimited { limit, retry_after, reset } = self {
            let h = res.headers_mut();
            h.insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            h.insert("x-ratelimit-limit", HeaderValue::from(limit));
            h.insert("x-ratelimit-remaining", HeaderValue::from(0));
            h.insert("x-ratelimit-reset", HeaderValue::from(reset));
        }
        res
    }
}

/// The error detail for the request being handled.
fn detail(kind: ErrorType, code: &str, message: String, field: Option<String>) -> ErrorDetail {
    ErrorDetail {
        kind,
        code: code.to_owned(),
        message,
        field,
        required_scope: None,
        request_id: current_request_id().unwrap_or_default(),
    }
}

/// The envelope response itself.
fn envelope(status: StatusCode, error: ErrorDetail) -> Response {
    let mut res = (status, Json(ErrorBody { error })).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The envelope for a response some layer produced without one (405 from routing, 408 from
/// the timeout, 500 from a caught panic): same status, the contract's shape.
pub fn envelope_for_status(status: StatusCode) -> Response {
    let (kind, code, message) = match status {
        StatusCode::NOT_FOUND => (ErrorType::NotFoundError, "route_not_found", "No such route."),
        StatusCode::METHOD_NOT_ALLOWED => {
            (ErrorType::InvalidRequestError, "method_not_allowed", "This route does not accept that method.")
        }
        StatusCode::REQUEST_TIMEOUT => {
            (ErrorType::ApiError, "request_timeout", "The server did not finish the request in time.")
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            return ApiError::PayloadTooLarge.into_response();
        }
        s if s.is_server_error() => (
            ErrorType::ApiError,
            "internal_error",
            "Something went wrong on our side. Quote the request id when reporting it.",
        ),
        _ => (ErrorType::InvalidRequestError, "invalid_request", "The request could not be processed."),
    };
    envelope(status, detail(kind, code, message.to_owned(), None))
}
