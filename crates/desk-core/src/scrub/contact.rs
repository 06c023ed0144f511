//! E-mail addresses and phone numbers, and what must not be taken for a phone number.

use std::sync::LazyLock;

use regex::Regex;

use crate::redact::{mask_email, mask_phone};

use super::{Hit, Keep, Part, compile};

/// E-mail addresses: a local part of letters, digits and `._%+-`, and a domain with at least one
/// dot. Letters include accented and non-Latin ones, so `josé.garcía@…` is found whole. The
/// view has already turned a full-width `＠` into `@` and removed zero-width characters. A chain
/// of them (`a@b.c@d.e`) is one match: masked as two, the first's domain would be left as the
/// local part of a second, unmasked address.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"[\p{L}\p{M}\p{N}._%+\-]+(?:@[\p{L}\p{M}\p{N}\-]+(?:\.[\p{L}\p{M}\p{N}\-]+)+)+")
});

pub(crate) fn find_emails(part: Part<'_>, keep: Keep, out: &mut Vec<Hit>) {
    for (start, end) in part.matches(&EMAIL) {
        out.push(if keep.emails {
            Hit::kept(start, end)
        } else {
            Hit::masked(start, end, mask_email(&part.text[start..end]))
        });
    }
}

/// Dates (ISO, with a time if one follows; day, month and year with one kind of separator),
/// times, IPv4 addresses and numbers named as references (`order 1234567890`, `tracking no.
/// 748912345678`, `ISBN 978-3-16-148410-0`, `#48213377`), claimed as they are so that their
/// digits are not read as a phone number: `2025-03-14 10:30`, `14.03.2025`, `03/14/2025`,
/// `192.168.100.200`.
fn claim_what_is_not_a_phone(part: Part<'_>, out: &mut Vec<Hit>) {
    for caps in part.captures(&REFERENCE) {
        let number = caps.get(1).expect("the number");
        out.push(Hit::kept(
            part.start + number.start(),
            part.start + number.end(),
        ));
    }
    for (start, end) in part.matches(&ISO_DATE) {
        let date = &part.text[start..end];
        let (month, day) = (&date[5..7], &date[8..10]);
        let valid = ("01"..="12").contains(&month) && ("01"..="31").contains(&day);
        if valid && standalone(part.text, start, end, b"-") {
            out.push(Hit::kept(start, end));
        }
    }
    for (start, end) in part.matches(&IPV4) {
        let octets_ok = part.text[start..end]
            .split('.')
            .all(|o| o.parse::<u16>().is_ok_and(|o| o <= 255));
        if octets_ok && standalone(part.text, start, end, b".") {
            out.push(Hit::kept(start, end));
        }
    }
    for (start, end) in part.matches(&DAY_MONTH_YEAR) {
        if day_month_year(&part.text[start..end]) && standalone(part.text, start, end, b"./-") {
            out.push(Hit::kept(start, end));
        }
    }
    for (start, end) in part.matches(&TIME) {
        out.push(Hit::kept(start, end));
    }
}

/// A number after a word that names it a reference, in the languages of the customers we serve.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?i)(?:(?-u:\b)(?:order|orders|tracking|track|shipment|parcel|package|consignment|invoice|inv|ref|reference|ticket|case|booking|confirmation|transaction|txn|isbn|awb|bestellung|bestellnummer|auftrag|sendung|sendungsnummer|rechnung|commande|facture|colis|suivi|pedido|factura|envío|envio|bestelling|factuur|zending|ordine|fattura|spedizione|build|version|release)(?-u:\b)\.?(?:\s+(?:no|nr|n°|number|nummer|numéro|número|id|code))?\.?(?:\s+(?:is|was|are))?\s*[#:]?\s*|#)([0-9]+(?:[\-./ ][0-9]+)*)",
    )
});

static ISO_DATE: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?)?")
});

static IPV4: LazyLock<Regex> = LazyLock::new(|| compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}"));

static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    compile(r"[0-9]{1,2}[./\-][0-9]{1,2}[./\-](?:[0-9]{4}|[0-9]{2})(?: [0-9]{1,2}[:.][0-9]{2})?")
});

/// Times of day: `10:30`, `10:30:15`.
static TIME: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?-u:\b)[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?-u:\b)"));

/// Whether a `DAY_MONTH_YEAR` match is a date: both separators the same, day and month in range.
fn day_month_year(date: &str) -> bool {
    let date = date.split(' ').next().unwrap_or(date);
    let mut fields = date.split(['.', '/', '-']);
    let (Some(a), Some(b)) = (fields.next(), fields.next()) else {
        return false;
    };
    let seps: Vec<char> = date.chars().filter(|c| !c.is_ascii_digit()).collect();
    let (a, b) = (a.parse::<u8>().unwrap_or(0), b.parse::<u8>().unwrap_or(0));
    seps.len() == 2
        && seps[0] == seps[1]
        && (1..=31).contains(&a)
        && (1..=31).contains(&b)
        && (a <= 12 || b <= 12)
}

/// Whether the ASCII number in `text[start..end]` stands alone: not preceded or followed by a
/// digit, nor by one of `seps` that joins it to another digit (so `06.12.34` in
/// `06.12.34.56.78` is not a date).
fn standalone(text: &str, start: usize, end: usize, seps: &[u8]) -> bool {
    let b = text.as_bytes();
    let digit_at = |i: Option<usize>| i.and_then(|i| b.get(i)).is_some_and(u8::is_ascii_digit);
    let joined_before = start > 0
        && (digit_at(Some(start - 1))
            || (seps.contains(&b[start - 1]) && digit_at(start.checked_sub(2))));
    let joined_after = end < b.len()
        && (digit_at(Some(end)) || (seps.contains(&b[end]) && digit_at(Some(end + 1))));
    !joined_before && !joined_after
}

/// Phone numbers: an optional `+`, then digit groups, optionally in parentheses, joined by up to
/// three spaces, dashes, dots or slashes (`030/1234567`, `030 / 123 45 67`). Whether a match is a
/// phone number is decided by counting digits.
pub(crate) static PHONE: LazyLock<Regex> =
    LazyLock::new(|| compile(r"\+?(?:\([0-9]+\)|[0-9]+)(?:[ \t.\-/]{0,3}(?:\([0-9]+\)|[0-9]+))*"));

/// Phone numbers with 9 to 15 digits, or 8 to 15 after a `+` (E.164 allows at most 15). A run
/// glued to letters (`INV2025000123456`, a hash) is a reference, not a phone number; so is a run
/// with more digits than any phone number has. Where a part holds something of a phone number's
/// shape, dates, times, addresses and references are claimed first
/// ([`claim_what_is_not_a_phone`]) and phone numbers looked for in the rest.
pub(crate) fn find_phones(part: Part<'_>, out: &mut Vec<Hit>) {
    if super::digit_count(part.as_str()) < 8 {
        return;
    }
    if phones_in(part).next().is_none() {
        return;
    }
    let mut claimed = Vec::new();
    claim_what_is_not_a_phone(part, &mut claimed);
    let claimed = super::disjoint(claimed);
    let mut from = part.start;
    for (start, end) in claimed
        .iter()
        .map(|h| (h.start, h.end))
        .chain([(part.end, part.end)])
    {
        if start > from {
            out.extend(phones_in(Part {
                text: part.text,
                start: from,
                end: start,
            }));
        }
        from = from.max(end);
    }
    out.extend(claimed);
}

fn phones_in(part: Part<'_>) -> impl Iterator<Item = Hit> + '_ {
    part.matches(&PHONE).filter_map(move |(start, end)| {
        let number = &part.text[start..end];
        let digits = number.bytes().filter(u8::is_ascii_digit).count();
        let min = if number.starts_with('+') { 8 } else { 9 };
        ((min..=15).contains(&digits) && !glued(part, start, end))
            .then(|| Hit::masked(start, end, mask_phone(number)))
    })
}

/// Whether `part.text[start..end]` touches a letter or digit of its part, or follows letters
/// and a dash or slash (`CS-000123456`, `TCK-2025-000123`: a reference).
pub(crate) fn glued(part: Part<'_>, start: usize, end: usize) -> bool {
    let mut before = part.text[part.start..start].chars().rev();
    let prefixed = match before.next() {
        Some(c) if c.is_alphanumeric() => true,
        Some('-' | '/') => before.next().is_some_and(char::is_alphabetic),
        _ => false,
    };
    prefixed
        || part.text[end..part.end]
            .chars()
            .next()
            .is_some_and(char::is_alphanumeric)
}
