//! The widget as trunk built it (`dist/`) is what `/{slug}` and `/widget/…` serve.
//! `scripts/test.sh` builds it first; run `trunk build --release` before running this alone.

use cadence_server::app::Config;
use cadence_server::testing::{Backend, TestApp};
use std::path::PathBuf;

fn dist_dir() -> PathBuf {
    let dist = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dist");
    assert!(
        dist.join("index.html").exists(),
        "{} has no index.html: build the widget with `trunk build --release` (scripts/test.sh does)",
        dist.display()
    );
    dist
}

#[tokio::test]
async fn booking_page_loads_the_built_widget_and_its_wasm() {
    let dist = dist_dir();
    let app =
        TestApp::spawn_with(Backend::Sqlite, Config { widget_dir: dist.clone(), ..Config::default() }).await;
    cadence_server::demo::seed(app.store.as_ref()).await.unwrap();

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
