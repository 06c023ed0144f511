//! The scrubber's tests: examples, corpora of what must be masked and what must survive, and
//! properties over generated values.

use super::*;

pub(super) const BOTH: Keep = Keep {
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

/// Addresses chained by `@` are one: masked as two, the first's domain would be the local part
/// of a second address left in the clear (found by `scrubbed_text_has_nothing_left_to_scrub`).
#[test]
fn a_chain_of_addresses_is_masked_whole_and_stays_masked() {
    for text in ["0@a.a@a.a0", "jane@example.com@evil.example.org"] {
        let once = scrub(text, Keep::NOTHING);
        assert_eq!(scrub(&once, Keep::NOTHING), once, "{text}");
        assert!(!contains_sensitive(&once), "{text} → {once}");
    }
    assert_eq!(
        scrub("jane@example.com@evil.example.org", Keep::NOTHING),
        "j•••@evil.example.org"
    );
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
    // Mixed separators are still one card.
    let card = "4000 0012-3456 7899";
    assert!(luhn_valid(card));
    assert_eq!(scrub(card, BOTH), "[card •••• 7899]");
    // An eight-digit group that reads as a date (1900-10-01) inside a card is the card's.
    let card = "51000 0 19001001 04";
    assert!(luhn_valid(card));
    assert_eq!(scrub(card, BOTH), "[card •••• 0104]");
    assert_eq!(scrub("order 19001001", BOTH), "order 19001001");
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
        "GB33-BUKB-2020-1555-5555-55",
        "GB33.BUKB.2020.1555.5555.55",
        "GB33/BUKB/2020/1555/5555/55",
    ] {
        assert!(iban_valid(valid), "{valid}");
    }
    for invalid in [
        "",
        "GB34BUKB20201555555555",
        "GB33BUKB20201555555556",
        "33GBBUKB20201555555555",
        "GBX3BUKB20201555555555",
        "GB33BUKB2020155555555é",
        "GB33BUKB202015555555551",
        "NL91ABNA041716430",
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

// --- Corpora ---------------------------------------------------------------------------------

/// A corpus line with its escapes (`\u{XXXX}`, `\t`, `\n`) read.
fn unescape(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if let Some(tail) = rest.strip_prefix("\\u{") {
            let end = tail.find('}').expect("a closed escape");
            let code = u32::from_str_radix(&tail[..end], 16).expect("a hex escape");
            out.push(char::from_u32(code).expect("a character"));
            rest = &tail[end + 1..];
        } else if let Some(tail) = rest.strip_prefix("\\t") {
            out.push('\t');
            rest = tail;
        } else if let Some(tail) = rest.strip_prefix("\\n") {
            out.push('\n');
            rest = tail;
        } else {
            out.push('\\');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

fn corpus(text: &'static str) -> impl Iterator<Item = String> {
    text.lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(unescape)
}

/// The letters and digits of `s` as the scrubber reads them, in upper case.
fn alphanumerics(s: &str) -> String {
    normal::View::of(s)
        .text()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Whether `out` still shows `value` beyond what a mask shows: all of its letters and digits
/// but the last four, in order (for an e-mail address, its local part).
pub(super) fn still_shows(out: &str, kind: &str, value: &str) -> bool {
    let shown = alphanumerics(out);
    let secret = if kind == "email" {
        alphanumerics(value.split(['@', '＠']).next().unwrap_or(value))
    } else {
        let all = alphanumerics(value);
        let keep = all.chars().count().saturating_sub(4);
        all.chars().take(keep).collect()
    };
    secret.chars().count() >= 2 && shown.contains(&secret)
}

#[test]
fn the_must_mask_corpus_is_masked() {
    let mut failures = Vec::new();
    let mut count = 0;
    for line in corpus(include_str!("corpus/must_mask.txt")) {
        let mut fields = line.splitn(3, '\t');
        let (kind, value, text) = (
            fields.next().unwrap(),
            fields.next().expect("a value"),
            fields.next().expect("a text"),
        );
        assert!(text.contains("{}"), "{line}");
        let text = text.replace("{}", value);
        let keeps: &[Keep] = match kind {
            "card" | "iban" | "national" => &[BOTH, Keep::NOTHING],
            "email" => &[Keep {
                emails: false,
                phones: true,
            }],
            "phone" => &[Keep {
                emails: true,
                phones: false,
            }],
            other => panic!("unknown kind {other}"),
        };
        for &keep in keeps {
            let out = scrub(&text, keep);
            if still_shows(&out, kind, value) {
                failures.push(format!("{kind} {text:?} → {out:?} (keeping {keep:?})"));
            }
        }
        assert!(contains_sensitive(&text), "{text:?}");
        count += 1;
    }
    assert!(count > 100, "the corpus was read: {count}");
    assert!(failures.is_empty(), "survived:\n{}", failures.join("\n"));
}

#[test]
fn the_must_survive_corpus_survives() {
    let mut failures = Vec::new();
    for text in corpus(include_str!("corpus/must_survive.txt")) {
        for keep in [Keep::NOTHING, BOTH] {
            let out = scrub(&text, keep);
            if out != text {
                failures.push(format!("{text:?} → {out:?}"));
            }
        }
        if contains_sensitive(&text) {
            failures.push(format!("{text:?} is taken for sensitive"));
        }
    }
    assert!(
        failures.is_empty(),
        "over-scrubbed:\n{}",
        failures.join("\n")
    );
}

/// The examples (in backticks) of SECURITY.md's list of what free-text scrubbing cannot catch:
/// those of the items it says are not caught, and those of the item it says are masked but
/// should not be. The document is the one list; this test holds the scrubber to it.
fn security_md_examples() -> (Vec<&'static str>, Vec<&'static str>) {
    const SECURITY_MD: &str = include_str!("../../../../SECURITY.md");
    let section = SECURITY_MD
        .split_once("**What it cannot catch")
        .and_then(|(_, rest)| rest.split_once("**Tests that show it:**"))
        .map(|(section, _)| section)
        .expect("SECURITY.md has the list of what scrubbing cannot catch");
    let (mut missed, mut masked) = (Vec::new(), Vec::new());
    for item in section.split("\n- ").skip(1) {
        let examples = item.split('`').skip(1).step_by(2);
        if item.starts_with("Masked that should not be") {
            masked.extend(examples);
        } else {
            missed.extend(examples);
        }
    }
    (missed, masked)
}

#[test]
fn what_security_md_says_is_not_caught_is_not() {
    let (missed, masked) = security_md_examples();
    for listed in [
        "40 00 0012 3456 7899",
        "jane @ example.com",
        "jane(at)example.com",
    ] {
        assert!(
            missed.contains(&listed),
            "{listed} is no longer in the list"
        );
    }
    // Not caught even for a role that may keep nothing; if the scrubber learns one, say so there.
    for text in &missed {
        assert_eq!(
            scrubbed(text),
            *text,
            "SECURITY.md says {text:?} is not caught"
        );
    }
    assert!(
        !masked.is_empty(),
        "the over-scrubbing item has its example"
    );
    for text in &masked {
        assert_ne!(scrubbed(text), *text, "SECURITY.md says {text:?} is masked");
    }
}
