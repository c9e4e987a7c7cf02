//! The error envelope every surface answers with.

use serde::{Deserialize, Serialize};

/// The body of every error response: `{ "error": { … } }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong, for machines (`type`, `code`, `field`) and for people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    #[serde(rename = "type")]
    pub kind: ErrorType,
    /// Stable snake_case code, e.g. `missing_field`, `slot_taken`.
    pub code: String,
    pub message: String,
    /// The request field at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The scope a 403 `missing_scope` lacks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_scope: Option<String>,
    /// The `req_…` id also sent as `X-Request-Id`.
    pub request_id: String,
}

/// The error families of the contract; each maps to a small set of HTTP statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    InvalidRequestError,
    AuthenticationError,
    PermissionError,
    NotFoundError,
    ConflictError,
    IdempotencyError,
    RateLimitError,
    ApiError,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_serialises_with_contract_field_names() {
        let body = ErrorBody {
            error: ErrorDetail {
                kind: ErrorType::InvalidRequestError,
                code: "missing_field".into(),
                message: "Field 'start' is required.".into(),
                field: Some("start".into()),
                required_scope: None,
                request_id: "req_1".into(),
            },
        };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["error"]["type"], "invalid_request_error");
        assert_eq!(json["error"]["field"], "start");
        assert!(json["error"].get("required_scope").is_none());
    }
}
