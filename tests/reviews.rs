//! Review decisions end to end: a decision made through the API the TUI uses
//! is written to `mergeproof-reviews.yaml`, `mergeproof lint` honours it, and
//! once the campaign changes the decision is stale and lint fails again.

use std::path::Path;

use assert_cmd::Command;
use mergeproof_core::engine::{self, Options};
use mergeproof_core::finding::Finding;
use mergeproof_core::project::load_project;
use mergeproof_core::review::{Decision, REVIEWS_FILE, ReviewStore};
use serde_json::Value;

/// One campaign whose subject reads `first_name`, and one profile without it:
/// one `missing-fallback` error, nothing else that fails the gate.
const CAMPAIGN: &str = "\
id: spring
variants:
  - id: everyone
    subject: \"Your spring picks {{first_name}}\"
    body: \"<p>Hello, the spring collection is in.</p>\"
";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("campaigns")).unwrap();
    std::fs::create_dir_all(root.join("sample-profiles")).unwrap();
    std::fs::write(root.join("campaigns/spring.yaml"), CAMPAIGN).unwrap();
    std::fs::write(
        root.join("sample-profiles/no-name.yaml"),
        "last_name: Adeyemi\nage: 29\n",
    )
    .unwrap();
    dir
}

fn lint(root: &Path, extra: &[&str]) -> (i32, String) {
    let output = Command::cargo_bin("mergeproof")
        .unwrap()
        .arg("lint")
        .arg(root)
        .arg("--no-edge-cases")
        .args(extra)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    (output.status.code().unwrap(), stdout)
}

fn lint_json(root: &Path) -> (i32, Value) {
    let (code, stdout) = lint(root, &["--format", "json"]);
    (code, serde_json::from_str(&stdout).unwrap())
}

/// The finding the test reviews, as the TUI would hold it.
fn the_error(root: &Path) -> Finding {
    let run = engine::run_with_reviews_file(
        &load_project(root),
        &Options {
            edge_cases: false,
            ..Default::default()
        },
    );
    let errors: Vec<&Finding> = run
        .findings()
        .filter(|f| f.severity == mergeproof_core::finding::Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    errors[0].clone()
}

#[test]
fn decide_then_lint_passes_then_an_edit_makes_the_decision_stale() {
    let dir = project();
    let root = dir.path();
    let (code, before) = lint_json(root);
    assert_eq!(code, 1, "{before}");
    assert_eq!(before["summary"]["errors"], 1);

    let mut store = ReviewStore::open(root).unwrap();
    store
        .decide(
            &the_error(root),
            Decision::Waived,
            "Names are filled in before send",
            "Quinn QA",
        )
        .unwrap();
    let file = std::fs::read_to_string(root.join(REVIEWS_FILE)).unwrap();
    assert!(file.contains("rule: missing-fallback"), "{file}");
    assert!(file.contains("reviewer: Quinn QA"), "{file}");

    let (code, after) = lint_json(root);
    assert_eq!(code, 0, "{after}");
    assert_eq!(after["summary"]["errors"], 0);
    assert_eq!(after["summary"]["waived"], 1);
    let finding = &after["findings"][0];
    assert_eq!(finding["waived"], true);
    assert_eq!(finding["waiver"]["kind"], "waived");
    assert_eq!(finding["waiver"]["reviewer"], "Quinn QA");

    // The producer edits the subject: what was reviewed is not what is sent.
    std::fs::write(
        root.join("campaigns/spring.yaml"),
        CAMPAIGN.replace("Your spring picks", "Your new spring picks"),
    )
    .unwrap();
    let (code, stale) = lint_json(root);
    assert_eq!(code, 1, "{stale}");
    assert_eq!(stale["summary"]["waived"], 0);
    let finding = &stale["findings"][0];
    assert_eq!(finding["waived"], false);
    assert_eq!(finding["waiver"]["kind"], "stale");
    assert_eq!(finding["waiver"]["reviewer"], "Quinn QA");

    let (code, text) = lint(root, &[]);
    assert_eq!(code, 1);
    assert!(text.contains("a review decision went stale"), "{text}");
    assert!(text.contains("made by Quinn QA at "), "{text}");
    assert!(text.contains("Names are filled in before send"), "{text}");
}

#[test]
fn approving_passes_the_gate_and_undo_brings_the_error_back() {
    let dir = project();
    let root = dir.path();
    let finding = the_error(root);
    let mut store = ReviewStore::open(root).unwrap();
    store
        .decide(&finding, Decision::Approved, "", "Ana")
        .unwrap();
    let (code, json) = lint_json(root);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["findings"][0]["waiver"]["kind"], "approved");
    store.undo(&finding).unwrap();
    let (code, _) = lint_json(root);
    assert_eq!(code, 1);
}

#[test]
fn a_decision_whose_finding_is_gone_is_a_note_not_a_failure() {
    let dir = project();
    let root = dir.path();
    ReviewStore::open(root)
        .unwrap()
        .decide(&the_error(root), Decision::Approved, "", "Ana")
        .unwrap();
    std::fs::write(
        root.join("campaigns/spring.yaml"),
        CAMPAIGN.replace("{{first_name}}", "{{default first_name 'friend'}}"),
    )
    .unwrap();
    let (code, text) = lint(root, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("1 review decision in mergeproof-reviews.yaml matches no finding"),
        "{text}"
    );
    assert!(text.contains("approved by Ana"), "{text}");
}

#[test]
fn a_broken_reviews_file_is_a_load_error_with_its_position() {
    let dir = project();
    let root = dir.path();
    std::fs::write(
        root.join(REVIEWS_FILE),
        "version: 1\ndecisions:\n  - rule: missing-fallback\n    campaign: spring\n    field: subject\n    fingerprint: 0123\n    decision: waived\n",
    )
    .unwrap();
    let (code, text) = lint(root, &[]);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("mergeproof-reviews.yaml:3:"),
        "a waiver without a reason is reported at its entry: {text}"
    );
    // The TUI's store refuses to open it the same way.
    let error = ReviewStore::open(root).unwrap_err();
    assert_eq!((error.file.as_str(), error.line), (REVIEWS_FILE, 3));
}

#[test]
fn allow_on_a_variant_accepts_a_rule_with_a_reason() {
    let dir = project();
    let root = dir.path();
    std::fs::write(
        root.join("campaigns/spring.yaml"),
        format!(
            "{CAMPAIGN}    allow:\n      - {{ rule: missing-fallback, reason: \"Names are optional in this teaser\" }}\n"
        ),
    )
    .unwrap();
    let (code, json) = lint_json(root);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["summary"]["waived"], 1);
    assert_eq!(json["findings"][0]["waiver"]["kind"], "allow");
    assert_eq!(
        json["findings"][0]["waiver"]["reason"],
        "Names are optional in this teaser"
    );

    // Without a reason the campaign does not load: exit 2, at the entry.
    std::fs::write(
        root.join("campaigns/spring.yaml"),
        format!("{CAMPAIGN}    allow:\n      - {{ rule: missing-fallback }}\n"),
    )
    .unwrap();
    let (code, text) = lint(root, &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("campaigns/spring.yaml:7:"), "{text}");
    assert!(text.contains("needs a `reason`"), "{text}");
}
