//! Payment card numbers, and the tracking numbers that must not be taken for them.
//!
//! A card number is 13 to 19 digits that pass the Luhn check, written in one piece or in groups
//! the way cards are written: groups of one length (`4000 0012 3456 7899`, in twos, threes or
//! fives too), the last of which may be shorter (`4000 0012 3456 7899 123` holds a 19-digit
//! card or a 16-digit one), or the 4-6-5 and 4-6-4 groups of American Express and Diners Club
//! (4-6 and a last group of three to six digits).
//! A number whose first group is four to eight digits that start like a payment card (22–27,
//! 3–6) is also taken in any other grouping without thousands separators (`6011 00000000 0004`, `4000 0012 3456 78 99`,
//! `40000012 34567899`); other numbers in unlike groups (an order number
//! `112-3456789-0123456`, a phone number `0049 151 12345678`) are left, since with unlike groups
//! only the issuer's digits tell a card apart. Dates written year first (`2025-03-14 10:30:15`,
//! `20250314`) are claimed before cards ([`dates_in_run`]), so that they are never read as one.
//! Any separators may join the groups, mixed too (`4000 0012-3456/7899`). Within a run the
//! leftmost, longest valid card is taken. Groups of unlike lengths, as dates, times and amounts
//! are written (`2025-03-14 10:30:15`, `1,234.56`), never make up a card.

use crate::redact::MASK_LAST4;

use super::digits::Run;
use super::{Hit, last_four};

/// Whether `digits` is a number of at least 12 digits that passes the Luhn check. Spaces and
/// dashes are ignored; any other character makes the answer `false`.
pub fn luhn_valid(digits: &str) -> bool {
    let mut count = 0usize;
    for c in digits.chars() {
        match c {
            '0'..='9' => count += 1,
            ' ' | '-' => {}
            _ => return false,
        }
    }
    count >= 12 && luhn(digits.bytes().filter(u8::is_ascii_digit))
}

/// The Luhn check over ASCII digits, from the first to the check digit.
pub(crate) fn luhn(digits: impl DoubleEndedIterator<Item = u8>) -> bool {
    let mut sum = 0u32;
    for (i, b) in digits.rev().enumerate() {
        let d = u32::from(b - b'0');
        let d = if i % 2 == 1 {
            let doubled = d * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            d
        };
        // Kept reduced so that no input is long enough to overflow it.
        sum = (sum + d) % 10;
    }
    sum == 0
}

/// Card numbers in a run of groups, as (first group, last group, hit).
pub(crate) fn in_run(run: &Run<'_>) -> Vec<(usize, usize, Hit)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < run.groups.len() {
        match card_at(run, i) {
            Some(j) => {
                let (start, end) = run.span(i, j);
                let last = last_four(&run.digits(i, j));
                out.push((
                    i,
                    j,
                    Hit::masked(start, end, format!("[card {MASK_LAST4} {last}]")),
                ));
                i = j + 1;
            }
            None => i += 1,
        }
    }
    out
}

/// The index of the last group of the longest valid card that starts at group `i`, if any.
fn card_at(run: &Run<'_>, i: usize) -> Option<usize> {
    let n = run.groups.len();
    let valid = |j: usize| luhn(run.digits(i, j).bytes());
    let first = run.len(i);
    if (13..=19).contains(&first) {
        return valid(i).then_some(i);
    }
    let mut best = None;
    // American Express (4-6-5), Diners Club (4-6-4) and the like.
    if first == 4 && i + 2 < n && run.len(i + 1) == 6 && (3..=6).contains(&run.len(i + 2)) {
        best = valid(i + 2).then_some(i + 2);
    }
    // Any other grouping after a first group of four to eight digits that starts like a payment
    // card: `6011 00000000 0004`, `4000 0012 3456 78 99`, `40000012 34567899`.
    if (4..=8).contains(&first) && starts_like_a_card(run, i) {
        let mut digits = first;
        for j in i + 1..n {
            let sep = run.separator(j - 1);
            // Thousands separators and list separators do not join a card's groups; nor is a
            // number that continues the one before it (`112-3456789-0123456`) a card of its own.
            if sep.contains([',', ';']) || (i > 0 && run.separator(i - 1) == sep) {
                break;
            }
            digits += run.len(j);
            if digits > 19 {
                break;
            }
            if digits >= 13 && best.is_none_or(|b| j > b) && valid(j) {
                best = Some(j);
            }
        }
    }
    if first > 6 {
        return best;
    }
    let mut digits = first;
    for j in i + 1..n {
        let len = run.len(j);
        if len > first {
            break;
        }
        digits += len;
        if digits > 19 {
            break;
        }
        if digits >= 13 && best.is_none_or(|b| j > b) && valid(j) {
            best = Some(j);
        }
        if len < first {
            // A shorter group can only end a card.
            break;
        }
    }
    best
}

/// Parcel tracking numbers of 20 or 22 digits that start with 9 and carry a valid GS1 check
/// digit (the USPS Intelligent Mail package barcode, `9400 1000 0000 0000 0000 00`), in one piece
/// or in groups of four: claimed as they are, so that no 16 digits inside them are taken for a
/// card. Found before cards.
pub(crate) fn tracking_in_run(run: &Run<'_>) -> Vec<(usize, usize, Hit)> {
    kept_in_run(run, |i| tracking_at(run, i))
}

/// The spans of `run` that `at` claims, left to right: `at(i)` is the last group of a value
/// that starts at group `i`, if one does; each is kept as it is.
fn kept_in_run(run: &Run<'_>, at: impl Fn(usize) -> Option<usize>) -> Vec<(usize, usize, Hit)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < run.groups.len() {
        match at(i) {
            Some(j) => {
                let (start, end) = run.span(i, j);
                out.push((i, j, Hit::kept(start, end)));
                i = j + 1;
            }
            None => i += 1,
        }
    }
    out
}

/// The last group of the tracking number that starts at group `i`, if one does.
fn tracking_at(run: &Run<'_>, i: usize) -> Option<usize> {
    if !run.text[run.groups[i].0..].starts_with('9') {
        return None;
    }
    let mut digits = 0;
    for j in i..run.groups.len() {
        let len = run.len(j);
        let fits = if j == i {
            matches!(len, 4 | 20 | 22)
        } else {
            run.len(i) == 4 && len <= 4
        };
        if !fits {
            return None;
        }
        digits += len;
        if (digits == 20 || digits == 22) && run.stands_alone(i, j) && gs1_valid(&run.digits(i, j))
        {
            return Some(j);
        }
        if digits >= 22 || len != 4 {
            return None;
        }
    }
    None
}

/// Whether group `i` starts like a payment card's issuer number: 22 to 27 (Mir, Mastercard's
/// 2-series), or 3 to 6 (American Express, Diners, JCB, Visa, Mastercard, Discover, UnionPay,
/// Maestro). Years (19…, 20…) do not.
fn starts_like_a_card(run: &Run<'_>, i: usize) -> bool {
    matches!(
        run.text.as_bytes()[run.groups[i].0..],
        [b'2', b'2'..=b'7', ..] | [b'3'..=b'6', ..]
    )
}

/// Dates written year first, with a time if one follows (`2025-03-14 10:30:15`,
/// `2025/03/14`, `2025.03.14 10:30`), and eight-digit dates standing alone (`20250314`), years
/// 1900 to 2099: claimed as they are, before cards. An eight-digit date that a card begun in an
/// earlier group runs through is part of that card, not a date.
pub(crate) fn dates_in_run(run: &Run<'_>) -> Vec<(usize, usize, Hit)> {
    kept_in_run(run, |i| date_at(run, i))
}

/// The last group of a date (and a time after it) that starts at group `i` of `run`.
fn date_at(run: &Run<'_>, i: usize) -> Option<usize> {
    let n = run.groups.len();
    let number = |k: usize| {
        run.text[run.groups[k].0..run.groups[k].1]
            .parse::<u32>()
            .unwrap_or(0)
    };
    let is_date = |y: u32, m: u32, d: u32| {
        (1900..=2099).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)
    };
    if run.len(i) == 4
        && i + 2 < n
        && run.len(i + 1) == 2
        && run.len(i + 2) == 2
        && matches!(run.separator(i), "-" | "/" | ".")
        && run.separator(i + 1) == run.separator(i)
        && is_date(number(i), number(i + 1), number(i + 2))
    {
        // A time after it: hours, minutes and perhaps seconds joined by colons.
        let mut j = i + 2;
        if j + 2 < n
            && run.len(j + 1) == 2
            && run.len(j + 2) == 2
            && run.separator(j + 1) == ":"
            && number(j + 1) < 24
            && number(j + 2) < 60
        {
            j += 2;
            if j + 1 < n && run.len(j + 1) == 2 && run.separator(j) == ":" {
                j += 1;
            }
        }
        Some(j)
    } else {
        let digits = &run.text[run.groups[i].0..run.groups[i].1];
        let compact = run.len(i) == 8
            && is_date(
                digits[..4].parse().unwrap_or(0),
                digits[4..6].parse().unwrap_or(0),
                digits[6..].parse().unwrap_or(0),
            )
            // `19850314-1234` is a Swedish personal number, not a date.
            && !(i + 1 < n && run.len(i + 1) == 4)
            // Nor is it one inside a card that an earlier group starts (`51000 0 19001001 04`).
            && !(0..i).any(|k| card_at(run, k).is_some_and(|j| j >= i));
        compact.then_some(i)
    }
}

/// The GS1 mod-10 check: weights 3 and 1 from the digit before the check digit leftwards.
fn gs1_valid(digits: &str) -> bool {
    let bytes = digits.as_bytes();
    let Some((&check, body)) = bytes.split_last() else {
        return false;
    };
    let sum: u32 = body
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    (10 - sum % 10) % 10 == u32::from(check - b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gs1_check_digits() {
        // From the USPS Publication 199 example.
        assert!(gs1_valid("9400110200881234567896"));
        assert!(!gs1_valid("9400110200881234567891"));
    }
}
