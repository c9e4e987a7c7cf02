//! A real SMTP server for tests (mailin-embedded, on a thread of its own): it accepts
//! every message and keeps the raw bytes, so tests read what a mail server received.
//! It can start on a port that was refused before (the server "down for a while").
//! [`Received::mail`] reads a message with parsers independent of the crates that wrote
//! it: mail-parser for MIME, ical for the invitation.

use mailin_embedded::{Handler, Response, Server, response};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One received message: the envelope recipients and the raw message.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

#[derive(Clone, Default)]
struct Collect {
    all: Arc<Mutex<Vec<Received>>>,
    to: Vec<String>,
    raw: Vec<u8>,
}

impl Handler for Collect {
    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.raw.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.raw.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let message = Received { to: std::mem::take(&mut self.to), raw: std::mem::take(&mut self.raw) };
        self.all.lock().expect("sink lock").push(message);
        response::OK
    }
}

/// A mail server that accepts connections and never says a word (an SMTP client waits
/// for its greeting): `smtp://127.0.0.1:PORT`, and the task holding it (abort to close).
pub async fn silent_smtp() -> (String, tokio::task::JoinHandle<()>) {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
    let url = format!("smtp://{}", silent.local_addr().expect("addr"));
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            open.push(stream);
        }
    });
    (url, held)
}

/// An SMTP server on `127.0.0.1`.
pub struct MailSink {
    pub port: u16,
    all: Arc<Mutex<Vec<Received>>>,
}

impl MailSink {
    /// Serves SMTP on a free port.
    pub fn start() -> MailSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port");
        MailSink::serve(listener)
    }

    /// A port nothing listens on yet; [`MailSink::start_on`] serves it later.
    pub fn reserve_port() -> u16 {
        TcpListener::bind("127.0.0.1:0").expect("bind a port").local_addr().expect("addr").port()
    }

    /// Serves SMTP on `port` (one given by [`MailSink::reserve_port`]).
    pub fn start_on(port: u16) -> MailSink {
        MailSink::serve(TcpListener::bind(("127.0.0.1", port)).expect("bind the reserved port"))
    }

    fn serve(listener: TcpListener) -> MailSink {
        let port = listener.local_addr().expect("addr").port();
        let handler = Collect::default();
        let all = handler.all.clone();
        let mut server = Server::new(handler);
        server.with_name("sink.test").with_num_threads(4).with_tcp_listener(listener);
        // Serves until the test process ends.
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        MailSink { port, all }
    }

    /// `smtp://127.0.0.1:PORT` (no TLS offered: the server's STARTTLS-when-offered sends plain).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn all(&self) -> Vec<Received> {
        self.all.lock().expect("sink lock").clone()
    }

    /// Waits until at least `n` messages have arrived (or `timeout`), then returns all.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let all = self.all();
            if all.len() >= n || tokio::time::Instant::now() >= deadline {
                return all;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A received message, parsed.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub message_id: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// The `text/calendar` part: its `method` parameter and the calendar.
    pub calendar: Option<(String, Calendar)>,
}

/// An iCalendar object as parsed: the calendar's properties and its first event's.
#[derive(Debug, Clone)]
pub struct Calendar {
    pub properties: Vec<(String, String)>,
    pub events: Vec<Vec<(String, String)>>,
}

impl Calendar {
    /// Parses `text` (panics when it is not iCalendar).
    pub fn parse(text: &str) -> Calendar {
        let mut calendars = ical::IcalParser::new(std::io::BufReader::new(text.as_bytes()));
        let cal = calendars.next().expect("one calendar").expect("valid iCalendar");
        let props = |ps: &[ical::property::Property]| {
            ps.iter().map(|p| (p.name.clone(), p.value.clone().unwrap_or_default())).collect::<Vec<_>>()
        };
        Calendar {
            properties: props(&cal.properties),
            events: cal.events.iter().map(|e| props(&e.properties)).collect(),
        }
    }

    /// A calendar property's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.properties.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// A property of event `i`.
    pub fn event(&self, i: usize, name: &str) -> Option<&str> {
        self.events.get(i)?.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl Received {
    /// The message parsed (panics when it is not a MIME message).
    pub fn mail(&self) -> Mail {
        use mail_parser::MimeHeaders;
        let msg = mail_parser::MessageParser::default().parse(&self.raw).expect("a MIME message");
        let calendar = msg.parts.iter().find_map(|part| {
            let ct = part.content_type()?;
            (ct.ctype() == "text" && ct.subtype() == Some("calendar")).then(|| {
                let method = ct.attribute("method").unwrap_or_default().to_owned();
                (method, Calendar::parse(part.text_contents().expect("calendar text")))
            })
        });
        Mail {
            to: self.to.clone(),
            message_id: msg.message_id().unwrap_or_default().to_owned(),
            subject: msg.subject().unwrap_or_default().to_owned(),
            text: msg.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
            html: msg.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
            calendar,
        }
    }
}
