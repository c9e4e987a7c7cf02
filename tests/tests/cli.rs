//! The real `cadence` binary, as an operator runs it: the demo on both backends, graceful
//! shutdown, clear start-up errors, and the operator subcommands.

use cadence_server::testing::{Backend, TestDb};
use std::time::Duration;

mod support;
use support::{cadence, start_demo, terminate};

cadence_server::both_backends!(
    demo_serves_the_public_org_and_reseeding_is_idempotent,
    operator_commands_create_orgs_and_keys
);

async fn count(db: &TestDb, table: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match db.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap()
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            sqlx::query_scalar(&sql).fetch_one(&pool).await.unwrap()
        }
    }
}

async fn demo_serves_the_public_org_and_reseeding_is_idempotent(backend: Backend) {
    let db = TestDb::create(backend).await;
    let demo = start_demo(&db.url, &[]).await;
    assert!(demo.api_key.starts_with("ck_live_") && demo.api_key.len() >= 8 + 43, "{}", demo.api_key);
    let org: serde_json::Value = reqwest::get(format!("{}/api/v1/public/orgs/movela", demo.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(org["slug"], "movela");
    assert_eq!(org["timezone"], "Europe/Berlin");
    let ready = reqwest::get(format!("{}/readyz", demo.base_url)).await.unwrap();
    assert_eq!(ready.status(), 200);
    terminate(demo.child).await;

    // A second start seeds nothing new but mints a new key.
    let again = start_demo(&db.url, &[]).await;
    let org2: serde_json::Value = reqwest::get(format!("{}/api/v1/public/orgs/movela", again.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(org2["id"], org["id"]);
    assert_ne!(again.api_key, demo.api_key);
    terminate(again.child).await;
    assert_eq!(count(&db, "orgs").await, 1);
    assert_eq!(count(&db, "services").await, 2);
    assert_eq!(count(&db, "practitioners").await, 3);
    assert_eq!(count(&db, "api_keys").await, 2);
}

async fn operator_commands_create_orgs_and_keys(backend: Backend) {
    let db = TestDb::create(backend).await;
    let url = db.url.as_str();
    let out = cadence(&["migrate", "--database-url", url]).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = cadence(&[
        "create-org",
        "--database-url",
        url,
        "--slug",
        "studio-9",
        "--name",
        "Studio 9",
        "--timezone",
        "Mars/Base",
    ])
    .output()
    .await
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an IANA timezone"));

    let args = [
        "create-org",
        "--database-url",
        url,
        "--slug",
        "studio-9",
        "--name",
        "Studio 9",
        "--timezone",
        "Asia/Kolkata",
    ];
    let out = cadence(&args).output().await.unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).trim().starts_with("org_"));
    let dup = cadence(&args).output().await.unwrap();
    assert!(!dup.status.success());
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));

    let out = cadence(&[
        "create-key",
        "--database-url",
        url,
        "--org",
        "studio-9",
        "--scopes",
        "bookings:read,org:read",
    ])
    .output()
    .await
    .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let key = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(key.starts_with("ck_live_"));
    let out = cadence(&["create-key", "--database-url", url, "--org", "studio-9", "--scopes", "everything"])
        .output()
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown scope"));
    assert_eq!(count(&db, "api_keys").await, 1);
}

#[tokio::test]
async fn bad_database_urls_stop_start_up_with_a_clear_message() {
    let cases = [
        ("mysql://root@127.0.0.1/x", "unsupported database URL"),
        ("not a url", "unsupported database URL"),
        ("postgres://postgres:pw@127.0.0.1:1/none", "cannot connect to Postgres"),
        ("sqlite:///nonexistent-dir/sub/cadence.db", "cannot open SQLite database"),
    ];
    for (url, expected) in cases {
        let out = tokio::time::timeout(
            Duration::from_secs(30),
            cadence(&["serve", "--addr", "127.0.0.1:0", "--database-url", url]).output(),
        )
        .await
        .expect("start-up fails quickly")
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{url}: {stderr}");
        assert!(stderr.contains(expected), "{url}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{url}: {stderr}");
        assert!(!stderr.contains(":pw@"), "passwords are not echoed: {stderr}");
    }
}

#[tokio::test]
async fn bad_mail_settings_stop_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("mail.db").display());
    let cases: [(&[&str], &str); 4] = [
        (&["--smtp-url", "http://user:secret@mail.example"], "use smtp://host[:port]"),
        (&["--smtp-url", "smtp://user:secret@"], "--smtp-url smtp://user:***@"),
        (&["--mail-from", "not an address"], "--mail-from"),
        (&["--public-url", "ftp://book.example"], "--public-url must be http(s)://"),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["serve", "--addr", "127.0.0.1:0", "--database-url", &db];
        args.extend_from_slice(flags);
        let out = tokio::time::timeout(Duration::from_secs(30), cadence(&args).output())
            .await
            .expect("start-up fails quickly")
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{flags:?}: {stderr}");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
        assert!(!stderr.contains("secret"), "SMTP passwords are not echoed: {stderr}");
    }
}

#[tokio::test]
async fn without_a_mail_transport_the_start_up_log_says_no_mail_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("mail.db").display());
    let mut child = cadence(&["serve", "--addr", "127.0.0.1:0", "--database-url", &db])
        .env("CADENCE_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(child.stderr.take().unwrap()));
    let mut seen = Vec::new();
    let said = tokio::time::timeout(Duration::from_secs(30), async {
        while let Ok(Some(line)) = lines.next_line().await {
            let found = line.contains("no notification mails are sent");
            seen.push(line);
            if found {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    child.kill().await.unwrap(); // (it may not yet listen for SIGTERM: not what this is about)
    assert!(said, "{seen:?}");
}
