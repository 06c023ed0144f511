//! A customer's personal details: their country, phone number, postal address, the e-mail
//! form of their name, and the names of the people they pay.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::pick;
use super::words::{
    DE_STREETS, DE_TOWNS, FIRST_NAMES, FR_STREETS, FR_TOWNS, GB_STREETS, GB_TOWNS, LAST_NAMES,
    NL_STREETS, NL_TOWNS, US_STREETS, US_TOWNS,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Country {
    Gb,
    De,
    Fr,
    Nl,
    Us,
}

pub(super) fn phone(rng: &mut ChaCha8Rng, country: Country) -> String {
    match country {
        // Ofcom's range for drama; NANP's 555 exchange; the others merely well-formed.
        Country::Gb => format!("+44 7700 9{:05}", rng.gen_range(0..100_000)),
        Country::Us => format!("+1 202 555 {:04}", rng.gen_range(0..10_000)),
        Country::De if rng.gen_bool(0.5) => format!("+49 30 {:07}", rng.gen_range(0..10_000_000)),
        Country::De => format!("+49 151 {:08}", rng.gen_range(0..100_000_000)),
        Country::Fr => {
            let n: u32 = rng.gen_range(0..100_000_000);
            format!(
                "+33 6 {:02} {:02} {:02} {:02}",
                n / 1_000_000,
                n / 10_000 % 100,
                n / 100 % 100,
                n % 100
            )
        }
        Country::Nl => {
            let n: u32 = rng.gen_range(0..100_000_000);
            format!("+31 6 {:04} {:04}", n / 10_000, n % 10_000)
        }
    }
}

pub(super) fn address(rng: &mut ChaCha8Rng, country: Country) -> String {
    let number = rng.gen_range(1..240);
    match country {
        Country::Gb => {
            let (city, area) = *pick(rng, GB_TOWNS);
            const LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
            format!(
                "{number} {}, {city} {area} {}{}{}",
                pick(rng, GB_STREETS),
                rng.gen_range(1..10),
                *pick(rng, LETTERS) as char,
                *pick(rng, LETTERS) as char
            )
        }
        Country::De => {
            let (city, postcode) = *pick(rng, DE_TOWNS);
            format!(
                "{} {number}, {:05} {city}",
                pick(rng, DE_STREETS),
                postcode + rng.gen_range(0..40)
            )
        }
        Country::Fr => {
            let (city, postcode) = *pick(rng, FR_TOWNS);
            format!(
                "{number} {}, {:05} {city}",
                pick(rng, FR_STREETS),
                postcode + rng.gen_range(0..9)
            )
        }
        Country::Nl => {
            let (city, postcode) = *pick(rng, NL_TOWNS);
            const LETTERS: &[u8] = b"ABCDEGHJKLMNPRSTVWXZ";
            format!(
                "{} {number}, {} {}{} {city}",
                pick(rng, NL_STREETS),
                postcode + rng.gen_range(0..20),
                *pick(rng, LETTERS) as char,
                *pick(rng, LETTERS) as char
            )
        }
        Country::Us => {
            let (city, state, zip) = *pick(rng, US_TOWNS);
            format!(
                "{} {}, {city}, {state} {:05}",
                number * 10 + rng.gen_range(0..10),
                pick(rng, US_STREETS),
                zip + rng.gen_range(0..20)
            )
        }
    }
}

pub(super) fn counterparty(rng: &mut ChaCha8Rng) -> String {
    let first = pick(rng, FIRST_NAMES);
    let last = pick(rng, LAST_NAMES);
    if rng.gen_bool(0.5) {
        format!("{} {last}", first.chars().next().unwrap_or('X'))
    } else {
        format!("{first} {last}")
    }
}

/// A name as an e-mail address's local part: lower-case ASCII letters and digits only.
pub(super) fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        let ascii = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' | 'ạ' | 'ả' | 'ă' | 'ầ' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' => "c",
            'đ' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' | 'ễ' | 'ế' => "e",
            'ğ' => "g",
            'ì' | 'í' | 'î' | 'ï' | 'ı' => "i",
            'ł' => "l",
            'ñ' | 'ń' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ő' => "o",
            'œ' => "oe",
            'ř' => "r",
            'ś' | 'š' | 'ş' => "s",
            'ß' => "ss",
            'ù' | 'ú' | 'û' | 'ü' | 'ű' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            // Spaces, apostrophes, hyphens, combining marks.
            _ => "",
        };
        out.push_str(ascii);
    }
    if out.is_empty() {
        out.push('x');
    }
    out
}
