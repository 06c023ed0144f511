//! Finding customers, reading one, and paging through their transactions.

use axum::Json;
use axum::extract::State as StateOf;
use desk_api::{ApiCode, ErrorBody, Page};
use desk_core::AuditAction;
use desk_core::RecordKind;
use desk_core::record::{Customer, Transaction};
use serde::Deserialize;

use super::error::{ApiQuery, Id, check_printable};
use super::{Agent, ApiError, State, decode_cursor, limit, page_of, views};
use crate::audit::{AuditEvent, Outcome};
use crate::store::{RecordReach, SearchQuery, TransactionFilter};

/// Longest search text accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 200;

/// How to read the search text: desk-core's [`SearchKey`](desk_core::SearchKey), which role
/// definitions grant.
pub use desk_core::SearchKey as SearchBy;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchParams {
    /// The search text: part of a name, an e-mail address, a phone number or an account number
    /// (IBAN). At most 200 characters (`query_too_long`), no control characters
    /// (`invalid_query`); leading and trailing whitespace is ignored. Text with no letters or
    /// digits to search for is `empty_query`.
    #[param(max_length = 200, example = "Jane Doe")]
    q: String,
    /// How to read `q`, instead of detecting it (one of the role's `search_by` keys). Text that
    /// is not of the kind asked for is `invalid_query`.
    by: Option<SearchBy>,
    /// Page size, 1 to 100 (default 25). 0 or a number above 100 is `invalid_limit`; a value
    /// that is not an unsigned whole number is `invalid_parameters`.
    #[param(minimum = 1, maximum = 100, default = 25)]
    limit: Option<u32>,
    /// Where the page starts: the `next_cursor` of the previous page (`Cursor`).
    cursor: Option<String>,
}

fn looks_like_iban(s: &str) -> bool {
    let compact: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    compact.len() >= 15
        && compact.len() <= 34
        && compact.chars().take(2).all(|c| c.is_ascii_alphabetic())
        && compact.chars().skip(2).take(2).all(|c| c.is_ascii_digit())
        && compact.chars().all(|c| c.is_ascii_alphanumeric())
}

fn looks_like_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    digits >= 6
        && s.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// Turns the agent's text into a store query: detects what it is unless `by` says, normalizes it,
/// and refuses what cannot be searched. Nothing of the text reaches SQL except as a bound value.
pub fn parse_query(q: &str, by: Option<SearchBy>) -> Result<(SearchBy, SearchQuery), ApiError> {
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::bad(
            ApiCode::QueryTooLong,
            format!("Search text is limited to {MAX_QUERY_CHARS} characters."),
        ));
    }
    check_printable(q, false, ApiCode::InvalidQuery)?;
    let q = q.trim();
    let by = by.unwrap_or(if q.contains('@') {
        SearchBy::Email
    } else if looks_like_iban(q) {
        SearchBy::Account
    } else if looks_like_phone(q) {
        SearchBy::Phone
    } else {
        SearchBy::Name
    });
    let query = match by {
        SearchBy::Email => {
            if !q.contains('@') || q.len() > 254 || q.contains(char::is_whitespace) {
                return Err(ApiError::bad(
                    ApiCode::InvalidQuery,
                    "That is not an e-mail address.",
                ));
            }
            SearchQuery::Email(q.to_owned())
        }
        SearchBy::Account => {
            if !looks_like_iban(q) {
                return Err(ApiError::bad(
                    ApiCode::InvalidQuery,
                    "That is not an account number (IBAN).",
                ));
            }
            SearchQuery::Account(crate::store::normalize_iban(q))
        }
        SearchBy::Phone => {
            if !looks_like_phone(q) {
                return Err(ApiError::bad(
                    ApiCode::InvalidQuery,
                    "A phone number needs at least six digits.",
                ));
            }
            SearchQuery::PhoneTail(crate::store::phone_tail(q))
        }
        SearchBy::Name => {
            // Lower-casing can add what is not a letter or digit (`İ` becomes `i` and U+0307, a
            // combining dot), and the store quotes words for FTS5 on the promise that they hold
            // only letters and digits: those are dropped again. Found by
            // `fuzz::search_text_is_a_query_or_a_clear_refusal`.
            let words: Vec<String> = q
                .split(|c: char| !c.is_alphanumeric())
                .map(|w| {
                    w.to_lowercase()
                        .chars()
                        .filter(|c| c.is_alphanumeric())
                        .collect::<String>()
                })
                .filter(|w| !w.is_empty())
                .take(8)
                .collect();
            if words.is_empty() {
                return Err(ApiError::bad(
                    ApiCode::EmptyQuery,
                    "Type part of a name, an e-mail address, a phone or an account number.",
                ));
            }
            SearchQuery::Name(words)
        }
    };
    Ok((by, query))
}

/// Find customers
///
/// Needs a role that may read customers, and searches only by the keys the role's definition grants
/// (`search_by`): a search read as a key the role lacks is refused with 403
/// `search_key_not_granted` before anything is looked up, and audited as a denial with the kind
/// only. The search text is read as an e-mail address when it contains `@`; else as an account
/// number when, without spaces, it is 15 to 34 letters and digits starting with two letters and two
/// digits (an IBAN); else as a phone number when it holds only digits, spaces and `+-().` with at
/// least six digits; else as a name. `by` overrides the detection. An e-mail address matches whole,
/// ignoring case; an IBAN matches ignoring case and spaces; a phone number matches on its last nine
/// digits, whatever the notation; a name matches customers whose name has words starting with each
/// of the text's words, ignoring case and accents (the first eight words, split at anything that is
/// not a letter or digit). Results are customer summaries (`id`, `name`, `email`, `phone`, `tier`,
/// `status`, as the role may see them), ordered by name. Audited as `customer.search` with the
/// kind, a keyed hash and a masked form of the search text (never the text) and the number of
/// results.
#[utoipa::path(
    get,
    path = "/v1/customers",
    tag = "customers",
    operation_id = "searchCustomers",
    params(SearchParams),
    responses(
        (status = 200, description = "A page of matching customers.", body = Page<Customer>),
        (status = 400, description = "`invalid_parameters` (a missing `q`, an unknown parameter or a malformed value), `query_too_long`, `invalid_query`, `empty_query`, `invalid_limit` or `invalid_cursor`."),
        (status = 403, description = "`forbidden`: the role may not read customers. `search_key_not_granted`: the text was read as (or `by` asked for) a key the role may not search by, e.g. `Your role may not search customers by account; it searches by name only.`"),
        (status = 429, description = "`too_many_reads`, or `too_many_customers`: the page would show customers not read in the last hour, beyond the budget's customers of an hour, and it blocks (see Read budgets in the introduction). Try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Whole seconds to wait."))),
    )
)]
pub(super) async fn search(
    StateOf(server): StateOf<State>,
    agent: Agent,
    ApiQuery(params): ApiQuery<SearchParams>,
) -> Result<Json<Page<Customer>>, ApiError> {
    agent
        .require_kind(
            &server,
            RecordKind::Customer,
            AuditAction::CustomerSearch,
            "customers",
        )
        .await?;
    let (by, query) = parse_query(&params.q, params.by)?;
    if !agent.policy.may_search_by(by) {
        // Refused before anything is looked up, the same whatever the data holds, and audited
        // with the kind only: the text may be the very value the role may not search by.
        let event = AuditEvent::new(
            &agent.subject,
            AuditAction::CustomerSearch,
            "customers",
            Outcome::Denied,
        )
        .with_detail(serde_json::json!({ "by": by.as_str() }));
        server.audit(event).await?;
        return Err(ApiError::SearchKeyNotGranted {
            by,
            granted: agent.policy.search_by.iter().copied().collect(),
        });
    }
    let limit = limit(params.limit, 25, 100)?;
    let after = decode_cursor(params.cursor.as_deref())?;
    let rows = server
        .store
        .search_customers(&query, after, limit + 1)
        .await?;
    let page = page_of(
        rows,
        limit,
        |r| r.id,
        |r| views::customer_summary(&agent.policy, r),
    );
    // A page of results shows its customers as much as opening them would: paging a short
    // text through the whole base is how it is walked.
    let shown: Vec<i64> = page.items.iter().map(|c| c.id).collect();
    agent
        .reveal(&server, AuditAction::CustomerSearch, "customers", &shown)
        .await?;
    // The trail keeps a keyed hash and a masked form of what was searched, never the text.
    let detail =
        crate::audit::searched::SearchDetail::new(&server.audit_key, by, &query, page.items.len());
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::CustomerSearch,
        "customers",
        Outcome::Ok,
    )
    .with_detail(detail.to_json());
    server.audit(event).await?;
    Ok(Json(page))
}

/// One customer, with accounts and cards
///
/// Needs a role that may read customers. The whole record as the role may see it; `accounts` is
/// present when the role may read accounts, and each account's `cards` when it may read cards.
/// Audited as `customer.view`.
#[utoipa::path(
    get,
    path = "/v1/customers/{id}",
    tag = "customers",
    operation_id = "getCustomer",
    params(
        ("id" = i64, Path),
    ),
    responses(
        (status = 200, description = "The customer.", body = Customer),
        (status = 400, description = "`invalid_id`."),
        (status = 403, description = "The role may not read customers."),
        (status = 404, description = "No customer has this id."),
        (status = 429, description = "`too_many_reads`, or `too_many_customers`: a customer not read in the last hour, beyond the budget's customers of an hour, and it blocks. Try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Whole seconds to wait."))),
    )
)]
pub(super) async fn customer(
    StateOf(server): StateOf<State>,
    agent: Agent,
    Id(id): Id,
) -> Result<Json<Customer>, ApiError> {
    let resource = format!("customer:{id}");
    agent
        .require_kind(
            &server,
            RecordKind::Customer,
            AuditAction::CustomerView,
            &resource,
        )
        .await?;
    let policy = &agent.policy;
    // Only what the role may read is read at all.
    let reach = match (
        policy.can_read(RecordKind::Account),
        policy.can_read(RecordKind::Card),
    ) {
        (false, _) => RecordReach::Customer,
        (true, false) => RecordReach::Accounts,
        (true, true) => RecordReach::Cards,
    };
    let Some(record) = server.store.customer_record(id, reach).await? else {
        return Err(agent
            .not_found(&server, AuditAction::CustomerView, &resource, "customer")
            .await);
    };
    agent
        .reveal(&server, AuditAction::CustomerView, &resource, &[id])
        .await?;
    let view = views::customer_record(policy, &record);
    server
        .audit(AuditEvent::new(
            &agent.subject,
            AuditAction::CustomerView,
            resource,
            Outcome::Ok,
        ))
        .await?;
    Ok(Json(view))
}

/// The statuses a transaction can have.
pub const TRANSACTION_STATUSES: [&str; 5] =
    ["pending", "settled", "declined", "refunded", "disputed"];

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(super) struct TransactionParams {
    /// Only payments at or after this time: a date (`2026-03-14`, meaning its midnight UTC) or an
    /// RFC 3339 time, at most 40 characters. Anything else is `invalid_date`.
    #[param(value_type = Option<FromTime>, inline)]
    from: Option<String>,
    /// Only payments before this time (exclusive): a date (midnight UTC) or an RFC 3339 time, at
    /// most 40 characters. Anything else is `invalid_date`.
    #[param(value_type = Option<ToTime>, inline)]
    to: Option<String>,
    /// Only payments with this status. Any other value is `invalid_status`.
    #[param(value_type = Option<TransactionStatus>, inline)]
    status: Option<String>,
    /// Page size, 1 to 200 (default 50). 0 or a number above 200 is `invalid_limit`; a value
    /// that is not an unsigned whole number is `invalid_parameters`.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<u32>,
    /// Where the page starts: the `next_cursor` of the previous page (`Cursor`).
    cursor: Option<String>,
}

desk_core::schema_type! {
    /// The start of a time filter.
    FromTime => serde_json::json!({
        "type": "string", "maxLength": 40,
        "anyOf": [{"format": "date"}, {"format": "date-time"}],
        "examples": ["2026-03-14", "2026-03-14T10:00:00+02:00"],
    })
}

desk_core::schema_type! {
    /// The end of a time filter.
    ToTime => serde_json::json!({
        "type": "string", "maxLength": 40,
        "anyOf": [{"format": "date"}, {"format": "date-time"}],
        "examples": ["2026-07-01"],
    })
}

desk_core::schema_type! {
    /// The statuses a transaction can have ([`TRANSACTION_STATUSES`]).
    TransactionStatus => serde_json::json!({"type": "string", "enum": TRANSACTION_STATUSES})
}

/// The years a time filter may name: written with a sign or a fifth digit (`+10000-01-01`, or
/// `0000-01-01T00:00:00+01:00`, which is in the year -1 in UTC), a time would not compare with
/// stored times as the time it is, so a filter "from the year 10000" matched everything. Found by
/// `fuzz::time_filters_are_stored_times_or_invalid_dates`.
pub(super) const STORED_YEARS: std::ops::RangeInclusive<i32> = 0..=9999;

/// An ISO date (`2026-03-14`, meaning its midnight UTC) or an RFC 3339 time, as stored times
/// compare: `YYYY-MM-DDTHH:MM:SSZ`, in the years 0000 to 9999.
pub(super) fn parse_time(name: &str, value: &str) -> Result<String, ApiError> {
    let bad = || {
        ApiError::bad(
            ApiCode::InvalidDate,
            format!("`{name}` must be a date (2026-03-14) or an RFC 3339 time."),
        )
    };
    if value.len() > 40 {
        return Err(bad());
    }
    if let Ok(date) = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        if !STORED_YEARS.contains(&chrono::Datelike::year(&date)) {
            return Err(bad());
        }
        return Ok(format!("{date}T00:00:00Z"));
    }
    let time = chrono::DateTime::parse_from_rfc3339(value)
        .map_err(|_| bad())?
        .with_timezone(&chrono::Utc);
    if !STORED_YEARS.contains(&chrono::Datelike::year(&time)) {
        return Err(bad());
    }
    Ok(time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// A customer's transactions
///
/// Needs a role that may read transactions. The customer's payments on all their accounts, newest
/// first, optionally filtered by time and status. Audited as `transactions.view`, with the filter
/// and the number of results.
#[utoipa::path(
    get,
    path = "/v1/customers/{id}/transactions",
    tag = "customers",
    operation_id = "listCustomerTransactions",
    params(
        ("id" = i64, Path),
        TransactionParams,
    ),
    responses(
        (status = 200, description = "A page of transactions.", body = Page<Transaction>),
        (status = 400, description = "`invalid_id`, `invalid_parameters` (an unknown parameter or a malformed value), `invalid_date`, `invalid_status`, `invalid_limit` or `invalid_cursor`."),
        (status = 403, description = "The role may not read transactions."),
        (status = 404, description = "No customer has this id."),
        (status = 429, description = "`too_many_reads`, or `too_many_customers`: a customer not read in the last hour, beyond the budget's customers of an hour, and it blocks. Try again after `Retry-After` seconds.", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Whole seconds to wait."))),
    )
)]
pub(super) async fn transactions(
    StateOf(server): StateOf<State>,
    agent: Agent,
    Id(id): Id,
    ApiQuery(params): ApiQuery<TransactionParams>,
) -> Result<Json<Page<Transaction>>, ApiError> {
    let resource = format!("customer:{id}");
    agent
        .require_kind(
            &server,
            RecordKind::Transaction,
            AuditAction::TransactionsView,
            &resource,
        )
        .await?;
    let filter = TransactionFilter {
        from: params
            .from
            .as_deref()
            .map(|v| parse_time("from", v))
            .transpose()?,
        to: params
            .to
            .as_deref()
            .map(|v| parse_time("to", v))
            .transpose()?,
        status: match params.status {
            Some(s) if TRANSACTION_STATUSES.contains(&s.as_str()) => Some(s),
            Some(_) => {
                return Err(ApiError::bad(
                    ApiCode::InvalidStatus,
                    format!("status must be one of {}.", TRANSACTION_STATUSES.join(", ")),
                ));
            }
            None => None,
        },
    };
    let limit = limit(params.limit, 50, 200)?;
    let after = decode_cursor(params.cursor.as_deref())?;
    let Some(customer) = server.store.customer(id).await? else {
        return Err(agent
            .not_found(
                &server,
                AuditAction::TransactionsView,
                &resource,
                "customer",
            )
            .await);
    };
    agent
        .reveal(&server, AuditAction::TransactionsView, &resource, &[id])
        .await?;
    let about = views::known(&customer);
    let rows = server
        .store
        .transactions(id, &filter, after, limit + 1)
        .await?;
    let page = page_of(
        rows,
        limit,
        |r| r.id,
        |r| views::transaction(&agent.policy, r, &about),
    );
    let event = AuditEvent::new(
        &agent.subject,
        AuditAction::TransactionsView,
        resource,
        Outcome::Ok,
    )
    .with_detail(serde_json::json!({
        "from": filter.from,
        "to": filter.to,
        "status": filter.status,
        "results": page.items.len(),
    }));
    server.audit(event).await?;
    Ok(Json(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: Result<(SearchBy, SearchQuery), ApiError>) -> &'static str {
        r.unwrap_err().status_and_code().1
    }

    #[test]
    fn the_kind_of_search_is_detected_from_the_text() {
        assert_eq!(
            parse_query("  Jane O'Brien ", None).unwrap().1,
            SearchQuery::Name(vec!["jane".into(), "o".into(), "brien".into()])
        );
        assert_eq!(
            parse_query("Jane.Doe@Example.com", None).unwrap().1,
            SearchQuery::Email("Jane.Doe@Example.com".into())
        );
        assert_eq!(
            parse_query("+44 7700 900123", None).unwrap().1,
            SearchQuery::PhoneTail("700900123".into())
        );
        assert_eq!(
            parse_query("gb33 bukb 2020 1555 5555 55", None).unwrap().1,
            SearchQuery::Account("GB33BUKB20201555555555".into())
        );
        assert_eq!(parse_query("Zoë", None).unwrap().0, SearchBy::Name);
    }

    #[test]
    fn hostile_text_is_refused_or_reduced_to_plain_words() {
        assert_eq!(
            parse_query("'; DROP TABLE customers; --", None).unwrap().1,
            SearchQuery::Name(vec!["drop".into(), "table".into(), "customers".into()])
        );
        assert_eq!(
            parse_query("\" OR 1=1 NEAR(a b) *", None).unwrap().1,
            SearchQuery::Name(vec![
                "or".into(),
                "1".into(),
                "1".into(),
                "near".into(),
                "a".into(),
                "b".into()
            ])
        );
        assert_eq!(code(parse_query(&"a".repeat(201), None)), "query_too_long");
        assert_eq!(code(parse_query("jane\u{0}doe", None)), "invalid_query");
        assert_eq!(code(parse_query("jane\ndoe", None)), "invalid_query");
        assert_eq!(code(parse_query("%_'\";--", None)), "empty_query");
        assert_eq!(code(parse_query("", None)), "empty_query");
        assert_eq!(
            code(parse_query("jane", Some(SearchBy::Phone))),
            "invalid_query"
        );
        assert_eq!(
            code(parse_query("12", Some(SearchBy::Account))),
            "invalid_query"
        );
    }

    #[test]
    fn dates_become_comparable_utc_times() {
        assert_eq!(
            parse_time("from", "2026-03-14").unwrap(),
            "2026-03-14T00:00:00Z"
        );
        assert_eq!(
            parse_time("from", "2026-03-14T10:00:00+02:00").unwrap(),
            "2026-03-14T08:00:00Z"
        );
        assert!(parse_time("from", "yesterday").is_err());
        assert!(parse_time("from", "2026-13-01").is_err());
    }
}
