//! A small server-sent events parser (the WHATWG `text/event-stream` format), bounded so that a
//! hostile or broken server cannot make the client buffer without limit.
//!
//! Bytes go in as they arrive, in chunks of any size; complete events come out. Lines end with
//! CRLF, LF or CR (a CRLF split across two chunks counts once). A line starting with `:` is a
//! comment (the server's keep-alive). Fields other than `event`, `data` and `id` are ignored, as
//! is an event without data. Limits: a line longer than `max_line` bytes, or an event whose data
//! grows past `max_event` bytes, is an error, and the connection should be dropped.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Event {
    /// The `event` field, `message` when absent.
    pub kind: String,
    /// The `data` lines, joined with `\n`.
    pub data: String,
    /// The last event id seen on the stream so far (ids persist across events).
    pub id: Option<String>,
}

/// Why a stream was given up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SseError {
    /// A line ran past the limit.
    #[error("the event stream sent a line longer than {0} bytes")]
    LineTooLong(usize),
    /// An event's data ran past the limit.
    #[error("the event stream sent an event larger than {0} bytes")]
    EventTooLarge(usize),
    /// A line is not UTF-8.
    #[error("the event stream sent a line that is not UTF-8")]
    NotUtf8,
}

/// The parser's state between chunks.
#[derive(Debug)]
pub(crate) struct Parser {
    max_line: usize,
    max_event: usize,
    line: Vec<u8>,
    /// The previous chunk ended with CR: a LF starting this one belongs to that line end.
    after_cr: bool,
    /// Still at the very start of the stream, where a byte-order mark is dropped.
    at_start: bool,
    kind: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
}

const BOM: &[u8] = "\u{feff}".as_bytes();

impl Parser {
    /// A parser refusing lines over `max_line` bytes and events over `max_event` bytes of data.
    pub(crate) fn new(max_line: usize, max_event: usize) -> Self {
        Self {
            max_line,
            max_event,
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            kind: String::new(),
            data: String::new(),
            has_data: false,
            last_id: None,
        }
    }

    /// Takes the next bytes of the stream and returns the events they complete.
    pub(crate) fn feed(&mut self, mut chunk: &[u8]) -> Result<Vec<Event>, SseError> {
        let mut events = Vec::new();
        if chunk.is_empty() {
            return Ok(events);
        }
        if self.after_cr {
            self.after_cr = false;
            if let [b'\n', rest @ ..] = chunk {
                chunk = rest;
            }
        }
        let mut i = 0;
        while i < chunk.len() {
            match chunk[i] {
                b'\n' => self.end_line(&mut events)?,
                b'\r' => {
                    self.end_line(&mut events)?;
                    match chunk.get(i + 1) {
                        Some(b'\n') => i += 1,
                        Some(_) => {}
                        None => self.after_cr = true,
                    }
                }
                _ => {
                    // Copy the run up to the next line end at once rather than byte by byte.
                    let end = chunk[i..]
                        .iter()
                        .position(|&b| b == b'\n' || b == b'\r')
                        .map_or(chunk.len(), |p| i + p);
                    if self.line.len() + (end - i) > self.max_line {
                        return Err(SseError::LineTooLong(self.max_line));
                    }
                    self.line.extend_from_slice(&chunk[i..end]);
                    i = end;
                    continue;
                }
            }
            i += 1;
        }
        Ok(events)
    }

    fn end_line(&mut self, events: &mut Vec<Event>) -> Result<(), SseError> {
        let mut raw = std::mem::take(&mut self.line);
        if self.at_start {
            self.at_start = false;
            if raw.starts_with(BOM) {
                raw.drain(..BOM.len());
            }
        }
        let line = String::from_utf8(raw).map_err(|_| SseError::NotUtf8)?;
        if line.is_empty() {
            self.dispatch(events);
            return Ok(());
        }
        if line.starts_with(':') {
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_str(), ""),
        };
        match field {
            "event" => value.clone_into(&mut self.kind),
            "data" => {
                let grown = self.data.len() + usize::from(self.has_data) + value.len();
                if grown > self.max_event {
                    return Err(SseError::EventTooLarge(self.max_event));
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            // The format ignores an id containing NUL.
            "id" if !value.contains('\0') => self.last_id = Some(value.to_owned()),
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, events: &mut Vec<Event>) {
        let kind = std::mem::take(&mut self.kind);
        let data = std::mem::take(&mut self.data);
        if !std::mem::take(&mut self.has_data) {
            return;
        }
        events.push(Event {
            kind: if kind.is_empty() {
                "message".to_owned()
            } else {
                kind
            },
            data,
            id: self.last_id.clone(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(chunks: &[&[u8]]) -> Result<Vec<Event>, SseError> {
        let mut parser = Parser::new(64, 128);
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(parser.feed(chunk)?);
        }
        Ok(events)
    }

    fn event(kind: &str, data: &str, id: Option<&str>) -> Event {
        Event {
            kind: kind.into(),
            data: data.into(),
            id: id.map(Into::into),
        }
    }

    #[test]
    fn a_policy_event_with_its_id() {
        let events = parse(&[b"event: policy\nid: 7\ndata: a.b.c\n\n"]).unwrap();
        assert_eq!(events, [event("policy", "a.b.c", Some("7"))]);
    }

    #[test]
    fn data_lines_join_with_newlines_and_the_kind_defaults_to_message() {
        let events = parse(&[b"data: one\ndata:two\ndata\ndata:  four\n\n"]).unwrap();
        // Only one space after the colon is dropped; `data` alone adds an empty line.
        assert_eq!(events, [event("message", "one\ntwo\n\n four", None)]);
    }

    #[test]
    fn comments_unknown_fields_and_events_without_data_dispatch_nothing() {
        let events = parse(&[
            b": keep-alive\n\n",
            b"retry: 5000\nfoo: bar\n\n",
            b"event: policy\n\n",
            // The kind of an event without data does not leak into the next one.
            b"data: x\n\n",
        ])
        .unwrap();
        assert_eq!(events, [event("message", "x", None)]);
    }

    #[test]
    fn an_event_is_only_dispatched_at_its_blank_line() {
        let mut parser = Parser::new(64, 128);
        assert_eq!(parser.feed(b"event: policy\ndata: a.b").unwrap(), []);
        assert_eq!(parser.feed(b".c\n").unwrap(), []);
        assert_eq!(
            parser.feed(b"\n").unwrap(),
            [event("policy", "a.b.c", None)]
        );
        // Cut off before its blank line: never dispatched.
        assert_eq!(parser.feed(b"data: partial\n").unwrap(), []);
    }

    #[test]
    fn ids_persist_across_events_until_changed() {
        let events =
            parse(&[b"id: 3\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: x\0y\ndata: d\n\n"]).unwrap();
        let ids: Vec<_> = events.iter().map(|e| e.id.as_deref()).collect();
        // `id` with no value resets it to empty; an id containing NUL is ignored.
        assert_eq!(ids, [Some("3"), Some("3"), Some(""), Some("")]);
    }

    #[test]
    fn crlf_cr_and_lf_line_ends_even_split_across_chunks() {
        let expected = [event("policy", "a", Some("1")), event("policy", "b", None)];
        let crlf =
            parse(&[b"event: policy\r\nid: 1\r\ndata: a\r\n\r\nevent: policy\r\ndata: b\r\n\r\n"]);
        assert_eq!(crlf.unwrap()[0], expected[0]);
        let cr = parse(&[b"event: policy\rid: 1\rdata: a\r\r"]).unwrap();
        assert_eq!(cr, [expected[0].clone()]);
        // A CRLF split between chunks is one line end, not a line end and a blank line.
        let split = parse(&[
            b"event: policy\r",
            b"",
            b"\nid: 1\r",
            b"\ndata: a\r",
            b"\n\r",
            b"\n",
        ]);
        assert_eq!(split.unwrap(), [expected[0].clone()]);
        // Every byte on its own.
        let text = b"event: policy\r\nid: 1\r\ndata: a\r\n\r\n";
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(parse(&bytes).unwrap(), [expected[0].clone()]);
    }

    #[test]
    fn a_leading_byte_order_mark_is_dropped() {
        let events = parse(&["\u{feff}data: x\n\n".as_bytes()]).unwrap();
        assert_eq!(events, [event("message", "x", None)]);
    }

    #[test]
    fn oversized_lines_are_refused_even_without_a_line_end() {
        let long = [b'a'; 65];
        assert_eq!(parse(&[&long]), Err(SseError::LineTooLong(64)));
        // Growing across chunks counts too.
        assert_eq!(
            parse(&[b"data: ", &[b'a'; 40], &[b'a'; 40]]),
            Err(SseError::LineTooLong(64))
        );
        // Exactly at the limit is fine.
        let mut exact = b"data: ".to_vec();
        exact.extend([b'a'; 58]);
        exact.extend(b"\n\n");
        assert_eq!(parse(&[&exact]).unwrap()[0].data.len(), 58);
    }

    #[test]
    fn oversized_events_are_refused() {
        let line = format!("data: {}\n", "a".repeat(50));
        let three = line.repeat(3);
        assert_eq!(
            parse(&[three.as_bytes()]),
            Err(SseError::EventTooLarge(128))
        );
        // Two such lines (101 bytes with the newline) fit.
        assert_eq!(
            parse(&[line.repeat(2).as_bytes(), b"\n"]).unwrap()[0]
                .data
                .len(),
            101
        );
    }

    #[test]
    fn a_line_that_is_not_utf8_is_an_error() {
        assert_eq!(parse(&[b"data: \xff\n\n"]), Err(SseError::NotUtf8));
    }
}
