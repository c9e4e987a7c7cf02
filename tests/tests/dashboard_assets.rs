//! The dashboard as trunk built it (`dashboard/dist/`) is what `/dashboard/…` serves: its
//! files, and its `index.html` (never cached) for every screen's address, so a reload or a
//! shared link opens that screen. `scripts/test.sh` builds it first; run
//! `trunk build --release --config dashboard/Trunk.toml` before running this alone.

use cadence_server::config::Config;
use cadence_server::testing::{Backend, TestApp};
use serde_json::json;
use std::path::PathBuf;

mod support;

fn dashboard_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dashboard/dist");
    assert!(
        dir.join("index.html").exists(),
        "{} has no index.html: build it with `trunk build --release --config dashboard/Trunk.toml`",
        dir.display()
    );
    dir
}

fn built(dir: &std::path::Path, ext: &str) -> String {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.starts_with("cadence-dashboard") && n.ends_with(ext))
        .unwrap_or_else(|| panic!("trunk produced a cadence-dashboard…{ext}"))
}

#[tokio::test]
async fn every_screens_address_gets_the_app_and_its_files_are_served() {
    let dir = dashboard_dir();
    let app =
        TestApp::spawn_with(Backend::Sqlite, Config { dashboard_dir: dir.clone(), ..Config::default() })
            .await;
    let wasm = built(&dir, ".wasm");
    for path in [
        "/dashboard",
        "/dashboard/",
        "/dashboard/bookings",
        "/dashboard/bookings/bk_123",
        "/dashboard/login?next=%2Fdashboard%2Fsettings",
    ] {
        let res = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("text/html"), "{path}");
        assert_eq!(res.headers()["cache-control"], "no-cache", "{path}: a new build shows on the next visit");
        assert_eq!(res.headers()["x-frame-options"], "DENY", "{path}: no other site frames it");
        assert_eq!(res.headers()["content-security-policy"], "frame-ancestors 'none'", "{path}");
        assert_eq!(res.headers()["referrer-policy"], "same-origin", "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains(&format!("/dashboard/{wasm}")), "{path} loads the built app: {html}");
    }
    let res = app.client.get(app.url(&format!("/dashboard/{wasm}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/wasm");
    assert_eq!(&res.bytes().await.unwrap()[..4], b"\0asm");
    app.stop().await;
}

#[tokio::test]
async fn no_org_can_take_the_dashboards_address() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let res = app
        .client
        .post(app.url("/api/v1/auth/signup"))
        .json(&json!({"email": "d@example.com", "password": "long enough password", "display_name": "D",
                      "org_name": "Dashboard", "org_slug": "dashboard", "timezone": "Europe/Berlin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["field"], "org_slug", "{body}");
    app.stop().await;
}

#[test]
fn the_built_dashboard_fits_its_size_budget() {
    // What a browser downloads for the dashboard: wasm, JS glue and CSS, gzip -9; the budget
    // is 400 KB (400,000 bytes; 276 KB when it was first built, on 2026-12-08).
    let total = support::gzipped_total(&dashboard_dir(), &["cadence-dashboard", "dashboard-"]);
    assert!(total > 50_000, "{total} bytes: not the whole app");
    assert!(total < 400_000, "the dashboard is {total} bytes gzip, over the 400 KB budget");
}
