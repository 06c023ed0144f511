//! Just enough of a Server-Sent Events parser for `GET /v1/events`.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// `event:`; empty when the event named none.
    pub event: String,
    /// `id:` of this event, when it had one.
    pub id: Option<String>,
    /// The `data:` lines, joined by newlines.
    pub data: String,
}

/// Why a stream cannot be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TooLong;

impl std::fmt::Display for TooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an event stream line is too long")
    }
}

impl std::error::Error for TooLong {}

/// Turns chunks of an event stream into events, whatever the chunk boundaries.
#[derive(Debug)]
pub struct Parser {
    line: Vec<u8>,
    max_line: usize,
    event: String,
    id: Option<String>,
    data: Option<String>,
}

impl Parser {
    /// A parser refusing lines longer than `max_line` bytes.
    pub fn new(max_line: usize) -> Self {
        Self {
            line: Vec::new(),
            max_line,
            event: String::new(),
            id: None,
            data: None,
        }
    }

    /// Feeds `chunk`, returning the events it completes.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<Event>, TooLong> {
        let mut events = Vec::new();
        let mut rest = chunk;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            self.line.extend_from_slice(&rest[..end]);
            rest = &rest[end + 1..];
            if self.line.len() > self.max_line {
                return Err(TooLong);
            }
            let mut line = std::mem::take(&mut self.line);
            if line.last() == Some(&b'\r') {
                line.pop();
            }
            if let Some(event) = self.line_done(&String::from_utf8_lossy(&line)) {
                events.push(event);
            }
        }
        self.line.extend_from_slice(rest);
        if self.line.len() > self.max_line {
            return Err(TooLong);
        }
        Ok(events)
    }

    fn line_done(&mut self, line: &str) -> Option<Event> {
        if line.is_empty() {
            let event = std::mem::take(&mut self.event);
            let id = self.id.take();
            // An event without data is not dispatched (a lone comment, say).
            return self.data.take().map(|data| Event { event, id, data });
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "id" => self.id = Some(value.to_owned()),
            "data" => match &mut self.data {
                Some(data) => {
                    data.push('\n');
                    data.push_str(value);
                }
                None => self.data = Some(value.to_owned()),
            },
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_anywhere_come_out_whole() {
        let stream = b"event: policy\nid: 42\ndata: aaa.bbb.ccc\n\n:\n\nevent: wipe\r\ndata: {\"wipe_id\": 1}\r\n\r\n";
        let whole = Parser::new(1024).feed(stream).unwrap();
        assert_eq!(
            whole,
            [
                Event {
                    event: "policy".into(),
                    id: Some("42".into()),
                    data: "aaa.bbb.ccc".into()
                },
                Event {
                    event: "wipe".into(),
                    id: None,
                    data: "{\"wipe_id\": 1}".into()
                },
            ]
        );
        for size in 1..stream.len() {
            let mut parser = Parser::new(1024);
            let mut events = Vec::new();
            for chunk in stream.chunks(size) {
                events.extend(parser.feed(chunk).unwrap());
            }
            assert_eq!(events, whole, "chunks of {size}");
        }
    }

    #[test]
    fn data_lines_join_and_long_lines_are_refused() {
        let events = Parser::new(64).feed(b"data:one\ndata: two\n\n").unwrap();
        assert_eq!(events[0].data, "one\ntwo");
        assert_eq!(events[0].event, "");
        let mut parser = Parser::new(8);
        assert_eq!(parser.feed(b"data: 0123456789"), Err(TooLong));
        assert_eq!(Parser::new(8).feed(b"data: 0123456789\n"), Err(TooLong));
    }
}
