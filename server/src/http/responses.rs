//! Pages of lists: cursor pages of bookings, and pages of the short lists held in memory.

use crate::http::error::ApiError;
use crate::model::{BookingCursor, BookingRecord};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cadence_shared::{Booking, Page};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// One page of bookings: fetches one more than `limit` to know whether more follow.
pub async fn booking_page<F, Fut>(
    limit: Option<u32>,
    cursor: Option<&str>,
    fetch: F,
) -> Result<Page<Booking>, ApiError>
where
    F: FnOnce(Option<BookingCursor>, u32) -> Fut,
    Fut: Future<Output = Result<Vec<BookingRecord>, ApiError>>,
{
    let limit = check_limit(limit)?;
    let cursor = cursor.filter(|c| !c.is_empty()).map(decode_cursor).transpose()?;
    let Page { data, has_more, next_cursor } = page_of(fetch(cursor, limit + 1).await?, limit, encode_cursor);
    Ok(Page { data: data.iter().map(Booking::from).collect(), has_more, next_cursor })
}

/// A page from `rows` fetched as `limit + 1` (one more than shown, to know whether more
/// follow); `next_cursor` is `cursor` of the last row shown when more do.
pub fn page_of<T>(mut rows: Vec<T>, limit: u32, cursor: impl Fn(&T) -> String) -> Page<T> {
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let next_cursor = if has_more { rows.last().map(cursor) } else { None };
    Page { data: rows, has_more, next_cursor }
}

/// 400 `invalid_cursor`: a cursor this API did not hand out.
pub fn invalid_cursor() -> ApiError {
    ApiError::BadRequest {
        code: "invalid_cursor",
        message: "The cursor is not one this API returned.".into(),
        field: Some("cursor".into()),
    }
}

fn encode_cursor(b: &BookingRecord) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", b.start.timestamp(), b.id))
}

fn decode_cursor(raw: &str) -> Result<BookingCursor, ApiError> {
    let bad = invalid_cursor;
    let text = URL_SAFE_NO_PAD.decode(raw).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad)?;
    let (secs, id) = text.split_once('|').ok_or_else(bad)?;
    let start = secs.parse().ok().and_then(|s| chrono::DateTime::from_timestamp(s, 0)).ok_or_else(bad)?;
    Ok(BookingCursor { start, id: id.to_owned() })
}

/// One page of a list held in memory (services, practitioners, keys: an org has few),
/// newest first; the cursor is the last id shown.
pub fn page_by_id<T>(
    mut items: Vec<T>,
    id: impl Fn(&T) -> &str,
    limit: Option<u32>,
    cursor: Option<&str>,
) -> Result<Page<T>, ApiError> {
    let limit = check_limit(limit)?;
    items.sort_by(|a, b| id(b).cmp(id(a)));
    let start = match cursor.filter(|c| !c.is_empty()) {
        Some(c) => items.iter().position(|x| id(x) < c).unwrap_or(items.len()),
        None => 0,
    };
    let rest: Vec<T> = items.into_iter().skip(start).take(limit as usize + 1).collect();
    Ok(page_of(rest, limit, |x| id(x).to_owned()))
}

/// `limit` within 1..=100, default 20.
pub fn check_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::BadRequest {
            code: "invalid_limit",
            message: format!("'limit' must be between 1 and {MAX_LIMIT}."),
            field: Some("limit".into()),
        })
    }
}

/// `?limit=&cursor=` of every list.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}
