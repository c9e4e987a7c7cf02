//! axe-core, Deque's accessibility checker (npm `axe-core`, pinned in `tests/axe`; `scripts/
//! install-tools.sh` installs it), run inside the page under test: WCAG 2.0/2.1 A and AA
//! rules and axe's best practices.

use fantoccini::Client;
use serde_json::Value;

/// The rule sets checked (axe's tags).
const TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

fn source() -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("axe/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{}: {e} (run scripts/install-tools.sh, which installs tests/axe)", path.display())
    })
}

/// Runs axe on the current document (of the current frame): each violation with its rule
/// (`id`), `impact`, `help` and the elements it found.
pub async fn violations(c: &Client) -> Vec<Value> {
    let loaded = c.execute("return typeof window.axe === 'object'", vec![]).await.unwrap();
    if loaded != Value::Bool(true) {
        c.execute(&source(), vec![]).await.unwrap();
    }
    let run = r#"
        const [tags, done] = arguments;
        axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] })
          .then(r => done(r.violations.map(v => ({
              id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.map(n => n.target.join(" ") + " — " + n.failureSummary) }))))
          .catch(e => done("axe failed: " + e));
    "#;
    let found = c.execute_async(run, vec![serde_json::json!(TAGS)]).await.unwrap();
    match found {
        Value::Array(v) => v,
        other => panic!("{other}"),
    }
}

/// Fails, listing each violation with the elements it found, unless axe finds none on the
/// current document. `step` names the screen.
pub async fn assert_accessible(c: &Client, step: &str) {
    let found = violations(c).await;
    assert!(
        found.is_empty(),
        "{step}: {} axe violation(s):\n{}",
        found.len(),
        serde_json::to_string_pretty(&found).unwrap()
    );
}
