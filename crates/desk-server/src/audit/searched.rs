//! What a `customer.search` entry keeps of the search: its kind, a keyed hash of what was looked
//! for, a masked form, and how many customers it found. Never the text itself.
//!
//! The hash is HMAC-SHA256 under the [audit key](super::key) of `"<kind>\0<normalized query>"`,
//! where the normalized query is the one the search itself runs ([`SearchQuery`], as
//! [`parse_query`](crate::api::parse_query) makes it): every spelling that finds the same
//! customers gives the same hash, so `desk-server audit find` can name the searches for a value
//! however it was typed, while a reader of the trail without the key cannot test guesses
//! against it. The masked form is what a person reading the trail sees: as much as the masks of
//! `desk_core::redact` show of a record's value, whatever that reader's role.

use desk_core::redact;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::key::AuditKey;
use crate::api::SearchBy;
use crate::store::{SearchQuery, Store, StoreError};

/// The action of the entries this module describes.
pub const ACTION: desk_core::AuditAction = desk_core::AuditAction::CustomerSearch;

/// The detail of a `customer.search` entry, exactly as stored (as JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchDetail {
    /// What the text was read as: `name`, `email`, `phone` or `account`.
    pub by: String,
    /// [`q_hmac`]: HMAC-SHA256 of the kind and the normalized query, in lower-case hex.
    pub q_hmac: String,
    /// [`q_masked`]: the query as masks show it.
    pub q_masked: String,
    /// How many customers the page answered had.
    pub results: usize,
}

impl SearchDetail {
    /// The detail of a search by `by` for `query` that found `results` customers.
    pub fn new(key: &AuditKey, by: SearchBy, query: &SearchQuery, results: usize) -> Self {
        Self {
            by: by.as_str().to_owned(),
            q_hmac: q_hmac(key, by, query),
            q_masked: q_masked(query),
            results,
        }
    }

    /// The detail as it goes into the entry.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "by": self.by,
            "q_hmac": self.q_hmac,
            "q_masked": self.q_masked,
            "results": self.results,
        })
    }

    /// The detail of a stored entry, when it is one of these (entries written before searches
    /// were hashed, or denied searches, are not).
    pub fn parse(detail: &str) -> Option<Self> {
        serde_json::from_str(detail).ok()
    }
}

/// The query as the search runs it, as text: the e-mail address in ASCII lower case (the store
/// compares with SQLite's `NOCASE`, which folds ASCII only), the phone number's last nine digits,
/// the IBAN in upper case without spaces, the name's lower-cased words joined by one space.
fn normalized(query: &SearchQuery) -> Zeroizing<String> {
    Zeroizing::new(match query {
        SearchQuery::Email(email) => email.trim().to_ascii_lowercase(),
        SearchQuery::PhoneTail(tail) => tail.clone(),
        SearchQuery::Account(number) => number.clone(),
        SearchQuery::Name(words) => words.join(" "),
    })
}

/// HMAC-SHA256 under `key` of `"<kind>\0<normalized query>"`, in lower-case hex. The kind is in
/// it so that the same text searched as a name and as something else hashes apart.
pub fn q_hmac(key: &AuditKey, by: SearchBy, query: &SearchQuery) -> String {
    let normalized = normalized(query);
    let mut message = Zeroizing::new(Vec::with_capacity(16 + normalized.len()));
    message.extend_from_slice(by.as_str().as_bytes());
    message.push(0);
    message.extend_from_slice(normalized.as_bytes());
    key.hmac_hex(&message)
}

/// The query masked by its kind: an e-mail address as `j•••@example.com`, a phone number as
/// `•••23`, an IBAN as `•••• 5555`, a name as each word's first letter and `•••` (`j••• d•••`).
pub fn q_masked(query: &SearchQuery) -> String {
    let normalized = normalized(query);
    match query {
        SearchQuery::Email(_) => redact::mask_email(&normalized),
        SearchQuery::PhoneTail(_) => redact::mask_phone(&normalized),
        SearchQuery::Account(_) => redact::last4(&normalized),
        SearchQuery::Name(words) => words
            .iter()
            .filter_map(|w| w.chars().next())
            .map(|first| format!("{first}{}", redact::MASK))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// A search found in the trail by [`find`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Found {
    /// The entry's position in the chain.
    pub seq: i64,
    /// When the search was made.
    pub time: String,
    /// Who made it (the agent's subject).
    pub actor: String,
    /// What the text was read as.
    pub by: String,
    /// The text as masks show it.
    pub q_masked: String,
    /// How many customers it found.
    pub results: usize,
}

/// Every search entry whose [`q_hmac`] is `hash`, in chain order. The trail is read a page at a
/// time; only the matches are kept.
pub async fn find(store: &dyn Store, hash: &str) -> Result<Vec<Found>, StoreError> {
    const PAGE: u32 = 1_000;
    let mut found = Vec::new();
    let mut after = 0;
    loop {
        let entries = store.audit_of_action(ACTION.as_str(), after, PAGE).await?;
        let Some(last) = entries.last() else { break };
        after = last.seq;
        for entry in &entries {
            let Some(detail) = SearchDetail::parse(&entry.detail) else {
                continue;
            };
            if detail.q_hmac == hash {
                found.push(Found {
                    seq: entry.seq,
                    time: entry.time.clone(),
                    actor: entry.actor.clone(),
                    by: detail.by,
                    q_masked: detail.q_masked,
                    results: detail.results,
                });
            }
        }
        if entries.len() < PAGE as usize {
            break;
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::parse_query;

    fn key() -> AuditKey {
        AuditKey::from_bytes(std::array::from_fn(|i| i as u8))
    }

    fn detail(text: &str, by: Option<SearchBy>) -> SearchDetail {
        let (by, query) = parse_query(text, by).unwrap();
        SearchDetail::new(&key(), by, &query, 1)
    }

    #[test]
    fn every_spelling_of_a_value_gives_the_same_hash() {
        let spellings: [&[&str]; 4] = [
            &[
                "GB33BUKB20201555555555",
                "GB33 BUKB 2020 1555 5555 55",
                "gb33 bukb 2020 1555 5555 55",
                "  gb33bukb20201555555555 ",
                "Gb33 Bukb 20201555 5555 55",
            ],
            &[
                "jane.doe@example.com",
                "Jane.Doe@Example.COM",
                " JANE.DOE@EXAMPLE.COM  ",
            ],
            &[
                "+44 7700 900123",
                "07700 900123",
                "0044-7700-900-123",
                "(0044) 7700.900123",
                "447700900123",
            ],
            &["Jane Doe", "  jane   DOE ", "JANE-DOE", "jane, doe."],
        ];
        for group in spellings {
            let first = detail(group[0], None);
            for spelling in group {
                let other = detail(spelling, None);
                assert_eq!(other, first, "{spelling:?} and {:?}", group[0]);
            }
        }
        assert_eq!(
            detail("GB33BUKB20201555555555", None).q_hmac,
            // HMAC-SHA256(00 01 … 1f, "account\0GB33BUKB20201555555555"), computed with Python.
            "d5d92c20416a325163877792ccc46e7638441ddbd5691d6aab9b1b806f380351"
        );
        assert_eq!(
            detail("Jane.Doe@Example.com", None).q_hmac,
            key().hmac_hex(b"email\0jane.doe@example.com")
        );
        assert_eq!(
            detail("+44 7700 900123", None).q_hmac,
            key().hmac_hex(b"phone\x00700900123")
        );
        assert_eq!(
            detail(" Jane  O'Brien ", None).q_hmac,
            key().hmac_hex(b"name\0jane o brien")
        );
    }

    #[test]
    fn different_values_kinds_and_keys_hash_apart() {
        let a = detail("GB33BUKB20201555555555", None);
        let b = detail("GB33BUKB20201555555556", None);
        assert_ne!(a.q_hmac, b.q_hmac);
        assert_ne!(
            detail("jane@example.com", None).q_hmac,
            detail("jane@example.org", None).q_hmac
        );
        // The same text read as a name and as a phone number.
        assert_ne!(
            detail("123456", Some(SearchBy::Name)).q_hmac,
            detail("123456", Some(SearchBy::Phone)).q_hmac
        );
        let (by, query) = parse_query("GB33BUKB20201555555555", None).unwrap();
        let other_key = AuditKey::from_bytes([7; 32]);
        assert_ne!(q_hmac(&other_key, by, &query), a.q_hmac);
        assert_eq!(a.q_hmac.len(), 64);
        assert!(a.q_hmac.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn the_masked_form_shows_what_the_masks_show() {
        for (text, by, masked) in [
            ("Jane.Doe@Example.com", "email", "j•••@example.com"),
            ("+44 7700 900123", "phone", "•••23"),
            ("0044-7700-900-123", "phone", "•••23"),
            ("gb33 bukb 2020 1555 5555 55", "account", "•••• 5555"),
            ("DE89370400440532013000", "account", "•••• 3000"),
            ("Jane O'Brien", "name", "j••• o••• b•••"),
            ("zoë", "name", "z•••"),
            ("Élodie 2nd", "name", "é••• 2•••"),
        ] {
            let d = detail(text, None);
            assert_eq!((d.by.as_str(), d.q_masked.as_str()), (by, masked), "{text}");
        }
        // An address the mask cannot show in part shows as nothing at all.
        assert_eq!(detail("@@example.com", None).q_masked, redact::MASK);
    }

    #[test]
    fn the_detail_holds_exactly_four_fields_and_no_text() {
        let d = detail("Jane.Doe@Example.com", None);
        let json = d.to_json();
        let fields: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(fields, ["by", "q_hmac", "q_masked", "results"]);
        let text = json.to_string();
        assert!(!text.to_lowercase().contains("jane.doe"), "{text}");
        assert_eq!(SearchDetail::parse(&text), Some(d));
        assert_eq!(
            SearchDetail::parse(r#"{"by":"name","q":"a","results":1}"#),
            None
        );
        assert_eq!(SearchDetail::parse("null"), None);
    }

    #[test]
    fn kinds_are_named_as_the_api_names_them() {
        for by in [
            SearchBy::Name,
            SearchBy::Email,
            SearchBy::Phone,
            SearchBy::Account,
        ] {
            let parsed: SearchBy = serde_json::from_value(serde_json::json!(by.as_str())).unwrap();
            assert_eq!(parsed, by);
        }
    }
}
