//! The `handlebars` dialect against Handlebars.js, byte for byte.
//!
//! `tests/differential/corpus.json` holds templates with their data (and
//! partials); `expected.json` is what Handlebars.js 4.7 (npm `handlebars`,
//! pinned by `package-lock.json`) prints for each, written by
//! `node tests/differential/render.js --write`. The first test renders every
//! case through mergeproof's own pipeline (compile, analyse, mark, render,
//! take the markers out) and compares. The second runs Handlebars.js itself,
//! when it is installed (`npm ci` in that folder; CI always does), so the
//! recorded output cannot drift from the real engine.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use mergeproof_core::dialect::Dialect;
use mergeproof_core::project::Channel;
use serde_json::Value;

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/differential")
}

static CORPUS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    let text = std::fs::read_to_string(folder().join("corpus.json")).unwrap();
    serde_json::from_str(&text).unwrap()
});

/// Renders one case as an email body in the given dialect: the output, or
/// every error (load or render) as one message.
pub fn render(dialect: Dialect, case: &Value) -> Result<String, String> {
    let cell = common::render_case(dialect, Channel::Email, "hbs", case)?;
    match cell.body.error {
        Some(e) => Err(e.to_string()),
        None => Ok(cell.body.output.text),
    }
}

#[test]
fn handlebars_dialect_prints_what_handlebars_js_prints() {
    let expected: BTreeMap<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(folder().join("expected.json")).unwrap())
            .unwrap();
    assert!(CORPUS.len() >= 60, "the corpus keeps at least 60 cases");
    let mut differences = Vec::new();
    for case in CORPUS.iter() {
        let name = case["name"].as_str().unwrap();
        let want = &expected[name];
        let got = render(Dialect::Handlebars, case);
        let agrees = match (&got, want.get("output")) {
            (Ok(out), Some(Value::String(js))) => out == js,
            // Handlebars.js refused it: so must mergeproof (messages differ).
            (Err(_), None) => want.get("error").is_some(),
            _ => false,
        };
        if !agrees {
            differences.push(format!(
                "{name}\n  template:      {:?}\n  Handlebars.js: {want}\n  mergeproof:    {got:?}",
                case["template"].as_str().unwrap()
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} cases differ from Handlebars.js:\n{}",
        differences.len(),
        CORPUS.len(),
        differences.join("\n")
    );
}

#[test]
fn recorded_output_is_what_handlebars_js_prints() {
    let dir = folder();
    if !dir.join("node_modules/handlebars").is_dir() {
        // CI installs Handlebars.js (`.ci/run`): there it must run.
        assert!(
            std::env::var_os("CI").is_none(),
            "Handlebars.js is not installed: run `npm ci` in tests/differential"
        );
        eprintln!(
            "Handlebars.js not installed (npm ci in tests/differential): checked against the recorded output only"
        );
        return;
    }
    let run = std::process::Command::new("node")
        .arg(dir.join("render.js"))
        .output()
        .expect("node runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let recorded = std::fs::read_to_string(dir.join("expected.json")).unwrap();
    assert!(
        String::from_utf8_lossy(&run.stdout) == recorded,
        "expected.json is not what Handlebars.js prints now: run `node tests/differential/render.js --write`"
    );
}
