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

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::LazyLock;

use mergeproof_core::dialect::{DeclaredHelpers, Dialect, TemplateDialect};
use mergeproof_core::finding::ProfileKind;
use mergeproof_core::project::{Campaign, Channel, Partial, Profile, TemplateSource, Variant};
use mergeproof_core::source::SourceLoc;
use mergeproof_core::template::{compile_campaign, compile_partials};
use serde_json::Value;

fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/differential")
}

static CORPUS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    let text = std::fs::read_to_string(folder().join("corpus.json")).unwrap();
    serde_json::from_str(&text).unwrap()
});

fn source(text: &str, file: &str) -> TemplateSource {
    TemplateSource {
        text: text.to_string(),
        file: file.to_string(),
        line: 1,
        column: 1,
        first_line_shift: 0,
    }
}

/// Renders one case as an email body in the given dialect: the output, or
/// every error (load or render) as one message.
pub fn render(dialect: Dialect, case: &Value) -> Result<String, String> {
    let template = case["template"].as_str().unwrap();
    let partials: BTreeMap<String, Partial> = case["partials"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, text)| {
            let file = format!("campaigns/partials/{name}.hbs");
            let partial = Partial {
                name: name.clone(),
                source: source(text.as_str().unwrap(), &file),
            };
            (name.clone(), partial)
        })
        .collect();
    let campaign = Campaign {
        id: "case".into(),
        name: None,
        channel: Channel::Email,
        kind: Default::default(),
        categories: Vec::new(),
        control: None,
        control_loc: None,
        variants: vec![Variant {
            id: "v".into(),
            loc: SourceLoc::new("campaigns/case.yaml", 1, 1),
            audience: None,
            audience_loc: None,
            categories: Vec::new(),
            subject: None,
            preheader: None,
            body: source(template, "campaigns/case.hbs"),
            allow: Vec::new(),
        }],
        dialect: Some(dialect),
        file: "campaigns/case.yaml".into(),
    };
    let (compiled_partials, errors) = compile_partials(&partials, dialect);
    if !errors.is_empty() {
        return Err(format!("{errors:?}"));
    }
    let declared = DeclaredHelpers::new();
    let dialect = TemplateDialect {
        dialect,
        declared: &declared,
    };
    let compiled =
        compile_campaign(campaign, &compiled_partials, dialect).map_err(|e| format!("{e:?}"))?;
    let profile = Profile::from_data(
        "p".into(),
        case["data"].clone(),
        ProfileKind::Sample,
        SourceLoc::new("sample-profiles/p.yaml", 1, 1),
    );
    let cell = compiled.render(0, &profile);
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
