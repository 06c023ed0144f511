//! Scrubbing personal data out of free text: ticket messages, subjects, transaction descriptions.
//!
//! Customers type whatever they like into a ticket, so a field whose class is harmless can still
//! carry a card number. [`scrub`] finds what we know how to recognise and masks it, looking for
//! each kind in this order:
//!
//! | found                                      | becomes              | unless             |
//! |--------------------------------------------|----------------------|--------------------|
//! | IBAN (mod-97 valid)                        | `[iban •••• 5555]`   | never kept         |
//! | card number (13–19 digits, Luhn-valid)     | `[card •••• 7899]`   | never kept         |
//! | US SSN, UK National Insurance number       | `[national id]`      | never kept         |
//! | e-mail address                             | `j•••@example.com`   | [`Keep::emails`]   |
//! | phone number (9–15 digits, 8–15 after `+`) | `•••23`              | [`Keep::phones`]   |
//!
//! IBANs, cards and national ids are restricted data and are masked whatever the role. Each kind
//! is looked for only in the parts of the text that no earlier kind claimed, so a card number is
//! never half-masked as a phone number, and the digits of an address the role may see are not
//! masked as a phone number. Before phone numbers, dates (with a time that follows) and IPv4
//! addresses are claimed as they are, so `2025-03-14 10:30` stays as written; amounts with
//! thousands separators (`1,234.56`), times (`10:30`) and numbers of fewer than nine digits never
//! have the shape of a phone number.
//!
//! Recognition is deliberately a little generous with digits (a Luhn-valid run inside a longer
//! number is masked) and strict with letters (digits glued to letters, as in a hexadecimal hash or
//! `INV2025000123456`, are not taken for a phone number). Only ASCII digits are recognised.
//!
//! Every search uses the `regex` crate, whose matching time is linear in the input, and the code
//! around it does a bounded amount of work per character, so scrubbing stays linear on hostile
//! input.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

use crate::redact::{MASK_LAST4, mask_email, mask_phone};

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
    let hits = find(text, keep);
    if !hits.iter().any(|h| h.changes(text)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for hit in &hits {
        out.push_str(&text[from..hit.start]);
        match &hit.with {
            Some(mask) => out.push_str(mask),
            None => out.push_str(&text[hit.start..hit.end]),
        }
        from = hit.end;
    }
    out.push_str(&text[from..]);
    Cow::Owned(out)
}

/// Whether `text` holds anything [`scrub`] would mask when keeping nothing; the cache refuses to
/// store such text.
pub fn contains_sensitive(text: &str) -> bool {
    find(text, Keep::NOTHING).iter().any(|h| h.changes(text))
}

/// Whether `digits` is a number of at least 12 digits that passes the Luhn check. Spaces and
/// dashes are ignored; any other character makes the answer `false`.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    let mut count = 0usize;
    for c in digits.chars().rev() {
        let d = match c {
            '0'..='9' => u32::from(c) - u32::from('0'),
            ' ' | '-' => continue,
            _ => return false,
        };
        let d = if count % 2 == 1 {
            let doubled = d * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            d
        };
        // Kept reduced so that no input is long enough to overflow it.
        sum = (sum + d) % 10;
        count += 1;
    }
    count >= 12 && sum == 0
}

/// Whether `s` is an IBAN with a valid check: two letters, two check digits and 11 to 30 letters
/// or digits, whose ISO 7064 mod-97 remainder is 1. Spaces (including no-break spaces) are
/// ignored and letters may be in either case.
pub fn iban_valid(s: &str) -> bool {
    longest_valid_iban(s) == Some(s.len())
}

/// Reads `s` as an IBAN written with or without spaces and returns the length in bytes of its
/// longest prefix that is a valid IBAN and ends at a space or at the end of `s`. Reading stops at
/// the first character that does not fit the shape; every prefix is checked in the same pass.
fn longest_valid_iban(s: &str) -> Option<usize> {
    // The check moves the country code and check digits behind the rest. Those four characters
    // always read as six digits (two letters of two digits each, two digits), so a prefix whose
    // rest has remainder `rest` is valid when `(rest * 10^6 + head) % 97 == 1`.
    const SHIFT: u32 = 1_000_000 % 97;
    let valid = |len: usize, rest: u32, head: u32| {
        (15..=34).contains(&len) && (rest * SHIFT + head) % 97 == 1
    };
    let (mut head, mut rest, mut len) = (0, 0, 0);
    let mut best = None;
    for (i, c) in s.char_indices() {
        if is_space(c) {
            if valid(len, rest, head) {
                best = Some(i);
            }
            continue;
        }
        let fits = match len {
            0 | 1 => c.is_ascii_alphabetic(),
            2 | 3 => c.is_ascii_digit(),
            _ => c.is_ascii_alphanumeric() && len < 34,
        };
        if !fits {
            return best;
        }
        if len < 4 {
            head = mod97_push(head, c);
        } else {
            rest = mod97_push(rest, c);
        }
        len += 1;
    }
    if valid(len, rest, head) {
        best = Some(s.len());
    }
    best
}

/// Appends the ASCII letter or digit `c` to a number kept modulo 97, letters counting as 10 to 35.
fn mod97_push(acc: u32, c: char) -> u32 {
    let value = c.to_digit(36).unwrap_or(0);
    let shifted = if value >= 10 { acc * 100 } else { acc * 10 };
    (shifted + value) % 97
}

/// A piece of the text that a detector claimed, in byte offsets. `with` is what replaces it;
/// `None` claims it as it is (a date, or an e-mail address the role may see), so that no later
/// detector looks inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Hit {
    start: usize,
    end: usize,
    with: Option<String>,
}

impl Hit {
    fn masked(start: usize, end: usize, with: String) -> Self {
        Self {
            start,
            end,
            with: Some(with),
        }
    }

    fn kept(start: usize, end: usize) -> Self {
        Self {
            start,
            end,
            with: None,
        }
    }

    fn changes(&self, text: &str) -> bool {
        self.with
            .as_deref()
            .is_some_and(|w| w != &text[self.start..self.end])
    }
}

/// A detector looks at a part of the text that nothing has claimed yet and reports what it claims
/// there, in offsets relative to that part.
type Detector<'a> = &'a dyn Fn(&str, &mut Vec<Hit>);

/// Runs the detectors in order of precedence and returns the claimed pieces, sorted and disjoint.
fn find(text: &str, keep: Keep) -> Vec<Hit> {
    let emails = |part: &str, out: &mut Vec<Hit>| find_emails(part, keep, out);
    let mut detectors: Vec<Detector<'_>> =
        vec![&find_ibans, &find_cards, &find_ssns, &find_ninos, &emails];
    if !keep.phones {
        // Dates and addresses first, so that their digits are not read as phone numbers.
        detectors.extend::<[Detector<'_>; 4]>([
            &find_iso_dates,
            &find_ipv4,
            &find_day_month_year,
            &find_phones,
        ]);
    }
    let mut hits: Vec<Hit> = Vec::new();
    for detect in detectors {
        let mut found = Vec::new();
        let mut from = 0;
        let claimed = hits.iter().map(|h| (h.start, h.end));
        for (start, end) in claimed.chain([(text.len(), text.len())]) {
            if start > from {
                let before = found.len();
                detect(&text[from..start], &mut found);
                for hit in &mut found[before..] {
                    hit.start += from;
                    hit.end += from;
                }
            }
            from = end;
        }
        hits.extend(found);
        hits.sort_unstable_by_key(|h| h.start);
    }
    hits
}

/// Spaces that may separate the groups of a card number, an IBAN or a phone number. Text pasted
/// from web pages often carries no-break spaces there.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\u{A0}' | '\u{202F}')
}

fn compile(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the scrubber's patterns are valid")
}

/// Finds every match of a pattern whose matches have a bounded length, passing each to `accept`.
/// When `accept` refuses a match, the search resumes one character after its start, so a refused
/// candidate cannot hide a real one that starts inside it (`XX12 GB33 BUKB…`). Since matches are
/// short, the rescanning costs a constant factor, not a square.
fn scan_bounded(
    re: &Regex,
    part: &str,
    out: &mut Vec<Hit>,
    mut accept: impl FnMut(&str, usize, usize) -> Option<Hit>,
) {
    let mut at = 0;
    while at <= part.len() {
        let Some(m) = re.find_at(part, at) else {
            return;
        };
        match accept(part, m.start(), m.end()) {
            Some(hit) => {
                at = hit.end.max(m.start() + 1);
                out.push(hit);
            }
            None => at = m.start() + part[m.start()..].chars().next().map_or(1, char::len_utf8),
        }
    }
}

/// Whether the ASCII number in `part[start..end]` stands alone: not preceded or followed by a digit,
/// nor by one of `seps` that joins it to another digit (so `06.12.34` in `06.12.34.56.78` is not a
/// date).
fn standalone(part: &str, start: usize, end: usize, seps: &[u8]) -> bool {
    let b = part.as_bytes();
    let digit_at = |i: Option<usize>| i.and_then(|i| b.get(i)).is_some_and(u8::is_ascii_digit);
    let joined_before = start > 0
        && (digit_at(Some(start - 1))
            || (seps.contains(&b[start - 1]) && digit_at(start.checked_sub(2))));
    let joined_after = end < b.len()
        && (digit_at(Some(end)) || (seps.contains(&b[end]) && digit_at(Some(end + 1))));
    !joined_before && !joined_after
}

/// The last four ASCII letters or digits of `s`.
fn last_four(s: &str) -> String {
    let tail: Vec<char> = s
        .chars()
        .rev()
        .filter(char::is_ascii_alphanumeric)
        .take(4)
        .collect();
    tail.into_iter().rev().collect()
}

// --- Restricted: cards, IBANs, national ids -------------------------------------------------

static IBAN: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?-u:\b)[A-Za-z]{2}[0-9]{2}(?:[A-Za-z0-9]{11,30}|(?:[ \x{A0}][A-Za-z0-9]{4}){2,7}(?:[ \x{A0}][A-Za-z0-9]{1,4})?)(?-u:\b)",
    )
});

/// IBANs, compact or in groups of four. A match written in groups may run on into the next words
/// (`BE68 5390 0754 7034 then`), so shorter prefixes ending at a group are tried too.
fn find_ibans(part: &str, out: &mut Vec<Hit>) {
    scan_bounded(&IBAN, part, out, |part, start, end| {
        let candidate = &part[start..end];
        longest_valid_iban(candidate).map(|len| {
            let iban = &candidate[..len];
            Hit::masked(
                start,
                start + len,
                format!("[iban {MASK_LAST4} {}]", last_four(iban)),
            )
        })
    });
}

/// Runs of digit groups joined by single separators. A card is looked for inside each run.
static DIGIT_RUN: LazyLock<Regex> =
    LazyLock::new(|| compile(r"[0-9]+(?:[ \x{A0}\x{202F}.\-][0-9]+)*"));

/// Card numbers: 13 to 19 digits that pass the Luhn check, written in one piece or in groups
/// joined by one kind of separator (space, no-break space, dash or dot). A grouped card has groups of 3 to 6 digits except the last,
/// which may be shorter, so dates (`2025-03-14`) and short codes never make up a card. Within a
/// run of groups the leftmost, longest valid card is taken.
fn find_cards(part: &str, out: &mut Vec<Hit>) {
    for run in DIGIT_RUN.find_iter(part) {
        // Groups as byte ranges in `part`, and the separator after each group but the last.
        let mut groups: Vec<(usize, usize)> = Vec::new();
        let mut seps: Vec<char> = Vec::new();
        let mut group_start = None;
        for (i, c) in run.as_str().char_indices() {
            let i = run.start() + i;
            if c.is_ascii_digit() {
                group_start.get_or_insert(i);
            } else if let Some(s) = group_start.take() {
                groups.push((s, i));
                seps.push(c);
            }
        }
        if let Some(s) = group_start {
            groups.push((s, run.end()));
        }

        let mut i = 0;
        while i < groups.len() {
            match card_at(part, &groups, &seps, i) {
                Some(j) => {
                    let (start, end) = (groups[i].0, groups[j].1);
                    let card = &part[start..end];
                    out.push(Hit::masked(
                        start,
                        end,
                        format!("[card {MASK_LAST4} {}]", last_four(card)),
                    ));
                    i = j + 1;
                }
                None => i += 1,
            }
        }
    }
}

/// The index of the last group of the longest valid card that starts at group `i`, if any. Looks
/// at no more than seven groups.
fn card_at(part: &str, groups: &[(usize, usize)], seps: &[char], i: usize) -> Option<usize> {
    let len = |k: usize| groups[k].1 - groups[k].0;
    let luhn = |from: usize, to: usize| {
        let digits: String = groups[from..=to]
            .iter()
            .map(|&(s, e)| &part[s..e])
            .collect();
        luhn_valid(&digits)
    };
    if (13..=19).contains(&len(i)) {
        return luhn(i, i).then_some(i);
    }
    if !(3..=6).contains(&len(i)) {
        return None;
    }
    let mut best = None;
    let mut digits = len(i);
    for j in i + 1..groups.len() {
        if seps[j - 1] != seps[i] || !(1..=6).contains(&len(j)) {
            break;
        }
        digits += len(j);
        if digits > 19 {
            break;
        }
        if digits >= 13 && luhn(i, j) {
            best = Some(j);
        }
        if len(j) < 3 {
            // A short group can only end a card.
            break;
        }
    }
    best
}

static SSN: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?-u:\b)[0-9]{3}-[0-9]{2}-[0-9]{4}(?-u:\b)"));

/// US Social Security numbers written `ddd-dd-dddd`, leaving out the numbers never issued (area
/// 000, 666 or 900–999, group 00, serial 0000).
fn find_ssns(part: &str, out: &mut Vec<Hit>) {
    scan_bounded(&SSN, part, out, |part, start, end| {
        let ssn = &part[start..end];
        let (area, group, serial) = (&ssn[0..3], &ssn[4..6], &ssn[7..11]);
        let issued = area != "000"
            && area != "666"
            && !area.starts_with('9')
            && group != "00"
            && serial != "0000";
        (issued && standalone(part, start, end, b"-"))
            .then(|| Hit::masked(start, end, NATIONAL_ID.into()))
    });
}

/// UK National Insurance numbers: two prefix letters (D, F, I, Q, U and V never used, O never
/// second), six digits in pairs that may be spaced, and a suffix letter A to D.
static NINO: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"(?i-u:\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z](?: ?[0-9]{2}){3} ?[A-D]\b)")
});

/// Prefixes the NINO pattern admits that were never allocated.
const NINO_UNUSED_PREFIXES: [&str; 7] = ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"];

fn find_ninos(part: &str, out: &mut Vec<Hit>) {
    scan_bounded(&NINO, part, out, |part, start, end| {
        let prefix = part[start..start + 2].to_ascii_uppercase();
        (!NINO_UNUSED_PREFIXES.contains(&prefix.as_str()))
            .then(|| Hit::masked(start, end, NATIONAL_ID.into()))
    });
}

// --- Contact details ---------------------------------------------------------------------------

/// E-mail addresses: a local part of letters, digits and `._%+-`, and a domain with at least one
/// dot. Letters include accented and non-Latin ones, so `josé.garcía@…` is found whole.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"[\p{L}\p{M}\p{N}._%+\-]+@[\p{L}\p{M}\p{N}\-]+(?:\.[\p{L}\p{M}\p{N}\-]+)+")
});

fn find_emails(part: &str, keep: Keep, out: &mut Vec<Hit>) {
    for m in EMAIL.find_iter(part) {
        out.push(if keep.emails {
            Hit::kept(m.start(), m.end())
        } else {
            Hit::masked(m.start(), m.end(), mask_email(m.as_str()))
        });
    }
}

static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?")
});

/// ISO dates, with a time if one follows: claimed as they are so that `2025-03-14 10:30` is not
/// read as a ten-digit phone number.
fn find_iso_dates(part: &str, out: &mut Vec<Hit>) {
    scan_bounded(&ISO_DATE, part, out, |part, start, end| {
        let date = &part[start..end];
        let month = &date[5..7];
        let day = &date[8..10];
        let valid = ("01"..="12").contains(&month) && ("01"..="31").contains(&day);
        (valid && standalone(part, start, end, b"-")).then(|| Hit::kept(start, end))
    });
}

static IPV4: LazyLock<Regex> = LazyLock::new(|| compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}"));

/// IPv4 addresses, claimed as they are (`192.168.100.200` has twelve digits).
fn find_ipv4(part: &str, out: &mut Vec<Hit>) {
    scan_bounded(&IPV4, part, out, |part, start, end| {
        let octets_ok = part[start..end]
            .split('.')
            .all(|o| o.parse::<u16>().is_ok_and(|o| o <= 255));
        (octets_ok && standalone(part, start, end, b".")).then(|| Hit::kept(start, end))
    });
}

static DAY_MONTH_YEAR: LazyLock<Regex> =
    LazyLock::new(|| compile(r"[0-9]{1,2}[./\-][0-9]{1,2}[./\-](?:[0-9]{4}|[0-9]{2})"));

/// Dates such as `14.03.2025`, `03/14/25` or `14-03-2025`, claimed as they are. Both separators
/// must be the same and the number must stand alone, so `06.12.34.56.78` stays a phone number.
fn find_day_month_year(part: &str, out: &mut Vec<Hit>) {
    scan_bounded(&DAY_MONTH_YEAR, part, out, |part, start, end| {
        let date = &part[start..end];
        let mut fields = date.split(['.', '/', '-']);
        let (Some(a), Some(b)) = (fields.next(), fields.next()) else {
            return None;
        };
        let seps: Vec<char> = date.chars().filter(|c| !c.is_ascii_digit()).collect();
        let (a, b) = (a.parse::<u8>().unwrap_or(0), b.parse::<u8>().unwrap_or(0));
        let valid = seps.len() == 2
            && seps[0] == seps[1]
            && (1..=31).contains(&a)
            && (1..=31).contains(&b)
            && (a <= 12 || b <= 12);
        (valid && standalone(part, start, end, b"./-")).then(|| Hit::kept(start, end))
    });
}

/// Phone numbers: an optional `+`, then digit groups, optionally in parentheses, joined by at
/// most one space, dash or dot. Whether a match is a phone number is decided by counting digits.
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"\+?(?:\([0-9]+\)|[0-9]+)(?:[ \x{A0}\x{202F}.\-]?(?:\([0-9]+\)|[0-9]+))*")
});

/// Phone numbers with 9 to 15 digits, or 8 to 15 after a `+` (E.164 allows at most 15). A run
/// glued to letters (`INV2025000123456`, a hash) is a reference, not a phone number; so is a run
/// with more digits than any phone number has.
fn find_phones(part: &str, out: &mut Vec<Hit>) {
    for m in PHONE.find_iter(part) {
        let number = m.as_str();
        let digits = number.bytes().filter(u8::is_ascii_digit).count();
        let min = if number.starts_with('+') { 8 } else { 9 };
        let glued = part[..m.start()]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
            || part[m.end()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
        if (min..=15).contains(&digits) && !glued {
            out.push(Hit::masked(m.start(), m.end(), mask_phone(number)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: Keep = Keep {
        emails: true,
        phones: true,
    };

    fn scrubbed(text: &str) -> String {
        scrub(text, Keep::NOTHING).into_owned()
    }

    /// Appends the Luhn check digit to `payload` (digits only).
    fn with_check_digit(payload: &str) -> String {
        (0..=9)
            .map(|d| format!("{payload}{d}"))
            .find(|n| luhn_valid(n))
            .expect("one check digit always fits")
    }

    /// A small deterministic generator, so the property tests need no dependency and fail the
    /// same way every time.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self, below: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % below
        }
    }

    #[test]
    fn keeping_nothing_is_the_default() {
        assert_eq!(Keep::default(), Keep::NOTHING);
        assert_eq!(
            scrub("jane@example.com, 07700 900123", Keep::default()),
            "j•••@example.com, •••23"
        );
    }

    #[test]
    fn a_realistic_ticket_message_is_scrubbed() {
        let message = "Hi, my card 4000 0012 3456 7899 was charged twice, call me on +44 7700 \
                       900123 or mail jane.doe@example.com. IBAN GB33 BUKB 2020 1555 5555 55.";
        assert_eq!(
            scrub(message, Keep::NOTHING),
            "Hi, my card [card •••• 7899] was charged twice, call me on •••23 or mail \
             j•••@example.com. IBAN [iban •••• 5555]."
        );
        assert_eq!(
            scrub(message, BOTH),
            "Hi, my card [card •••• 7899] was charged twice, call me on +44 7700 900123 or mail \
             jane.doe@example.com. IBAN [iban •••• 5555]."
        );
        assert_eq!(
            scrub(
                message,
                Keep {
                    emails: true,
                    phones: false
                }
            ),
            "Hi, my card [card •••• 7899] was charged twice, call me on •••23 or mail \
             jane.doe@example.com. IBAN [iban •••• 5555]."
        );
        assert_eq!(
            scrub(
                message,
                Keep {
                    emails: false,
                    phones: true
                }
            ),
            "Hi, my card [card •••• 7899] was charged twice, call me on +44 7700 900123 or mail \
             j•••@example.com. IBAN [iban •••• 5555]."
        );
        assert!(contains_sensitive(message));
    }

    #[test]
    fn more_ticket_messages() {
        let cases = [
            (
                "Refund to DE89 3704 0044 0532 0130 00 please, SSN 123-45-6789 if you need it.",
                "Refund to [iban •••• 3000] please, SSN [national id] if you need it.",
            ),
            (
                "Card ending 7899? No, full number is 4000-0012-3456-7899 (exp 12/27).",
                "Card ending 7899? No, full number is [card •••• 7899] (exp 12/27).",
            ),
            (
                "My NI number is AB 12 34 56 C and my phone (555) 123-4567.",
                "My NI number is [national id] and my phone •••67.",
            ),
            (
                "Amex 3782 822463 10005, Diners 3056 930902 5904, Visa 4111111111111111",
                "Amex [card •••• 0005], Diners [card •••• 5904], Visa [card •••• 1111]",
            ),
            (
                "Écrivez à élodie.dupont@exemple.fr ou appelez le 06.12.34.56.78 ou +33 6 12 34 56 78.",
                "Écrivez à é•••@exemple.fr ou appelez le •••78 ou •••78.",
            ),
            (
                "Order 12345678 on 2025-03-14 10:30 for 1,234.56 EUR, ref 14.03.2025 10.30.",
                "Order 12345678 on 2025-03-14 10:30 for 1,234.56 EUR, ref 14.03.2025 10.30.",
            ),
            (
                "שלום, המספר שלי 054-123-4567 והמייל dana@example.co.il",
                "שלום, המספר שלי •••67 והמייל d•••@example.co.il",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(scrubbed(text), expected, "{text}");
        }
    }

    #[test]
    fn cards_are_masked_whatever_is_kept() {
        let cases = [
            ("4000 0012 3456 7899", "[card •••• 7899]"),
            ("4000-0012-3456-7899", "[card •••• 7899]"),
            ("4000.0012.3456.7899", "[card •••• 7899]"),
            ("4000\u{A0}0012\u{A0}3456\u{A0}7899", "[card •••• 7899]"),
            ("4000001234567899", "[card •••• 7899]"),
            ("(4000001234567899)", "([card •••• 7899])"),
            ("card:4000001234567899.", "card:[card •••• 7899]."),
            ("ref 12 4000 0012 3456 7899", "ref 12 [card •••• 7899]"),
            ("4000 0012 3456 7899 123", "[card •••• 7899] 123"),
            (
                "5555 5555 5555 4444 and 4111 1111 1111 1111",
                "[card •••• 4444] and [card •••• 1111]",
            ),
            ("6011111111111117.", "[card •••• 1117]."),
            ("4222222222222", "[card •••• 2222]"),
            (
                "jane.4000001234567899@example.com",
                "jane.[card •••• 7899]@example.com",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(scrub(text, BOTH), expected, "{text}");
            assert!(scrubbed(text).contains("[card"), "{text}");
        }
    }

    #[test]
    fn a_digit_run_that_fails_luhn_is_not_a_card() {
        assert!(!luhn_valid("4000 0012 3456 7890"));
        // Sixteen digits: too many for a phone number, and not a card.
        for text in [
            "4000 0012 3456 7890",
            "4000001234567890",
            "4000-0012-3456-7890",
        ] {
            assert!(
                matches!(scrub(text, Keep::NOTHING), Cow::Borrowed(_)),
                "{text}"
            );
            assert!(!contains_sensitive(text));
        }
        // Fifteen digits that fail Luhn are not a card, but are a phone number's length.
        assert!(!luhn_valid("400000123456789"));
        assert_eq!(scrubbed("call 400000123456789"), "call •••89");
        assert_eq!(scrub("call 400000123456789", BOTH), "call 400000123456789");
        // With the right check digit the same payload is a card, whatever is kept.
        let card = with_check_digit("40000012345678");
        assert_eq!(scrub(&card, BOTH), format!("[card •••• {}]", &card[11..]));
    }

    #[test]
    fn card_groups_look_like_card_groups() {
        // Two-digit groups (dates, times) never make up a card, even when the digits pass Luhn.
        let digits = with_check_digit("2025031420250315");
        let spaced = format!(
            "{} {} {} {} {} {}",
            &digits[0..4],
            &digits[4..6],
            &digits[6..8],
            &digits[8..12],
            &digits[12..14],
            &digits[14..]
        );
        assert!(luhn_valid(&spaced));
        assert_eq!(scrub(&spaced, BOTH), spaced);
        // Mixed separators are not one card.
        let card = "4000 0012-3456 7899";
        assert!(luhn_valid(card));
        assert_eq!(scrub(card, BOTH), card);
        // More than 19 digits in one piece is some other number.
        let long = with_check_digit("4000001234567899123");
        assert_eq!(long.len(), 20);
        assert_eq!(scrub(&long, BOTH), long);
    }

    #[test]
    fn luhn_valid_checks_digits_only() {
        for valid in [
            "4000001234567899",
            "4000 0012 3456 7899",
            "4000-0012-3456-7899",
            "378282246310005",
            "4222222222222",
            "000000000000",
            "6011 1111 1111 1117",
        ] {
            assert!(luhn_valid(valid), "{valid}");
        }
        for invalid in [
            "",
            "0",
            "00000000000",
            "4000001234567890",
            "4000.0012.3456.7899",
            "4000_0012_3456_7899",
            "4000\u{A0}0012\u{A0}3456\u{A0}7899",
            "４０００００１２３４５６７８９９",
            "+4000001234567899",
            "4000001234567899\n",
            "79927398713x",
        ] {
            assert!(!luhn_valid(invalid), "{invalid:?}");
        }
        assert!(luhn_valid(&"0".repeat(1 << 20)));
        assert!(!luhn_valid(&("1".repeat(1 << 20) + "x")));
    }

    #[test]
    fn iban_valid_checks_shape_and_mod_97() {
        for valid in [
            "GB33BUKB20201555555555",
            "GB33 BUKB 2020 1555 5555 55",
            "gb33bukb20201555555555",
            "DE89370400440532013000",
            "BE68539007547034",
            "NO9386011117947",
            "FR1420041010050500013M02606",
            "MT84MALT011000012345MTLCAST001S",
            "GB33\u{A0}BUKB\u{A0}2020\u{A0}1555\u{A0}5555\u{A0}55",
            " GB33  BUKB 2020 1555 5555 55 ",
        ] {
            assert!(iban_valid(valid), "{valid}");
        }
        for invalid in [
            "",
            "GB34BUKB20201555555555",
            "GB33BUKB20201555555556",
            "33GBBUKB20201555555555",
            "GBX3BUKB20201555555555",
            "GB33-BUKB-2020-1555-5555-55",
            "GB33BUKB2020155555555é",
            "NO938601111794",
            "GB33BUKB20201555555555GB33BUKB20201555555555",
        ] {
            assert!(!iban_valid(invalid), "{invalid:?}");
        }
    }

    #[test]
    fn ibans_are_masked_whatever_is_kept() {
        let cases = [
            ("GB33BUKB20201555555555", "[iban •••• 5555]"),
            ("gb33bukb20201555555555", "[iban •••• 5555]"),
            (
                "IBAN: GB33 BUKB 2020 1555 5555 55.",
                "IBAN: [iban •••• 5555].",
            ),
            (
                "BE68 5390 0754 7034 then call me",
                "[iban •••• 7034] then call me",
            ),
            (
                "NL91 ABNA 0417 1643 00 and more",
                "[iban •••• 4300] and more",
            ),
            ("XX12 GB33 BUKB 2020 1555 5555 55", "XX12 [iban •••• 5555]"),
            ("(FR14 2004 1010 0505 0001 3M02 606)", "([iban •••• 2606])"),
        ];
        for (text, expected) in cases {
            assert_eq!(scrub(text, BOTH), expected, "{text}");
        }
    }

    #[test]
    fn an_iban_with_a_bad_check_is_not_an_iban() {
        for text in [
            "GB34BUKB20201555555555",
            "GB34 BUKB 2020 1555 5555 55",
            "GB33BUKB20201555555556",
        ] {
            let out = scrub(text, BOTH);
            assert!(!out.contains("[iban"), "{text} → {out}");
        }
        // Its fourteen-digit tail is still long enough to be masked as a phone number.
        assert_eq!(scrubbed("GB34 BUKB 2020 1555 5555 55"), "GB34 BUKB •••55");
        assert_eq!(
            scrub("GB34BUKB20201555555555", BOTH),
            "GB34BUKB20201555555555"
        );
    }

    #[test]
    fn national_ids_are_masked_whatever_is_kept() {
        let cases = [
            ("SSN 123-45-6789.", "SSN [national id]."),
            ("ssn:078-05-1120", "ssn:[national id]"),
            ("NI AB 12 34 56 C", "NI [national id]"),
            ("NI AB123456C", "NI [national id]"),
            ("ni ab123456c", "ni [national id]"),
            ("NI JG 10 37 26 A, thanks", "NI [national id], thanks"),
        ];
        for (text, expected) in cases {
            assert_eq!(scrub(text, BOTH), expected, "{text}");
        }
    }

    #[test]
    fn numbers_never_issued_as_national_ids_are_left() {
        for text in [
            "000-12-3456",
            "666-12-3456",
            "912-12-3456",
            "123-00-4567",
            "123-45-0000",
            "2123-45-6789",
            "123-45-6789-1",
            "DA123456C",
            "QQ123456C",
            "AO123456C",
            "GB123456A",
            "NK123456A",
            "ZZ123456A",
            "AB123456E",
            "AB1234567C",
        ] {
            assert!(!scrub(text, BOTH).contains("[national id]"), "{text}");
        }
    }

    #[test]
    fn emails_are_masked_unless_kept() {
        let cases = [
            ("Mail: jane.doe@example.com.", "Mail: j•••@example.com."),
            (
                "<JOHN_SMITH+support@mail.example.co.uk>",
                "<J•••@mail.example.co.uk>",
            ),
            ("josé.garcía@ejemplo.es", "j•••@ejemplo.es"),
            ("a@b.co, c@d.co", "a•••@b.co, c•••@d.co"),
            ("jane.07700900123@example.com", "j•••@example.com"),
        ];
        for (text, expected) in cases {
            assert_eq!(scrubbed(text), expected, "{text}");
            assert_eq!(scrub(text, BOTH), text, "{text}");
        }
        for text in [
            "@mention me",
            "me@home",
            "a @ b.com",
            "user@",
            "@example.com",
        ] {
            assert!(
                matches!(scrub(text, Keep::NOTHING), Cow::Borrowed(_)),
                "{text}"
            );
        }
    }

    #[test]
    fn phones_are_masked_unless_kept() {
        let cases = [
            ("+44 7700 900123", "•••23"),
            ("+447700900123", "•••23"),
            ("+44 (0)20 7946 0958", "•••58"),
            ("07700 900123", "•••23"),
            ("(555) 123-4567", "•••67"),
            ("555.123.4567", "•••67"),
            ("555-123-4567", "•••67"),
            ("+1-555-010-0199", "•••99"),
            ("06 12 34 56 78", "•••78"),
            ("06.12.34.56.78", "•••78"),
            ("+47 2212 3456", "•••56"),
            ("tel:+4915123456789", "tel:•••89"),
            ("call 0800\u{A0}123\u{A0}4567.", "call •••67."),
            ("01234 567890 or 01234 567891", "•••90 or •••91"),
        ];
        for (text, expected) in cases {
            assert_eq!(scrubbed(text), expected, "{text}");
            assert_eq!(scrub(text, BOTH), text, "{text}");
        }
    }

    #[test]
    fn numbers_that_are_not_phones_survive() {
        let text = "On 2025-03-14 at 10:30 you paid 1,234.56 EUR (EUR 1.234,56) for order 12345678, \
                    ticket #4821, ref 2025-03-14T10:00:00Z, 14.03.2025 10.30, 03/14/2025 2:30pm, \
                    14-03-2025 1000 units, from 192.168.100.200, \
                    invoice INV2025000123456, hash a3f91234567890bc, uuid \
                    550e8400-e29b-41d4-a716-446655440000, 0800 1234, +44 20, 1 234 567 €.";
        assert!(
            matches!(scrub(text, Keep::NOTHING), Cow::Borrowed(_)),
            "{}",
            scrubbed(text)
        );
        assert!(!contains_sensitive(text));
    }

    #[test]
    fn text_without_personal_data_is_borrowed_unchanged() {
        for text in [
            "",
            "Hello, I cannot log in since yesterday.",
            "Status changed from open to pending.",
            "Merci beaucoup ! Grüße aus Köln. 日本語のテキスト。",
            "مرحبا، لدي مشكلة في حسابي",
            "e\u{301}\u{301}\u{301} \u{202E}reversed\u{202C} \u{200B}zero\u{200D}width",
            "\u{0}\u{1}\u{7f}\t\r\n",
            "Prices: $5, £10.50, €1,000,000.00",
        ] {
            assert!(
                matches!(scrub(text, Keep::NOTHING), Cow::Borrowed(t) if t == text),
                "{text:?}"
            );
            assert!(matches!(scrub(text, BOTH), Cow::Borrowed(_)));
            assert!(!contains_sensitive(text));
        }
    }

    #[test]
    fn scrubbing_is_idempotent() {
        let texts = [
            "Hi, my card 4000 0012 3456 7899 was charged twice, call me on +44 7700 900123 or \
             mail jane.doe@example.com. IBAN GB33 BUKB 2020 1555 5555 55.",
            "SSN 123-45-6789, NI AB 12 34 56 C, phone 06.12.34.56.78",
        ];
        for text in texts {
            let once = scrubbed(text);
            assert!(!contains_sensitive(&once), "{once}");
            assert!(
                matches!(scrub(&once, Keep::NOTHING), Cow::Borrowed(_)),
                "{once}"
            );
        }
    }

    #[test]
    fn contains_sensitive_agrees_with_scrub() {
        let texts = [
            "nothing here",
            "jane@example.com",
            "+44 7700 900123",
            "4000001234567899",
            "4000001234567890",
            "GB33BUKB20201555555555",
            "123-45-6789",
            "2025-03-14 10:30",
        ];
        for text in texts {
            let changed = scrub(text, Keep::NOTHING) != text;
            assert_eq!(contains_sensitive(text), changed, "{text}");
        }
    }

    #[test]
    fn no_luhn_valid_card_survives_scrubbing() {
        let mut rng = Lcg(0x5eed);
        let contexts = [
            ("", ""),
            ("card ", "."),
            ("(", ")"),
            ("my card:", ", thanks"),
            ("x", "y"),
            ("Kartennummer «", "» bitte"),
            ("رقم البطاقة ", " شكرا"),
        ];
        for round in 0..2_000 {
            let len = 13 + (round % 7);
            let payload: String = (0..len - 1)
                .map(|i| {
                    let d = if i == 0 {
                        3 + rng.next(4)
                    } else {
                        rng.next(10)
                    };
                    char::from(b'0' + d as u8)
                })
                .collect();
            let card = with_check_digit(&payload);
            let grouped = match rng.next(5) {
                0 => card.clone(),
                1..=3 => {
                    let sep = [" ", "-", "\u{A0}"][(rng.next(3)) as usize];
                    card.as_bytes()
                        .chunks(4)
                        .map(|c| std::str::from_utf8(c).unwrap())
                        .collect::<Vec<_>>()
                        .join(sep)
                }
                _ if len <= 16 => {
                    // Amex-style 4-6-rest.
                    format!("{} {} {}", &card[..4], &card[4..10], &card[10..])
                }
                _ => card.clone(),
            };
            let (before, after) = contexts[round % contexts.len()];
            let text = format!("{before}{grouped}{after}");
            let keep = if round % 2 == 0 { BOTH } else { Keep::NOTHING };
            let out = scrub(&text, keep);
            assert_eq!(
                out,
                format!("{before}[card •••• {}]{after}", &card[card.len() - 4..]),
                "{text}"
            );
            assert!(contains_sensitive(&text), "{text}");
        }
    }

    #[test]
    fn hostile_input_of_a_megabyte_is_scrubbed_correctly() {
        const MB: usize = 1 << 20;
        const SEGMENT: usize = MB / 16;

        // Many real finds: a megabyte of the realistic message.
        let message = "Hi, my card 4000 0012 3456 7899 was charged twice, call me on +44 7700 \
                       900123 or mail jane.doe@example.com. IBAN GB33 BUKB 2020 1555 5555 55.\n";
        let repeats = MB / message.len() + 1;
        assert_eq!(
            scrubbed(&message.repeat(repeats)),
            scrubbed(message).repeat(repeats)
        );

        // A megabyte of runs that look like the start of something and never become it.
        let teases = [
            "1 ",
            "123 ",
            "9",
            "a",
            "a@",
            "a.",
            "AA11 ",
            "+(",
            "(1)",
            "1-",
            "12.",
            "1985-03-",
            "é\u{301}\u{202E}",
            "\u{0}",
        ];
        let mut hostile = String::with_capacity(MB + SEGMENT);
        for tease in teases {
            hostile.push_str(&tease.repeat(SEGMENT / tease.len()));
            hostile.push_str("\n@\n");
        }
        assert!(hostile.len() > 3 * MB / 4);
        assert!(
            matches!(scrub(&hostile, Keep::NOTHING), Cow::Borrowed(_)),
            "a tease was taken for personal data"
        );

        // Finds packed together with hostile characters between them.
        let packed = "jane@example.com\u{202E}4000001234567899\u{0}123-45-6789é\n";
        let count = SEGMENT / packed.len();
        let out = scrubbed(&packed.repeat(count));
        assert_eq!(out.matches("j•••@example.com").count(), count);
        assert_eq!(out.matches("[card •••• 7899]").count(), count);
        assert_eq!(out.matches("[national id]").count(), count);
        assert!(!out.contains("4000001234567899") && !out.contains("jane"));

        // One enormous address.
        let email = "a".repeat(MB) + "@example.com";
        assert_eq!(scrubbed(&email), "a•••@example.com");
    }
}
