//! International bank account numbers.
//!
//! An IBAN is found as two letters, two check digits and the rest, compact or in groups joined
//! by any separators (`GB33 BUKB 2020 1555 5555 55`, `GB33-BUKB-…`, `GB33  BUKB…`, `GB 33 …`,
//! in either case), and is one when it has exactly its country's length, its account part is at
//! least half digits (as every country's is, and words are not) and its ISO 7064 mod-97
//! remainder is 1. For a country code the registry does not list, any length from 15 to 34 that passes
//! the check is taken. What follows the last character must not be a letter or digit glued to
//! it (then the number is longer than an IBAN).

use std::sync::LazyLock;

use regex::Regex;

use crate::redact::MASK_LAST4;

use super::{Hit, Part, compile, last_four};

/// The length of each country's IBAN, from the IBAN registry, with the countries that use
/// IBANs outside it.
const LENGTHS: &[(&str, usize)] = &[
    ("AD", 24),
    ("AE", 23),
    ("AL", 28),
    ("AO", 25),
    ("AT", 20),
    ("AZ", 28),
    ("BA", 20),
    ("BE", 16),
    ("BF", 28),
    ("BG", 22),
    ("BH", 22),
    ("BI", 27),
    ("BJ", 28),
    ("BR", 29),
    ("BY", 28),
    ("CF", 27),
    ("CG", 27),
    ("CH", 21),
    ("CI", 28),
    ("CM", 27),
    ("CR", 22),
    ("CV", 25),
    ("CY", 28),
    ("CZ", 24),
    ("DE", 22),
    ("DJ", 27),
    ("DK", 18),
    ("DO", 28),
    ("DZ", 26),
    ("EE", 20),
    ("EG", 29),
    ("ES", 24),
    ("FI", 18),
    ("FK", 18),
    ("FO", 18),
    ("FR", 27),
    ("GA", 27),
    ("GB", 22),
    ("GE", 22),
    ("GI", 23),
    ("GL", 18),
    ("GQ", 27),
    ("GR", 27),
    ("GT", 28),
    ("GW", 25),
    ("HN", 28),
    ("HR", 21),
    ("HU", 28),
    ("IE", 22),
    ("IL", 23),
    ("IQ", 23),
    ("IR", 26),
    ("IS", 26),
    ("IT", 27),
    ("JO", 30),
    ("KM", 27),
    ("KW", 30),
    ("KZ", 20),
    ("LB", 28),
    ("LC", 32),
    ("LI", 21),
    ("LT", 20),
    ("LU", 20),
    ("LV", 21),
    ("LY", 25),
    ("MA", 28),
    ("MC", 27),
    ("MD", 24),
    ("ME", 22),
    ("MG", 27),
    ("MK", 19),
    ("ML", 28),
    ("MN", 20),
    ("MR", 27),
    ("MT", 31),
    ("MU", 30),
    ("MZ", 25),
    ("NE", 28),
    ("NI", 28),
    ("NL", 18),
    ("NO", 15),
    ("OM", 23),
    ("PK", 24),
    ("PL", 28),
    ("PS", 29),
    ("PT", 25),
    ("QA", 29),
    ("RO", 24),
    ("RS", 22),
    ("RU", 33),
    ("SA", 24),
    ("SC", 31),
    ("SD", 18),
    ("SE", 24),
    ("SI", 19),
    ("SK", 24),
    ("SM", 27),
    ("SN", 28),
    ("SO", 23),
    ("ST", 25),
    ("SV", 28),
    ("TD", 27),
    ("TG", 28),
    ("TL", 23),
    ("TN", 24),
    ("TR", 26),
    ("UA", 29),
    ("VA", 22),
    ("VG", 24),
    ("XK", 20),
    ("YE", 30),
];

fn country_length(code: &str) -> Option<usize> {
    LENGTHS
        .binary_search_by(|(c, _)| (*c).cmp(code))
        .ok()
        .map(|i| LENGTHS[i].1)
}

/// Whether `s` is an IBAN with a valid check, written compact or in groups joined by spaces,
/// dashes, dots or slashes, in either case, with nothing else around it but whitespace.
pub fn iban_valid(s: &str) -> bool {
    let view = super::normal::View::of(s);
    let text = view.text().trim();
    iban_at(text, 0) == Some(text.len())
}

/// Where an IBAN may start: a country code and check digits, together in either case or, in
/// capitals, apart (`GB 33 BUKB …`).
static START: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?-u:\b)(?:(?i:[a-z]{2})[0-9]{2}|[A-Z]{2}[\s\p{P}]{1,3}[0-9]{2})"));

/// Most separator characters between two characters of an IBAN (`GB33 - BUKB`).
const MAX_SEPARATOR: usize = 3;

/// IBANs in `part`.
pub(crate) fn find(part: Part<'_>, out: &mut Vec<Hit>) {
    // At least half of an account part of eleven or more, and the check digits.
    if super::digit_count(part.as_str()) < 8 {
        return;
    }
    let text = &part.text[..part.end];
    let mut at = part.start;
    while let Some(m) = START.find_at(text, at) {
        match iban_at(text, m.start()) {
            Some(end) => {
                let last = last_four(&text[m.start()..end]);
                out.push(Hit::masked(
                    m.start(),
                    end,
                    format!("[iban {MASK_LAST4} {last}]"),
                ));
                at = end;
            }
            None => at = m.start() + 1,
        }
    }
}

/// The end of the IBAN that starts at `start` in `text`, if one does.
fn iban_at(text: &str, start: usize) -> Option<usize> {
    let code = text.get(start..start + 2)?.to_ascii_uppercase();
    let want = country_length(&code);
    // The check moves the country code and check digits behind the rest. Those four characters
    // always read as six digits (two letters of two digits each, two digits), so a prefix whose
    // rest has remainder `rest` is valid when `(rest * 10^6 + head) % 97 == 1`.
    const SHIFT: u32 = 1_000_000 % 97;
    let (mut head, mut rest, mut len, mut digits) = (0u32, 0u32, 0usize, 0usize);
    let mut best = None;
    let mut separator = 0;
    let bytes = text.as_bytes();
    let mut i = start;
    for (offset, c) in text[start..].char_indices() {
        let at = start + offset;
        if at < i {
            continue;
        }
        i = at + c.len_utf8();
        if c.is_ascii_alphanumeric() {
            let fits = match len {
                0 | 1 => c.is_ascii_alphabetic(),
                2 | 3 => c.is_ascii_digit(),
                _ => len < 34,
            };
            if !fits {
                break;
            }
            if len < 4 {
                head = mod97_push(head, c);
            } else {
                rest = mod97_push(rest, c);
                digits += usize::from(c.is_ascii_digit());
            }
            len += 1;
            separator = 0;
            let glued = bytes.get(i).is_some_and(u8::is_ascii_alphanumeric);
            let length_fits = match want {
                Some(want) => len == want,
                None => (15..=34).contains(&len),
            };
            // Every country's account part is at least half digits; words are not.
            let mostly_digits = digits * 2 >= len.saturating_sub(4);
            if length_fits && !glued && mostly_digits && (rest * SHIFT + head) % 97 == 1 {
                best = Some(i);
            }
            if want.is_some_and(|want| len >= want) {
                break;
            }
        } else if (len >= 4 || len == 2) && separator < MAX_SEPARATOR && super::is_separator(c) {
            separator += 1;
        } else {
            break;
        }
    }
    best
}

/// Appends the ASCII letter or digit `c` to a number kept modulo 97, letters counting as 10 to 35.
fn mod97_push(acc: u32, c: char) -> u32 {
    let value = c.to_digit(36).unwrap_or(0);
    let shifted = if value >= 10 { acc * 100 } else { acc * 10 };
    (shifted + value) % 97
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_table_is_sorted_and_plausible() {
        assert!(LENGTHS.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(LENGTHS.iter().all(|(_, n)| (15..=34).contains(n)));
        assert_eq!(country_length("GB"), Some(22));
        assert_eq!(country_length("XX"), None);
    }
}
