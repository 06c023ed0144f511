//! Valid-looking identifiers: card numbers (test ranges, Luhn), IBANs (mod 97, unique per
//! account), and IP addresses from the documentation ranges.

use std::fmt::Write as _;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::people::Country;
use super::pick;
use super::words::{DE_BANKS, FR_BANKS, GB_BANKS, NL_BANKS};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Brand {
    Visa,
    Mastercard,
    Amex,
}

impl Brand {
    pub(super) fn name(self) -> &'static str {
        match self {
            Self::Visa => "Visa",
            Self::Mastercard => "Mastercard",
            Self::Amex => "American Express",
        }
    }
}

/// A Luhn-valid number in the brand's test range, unique per `seq` (below 10^9, or 10^10 for
/// Amex), printed as on the card: 4-4-4-4, or 4-6-5 for Amex.
pub(super) fn card_number(brand: Brand, seq: u64) -> String {
    let mut digits = String::with_capacity(19);
    match brand {
        Brand::Visa => {
            let _ = write!(digits, "400000{:09}", scramble(seq, 1_000_000_000));
        }
        Brand::Mastercard => {
            let prefix = if seq.is_multiple_of(2) {
                "555555"
            } else {
                "222300"
            };
            let _ = write!(digits, "{prefix}{:09}", scramble(seq, 1_000_000_000));
        }
        Brand::Amex => {
            let _ = write!(digits, "3782{:010}", scramble(seq, 10_000_000_000));
        }
    }
    digits.push(luhn_check_digit(&digits));
    let groups: &[usize] = if brand == Brand::Amex {
        &[4, 6, 5]
    } else {
        &[4, 4, 4, 4]
    };
    let mut printed = String::with_capacity(19);
    let mut at = 0;
    for (n, len) in groups.iter().enumerate() {
        if n > 0 {
            printed.push(' ');
        }
        printed.push_str(&digits[at..at + len]);
        at += len;
    }
    printed
}

/// The digit that makes `payload` followed by it pass the Luhn check.
pub(super) fn luhn_check_digit(payload: &str) -> char {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let d = d * 2;
                if d > 9 { d - 9 } else { d }
            } else {
                d
            }
        })
        .sum();
    char::from(b'0' + ((10 - sum % 10) % 10) as u8)
}

/// A bijection on `0..modulus` (a power of ten) that makes consecutive ids look random.
fn scramble(x: u64, modulus: u64) -> u64 {
    // Odd and not a multiple of 5, so invertible modulo any power of ten.
    const MULTIPLIER: u128 = 6_364_136_223_846_793;
    ((u128::from(x % modulus) * MULTIPLIER + 1_442_695_041) % u128::from(modulus)) as u64
}

/// The IBAN of account `account_id` in `country`, compact; unique per account id.
pub(super) fn iban(rng: &mut ChaCha8Rng, country: Country, account_id: i64) -> String {
    let seq = account_id as u64;
    let mut bban = String::with_capacity(30);
    let _ = match country {
        Country::Gb | Country::Us => write!(
            bban,
            "{}{:06}{:08}",
            pick(rng, GB_BANKS),
            rng.gen_range(0..1_000_000),
            scramble(seq, 100_000_000)
        ),
        Country::De => write!(
            bban,
            "{}{:010}",
            pick(rng, DE_BANKS),
            scramble(seq, 10_000_000_000)
        ),
        Country::Fr => {
            let bank: u64 = pick(rng, FR_BANKS).parse().expect("digits");
            let branch = rng.gen_range(0..100_000);
            let account = scramble(seq, 100_000_000_000);
            let key = 97 - (89 * bank + 15 * branch + 3 * account) % 97;
            write!(bban, "{bank:05}{branch:05}{account:011}{key:02}")
        }
        Country::Nl => write!(
            bban,
            "{}{:010}",
            pick(rng, NL_BANKS),
            scramble(seq, 10_000_000_000)
        ),
    };
    let country_code = match country {
        Country::Gb | Country::Us => "GB",
        Country::De => "DE",
        Country::Fr => "FR",
        Country::Nl => "NL",
    };
    with_check_digits(country_code, &bban)
}

/// Someone else's IBAN, as quoted in a transfer reference.
pub(super) fn random_iban(rng: &mut ChaCha8Rng) -> String {
    let country = *pick(rng, &[Country::Gb, Country::De, Country::Fr, Country::Nl]);
    let seq = rng.gen_range(0..100_000_000);
    iban(rng, country, seq)
}

pub(super) fn with_check_digits(country: &str, bban: &str) -> String {
    let check = 98 - iban_remainder(bban.bytes().chain(country.bytes()).chain(*b"00"));
    format!("{country}{check:02}{bban}")
}

/// The rearranged IBAN modulo 97, letters counting as 10..=35.
pub(super) fn iban_remainder(chars: impl Iterator<Item = u8>) -> u32 {
    chars.fold(0, |rem, c| match c {
        b'0'..=b'9' => (rem * 10 + u32::from(c - b'0')) % 97,
        _ => (rem * 100 + u32::from(c.to_ascii_uppercase() - b'A') + 10) % 97,
    })
}

/// Groups of four, as IBANs are printed.
pub(super) fn group4(compact: &str) -> String {
    let mut printed = String::with_capacity(compact.len() + compact.len() / 4);
    for (i, c) in compact.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            printed.push(' ');
        }
        printed.push(c);
    }
    printed
}

pub(super) fn ip_address(rng: &mut ChaCha8Rng) -> String {
    match rng.gen_range(0..20) {
        0..=5 => format!("192.0.2.{}", rng.gen_range(1..255)),
        6..=11 => format!("198.51.100.{}", rng.gen_range(1..255)),
        12..=16 => format!("203.0.113.{}", rng.gen_range(1..255)),
        _ => format!(
            "2001:db8::{:x}:{:x}",
            rng.gen_range(1..0xffff),
            rng.gen_range(1..0xffff)
        ),
    }
}
