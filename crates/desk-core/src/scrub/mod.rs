//! Scrubbing personal data out of free text: ticket messages, subjects, transaction descriptions.
//!
//! Customers type whatever they like into a ticket, so a field whose class is harmless can still
//! carry a card number. [`scrub`] finds what it can recognise and masks it. It reads a
//! normalized view of the text (NFKC, digits of every script as ASCII digits, invisible
//! characters such as zero-width spaces, soft hyphens and bidi controls removed; see
//! [`normal`]), so a value is found however it is spelled, and masks the span of the original
//! text that spelled it. Values are recognised by their check digits, not by their spelling:
//! any run of whitespace or punctuation between digit groups is a separator.
//!
//! | found                                                      | becomes            | unless          |
//! |------------------------------------------------------------|--------------------|-----------------|
//! | IBAN (its country's length, mod 97)                        | `[iban •••• 5555]` | never kept      |
//! | card number (13–19 digits in card-like groups, Luhn)       | `[card •••• 7899]` | never kept      |
//! | national id (US SSN, UK NINO, FR NIR, NL BSN, ES DNI/NIE, SE personnummer, DE Steuer-ID) | `[national id]` | never kept |
//! | the customer's own values the reader may not see ([`Own`]) | their masked form  | —               |
//! | e-mail address                                             | `j•••@example.com` | [`Keep::emails`] |
//! | phone number (9–15 digits, 8–15 after `+`)                 | `•••23`            | [`Keep::phones`] |
//!
//! IBANs, cards and national ids are restricted data: they are looked for first, in the whole
//! text, whatever [`Keep`] says. Each later kind is looked for only in the parts of the text that
//! no earlier kind claimed, so a card number is never half-masked as a phone number. Some values
//! are claimed as they are, so that no later kind reads them: tracking numbers with a valid GS1
//! check digit (before cards), and dates, times, IPv4 addresses and numbers named as order,
//! tracking, invoice or ticket references (before phone numbers).
//!
//! What must survive does: order and tracking numbers, amounts, dates, times and ticket
//! references are not masked unless they pass a check they were not made for (a 16-digit order
//! number that happens to pass Luhn is masked as a card: recognition errs on the side of
//! masking). The tests keep two corpora, one that must be masked and one that must survive.
//!
//! Every search uses the `regex` crate, whose matching time is linear in the input, and the code
//! around it does a bounded amount of work per character, so scrubbing stays linear on hostile
//! input (the `scrub` benchmark reports nanoseconds per byte).

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

mod cards;
mod contact;
mod dates;
mod digits;
mod iban;
mod national;
pub(crate) mod normal;
mod own;

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;

pub use cards::luhn_valid;
pub use iban::iban_valid;
pub use own::{Own, OwnKind};

/// Which kinds of personal data a role may see in free text. Everything else is always masked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Keep {
    /// Leave e-mail addresses as they are written.
    pub emails: bool,
    /// Leave phone numbers as they are written.
    pub phones: bool,
}

impl Keep {
    /// Keep nothing: every e-mail address and phone number is masked.
    pub const NOTHING: Keep = Keep {
        emails: false,
        phones: false,
    };
}

/// What a national id is replaced with.
const NATIONAL_ID: &str = "[national id]";

/// Masks the personal data in `text` (see the [module documentation](self) for what and how).
///
/// Returns the text itself, borrowed, when nothing in it needed masking.
pub fn scrub(text: &str, keep: Keep) -> Cow<'_, str> {
    scrub_about(text, keep, &[])
}

/// [`scrub`], and also every occurrence of the given values of the customer the text is about,
/// in any common notation, replaced by what [`Own::with`] says (a date of birth written
/// `14 March 1985` as `1985`, an address as `[address]`).
pub fn scrub_about<'t>(text: &'t str, keep: Keep, own: &[Own<'_>]) -> Cow<'t, str> {
    let view = normal::View::of(text);
    let hits = find(view.text(), keep, own);
    let mut changed = false;
    let mut pieces = Vec::with_capacity(hits.len());
    for hit in hits {
        let (start, end) = view.original_span(hit.start, hit.end);
        if let Some(mask) = hit.with {
            changed |= mask != text[start..end];
            pieces.push((start, end, mask));
        }
    }
    if !changed {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for (start, end, mask) in pieces {
        out.push_str(&text[from..start]);
        out.push_str(&mask);
        from = end;
    }
    out.push_str(&text[from..]);
    Cow::Owned(out)
}

/// Whether `text` holds anything [`scrub`] would mask when keeping nothing; the cache refuses to
/// store such text.
pub fn contains_sensitive(text: &str) -> bool {
    matches!(scrub(text, Keep::NOTHING), Cow::Owned(_))
}

/// A piece of the (normalized) text that a detector claimed, in byte offsets. `with` is what
/// replaces it; `None` claims it as it is (a date, or an e-mail address the role may see), so
/// that no later detector looks inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) with: Option<String>,
}

impl Hit {
    pub(crate) fn masked(start: usize, end: usize, with: String) -> Self {
        Self {
            start,
            end,
            with: Some(with),
        }
    }

    pub(crate) fn kept(start: usize, end: usize) -> Self {
        Self {
            start,
            end,
            with: None,
        }
    }
}

/// A part of the normalized text that no detector has claimed yet. Detectors search
/// `text[start..end]` and report hits in offsets of the whole `text`, which they may also read
/// around the part (for a keyword before a number, or what a number is glued to).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Part<'t> {
    pub(crate) text: &'t str,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

impl<'t> Part<'t> {
    pub(crate) fn as_str(&self) -> &'t str {
        &self.text[self.start..self.end]
    }

    /// Runs `re` over the part, each match in offsets of the whole text.
    pub(crate) fn matches<'r>(
        &self,
        re: &'r Regex,
    ) -> impl Iterator<Item = (usize, usize)> + use<'r, 't> {
        let offset = self.start;
        re.find_iter(self.as_str())
            .map(move |m| (m.start() + offset, m.end() + offset))
    }

    /// Captures of `re` over the part (offsets relative to the part).
    pub(crate) fn captures<'r>(
        &self,
        re: &'r Regex,
    ) -> impl Iterator<Item = regex::Captures<'t>> + use<'r, 't> {
        re.captures_iter(self.as_str())
    }
}

/// A detector: looks at a part of the text that nothing has claimed yet and reports what it
/// claims there.
type Detector<'a> = &'a dyn Fn(Part<'_>, &mut Vec<Hit>);

/// Runs the detectors in order of precedence over the normalized `text` and returns the claimed
/// pieces, sorted and disjoint.
fn find(text: &str, keep: Keep, own: &[Own<'_>]) -> Vec<Hit> {
    // Everything below needs a digit or an `@`, except a customer's address without a number.
    let own_needs_letters = own
        .iter()
        .any(|o| o.kind == OwnKind::Address && !o.value.bytes().any(|b| b.is_ascii_digit()));
    if !own_needs_letters && !text.bytes().any(|b| b.is_ascii_digit() || b == b'@') {
        return Vec::new();
    }
    let emails = |part: Part<'_>, out: &mut Vec<Hit>| {
        if part.as_str().contains('@') {
            contact::find_emails(part, keep, out)
        }
    };
    let own = own::Prepared::new(own);
    let own_values = |part: Part<'_>, out: &mut Vec<Hit>| own.find(part, out);
    let mut detectors: Vec<Detector<'_>> = vec![
        &iban::find,
        &digits::find_numbers,
        &national::find_lettered,
        &own_values,
        &emails,
    ];
    if !keep.phones {
        detectors.push(&contact::find_phones);
    }
    let mut hits: Vec<Hit> = Vec::new();
    for detect in detectors {
        let mut found = Vec::new();
        let mut from = 0;
        let claimed = hits.iter().map(|h| (h.start, h.end));
        for (start, end) in claimed.chain([(text.len(), text.len())]) {
            if start > from {
                detect(
                    Part {
                        text,
                        start: from,
                        end: start,
                    },
                    &mut found,
                );
            }
            from = end;
        }
        hits.extend(disjoint(found));
        hits.sort_unstable_by_key(|h| h.start);
    }
    hits
}

/// `found` sorted, with every hit that overlaps an earlier (or, at the same start, a longer) one
/// left out.
fn disjoint(mut found: Vec<Hit>) -> Vec<Hit> {
    found.sort_unstable_by_key(|h| (h.start, std::cmp::Reverse(h.end)));
    let mut out: Vec<Hit> = Vec::with_capacity(found.len());
    for hit in found {
        if hit.start < hit.end && out.last().is_none_or(|last| hit.start >= last.end) {
            out.push(hit);
        }
    }
    out
}

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the scrubber's patterns are valid")
}

/// What may stand between the groups of a number: whitespace, punctuation and the ASCII
/// symbols people put between digits, as a regex character class.
pub(crate) const SEPARATOR_CLASS: &str = r"[\s\p{P}+=|~^`<>]";

/// Whether `c` may stand between the groups of a number (see [`SEPARATOR_CLASS`]).
pub(crate) fn is_separator(c: char) -> bool {
    static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| compile(&format!("^{SEPARATOR_CLASS}$")));
    if c.is_ascii() {
        return c.is_ascii_whitespace() || (c.is_ascii_punctuation() && c != '$');
    }
    let mut buf = [0u8; 4];
    SEPARATOR.is_match(c.encode_utf8(&mut buf))
}

/// How many ASCII digits `s` holds: detectors skip a part with too few for what they find.
pub(crate) fn digit_count(s: &str) -> usize {
    s.bytes().filter(u8::is_ascii_digit).count()
}

/// The last four ASCII letters or digits of `s`.
pub(crate) fn last_four(s: &str) -> String {
    let tail: Vec<char> = s
        .chars()
        .rev()
        .filter(char::is_ascii_alphanumeric)
        .take(4)
        .collect();
    tail.into_iter().rev().collect()
}

/// Whether a keyword of `keywords` (lower-case ASCII) ends within 48 bytes before `at` in
/// `text`: `SSN 219099999`, `BSN: 123456782`.
pub(crate) fn keyword_before(text: &str, at: usize, keywords: &[&str]) -> bool {
    let mut from = at.saturating_sub(48);
    while !text.is_char_boundary(from) {
        from += 1;
    }
    let before = text[from..at].to_ascii_lowercase();
    keywords.iter().any(|k| {
        before.match_indices(k).any(|(i, _)| {
            // A whole word: `bsn`, not the end of `absn`.
            !before[..i]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric)
                && !before[i + k.len()..]
                    .chars()
                    .next()
                    .is_some_and(char::is_alphanumeric)
        })
    })
}
