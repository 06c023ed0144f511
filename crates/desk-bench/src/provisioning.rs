//! `desk-bench provisioning`: what the SCIM provisioning check costs customer lookups.
//!
//! On every agent request whose access token carries `scim_user_claim`, the server reads the
//! agent's provisioning state (its SCIM user, the name's withdrawal and its groups) in one query.
//! The comparison is of two servers over the same data, one at a time: one where the check runs
//! (the agent provisioned as an active user in a group, so the query finds a user and its groups:
//! the costly case) and one started with a `scim_user_claim` no token carries (no query). The
//! caller (`scripts/bench-server.sh`) alternates them in short rounds, so the machine's drift
//! falls on both alike: `provisioning round` measures one server's lookups and appends them to
//! `OUT/provisioning-rounds.jsonl`; `provisioning summary` pairs the rounds, compares the medians
//! and writes `OUT/provisioning-check.json`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use serde::{Deserialize, Serialize};

use crate::http::{self, Target};
use crate::load::{self, AGENT_TOKEN_ENV};
use crate::report::{self, Row, cell, round};

const BENCHMARK: &str = "provisioning check";
const WITHOUT: &str = "without the check (no scim_user_claim in the token)";
const ROUNDS_FILE: &str = "provisioning-rounds.jsonl";
const RESULT_FILE: &str = "provisioning-check.json";
const WITHIN_SPREAD: &str = "within the rounds' spread";

/// Options of `desk-bench provisioning`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    step: Step,
}

#[derive(Debug, Subcommand)]
enum Step {
    /// Measure customer lookups on one server as one round of one variant, appended to
    /// OUT/provisioning-rounds.jsonl.
    Round(RoundArgs),
    /// Pair the rounds, compare the medians of the two variants and write
    /// OUT/provisioning-check.json.
    Summary(SummaryArgs),
}

/// Options of `desk-bench provisioning round`.
#[derive(Debug, clap::Args)]
struct RoundArgs {
    /// The server, e.g. http://127.0.0.1:8440.
    #[arg(long)]
    server: String,
    /// Whether this server runs the check (`with`) or was started with a `scim_user_claim` the
    /// token does not carry (`without`).
    #[arg(long, value_enum)]
    variant: Variant,
    /// The round's number: each round holds one measurement of each variant.
    #[arg(long)]
    round: u32,
    /// Measured seconds.
    #[arg(long, default_value_t = 5)]
    duration_secs: u64,
    /// Unmeasured seconds before the measurement.
    #[arg(long, default_value_t = 2)]
    warmup_secs: u64,
    /// Concurrent connections.
    #[arg(long, default_value_t = 50)]
    connections: usize,
    /// Customer ids are drawn from 1 to this (the demo data's `--customers`).
    #[arg(long, default_value_t = 500)]
    customers: u64,
    /// The folder of the rounds file.
    #[arg(long, env = "DESK_BENCH_OUT")]
    out: PathBuf,
}

/// Options of `desk-bench provisioning summary`.
#[derive(Debug, clap::Args)]
struct SummaryArgs {
    /// The folder of the rounds file, where `provisioning-check.json` is written.
    #[arg(long, env = "DESK_BENCH_OUT")]
    out: PathBuf,
}

/// Which server a round measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// The check runs: the token carries `scim_user_claim`.
    With,
    /// No check: the server's `scim_user_claim` is a claim the token lacks.
    Without,
}

/// One measurement of one variant, a line of the rounds file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// The round it belongs to.
    pub round: u32,
    /// Which server.
    pub variant: Variant,
    /// Concurrent connections.
    pub connections: usize,
    /// Measured seconds.
    pub duration_secs: u64,
    /// Unmeasured seconds before.
    pub warmup_secs: u64,
    /// Customer ids drawn from 1 to this.
    pub customers: u64,
    /// Successful lookups per second.
    pub throughput: f64,
    /// Median latency, ms.
    pub p50_ms: Option<f64>,
    /// 99th percentile latency, ms.
    pub p99_ms: Option<f64>,
    /// Failed requests, warm-up included.
    pub errors: u64,
}

/// One round: a measurement of each variant, `first` the one measured first.
#[derive(Debug, Clone, PartialEq)]
pub struct Pair {
    /// The round's number.
    pub round: u32,
    /// The variant measured first in the round.
    pub first: Variant,
    /// With the check.
    pub with: Measurement,
    /// Without it.
    pub without: Measurement,
}

/// The rounds of `measurements`, by round number: each must hold exactly one measurement of each
/// variant, all taken with the same settings (a leftover file from another run is refused).
pub fn pairs(measurements: &[Measurement]) -> anyhow::Result<Vec<Pair>> {
    let Some(reference) = measurements.first() else {
        anyhow::bail!("no rounds were measured");
    };
    let mut rounds: Vec<u32> = measurements.iter().map(|m| m.round).collect();
    rounds.sort_unstable();
    rounds.dedup();
    let mut pairs = Vec::new();
    for number in rounds {
        let of_round: Vec<&Measurement> =
            measurements.iter().filter(|m| m.round == number).collect();
        let one = |variant: Variant| -> anyhow::Result<Measurement> {
            let found: Vec<&&Measurement> =
                of_round.iter().filter(|m| m.variant == variant).collect();
            anyhow::ensure!(
                found.len() == 1,
                "round {number} has {} measurements {variant:?} the check, not one",
                found.len()
            );
            Ok((*found[0]).clone())
        };
        let with = one(Variant::With)?;
        let without = one(Variant::Without)?;
        for m in [&with, &without] {
            anyhow::ensure!(
                (m.connections, m.duration_secs, m.warmup_secs, m.customers)
                    == (
                        reference.connections,
                        reference.duration_secs,
                        reference.warmup_secs,
                        reference.customers
                    ),
                "round {number} was measured with other settings than round {}",
                reference.round
            );
        }
        pairs.push(Pair {
            round: number,
            first: of_round[0].variant,
            with,
            without,
        });
    }
    Ok(pairs)
}

/// The median: the middle value, or the mean of the two middle ones. `None` without values.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// The spread of `values`: largest minus smallest. `None` without values.
pub fn spread(values: &[f64]) -> Option<f64> {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let max = finite.clone().reduce(f64::max)?;
    let min = finite.reduce(f64::min)?;
    Some(max - min)
}

/// One measure of both variants over the rounds.
#[derive(Debug, Clone, PartialEq)]
pub struct Compared {
    /// The median with the check.
    pub with: Option<f64>,
    /// The median without it.
    pub without: Option<f64>,
    /// The spread of the rounds with the check.
    pub with_spread: Option<f64>,
    /// The spread of the rounds without it.
    pub without_spread: Option<f64>,
    /// The smallest and the largest ratio of one round's two measurements (with / without).
    pub round_ratios: Option<(f64, f64)>,
    /// Whether the rounds' own ratios range over 1: some round measured the check no slower than
    /// its other half and some no faster, so the difference is within what the rounds spread
    /// over. Judged on each round's pair, not on the spread of each variant's rounds: the two
    /// halves of a round are seconds apart, rounds are further, and the machine's drift between
    /// them (which the alternation is there to cancel) can be larger than the difference
    /// measured. `None` without a round holding both values.
    pub within_spread: Option<bool>,
}

/// Compares one measure over the rounds, given as (with, without) of each round.
pub fn compare(rounds: &[(Option<f64>, Option<f64>)]) -> Compared {
    let with: Vec<f64> = rounds.iter().filter_map(|r| r.0).collect();
    let without: Vec<f64> = rounds.iter().filter_map(|r| r.1).collect();
    let ratios: Vec<f64> = rounds
        .iter()
        .filter_map(|&r| match r {
            (Some(a), Some(b)) if b != 0.0 && a.is_finite() && b.is_finite() => Some(a / b),
            _ => None,
        })
        .collect();
    let lowest = ratios.iter().copied().reduce(f64::min);
    let highest = ratios.iter().copied().reduce(f64::max);
    let round_ratios = lowest.zip(highest);
    Compared {
        with: median(&with),
        without: median(&without),
        with_spread: spread(&with),
        without_spread: spread(&without),
        round_ratios,
        within_spread: round_ratios.map(|(lo, hi)| lo <= 1.0 && 1.0 <= hi),
    }
}

/// One measure of every round: (with, without).
fn of_rounds(pairs: &[Pair], value: fn(&Measurement) -> Option<f64>) -> Compared {
    let rounds: Vec<_> = pairs
        .iter()
        .map(|p| (value(&p.with), value(&p.without)))
        .collect();
    compare(&rounds)
}

fn throughput(m: &Measurement) -> Option<f64> {
    Some(m.throughput)
}

fn p50(m: &Measurement) -> Option<f64> {
    m.p50_ms
}

fn p99(m: &Measurement) -> Option<f64> {
    m.p99_ms
}

/// The JSON rows of the comparison: the medians with the check against those without.
pub fn rows(pairs: &[Pair]) -> Vec<Row> {
    let connections = pairs.first().map_or(0, |p| p.with.connections);
    let case = format!(
        "customer lookup, {connections} connections (median of {} rounds)",
        pairs.len()
    );
    let measure = |name: &str, unit: &str, decimals: i32, value| {
        let compared = of_rounds(pairs, value);
        let row = Row::new(
            BENCHMARK,
            &case,
            name,
            unit,
            compared.with.map(|v| round(v, decimals)),
        )
        .against(WITHOUT, compared.without.map(|v| round(v, decimals)));
        (row, compared.within_spread)
    };
    let (throughput, throughput_within) = measure("requests/s", "req/s", 1, throughput);
    let (p50, _) = measure("p50 latency", "ms", 3, p50);
    let (p99, p99_within) = measure("p99 latency", "ms", 3, p99);
    let errors_with: u64 = pairs.iter().map(|p| p.with.errors).sum();
    let errors_without: u64 = pairs.iter().map(|p| p.without.errors).sum();
    vec![
        throughput.target(WITHIN_SPREAD, throughput_within == Some(true)),
        p50,
        p99.target(WITHIN_SPREAD, p99_within == Some(true)),
        Row::new(
            BENCHMARK,
            &case.replace("median of", "all"),
            "errors",
            "count",
            Some(errors_with as f64),
        )
        .beside(WITHOUT, Some(errors_without as f64))
        .target("0", errors_with == 0 && errors_without == 0),
    ]
}

/// `lo–hi` of the rounds' ratios.
fn ratio_range(range: Option<(f64, f64)>) -> String {
    match range {
        Some((lo, hi)) => format!("{lo:.3}–{hi:.3}"),
        None => "-".to_owned(),
    }
}

/// The text table of the rounds, their medians and spreads.
fn rounds_table(pairs: &[Pair]) -> String {
    let variant = |v: Variant| match v {
        Variant::With => "with",
        Variant::Without => "without",
    };
    let mut table = vec![
        [
            "round",
            "first",
            "with req/s",
            "without req/s",
            "ratio",
            "with p99 ms",
            "without p99 ms",
            "ratio",
            "errors",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for p in pairs {
        table.push(vec![
            p.round.to_string(),
            variant(p.first).to_owned(),
            format!("{:.0}", p.with.throughput),
            format!("{:.0}", p.without.throughput),
            cell(
                report::ratio(Some(p.with.throughput), Some(p.without.throughput)),
                3,
            ),
            cell(p.with.p99_ms, 2),
            cell(p.without.p99_ms, 2),
            cell(report::ratio(p.with.p99_ms, p.without.p99_ms), 3),
            (p.with.errors + p.without.errors).to_string(),
        ]);
    }
    let throughput = of_rounds(pairs, throughput);
    let p99 = of_rounds(pairs, p99);
    table.push(vec![
        "median".to_owned(),
        String::new(),
        cell(throughput.with, 0),
        cell(throughput.without, 0),
        cell(report::ratio(throughput.with, throughput.without), 3),
        cell(p99.with, 2),
        cell(p99.without, 2),
        cell(report::ratio(p99.with, p99.without), 3),
        String::new(),
    ]);
    table.push(vec![
        "spread".to_owned(),
        String::new(),
        cell(throughput.with_spread, 0),
        cell(throughput.without_spread, 0),
        ratio_range(throughput.round_ratios),
        cell(p99.with_spread, 2),
        cell(p99.without_spread, 2),
        ratio_range(p99.round_ratios),
        String::new(),
    ]);
    report::table(&table)
}

/// Appends `measurement` to the rounds file in `dir`.
fn append(dir: &Path, measurement: &Measurement) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(ROUNDS_FILE);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .with_context(|| format!("opening {}", path.display()))?;
    let mut line = serde_json::to_string(measurement)?;
    line.push('\n');
    file.write_all(line.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Reads the rounds file in `dir`.
fn read_rounds(dir: &Path) -> anyhow::Result<Vec<Measurement>> {
    let path = dir.join(ROUNDS_FILE);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).with_context(|| format!("{} line {}", path.display(), i + 1))
        })
        .collect()
}

/// Runs one step; `Ok(false)` when some request failed (the numbers are then suspect).
pub async fn run(args: Args) -> anyhow::Result<bool> {
    match args.step {
        Step::Round(args) => run_round(args).await,
        Step::Summary(args) => summary(&args.out),
    }
}

async fn run_round(args: RoundArgs) -> anyhow::Result<bool> {
    let bearer = http::token_from_env(AGENT_TOKEN_ENV)?;
    anyhow::ensure!(args.customers >= 1, "--customers must be at least 1");
    anyhow::ensure!(args.connections >= 1, "--connections must be at least 1");
    let target = Arc::new(Target::parse(&args.server)?);
    load::probe_lookup(&target, &bearer).await?;
    let duration = Duration::from_secs(args.duration_secs.max(1));
    let measured = load::measure_lookups(
        std::slice::from_ref(&target),
        &bearer,
        args.customers,
        args.connections,
        Duration::from_secs(args.warmup_secs),
        duration,
        &[],
    )
    .await;
    let measurement = Measurement {
        round: args.round,
        variant: args.variant,
        connections: args.connections,
        duration_secs: duration.as_secs(),
        warmup_secs: args.warmup_secs,
        customers: args.customers,
        throughput: round(measured.throughput, 1),
        p50_ms: measured.p50_ms.map(|v| round(v, 3)),
        p99_ms: measured.p99_ms.map(|v| round(v, 3)),
        errors: measured.errors,
    };
    append(&args.out, &measurement)?;
    println!(
        "round {}, {} the check: {:.0} lookups/s, p50 {} ms, p99 {} ms, {} errors",
        measurement.round,
        match measurement.variant {
            Variant::With => "with",
            Variant::Without => "without",
        },
        measurement.throughput,
        cell(measurement.p50_ms, 2),
        cell(measurement.p99_ms, 2),
        measurement.errors,
    );
    Ok(measurement.errors == 0)
}

fn summary(dir: &Path) -> anyhow::Result<bool> {
    let pairs = pairs(&read_rounds(dir)?)?;
    let first = &pairs[0].with;
    println!(
        "provisioning check: customer lookups at {} connections, {} s measured per round after {} s \
         warm-up, customer ids 1..={}; with the check (the agent's SCIM user and groups read on \
         every request) against {WITHOUT}",
        first.connections, first.duration_secs, first.warmup_secs, first.customers,
    );
    print!("{}", rounds_table(&pairs));
    let json = rows(&pairs);
    load::print_targets(&json);
    let clean = pairs
        .iter()
        .all(|p| p.with.errors == 0 && p.without.errors == 0);
    if !clean {
        println!("THIS RUN HAD ERRORS: its numbers are not a valid measurement.");
    }
    let path = report::write_rows(dir, RESULT_FILE, &json)?;
    println!("wrote {}", path.display());
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(round: u32, variant: Variant, throughput: f64, p99: f64) -> Measurement {
        Measurement {
            round,
            variant,
            connections: 50,
            duration_secs: 5,
            warmup_secs: 2,
            customers: 10_000,
            throughput,
            p50_ms: Some(p99 / 3.0),
            p99_ms: Some(p99),
            errors: 0,
        }
    }

    #[test]
    fn medians_and_spreads() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[7.0]), Some(7.0));
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[f64::NAN, 1.0]), Some(1.0));
        assert_eq!(spread(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(spread(&[5.0]), Some(0.0));
        assert_eq!(spread(&[]), None);
    }

    #[test]
    fn a_difference_is_within_the_spread_when_the_rounds_ratios_range_over_one() {
        let rounds = |pairs: &[(f64, f64)]| -> Vec<(Option<f64>, Option<f64>)> {
            pairs.iter().map(|&(a, b)| (Some(a), Some(b))).collect()
        };
        // One round faster with the check, one slower.
        let c = compare(&rounds(&[(100.0, 99.0), (101.0, 102.0), (103.0, 100.0)]));
        assert_eq!((c.with, c.without), (Some(101.0), Some(100.0)));
        assert_eq!((c.with_spread, c.without_spread), (Some(3.0), Some(3.0)));
        assert_eq!(c.within_spread, Some(true));
        let (lo, hi) = c.round_ratios.unwrap();
        assert!((lo - 101.0 / 102.0).abs() < 1e-12 && (hi - 1.03).abs() < 1e-12);
        // The machine drifts between rounds far more than the difference, but every round has
        // the check slower: measured, although the medians lie within each side's spread.
        let c = compare(&rounds(&[(90.0, 100.0), (70.0, 80.0), (110.0, 118.0)]));
        assert!(c.with_spread.unwrap() > (c.without.unwrap() - c.with.unwrap()));
        assert_eq!(c.within_spread, Some(false));
        // Equal in one round is within.
        assert_eq!(
            compare(&rounds(&[(90.0, 100.0), (80.0, 80.0)])).within_spread,
            Some(true)
        );
        // A round missing a value counts for its medians, not for the ratios.
        let c = compare(&[(Some(90.0), None), (Some(100.0), Some(110.0))]);
        assert_eq!(c.with, Some(95.0));
        assert_eq!(c.within_spread, Some(false));
        assert_eq!(compare(&[(None, Some(1.0))]).within_spread, None);
        assert_eq!(compare(&[]).round_ratios, None);
    }

    #[test]
    fn rounds_pair_up_by_number_and_keep_their_order() {
        let measurements = [
            m(1, Variant::With, 9000.0, 15.0),
            m(1, Variant::Without, 9100.0, 14.0),
            m(2, Variant::Without, 9200.0, 14.5),
            m(2, Variant::With, 9150.0, 14.8),
        ];
        let pairs = pairs(&measurements).unwrap();
        assert_eq!(pairs.len(), 2);
        assert_eq!((pairs[0].round, pairs[0].first), (1, Variant::With));
        assert_eq!((pairs[1].round, pairs[1].first), (2, Variant::Without));
        assert_eq!(pairs[1].with.throughput, 9150.0);
        assert_eq!(pairs[1].without.throughput, 9200.0);
    }

    #[test]
    fn incomplete_or_mixed_rounds_are_refused() {
        assert!(pairs(&[]).is_err());
        // A round without its other half.
        assert!(
            pairs(&[
                m(1, Variant::With, 1.0, 1.0),
                m(1, Variant::Without, 1.0, 1.0),
                m(2, Variant::With, 1.0, 1.0),
            ])
            .is_err()
        );
        // A leftover round 1 from an earlier run.
        assert!(
            pairs(&[
                m(1, Variant::With, 1.0, 1.0),
                m(1, Variant::Without, 1.0, 1.0),
                m(1, Variant::With, 1.0, 1.0),
            ])
            .is_err()
        );
        // Other settings.
        let mut other = m(2, Variant::Without, 1.0, 1.0);
        other.connections = 200;
        assert!(
            pairs(&[
                m(1, Variant::With, 1.0, 1.0),
                m(1, Variant::Without, 1.0, 1.0),
                m(2, Variant::With, 1.0, 1.0),
                other,
            ])
            .is_err()
        );
    }

    #[test]
    fn rows_compare_the_medians_with_the_check_against_those_without() {
        let pairs = pairs(&[
            m(1, Variant::With, 9000.0, 15.0),
            m(1, Variant::Without, 9100.0, 14.0),
            m(2, Variant::Without, 9300.0, 14.5),
            m(2, Variant::With, 9200.0, 15.5),
            m(3, Variant::With, 9100.0, 14.0),
            m(3, Variant::Without, 8900.0, 16.0),
        ])
        .unwrap();
        let rows = rows(&pairs);
        assert_eq!(rows.len(), 4);
        let throughput = &rows[0];
        assert_eq!(
            throughput.case,
            "customer lookup, 50 connections (median of 3 rounds)"
        );
        assert_eq!(throughput.benchmark, BENCHMARK);
        assert_eq!(
            (throughput.value, throughput.baseline),
            (Some(9100.0), Some(9100.0))
        );
        assert_eq!(throughput.ratio, Some(1.0));
        assert_eq!(throughput.baseline_name.as_deref(), Some(WITHOUT));
        assert_eq!(
            (throughput.target.as_deref(), throughput.met),
            (Some(WITHIN_SPREAD), Some(true))
        );
        assert_eq!(
            (rows[1].measure.as_str(), rows[1].met),
            ("p50 latency", None)
        );
        let p99 = &rows[2];
        assert_eq!((p99.value, p99.baseline), (Some(15.0), Some(14.5)));
        assert_eq!(p99.ratio, Some(1.034));
        assert_eq!(p99.met, Some(true));
        let errors = &rows[3];
        assert_eq!(
            errors.case,
            "customer lookup, 50 connections (all 3 rounds)"
        );
        assert_eq!(
            (errors.value, errors.ratio, errors.met),
            (Some(0.0), None, Some(true))
        );

        // Slower with the check in every round: missed, whatever the drift between rounds.
        let slower = super::pairs(&[
            m(1, Variant::With, 8000.0, 15.0),
            m(1, Variant::Without, 9000.0, 14.0),
            m(2, Variant::Without, 7000.0, 16.0),
            m(2, Variant::With, 6500.0, 15.0),
        ])
        .unwrap();
        let rows = super::rows(&slower);
        assert_eq!((rows[0].ratio, rows[0].met), (Some(0.906), Some(false)));
        assert_eq!(rows[2].met, Some(true));
    }

    #[test]
    fn rounds_are_appended_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let one = m(1, Variant::With, 9000.0, 15.0);
        let two = m(1, Variant::Without, 9100.0, 14.0);
        append(dir.path(), &one).unwrap();
        let path = append(dir.path(), &two).unwrap();
        let text = std::fs::read_to_string(path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert!(text.lines().next().unwrap().contains(r#""variant":"with""#));
        assert_eq!(read_rounds(dir.path()).unwrap(), vec![one, two]);
        assert!(summary(dir.path()).unwrap());
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(RESULT_FILE)).unwrap())
                .unwrap();
        assert_eq!(written.as_array().unwrap().len(), 4);
    }
}
