//! Where what an agent types meets what is stored: each search key's normal form, computed in
//! Rust both when records are imported (into the derived columns `customers.phone_tail`,
//! `accounts.number_norm` and, on PostgreSQL, `customers.name_words`) and when a search is made,
//! so both sides always agree whatever the database does with text.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The last nine digits of a phone number (all of them if fewer), ignoring everything but
/// ASCII digits: `+44 7700 900123` and `07700 900123` both give `700900123`.
pub(crate) fn phone_tail(phone: &str) -> String {
    let digits = phone.bytes().filter(u8::is_ascii_digit).count();
    phone
        .chars()
        .filter(char::is_ascii_digit)
        .skip(digits.saturating_sub(9))
        .collect()
}

/// An IBAN as stored for search: upper case, without whitespace
/// (`gb33 bukb 2020 1555 5555 55` gives `GB33BUKB20201555555555`).
pub(crate) fn normalize_iban(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The words of a name as PostgreSQL's name search keeps and looks for them: lower case, without
/// diacritics, split at everything that is not a letter or digit (`José O'Brien-Núñez` gives
/// `jose`, `o`, `brien`, `nunez`). It stands for SQLite's FTS5 tokenizer (`unicode61
/// remove_diacritics 2`): the same word boundaries and case folding; diacritics go by Unicode's
/// decomposition (NFD, combining marks dropped, NFC again), which removes them in every script,
/// where FTS5's own table holds Latin letters only, and keeps letters without a decomposition
/// (`ø`, `ł`, `ß`, `đ`) as they are, as FTS5 does.
pub(crate) fn name_words(name: &str) -> Vec<String> {
    // Marks go before the split (a decomposed `é` is `e` and a mark, which is no letter), and
    // again after lower-casing, which can make one (`İ` is `i` and a combining dot).
    let folded: String = name
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| !is_combining_mark(*c))
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.nfc().collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phone_tail_keeps_the_last_nine_digits() {
        assert_eq!(phone_tail("+44 7700 900123"), "700900123");
        assert_eq!(phone_tail("07700 900123"), "700900123");
        assert_eq!(phone_tail("+1 (202) 555-0142"), "025550142");
        assert_eq!(phone_tail("555 0142"), "5550142");
        assert_eq!(phone_tail("no digits"), "");
        // Non-ASCII digits are not phone digits.
        assert_eq!(phone_tail("٠١٢ 3"), "3");
    }

    #[test]
    fn normalize_iban_upper_cases_and_drops_whitespace() {
        assert_eq!(
            normalize_iban("gb33 bukb 2020 1555 5555 55"),
            "GB33BUKB20201555555555"
        );
        assert_eq!(
            normalize_iban(" DE89\t3704 0044\n0532 0130 00 "),
            "DE89370400440532013000"
        );
        assert_eq!(normalize_iban("NL91ABNA0417164300"), "NL91ABNA0417164300");
        assert_eq!(normalize_iban(""), "");
    }

    #[test]
    fn name_words_fold_case_and_diacritics_and_split_at_punctuation() {
        assert_eq!(
            name_words("José O'Brien-Núñez"),
            ["jose", "o", "brien", "nunez"]
        );
        assert_eq!(name_words("İlkay ÖLÇER"), ["ilkay", "olcer"]);
        // Decomposed input is the same name.
        assert_eq!(name_words("Jose\u{301}"), ["jose"]);
        // Letters without a decomposition stay.
        assert_eq!(
            name_words("Łukasz Øster Straße"),
            ["łukasz", "øster", "straße"]
        );
        assert_eq!(name_words("Nguyễn Văn 3rd"), ["nguyen", "van", "3rd"]);
        assert_eq!(name_words("  --  "), Vec::<String>::new());
    }
}
