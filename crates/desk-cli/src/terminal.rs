//! Record text made safe to print: what `desk` writes shows what a text says, and nothing in the
//! text can act on the terminal or rearrange the line it is on.
//!
//! Ticket messages and subjects, transaction descriptions, names and every other string that
//! comes from the server or the cache were written by customers and agents. Printed raw, an
//! escape sequence (`ESC [ 2 J`), a carriage return or a backspace would run in the agent's
//! terminal, and a bidi control (U+202E RIGHT-TO-LEFT OVERRIDE) or a zero-width character would
//! make a line read differently from what it says. Every piece of such text `desk` prints goes
//! through this module; so do its error lines and its log.
//!
//! A *hidden* character ([`is_hidden`]) is one of:
//! - a control character (Unicode `Cc`): C0 (U+0000–U+001F), DEL (U+007F), C1 (U+0080–U+009F,
//!   such as U+0085 NEXT LINE);
//! - a format character (Unicode `Cf`, from the same Unicode tables the scrubber reads): the bidi embeddings, overrides,
//!   isolates and marks (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), zero-width
//!   spaces and joiners (U+200B–U+200D), the word joiner and invisible operators
//!   (U+2060–U+2064), the byte-order mark U+FEFF, the soft hyphen U+00AD, tags (U+E0001,
//!   U+E0020–U+E007F), and the rest of the category;
//! - the line and paragraph separators U+2028 and U+2029.
//!
//! Everything else is written as it is: Arabic, Hebrew, Japanese, accents, emoji. (An emoji
//! joined with U+200D ZERO WIDTH JOINER, or a Persian word with U+200C, shows the joiner as an
//! escape: the price of showing every zero-width character.)
//!
//! What it promises:
//! - Text output ([`line`], [`block`]): each hidden character is written as `\u{XXXX}`, its code
//!   point in upper-case hexadecimal without padding (`\u{1B}` for ESC, `\u{D}` for a carriage
//!   return, `\u{202E}`), one style for all of them. [`line`] escapes line breaks too, so a value
//!   is always one line of output. [`block`] (a message body) keeps `\n`, and `\r\n`, as line
//!   breaks and starts every following line with the same indent, so a body cannot print a line
//!   that looks like one of `desk`'s own (another message's header); a lone `\r` is escaped.
//!   A backslash is written as it is: the text output is for reading, not a reversible
//!   encoding, so a text that says `\u{202E}` in so many characters prints like one holding
//!   U+202E. `--json` is the exact form.
//! - JSON output ([`json`]): serde_json escapes C0 controls but writes DEL, C1, format
//!   characters and U+2028/U+2029 raw; [`json`] rewrites each of those as a `\uXXXX` escape (a
//!   surrogate pair above U+FFFF). The result is valid JSON with the same value.
//! - The log ([`LogWriter`]): hidden characters escaped as in [`line`], except the line break
//!   that ends each event and ESC, which tracing-subscriber's own colours use (it escapes ESC
//!   and C1 in the values it logs itself).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Whether `c` is hidden: a control, format or separator character (see the module docs).
pub fn is_hidden(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    // Outside ASCII, `Cc` is exactly C1.
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_format(c)
}

fn is_format(c: char) -> bool {
    c.general_category() == GeneralCategory::Format
}

/// How [`escape`] treats line breaks and ESC.
#[derive(Clone, Copy)]
enum Mode<'a> {
    /// Everything hidden escaped: one line.
    Line,
    /// `\n` and `\r\n` kept, each followed by this indent.
    Block(&'a str),
    /// `\n` and ESC kept.
    Log,
}

fn escape<'a>(text: &'a str, mode: Mode<'_>) -> Cow<'a, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, mode) {
            ('\n', Mode::Block(indent)) => {
                out.push('\n');
                out.push_str(indent);
            }
            // The `\n` that follows makes the break.
            ('\r', Mode::Block(_)) if chars.peek() == Some(&'\n') => {}
            ('\n' | '\x1b', Mode::Log) => out.push(c),
            (c, _) if is_hidden(c) => {
                // Writing to a String cannot fail.
                let _ = write!(out, "\\u{{{:X}}}", u32::from(c));
            }
            (c, _) => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `text` as one line of output: every hidden character, line breaks included, as `\u{XXXX}`.
pub fn line(text: &str) -> Cow<'_, str> {
    escape(text, Mode::Line)
}

/// `text` as lines of output (a message body): `\n` and `\r\n` stay line breaks, each followed
/// by `indent`, so every line of the text starts where its first one does (the caller writes
/// `indent` before the first); every other hidden character as `\u{XXXX}`.
pub fn block<'a>(text: &'a str, indent: &str) -> Cow<'a, str> {
    escape(text, Mode::Block(indent))
}

/// Serialized JSON with every hidden character that serde_json leaves raw (DEL, C1, format
/// characters, U+2028, U+2029) written as a `\uXXXX` escape instead; the same value when parsed.
///
/// Such a character can only stand inside a JSON string, because serde_json writes everything
/// else in ASCII (and escapes C0 in strings itself, so C0 here is its own layout: newlines and
/// indentation), and it is never part of an escape sequence, which are ASCII too: replacing it
/// by its escape keeps the string's value.
pub fn json(serialized: &str) -> Cow<'_, str> {
    let raw = |c: char| is_hidden(c) && !matches!(c, '\0'..='\x1f');
    if !serialized.chars().any(raw) {
        return Cow::Borrowed(serialized);
    }
    let mut out = String::with_capacity(serialized.len() + 16);
    for c in serialized.chars() {
        if raw(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A writer for the log on stderr (`tracing_subscriber`'s writer): each event's text with
/// hidden characters escaped, keeping line breaks and ESC (see the module docs).
///
/// tracing-subscriber formats each event whole and hands it over in one `write_all`, so every
/// call sees whole characters; bytes that are not UTF-8 are written as replacement characters.
pub struct LogWriter<W>(pub W);

impl<W: io::Write> io::Write for LogWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        self.0.write_all(escape(&text, Mode::Log).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use serde_json::{Value, json as value};

    use super::*;

    #[test]
    fn escape_sequences_and_terminal_controls_are_shown_not_run() {
        assert_eq!(
            line("red \x1b[31malert\x1b[0m \x1b]0;title\x07"),
            r"red \u{1B}[31malert\u{1B}[0m \u{1B}]0;title\u{7}"
        );
        assert_eq!(line("paid\rREFUNDED"), r"paid\u{D}REFUNDED");
        assert_eq!(line("abc\x08\x08\x08xyz"), r"abc\u{8}\u{8}\u{8}xyz");
        assert_eq!(line("del\x7f nul\0 tab\t"), r"del\u{7F} nul\u{0} tab\u{9}");
        assert_eq!(line("one\ntwo"), r"one\u{A}two");
        // C1: U+009B is a one-character CSI in terminals that honour 8-bit controls.
        assert_eq!(line("next\u{85}line \u{9b}2J"), r"next\u{85}line \u{9B}2J");
    }

    #[test]
    fn bidi_controls_and_invisible_characters_are_shown() {
        assert_eq!(line("invoice\u{202E}fdp.exe"), r"invoice\u{202E}fdp.exe");
        assert_eq!(
            line("\u{2066}a\u{2067}b\u{2068}c\u{2069}"),
            r"\u{2066}a\u{2067}b\u{2068}c\u{2069}"
        );
        assert_eq!(
            line("\u{200E}\u{200F}\u{61C}\u{202A}\u{202B}\u{202C}\u{202D}"),
            r"\u{200E}\u{200F}\u{61C}\u{202A}\u{202B}\u{202C}\u{202D}"
        );
        assert_eq!(
            line("pay\u{200B}pal \u{200C}\u{200D}\u{2060}\u{FEFF}\u{AD}"),
            r"pay\u{200B}pal \u{200C}\u{200D}\u{2060}\u{FEFF}\u{AD}"
        );
        assert_eq!(line("a\u{2028}b\u{2029}c"), r"a\u{2028}b\u{2029}c");
        // Tags (invisible ASCII) outside the BMP.
        assert_eq!(line("ok\u{E0001}\u{E0041}"), r"ok\u{E0001}\u{E0041}");
    }

    #[test]
    fn ordinary_text_in_any_script_is_left_as_it_is() {
        for text in [
            "Refund of €12.50 for order #4471, thanks!",
            "مرحبا، أريد استرداد المبلغ",
            "שלום, אני רוצה החזר כספי",
            "返金をお願いします。ありがとうございます",
            "Crème brûlée, naïve façade, Ærøskøbing, Ñandú",
            "C:\\Users\\ada\\receipt.pdf 👍 ✓ — “quoted”",
        ] {
            assert!(matches!(line(text), Cow::Borrowed(_)), "{text}");
            assert!(matches!(json(text), Cow::Borrowed(_)), "{text}");
            assert_eq!(block(text, "    "), text);
        }
    }

    #[test]
    fn a_body_keeps_its_line_breaks_indented_like_its_first_line() {
        assert_eq!(
            block("Hello,\nthe charge\r\nis wrong.", "    "),
            "Hello,\n    the charge\n    is wrong."
        );
        // A body cannot forge a line of `desk`'s own: every line is indented.
        assert_eq!(
            block("ok\n  [2026-01-01] message by admin:\r", "    "),
            "ok\n      [2026-01-01] message by admin:\\u{D}"
        );
        assert_eq!(
            block("a\u{202E}b\x1b[2Jc\u{2028}d", "  "),
            r"a\u{202E}b\u{1B}[2Jc\u{2028}d"
        );
    }

    #[test]
    fn format_characters_are_hidden() {
        for c in [
            '\u{600}',
            '\u{6DD}',
            '\u{180E}',
            '\u{206F}',
            '\u{FFFB}',
            '\u{1D173}',
        ] {
            assert!(is_hidden(c), "{:X}", u32::from(c));
        }
        for c in [
            'a',
            ' ',
            '\u{A0}',
            '\u{5D0}',
            '\u{627}',
            '\u{3042}',
            '\u{FE0F}',
            '\u{1F44D}',
        ] {
            assert!(!is_hidden(c), "{:X}", u32::from(c));
        }
    }

    #[test]
    fn json_escapes_what_serde_json_leaves_raw_and_keeps_the_value() {
        let record = value!({
            "subject": "invoice\u{202E}fdp.exe",
            "body": "line\u{2028}sep\u{2029} nel\u{85} csi\u{9b} zw\u{200B}\u{FEFF}\u{AD} del\x7f",
            "esc": "\x1b[31mred\r\x08",
            "tag": "\u{E0041}",
            "plain": "مرحبا שלום 返金 crème 👍",
            "keys": { "na\u{200D}me": ["\u{2066}x\u{2069}"] },
        });
        for serialized in [
            serde_json::to_string(&record).unwrap(),
            serde_json::to_string_pretty(&record).unwrap(),
        ] {
            let escaped = json(&serialized);
            assert!(
                escaped.chars().all(|c| !is_hidden(c) || c == '\n'),
                "{escaped}"
            );
            assert!(escaped.contains(r"invoice\u202efdp.exe"), "{escaped}");
            assert!(escaped.contains(r"\u2028sep\u2029"), "{escaped}");
            assert!(escaped.contains(r"\u0085") && escaped.contains(r"\u009b"));
            assert!(
                escaped.contains(r"\u200b\ufeff\u00ad del\u007f"),
                "{escaped}"
            );
            assert!(escaped.contains(r"\u001b[31mred\r\b"), "{escaped}");
            assert!(
                escaped.contains(r"\udb40\udc41"),
                "a surrogate pair: {escaped}"
            );
            assert!(escaped.contains("مرحبا שלום 返金 crème 👍"), "{escaped}");
            let parsed: Value = serde_json::from_str(&escaped).unwrap();
            assert_eq!(parsed, record);
        }
    }

    #[test]
    fn the_log_keeps_its_line_breaks_and_colours_and_escapes_the_rest() {
        let mut log = LogWriter(Vec::new());
        log.write_all("\x1b[33m WARN\x1b[0m refused: a\u{202E}b\rc\n".as_bytes())
            .unwrap();
        assert_eq!(
            String::from_utf8(log.0).unwrap(),
            "\x1b[33m WARN\x1b[0m refused: a\\u{202E}b\\u{D}c\n"
        );
    }
}
