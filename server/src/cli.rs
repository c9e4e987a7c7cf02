//! The `cadence` command line: `serve`, `migrate`, `create-org`, `create-key`, `openapi`.
//! Every flag also reads an environment variable of the same meaning.

use crate::app;
use crate::config::{Config, MailConfig, MailTransport, RateLimitConfig, WorkerConfig};
use crate::demo;
use crate::domain::validation::{check_slug, check_timezone};
use crate::keys::{ALL_SCOPES, generate_api_key};
use crate::model::{NewApiKey, NewOrg};
use crate::store;
use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "cadence", version, about = "Cadence: a self-hostable appointment booking server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP server (applies pending migrations first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(DbArgs),
    /// Create an org (tenant).
    CreateOrg(CreateOrgArgs),
    /// Create an API key for an org and print it (shown once).
    CreateKey(CreateKeyArgs),
    /// Print the OpenAPI document (as served at /api/v1/openapi.json) and exit; the SDKs'
    /// types are generated from it.
    Openapi,
}

#[derive(Args)]
struct DbArgs {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST/DB.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://cadence.db")]
    database_url: String,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CADENCE_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    db: DbArgs,
    /// Seed the demo org `movela` (once) and print its booking page and a new API key.
    #[arg(long)]
    demo: bool,
    /// Directory with the built widget (trunk's output).
    #[arg(long, env = "CADENCE_WIDGET_DIR", default_value = "dist")]
    widget_dir: PathBuf,
    /// Directory with the built dashboard (trunk's output), served at /dashboard/.
    #[arg(long, env = "CADENCE_DASHBOARD_DIR", default_value = "dashboard/dist")]
    dashboard_dir: PathBuf,
    /// Seconds a request may take before it is answered with 408.
    #[arg(long, env = "CADENCE_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
    /// Seconds a client may take to send a request's headers before its connection closes.
    #[arg(long, env = "CADENCE_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    header_read_timeout_secs: u64,
    /// Most connections served at once; further ones wait to be accepted.
    #[arg(long, env = "CADENCE_MAX_CONNECTIONS", default_value_t = 1024)]
    max_connections: usize,
    /// Days request log entries are kept.
    #[arg(long, env = "CADENCE_REQUEST_LOG_RETENTION_DAYS", default_value_t = 30)]
    request_log_retention_days: u32,
    /// Days finished webhook events, deliveries and attempts are kept.
    #[arg(long, env = "CADENCE_WEBHOOK_RETENTION_DAYS", default_value_t = 30)]
    webhook_retention_days: u32,
    /// Requests per minute per client address on the public surface and the account API.
    #[arg(long, env = "CADENCE_PUBLIC_RATE_LIMIT", default_value_t = NonZeroU32::new(300).unwrap())]
    public_rate_limit: NonZeroU32,
    /// Public booking creations per minute per client address.
    #[arg(long, env = "CADENCE_BOOKING_RATE_LIMIT", default_value_t = NonZeroU32::new(20).unwrap())]
    booking_rate_limit: NonZeroU32,
    /// Requests per minute per org on the org API.
    #[arg(long, env = "CADENCE_ORG_RATE_LIMIT", default_value_t = NonZeroU32::new(1200).unwrap())]
    org_rate_limit: NonZeroU32,
    /// Failed logins per account per 15 minutes before further attempts get 429.
    #[arg(long, env = "CADENCE_LOGIN_FAILURE_LIMIT", default_value_t = NonZeroU32::new(10).unwrap())]
    login_failure_limit: NonZeroU32,
    /// Let webhook URLs be http:// and point at private/loopback addresses (development
    /// and tests only).
    #[arg(long, env = "CADENCE_WEBHOOK_ALLOW_PRIVATE", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false)]
    webhook_allow_private: bool,
    /// Milliseconds between polls of the webhook outbox.
    #[arg(long, env = "CADENCE_WEBHOOK_POLL_MS", default_value_t = 1000)]
    webhook_poll_ms: u64,
    /// Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For is believed.
    #[arg(long, env = "CADENCE_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<ipnet::IpNet>,
    #[command(flatten)]
    mail: MailArgs,
}

#[derive(Args)]
struct MailArgs {
    /// SMTP server for notification mails: smtp://[user:pass@]host[:port] (STARTTLS when
    /// offered) or smtps://… (TLS from the start). Without it (and without --mail-dir) no
    /// mail is sent.
    #[arg(long, env = "CADENCE_SMTP_URL", hide_env_values = true)]
    smtp_url: Option<String>,
    /// Write each mail as an .eml file into this directory instead of sending it.
    #[arg(long, env = "CADENCE_MAIL_DIR", conflicts_with = "smtp_url")]
    mail_dir: Option<PathBuf>,
    /// The From of notification mails, e.g. "Movela <bookings@movela.example>".
    #[arg(long, env = "CADENCE_MAIL_FROM", default_value = "Cadence <bookings@cadence.invalid>")]
    mail_from: String,
    /// The base URL of links in mails (manage links, calendar feeds); default: http://ADDR.
    #[arg(long, env = "CADENCE_PUBLIC_URL")]
    public_url: Option<String>,
    /// Milliseconds between polls of the mail outbox.
    #[arg(long, env = "CADENCE_MAIL_POLL_MS", default_value_t = 2000)]
    mail_poll_ms: u64,
}

impl MailArgs {
    /// The mail settings, checked: a usable From and transport URL, an http(s) public URL.
    fn config(self, addr: SocketAddr) -> anyhow::Result<MailConfig> {
        let transport = match (self.smtp_url, self.mail_dir) {
            (Some(url), _) => {
                crate::mail::check_smtp_url(&url)?;
                Some(MailTransport::Smtp(url))
            }
            (None, Some(dir)) => {
                std::fs::create_dir_all(&dir)
                    .with_context(|| format!("cannot create --mail-dir {}", dir.display()))?;
                Some(MailTransport::Dir(dir))
            }
            (None, None) => None,
        };
        crate::mail::check_mailbox(&self.mail_from).context("--mail-from")?;
        let public_url = self.public_url.unwrap_or_else(|| format!("http://{addr}"));
        let parsed = url::Url::parse(&public_url).context("--public-url")?;
        anyhow::ensure!(matches!(parsed.scheme(), "http" | "https"), "--public-url must be http(s)://");
        Ok(MailConfig {
            transport,
            from: self.mail_from,
            public_url: public_url.trim_end_matches('/').to_owned(),
            poll_interval: Duration::from_millis(self.mail_poll_ms.max(10)),
            ..MailConfig::default()
        })
    }
}

#[derive(Args)]
struct CreateOrgArgs {
    #[command(flatten)]
    db: DbArgs,
    /// URL name of the org (its booking page is /SLUG).
    #[arg(long)]
    slug: String,
    /// Display name.
    #[arg(long)]
    name: String,
    /// IANA timezone, e.g. Europe/Berlin.
    #[arg(long)]
    timezone: String,
}

#[derive(Args)]
struct CreateKeyArgs {
    #[command(flatten)]
    db: DbArgs,
    /// Slug of the org the key belongs to.
    #[arg(long)]
    org: String,
    /// A name to recognise the key by.
    #[arg(long, default_value = "cli key")]
    name: String,
    /// Comma-separated scopes (default: all).
    #[arg(long, value_delimiter = ',')]
    scopes: Vec<String>,
}

/// Parses the command line, runs the command, and turns errors into a message and exit 1.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CADENCE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve(args) => serve(args).await,
        Command::Openapi => {
            println!("{}", serde_json::to_string_pretty(crate::http::openapi::document())?);
            Ok(())
        }
        Command::Migrate(db) => {
            store::connect(&db.database_url).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::CreateOrg(args) => {
            check_slug(&args.slug).map_err(anyhow::Error::msg)?;
            check_timezone(&args.timezone).map_err(anyhow::Error::msg)?;
            let store = store::connect(&args.db.database_url).await?;
            let org = store
                .create_org(&NewOrg {
                    slug: args.slug,
                    name: args.name,
                    timezone: args.timezone,
                    branding: Default::default(),
                })
                .await
                .map_err(|err| match err {
                    store::StoreError::Conflict(_) => {
                        anyhow::anyhow!("an org with that slug already exists")
                    }
                    other => other.into(),
                })?;
            println!("{}", org.id);
            Ok(())
        }
        Command::CreateKey(args) => {
            let scopes = if args.scopes.is_empty() {
                ALL_SCOPES.iter().map(|s| s.to_string()).collect()
            } else {
                if let Some(bad) = args.scopes.iter().find(|s| !ALL_SCOPES.contains(&s.as_str())) {
                    anyhow::bail!("unknown scope {bad:?}; known scopes: {}", ALL_SCOPES.join(", "));
                }
                args.scopes
            };
            let store = store::connect(&args.db.database_url).await?;
            let org = store
                .find_org_by_slug(&args.org)
                .await?
                .with_context(|| format!("no org with slug {:?}", args.org))?;
            let key = generate_api_key();
            store
                .create_api_key(&NewApiKey {
                    org_id: org.id,
                    name: args.name,
                    key_hash: key.hash,
                    key_prefix: key.display,
                    scopes,
                    created_by: None,
                    expires_at: None,
                })
                .await?;
            println!("{}", key.plain);
            Ok(())
        }
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = store::connect(&args.db.database_url).await?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    let addr = listener.local_addr()?;
    let mail = args.mail.config(addr)?;
    if args.demo {
        let seed = demo::seed(store.as_ref()).await.context("seeding the demo org")?;
        println!("Cadence demo is running.");
        println!("  Booking page:  http://{addr}/{}", seed.org.slug);
        println!("  Public API:    http://{addr}/api/v1/public/orgs/{}", seed.org.slug);
        println!("  Dashboard:     http://{addr}/dashboard/");
        println!(
            "  Dashboard log-in: {}  password {}  (new on every start)",
            crate::demo::DEMO_OWNER,
            seed.owner_password
        );
        if let Some(MailTransport::Dir(dir)) = &mail.transport {
            println!("  Mails:         {}  (one .eml file per message)", dir.display());
        }
        println!("  Demo API key:  {}  (shown once; only its hash is stored)", seed.api_key);
    }
    tracing::info!(%addr, backend = ?store.backend(), "listening");
    match &mail.transport {
        None => tracing::info!("no --smtp-url or --mail-dir: no notification mails are sent"),
        Some(MailTransport::Smtp(url)) => {
            tracing::info!(smtp = %store::redact_url(url), from = %mail.from, "notification mails go by SMTP")
        }
        Some(MailTransport::Dir(dir)) => {
            tracing::info!(dir = %dir.display(), "notification mails are written as .eml files")
        }
    }
    let config = Config {
        widget_dir: args.widget_dir,
        dashboard_dir: args.dashboard_dir,
        request_timeout: Duration::from_secs(args.request_timeout_secs),
        header_read_timeout: Duration::from_secs(args.header_read_timeout_secs.max(1)),
        max_connections: args.max_connections.max(1),
        request_log_retention: chrono::Duration::days(i64::from(args.request_log_retention_days)),
        webhook_retention: chrono::Duration::days(i64::from(args.webhook_retention_days)),
        rate_limits: RateLimitConfig {
            public_per_minute: args.public_rate_limit,
            bookings_per_minute: args.booking_rate_limit,
            org_per_minute: args.org_rate_limit,
            login_failures_per_15_minutes: args.login_failure_limit,
            trusted_proxies: args.trusted_proxies,
        },
        webhooks: WorkerConfig {
            allow_private: args.webhook_allow_private,
            poll_interval: Duration::from_millis(args.webhook_poll_ms.max(10)),
            ..WorkerConfig::default()
        },
        mail,
    };
    if args.webhook_allow_private {
        tracing::warn!(
            "CADENCE_WEBHOOK_ALLOW_PRIVATE is on: webhooks may go to http:// and private addresses"
        );
    }
    app::serve(listener, store, config, app::shutdown_signal()).await
}
