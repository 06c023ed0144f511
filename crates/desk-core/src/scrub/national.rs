//! National identity numbers, each recognised by its own check rule.
//!
//! | id | written | check |
//! |----|---------|-------|
//! | US Social Security number | `219-09-9999`, `219 09 9999`, `219.09.9999`; nine digits in one piece after `SSN` | never-issued areas, groups and serials refused |
//! | UK National Insurance number | `AB 12 34 56 C`, `AB123456C`, with or without the suffix letter | allocated prefixes only |
//! | FR NIR (numéro de sécurité sociale) | `1 85 03 75 123 456 78`, 15 digits, Corsica's `2A`/`2B` | sex, month, key = 97 − (number mod 97) |
//! | NL BSN | nine digits after `BSN`, `burgerservicenummer` or `sofinummer` | the eleven test |
//! | ES DNI, NIE | `12345678Z`, `X1234567L` | the letter of mod 23 |
//! | SE personnummer | `850314-1234`, `19850314-1234`, ten or twelve digits | a date (or coordination number) and Luhn |
//! | DE Steuer-ID | `12 345 678 901`, eleven digits | one digit repeated, ISO 7064 mod 11,10 |
//!
//! Numbers are looked for in runs of digit groups joined by any separators (see
//! [`super::digits`]), in the group lengths each id is written with, and must stand alone (not
//! glued to letters, not part of a longer number written the same way). Two ids have no shape
//! of their own — nine digits are also order numbers and phone numbers — so a BSN, and an SSN in
//! one piece, are recognised only after their name (within 48 characters).

use std::sync::LazyLock;

use regex::Regex;

use super::digits::Run;
use super::{Hit, NATIONAL_ID, Part, compile, keyword_before};

/// A numeric id: the group lengths it is written in, whether it needs its name before it, and
/// its check over the joined digits.
struct Numeric {
    shapes: &'static [&'static [usize]],
    keywords: &'static [&'static str],
    keyword_for_one_piece_only: bool,
    valid: fn(&str) -> bool,
}

const SSN_WORDS: &[&str] = &["ssn", "social security", "soc sec", "ss#", "ss #", "ss no"];
const BSN_WORDS: &[&str] = &[
    "bsn",
    "burgerservicenummer",
    "sofinummer",
    "sofi-nummer",
    "sofi nummer",
    "citizen service number",
];

const NUMERIC: &[Numeric] = &[
    Numeric {
        shapes: &[&[3, 2, 4], &[9]],
        keywords: SSN_WORDS,
        keyword_for_one_piece_only: true,
        valid: ssn_valid,
    },
    Numeric {
        shapes: &[&[9], &[4, 2, 3], &[3, 3, 3], &[3, 2, 2, 2]],
        keywords: BSN_WORDS,
        keyword_for_one_piece_only: false,
        valid: bsn_valid,
    },
    Numeric {
        shapes: &[
            &[15],
            &[13, 2],
            &[1, 2, 2, 2, 3, 3, 2],
            &[1, 2, 2, 5, 3, 2],
            &[1, 2, 2, 2, 6, 2],
        ],
        keywords: &[],
        keyword_for_one_piece_only: false,
        valid: nir_valid,
    },
    Numeric {
        shapes: &[&[6, 4], &[8, 4], &[10], &[12]],
        keywords: &[],
        keyword_for_one_piece_only: false,
        valid: personnummer_valid,
    },
    Numeric {
        shapes: &[&[11], &[2, 3, 3, 3], &[3, 3, 3, 2]],
        keywords: &[],
        keyword_for_one_piece_only: false,
        valid: steuer_id_valid,
    },
];

/// The most groups any shape has.
const MAX_GROUPS: usize = 7;

/// Numeric national ids in a run of groups, as (first group, last group, hit).
pub(crate) fn in_run(run: &Run<'_>) -> Vec<(usize, usize, Hit)> {
    let mut out = Vec::new();
    let n = run.groups.len();
    let mut i = 0;
    'groups: while i < n {
        for j in (i..n.min(i + MAX_GROUPS)).rev() {
            if is_national_id(run, i, j) {
                let (start, end) = run.span(i, j);
                out.push((i, j, Hit::masked(start, end, NATIONAL_ID.into())));
                i = j + 1;
                continue 'groups;
            }
        }
        i += 1;
    }
    out
}

fn is_national_id(run: &Run<'_>, i: usize, j: usize) -> bool {
    let has_shape = |shape: &&[usize]| {
        shape.len() == j - i + 1
            && shape
                .iter()
                .enumerate()
                .all(|(k, &len)| run.len(i + k) == len)
    };
    let mut digits = None;
    for id in NUMERIC {
        if !id.shapes.iter().any(has_shape) {
            continue;
        }
        let needs_keyword = !id.keywords.is_empty() && (!id.keyword_for_one_piece_only || i == j);
        if needs_keyword && !keyword_before(run.text, run.groups[i].0, id.keywords) {
            continue;
        }
        if !run.stands_alone(i, j) {
            continue;
        }
        let digits = digits.get_or_insert_with(|| run.digits(i, j));
        if (id.valid)(digits) {
            return true;
        }
    }
    false
}

/// A US SSN, leaving out the numbers never issued (area 000, 666 or 900–999, group 00, serial
/// 0000).
fn ssn_valid(d: &str) -> bool {
    let (area, group, serial) = (&d[0..3], &d[3..5], &d[5..9]);
    area != "000" && area != "666" && !area.starts_with('9') && group != "00" && serial != "0000"
}

/// The Dutch eleven test: 9·d1 + 8·d2 + … + 2·d8 − d9 is a multiple of 11 (and not zero).
fn bsn_valid(d: &str) -> bool {
    let sum: i64 = d
        .bytes()
        .enumerate()
        .map(|(i, b)| {
            let v = i64::from(b - b'0');
            if i == 8 { -v } else { v * (9 - i as i64) }
        })
        .sum();
    sum != 0 && sum % 11 == 0
}

/// A French NIR: sex 1 or 2 (3, 4, 7, 8 for provisional numbers), a month (or the codes used
/// when it is unknown), and the key 97 − (the first 13 digits mod 97).
fn nir_valid(d: &str) -> bool {
    let Ok(number) = d[..13].parse::<u64>() else {
        return false;
    };
    nir_checks(d.as_bytes()[0], &d[3..5], number, &d[13..15])
}

fn nir_checks(sex: u8, month: &str, number: u64, key: &str) -> bool {
    let month_ok = month
        .parse::<u8>()
        .is_ok_and(|m| (1..=12).contains(&m) || (20..=42).contains(&m) || (50..=99).contains(&m));
    let key_ok = key.parse::<u64>().is_ok_and(|k| k == 97 - number % 97);
    matches!(sex, b'1' | b'2' | b'3' | b'4' | b'7' | b'8') && month_ok && key_ok
}

/// A Swedish personnummer (or samordningsnummer, whose day is raised by 60): a date of birth
/// (`yymmdd`, or `yyyymmdd` with a century of 18, 19 or 20) and four digits, the last a Luhn
/// check over the ten digits from `yy`.
fn personnummer_valid(d: &str) -> bool {
    let ten = match d.len() {
        10 => d,
        12 if matches!(&d[..2], "18" | "19" | "20") => &d[2..],
        _ => return false,
    };
    let month = ten[2..4].parse::<u8>().unwrap_or(0);
    let day = ten[4..6].parse::<u8>().unwrap_or(0);
    let day = if day > 60 { day - 60 } else { day };
    (1..=12).contains(&month) && (1..=31).contains(&day) && super::cards::luhn(ten.bytes())
}

/// A German tax id (Steuerliche Identifikationsnummer): eleven digits, the first not 0; among
/// the first ten exactly one digit appears twice or three times (never three times in a row) and
/// every other at most once; the last is the ISO 7064 MOD 11,10 check digit.
fn steuer_id_valid(d: &str) -> bool {
    let b = d.as_bytes();
    if b[0] == b'0' {
        return false;
    }
    let mut counts = [0u8; 10];
    for &x in &b[..10] {
        counts[usize::from(x - b'0')] += 1;
    }
    let repeated: Vec<u8> = counts.iter().copied().filter(|&c| c > 1).collect();
    if repeated.len() != 1 || repeated[0] > 3 {
        return false;
    }
    if repeated[0] == 3 && b[..10].windows(3).any(|w| w[0] == w[1] && w[1] == w[2]) {
        return false;
    }
    let mut product = 10u32;
    for &x in &b[..10] {
        let mut sum = (u32::from(x - b'0') + product) % 10;
        if sum == 0 {
            sum = 10;
        }
        product = (sum * 2) % 11;
    }
    let check = (11 - product) % 10;
    check == u32::from(b[10] - b'0')
}

/// Between the characters of an id written with letters: nothing, or up to two separators.
const SEP: &str = r"[\s\p{P}]{0,2}";

/// UK National Insurance numbers: two prefix letters (D, F, I, Q, U and V never used, O never
/// second), six digits in pairs that may be spaced, and the suffix letter A to D, which people
/// often leave out.
static NINO: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)(?-u:\b)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z](?:{SEP}[0-9]{{2}}){{3}}(?:{SEP}[A-D])?(?-u:\b)"
    ))
});

/// Prefixes the NINO pattern admits that were never allocated.
const NINO_UNUSED_PREFIXES: [&str; 7] = ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"];

/// Spanish DNI (eight digits and a letter) and NIE (X, Y or Z, seven digits and a letter).
static DNI: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)(?-u:\b)([XYZ]{SEP})?([0-9]{{7,8}}){SEP}([A-Z])(?-u:\b)"
    ))
});

const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";

/// French NIRs of people born in Corsica, whose department is `2A` or `2B`.
static NIR_CORSICA: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)(?-u:\b)([1-478]){SEP}([0-9]{{2}}){SEP}([0-9]{{2}}){SEP}2([AB]){SEP}([0-9]{{3}}){SEP}([0-9]{{3}}){SEP}([0-9]{{2}})(?-u:\b)"
    ))
});

/// National ids written with letters in `part`.
pub(crate) fn find_lettered(part: Part<'_>, out: &mut Vec<Hit>) {
    // The shortest, a NINO, has six digits.
    if super::digit_count(part.as_str()) < 6 {
        return;
    }
    let offset = part.start;
    for (start, end) in part.matches(&NINO) {
        let written = &part.text[start..start + 2];
        let prefix = written.to_ascii_uppercase();
        // Two lower-case letters before spaced digits are usually a word (`at 10 20 30`).
        let word_like =
            written != prefix && !part.text[start + 2..].starts_with(|c: char| c.is_ascii_digit());
        if !NINO_UNUSED_PREFIXES.contains(&prefix.as_str())
            && !word_like
            && !joined_to_digits(part, end)
        {
            out.push(Hit::masked(start, end, NATIONAL_ID.into()));
        }
    }
    for caps in part.captures(&DNI) {
        let whole = caps.get(0).expect("a match");
        let digits = &caps[2];
        let letter = caps[3].to_ascii_uppercase().as_bytes()[0];
        let number = match caps.get(1) {
            // NIE: X, Y, Z stand for 0, 1, 2 before seven digits.
            Some(prefix) if digits.len() == 7 => {
                let lead = match prefix.as_str().as_bytes()[0].to_ascii_uppercase() {
                    b'X' => 0,
                    b'Y' => 1,
                    _ => 2,
                };
                digits.parse::<u32>().ok().map(|n| lead * 10_000_000 + n)
            }
            None if digits.len() == 8 => digits.parse::<u32>().ok(),
            _ => None,
        };
        if number.is_some_and(|n| DNI_LETTERS[(n % 23) as usize] == letter) {
            out.push(Hit::masked(
                offset + whole.start(),
                offset + whole.end(),
                NATIONAL_ID.into(),
            ));
        }
    }
    for caps in part.captures(&NIR_CORSICA) {
        let whole = caps.get(0).expect("a match");
        let department = if caps[4].eq_ignore_ascii_case("A") {
            "19"
        } else {
            "18"
        };
        let digits = format!(
            "{}{}{}{department}{}{}",
            &caps[1], &caps[2], &caps[3], &caps[5], &caps[6]
        );
        if digits
            .parse::<u64>()
            .is_ok_and(|n| nir_checks(caps[1].as_bytes()[0], &caps[3], n, &caps[7]))
        {
            out.push(Hit::masked(
                offset + whole.start(),
                offset + whole.end(),
                NATIONAL_ID.into(),
            ));
        }
    }
}

/// Whether a separator and another digit follow `end` (`AB 12 34 56 78` is a phone number's
/// digits after two letters, not a NINO without its suffix).
fn joined_to_digits(part: Part<'_>, end: usize) -> bool {
    let rest = &part.text[end..];
    let mut chars = rest.chars();
    matches!(chars.next(), Some(c) if c == ' ' || c == '-' || c == '.')
        && chars.next().is_some_and(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_rules() {
        assert!(ssn_valid("219099999"));
        assert!(!ssn_valid("666099999"));
        assert!(bsn_valid("111222333"));
        assert!(!bsn_valid("111222334"));
        assert!(nir_valid("185037512345641"));
        assert!(!nir_valid("185037512345642"));
        assert!(!nir_valid("585037512345641"), "sex 5");
        assert!(personnummer_valid("8112189876"));
        assert!(!personnummer_valid("8112189875"));
        assert!(steuer_id_valid("86095742719"));
        assert!(!steuer_id_valid("86095742718"));
    }
}
