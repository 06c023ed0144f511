//! Pages of a list: opaque cursors, page sizes, and cutting a page from rows fetched with one more.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use desk_api::{ApiCode, Page};

use super::ApiError;

/// The refusal of a cursor this server did not make.
pub(super) fn not_ours() -> ApiError {
    ApiError::bad(
        ApiCode::InvalidCursor,
        "The cursor is not one this server made.",
    )
}

/// Encodes the id a page ends with as an opaque cursor.
pub(super) fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{id}"))
}

/// The text of a cursor of at most `max_len` characters, base64url-decoded.
fn decoded(cursor: &str, max_len: usize) -> Result<String, ApiError> {
    if cursor.len() > max_len {
        return Err(not_ours());
    }
    let text = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| not_ours())?;
    String::from_utf8(text).map_err(|_| not_ours())
}

/// Decodes a cursor made by [`encode_cursor`].
pub(super) fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    // Only the very text `encode_cursor` writes: `i64::from_str` also reads `v1:+42` and
    // `v1:042`, which this server never made.
    decoded(cursor, 64)?
        .strip_prefix("v1:")
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|&id| encode_cursor(id) == cursor)
        .map(Some)
        .ok_or_else(not_ours)
}

/// Encodes the text key a page ends with (a subject, a user name) as an opaque cursor.
pub(super) fn encode_key_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1k:{key}"))
}

/// Decodes a cursor made by [`encode_key_cursor`]: a key of at most `max_chars` characters.
pub(super) fn decode_key_cursor(
    cursor: Option<&str>,
    max_chars: usize,
) -> Result<Option<String>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    // Four bytes of base64 per three of text, each character at most four bytes.
    decoded(cursor, (max_chars * 4 + 4).div_ceil(3) * 4)?
        .strip_prefix("v1k:")
        .filter(|key| key.chars().count() <= max_chars)
        .map(|key| Some(key.to_owned()))
        .ok_or_else(not_ours)
}

/// A page of `limit` from `rows` fetched with `limit + 1`: the extra row says there is more.
pub(super) fn page_of<R, T>(
    rows: Vec<R>,
    limit: u32,
    id: impl Fn(&R) -> i64,
    view: impl Fn(&R) -> T,
) -> Page<T> {
    page_by(rows, limit, |r| encode_cursor(id(r)), view)
}

/// [`page_of`] with the cursor of the page's last row made by `cursor`.
pub(super) fn page_by<R, T>(
    mut rows: Vec<R>,
    limit: u32,
    cursor: impl Fn(&R) -> String,
    view: impl Fn(&R) -> T,
) -> Page<T> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Page {
        next_cursor: more.then(|| rows.last().map(&cursor)).flatten(),
        items: rows.iter().map(view).collect(),
    }
}

/// Checks a page size: 1 to `max`, `default` when absent.
pub(super) fn limit(value: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    match value {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::bad(
            ApiCode::InvalidLimit,
            format!("limit must be between 1 and {max}."),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_forgeries_are_refused() {
        assert_eq!(decode_cursor(Some(&encode_cursor(42))).unwrap(), Some(42));
        assert_eq!(decode_cursor(None).unwrap(), None);
        // `djE6KzQy` and `djE6MDQy` are `v1:+42` and `v1:042`: found by `fuzz`.
        for forged in [
            "42",
            "djE6",
            "v1:42",
            "' OR 1=1 --",
            &"A".repeat(100),
            "djE6KzQy",
            "djE6MDQy",
        ] {
            assert!(decode_cursor(Some(forged)).is_err(), "{forged}");
        }
    }

    #[test]
    fn key_cursors_round_trip_and_forgeries_are_refused() {
        let key = "a:agent 1/é";
        assert_eq!(
            decode_key_cursor(Some(&encode_key_cursor(key)), 20).unwrap(),
            Some(key.to_owned())
        );
        assert_eq!(decode_key_cursor(None, 20).unwrap(), None);
        let long = encode_key_cursor(&"x".repeat(21));
        for forged in [
            "a:agent1",
            &encode_cursor(42),
            &long,
            "%%%",
            &"A".repeat(200),
        ] {
            assert!(decode_key_cursor(Some(forged), 20).is_err(), "{forged}");
        }
    }
}
