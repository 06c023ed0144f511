//! The normalized view of a text that the detectors read, and the way back to the original.
//!
//! People (and pasted text) write the same number in many spellings: full-width digits,
//! Arabic-Indic digits, a zero-width space or a soft hyphen between groups, a thin space, an en
//! dash. The detectors should not have to know them all, so they read a [`View`]: the text with
//!
//! - every character in its NFKC form (full-width `４` and `＠` become `4` and `@`, the thin,
//!   figure and no-break spaces become a space, mathematical and circled digits become digits);
//! - every decimal digit of any script as its ASCII digit (`٤` becomes `4`);
//! - every dash (Unicode `Pd`, and the minus sign) as `-`;
//! - invisible characters removed: format characters (`Cf`: zero-width spaces and joiners, the
//!   word joiner, the soft hyphen, bidi controls, the byte-order mark, tags), variation selectors
//!   and the other default-ignorable code points, and combining marks that follow a digit.
//!
//! Each byte of the view remembers which character of the original it came from, so a match in
//! the view masks exactly the span of the original that spelled it ([`View::original_span`]).
//! Text that is plain ASCII is its own view and costs nothing to make.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// A text as the detectors read it; see the [module documentation](self).
pub(crate) struct View<'a> {
    original: &'a str,
    text: Cow<'a, str>,
    /// For each byte of `text`, the original byte offset where the character it came from
    /// starts, and where it ends; empty when `text` is `original`.
    from: Vec<(u32, u32)>,
}

impl<'a> View<'a> {
    /// The view of `original`.
    pub(crate) fn of(original: &'a str) -> Self {
        if !needs_normalizing(original) {
            return Self {
                original,
                text: Cow::Borrowed(original),
                from: Vec::new(),
            };
        }
        let mut text = String::with_capacity(original.len());
        let mut from = Vec::with_capacity(original.len());
        let mut push = |text: &mut String, c: char, start: usize, end: usize| {
            let span = (start as u32, end as u32);
            text.push(c);
            from.extend(std::iter::repeat_n(span, c.len_utf8()));
        };
        for (start, c) in original.char_indices() {
            let end = start + c.len_utf8();
            if c.is_ascii() {
                push(&mut text, c, start, end);
                continue;
            }
            let category = c.general_category();
            if is_ignorable_as(c, category) {
                continue;
            }
            if matches!(
                category,
                GeneralCategory::NonspacingMark | GeneralCategory::EnclosingMark
            ) && text.as_bytes().last().is_some_and(u8::is_ascii_digit)
            {
                continue;
            }
            // Most characters of most scripts are their own NFKC form: the quick check's
            // table says so without decomposing them.
            if is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes {
                push(&mut text, simplify_as(c, category), start, end);
                continue;
            }
            for d in std::iter::once(c).nfkc() {
                if is_ignorable(d) {
                    continue;
                }
                push(&mut text, simplify(d), start, end);
            }
        }
        Self {
            original,
            text: Cow::Owned(text),
            from,
        }
    }

    /// The normalized text.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The span of the original text that the view's bytes `start..end` came from.
    pub(crate) fn original_span(&self, start: usize, end: usize) -> (usize, usize) {
        if self.from.is_empty() {
            return (start, end);
        }
        if start >= end {
            let at = self
                .from
                .get(start)
                .map_or(self.original.len(), |&(s, _)| s as usize);
            return (at, at);
        }
        (self.from[start].0 as usize, self.from[end - 1].1 as usize)
    }
}

/// Whether `text` differs from its view: it holds a character that is not ASCII (ASCII
/// characters are their own NFKC form and none of them is invisible).
fn needs_normalizing(text: &str) -> bool {
    !text.is_ascii()
}

/// A character of an NFKC form as the view holds it: digits of every script as ASCII digits,
/// dashes and the minus sign as `-`.
fn simplify(c: char) -> char {
    if c.is_ascii() {
        return c;
    }
    simplify_as(c, c.general_category())
}

/// [`simplify`] for a character whose general category is known.
fn simplify_as(c: char, category: GeneralCategory) -> char {
    match category {
        GeneralCategory::DecimalNumber => decimal_value(c).map_or(c, |d| char::from(b'0' + d)),
        GeneralCategory::DashPunctuation => '-',
        _ if c == '\u{2212}' => '-',
        _ => c,
    }
}

/// The value of a decimal digit of any script. Unicode encodes every script's decimal digits as
/// runs of ten consecutive code points from zero to nine, some runs directly after another
/// (the mathematical digits), so the value is the distance from the start of the run, modulo 10.
pub(crate) fn decimal_value(c: char) -> Option<u8> {
    let is_digit = |c: u32| {
        char::from_u32(c).is_some_and(|c| c.general_category() == GeneralCategory::DecimalNumber)
    };
    let code = u32::from(c);
    if !is_digit(code) {
        return None;
    }
    let mut start = code;
    // The longest run of adjacent blocks is five (U+1D7CE–U+1D7FF).
    while start > 0 && code - start < 60 && is_digit(start - 1) {
        start -= 1;
    }
    Some(((code - start) % 10) as u8)
}

/// Whether `c` is invisible and says nothing about the text's content: a format character or
/// another default-ignorable code point (variation selectors, the combining grapheme joiner,
/// Hangul fillers, Mongolian variation selectors, the tag characters).
pub(crate) fn is_ignorable(c: char) -> bool {
    if c.is_ascii() {
        return false;
    }
    is_ignorable_as(c, c.general_category())
}

/// [`is_ignorable`] for a character whose general category is known.
fn is_ignorable_as(c: char, category: GeneralCategory) -> bool {
    category == GeneralCategory::Format
        || matches!(u32::from(c),
        0x034F
        | 0x115F..=0x1160
        | 0x17B4..=0x17B5
        | 0x180B..=0x180F
        | 0x200B..=0x200F
        | 0x202A..=0x202E
        | 0x2060..=0x206F
        | 0x3164
        | 0xFE00..=0xFE0F
        | 0xFEFF
        | 0xFFA0
        | 0xFFF0..=0xFFF8
        | 0x1BCA0..=0x1BCA3
        | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn normalized(s: &str) -> String {
        View::of(s).text().to_owned()
    }

    #[test]
    fn ascii_is_its_own_view() {
        let view = View::of("card 4000-0012 3456\t7899");
        assert!(matches!(view.text, Cow::Borrowed(_)));
        assert_eq!(view.original_span(5, 9), (5, 9));
    }

    #[test]
    fn look_alikes_become_what_they_look_like() {
        assert_eq!(normalized("４０００ ００１２"), "4000 0012");
        assert_eq!(normalized("jane＠example.com"), "jane@example.com");
        assert_eq!(normalized("٤٠٠٠ ۰۰۱۲ ४५६७"), "4000 0012 4567");
        assert_eq!(
            normalized("4000\u{2009}0012\u{2007}3456\u{202F}7899\u{A0}1"),
            "4000 0012 3456 7899 1"
        );
        assert_eq!(normalized("4000–0012—3456‑7899−1"), "4000-0012-3456-7899-1");
        assert_eq!(normalized("𝟒𝟎𝟎𝟎 ①②"), "4000 12");
        assert_eq!(normalized("ｊａｎｅ"), "jane");
    }

    #[test]
    fn invisible_characters_are_removed() {
        assert_eq!(
            normalized(
                "4\u{200B}0\u{200C}0\u{200D}0\u{2060}0\u{AD}0\u{FEFF}1\u{202E}2\u{2066}3\u{FE0F}4\u{E0041}5"
            ),
            "40000012345"
        );
        // A combining mark on a digit is the digit; on a letter it stays.
        assert_eq!(normalized("4\u{301}0\u{20E3}0"), "400");
        assert_eq!(normalized("e\u{301}"), "e\u{301}");
    }

    #[test]
    fn spans_lead_back_to_the_original() {
        let original = "x ４\u{200B}０ y";
        let view = View::of(original);
        assert_eq!(view.text(), "x 40 y");
        let (s, e) = view.original_span(2, 4);
        assert_eq!(&original[s..e], "４\u{200B}０");
        let (s, e) = view.original_span(5, 6);
        assert_eq!(&original[s..e], "y");
    }

    #[test]
    fn decimal_values_of_every_script() {
        for (zero, name) in [
            ('0', "ASCII"),
            ('\u{660}', "Arabic-Indic"),
            ('\u{966}', "Devanagari"),
            ('\u{E50}', "Thai"),
            ('\u{FF10}', "full-width"),
            ('\u{1D7CE}', "mathematical bold"),
            ('\u{1D7F6}', "mathematical monospace"),
        ] {
            for d in 0..10u8 {
                let c = char::from_u32(u32::from(zero) + u32::from(d)).unwrap();
                assert_eq!(decimal_value(c), Some(d), "{name} {d}");
            }
        }
        assert_eq!(decimal_value('a'), None);
        assert_eq!(decimal_value('½'), None);
        // Every decimal digit Unicode knows has a value, and its runs start at zero.
        for code in 0..=0x10FFFFu32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            if c.general_category() != GeneralCategory::DecimalNumber {
                continue;
            }
            let value = decimal_value(c).expect("a decimal digit has a value");
            if value > 0 {
                let before = char::from_u32(code - 1).unwrap();
                assert_eq!(decimal_value(before), Some(value - 1), "U+{code:04X}");
            }
        }
    }

    #[test]
    fn every_default_ignorable_code_point_is_ignored() {
        let ignorable = regex::Regex::new(r"^\p{Default_Ignorable_Code_Point}$").unwrap();
        let mut buf = [0u8; 4];
        for code in 0x80..=0x10FFFFu32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            if ignorable.is_match(c.encode_utf8(&mut buf)) {
                assert!(is_ignorable(c), "U+{code:04X}");
            }
        }
    }
}
