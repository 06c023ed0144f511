//! The values of the customer a text is about, found in any common notation.
//!
//! The scrubber cannot know that `12 Oak Lane` is an address or that `14 March 1985` is a date
//! of birth rather than any date; but when the text is about one customer, their own values are
//! known and can be looked for. The policy says which of them a reader may not see as they are
//! and what to put in their place ([`crate::Policy::free_text_about`]).

use super::contact::{PHONE, glued};
use super::dates::{self, Date};
use super::{Hit, Part};

/// Which value of the customer's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnKind {
    /// The e-mail address: found in any case.
    Email,
    /// The phone number: found in any notation whose digits end with its last nine (so the
    /// international and the national form both count).
    Phone,
    /// The date of birth (ISO): found in any notation [`dates`] knows.
    DateOfBirth,
    /// The postal address: found whole, or any comma-separated part of it that holds a number
    /// and another word (the street line, the postcode and town), in any case and spacing.
    Address,
}

/// A value of the customer's to look for, and what replaces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Own<'a> {
    /// Which value it is.
    pub kind: OwnKind,
    /// The value as stored.
    pub value: &'a str,
    /// What is put where it is found.
    pub with: String,
}

/// The values prepared for searching once per text: case-folded, reduced to their key digits,
/// parsed, split into phrases.
pub(crate) struct Prepared<'o> {
    values: Vec<(&'o Own<'o>, Target)>,
}

enum Target {
    Email(String),
    Phone(String),
    Date { date: Date, year_tail: String },
    Address(Vec<Phrase>),
    Nothing,
}

/// Words of an address to find in a row, and a number among them that a text must contain for
/// the phrase to be looked for at all.
struct Phrase {
    words: Vec<String>,
    anchor: Option<String>,
}

impl<'o> Prepared<'o> {
    pub(crate) fn new(own: &'o [Own<'o>]) -> Self {
        let values = own
            .iter()
            .map(|value| {
                let target = match value.kind {
                    OwnKind::Email => {
                        let email = value.value.trim().to_ascii_lowercase();
                        if email.len() < 3 {
                            Target::Nothing
                        } else {
                            Target::Email(email)
                        }
                    }
                    OwnKind::Phone => {
                        let key = phone_key(value.value);
                        if key.len() < 6 {
                            Target::Nothing
                        } else {
                            Target::Phone(key)
                        }
                    }
                    OwnKind::DateOfBirth => match Date::parse_iso(value.value) {
                        Some(date) => Target::Date {
                            date,
                            year_tail: format!("{:02}", date.year % 100),
                        },
                        None => Target::Nothing,
                    },
                    OwnKind::Address => Target::Address(phrases(value.value)),
                };
                (value, target)
            })
            .collect();
        Self { values }
    }

    /// The values in `part`.
    pub(crate) fn find(&self, part: Part<'_>, out: &mut Vec<Hit>) {
        let text = part.as_str();
        let mut words_of_part = None;
        for (value, target) in &self.values {
            let mut spans = Vec::new();
            match target {
                Target::Email(email) if text.contains('@') => find_email(part, email, &mut spans),
                Target::Phone(key) if super::digit_count(text) >= 6 => {
                    find_phone(part, key, &mut spans)
                }
                // A date is written with at least the last two digits of its year.
                Target::Date { date, year_tail } if text.contains(year_tail.as_str()) => {
                    dates::find(part, *date, &mut spans)
                }
                Target::Address(phrases) => {
                    for phrase in phrases {
                        if phrase
                            .anchor
                            .as_ref()
                            .is_some_and(|a| !text.contains(a.as_str()))
                        {
                            continue;
                        }
                        let words = words_of_part.get_or_insert_with(|| words(text));
                        find_phrase(part, words, &phrase.words, &mut spans);
                    }
                }
                _ => {}
            }
            out.extend(
                spans
                    .into_iter()
                    .map(|(start, end)| Hit::masked(start, end, value.with.clone())),
            );
        }
    }
}

fn find_email(part: Part<'_>, email: &str, out: &mut Vec<(usize, usize)>) {
    // ASCII lower-casing keeps every byte offset.
    let haystack = part.as_str().to_ascii_lowercase();
    for (i, _) in haystack.match_indices(email) {
        out.push((part.start + i, part.start + i + email.len()));
    }
}

/// The digits of a phone number that identify it whatever the notation: the last nine.
fn phone_key(phone: &str) -> String {
    let digits: Vec<u8> = phone.bytes().filter(u8::is_ascii_digit).collect();
    let from = digits.len().saturating_sub(9);
    String::from_utf8(digits[from..].to_vec()).unwrap_or_default()
}

fn find_phone(part: Part<'_>, key: &str, out: &mut Vec<(usize, usize)>) {
    for (start, end) in part.matches(&PHONE) {
        let digits: String = part.text[start..end]
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        // The number itself, or the number with a country code or trunk prefix before it.
        if digits.ends_with(key) && digits.len() <= key.len() + 4 && !glued(part, start, end) {
            out.push((start, end));
        }
    }
}

/// The words of `s` in lower case, with their byte ranges: runs of letters and digits.
fn words(s: &str) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain([(s.len(), ' ')]) {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(st) = start.take() {
            out.push((st, i, s[st..i].to_lowercase()));
        }
    }
    out
}

/// What of an address is looked for: the whole of it, and each comma-separated part that holds
/// a number and another word.
fn phrases(address: &str) -> Vec<Phrase> {
    let address = super::normal::View::of(address);
    let address = address.text();
    let phrase = |piece: &str| {
        let words: Vec<String> = words(piece).into_iter().map(|w| w.2).collect();
        let anchor = words
            .iter()
            .find(|w| w.bytes().all(|b| b.is_ascii_digit()))
            .cloned();
        Phrase { words, anchor }
    };
    let mut out = vec![phrase(address)];
    if address.contains(',') {
        for piece in address.split(',') {
            let piece = phrase(piece);
            let has_number = piece
                .words
                .iter()
                .any(|w| w.bytes().any(|b| b.is_ascii_digit()));
            if piece.words.len() >= 2 && has_number {
                out.push(piece);
            }
        }
    }
    out.retain(|p| !p.words.is_empty());
    out
}

fn find_phrase(
    part: Part<'_>,
    text: &[(usize, usize, String)],
    phrase: &[String],
    out: &mut Vec<(usize, usize)>,
) {
    let n = phrase.len();
    let mut i = 0;
    while i + n <= text.len() {
        if text[i..i + n].iter().zip(phrase).all(|(t, p)| t.2 == *p) {
            out.push((part.start + text[i].0, part.start + text[i + n - 1].1));
            i += n;
        } else {
            i += 1;
        }
    }
}
