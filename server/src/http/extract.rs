//! Extractors whose rejections use the error envelope instead of axum's plain text.

use crate::error::ApiError;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `Json<T>` with envelope rejections: 400 for malformed JSON, 422 for a body of the wrong
/// shape (with the field when serde names it), 413 for an oversized body.
#[derive(Debug, Clone, Copy, Default, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct AppJson<T>(pub T);

impl<T: serde::Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::JsonDataError(err) => {
                let detail = std::error::Error::source(&err)
                    .map(ToString::to_string)
                    .unwrap_or_else(|| err.body_text());
                ApiError::Invalid { code: "invalid_body", field: field_from_serde(&detail), message: detail }
            }
            JsonRejection::JsonSyntaxError(err) => ApiError::BadRequest {
                code: "malformed_json",
                message: format!(
                    "The body is not valid JSON: {}",
                    std::error::Error::source(&err).map(ToString::to_string).unwrap_or_default()
                ),
                field: None,
            },
            JsonRejection::MissingJsonContentType(_) => ApiError::BadRequest {
                code: "unsupported_content_type",
                message: "Send the body as JSON with `Content-Type: application/json`.".into(),
                field: None,
            },
            other if other.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge,
            other => {
                ApiError::BadRequest { code: "unreadable_body", message: other.body_text(), field: None }
            }
        }
    }
}

/// serde_json names a missing field as "missing field `start`" and an unknown one as
/// "unknown field `x`"; anything else has no field we can name reliably.
fn field_from_serde(detail: &str) -> Option<String> {
    let start = detail.find('`')? + 1;
    let len = detail[start..].find('`')?;
    (detail.starts_with("missing field") || detail.starts_with("unknown field"))
        .then(|| detail[start..start + len].to_owned())
}

/// `Path<T>` with envelope rejections.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct AppPath<T>(pub T);

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::BadRequest { code: "invalid_path", message: rejection.body_text(), field: None }
    }
}

/// `Query<T>` with envelope rejections.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct AppQuery<T>(pub T);

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest { code: "invalid_query", message: rejection.body_text(), field: None }
    }
}

#[cfg(test)]
mod tests {
    use super::field_from_serde;

    #[test]
    fn serde_messages_name_the_field() {
        assert_eq!(field_from_serde("missing field `start` at line 1 column 2").as_deref(), Some("start"));
        assert_eq!(field_from_serde("unknown field `x`, expected `a`").as_deref(), Some("x"));
        assert_eq!(field_from_serde("invalid type: string, expected u32"), None);
    }
}
