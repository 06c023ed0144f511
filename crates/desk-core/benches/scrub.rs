//! How fast free text is scrubbed, and that the cost stays linear in the text's length.
//!
//!   cargo bench -p desk-core --bench scrub
//!   DESK_BENCH_OUT=/tmp/bench cargo bench -p desk-core --bench scrub    # + scrub.json
//!
//! Three kinds of text, each at 1 KiB and at 64 KiB: a realistic ticket message (card numbers,
//! an IBAN, e-mail addresses, phone numbers, dates, amounts, order numbers), the same in
//! Arabic and Japanese with non-ASCII digits and invisible characters (which the scrubber must
//! normalize first), and hostile text (runs of digits, separators and half-values that look
//! like the start of something and never become it). Each is scrubbed for a role that keeps
//! nothing, and reported as nanoseconds per byte; the ratio is 64 KiB against 1 KiB of the
//! same kind, measured in the same run, and linear means it stays near 1 (the target allows
//! 1.5×). A fourth case is a ticket as the server builds it for a first-line agent: subject and
//! six messages through `Policy::free_text_about` with the customer's own values, in
//! microseconds per ticket, the scrubber's share of a ticket view. It uses only API that the
//! previous scrubber had too, so the file can be run on an earlier commit for comparison.
//!
//! criterion measures each case (estimates under `$CARGO_TARGET_DIR/criterion`); the summary's
//! figures are the medians of a sampling loop (each call timed alone, the two sizes interleaved
//! so that load from elsewhere falls on both). A benchmark, not a test: it never fails on a
//! number. Under `cargo test` each case runs once.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use desk_core::scrub::{Keep, scrub};
use desk_core::{Field, Known, Policy, RoleDefinition};

const KIB: usize = 1024;
const MAX_RATIO: f64 = 1.5;

const MESSAGE: &str = "Hello, on 2025-03-14 at 10:30 I paid 1,234.56 EUR for order 12345678 \
    with my card 4000 0012 3456 7899, and again on 15.03.2025. The refund should go to \
    GB33 BUKB 2020 1555 5555 55, not DE89 3704 0044 0532 0130 00. Call me on +44 7700 900123 \
    or mail jane.doe@example.com; my SSN is 219-09-9999 if you need it. Ticket #4821, \
    tracking 1Z999AA10123456784. Thanks!\n";

const FOREIGN: &str = "مرحبا، دفعت ١٢٣٤٫٥٦ يورو ببطاقتي ٤٠٠٠ ٠٠١٢ ٣٤٥٦ ٧٨٩٩ \
    يوم ٢٠٢٥-٠٣-١٤. こんにちは、カード番号は４０００\u{200B}００１２\u{200B}３４５６\u{200B}７８９９です。\
    メールは ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ、電話は０３-１２３４-５６７８。\u{202E}ok\u{202C}\n";

const HOSTILE: &str = "1 123 9 a@ AA11 +( (1) 1- 12. 1985-03- 4000 0012 3456 78 \
    GB33 BUKB 2020 15 219-09- AB 12 34 0800 1234 1,2,3,4,5,6,7,8,9 ";

fn repeated(unit: &str, bytes: usize) -> String {
    let mut out = String::with_capacity(bytes + unit.len());
    while out.len() < bytes {
        out.push_str(unit);
    }
    // Cut at a character boundary at or below the size.
    let mut end = bytes.min(out.len());
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out
}

/// The first-line agent's role as the server ships it (the fields free text depends on).
fn agent_l1() -> Policy {
    let definition: RoleDefinition = serde_json::from_str(
        r#"{"role": "agent_l1", "pages": ["ticket"], "widgets": ["ticket.messages"],
            "fields": {"customer.name": "full", "customer.email": "mask_email",
                       "customer.phone": "mask_phone", "ticket.subject": "full",
                       "message.body": "full"}}"#,
    )
    .expect("a valid definition");
    Policy::of([&definition])
}

const TICKET: [&str; 7] = [
    "Payment I don't recognise at Northwind Rail",
    "Hello, there is a payment on my card 4000 0012 3456 7899 that I don't recognise. Please \
     reply to ada.lovelace@example.com as I can't log in to the app.",
    "Thanks for getting in touch. I'm looking into this now and have paused the card while we \
     check.",
    "I was born on 14 March 1985 and live at 12 Oak Lane, Leeds LS6 4AB, if that helps. You can \
     reach me at +44 7700 900123.",
    "Could you tell us what the app shows when you try to sign in?",
    "Pasted from the app: <script>alert(\"x\")</script> and order 12345678 from 2025-03-14.",
    "I'm closing this ticket now. Reply any time if you need more help.",
];

fn ticket_view(policy: &Policy, known: &Known<'_>) -> usize {
    let mut bytes = 0;
    for (i, text) in TICKET.iter().enumerate() {
        let field = if i == 0 {
            Field::TicketSubject
        } else {
            Field::MessageBody
        };
        bytes += policy
            .free_text_about(field, text, known)
            .map_or(0, |t| t.len());
    }
    bytes
}

/// The median of `rounds` timings of `f`, each over `calls` calls, in nanoseconds per call.
fn median_ns(rounds: usize, calls: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..calls {
                f();
            }
            start.elapsed().as_nanos() as f64 / calls as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

struct Row {
    case: String,
    measure: &'static str,
    unit: &'static str,
    value: f64,
    baseline: Option<f64>,
    baseline_name: Option<&'static str>,
    target: String,
    met: Option<bool>,
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench_mode = args.iter().any(|a| a == "--bench") && !args.iter().any(|a| a == "--test");
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    let (rounds, budget) = if bench_mode {
        (41, 4 * KIB * KIB)
    } else {
        (1, KIB)
    };
    let mut rows = Vec::new();

    for (kind, unit) in [
        ("message", MESSAGE),
        ("non-ASCII", FOREIGN),
        ("hostile", HOSTILE),
    ] {
        let small = repeated(unit, KIB);
        let large = repeated(unit, 64 * KIB);
        let mut group = c.benchmark_group(format!("scrub {kind}"));
        for text in [&small, &large] {
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_function(format!("{} KiB", text.len() / KIB), |b| {
                b.iter(|| black_box(scrub(black_box(text), Keep::NOTHING)))
            });
        }
        group.finish();
        // Interleaved: a round of each size, in turn, so both see the same machine.
        let (mut small_ns, mut large_ns) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            for (text, out) in [(&small, &mut small_ns), (&large, &mut large_ns)] {
                let calls = (budget / rounds / text.len()).max(1);
                let per_call = median_ns(1, calls, || {
                    black_box(scrub(black_box(text), Keep::NOTHING));
                });
                out.push(per_call / text.len() as f64);
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (small_per_byte, large_per_byte) = (median(&mut small_ns), median(&mut large_ns));
        let ratio = large_per_byte / small_per_byte;
        rows.push(Row {
            case: format!("scrub a {kind} text of 64 KiB"),
            measure: "time per byte",
            unit: "ns/B",
            value: large_per_byte,
            baseline: Some(small_per_byte),
            baseline_name: Some("the same kind of text, 1 KiB"),
            target: format!("ratio ≤ {MAX_RATIO} (linear)"),
            met: Some(ratio <= MAX_RATIO),
        });
    }

    let policy = agent_l1();
    let known = Known {
        email: "ada.lovelace@example.com",
        phone: "+44 7700 900123",
        date_of_birth: "1985-03-14",
        address: "12 Oak Lane, Leeds LS6 4AB",
    };
    c.bench_function("ticket view free text (agent_l1)", |b| {
        b.iter(|| black_box(ticket_view(&policy, &known)))
    });
    let per_ticket = median_ns(rounds, if bench_mode { 2_000 } else { 1 }, || {
        black_box(ticket_view(&policy, &known));
    });
    rows.push(Row {
        case: "a ticket's subject and six messages for agent_l1".into(),
        measure: "time per ticket",
        unit: "µs",
        value: per_ticket / 1_000.0,
        baseline: None,
        baseline_name: None,
        target: "–".into(),
        met: None,
    });
    c.final_summary();

    println!();
    println!("| case | measure | value | baseline | ratio | target | met |");
    println!("| --- | --- | ---: | ---: | ---: | --- | --- |");
    for r in &rows {
        println!(
            "| {} | {} | {:.2} {} | {} | {} | {} | {} |",
            r.case,
            r.measure,
            r.value,
            r.unit,
            r.baseline
                .map_or("–".into(), |b| format!("{b:.2} {}", r.unit)),
            r.baseline
                .map_or("–".into(), |b| format!("{:.2}×", r.value / b)),
            r.target,
            r.met.map_or("", |m| if m { "yes" } else { "NO" }),
        );
    }
    match std::env::var_os("DESK_BENCH_OUT") {
        Some(dir) if bench_mode => write_json(Path::new(&dir), &rows),
        Some(_) => println!("\nnot writing DESK_BENCH_OUT: not a `cargo bench` run"),
        None => {}
    }
}

fn write_json(dir: &Path, rows: &[Row]) {
    std::fs::create_dir_all(dir).expect("the output folder");
    let json: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            serde_json::json!({
                "benchmark": "scrub",
                "case": r.case,
                "measure": r.measure,
                "unit": r.unit,
                "value": r.value,
                "baseline": r.baseline,
                "baseline_name": r.baseline_name,
                "ratio": r.baseline.map(|b| r.value / b),
                "target": r.target,
                "met": r.met,
            })
        })
        .collect();
    let path = dir.join("scrub.json");
    std::fs::write(
        &path,
        serde_json::to_string_pretty(&json).expect("json") + "\n",
    )
    .expect("writing the results");
    println!("\nwrote {}", path.display());
}
