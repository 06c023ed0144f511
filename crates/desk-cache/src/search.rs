//! Turning what an agent typed into a full-text query that cannot be anything else.
//!
//! FTS5 has a query language of its own (quotes, `*`, `NEAR(…)`, `AND`/`OR`/`NOT`, column
//! filters, `^`). None of it is offered: the text is cut into runs of letters and digits, each run
//! becomes a quoted prefix term (`"ada"*`), and the terms are joined, so every term must match. A
//! quoted term holds only letters and digits, so no input can close the quote or reach the query
//! syntax; and the query is bound as a parameter, so no input reaches the SQL either.

/// At most this many terms are looked for; the rest of a long input is ignored.
pub(crate) const MAX_TERMS: usize = 8;

/// Terms are cut to this many characters: longer ones match nothing cached anyway.
const MAX_TERM_CHARS: usize = 64;

/// The FTS5 query for `text`, or `None` when it holds no letter or digit to look for.
pub(crate) fn fts_query(text: &str) -> Option<String> {
    let terms: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .take(MAX_TERMS)
        .map(|t| {
            format!(
                "\"{}\"*",
                t.chars().take(MAX_TERM_CHARS).collect::<String>()
            )
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_prefix_terms() {
        assert_eq!(fts_query("Ada").as_deref(), Some("\"Ada\"*"));
        assert_eq!(
            fts_query("  ada  LOVE ").as_deref(),
            Some("\"ada\"* \"LOVE\"*")
        );
        assert_eq!(
            fts_query("j•••@example.com").as_deref(),
            Some("\"j\"* \"example\"* \"com\"*")
        );
        assert_eq!(fts_query("José").as_deref(), Some("\"José\"*"));
    }

    #[test]
    fn query_syntax_is_taken_as_text_or_dropped() {
        for hostile in [
            "\"",
            "*",
            "NEAR(",
            "a OR b",
            "name:ada",
            "^ada",
            "'; DROP TABLE x; --",
        ] {
            if let Some(q) = fts_query(hostile) {
                for term in q.split(' ') {
                    let inner = term
                        .strip_prefix('"')
                        .and_then(|t| t.strip_suffix("\"*"))
                        .unwrap_or_else(|| panic!("{hostile}: {q}"));
                    assert!(inner.chars().all(char::is_alphanumeric), "{hostile}: {q}");
                }
            }
        }
        assert_eq!(fts_query("\"*()-:^"), None);
        assert_eq!(fts_query(""), None);
    }

    #[test]
    fn long_input_gives_a_bounded_query() {
        let long = "word ".repeat(10_000) + &"x".repeat(10_000);
        let q = fts_query(&long).unwrap();
        assert_eq!(q.split(' ').count(), MAX_TERMS);
        let one = fts_query(&"y".repeat(10_000)).unwrap();
        assert_eq!(one.len(), MAX_TERM_CHARS + 3);
    }
}
