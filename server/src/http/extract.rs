//! Extractors whose rejections use the error envelope instead of axum's plain text, and
//! the guard that keeps control characters out of every path, query and body.
//!
//! Text never holds NUL or other control characters: Postgres cannot store NUL at all, and
//! none of them means anything in a name, an e-mail or an id. Free text (`notes`,
//! `description`, `reason`) may hold line breaks and tabs. A body is 422
//! `invalid_characters` naming the field; a path or query is 400 `invalid_path` /
//! `invalid_query`, before any handler or database sees it.

use crate::http::error::ApiError;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// `Json<T>` with envelope rejections: 400 for malformed JSON or another content type, 422
/// for a body that is not an object, has the wrong shape (with the field when serde names
/// it) or holds control characters, 413 for an oversized body.
#[derive(Debug, Clone, Copy, Default)]
pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !json_content_type(req.headers()) {
            return Err(ApiError::BadRequest {
                code: "unsupported_content_type",
                message: "Send the body as JSON with `Content-Type: application/json`.".into(),
                field: None,
            });
        }
        let bytes = body(req, state).await?;
        check_body(&bytes)?;
        let axum::Json(value) = axum::Json::<T>::from_bytes(&bytes)?;
        Ok(AppJson(value))
    }
}

/// Whether the request says its body is JSON (`application/json`, `…+json`), as axum's
/// own `Json` decides.
fn json_content_type(headers: &HeaderMap) -> bool {
    let mime = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    mime.and_then(|m| m.parse::<mime::Mime>().ok()).is_some_and(|m| {
        m.type_() == "application" && (m.subtype() == "json" || m.suffix().is_some_and(|s| s == "json"))
    })
}

/// The whole body, within the body limit (413 past it).
async fn body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::BadRequest { code: "unreadable_body", message: rejection.body_text(), field: None }
        }
    })
}

/// Fields that are free text: line breaks and tabs are allowed there.
const FREE_TEXT: [&str; 3] = ["notes", "description", "reason"];

/// 422 unless the body is a JSON object whose keys and strings hold no control characters.
/// Malformed JSON passes here, so that the typed parse reports it with its position.
fn check_body(bytes: &[u8]) -> Result<(), ApiError> {
    let Ok(value) = serde_json::from_slice::<Value>(bytes) else { return Ok(()) };
    if !value.is_object() {
        return Err(ApiError::Invalid {
            code: "invalid_body",
            message: "The body must be a JSON object.".into(),
            field: None,
        });
    }
    match control_character_in(&value, "", false) {
        None => Ok(()),
        Some(field) => Err(ApiError::Invalid {
            code: "invalid_characters",
            message: format!("'{field}' contains a control character (such as NUL); remove it."),
            field: Some(field),
        }),
    }
}

/// The first field (as a path: `customer.name`, `weekly_hours.monday[0].start`) whose name
/// or text holds a control character. serde_json's recursion limit bounds the depth.
fn control_character_in(value: &Value, path: &str, free_text: bool) -> Option<String> {
    let allowed = |c: char| free_text && matches!(c, '\n' | '\r' | '\t');
    match value {
        Value::String(s) => s.chars().any(|c| c.is_control() && !allowed(c)).then(|| path.to_owned()),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| control_character_in(v, &format!("{path}[{i}]"), free_text)),
        Value::Object(fields) => fields.iter().find_map(|(name, v)| {
            let here = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
            if name.chars().any(char::is_control) {
                return Some(here);
            }
            control_character_in(v, &here, FREE_TEXT.contains(&name.as_str()))
        }),
        _ => None,
    }
}

/// Middleware: 400 for a path or query that holds a control character once decoded
/// (`/api/v1/public/orgs/a%00b`), before routing reaches a handler.
pub async fn reject_control_characters(req: Request, next: Next) -> Response {
    let bad = |raw: &str| String::from_utf8_lossy(&percent_decode(raw)).chars().any(char::is_control);
    if bad(req.uri().path()) {
        let message = "The path contains a control character.".into();
        return ApiError::BadRequest { code: "invalid_path", message, field: None }.into_response();
    }
    if req.uri().query().is_some_and(bad) {
        let message = "The query contains a control character.".into();
        return ApiError::BadRequest { code: "invalid_query", message, field: None }.into_response();
    }
    next.run(req).await
}

/// `%XX` escapes decoded; anything else kept as it is.
fn percent_decode(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

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

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(T::default()));
        }
        check_body(&bytes)?;
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
    use super::{control_character_in, field_from_serde, percent_decode};
    use serde_json::json;

    #[test]
    fn control_characters_are_found_by_field() {
        let at = |v: serde_json::Value| control_character_in(&v, "", false);
        assert_eq!(at(json!({"customer": {"name": "A\u{0}B"}})).as_deref(), Some("customer.name"));
        assert_eq!(at(json!({"ids": ["a", "b\u{7}"]})).as_deref(), Some("ids[1]"));
        assert_eq!(at(json!({"notes": "line one\nline two\tand a tab"})), None);
        assert_eq!(at(json!({"notes": "bell\u{7}"})).as_deref(), Some("notes"));
        assert_eq!(at(json!({"name": "two\nlines"})).as_deref(), Some("name"), "only free text takes breaks");
        assert_eq!(at(json!({"name": "C1 \u{85} control"})).as_deref(), Some("name"));
        assert_eq!(at(json!({"na\u{0}me": "x"})).as_deref(), Some("na\u{0}me"));
        assert_eq!(at(json!({"name": "Zoë Łukasz 北京 🙂"})), None);
    }

    #[test]
    fn paths_are_decoded_before_they_are_checked() {
        assert_eq!(percent_decode("/a%00b"), b"/a\0b");
        assert_eq!(percent_decode("caf%C3%A9"), "café".as_bytes());
        assert_eq!(percent_decode("100%"), b"100%");
        assert_eq!(percent_decode("%zz"), b"%zz");
    }

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
