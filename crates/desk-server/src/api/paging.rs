//! Pages of a list: opaque cursors, page sizes, and cutting a page from rows fetched with one more.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use desk_api::{ApiCode, Page};

use super::ApiError;

/// Encodes the id a page ends with as an opaque cursor.
pub(super) fn encode_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{id}"))
}

/// Decodes a cursor made by [`encode_cursor`].
pub(super) fn decode_cursor(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad(
            ApiCode::InvalidCursor,
            "The cursor is not one this server made.",
        )
    };
    if cursor.len() > 64 {
        return Err(bad());
    }
    let text = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(text).map_err(|_| bad())?;
    // Only the very text `encode_cursor` writes: `i64::from_str` also reads `v1:+42` and
    // `v1:042`, which this server never made.
    text.strip_prefix("v1:")
        .and_then(|id| id.parse::<i64>().ok())
        .filter(|&id| encode_cursor(id) == cursor)
        .map(Some)
        .ok_or_else(bad)
}

/// A page of `limit` from `rows` fetched with `limit + 1`: the extra row says there is more.
pub(super) fn page_of<R, T>(
    mut rows: Vec<R>,
    limit: u32,
    id: impl Fn(&R) -> i64,
    view: impl Fn(&R) -> T,
) -> Page<T> {
    let more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    Page {
        next_cursor: more
            .then(|| rows.last().map(|r| encode_cursor(id(r))))
            .flatten(),
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
}
