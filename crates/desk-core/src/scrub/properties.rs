//! Property tests: valid card numbers, IBANs and national ids, generated with random groupings,
//! separators, look-alike digits, invisible characters and surrounding text, never survive
//! scrubbing; generated dates, times and amounts always do; scrubbing twice changes nothing.

use proptest::prelude::*;

use super::tests::{BOTH, still_shows};
use super::{Keep, contains_sensitive, scrub};

/// What may stand between two groups of a number.
const SEPARATORS: &[&str] = &[
    " ", "  ", "-", "–", "—", ".", "/", "\t", "\n", " - ", "\u{A0}", "\u{2009}", "\u{2007}",
    "\u{202F}", "\u{3000}", ":", "_", "·",
];

/// Invisible characters that may be slipped between any two characters.
const INVISIBLE: &[char] = &[
    '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}', '\u{AD}', '\u{202E}', '\u{202C}',
    '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{FE0F}',
];

/// The zero of each kind of digit a value may be written in.
const ZEROS: &[char] = &['0', '０', '٠', '۰', '०', '০', '๐', '𝟎', '𝟘'];

const BEFORE: &[&str] = &[
    "",
    "my card ",
    "Hi, it is ",
    "(",
    "«",
    "Kartennummer: ",
    "رقم ",
    "num\u{E9}ro : ",
    "Ref:\n",
    "see below\n\n",
    "Tel? no, ",
    "\"",
];
const AFTER: &[&str] = &[
    "",
    ".",
    ", thanks",
    ")",
    "»",
    " bitte",
    " شكرا",
    "\n-- \nJane",
    " and then some",
    "!\"",
];

/// A value's characters (ASCII letters and digits) with the given group sizes, joined by
/// separators from `seps` (cycled), each digit written in the script `zero` starts, and an
/// invisible character slipped in after the characters `hidden` picks.
fn write(
    value: &str,
    groups: &[usize],
    seps: &[&str],
    zeros: &[char],
    hidden: &[(usize, char)],
) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (g, &size) in groups.iter().enumerate() {
        if g > 0 {
            out.push_str(seps[g % seps.len()]);
        }
        for (k, c) in value[at..at + size].chars().enumerate() {
            let i = at + k;
            let written = match c.to_digit(10) {
                Some(d) => {
                    let zero = zeros[i % zeros.len()];
                    char::from_u32(u32::from(zero) + d).unwrap_or(c)
                }
                None => c,
            };
            out.push(written);
            if let Some(&(_, inv)) = hidden.iter().find(|(j, _)| *j == i) {
                out.push(inv);
            }
        }
        at += size;
    }
    assert_eq!(at, value.len());
    out
}

fn luhn_complete(payload: &str) -> String {
    (0..=9)
        .map(|d| format!("{payload}{d}"))
        .find(|n| super::luhn_valid(n))
        .expect("one check digit fits")
}

/// Valid card numbers with a real issuer prefix.
fn card() -> impl Strategy<Value = String> {
    let prefixes = prop::sample::select(vec![
        ("4", 16),
        ("4", 13),
        ("4", 19),
        ("51", 16),
        ("55", 16),
        ("2221", 16),
        ("2720", 16),
        ("34", 15),
        ("37", 15),
        ("36", 14),
        ("38", 14),
        ("6011", 16),
        ("65", 16),
        ("35", 16),
        ("62", 17),
        ("62", 19),
        ("50", 18),
        ("81", 16),
        ("9792", 16),
        ("1", 15),
    ]);
    (prefixes, prop::collection::vec(0u8..10, 19)).prop_map(|((prefix, len), digits)| {
        let mut payload = prefix.to_owned();
        for d in digits.iter().take(len - 1 - prefix.len()) {
            payload.push(char::from(b'0' + d));
        }
        luhn_complete(&payload)
    })
}

/// Group sizes a card of `len` digits is written in: as cards are printed, or (`cuts`) a first
/// group of four to eight digits and then any groups.
fn card_groups(len: usize, choice: usize, cuts: &[usize]) -> Vec<usize> {
    match choice % 9 {
        0 => vec![len],
        8 => {
            let first = 4 + cuts.first().copied().unwrap_or(0) % 5;
            let mut groups = vec![first];
            let mut left = len - first;
            for &cut in cuts {
                if left > cut {
                    groups.push(cut);
                    left -= cut;
                }
            }
            groups.push(left);
            groups
        }
        7 if (13..=16).contains(&len) => vec![4, 6, len - 10],
        c => {
            let size = [4, 4, 2, 3, 5, 1][(c - 1) % 6];
            let mut groups = vec![size; len / size];
            if !len.is_multiple_of(size) {
                groups.push(len % size);
            }
            groups
        }
    }
}

fn keep() -> impl Strategy<Value = Keep> {
    (any::<bool>(), any::<bool>()).prop_map(|(emails, phones)| Keep { emails, phones })
}

fn invisible() -> impl Strategy<Value = Vec<(usize, char)>> {
    prop::collection::vec((0usize..34, prop::sample::select(INVISIBLE)), 0..4)
}

fn separators() -> impl Strategy<Value = Vec<&'static str>> {
    prop::collection::vec(prop::sample::select(SEPARATORS), 1..4)
}

fn scripts() -> impl Strategy<Value = Vec<char>> {
    prop_oneof![
        3 => Just(vec!['0']),
        1 => prop::collection::vec(prop::sample::select(ZEROS), 1..3),
    ]
}

fn context() -> impl Strategy<Value = (&'static str, &'static str)> {
    (prop::sample::select(BEFORE), prop::sample::select(AFTER))
}

fn assert_masked(kind: &str, value: &str, text: &str, keep: Keep) -> Result<(), TestCaseError> {
    let out = scrub(text, keep);
    prop_assert!(!still_shows(&out, kind, value), "{text:?} → {out:?}");
    prop_assert!(contains_sensitive(text), "{text:?}");
    let again = scrub(&out, keep);
    prop_assert_eq!(&again, &out, "scrubbing twice changes nothing");
    Ok(())
}

/// The ISO 7064 check digits of an IBAN: 98 − ((account, country, `00`) mod 97).
fn iban_complete(country: &str, account: &str) -> String {
    let moved = format!("{account}{country}00");
    let mut rem = 0u32;
    for c in moved.chars() {
        let v = c.to_digit(36).unwrap();
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    format!("{country}{:02}{account}", 98 - rem)
}

/// Valid IBANs of several countries, with account parts in each country's shape.
fn iban() -> impl Strategy<Value = String> {
    let countries = prop::sample::select(vec![
        ("GB", "AAAA99999999999999"),
        ("DE", "999999999999999999"),
        ("FR", "9999999999XXXXXXXXXXX99"),
        ("NL", "AAAA9999999999"),
        ("BE", "999999999999"),
        ("ES", "99999999999999999999"),
        ("IT", "A9999999999XXXXXXXXXXXX"),
        ("NO", "99999999999"),
        ("CH", "99999XXXXXXXXXXXX"),
        ("PL", "999999999999999999999999"),
    ]);
    (countries, prop::collection::vec((0u8..36, 0u8..10), 30)).prop_map(|((cc, shape), picks)| {
        let account: String = shape
            .chars()
            .zip(picks)
            .map(|(kind, (any, digit))| match kind {
                'A' => char::from(b'A' + any % 26),
                'X' if any >= 30 => char::from(b'A' + any % 26),
                _ => char::from(b'0' + digit),
            })
            .collect();
        iban_complete(cc, &account)
    })
}

/// A national id as its characters, the group sizes it is written in, and the words that go
/// before it (its name, for the ids recognised only after it).
fn national_id() -> impl Strategy<Value = (String, Vec<usize>, &'static str)> {
    prop_oneof![
        ssn(),
        nino(),
        nir(),
        bsn(),
        dni(),
        personnummer(),
        steuer_id(),
    ]
}

fn ssn() -> impl Strategy<Value = (String, Vec<usize>, &'static str)> {
    (1u32..900, 1u32..100, 1u32..10_000, any::<bool>())
        .prop_filter("issued areas", |(area, ..)| *area != 666)
        .prop_map(|(area, group, serial, compact)| {
            let value = format!("{area:03}{group:02}{serial:04}");
            if compact {
                (value, vec![9], "SSN ")
            } else {
                (value, vec![3, 2, 4], "")
            }
        })
}

fn nino() -> impl Strategy<Value = (String, Vec<usize>, &'static str)> {
    let first = prop::sample::select(b"ABCEGHJKLMNPRSTWXYZ".to_vec());
    let second = prop::sample::select(b"ABCEGHJKLMNPRSTWXYZ".to_vec());
    (
        first,
        second,
        0u32..1_000_000,
        prop::option::of(prop::sample::select(b"ABCD".to_vec())),
        any::<bool>(),
    )
        .prop_filter("allocated prefixes", |(a, b, ..)| {
            !matches!(
                &[*a, *b],
                b"BG" | b"GB" | b"KN" | b"NK" | b"NT" | b"TN" | b"ZZ"
            )
        })
        .prop_map(|(a, b, digits, suffix, spaced)| {
            let mut value = format!("{}{}{digits:06}", a as char, b as char);
            let mut groups = if spaced { vec![2, 2, 2, 2] } else { vec![2, 6] };
            if let Some(s) = suffix {
                value.push(s as char);
                groups.push(1);
            }
            (value, groups, "NI number ")
        })
}

fn nir() -> impl Strategy<Value = (String, Vec<usize>, &'static str)> {
    (
        1u64..3,
        0u64..100,
        1u64..13,
        1u64..96,
        1u64..991,
        1u64..1000,
        any::<bool>(),
    )
        .prop_map(|(sex, yy, mm, dept, commune, order, spaced)| {
            let body = format!("{sex}{yy:02}{mm:02}{dept:02}{commune:03}{order:03}");
            let key = 97 - body.parse::<u64>().unwrap() % 97;
            let value = format!("{body}{key:02}");
            let groups = if spaced {
                vec![1, 2, 2, 2, 3, 3, 2]
            } else {
                vec![15]
            };
            (value, groups, "")
        })
}

fn bsn() -> impl Strategy<Value = (String, Vec<usize>, &'static str)> {
    (10_000_000u32..100_000_000, any::<bool>()).prop_filter_map(
        "an eleven-test number",
        |(body, dotted)| {
            let body = format!("{body:08}");
            let sum: i64 = body
                .bytes()
                .enumerate()
                .map(|(i, b)| i64::from(b - b'0') * (9 - i as i64))
                .sum();
            let last = sum % 11;
            (last < 10 && sum != last).then(|| {
                let value = format!("{body}{last}");
                let groups = if dotted { vec![4, 2, 3] } else { vec![9] };
                (value, groups, "BSN: ")
            })
        },
    )
}

fn dni() -> impl Strategy<Value = (String, Vec<usize>, &'static str)> {
    const LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
    (0u32..100_000_000, prop::option::of(0u32..3)).prop_map(|(n, nie)| match nie {
        None => {
            let letter = LETTERS[(n % 23) as usize] as char;
            (format!("{n:08}{letter}"), vec![8, 1], "DNI ")
        }
        Some(lead) => {
            let n = n % 10_000_000;
            let letter = LETTERS[((lead * 10_000_000 + n) % 23) as usize] as char;
            let prefix = ['X', 'Y', 'Z'][lead as usize];
            (format!("{prefix}{n:07}{letter}"), vec![1, 7, 1], "NIE ")
        }
    })
}

fn personnummer() -> impl Strategy<Value = (String, Vec<usize>, &'static str)> {
    (0u32..100, 1u32..13, 1u32..29, 0u32..1000, 0usize..3).prop_map(|(yy, mm, dd, n, form)| {
        let nine = format!("{yy:02}{mm:02}{dd:02}{n:03}");
        let ten = (0..=9)
            .map(|d| format!("{nine}{d}"))
            .find(|t| super::cards::luhn(t.bytes()))
            .unwrap();
        match form {
            0 => (ten.clone(), vec![6, 4], "personnummer "),
            1 => (format!("19{ten}"), vec![8, 4], "personnummer "),
            _ => (ten, vec![10], "personnummer "),
        }
    })
}

fn steuer_id() -> impl Strategy<Value = (String, Vec<usize>, &'static str)> {
    // Ten digits, the first not 0, one of them twice: nine distinct digits, one repeated.
    (
        Just(()).prop_perturb(|_, mut rng| {
            let mut digits: Vec<u8> = (0..10).collect();
            for i in (1..10).rev() {
                let j = (rng.next_u32() as usize) % (i + 1);
                digits.swap(i, j);
            }
            digits.truncate(9);
            let twice = digits[(rng.next_u32() as usize) % 9];
            let at = (rng.next_u32() as usize) % 10;
            digits.insert(at, twice);
            digits
        }),
        any::<bool>(),
    )
        .prop_filter_map("a first digit and no three in a row", |(digits, spaced)| {
            if digits[0] == 0 {
                return None;
            }
            let mut product = 10u32;
            for &d in &digits {
                let mut sum = (u32::from(d) + product) % 10;
                if sum == 0 {
                    sum = 10;
                }
                product = (sum * 2) % 11;
            }
            let check = (11 - product) % 10;
            let value: String = digits
                .iter()
                .map(|d| char::from(b'0' + d))
                .chain([char::from_digit(check, 10).unwrap()])
                .collect();
            let groups = if spaced { vec![2, 3, 3, 3] } else { vec![11] };
            Some((value, groups, "Steuer-ID "))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn no_card_survives(
        card in card(),
        grouping in 0usize..9,
        cuts in prop::collection::vec(1usize..9, 1..6),
        seps in separators(),
        zeros in scripts(),
        hidden in invisible(),
        (before, after) in context(),
        keep in keep(),
    ) {
        // Any grouping is a card's only when it starts like a payment card (see `cards`).
        let payment = matches!(card.as_bytes(), [b'2', b'2'..=b'7', ..] | [b'3'..=b'6', ..]);
        let grouping = if payment { grouping } else { grouping % 8 };
        let groups = card_groups(card.len(), grouping, &cuts);
        let text = format!("{before}{}{after}", write(&card, &groups, &seps, &zeros, &hidden));
        assert_masked("card", &card, &text, keep)?;
    }

    #[test]
    fn no_iban_survives(
        iban in iban(),
        grouped in any::<bool>(),
        lower in any::<bool>(),
        seps in separators(),
        hidden in invisible(),
        (before, after) in context(),
        keep in keep(),
    ) {
        let iban = if lower { iban.to_ascii_lowercase() } else { iban };
        let groups: Vec<usize> = if grouped {
            let mut g = vec![4; iban.len() / 4];
            if !iban.len().is_multiple_of(4) {
                g.push(iban.len() % 4);
            }
            g
        } else {
            vec![iban.len()]
        };
        let text = format!("{before}IBAN {}{after}", write(&iban, &groups, &seps, &['0'], &hidden));
        assert_masked("iban", &iban, &text, keep)?;
    }

    #[test]
    fn no_national_id_survives(
        (id, groups, name) in national_id(),
        sep in prop::sample::select(vec![" ", "-", ".", "  ", "\u{A0}", "\u{2009}", "–", "/"]),
        zeros in scripts(),
        hidden in invisible(),
        (before, after) in context(),
        keep in keep(),
    ) {
        let written = write(&id, &groups, &[sep], &zeros, &hidden);
        let text = format!("{before}{name}{written}{after}");
        assert_masked("national", &id, &text, keep)?;
    }

    #[test]
    fn dates_times_and_amounts_survive(
        y in 1990u32..2040, m in 1u32..13, d in 1u32..29, hh in 0u32..24, mm in 0u32..60,
        ss in 0u32..60, whole in 0u64..10_000_000, cents in 0u32..100,
        form in 0usize..8,
    ) {
        let amount = {
            let digits = whole.to_string();
            let mut grouped = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    grouped.push(',');
                }
                grouped.push(c);
            }
            grouped
        };
        let text = match form {
            0 => format!("On {y}-{m:02}-{d:02} at {hh:02}:{mm:02}:{ss:02} you charged {amount}.{cents:02} EUR"),
            1 => format!("paid {amount}.{cents:02} on {d:02}.{m:02}.{y} {hh:02}:{mm:02}"),
            2 => format!("{m:02}/{d:02}/{y} {hh}:{mm:02}pm, total ${amount}.{cents:02}"),
            3 => format!("from {y}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z to {y}-{m:02}-{d:02}T23:59:59Z"),
            4 => format!("{d} March {y}, {hh:02}:{mm:02}, €{amount},{cents:02}"),
            5 => format!("order {whole}{cents:02} shipped {d:02}-{m:02}-{y}"),
            6 => format!("between {hh:02}:{mm:02} and {hh:02}:{ss:02} on {y}/{m:02}/{d:02}"),
            _ => format!("ticket #{whole}, {amount} units, {y}"),
        };
        prop_assert_eq!(scrub(&text, Keep::NOTHING), text.as_str());
        prop_assert_eq!(scrub(&text, BOTH), text.as_str());
    }
}
