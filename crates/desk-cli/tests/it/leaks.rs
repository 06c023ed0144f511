//! The attacker's end-to-end test: free text holding what must not survive, in the spellings an
//! attacker tries, written to a ticket and to transactions of one customer on the real server,
//! then read back as every role from the server, from each caching role's cache file (with
//! nothing of the customer opened before) and offline from that cache.
//!
//! What a reader may find, however the value was spelled:
//! - card numbers, IBANs and national ids: never more than their mask shows (the last four);
//! - e-mail addresses and phone numbers: whole only in the server's answers to roles that see
//!   the customer's own whole (agent_l2, supervisor); never in a cache;
//! - the customer's date of birth: never whole; at most its year (agent_l2, supervisor), nothing
//!   of it for agent_l1; the customer's address: never, for any role, online or cached.
//!
//! A value counts as found when its letters and digits but the last four appear in order in a
//! text read as the scrubber reads it (full-width forms and digits of every script as ASCII,
//! invisible characters left out). Failure messages name the reader, the spelling and the field,
//! never the value.

use std::path::{Path, PathBuf};

use desk_auth::Keychain;
use desk_testkit::TestIdp;
use serde_json::{Value, json as value};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::gateway::{Gateway, client_env, json, run};
use crate::keyring_service;
use crate::login::{signed_in, start, text};

/// The roles whose agents keep a cache, as the test provider's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    AgentL1,
    AgentL2,
    Supervisor,
}

impl Role {
    const CACHING: [Role; 3] = [Role::AgentL1, Role::AgentL2, Role::Supervisor];

    fn user(self) -> &'static str {
        match self {
            Role::AgentL1 => "agent1",
            Role::AgentL2 => "agent2",
            Role::Supervisor => "supervisor",
        }
    }

    /// What the role may find in the server's answers (crates/desk-server/defaults/roles.json):
    /// agent_l1 sees contact data masked and no date of birth, the others contact data whole and
    /// the date of birth (in free text) as its year.
    fn online(self) -> Sees {
        let second_line = self != Role::AgentL1;
        Sees {
            contact_whole: second_line,
            year_of_birth: second_line,
            internal_notes: second_line,
        }
    }

    /// What the role's cache may hold: no e-mail address or phone number whole, whatever the
    /// role sees.
    fn cached(self) -> Sees {
        Sees {
            contact_whole: false,
            ..self.online()
        }
    }
}

/// What one reader may find in free text.
#[derive(Debug, Clone, Copy)]
struct Sees {
    /// E-mail addresses and phone numbers as they were written.
    contact_whole: bool,
    /// The year of the customer's date of birth (never more of it).
    year_of_birth: bool,
    /// Internal notes at all.
    internal_notes: bool,
}

impl Sees {
    /// Whether a value of `kind` may be read as it was written. Dates of birth and addresses
    /// are checked by their forms ([`Attack::dates`], [`Attack::addresses`]), not here.
    fn may_read(self, kind: Kind) -> bool {
        match kind {
            Kind::Card | Kind::Iban | Kind::NationalId => false,
            Kind::Email | Kind::Phone => self.contact_whole,
            Kind::DateOfBirth | Kind::Address => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Card,
    Iban,
    NationalId,
    Email,
    Phone,
    DateOfBirth,
    Address,
}

/// Where a probe is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A reply to the customer, posted through the API as agent_l2.
    Reply,
    /// An internal note, posted through the API as agent_l2.
    Note,
    /// A message from the customer on the ticket, as the mail import stores it.
    Mail,
    /// The subject of a ticket, as the mail import stores it.
    Subject(i64),
    /// The description of a transaction, as the core-banking import stores it.
    Description(i64),
}

/// One value in one spelling, and the text that carries it.
struct Probe {
    /// Names the spelling in failure messages and marks its text (`probe LABEL:`).
    label: &'static str,
    kind: Kind,
    /// The value as it was typed.
    value: String,
    place: Place,
    /// The whole text written.
    text: String,
}

impl Probe {
    fn new(label: &'static str, kind: Kind, value: String, place: Place, around: &str) -> Self {
        assert!(around.contains("{}"), "{label}");
        let text = format!("probe {label}: {}", around.replace("{}", &value));
        Self {
            label,
            kind,
            value,
            place,
            text,
        }
    }

    /// What marks the probe's text; it holds nothing the scrubber masks.
    fn tag(&self) -> String {
        format!("probe {}:", self.label)
    }
}

/// A customer's own values as the server's database holds them.
struct Person {
    id: i64,
    email: String,
    phone: String,
    date_of_birth: String,
    address: String,
}

/// One customer's ticket and transactions, and the probes written to them.
struct Attack {
    person: Person,
    /// The customer's tickets, the first of which takes the replies.
    tickets: Vec<i64>,
    /// The customer's transactions, newest first.
    transactions: Vec<i64>,
    probes: Vec<Probe>,
    /// The customer's date of birth in every whole form a reader could recognise, letters and
    /// digits only (see [`alphanumerics`]), each with a name for failure messages.
    dates: Vec<(String, String)>,
    /// The customer's address as a reader could recognise it: whole, and each comma-separated
    /// part that holds a number (the street line, the postcode and town).
    addresses: Vec<(String, String)>,
}

impl Attack {
    /// Customer `id` as stored, with no probe written yet.
    fn on(gateway: &Gateway, id: i64) -> Self {
        let key = id.to_string();
        let (email, phone, date_of_birth, address) = gateway
            .rows::<(String, String, String, String)>(
                "SELECT email, phone, date_of_birth, address FROM customers WHERE id = ?",
                &[&key],
            )
            .pop()
            .unwrap_or_else(|| panic!("customer {id} exists"));
        let ids = |statement: &str| -> Vec<i64> {
            gateway
                .rows::<(i64,)>(statement, &[&key])
                .into_iter()
                .map(|(id,)| id)
                .collect()
        };
        let tickets = ids("SELECT id FROM tickets WHERE customer_id = ? ORDER BY id");
        let transactions =
            ids("SELECT id FROM transactions WHERE customer_id = ? ORDER BY id DESC");
        assert!(
            !tickets.is_empty() && transactions.len() >= 5,
            "customer {id}"
        );
        let dates = Date::iso(&date_of_birth).whole_forms();
        let addresses = address_forms(&address);
        Self {
            person: Person {
                id,
                email,
                phone,
                date_of_birth,
                address,
            },
            tickets,
            transactions,
            probes: Vec::new(),
            dates,
            addresses,
        }
    }

    /// The ticket the replies go to.
    fn ticket(&self) -> i64 {
        self.tickets[0]
    }

    fn date_of_birth(&self) -> Date {
        Date::iso(&self.person.date_of_birth)
    }

    /// Writes `probes`: replies and notes through the API with `token` (agent_l2's), the rest
    /// straight into the server's database, as the imports would.
    fn write(&mut self, gateway: &Gateway, api: &Api, token: &str, probes: Vec<Probe>) {
        let ticket = self.ticket().to_string();
        for probe in &probes {
            match probe.place {
                Place::Reply | Place::Note => {
                    let (status, answer) = api.post(
                        &format!("/v1/tickets/{ticket}/messages"),
                        token,
                        &value!({ "body": probe.text, "internal": probe.place == Place::Note }),
                    );
                    assert_eq!(
                        status, 201,
                        "{}: the reply was refused ({})",
                        probe.label, answer["error"]
                    );
                }
                Place::Mail => gateway.write(
                    "INSERT INTO messages (id, ticket_id, internal, author, time, body)
                     VALUES ((SELECT MAX(id) + 1 FROM messages), ?, 0, 'Customer',
                             strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?)",
                    &[&ticket, &probe.text],
                ),
                Place::Subject(id) => gateway.write(
                    "UPDATE tickets SET subject = ? WHERE id = ?",
                    &[&probe.text, &id.to_string()],
                ),
                Place::Description(id) => gateway.write(
                    "UPDATE transactions SET description = ? WHERE id = ?",
                    &[&probe.text, &id.to_string()],
                ),
            }
        }
        self.probes.extend(probes);
    }

    /// Every spelling of issue 13 that must not survive, spread over the customer's first
    /// ticket (replies, a note, a mail, subjects) and their newest transactions.
    fn everything(&self) -> Vec<Probe> {
        use Kind::*;
        use Place::*;
        let (t, person) = (&self.transactions, &self.person);
        let dob = self.date_of_birth();
        let (local, domain) = person.email.split_once('@').unwrap();
        let half = local.len() / 2;
        let street = person.address.split(',').next().unwrap();
        // Each probe a value of its own, so that a failure names its spelling.
        let card = |n: u32, seps: [&str; 3]| {
            let digits = card_number(n);
            let mut out = digits[..4].to_owned();
            for (i, sep) in seps.iter().enumerate() {
                out.push_str(sep);
                out.push_str(&digits[4 + i * 4..8 + i * 4]);
            }
            out
        };
        let same = |sep: &'static str| [sep; 3];
        let iban = |n: u32, sep: &str| grouped(&gb_iban(n), 4, sep);
        let two_spaces = iban(4, " ").replacen(' ', "  ", 1);
        let replies: Vec<(Kind, Vec<(&'static str, String)>)> = vec![
            (
                Card,
                vec![
                    ("card-two-spaces", card(1, same("  "))),
                    ("card-slashes", card(2, same("/"))),
                    ("card-tabs", card(3, same("\t"))),
                    ("card-en-dashes", card(4, same("\u{2013}"))),
                    ("card-thin-spaces", card(5, same("\u{2009}"))),
                    ("card-figure-spaces", card(6, same("\u{2007}"))),
                    ("card-zero-width-spaces", card(7, same("\u{200B}"))),
                    ("card-line-break", card(8, [" ", "\n", " "])),
                    ("card-mixed-separators", card(9, [" ", "-", " "])),
                    ("card-groups-of-two", grouped(&card_number(10), 2, " ")),
                    ("card-full-width", digits_from(0xFF10, &card(11, same(" ")))),
                    (
                        "card-arabic-indic",
                        digits_from(0x0660, &card(12, same(" "))),
                    ),
                ],
            ),
            (
                Iban,
                vec![
                    ("iban-dashes", iban(1, "-")),
                    ("iban-dots", iban(2, ".")),
                    ("iban-slashes", iban(3, "/")),
                    ("iban-two-spaces-after-the-country", two_spaces),
                    ("iban-lower-case", iban(5, " ").to_lowercase()),
                ],
            ),
            (
                NationalId,
                vec![
                    ("ssn-spaced", "219 09 9999".into()),
                    ("nino-without-suffix", "JG 10 37 26".into()),
                ],
            ),
            (
                Email,
                vec![
                    (
                        "own-email-with-a-zero-width-space",
                        format!("{}\u{200B}{}@{domain}", &local[..half], &local[half..]),
                    ),
                    (
                        "email-with-a-full-width-at",
                        "jane.roe\u{FF20}example.net".into(),
                    ),
                ],
            ),
            (
                Phone,
                vec![
                    ("phone-with-slashes", "030/1234567".into()),
                    ("own-phone-with-slashes", person.phone.replace(' ', "/")),
                ],
            ),
            (
                DateOfBirth,
                vec![
                    ("dob-dashes", dob.day_month_year("-")),
                    ("dob-slashes", dob.day_month_year("/")),
                    ("dob-day-month-name-year", dob.day_month_name_year()),
                    ("dob-month-name-day-year", dob.month_name_day_year()),
                    ("dob-compact", dob.compact()),
                ],
            ),
            (
                Address,
                vec![(
                    "address-in-upper-case-and-double-spaces",
                    person.address.to_uppercase().replace(' ', "  "),
                )],
            ),
        ];
        let mut elsewhere: Vec<(&'static str, Kind, String, Place)> = vec![
            (
                "card-crlf-in-mail",
                Card,
                card(13, [" ", "\r\n", " "]),
                Mail,
            ),
            (
                "dob-iso-in-a-note",
                DateOfBirth,
                person.date_of_birth.clone(),
                Note,
            ),
            (
                "dob-dotted-in-the-subject",
                DateOfBirth,
                dob.day_month_year("."),
                Subject(self.ticket()),
            ),
            (
                "card-in-description",
                Card,
                card(14, same(".")),
                Description(t[0]),
            ),
            (
                "iban-in-description",
                Iban,
                gb_iban(6).to_lowercase(),
                Description(t[1]),
            ),
            (
                "own-email-in-upper-case-in-description",
                Email,
                person.email.to_uppercase(),
                Description(t[2]),
            ),
            (
                "dob-abbreviated-in-description",
                DateOfBirth,
                dob.day_abbreviated_month_year(),
                Description(t[3]),
            ),
            (
                "address-street-in-lower-case-in-description",
                Address,
                street.to_lowercase(),
                Description(t[4]),
            ),
        ];
        if let Some(&other) = self.tickets.get(1) {
            let spaced = person.address.replace(", ", " ,  ");
            elsewhere.push((
                "address-spaced-in-the-subject",
                Address,
                spaced,
                Subject(other),
            ));
        }
        let replies = replies.into_iter().flat_map(|(kind, values)| {
            values
                .into_iter()
                .map(move |(label, value)| (label, kind, value, Reply))
        });
        replies
            .chain(elsewhere)
            .map(|(label, kind, value, place)| {
                Probe::new(label, kind, value, place, "see {} thanks")
            })
            .collect()
    }
}

/// `digits` in groups of `by`, joined by `sep`.
fn grouped(digits: &str, by: usize, sep: &str) -> String {
    let groups: Vec<&str> = (0..digits.len())
        .step_by(by)
        .map(|i| &digits[i..(i + by).min(digits.len())])
        .collect();
    groups.join(sep)
}

/// `text` with its ASCII digits written in the script whose zero is `zero`.
fn digits_from(zero: u32, text: &str) -> String {
    text.chars()
        .map(|c| match c.to_digit(10) {
            Some(d) => char::from_u32(zero + d).unwrap(),
            None => c,
        })
        .collect()
}

/// A Luhn-valid 16-digit card number in the test range, a different one for each `n`.
fn card_number(n: u32) -> String {
    let payload = format!("40000{:02}{:08}", n, 31_415_926 + n * 1_111);
    (0..=9)
        .map(|d| format!("{payload}{d}"))
        .find(|number| desk_core::scrub::luhn_valid(number))
        .unwrap()
}

/// A valid British IBAN, compact, a different one for each `n`.
fn gb_iban(n: u32) -> String {
    let bban = format!("BUKB202015{:02}{:06}", 10 + n, 271_828 + n);
    let rearranged = format!("{bban}GB00");
    let remainder = rearranged.chars().fold(0u32, |r, c| {
        let v = c.to_digit(36).unwrap();
        if v < 10 {
            (r * 10 + v) % 97
        } else {
            (r * 100 + v) % 97
        }
    });
    let iban = format!("GB{:02}{bban}", 98 - remainder);
    assert!(desk_core::scrub::iban_valid(&iban), "{n}");
    iban
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A date of birth and its spellings.
#[derive(Debug, Clone, Copy)]
struct Date {
    year: u32,
    month: u32,
    day: u32,
}

impl Date {
    fn iso(s: &str) -> Self {
        let mut parts = s.splitn(3, '-').map(|p| p.parse::<u32>().unwrap());
        let (year, month, day) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert!((1..=12).contains(&month) && (1..=31).contains(&day), "{s}");
        Self { year, month, day }
    }

    fn month_name(self) -> &'static str {
        MONTHS[self.month as usize - 1]
    }

    fn ordinal(self) -> &'static str {
        match self.day {
            1 | 21 | 31 => "st",
            2 | 22 => "nd",
            3 | 23 => "rd",
            _ => "th",
        }
    }

    /// `14-03-1985`, `14/03/1985`, `14.03.1985`.
    fn day_month_year(self, sep: &str) -> String {
        format!("{:02}{sep}{:02}{sep}{}", self.day, self.month, self.year)
    }

    /// `14 March 1985`.
    fn day_month_name_year(self) -> String {
        format!("{} {} {}", self.day, self.month_name(), self.year)
    }

    /// `March 14th, 1985`.
    fn month_name_day_year(self) -> String {
        format!(
            "{} {}{}, {}",
            self.month_name(),
            self.day,
            self.ordinal(),
            self.year
        )
    }

    /// `14 Mar 1985`.
    fn day_abbreviated_month_year(self) -> String {
        format!("{} {} {}", self.day, &self.month_name()[..3], self.year)
    }

    /// `19850314`.
    fn compact(self) -> String {
        format!("{}{:02}{:02}", self.year, self.month, self.day)
    }

    /// The year, which is all of the date of birth free text may show.
    fn year(self) -> String {
        self.year.to_string()
    }

    /// Every whole form of the date a reader could take it from, in letters and digits as
    /// [`alphanumerics`] leaves them, each named for failure messages.
    fn whole_forms(self) -> Vec<(String, String)> {
        let y = self.year.to_string();
        let yy = format!("{:02}", self.year % 100);
        let days = [format!("{:02}", self.day), self.day.to_string()];
        let months = [format!("{:02}", self.month), self.month.to_string()];
        let mut forms: Vec<(String, String)> = Vec::new();
        for d in &days {
            for m in &months {
                forms.push(("year month day".into(), format!("{y}{m}{d}")));
                forms.push(("day month year".into(), format!("{d}{m}{y}")));
                forms.push(("month day year".into(), format!("{m}{d}{y}")));
            }
        }
        let (d, m) = (&days[0], &months[0]);
        forms.push(("day month two-digit year".into(), format!("{d}{m}{yy}")));
        forms.push(("month day two-digit year".into(), format!("{m}{d}{yy}")));
        let name = self.month_name().to_uppercase();
        let ordinal = self.ordinal().to_uppercase();
        for month in [name.as_str(), &name[..3]] {
            for d in &days {
                for suffix in ["", ordinal.as_str()] {
                    forms.push((
                        "day month-name year".into(),
                        format!("{d}{suffix}{month}{y}"),
                    ));
                    forms.push((
                        "day of month-name year".into(),
                        format!("{d}{suffix}OF{month}{y}"),
                    ));
                    forms.push((
                        "month-name day year".into(),
                        format!("{month}{d}{suffix}{y}"),
                    ));
                }
            }
        }
        let mut seen = std::collections::HashSet::new();
        forms.retain(|(_, form)| seen.insert(form.clone()));
        forms
    }
}

/// An address as a reader could recognise it (see [`Attack::addresses`]).
fn address_forms(address: &str) -> Vec<(String, String)> {
    let mut forms = vec![("whole".to_owned(), alphanumerics(address))];
    for (i, part) in address.split(',').enumerate() {
        let part = alphanumerics(part);
        if part.bytes().any(|b| b.is_ascii_digit()) && part.len() >= 5 {
            forms.push((format!("part {}", i + 1), part));
        }
    }
    forms
}

/// The value of a decimal digit of any script: Unicode encodes each script's digits as a run of
/// ten code points from zero to nine (some runs directly after another). Written here again, not
/// taken from desk-core's scrubber: the reader this test plays must not share the code it checks.
fn decimal_value(c: char) -> Option<u32> {
    let is_digit = |code: u32| {
        char::from_u32(code).is_some_and(|c| c.general_category() == GeneralCategory::DecimalNumber)
    };
    let code = u32::from(c);
    if !is_digit(code) {
        return None;
    }
    let mut start = code;
    while start > 0 && code - start < 60 && is_digit(start - 1) {
        start -= 1;
    }
    Some((code - start) % 10)
}

/// The letters and digits of `s` as the scrubber reads them, in upper case: full-width forms as
/// ASCII, digits of every script as ASCII digits, everything else (separators, invisible
/// characters, masks) left out.
fn alphanumerics(s: &str) -> String {
    s.chars()
        .map(|c| match u32::from(c) {
            code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap(),
            _ => c,
        })
        .filter_map(|c| match decimal_value(c) {
            Some(d) => char::from_digit(d, 10),
            None => c.is_alphanumeric().then_some(c),
        })
        .flat_map(char::to_uppercase)
        .collect()
}

/// Whether `shown` (see [`alphanumerics`]) still holds a value of `kind` written `value` beyond
/// what its mask shows: all of its letters and digits but the last four, in order; for an
/// e-mail address, whose mask keeps the domain, its local part followed by the domain (the
/// local part alone is often the customer's name, which they may read).
fn still_shows(shown: &str, kind: Kind, value: &str) -> bool {
    let secret = if kind == Kind::Email {
        alphanumerics(value)
    } else {
        let all = alphanumerics(value);
        let keep = all.chars().count().saturating_sub(4);
        all.chars().take(keep).collect()
    };
    secret.chars().count() >= 2 && shown.contains(&secret)
}

/// Every string in `value`, with where it is (`messages[3].body`).
fn strings<'v>(value: &'v Value, at: &str, out: &mut Vec<(String, &'v str)>) {
    match value {
        Value::String(s) => out.push((at.to_owned(), s)),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                strings(item, &format!("{at}[{i}]"), out);
            }
        }
        Value::Object(fields) => {
            for (name, field) in fields {
                let at = if at.is_empty() {
                    name.clone()
                } else {
                    format!("{at}.{name}")
                };
                strings(field, &at, out);
            }
        }
        _ => {}
    }
}

/// What `answer` shows that `sees` does not allow: one line per value and field, naming the
/// reader (`who`), the spelling and the field, never the value.
fn leaks(who: &str, answer: &Value, sees: Sees, attack: &Attack) -> Vec<String> {
    let mut all = Vec::new();
    strings(answer, "", &mut all);
    let mut found = Vec::new();
    for (at, text) in all {
        let shown = alphanumerics(text);
        // Whose text it is, for the customer's own values: a probe's, or the demo data's.
        let source = attack
            .probes
            .iter()
            .find(|p| text.contains(&p.tag()))
            .map_or("demo text", |p| p.label);
        let at = format!("{at} ({source})");
        for probe in &attack.probes {
            if !sees.may_read(probe.kind) && still_shows(&shown, probe.kind, &probe.value) {
                found.push(format!("{who}: {} survives in {at}", probe.label));
            }
        }
        for (form, date) in &attack.dates {
            if shown.contains(date.as_str()) {
                found.push(format!("{who}: the whole date of birth ({form}) in {at}"));
            }
        }
        for (part, address) in &attack.addresses {
            if shown.contains(address.as_str()) {
                found.push(format!("{who}: the address ({part}) in {at}"));
            }
        }
        if !sees.contact_whole {
            let person = &attack.person;
            if still_shows(&shown, Kind::Email, &person.email) {
                found.push(format!("{who}: the customer's e-mail address in {at}"));
            }
            if still_shows(&shown, Kind::Phone, &person.phone) {
                found.push(format!("{who}: the customer's phone number in {at}"));
            }
        }
    }
    found
}

/// What `answer` must show for [`leaks`] to have read the probes at all: each probe that
/// `expected` places in it present (an internal note only where notes are shown), an e-mail
/// address or phone number whole where `sees` keeps them, and no year of birth where it does
/// not.
fn reads(
    who: &str,
    answer: &Value,
    sees: Sees,
    attack: &Attack,
    expected: impl Fn(Place) -> bool,
) -> Vec<String> {
    let mut all = Vec::new();
    strings(answer, "", &mut all);
    let year = attack.date_of_birth().year();
    let mut found = Vec::new();
    for probe in attack.probes.iter().filter(|p| expected(p.place)) {
        let tag = probe.tag();
        let texts: Vec<&(String, &str)> = all.iter().filter(|(_, t)| t.contains(&tag)).collect();
        if probe.place == Place::Note && !sees.internal_notes {
            if !texts.is_empty() {
                found.push(format!("{who}: the internal note {} is shown", probe.label));
            }
            continue;
        }
        if texts.is_empty() {
            found.push(format!("{who}: {} is missing", probe.label));
        }
        for (at, text) in texts {
            let shown = alphanumerics(text);
            match probe.kind {
                Kind::Email | Kind::Phone
                    if sees.contact_whole && !still_shows(&shown, probe.kind, &probe.value) =>
                {
                    found.push(format!(
                        "{who}: {} in {at} is masked for a role that sees it whole",
                        probe.label
                    ));
                }
                Kind::DateOfBirth if !sees.year_of_birth && shown.contains(&year) => {
                    found.push(format!(
                        "{who}: the year of birth shows in {at} ({})",
                        probe.label
                    ));
                }
                _ => {}
            }
        }
    }
    found
}

/// Text output as lines, with `desk`'s `\u{XXXX}` escapes turned back into the characters, so
/// that a value spelled with invisible characters is read as written.
fn lines(output: &str) -> Value {
    let unescaped = output
        .split("\\u{")
        .enumerate()
        .map(|(i, piece)| {
            if i == 0 {
                return piece.to_owned();
            }
            let escaped = piece.split_once('}').and_then(|(hex, rest)| {
                let c = char::from_u32(u32::from_str_radix(hex, 16).ok()?)?;
                Some(format!("{c}{rest}"))
            });
            escaped.unwrap_or_else(|| format!("\\u{{{piece}"))
        })
        .collect::<String>();
    Value::Array(unescaped.lines().map(Value::from).collect())
}

/// The server's API as a client holding a real token sees it.
struct Api {
    url: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl Api {
    fn new(gateway: &Gateway) -> Self {
        Self {
            url: gateway.url(),
            http: reqwest::Client::new(),
            runtime: tokio::runtime::Runtime::new().unwrap(),
        }
    }

    fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        self.runtime.block_on(async {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            (status, serde_json::from_str(&body).unwrap_or(Value::Null))
        })
    }

    fn get(&self, path: &str, token: &str) -> (u16, Value) {
        self.send(
            self.http
                .get(format!("{}{path}", self.url))
                .bearer_auth(token),
        )
    }

    fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        self.send(
            self.http
                .post(format!("{}{path}", self.url))
                .bearer_auth(token)
                .json(body),
        )
    }
}

fn assert_none(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// [`leaks`] and [`reads`] of one answer.
fn check(
    who: &str,
    answer: &Value,
    sees: Sees,
    attack: &Attack,
    expected: impl Fn(Place) -> bool,
) -> Vec<String> {
    let mut found = leaks(who, answer, sees, attack);
    found.extend(reads(who, answer, sees, attack, expected));
    found
}

/// The probes a ticket's answer carries: its messages and its subject.
fn in_ticket(ticket: i64) -> impl Fn(Place) -> bool + Copy {
    move |p| matches!(p, Place::Reply | Place::Note | Place::Mail) || p == Place::Subject(ticket)
}

fn in_transactions(p: Place) -> bool {
    matches!(p, Place::Description(_))
}

fn in_subjects(p: Place) -> bool {
    matches!(p, Place::Subject(_))
}

/// A fresh server with demo data, and `probes` written to customer 2's first ticket and
/// transactions.
fn attacked(idp: &TestIdp, probes: impl FnOnce(&Attack) -> Vec<Probe>) -> (Gateway, Api, Attack) {
    let gateway = Gateway::start(idp);
    let api = Api::new(&gateway);
    let mut attack = Attack::on(&gateway, 2);
    let probes = probes(&attack);
    attack.write(&gateway, &api, &idp.tokens("agent2").access_token, probes);
    (gateway, api, attack)
}

/// What the server answers each role with a real token, through `GET /v1/tickets/{id}`, the
/// customer's transactions and their tickets; administrators are refused.
fn from_the_server(idp: &TestIdp, api: &Api, attack: &Attack) -> Vec<String> {
    let (ticket, customer) = (attack.ticket(), attack.person.id);
    let mut failures = Vec::new();
    for role in Role::CACHING {
        let user = role.user();
        let token = idp.tokens(user).access_token;
        let routes: [(String, &dyn Fn(Place) -> bool); 3] = [
            (format!("/v1/tickets/{ticket}"), &in_ticket(ticket)),
            (
                format!("/v1/customers/{customer}/transactions?limit=200"),
                &in_transactions,
            ),
            (format!("/v1/customers/{customer}/tickets"), &in_subjects),
        ];
        for (route, expected) in routes {
            let (status, answer) = api.get(&route, &token);
            assert_eq!(status, 200, "{user} GET {route}: {}", answer["error"]);
            let who = format!("{user} GET {route}");
            failures.extend(check(&who, &answer, role.online(), attack, expected));
        }
    }
    // Administrators read no tickets or transactions at all.
    let admin = idp.tokens("admin").access_token;
    for route in [
        format!("/v1/tickets/{ticket}"),
        format!("/v1/customers/{customer}/transactions"),
    ] {
        let (status, answer) = api.get(&route, &admin);
        assert_eq!(status, 403, "admin GET {route}");
        assert!(
            !answer.to_string().contains("probe "),
            "admin GET {route}: the refusal holds record text"
        );
    }
    failures
}

/// For each caching role, with a data folder of its own and nothing cached before: `desk
/// ticket`, `desk transactions` and `desk tickets` online without opening the customer, what
/// that role's cache file holds then (read with desk_cache and the key from the keychain, and
/// as raw bytes), and the same reads offline once `gateway` is stopped.
fn from_each_cache(idp: &TestIdp, gateway: &mut Gateway, attack: &Attack) -> Vec<String> {
    let env = client_env(idp, gateway, &gateway.keys_file());
    let ticket = attack.ticket();
    let (t, c) = (ticket.to_string(), attack.person.id.to_string());
    let mut failures = Vec::new();
    let mut agents = Vec::new();
    for role in Role::CACHING {
        let user = role.user();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        signed_in(d, idp.issuer(), user);
        assert!(cache_files(d).is_empty(), "{user}: nothing cached before");

        let online = json(&run(d, &env, &["--json", "ticket", &t]));
        assert_eq!(online["source"], "server", "{user}");
        let who = format!("{user} desk ticket {t}");
        failures.extend(check(
            &who,
            &online,
            role.online(),
            attack,
            in_ticket(ticket),
        ));
        let txs = json(&run(d, &env, &["--json", "transactions", &c]));
        let who = format!("{user} desk transactions {c}");
        failures.extend(check(&who, &txs, role.online(), attack, in_transactions));
        for args in [&["--json", "tickets", &c][..], &["tickets", &c]] {
            let out = stdout(user, &run(d, &env, args));
            let listed = match args[0] {
                "--json" => serde_json::from_str(&out).unwrap(),
                _ => lines(&out),
            };
            let who = format!("{user} desk {}", args.join(" "));
            failures.extend(check(&who, &listed, role.online(), attack, in_subjects));
        }

        failures.extend(plaintext(user, d, attack));
        let cached = read_cache(d, idp.issuer(), user, attack);
        assert!(
            cached.customer.is_none(),
            "{user}: the customer was never opened, so it is not cached"
        );
        let cached_ticket = cached
            .ticket
            .unwrap_or_else(|| panic!("{user}: ticket {t} was not cached (refused by the guard?)"));
        assert_eq!(
            cached_ticket["messages"].as_array().map(Vec::len),
            online["messages"].as_array().map(Vec::len),
            "{user}: every message the server sent is cached"
        );
        let who = format!("{user} cache ticket {t}");
        failures.extend(check(
            &who,
            &cached_ticket,
            role.cached(),
            attack,
            in_ticket(ticket),
        ));
        assert_eq!(
            cached.transactions.as_array().map(Vec::len),
            txs["items"].as_array().map(Vec::len),
            "{user}: every transaction the server sent is cached"
        );
        let who = format!("{user} cache transactions {c}");
        failures.extend(check(
            &who,
            &cached.transactions,
            role.cached(),
            attack,
            in_transactions,
        ));
        let who = format!("{user} cache tickets {c}");
        failures.extend(leaks(&who, &cached.tickets, role.cached(), attack));
        agents.push((role, dir, cached_ticket));
    }

    // Offline, the same reads come from the cache, as cached and as clean.
    gateway.stop();
    for (role, dir, cached_ticket) in &agents {
        let (user, d) = (role.user(), dir.path());
        let offline = json(&run(d, &env, &["--json", "ticket", &t]));
        assert_eq!(offline["source"], "cache", "{user}");
        assert!(
            offline["messages"] == cached_ticket["messages"],
            "{user}: offline, the messages are not the cached ones"
        );
        let who = format!("{user} offline desk ticket {t}");
        failures.extend(check(
            &who,
            &offline,
            role.cached(),
            attack,
            in_ticket(ticket),
        ));
        let txs = json(&run(d, &env, &["--json", "transactions", &c]));
        assert_eq!(txs["source"], "cache", "{user}");
        let who = format!("{user} offline desk transactions {c}");
        failures.extend(check(&who, &txs, role.cached(), attack, in_transactions));
        let listed = stdout(user, &run(d, &env, &["tickets", &c]));
        assert!(listed.contains("OFFLINE"), "{user}: not from the cache");
        let who = format!("{user} offline desk tickets {c}");
        let only_this = |p: Place| p == Place::Subject(ticket);
        failures.extend(check(
            &who,
            &lines(&listed),
            role.cached(),
            attack,
            only_this,
        ));
        let who = format!("{user} after the offline reads");
        failures.extend(plaintext(&who, d, attack));
    }
    failures
}

#[test]
fn replies_holding_what_must_not_survive_reach_no_role_in_any_spelling() {
    let (idp, _dir) = start();
    let (_gateway, api, attack) = attacked(&idp, Attack::everything);
    assert_none(&from_the_server(&idp, &api, &attack));
}

#[test]
fn each_roles_cache_holds_none_of_it_with_nothing_cached_before_online_and_offline() {
    let (idp, _dir) = start();
    let (mut gateway, _api, attack) = attacked(&idp, Attack::everything);
    assert_none(&from_each_cache(&idp, &mut gateway, &attack));
}

/// Spellings the scrubber missed when this test was written, each a leak to every role and into
/// every cache: a date of birth whose month name stands between dashes or slashes
/// (`14-Mar-1985`, the DD-MON-YYYY of forms and banking systems; `dates::DAY_NAME_YEAR` allows
/// only spaces, dots and commas there), and a card number starting like a payment card whose
/// last group of four is split in two pairs (`4000 0012 3456 78 99`; `cards::card_at` stops at
/// the first group shorter than three, although SECURITY.md promises any grouping after a first
/// group of four starting 2–6).
#[test]
fn a_date_of_birth_with_a_dashed_month_name_and_a_card_ending_in_two_pairs_do_not_survive() {
    let (idp, _dir) = start();
    let (mut gateway, api, attack) = attacked(&idp, |attack| {
        let dob = attack.date_of_birth();
        let month = &dob.month_name()[..3];
        let dashed = format!("{:02}-{month}-{}", dob.day, dob.year);
        let slashed = format!("{:02}/{month}/{}", dob.day, dob.year);
        let card = card_number(15);
        let pairs = format!(
            "{} {} {} {} {}",
            &card[..4],
            &card[4..8],
            &card[8..12],
            &card[12..14],
            &card[14..]
        );
        vec![
            Probe::new(
                "dob-dashed-month-name",
                Kind::DateOfBirth,
                dashed,
                Place::Reply,
                "born {}",
            ),
            Probe::new(
                "dob-slashed-month-name-in-description",
                Kind::DateOfBirth,
                slashed,
                Place::Description(attack.transactions[0]),
                "born {}",
            ),
            Probe::new(
                "card-ending-in-two-pairs",
                Kind::Card,
                pairs,
                Place::Reply,
                "card {}",
            ),
        ]
    });
    let mut failures = from_the_server(&idp, &api, &attack);
    failures.extend(from_each_cache(&idp, &mut gateway, &attack));
    assert_none(&failures);
}

/// Every file of the agent's cache folder.
fn cache_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir.join("data/cache"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

/// What the cache of `user` (signed in under `dir`) holds of the attacked customer, read with
/// desk_cache and the key from the real keychain: the customer, the ticket, the transactions
/// and the tickets, as JSON.
struct CacheContents {
    customer: Option<Value>,
    ticket: Option<Value>,
    transactions: Value,
    tickets: Value,
}

fn read_cache(dir: &Path, issuer: &str, user: &str, attack: &Attack) -> CacheContents {
    let hex = Keychain::new(keyring_service(dir))
        .get(&format!("cache-key@{issuer}#{user}"))
        .unwrap_or_else(|e| panic!("{user}: no cache key: {e}"));
    let key = desk_cache::CacheKey::from_hex(&hex).unwrap();
    let file = cache_files(dir)
        .into_iter()
        .find(|f| f.extension().is_some_and(|e| e == "sqlite3"))
        .unwrap_or_else(|| panic!("{user}: no cache file"));
    let (now, customer) = (now(), attack.person.id);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let cache = desk_cache::Cache::open(&file, &key).await.unwrap();
        let contents = CacheContents {
            customer: cache
                .customer(customer, now)
                .await
                .unwrap()
                .map(|c| serde_json::to_value(c.value).unwrap()),
            ticket: cache
                .ticket(attack.ticket(), now)
                .await
                .unwrap()
                .map(|t| serde_json::to_value(t.value).unwrap()),
            transactions: serde_json::to_value(
                cache
                    .transactions(customer, desk_cache::MAX_PAGE, None, now)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|t| t.value)
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
            tickets: serde_json::to_value(
                cache
                    .tickets(customer, now)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|t| t.value)
                    .collect::<Vec<_>>(),
            )
            .unwrap(),
        };
        cache.close().await;
        contents
    })
}

/// What the cache files (database, `-wal`, `-shm`) hold in plain text of the probes or the
/// customer: they are encrypted, so nothing, not even the probes' tags, which no scrubbing
/// removes.
fn plaintext(who: &str, dir: &Path, attack: &Attack) -> Vec<String> {
    let files = cache_files(dir);
    assert!(!files.is_empty(), "{who}: a cache file was made");
    let person = &attack.person;
    let mut needles: Vec<(String, String)> = vec![
        ("the SQLite header".into(), "SQLite format 3".into()),
        ("the e-mail address".into(), person.email.clone()),
        ("the phone number".into(), person.phone.clone()),
        ("the date of birth".into(), person.date_of_birth.clone()),
        ("the address".into(), person.address.clone()),
    ];
    for probe in &attack.probes {
        needles.push((format!("the tag of {}", probe.label), probe.tag()));
        needles.push((format!("{} as typed", probe.label), probe.value.clone()));
        let compact = alphanumerics(&probe.value);
        if compact.len() >= 6 {
            needles.push((format!("{} in one piece", probe.label), compact));
        }
    }
    let mut found = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let haystack = String::from_utf8_lossy(&bytes);
        let name = file.file_name().unwrap().to_string_lossy();
        for (what, needle) in &needles {
            if haystack.contains(needle.as_str()) {
                found.push(format!("{who}: {name} holds {what} in plain text"));
            }
        }
    }
    found
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn stdout(who: &str, out: &std::process::Output) -> String {
    assert!(out.status.success(), "{who}: {}", text(out));
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn ticket_11_opened_first_caches_the_year_of_birth_only_and_no_address_for_supervisor_and_agent_l2()
{
    let (idp, _dir) = start();
    let gateway = Gateway::start(&idp);
    let api = Api::new(&gateway);
    let mut attack = Attack::on(&gateway, 1);
    assert_eq!(attack.ticket(), 11);
    let dob = attack.date_of_birth();
    let (note,): (String,) = gateway
        .rows("SELECT body FROM messages WHERE id = 1103", &[])
        .pop()
        .unwrap();
    assert!(
        note.contains(&attack.person.date_of_birth),
        "the demo's internal note 1103 holds the date of birth"
    );
    // Beside the demo's note: the address in a customer's mail, the date of birth and the
    // street in transaction descriptions.
    let address = attack.person.address.clone();
    let probes = vec![
        Probe::new(
            "address-in-upper-case-in-mail",
            Kind::Address,
            address.to_uppercase(),
            Place::Mail,
            "please send the new card to {} thanks",
        ),
        Probe::new(
            "dob-day-month-name-year-in-description",
            Kind::DateOfBirth,
            dob.day_month_name_year(),
            Place::Description(attack.transactions[0]),
            "identity checked, born {}",
        ),
        Probe::new(
            "address-street-in-description",
            Kind::Address,
            address.split(',').next().unwrap().replace(' ', "  "),
            Place::Description(attack.transactions[1]),
            "card sent to {}",
        ),
    ];
    let token = idp.tokens("agent2").access_token;
    attack.write(&gateway, &api, &token, probes);

    // The server's own answer to the supervisor, who sees the date of birth whole in the
    // customer's record: the note holds its year only.
    let year_only = note.replace(&attack.person.date_of_birth, &dob.year());
    let supervisor = idp.tokens("supervisor").access_token;
    let (status, answer) = api.get("/v1/tickets/11", &supervisor);
    assert_eq!(status, 200, "{}", answer["error"]);
    let body = answer["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == 1103)
        .expect("the supervisor reads internal notes")["body"]
        .clone();
    assert!(
        body == year_only.as_str(),
        "the server's answer to the supervisor: note 1103 is not in its year-only form"
    );

    let env = client_env(&idp, &gateway, &gateway.keys_file());
    let in_ticket = |p: Place| p == Place::Mail;
    let mut failures = Vec::new();
    for role in [Role::Supervisor, Role::AgentL2] {
        let user = role.user();
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        signed_in(d, idp.issuer(), user);
        // Ticket 11 before anything else: its customer is not known to the cache.
        let online = json(&run(d, &env, &["--json", "ticket", "11"]));
        assert_eq!(online["source"], "server", "{user}");
        let who = format!("{user} desk ticket 11");
        failures.extend(check(&who, &online, role.online(), &attack, in_ticket));
        let txs = json(&run(d, &env, &["--json", "transactions", "1"]));
        let who = format!("{user} desk transactions 1");
        failures.extend(check(&who, &txs, role.online(), &attack, in_transactions));

        failures.extend(plaintext(user, d, &attack));
        let cached = read_cache(d, idp.issuer(), user, &attack);
        assert!(cached.customer.is_none(), "{user}: customer 1 never opened");
        let ticket = cached
            .ticket
            .unwrap_or_else(|| panic!("{user}: ticket 11 was not cached"));
        let cached_note = ticket["messages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == 1103)
            .unwrap_or_else(|| panic!("{user}: the note 1103 is cached"))["body"]
            .clone();
        assert!(
            cached_note == year_only.as_str(),
            "{user}: the cached note 1103 is not in its year-only form"
        );
        let who = format!("{user} cache ticket 11");
        failures.extend(check(&who, &ticket, role.cached(), &attack, in_ticket));
        let who = format!("{user} cache transactions 1");
        let txs = &cached.transactions;
        failures.extend(check(&who, txs, role.cached(), &attack, in_transactions));
    }
    assert_none(&failures);
}
