//! Hostile input, fuzzed (proptest): the server-sent events parser, which reads whatever the
//! server (or anything between it and the app) sends on `GET /v1/events`. Its promises, for
//! every input: events come out the same however the bytes were cut into chunks, what a
//! conforming server writes is read back exactly, nothing it returns or holds grows past its
//! limits, and a refusal is one of its three errors. The policies inside the events are
//! desk-core's and fuzzed there.
//!
//! The default run is short (`config`); `PROPTEST_CASES=N` runs every property N times
//! (docs/fuzzing.md).

use proptest::prelude::*;

use crate::sse::{Event, Parser, SseError};

/// `cases` cases, unless `PROPTEST_CASES` asks for another number (the long run).
fn config(cases: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
    }
    config
}

const MAX_LINE: usize = 96;
const MAX_EVENT: usize = 256;

/// Everything a parser gave for a stream fed in these chunks: the events, in order, and the
/// error that stopped it, if any (a parser is not fed again after an error).
fn run(chunks: &[&[u8]], max_line: usize, max_event: usize) -> (Vec<Event>, Option<SseError>) {
    let mut parser = Parser::new(max_line, max_event);
    let mut events = Vec::new();
    for chunk in chunks {
        match parser.feed(chunk) {
            Ok(more) => events.extend(more),
            Err(e) => return (events, Some(e)),
        }
    }
    (events, None)
}

/// Bytes an event stream is made of (field names, colons, line ends of every kind, a BOM),
/// and any byte now and then.
fn stream_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        3 => prop::sample::select(vec![
            &b"data"[..], b"data:", b"data: ", b"event:", b"event: policy", b"id:", b"id: 7",
            b"retry: 10", b":", b": keep-alive", b"\n", b"\r", b"\r\n", b"\n\n", b"\r\n\r\n",
            b"\xEF\xBB\xBF", b"\0", b"a.b.c", b" ", b"wipe",
        ])
        .prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 0..8),
        1 => prop::collection::vec(b'a'..=b'z', 0..120),
    ];
    prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat())
}

/// Cut points, as fractions of the stream, so any stream can be cut anywhere.
fn cuts() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(any::<usize>(), 0..12)
}

fn chunked<'a>(bytes: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    at.push(0);
    at.push(bytes.len());
    at.sort_unstable();
    // Repeated cut points give empty chunks, which a reader may deliver too.
    at.windows(2).map(|w| &bytes[w[0]..w[1]]).collect()
}

/// An event as a server writes it: a kind (or none, for `message`), data of several lines, and
/// sometimes an id.
fn event() -> impl Strategy<Value = (Option<String>, Vec<String>, Option<String>)> {
    // Field values: no line ends (they end the line) and, for the kind and id, no leading
    // space (the one space after the colon is dropped) and not empty.
    let text = "[a-zA-Z0-9 .:_\\-éß😀\u{202E}]{0,30}";
    let word = "[a-zA-Z0-9.:_\\-é][a-zA-Z0-9 .:_\\-é]{0,15}";
    (
        prop::option::of(word),
        prop::collection::vec(text, 1..4),
        prop::option::of(word),
    )
}

proptest! {
    #![proptest_config(config(512))]

    /// However a stream is cut into chunks — a CRLF or a UTF-8 character split between two,
    /// empty chunks, every byte alone — it gives the same events and stops at the same error
    /// as when it arrives whole.
    #[test]
    fn chunking_never_changes_what_a_stream_means(bytes in stream_bytes(), cuts in cuts()) {
        let whole = run(&[&bytes], MAX_LINE, MAX_EVENT);
        let pieces = chunked(&bytes, &cuts);
        let (events, error) = run(&pieces, MAX_LINE, MAX_EVENT);
        match &whole {
            // Whole, events before the error in the same chunk are not returned; in pieces
            // some of them may be: they must be the stream's first events.
            (_, Some(e)) => {
                prop_assert_eq!(error.as_ref(), Some(e));
                let (all, _) = run(&bytes.chunks(1).collect::<Vec<_>>(), MAX_LINE, MAX_EVENT);
                prop_assert!(all.starts_with(&events), "{events:?} not a prefix of {all:?}");
            }
            (expected, None) => {
                prop_assert_eq!(&error, &None);
                prop_assert_eq!(&events, expected);
            }
        }
        let bytewise = run(&bytes.chunks(1).collect::<Vec<_>>(), MAX_LINE, MAX_EVENT);
        prop_assert_eq!(bytewise.1, whole.1.clone());
        if whole.1.is_none() {
            prop_assert_eq!(bytewise.0, whole.0);
        }
    }

    /// Whatever the bytes, the parser stops with one of its errors or goes on, and no event it
    /// returns is larger than its limit; a stream that never ends a line is refused once the
    /// line passes the limit, so it cannot make the client buffer without end.
    #[test]
    fn arbitrary_bytes_stay_within_the_limits(
        bytes in prop_oneof![stream_bytes(), prop::collection::vec(any::<u8>(), 0..2000)],
        cuts in cuts(),
    ) {
        let (events, error) = run(&chunked(&bytes, &cuts), MAX_LINE, MAX_EVENT);
        for e in &events {
            prop_assert!(e.data.len() <= MAX_EVENT, "{} bytes", e.data.len());
            prop_assert!(e.kind.len() <= MAX_LINE);
            prop_assert!(e.id.as_ref().is_none_or(|i| i.len() <= MAX_LINE));
        }
        let longest_line = bytes
            .split(|&b| b == b'\n' || b == b'\r')
            .map(<[u8]>::len)
            .max()
            .unwrap_or(0);
        if longest_line > MAX_LINE + 3 {
            // Longer than any line the limit allows (a BOM adds 3 bytes to the first).
            prop_assert!(error.is_some(), "a {longest_line}-byte line was taken");
        }
        if let Some(e) = error {
            prop_assert!(matches!(
                e,
                SseError::LineTooLong(MAX_LINE)
                    | SseError::EventTooLarge(MAX_EVENT)
                    | SseError::NotUtf8
            ));
        }
    }

    /// Events written as the format allows — any line ends, comments and unknown fields between
    /// lines, the one optional space after the colon, a byte-order mark first, data over several
    /// lines — are read back exactly, with ids that persist until changed.
    #[test]
    fn events_written_in_any_conforming_way_are_read_back(
        events in prop::collection::vec(event(), 0..6),
        bom in any::<bool>(),
        style in prop::collection::vec((0usize..3, any::<bool>(), 0usize..4), 1..40),
        cuts in cuts(),
    ) {
        let mut out = Vec::new();
        if bom {
            out.extend_from_slice("\u{feff}".as_bytes());
        }
        let mut styles = style.iter().cycle();
        // The blank line that ends an event repeats the last line end: after a CR, a lone LF
        // would be the second half of a CRLF, not a blank line.
        let mut last_end: &[u8] = b"\n";
        let mut line = |out: &mut Vec<u8>, field: &str, value: &str| -> &'static [u8] {
            let (end, space, extra) = *styles.next().unwrap();
            let end: &'static [u8] = [&b"\n"[..], b"\r\n", b"\r"][end];
            match extra {
                0 => {}
                1 => { out.extend_from_slice(b": keep-alive"); out.extend_from_slice(end); }
                2 => { out.extend_from_slice(b"retry: 5000"); out.extend_from_slice(end); }
                _ => { out.extend_from_slice(b"x-unknown:data: no"); out.extend_from_slice(end); }
            }
            out.extend_from_slice(field.as_bytes());
            if value.is_empty() && !space {
                // `data` alone is an empty line of data.
            } else {
                out.push(b':');
                if space || value.starts_with(' ') {
                    out.push(b' ');
                }
                out.extend_from_slice(value.as_bytes());
            }
            out.extend_from_slice(end);
            end
        };
        let mut expected = Vec::new();
        let mut last_id: Option<String> = None;
        for (kind, data, id) in &events {
            if let Some(kind) = kind {
                last_end = line(&mut out, "event", kind);
            }
            if let Some(id) = id {
                last_end = line(&mut out, "id", id);
                last_id = Some(id.clone());
            }
            for d in data {
                last_end = line(&mut out, "data", d);
            }
            out.extend_from_slice(last_end);
            expected.push(Event {
                kind: kind.clone().unwrap_or_else(|| "message".into()),
                data: data.join("\n"),
                id: last_id.clone(),
            });
        }
        let (got, error) = run(&chunked(&out, &cuts), 1024, 4096);
        prop_assert_eq!(error, None);
        prop_assert_eq!(got, expected, "{}", String::from_utf8_lossy(&out));
    }
}
