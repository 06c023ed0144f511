//! Runs of digit groups: what card numbers and numeric national ids are looked for in.
//!
//! A run is digit groups joined by separators, each separator a run of one to four
//! whitespace or punctuation characters ([`SEPARATOR_CLASS`]): `4000 0012-3456 7899`,
//! `219 09 9999`, `4000/0012/3456/7899` and `4000 0012\n3456 7899` are each one run. Letters end
//! a run. Detectors then decide which consecutive groups of a run make up a value.

use std::sync::LazyLock;

use regex::Regex;

use super::{Hit, Part, SEPARATOR_CLASS, compile};

static DIGIT_RUN: LazyLock<Regex> =
    LazyLock::new(|| compile(&format!(r"[0-9]+(?:{SEPARATOR_CLASS}{{1,4}}[0-9]+)*")));

/// One run: its groups as byte ranges of the whole text.
pub(crate) struct Run<'t> {
    pub(crate) text: &'t str,
    pub(crate) groups: Vec<(usize, usize)>,
}

impl<'t> Run<'t> {
    /// The number of digits in group `k`.
    pub(crate) fn len(&self, k: usize) -> usize {
        self.groups[k].1 - self.groups[k].0
    }

    /// The digits of groups `i..=j`, joined.
    pub(crate) fn digits(&self, i: usize, j: usize) -> String {
        self.groups[i..=j]
            .iter()
            .map(|&(s, e)| &self.text[s..e])
            .collect()
    }

    /// The separator between group `k` and group `k + 1`.
    pub(crate) fn separator(&self, k: usize) -> &'t str {
        &self.text[self.groups[k].1..self.groups[k + 1].0]
    }

    /// Where groups `i..=j` start and end in the text.
    pub(crate) fn span(&self, i: usize, j: usize) -> (usize, usize) {
        (self.groups[i].0, self.groups[j].1)
    }

    /// Whether groups `i..=j` stand as a number of their own: not glued to an ASCII letter, and not
    /// joined to the group before or after by a separator the number itself uses between its
    /// groups (`123-45-6789-1` is not `123-45-6789`), or, for a number of one group, by a single
    /// `-`, `.`, `/` or `:` (`12345678901-2`).
    pub(crate) fn stands_alone(&self, i: usize, j: usize) -> bool {
        let (start, end) = self.span(i, j);
        let glued = self.text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric())
            || self.text[end..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric());
        if glued {
            return false;
        }
        let inner: Vec<&str> = (i..j).map(|k| self.separator(k)).collect();
        let joins = |sep: &str| {
            if inner.is_empty() {
                matches!(sep, "-" | "." | "/" | ":")
            } else {
                inner.contains(&sep)
            }
        };
        let before = i > 0 && joins(self.separator(i - 1));
        let after = j + 1 < self.groups.len() && joins(self.separator(j));
        !before && !after
    }
}

/// Card numbers, tracking numbers and numeric national ids in `part`: one pass over its runs of
/// digit groups, each looked for only among the groups that the ones before did not claim
/// (dates written year first and tracking numbers, kept; then cards; then national ids).
pub(crate) fn find_numbers(part: Part<'_>, out: &mut Vec<Hit>) {
    // The shortest of them, a US SSN, has nine digits.
    if super::digit_count(part.as_str()) < 9 {
        return;
    }
    type Finder = fn(&Run<'_>) -> Vec<(usize, usize, Hit)>;
    let finders: [Finder; 4] = [
        super::cards::dates_in_run,
        super::cards::tracking_in_run,
        super::cards::in_run,
        super::national::in_run,
    ];
    for run in runs(part) {
        let mut claimed = vec![false; run.groups.len()];
        for find in finders {
            let mut from = 0;
            while from < claimed.len() {
                if claimed[from] {
                    from += 1;
                    continue;
                }
                let to = (from..claimed.len())
                    .find(|&k| claimed[k])
                    .unwrap_or(claimed.len());
                let sub = Run {
                    text: run.text,
                    groups: run.groups[from..to].to_vec(),
                };
                for (i, j, hit) in find(&sub) {
                    claimed[from + i..=from + j].fill(true);
                    // What is kept (a date, a tracking number) is kept from cards and ids only;
                    // the customer's own values and phone numbers are looked for in it later.
                    if hit.with.is_some() {
                        out.push(hit);
                    }
                }
                from = to;
            }
        }
    }
}

/// The runs of digit groups in `part`.
pub(crate) fn runs<'t>(part: Part<'t>) -> impl Iterator<Item = Run<'t>> {
    part.matches(&DIGIT_RUN).map(move |(start, end)| {
        let mut groups = Vec::new();
        let mut group_start = None;
        for (i, b) in part.text.as_bytes()[start..end].iter().enumerate() {
            let i = start + i;
            if b.is_ascii_digit() {
                group_start.get_or_insert(i);
            } else if let Some(s) = group_start.take() {
                groups.push((s, i));
            }
        }
        if let Some(s) = group_start {
            groups.push((s, end));
        }
        Run {
            text: part.text,
            groups,
        }
    })
}
