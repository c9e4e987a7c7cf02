//! Everything the server is told at start-up, as plain values: `cli` fills them from flags
//! and environment variables, the rest of the server only reads them. Nothing here imports
//! another module of the server, so every floor may.

use ipnet::IpNet;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

/// The whole configuration of one server process.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where trunk put the widget (`index.html` and its assets).
    pub widget_dir: PathBuf,
    /// Where trunk put the dashboard (`index.html` and its assets), served at `/dashboard/`.
    pub dashboard_dir: PathBuf,
    /// How long one request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// How long a client may take to send a request's headers (also the first request on
    /// a new connection, and the next one on a kept-alive connection) before it is closed.
    pub header_read_timeout: Duration,
    /// Most connections served at once; past it new ones wait to be accepted.
    pub max_connections: usize,
    /// How long request log entries are kept.
    pub request_log_retention: chrono::Duration,
    /// How long finished webhook events (with their deliveries and attempts) are kept.
    pub webhook_retention: chrono::Duration,
    pub rate_limits: RateLimitConfig,
    pub webhooks: WorkerConfig,
    pub mail: MailConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            widget_dir: PathBuf::from("dist"),
            dashboard_dir: PathBuf::from("dashboard/dist"),
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            request_log_retention: chrono::Duration::days(30),
            webhook_retention: chrono::Duration::days(30),
            rate_limits: Default::default(),
            webhooks: Default::default(),
            mail: Default::default(),
        }
    }
}

/// Rate limits (see `http::rate_limit`).
#[derive(Debug, Clone)]
pub struct RateLimitConfig {
    /// Requests per minute per client address (public surface and account API).
    pub public_per_minute: NonZeroU32,
    /// Public booking creations per minute per client address.
    pub bookings_per_minute: NonZeroU32,
    /// Requests per minute per org (org API).
    pub org_per_minute: NonZeroU32,
    /// Failed logins per account (e-mail, known or not) per 15 minutes, then 429.
    pub login_failures_per_15_minutes: NonZeroU32,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            public_per_minute: NonZeroU32::new(300).expect("non-zero"),
            bookings_per_minute: NonZeroU32::new(20).expect("non-zero"),
            org_per_minute: NonZeroU32::new(1200).expect("non-zero"),
            login_failures_per_15_minutes: NonZeroU32::new(10).expect("non-zero"),
            trusted_proxies: Vec::new(),
        }
    }
}

/// How the webhook delivery worker runs (tests shorten the waits).
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// How often the outbox is polled.
    pub poll_interval: Duration,
    /// Waits between attempts; attempts = len + 1.
    pub retry_schedule: Vec<Duration>,
    /// `CADENCE_WEBHOOK_ALLOW_PRIVATE`: no SSRF guard, http:// allowed.
    pub allow_private: bool,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Deliveries one process sends at once.
    pub in_flight: u32,
    /// Deliveries in flight to one endpoint, across processes.
    pub per_endpoint: u32,
    /// Deliveries in flight to one org's endpoints together, across processes.
    pub per_org: u32,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        WorkerConfig {
            poll_interval: Duration::from_secs(1),
            retry_schedule: RETRY_SCHEDULE.to_vec(),
            allow_private: false,
            timeout: Duration::from_secs(10),
            in_flight: 64,
            per_endpoint: 4,
            per_org: 16,
        }
    }
}

/// Waits after the 1st, 2nd, … failed webhook attempt: 30 s, 2 min, 10 min, 30 min, 1 h,
/// 2 h, 4 h, 8 h, 8 h (≈ 24 h in all); after the 10th attempt the delivery fails.
pub const RETRY_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(30),
    Duration::from_secs(120),
    Duration::from_secs(600),
    Duration::from_secs(1800),
    Duration::from_secs(3600),
    Duration::from_secs(7200),
    Duration::from_secs(14_400),
    Duration::from_secs(28_800),
    Duration::from_secs(28_800),
];

/// Where mails go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MailTransport {
    /// An SMTP server: `smtp://[user:pass@]host[:port]` (STARTTLS when the server offers
    /// it), `smtps://…` (TLS from the start).
    Smtp(String),
    /// Each message written as an `.eml` file into this directory.
    Dir(PathBuf),
}

/// Notification mails (see `mail::worker`).
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// `None`: no mail is written or sent.
    pub transport: Option<MailTransport>,
    /// The From of every mail and the ORGANIZER of its invitation, e.g.
    /// `Movela <bookings@movela.example>`.
    pub from: String,
    /// The base of links in mails (manage link, calendar feeds), without a trailing slash.
    pub public_url: String,
    /// How often the mail outbox is polled.
    pub poll_interval: Duration,
    /// Waits between attempts; attempts = len + 1.
    pub retry_schedule: Vec<Duration>,
    /// Timeout of one SMTP conversation.
    pub timeout: Duration,
    /// Days sent, skipped and failed mails are kept in the outbox.
    pub retention: chrono::Duration,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            transport: None,
            from: "Cadence <bookings@cadence.invalid>".into(),
            public_url: "http://127.0.0.1:8080".into(),
            poll_interval: Duration::from_secs(2),
            retry_schedule: MAIL_RETRY_SCHEDULE.to_vec(),
            timeout: Duration::from_secs(30),
            retention: chrono::Duration::days(30),
        }
    }
}

/// Waits after the 1st, 2nd, … failed send: 30 s, 1, 5, 15, 30 min, then hourly for a day
/// (the mail server may be down for a while); after the last the message fails.
pub const MAIL_RETRY_SCHEDULE: [Duration; 28] = {
    let mut waits = [Duration::from_secs(3600); 28];
    waits[0] = Duration::from_secs(30);
    waits[1] = Duration::from_secs(60);
    waits[2] = Duration::from_secs(300);
    waits[3] = Duration::from_secs(900);
    waits[4] = Duration::from_secs(1800);
    waits
};
