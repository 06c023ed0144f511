//! Applying a [`Redaction`] to a field's value, and recognising a value that has been redacted.
//!
//! The server calls [`apply`] before a value leaves it; the local cache calls [`is_redacted_as`]
//! before it writes, so a server that sends a value in the clear is caught a second time.
//!
//! Every function here is total: any string, however long or strange (control characters,
//! right-to-left marks, combining characters, multi-byte UTF-8), gives an answer and never a
//! panic. A value that does not have the shape a mask expects is replaced by [`MASK`] as a whole,
//! never passed through: when in doubt, show less.

use crate::Redaction;

/// The character that stands in for hidden characters (U+2022 BULLET).
pub const BULLET: char = '\u{2022}';

/// Three bullets: what a masked value shows when nothing of it can be kept.
pub const MASK: &str = "\u{2022}\u{2022}\u{2022}";

/// Four bullets: the hidden part of a [`Redaction::Last4`] value.
pub const MASK_LAST4: &str = "\u{2022}\u{2022}\u{2022}\u{2022}";

/// How many alphanumerics a value needs before [`last4`] shows four of them: with fewer, the four
/// shown would be half the value or more.
const LAST4_MIN_LEN: usize = 8;

/// How many digits a value needs before [`mask_phone`] shows two of them.
const PHONE_MIN_DIGITS: usize = 4;

/// Applies `redaction` to `value`: `None` when the field must be absent ([`Redaction::Hidden`]),
/// otherwise the text the role may see.
pub fn apply(redaction: Redaction, value: &str) -> Option<String> {
    match redaction {
        Redaction::Full => Some(value.to_owned()),
        Redaction::MaskEmail => Some(mask_email(value)),
        Redaction::MaskPhone => Some(mask_phone(value)),
        Redaction::Last4 => Some(last4(value)),
        Redaction::YearOnly => Some(year_only(value)),
        Redaction::Hidden => None,
    }
}

/// `jane.doe@example.com` → `j•••@example.com`: the first character of the local part, three
/// bullets, and the domain.
///
/// The domain is kept only when it looks like a host name (dot-separated labels of letters, digits
/// and hyphens), so a value that merely contains an `@` cannot carry other text through. Anything
/// that is not an e-mail address in that sense becomes `•••`.
pub fn mask_email(value: &str) -> String {
    let Some((local, domain)) = value.rsplit_once('@') else {
        return MASK.to_owned();
    };
    match local.chars().next() {
        Some(first) if shows_as_first(first) && plausible_domain(domain) => {
            format!("{first}{MASK}@{domain}")
        }
        _ => MASK.to_owned(),
    }
}

/// `+44 7700 900123` → `•••23`: only the last two digits stay. A value with fewer than four
/// digits becomes `•••`, since two of three digits would be most of it.
///
/// Only ASCII digits count; everything else in the value is dropped.
pub fn mask_phone(value: &str) -> String {
    let (count, last) = last_ascii(value, |b| b.is_ascii_digit(), 2);
    if count < PHONE_MIN_DIGITS {
        return MASK.to_owned();
    }
    format!("{MASK}{last}")
}

/// `4000 0012 3456 7899` → `•••• 7899`: the last four ASCII letters or digits, everything else
/// (spaces, dashes) ignored. A value with fewer than eight of them becomes `••••`, because four
/// characters of a short value would disclose most of it.
pub fn last4(value: &str) -> String {
    let (count, last) = last_ascii(value, |b| b.is_ascii_alphanumeric(), 4);
    if count < LAST4_MIN_LEN {
        return MASK_LAST4.to_owned();
    }
    format!("{MASK_LAST4} {last}")
}

/// `1985-03-14` or `1985-03-14T10:00:00Z` → `1985`. A value that does not start with four ASCII
/// digits and a `-` becomes `•••`.
pub fn year_only(value: &str) -> String {
    match value.as_bytes() {
        [a, b, c, d, b'-', ..] if [a, b, c, d].iter().all(|x| x.is_ascii_digit()) => {
            // Four ASCII bytes, so the slice ends on a character boundary.
            value[..4].to_owned()
        }
        _ => MASK.to_owned(),
    }
}

/// Whether `value` has exactly the shape that `redaction` produces, so that it can be stored where
/// only redacted values may go.
///
/// [`Redaction::Full`] accepts anything and [`Redaction::Hidden`] accepts nothing (a hidden field
/// has no value at all). For the masks, the placeholder they fall back to (`•••`, or `••••` for
/// [`Redaction::Last4`]) is accepted too. A value in the clear is refused: a full card number for
/// `Last4`, `jane@example.com` for `MaskEmail`, `1985-03-14` for `YearOnly`.
pub fn is_redacted_as(redaction: Redaction, value: &str) -> bool {
    match redaction {
        Redaction::Full => true,
        Redaction::Hidden => false,
        Redaction::MaskEmail => value == MASK || is_masked_email(value),
        Redaction::MaskPhone => {
            value == MASK
                || value
                    .strip_prefix(MASK)
                    .is_some_and(|d| d.len() == 2 && d.bytes().all(|b| b.is_ascii_digit()))
        }
        Redaction::Last4 => {
            value == MASK_LAST4
                || value.strip_prefix(MASK_LAST4).is_some_and(|rest| {
                    rest.strip_prefix(' ').is_some_and(|tail| {
                        tail.len() == 4 && tail.bytes().all(|b| b.is_ascii_alphanumeric())
                    })
                })
        }
        Redaction::YearOnly => {
            value == MASK || (value.len() == 4 && value.bytes().all(|b| b.is_ascii_digit()))
        }
    }
}

fn is_masked_email(value: &str) -> bool {
    let mut chars = value.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    shows_as_first(first)
        && chars
            .as_str()
            .strip_prefix(MASK)
            .and_then(|rest| rest.strip_prefix('@'))
            .is_some_and(plausible_domain)
}

/// Counts the ASCII bytes of `value` that satisfy `keep` and returns the count with the last `n`
/// of them. Bytes of multi-byte characters are never ASCII, so this cannot split a character.
fn last_ascii(value: &str, keep: impl Fn(&u8) -> bool, n: usize) -> (usize, String) {
    let mut count = 0;
    let mut tail = std::collections::VecDeque::with_capacity(n + 1);
    for b in value.bytes().filter(|b| keep(b)) {
        count += 1;
        tail.push_back(char::from(b));
        if tail.len() > n {
            tail.pop_front();
        }
    }
    (count, tail.into_iter().collect())
}

/// Whether `c` may be shown as the first character of a masked e-mail address: a letter, a digit
/// or ASCII punctuation, but not `@` (which would make the mask ambiguous) and nothing invisible
/// or direction-changing that could disguise the rest of the line.
fn shows_as_first(c: char) -> bool {
    (c.is_alphanumeric() || c.is_ascii_punctuation()) && c != '@'
}

/// Whether `domain` looks like a host name: at most 253 characters, at least two dot-separated
/// labels of 1 to 63 letters, digits or hyphens, no label starting or ending with a hyphen, and a
/// top-level label that is not all digits (which rules out bare IP addresses).
fn plausible_domain(domain: &str) -> bool {
    if domain.is_empty() || domain.chars().take(254).count() > 253 {
        return false;
    }
    let mut labels = 0;
    let mut last = "";
    for label in domain.split('.') {
        let len = label.chars().take(64).count();
        if !(1..=63).contains(&len)
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.chars().all(|c| c.is_alphanumeric() || c == '-')
        {
            return false;
        }
        labels += 1;
        last = label;
    }
    labels >= 2 && !last.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values of every kind, hostile ones included, that each mask must survive.
    fn hostile_values() -> Vec<String> {
        let mut values: Vec<String> = [
            "",
            "@",
            "@@",
            "a@",
            "@b.com",
            "jane.doe@example.com",
            "+44 7700 900123",
            "4000 0012 3456 7899",
            "GB33BUKB20201555555555",
            "1985-03-14",
            "1985-03-14T10:00:00Z",
            "é",
            "ééééééééé@é.é",
            "\u{202E}jane@example.com",
            "jane@example.com\u{202E}",
            "e\u{301}\u{301}\u{301}@example.com",
            "\u{0}\u{1}\u{7f}\n\r\t",
            "שלום@דוגמה.ישראל",
            "١٩٨٥-٠٣-١٤",
            "１９８５-03-14",
            "🦀🦀🦀🦀🦀🦀🦀🦀🦀",
            "••••",
            "•••@example.com",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect();
        values.push("a".repeat(1 << 20) + "@example.com");
        values.push("x@".to_owned() + &"a.".repeat(1 << 19) + "com");
        values.push("é".repeat(1 << 19));
        values.push("9".repeat(1 << 20));
        values
    }

    #[test]
    fn apply_dispatches_to_the_mask_and_hides_hidden_fields() {
        let email = "jane.doe@example.com";
        assert_eq!(apply(Redaction::Full, email).as_deref(), Some(email));
        assert_eq!(
            apply(Redaction::MaskEmail, email).as_deref(),
            Some("j•••@example.com")
        );
        assert_eq!(
            apply(Redaction::MaskPhone, "+44 7700 900123").as_deref(),
            Some("•••23")
        );
        assert_eq!(
            apply(Redaction::Last4, "4000 0012 3456 7899").as_deref(),
            Some("•••• 7899")
        );
        assert_eq!(
            apply(Redaction::YearOnly, "1985-03-14").as_deref(),
            Some("1985")
        );
        assert_eq!(apply(Redaction::Hidden, email), None);
        assert_eq!(apply(Redaction::Hidden, ""), None);
    }

    #[test]
    fn bullets_are_the_unicode_bullet() {
        assert_eq!(BULLET, '•');
        assert_eq!(MASK, "•••");
        assert_eq!(MASK_LAST4, "••••");
        assert_eq!(MASK.chars().filter(|&c| c == BULLET).count(), 3);
    }

    #[test]
    fn mask_email_keeps_the_first_character_and_the_domain() {
        let cases = [
            ("jane.doe@example.com", "j•••@example.com"),
            ("J@EXAMPLE.COM", "J•••@EXAMPLE.COM"),
            (
                "john_smith+support@mail.example.co.uk",
                "j•••@mail.example.co.uk",
            ),
            ("élodie@example.fr", "é•••@example.fr"),
            ("josé.garcía@exämple.es", "j•••@exämple.es"),
            ("田中@例え.jp", "田•••@例え.jp"),
            ("a@b@example.com", "a•••@example.com"),
            ("1234@example.com", "1•••@example.com"),
            ("o'brien@example.ie", "o•••@example.ie"),
            ("x@xn--bcher-kva.example", "x•••@xn--bcher-kva.example"),
        ];
        for (value, masked) in cases {
            assert_eq!(mask_email(value), masked, "{value}");
        }
    }

    #[test]
    fn mask_email_hides_everything_that_is_not_an_address() {
        let cases = [
            "",
            "jane.doe",
            "@example.com",
            "jane@",
            "jane@localhost",
            "jane@example",
            "jane@.com",
            "jane@example..com",
            "jane@-example.com",
            "jane@example-.com",
            "jane@exa mple.com",
            "jane@example.com ",
            "jane@example.com\n",
            "jane@example.com>",
            "Jane Doe <jane@example.com>",
            "jane@[192.168.0.1]",
            "jane@192.168.0.1",
            "\u{202E}jane@example.com",
            "\u{200B}jane@example.com",
            " jane@example.com",
            "\u{301}jane@example.com",
            "\u{0}@example.com",
            "@@example.com",
            "•jane@example.com",
        ];
        for value in cases {
            assert_eq!(mask_email(value), MASK, "{value:?}");
        }
        let long_label = format!("jane@{}.com", "a".repeat(64));
        assert_eq!(mask_email(&long_label), MASK);
        let long_domain = format!("jane@{}com", "a.".repeat(130));
        assert_eq!(mask_email(&long_domain), MASK);
        let ok_label = format!("jane@{}.com", "a".repeat(63));
        assert_eq!(
            mask_email(&ok_label),
            format!("j•••@{}.com", "a".repeat(63))
        );
    }

    #[test]
    fn mask_phone_keeps_only_the_last_two_digits() {
        let cases = [
            ("+44 7700 900123", "•••23"),
            ("07700 900123", "•••23"),
            ("(555) 123-4567", "•••67"),
            ("555.123.4567", "•••67"),
            ("+1-555-010-0199", "•••99"),
            ("1234", "•••34"),
            ("tel: +33 6 12 34 56 78", "•••78"),
            ("+٤٤ 7700 900123", "•••23"),
        ];
        for (value, masked) in cases {
            assert_eq!(mask_phone(value), masked, "{value}");
        }
    }

    #[test]
    fn mask_phone_hides_short_and_digitless_values() {
        for value in [
            "",
            "123",
            "1-2-3",
            "call me",
            "٠١٢٣٤٥٦٧٨٩",
            "１２３４５",
            "\u{0}\u{7f}",
        ] {
            assert_eq!(mask_phone(value), MASK, "{value:?}");
        }
    }

    #[test]
    fn last4_keeps_the_last_four_letters_or_digits() {
        let cases = [
            ("4000 0012 3456 7899", "•••• 7899"),
            ("4000-0012-3456-7899", "•••• 7899"),
            ("4000001234567899", "•••• 7899"),
            ("GB33BUKB20201555555555", "•••• 5555"),
            ("GB33 BUKB 2020 1555 5555 55", "•••• 5555"),
            ("DE89 3704 0044 0532 0130 00", "•••• 3000"),
            ("12345678", "•••• 5678"),
            ("ABCD-EFGH-1234-XYZW", "•••• XYZW"),
            ("1234 5678 é", "•••• 5678"),
            ("4000 0012 3456 789\u{301}9", "•••• 7899"),
        ];
        for (value, masked) in cases {
            assert_eq!(last4(value), masked, "{value}");
        }
    }

    #[test]
    fn last4_hides_short_values_entirely() {
        for value in [
            "",
            "1234",
            "1234567",
            "12-34-567",
            "ABC 123 ",
            "éééééééééé",
            "４０００００１２３４",
        ] {
            assert_eq!(last4(value), MASK_LAST4, "{value:?}");
        }
    }

    #[test]
    fn year_only_keeps_the_year_of_an_iso_date() {
        let cases = [
            ("1985-03-14", "1985"),
            ("1985-03-14T10:00:00Z", "1985"),
            ("1985-03-14T10:00:00+02:00", "1985"),
            ("0001-01-01", "0001"),
            ("1985-", "1985"),
        ];
        for (value, masked) in cases {
            assert_eq!(year_only(value), masked, "{value}");
        }
    }

    #[test]
    fn year_only_hides_anything_else() {
        let cases = [
            "",
            "1985",
            "198-03-14",
            "85-03-14",
            "14/03/1985",
            "14.03.1985",
            "19850314",
            " 1985-03-14",
            "a985-03-14",
            "١٩٨٥-٠٣-١٤",
            "１９８５-03-14",
            "19é5-03-14",
            "1985/03/14",
        ];
        for value in cases {
            assert_eq!(year_only(value), MASK, "{value:?}");
        }
    }

    #[test]
    fn every_mask_is_total_on_hostile_input() {
        for value in hostile_values() {
            for &redaction in Redaction::ALL {
                let out = apply(redaction, &value);
                if redaction == Redaction::Full {
                    assert_eq!(out.as_deref(), Some(value.as_str()));
                    continue;
                }
                let Some(out) = out else {
                    assert_eq!(redaction, Redaction::Hidden);
                    continue;
                };
                // A masked value is short whatever the input; only an e-mail domain is kept whole.
                if redaction != Redaction::MaskEmail {
                    assert!(out.chars().count() <= 9, "{redaction}: {out}");
                }
                assert!(!out.chars().any(char::is_control), "{redaction}: {out:?}");
            }
        }
    }

    #[test]
    fn what_a_mask_produces_is_recognised_as_redacted() {
        for value in hostile_values() {
            for &redaction in Redaction::ALL {
                if let Some(out) = apply(redaction, &value) {
                    let shown: String = out.chars().take(40).collect();
                    assert!(is_redacted_as(redaction, &out), "{redaction}: {shown:?}");
                }
            }
        }
    }

    #[test]
    fn values_in_the_clear_are_not_taken_for_redacted_ones() {
        let refused = [
            (Redaction::Last4, "4000 0012 3456 7899"),
            (Redaction::Last4, "4000001234567899"),
            (Redaction::Last4, "GB33BUKB20201555555555"),
            (Redaction::Last4, "7899"),
            (Redaction::Last4, "•••• 78990"),
            (Redaction::Last4, "•••• 789"),
            (Redaction::Last4, "••••7899"),
            (Redaction::Last4, "•••• 78 9"),
            (Redaction::Last4, "•••• 789é"),
            (Redaction::Last4, "••• 7899"),
            (Redaction::Last4, ""),
            (Redaction::MaskEmail, "jane.doe@example.com"),
            (Redaction::MaskEmail, "ja•••@example.com"),
            (Redaction::MaskEmail, "j••@example.com"),
            (Redaction::MaskEmail, "j•••example.com"),
            (Redaction::MaskEmail, "j•••@"),
            (Redaction::MaskEmail, "j•••@localhost"),
            (
                Redaction::MaskEmail,
                "j•••@example.com jane.doe@example.com",
            ),
            (Redaction::MaskEmail, "\u{202E}•••@example.com"),
            (Redaction::MaskEmail, "••••"),
            (Redaction::MaskEmail, ""),
            (Redaction::MaskPhone, "+44 7700 900123"),
            (Redaction::MaskPhone, "07700900123"),
            (Redaction::MaskPhone, "•••123"),
            (Redaction::MaskPhone, "•••2"),
            (Redaction::MaskPhone, "•••2a"),
            (Redaction::MaskPhone, "23"),
            (Redaction::MaskPhone, ""),
            (Redaction::YearOnly, "1985-03-14"),
            (Redaction::YearOnly, "1985-03-14T10:00:00Z"),
            (Redaction::YearOnly, "14/03/1985"),
            (Redaction::YearOnly, "85"),
            (Redaction::YearOnly, "19850"),
            (Redaction::YearOnly, "١٩٨٥"),
            (Redaction::YearOnly, ""),
        ];
        for (redaction, value) in refused {
            assert!(!is_redacted_as(redaction, value), "{redaction}: {value:?}");
        }
    }

    #[test]
    fn full_accepts_anything_and_hidden_accepts_nothing() {
        for value in hostile_values() {
            assert!(is_redacted_as(Redaction::Full, &value));
            assert!(!is_redacted_as(Redaction::Hidden, &value));
        }
        for value in ["", MASK, MASK_LAST4, "j•••@example.com", "1985"] {
            assert!(!is_redacted_as(Redaction::Hidden, value), "{value}");
        }
    }

    #[test]
    fn each_shape_belongs_to_its_own_redaction() {
        let shapes = [
            (Redaction::MaskEmail, "j•••@example.com"),
            (Redaction::MaskPhone, "•••23"),
            (Redaction::Last4, "•••• 7899"),
            (Redaction::Last4, "••••"),
            (Redaction::YearOnly, "1985"),
        ];
        for (own, shape) in shapes {
            for &redaction in Redaction::ALL {
                let expected = redaction == own || redaction == Redaction::Full;
                assert_eq!(
                    is_redacted_as(redaction, shape),
                    expected,
                    "{redaction}: {shape}"
                );
            }
        }
        // The three-bullet placeholder is what every mask but Last4 falls back to.
        for redaction in [
            Redaction::MaskEmail,
            Redaction::MaskPhone,
            Redaction::YearOnly,
        ] {
            assert!(is_redacted_as(redaction, MASK), "{redaction}");
        }
        assert!(!is_redacted_as(Redaction::Last4, MASK));
    }
}
