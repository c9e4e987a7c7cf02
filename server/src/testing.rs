//! Test harness shared by the server's tests and the end-to-end crate (feature
//! `test-support`): a fresh database per test on either backend, and the real app served on
//! port 0 against it.
//!
//! Postgres is required: the admin URL is `CADENCE_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); each test creates its own database
//! `cadence_test_<ulid>` and drops it (WITH FORCE) when the guard goes, pass or fail.
//! An unreachable Postgres fails the test with a message saying so, never a silent skip.

pub mod mail_sink;

use crate::app;
use crate::config::Config;
use crate::http::AppState;
use crate::model::{NewApiKey, NewOrg, NewPractitioner, NewService, Org};
use crate::store::{self, Store};
use axum::Router;
use sqlx::Connection;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use crate::store::Backend;

const DEFAULT_POSTGRES_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _guard: DbGuard,
}

enum DbGuard {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// Creates an empty database (migrations are applied by whoever connects first).
    pub async fn create(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("create a temporary directory");
                let url = format!("sqlite://{}", dir.path().join("cadence.db").display());
                TestDb { url, backend, _guard: DbGuard::Sqlite(dir) }
            }
            Backend::Postgres => {
                let admin_url = postgres_admin_url();
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap_or_else(|err| {
                    panic!(
                        "Postgres is required for the test suite but {} is unreachable: {err}. \
                         Start it or set CADENCE_TEST_POSTGRES_URL.",
                        store::redact_url(&admin_url)
                    )
                });
                let name = format!("cadence_test_{}", ulid::Ulid::new().to_string().to_lowercase());
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .await
                    .expect("create the test database");
                let _ = admin.close().await;
                let url = with_database(&admin_url, &name);
                TestDb { url, backend, _guard: DbGuard::Postgres { admin_url, name } }
            }
        }
    }

    /// Opens the store (applying migrations).
    pub async fn connect(&self) -> Arc<dyn Store> {
        store::connect(&self.url).await.expect("connect to the test database")
    }

    /// One integer from raw SQL (e.g. `SELECT COUNT(*) …`), to check what is stored.
    pub async fn scalar(&self, sql: &str) -> i64 {
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.expect("open SQLite");
                sqlx::query_scalar(sql).fetch_one(&pool).await.expect("scalar query")
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.expect("open Postgres");
                sqlx::query_scalar(sql).fetch_one(&pool).await.expect("scalar query")
            }
        }
    }

    /// One text column of every row from raw SQL.
    pub async fn strings(&self, sql: &str) -> Vec<String> {
        match self.backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&self.url).await.expect("open SQLite");
                sqlx::query_scalar(sql).fetch_all(&pool).await.expect("text query")
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&self.url).await.expect("open Postgres");
                sqlx::query_scalar(sql).fetch_all(&pool).await.expect("text query")
            }
        }
    }
}

/// An org made for a test: two practitioners working every day 08:00–18:00 in the org's
/// timezone, a 30-minute service (10-minute buffer after, 30-minute grid) both offer, a
/// 60-minute service only the first offers, and an API key with every scope.
pub struct SeededOrg {
    pub org: Org,
    pub api_key: String,
    /// 30 minutes, buffer after 10, grid 30, both practitioners.
    pub consultation: String,
    /// 60 minutes, no buffers, grid 30, first practitioner only.
    pub massage: String,
    pub practitioners: [String; 2],
}

/// The instant of wall-clock time `hm` ("HH:MM") in `tz`, `days` days from today there
/// (the earlier instant when the clock shows it twice; panics on a time that day skips).
pub fn local_at(tz: chrono_tz::Tz, days: i64, hm: &str) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let day = (chrono::Utc::now().with_timezone(&tz) + chrono::Duration::days(days)).date_naive();
    let time = chrono::NaiveTime::parse_from_str(hm, "%H:%M").expect("HH:MM");
    tz.from_local_datetime(&day.and_time(time)).earliest().expect("a time that exists that day").to_utc()
}

/// Seeds a [`SeededOrg`] with this slug and IANA timezone.
pub async fn seed_org(store: &dyn Store, slug: &str, timezone: &str) -> SeededOrg {
    use cadence_shared::{Interval, WeeklyHours};
    let org = store
        .create_org(&NewOrg {
            slug: slug.into(),
            name: format!("Org {slug}"),
            timezone: timezone.into(),
            branding: Default::default(),
        })
        .await
        .expect("create org");
    let day = vec![Interval { start: "08:00".parse().unwrap(), end: "18:00".parse().unwrap() }];
    let week = WeeklyHours {
        monday: day.clone(),
        tuesday: day.clone(),
        wednesday: day.clone(),
        thursday: day.clone(),
        friday: day.clone(),
        saturday: day.clone(),
        sunday: day,
    };
    let mut ids = Vec::new();
    for name in ["Ada", "Ben"] {
        let p = NewPractitioner {
            name: name.into(),
            email: None,
            timezone: None,
            weekly_hours: week.clone(),
            date_overrides: vec![],
            active: true,
        };
        ids.push(store.create_practitioner(&org.id, &p).await.expect("create practitioner"));
    }
    let service = |name: &str, duration, after, pracs: Vec<String>| NewService {
        name: name.into(),
        duration_minutes: duration,
        buffer_after_minutes: after,
        slot_interval_minutes: 30,
        booking_window_days: 400,
        practitioner_ids: pracs,
        active: true,
        ..NewService::default()
    };
    let consultation =
        store.create_service(&org.id, &service("Consultation", 30, 10, ids.clone())).await.unwrap();
    let massage =
        store.create_service(&org.id, &service("Massage", 60, 0, vec![ids[0].clone()])).await.unwrap();
    let key = crate::keys::generate_api_key();
    store
        .create_api_key(&NewApiKey {
            org_id: org.id.clone(),
            name: "test".into(),
            key_hash: key.hash,
            key_prefix: key.display,
            scopes: crate::keys::ALL_SCOPES.iter().map(|s| s.to_string()).collect(),
            created_by: None,
            expires_at: None,
        })
        .await
        .expect("create key");
    SeededOrg {
        org,
        api_key: key.plain,
        consultation,
        massage,
        practitioners: [ids[0].clone(), ids[1].clone()],
    }
}

/// A key of `org_id` with only these scopes.
pub async fn key_with_scopes(store: &dyn Store, org_id: &str, scopes: &[&str]) -> String {
    let key = crate::keys::generate_api_key();
    store
        .create_api_key(&NewApiKey {
            org_id: org_id.into(),
            name: "scoped".into(),
            key_hash: key.hash,
            key_prefix: key.display,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            created_by: None,
            expires_at: None,
        })
        .await
        .expect("create key");
    key.plain
}

impl Drop for DbGuard {
    fn drop(&mut self) {
        if let DbGuard::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop may run inside a runtime; a thread with its own runtime can block safely.
            let dropped = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
                rt.block_on(async {
                    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&mut admin)
                        .await?;
                    admin.close().await
                })
                .map_err(std::io::Error::other)
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("warning: could not drop test database");
            }
        }
    }
}

/// The Postgres admin URL tests create their databases through.
pub fn postgres_admin_url() -> String {
    std::env::var("CADENCE_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_ADMIN_URL.to_owned())
}

/// The same server URL with another database name.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = &base[..base.rfind('/').expect("database URL has a path")];
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// The real application served on `127.0.0.1:0` against a fresh database.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base_url: String,
    pub client: reqwest::Client,
    pub store: Arc<dyn Store>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<anyhow::Result<()>>>,
    // Last: the database goes after everything that uses it.
    pub db: TestDb,
}

impl TestApp {
    /// Serves the app with default configuration (widget directory: an empty temp dir).
    pub async fn spawn(backend: Backend) -> TestApp {
        TestApp::spawn_with(backend, Config::default()).await
    }

    pub async fn spawn_with(backend: Backend, config: Config) -> TestApp {
        TestApp::spawn_with_routes(backend, config, Router::new()).await
    }

    /// Serves the standard routes plus `extra` behind the real layers.
    pub async fn spawn_with_routes(backend: Backend, config: Config, extra: Router<AppState>) -> TestApp {
        let routes = crate::http::routes(&config).merge(extra);
        let db = TestDb::create(backend).await;
        let store = db.connect().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
        let base_url = format!("http://{}", listener.local_addr().expect("local addr"));
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(app::serve_routes(listener, store.clone(), config, routes, async {
            let _ = rx.await;
        }));
        TestApp {
            base_url,
            client: reqwest::Client::new(),
            store,
            shutdown: Some(tx),
            server: Some(server),
            db,
        }
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Graceful shutdown, then the database is dropped.
    pub async fn stop(mut self) {
        self.shutdown().await;
    }

    /// Graceful shutdown: in-flight requests finish, the request log is flushed. The
    /// database stays until the `TestApp` is dropped, so tests can inspect it.
    pub async fn shutdown(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}

/// Runs each listed `async fn name(backend: Backend)` as two tests, `sqlite::name` and
/// `postgres::name`. Call once per test file.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::testing::Backend::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::testing::Backend::Postgres).await;
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_swapped_in_urls() {
        assert_eq!(super::with_database("postgres://u@h:5432/postgres", "x"), "postgres://u@h:5432/x");
        assert_eq!(
            super::with_database("postgres://u@h/postgres?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }
}

/// One webhook request as a receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON webhook body")
    }
}

/// A webhook receiver on loopback that records what it gets and answers with `status`
/// (changeable while it runs), after `delay`.
pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`
    pub url: String,
    pub received: Arc<std::sync::Mutex<Vec<Received>>>,
    pub status: Arc<std::sync::atomic::AtomicU16>,
    /// The most requests it has had open at once.
    pub peak: Arc<std::sync::atomic::AtomicUsize>,
    server: JoinHandle<()>,
}

/// Counts a request as open while it lives (also when the sender gives up on it).
struct Open(Arc<std::sync::atomic::AtomicUsize>);

impl Open {
    fn new(now: &Arc<std::sync::atomic::AtomicUsize>, peak: &std::sync::atomic::AtomicUsize) -> Open {
        use std::sync::atomic::Ordering;
        let open = now.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(open, Ordering::SeqCst);
        Open(now.clone())
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Receiver {
    pub async fn start(delay: std::time::Duration) -> Receiver {
        use std::sync::atomic::{AtomicU16, Ordering};
        let received: Arc<std::sync::Mutex<Vec<Received>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(200));
        let peak: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let open: Arc<std::sync::atomic::AtomicUsize> = Arc::default();
        let (r, s, p) = (received.clone(), status.clone(), peak.clone());
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (r, s) = (r.clone(), s.clone());
                let counted = Open::new(&open, &p);
                async move {
                    let _counted = counted;
                    tokio::time::sleep(delay).await;
                    r.lock().unwrap().push(Received { headers, body: body.to_vec() });
                    let code = axum::http::StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap();
                    (code, "received")
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, received, status, peak, server }
    }

    /// Everything received so far.
    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (up to `timeout`) until `n` distinct events (by `webhook-id`) have arrived.
    pub async fn wait_for_events(&self, n: usize, timeout: std::time::Duration) -> Vec<Received> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let all = self.all();
            let mut ids: Vec<&str> = all.iter().map(|r| r.header("webhook-id")).collect();
            ids.sort_unstable();
            ids.dedup();
            if ids.len() >= n || std::time::Instant::now() > deadline {
                return all;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.server.abort();
    }
}
