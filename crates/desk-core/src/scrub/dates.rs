//! Finding a given date however it is written: what lets free text lose a customer's date of
//! birth in any notation (`1985-03-14`, `14/03/1985`, `14-03-85`, `14 March 1985`, `March 14th,
//! 1985`, `14. März 1985`, `14-Mar-1985`, `1985-Mar-14`, `19850314`, `85-03-14`).

use std::sync::LazyLock;

use regex::Regex;

use super::{Part, compile};

/// A calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Date {
    pub(crate) year: u16,
    pub(crate) month: u8,
    pub(crate) day: u8,
}

impl Date {
    /// An ISO date (`1985-03-14`, possibly followed by a time).
    pub(crate) fn parse_iso(s: &str) -> Option<Self> {
        let s = s.get(..10)?;
        let mut fields = s.split('-');
        let year = fields.next()?.parse().ok()?;
        let month = fields.next()?.parse().ok()?;
        let day = fields.next()?.parse().ok()?;
        ((1..=12).contains(&month) && (1..=31).contains(&day)).then_some(Self { year, month, day })
    }

    /// Whether `year` (two or four digits), `month` and `day` name this date.
    fn is(&self, year: &str, month: u8, day: u8) -> bool {
        let y = match year.len() {
            4 => year.parse::<u16>().ok(),
            2 => year.parse::<u16>().ok().map(|y| y + self.year / 100 * 100),
            _ => None,
        };
        y == Some(self.year) && month == self.month && day == self.day
    }
}

/// Month names in the languages of the customers we serve, full and abbreviated, lower case,
/// with their month.
const MONTHS: &[(&str, u8)] = &[
    ("january", 1),
    ("janvier", 1),
    ("januar", 1),
    ("jänner", 1),
    ("enero", 1),
    ("januari", 1),
    ("gennaio", 1),
    ("janeiro", 1),
    ("jan", 1),
    ("february", 2),
    ("février", 2),
    ("fevrier", 2),
    ("februar", 2),
    ("febrero", 2),
    ("februari", 2),
    ("febbraio", 2),
    ("fevereiro", 2),
    ("feb", 2),
    ("fév", 2),
    ("fev", 2),
    ("march", 3),
    ("mars", 3),
    ("märz", 3),
    ("maerz", 3),
    ("marzo", 3),
    ("maart", 3),
    ("março", 3),
    ("mar", 3),
    ("mär", 3),
    ("april", 4),
    ("avril", 4),
    ("abril", 4),
    ("aprile", 4),
    ("apr", 4),
    ("avr", 4),
    ("may", 5),
    ("mai", 5),
    ("mayo", 5),
    ("mei", 5),
    ("maggio", 5),
    ("maj", 5),
    ("maio", 5),
    ("june", 6),
    ("juin", 6),
    ("juni", 6),
    ("junio", 6),
    ("giugno", 6),
    ("junho", 6),
    ("jun", 6),
    ("july", 7),
    ("juillet", 7),
    ("juli", 7),
    ("julio", 7),
    ("luglio", 7),
    ("julho", 7),
    ("jul", 7),
    ("juil", 7),
    ("august", 8),
    ("août", 8),
    ("aout", 8),
    ("agosto", 8),
    ("augustus", 8),
    ("augusti", 8),
    ("aug", 8),
    ("september", 9),
    ("septembre", 9),
    ("septiembre", 9),
    ("setiembre", 9),
    ("settembre", 9),
    ("setembro", 9),
    ("sept", 9),
    ("sep", 9),
    ("october", 10),
    ("octobre", 10),
    ("oktober", 10),
    ("octubre", 10),
    ("ottobre", 10),
    ("outubro", 10),
    ("oct", 10),
    ("okt", 10),
    ("november", 11),
    ("novembre", 11),
    ("noviembre", 11),
    ("novembro", 11),
    ("nov", 11),
    ("december", 12),
    ("décembre", 12),
    ("decembre", 12),
    ("dezember", 12),
    ("diciembre", 12),
    ("dicembre", 12),
    ("dezembro", 12),
    ("dec", 12),
    ("déc", 12),
    ("dez", 12),
];

fn month_names() -> String {
    let mut names: Vec<&str> = MONTHS.iter().map(|(n, _)| *n).collect();
    // Longest first, so that `march` is preferred to `mar`.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    names.join("|")
}

fn month_of(name: &str) -> Option<u8> {
    let name = name.to_lowercase();
    MONTHS.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
}

/// Three numbers joined by separators: `14/03/1985`, `1985-03-14`, `14 . 03 . 85`.
static NUMERIC: LazyLock<Regex> = LazyLock::new(|| {
    compile(
        r"(?-u:\b)([0-9]{1,4})(?:\s*[./\-,]\s*|\s+)([0-9]{1,2})(?:\s*[./\-,]\s*|\s+)([0-9]{2,4})(?-u:\b)",
    )
});

/// Eight or six digits in one piece: `19850314`, `14031985`, `850314`.
static COMPACT: LazyLock<Regex> =
    LazyLock::new(|| compile(r"(?-u:\b)(?:[0-9]{8}|[0-9]{6})(?-u:\b)"));

/// Day, month name, year: `14 March 1985`, `14th of March, 1985`, `14. März 1985`, `14 de marzo
/// de 1985`.
static DAY_NAME_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)(?-u:\b)([0-9]{{1,2}})(?:st|nd|rd|th|er|e|º)?[\s./\-,]*(?:of\s+|de\s+)?({})[\s./\-,]*(?:de\s+)?([0-9]{{4}}|[0-9]{{2}})(?-u:\b)",
        month_names()
    ))
});

/// Month name, day, year: `March 14, 1985`, `Mar 14th 1985`.
static NAME_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)(?-u:\b)({})[\s./\-,]*([0-9]{{1,2}})(?:st|nd|rd|th)?[\s./\-,]*([0-9]{{4}}|[0-9]{{2}})(?-u:\b)",
        month_names()
    ))
});

/// Year, month name, day: `1985-Mar-14`, `1985 March 14`.
static YEAR_NAME_DAY: LazyLock<Regex> = LazyLock::new(|| {
    compile(&format!(
        r"(?i)(?-u:\b)([0-9]{{4}})[\s./\-,]*({})[\s./\-,]*([0-9]{{1,2}})(?-u:\b)",
        month_names()
    ))
});

/// Where `date` is written in `part`, in offsets of the whole text.
pub(crate) fn find(part: Part<'_>, date: Date, out: &mut Vec<(usize, usize)>) {
    let offset = part.start;
    let span = |caps: &regex::Captures<'_>| {
        let m = caps.get(0).expect("a match");
        (offset + m.start(), offset + m.end())
    };
    for caps in part.captures(&NUMERIC) {
        let (a, b, c) = (&caps[1], &caps[2], &caps[3]);
        let n = |s: &str| s.parse::<u8>().unwrap_or(0);
        let hit = if a.len() == 4 {
            c.len() <= 2 && date.is(a, n(b), n(c))
        } else {
            a.len() <= 2
                && (date.is(c, n(b), n(a))
                    || date.is(c, n(a), n(b))
                    // Year first with two digits: `85-03-14`.
                    || (c.len() == 2 && date.is(a, n(b), n(c))))
        };
        if hit {
            out.push(span(&caps));
        }
    }
    for (start, end) in part.matches(&COMPACT) {
        let s = &part.text[start..end];
        let n = |r: std::ops::Range<usize>| s[r].parse::<u8>().unwrap_or(0);
        let hit = if s.len() == 8 {
            date.is(&s[..4], n(4..6), n(6..8))
                || date.is(&s[4..], n(2..4), n(0..2))
                || date.is(&s[4..], n(0..2), n(2..4))
        } else {
            date.is(&s[..2], n(2..4), n(4..6))
                || date.is(&s[4..], n(2..4), n(0..2))
                || date.is(&s[4..], n(0..2), n(2..4))
        };
        if hit {
            out.push((start, end));
        }
    }
    for caps in part.captures(&DAY_NAME_YEAR) {
        let day = caps[1].parse::<u8>().unwrap_or(0);
        if month_of(&caps[2]).is_some_and(|m| date.is(&caps[3], m, day)) {
            out.push(span(&caps));
        }
    }
    for caps in part.captures(&YEAR_NAME_DAY) {
        let day = caps[3].parse::<u8>().unwrap_or(0);
        if month_of(&caps[2]).is_some_and(|m| date.is(&caps[1], m, day)) {
            out.push(span(&caps));
        }
    }
    for caps in part.captures(&NAME_DAY_YEAR) {
        let day = caps[2].parse::<u8>().unwrap_or(0);
        if month_of(&caps[1]).is_some_and(|m| date.is(&caps[3], m, day)) {
            out.push(span(&caps));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        let date = Date::parse_iso("1985-03-14").unwrap();
        let mut out = Vec::new();
        find(
            Part {
                text,
                start: 0,
                end: text.len(),
            },
            date,
            &mut out,
        );
        out.iter().map(|&(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn a_date_is_found_in_every_notation() {
        for written in [
            "1985-03-14",
            "1985/03/14",
            "14/03/1985",
            "03/14/1985",
            "14-03-1985",
            "14.03.1985",
            "14.3.1985",
            "14 03 1985",
            "14-03-85",
            "19850314",
            "14031985",
            "850314",
            "14 March 1985",
            "14th of March, 1985",
            "14. März 1985",
            "14 mars 1985",
            "14 de marzo de 1985",
            "March 14, 1985",
            "Mar 14th 1985",
            "14 MAR 85",
            "14-Mar-1985",
            "14/Mar/1985",
            "14-March-1985",
            "14Mar1985",
            "Mar-14-1985",
            "1985-Mar-14",
            "1985 March 14",
            "85-03-14",
        ] {
            assert_eq!(found(&format!("born {written}.")), [written], "{written}");
        }
    }

    #[test]
    fn other_dates_and_numbers_are_not_it() {
        for text in [
            "1985-03-15",
            "15/03/1985",
            "14 April 1985",
            "14 March 1986",
            "19850315",
            "order 198503141",
            "14:03 1985",
        ] {
            assert!(found(text).is_empty(), "{text}");
        }
    }
}
