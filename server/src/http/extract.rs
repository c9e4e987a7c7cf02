//! Extractors whose rejections use the error envelope instead of axum's plain text.

use crate::http::error::ApiError;
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

/// The request field a serde error is about. axum reports `path: message` (the path from
/// serde_path_to_error, `.` for the top level); plain serde_json reports just the message,
/// naming fields as "missing field `start`" or "unknown field `x`".
fn field_from_serde(detail: &str) -> Option<String> {
    let (path, message) = match detail.split_once(": ") {
        Some((path, message)) if !path.contains(' ') => (Some(path).filter(|p| *p != "."), message),
        _ => (None, detail),
    };
    let named = || {
        let start = message.find('`')? + 1;
        let len = message[start..].find('`')?;
        Some(message[start..start + len].to_owned())
    };
    if message.starts_with("missing field") {
        let name = named()?;
        return Some(path.map_or(name.clone(), |p| format!("{p}.{name}")));
    }
    if message.starts_with("unknown field") {
        return path.map(str::to_owned).or_else(named);
    }
    path.map(str::to_owned)
}

/// A JSON body that may be absent (an empty body means `T::default()`), for actions such
/// as `POST …/cancel` whose fields are all optional.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, ApiError> {
        let bytes = axum::body::Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge
            } else {
                ApiError::BadRequest { code: "unreadable_body", message: rejection.body_text(), field: None }
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        T::deserialize(&mut de).and_then(|v| de.end().map(|()| v)).map(OptionalJson).map_err(|err| {
            if err.is_data() {
                let detail = err.to_string();
                ApiError::Invalid { code: "invalid_body", field: field_from_serde(&detail), message: detail }
            } else {
                ApiError::BadRequest {
                    code: "malformed_json",
                    message: format!("The body is not valid JSON: {err}"),
                    field: None,
                }
            }
        })
    }
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
        assert_eq!(
            field_from_serde("colour: unknown field `colour`, expected one of `a`").as_deref(),
            Some("colour")
        );
        assert_eq!(
            field_from_serde("customer: missing field `name` at line 1").as_deref(),
            Some("customer.name")
        );
        assert_eq!(field_from_serde(".: missing field `start` at line 1").as_deref(), Some("start"));
        assert_eq!(
            field_from_serde("customer.email: invalid type: integer `3`, expected a string").as_deref(),
            Some("customer.email")
        );
    }
}
