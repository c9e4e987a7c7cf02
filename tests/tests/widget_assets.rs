//! The widget as trunk built it (`dist/`) is what `/{slug}` and `/widget/…` serve.
//! `scripts/test.sh` builds it first; run `trunk build --release` before running this alone.

use base64::Engine;
use cadence_server::config::Config;
use cadence_server::testing::{Backend, TestApp};
use sha2::Digest;
use std::path::PathBuf;

mod support;

fn dist_dir() -> PathBuf {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist");
    assert!(
        dist.join("index.html").exists(),
        "{} has no index.html: build the widget with `trunk build --release` (scripts/test.sh does)",
        dist.display()
    );
    dist
}

/// A server with the demo org, serving the built widget.
async fn serve_dist() -> (TestApp, PathBuf) {
    let dist = dist_dir();
    let app =
        TestApp::spawn_with(Backend::Sqlite, Config { widget_dir: dist.clone(), ..Config::default() }).await;
    cadence_server::demo::seed(app.store.as_ref()).await.unwrap();
    (app, dist)
}

#[tokio::test]
async fn booking_page_loads_the_built_widget_and_its_wasm() {
    let (app, dist) = serve_dist().await;

    let page = app.client.get(app.url("/movela")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let wasm_name = std::fs::read_dir(&dist)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .find(|n| n.ends_with(".wasm"))
        .expect("trunk produced a .wasm file");
    assert!(html.contains(&format!("/widget/{wasm_name}")), "the page loads the built wasm: {html}");

    let wasm = app.client.get(app.url(&format!("/widget/{wasm_name}"))).send().await.unwrap();
    assert_eq!(wasm.status(), 200);
    assert_eq!(
        wasm.headers()["content-type"],
        "application/wasm",
        "browsers stream-compile only application/wasm"
    );
    let bytes = wasm.bytes().await.unwrap();
    assert_eq!(&bytes[..4], b"\0asm");
    app.stop().await;
}

/// The value of `name="…"`, `name='…'` or `name=…` inside one tag.
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}="))? + name.len() + 2;
    let rest = &tag[at..];
    match rest.chars().next()? {
        q @ ('"' | '\'') => rest[1..].split(q).next(),
        _ => rest.split([' ', '>']).next(),
    }
}

#[tokio::test]
async fn every_file_the_page_preloads_matches_its_integrity_hash() {
    // The JS glue is minified after trunk hashed it (scripts/minify-widget-js.sh); a stale
    // hash would make the browser refuse the file.
    let (app, _) = serve_dist().await;
    let html = app.client.get(app.url("/movela")).send().await.unwrap().text().await.unwrap();
    let mut checked = Vec::new();
    for tag in html.split("<link").skip(1).map(|t| t.split('>').next().unwrap()) {
        let (Some(href), Some(integrity)) = (attr(tag, "href"), attr(tag, "integrity")) else { continue };
        let body = app.client.get(app.url(href)).send().await.unwrap().bytes().await.unwrap();
        let digest = base64::engine::general_purpose::STANDARD.encode(sha2::Sha384::digest(&body));
        assert_eq!(integrity, format!("sha384-{digest}"), "{href}");
        checked.push(href.to_owned());
    }
    for ext in [".js", ".wasm", ".css"] {
        assert!(checked.iter().any(|h| h.ends_with(ext)), "a {ext} with integrity in {html}");
    }
    app.stop().await;
}

#[test]
fn the_built_widget_fits_the_size_budget() {
    // What a browser downloads for the booking page: the wasm, its JS glue and the CSS,
    // gzip-compressed, with all five languages; the budget is 150 KB (150,000 bytes; 148.9 KB
    // on 2026-12-07: the languages and Intl names cost 4.7 KB, cuts elsewhere won back 1.7;
    // a change that brings a JSON parser or the like back into the wasm fails here).
    let total = support::gzipped_total(&dist_dir(), &["cadence-widget", "widget-"]);
    assert!(total < 150_000, "the widget is {total} bytes gzip, over the 150 KB budget");
}
