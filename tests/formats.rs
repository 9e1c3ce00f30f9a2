//! The CI formats of `mergeproof lint`: SARIF validates against the SARIF
//! 2.1.0 schema, JUnit parses back, GitHub workflow commands are escaped; and
//! `--output` and `--max-warnings`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use mergeproof_core::review::{Decision, ReviewStore};
use serde_json::Value;

mod common;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn broken_project() -> PathBuf {
    repo().join("tests/fixtures/broken-project")
}

fn lint(root: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::cargo_bin("mergeproof")
        .unwrap()
        .arg("lint")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn sarif(root: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "sarif"];
    all.extend(args);
    let (code, out) = lint(root, &all);
    (code, serde_json::from_str(&out).unwrap())
}

/// The SARIF 2.1.0 schema, vendored (see `fixtures/sarif-schema-2.1.0.SOURCE.md`).
fn validator() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(repo().join("tests/fixtures/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

fn write_files(root: &Path, files: &[(&str, &str)]) {
    for (path, text) in files {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
}

/// A project with one error waived by `allow:` and one approved in review.
/// A config that switches `no-control` off, for projects whose one-variant
/// campaigns test another rule.
const NO_CONTROL_OFF: (&str, &str) = (
    "mergeproof.yaml",
    "rules:\n  no-control: { severity: off }\n",
);

fn waiver_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "campaigns/allowed.yaml",
                "variants:\n  - id: everyone\n    subject: \"Teaser {{first_name}}\"\n    body: \"<p>Hello</p>\"\n    allow:\n      - { rule: missing-fallback, reason: \"Teaser, names optional\" }\n",
            ),
            (
                "campaigns/reviewed.yaml",
                "variants:\n  - id: everyone\n    subject: \"Your picks {{first_name}}\"\n    body: \"<p>Hello</p>\"\n",
            ),
            ("sample-profiles/no-name.yaml", "last_name: Adeyemi\n"),
            // Only the rule under test: these campaigns have no control.
            (NO_CONTROL_OFF.0, NO_CONTROL_OFF.1),
        ],
    );
    let project = mergeproof_core::project::load_project(dir.path());
    let run = mergeproof_core::engine::run_with_reviews_file(
        &project,
        &mergeproof_core::engine::Options {
            edge_cases: false,
            ..Default::default()
        },
    );
    let target = run
        .findings()
        .find(|f| &*f.campaign == "reviewed" && !f.waived)
        .unwrap()
        .clone();
    ReviewStore::open(dir.path())
        .unwrap()
        .decide(&target, Decision::Approved, "Checked with CRM", "Quinn QA")
        .unwrap();
    dir
}

#[test]
fn sarif_on_the_examples_validates_against_the_schema() {
    let examples = common::examples();
    let (code, log) = sarif(examples.path(), &[]);
    assert_eq!(code, 1);
    let errors = schema_errors(&validator(), &log);
    assert!(errors.is_empty(), "{errors:#?}");

    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "mergeproof");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in mergeproof_core::rule_id::RuleId::names() {
        assert!(ids.contains(&id), "{id} missing from the rules");
    }
    for rule in rules {
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"]);
        let location = &r["locations"][0]["physicalLocation"];
        assert_eq!(location["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            examples.path().join(uri).is_file(),
            "{uri} is not a project file"
        );
        assert!(location["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(r["partialFingerprints"]["mergeproofProblem/v1"].is_string());
    }
}

#[test]
fn the_validator_rejects_invalid_sarif() {
    let examples = common::examples();
    let validator = validator();
    let (_, log) = sarif(examples.path(), &[]);
    let mutations: [fn(&mut Value); 4] = [
        |l| l["version"] = "2.0.0".into(),
        |l| l["runs"][0]["results"][0]["level"] = "fatal".into(),
        |l| {
            l["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
                0.into()
        },
        |l| {
            l["runs"][0]["tool"]["driver"]
                .as_object_mut()
                .unwrap()
                .remove("name");
        },
    ];
    for (i, mutate) in mutations.iter().enumerate() {
        let mut broken = log.clone();
        mutate(&mut broken);
        assert!(
            !schema_errors(&validator, &broken).is_empty(),
            "mutation {i} passed validation"
        );
    }
}

fn fingerprints(log: &Value) -> BTreeSet<String> {
    log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["mergeproofProblem/v1"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn sarif_fingerprints_are_stable_across_runs_and_folders() {
    let examples = common::examples();
    let copy = tempfile::tempdir().unwrap();
    for dir in ["campaigns", "sample-profiles"] {
        common::copy_tree(&examples.path().join(dir), &copy.path().join(dir));
    }
    let (_, here) = sarif(examples.path(), &[]);
    let (_, again) = sarif(examples.path(), &[]);
    let (_, elsewhere) = sarif(copy.path(), &[]);
    let prints = fingerprints(&here);
    assert_eq!(prints, fingerprints(&again));
    assert_eq!(prints, fingerprints(&elsewhere));
    // One fingerprint per result, and one result per problem.
    let results = here["runs"][0]["results"].as_array().unwrap();
    assert_eq!(prints.len(), results.len());
    let text = Command::cargo_bin("mergeproof")
        .unwrap()
        .current_dir(examples.path())
        .args(["lint", "--format", "json"])
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&text.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert!(results.len() < findings.len());
    let problem_count = findings
        .iter()
        .map(|f| {
            (
                f["rule"].to_string(),
                f["campaign"].to_string(),
                f["variant"].to_string(),
                f["field"].to_string(),
                f["file"].to_string(),
                f["line"].to_string(),
                f["column"].to_string(),
            )
        })
        .collect::<BTreeSet<_>>()
        .len();
    assert_eq!(results.len(), problem_count);
    // A problem names every profile it reaches.
    let named: usize = results
        .iter()
        .map(|r| r["properties"]["profiles"].as_array().unwrap().len())
        .sum();
    let with_profile = findings.iter().filter(|f| f["profile"].is_string()).count();
    assert_eq!(named, with_profile);
}

#[test]
fn sarif_marks_waived_findings_as_suppressed() {
    let dir = waiver_project();
    let (code, log) = sarif(dir.path(), &["--no-edge-cases"]);
    assert_eq!(code, 0, "{log:#}");
    assert!(schema_errors(&validator(), &log).is_empty());
    let kinds: BTreeSet<String> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["suppressions"][0]["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from(["external".to_string(), "inSource".to_string()])
    );
    let text = log.to_string();
    assert!(text.contains("approved by Quinn QA at "), "{text}");
    assert!(text.contains("Teaser, names optional"), "{text}");
}

#[test]
fn sarif_reports_load_errors_and_still_validates() {
    let (code, log) = sarif(&broken_project(), &[]);
    assert_eq!(code, 2);
    assert!(schema_errors(&validator(), &log).is_empty());
    let run = &log["runs"][0];
    assert_eq!(run["invocations"][0]["executionSuccessful"], false);
    let load_errors: Vec<&Value> = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "load-error")
        .collect();
    assert!(load_errors.len() >= 5, "{load_errors:#?}");
    for r in load_errors {
        assert_eq!(r["level"], "error");
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        // Paths start from where lint runs (the package folder, for tests).
        assert!(
            uri.starts_with("tests/fixtures/broken-project/campaigns/"),
            "{uri}"
        );
        assert!(repo().join(uri).is_file(), "{uri}");
    }
}

#[test]
fn junit_parses_back_with_one_suite_per_campaign() {
    let examples = common::examples();
    let (code, xml) = lint(examples.path(), &["--format", "junit", "--no-edge-cases"]);
    assert_eq!(code, 1);
    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let (_, json) = lint(examples.path(), &["--format", "json", "--no-edge-cases"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let campaigns = json["summary"]["campaigns"].as_u64().unwrap() as usize;
    let profiles = json["summary"]["profiles"].as_u64().unwrap() as usize;
    assert_eq!(report.test_suites.len(), campaigns);
    for suite in &report.test_suites {
        // A case per profile (the cell it receives) and one for the campaign.
        assert_eq!(
            suite.test_cases.len(),
            profiles + 1,
            "{}",
            suite.name.as_str()
        );
        assert_eq!(suite.test_cases[0].name.as_str(), "campaign");
    }
    // Every unwaived error is inside some failure.
    let failures: Vec<String> = report
        .test_suites
        .iter()
        .flat_map(|s| &s.test_cases)
        .filter_map(|c| match &c.status {
            quick_junit::TestCaseStatus::NonSuccess { description, .. } => {
                description.as_ref().map(|d| d.as_str().to_string())
            }
            _ => None,
        })
        .collect();
    assert!(!failures.is_empty());
    for f in json["findings"].as_array().unwrap() {
        if f["severity"] == "error" && f["waived"] == false {
            let place = format!(
                "{}:{}:{}",
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"]
            );
            assert!(
                failures.iter().any(|d| d.contains(&place)),
                "no failure names {place}"
            );
        }
    }
}

#[test]
fn junit_has_no_failure_for_waived_findings_and_a_load_suite_for_load_errors() {
    let dir = waiver_project();
    let (code, xml) = lint(dir.path(), &["--format", "junit", "--no-edge-cases"]);
    assert_eq!(code, 0, "{xml}");
    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    assert_eq!(report.failures, 0, "{xml}");
    assert!(xml.contains("approved by Quinn QA"), "{xml}");

    let (code, xml) = lint(&broken_project(), &["--format", "junit"]);
    assert_eq!(code, 2);
    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let load = &report.test_suites[0];
    assert_eq!(load.name.as_str(), "load");
    assert!(load.failures >= 5, "{xml}");
    assert_eq!(load.failures, load.test_cases.len());
}

#[test]
fn github_commands_name_file_line_and_column_and_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "campaigns/odd, name: 100%.yaml",
                "variants:\n  - id: everyone\n    subject: \"Your picks {{first_name}}\"\n    body: \"<p>Hello</p>\"\n",
            ),
            ("sample-profiles/no-name.yaml", "last_name: Adeyemi\n"),
            ("sample-profiles/no-name-either.yaml", "last_name: Ng\n"),
            (NO_CONTROL_OFF.0, NO_CONTROL_OFF.1),
        ],
    );
    let (code, out) = lint(dir.path(), &["--format", "github", "--no-edge-cases"]);
    assert_eq!(code, 1, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    let error = lines
        .iter()
        .find(|l| l.starts_with("::error ") && l.contains("title=missing-fallback"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        error.starts_with("::error file=campaigns/odd%2C name%3A 100%25.yaml,line=3,col=26,"),
        "{error}"
    );
    assert!(
        error.contains(",title=missing-fallback (odd%2C name%3A 100%25 › everyone › subject)::"),
        "{error}"
    );
    // Both profiles in one annotation, on another line of the message.
    assert!(
        error.contains("%0Aprofiles: no-name-either, no-name"),
        "{error}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("::")).count(),
        1,
        "{out}"
    );
    // The summary counts findings (one per profile), like the JSON summary.
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("mergeproof: 2 errors, 0 warnings,"),
        "{out}"
    );
}

#[test]
fn github_commands_for_the_examples_are_one_line_each() {
    let examples = common::examples();
    let (code, out) = lint(examples.path(), &["--format", "github"]);
    assert_eq!(code, 1);
    let commands: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
    assert!(!commands.is_empty());
    for c in &commands {
        assert!(
            c.starts_with("::error file=")
                || c.starts_with("::warning file=")
                || c.starts_with("::notice file="),
            "{c}"
        );
        let (properties, _) = c[2..].split_once("::").unwrap();
        assert!(
            properties.contains(",line=") && properties.contains(",col="),
            "{c}"
        );
    }
    assert_eq!(commands.len() + 1, out.lines().count(), "{out}");
}

#[test]
fn github_paths_start_from_where_lint_runs() {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "emails/campaigns/spring.yaml",
                "variants:\n  - id: everyone\n    subject: \"Your picks {{first_name}}\"\n    body: \"<p>Hello</p>\"\n",
            ),
            (
                "emails/sample-profiles/no-name.yaml",
                "last_name: Adeyemi\n",
            ),
        ],
    );
    let output = Command::cargo_bin("mergeproof")
        .unwrap()
        .current_dir(dir.path())
        .args(["lint", "emails", "--format", "github", "--no-edge-cases"])
        .output()
        .unwrap();
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(
        out.starts_with("::error file=emails/campaigns/spring.yaml,"),
        "{out}"
    );
}

#[test]
fn output_writes_the_report_to_a_file_and_keeps_the_exit_status() {
    let examples = common::examples();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.sarif");
    let (code, stdout) = lint(
        examples.path(),
        &["--format", "sarif", "--output", file.to_str().unwrap()],
    );
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "{stdout}");
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let (_, printed) = sarif(examples.path(), &[]);
    assert_eq!(written, printed);
    // Only the report is there: no temporary file left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    let missing = dir.path().join("no/such/folder/report.xml");
    let output = Command::cargo_bin("mergeproof")
        .unwrap()
        .args([
            "lint",
            examples.path().to_str().unwrap(),
            "--format",
            "junit",
            "--output",
        ])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot write"));
}

/// Only warnings: `missing-fallback` lowered to a warning by the config.
fn warning_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_files(
        dir.path(),
        &[
            (
                "mergeproof.yaml",
                "rules:\n  missing-fallback: { severity: warning }\n",
            ),
            (
                "campaigns/spring.yaml",
                "control: generic\nvariants:\n  - id: members\n    audience: { field: member, eq: true }\n    subject: \"Your picks {{first_name}}\"\n    body: \"<p>Hello</p>\"\n  - id: generic\n    subject: \"Spring picks\"\n    body: \"<p>Hello</p>\"\n",
            ),
            (
                "sample-profiles/member.yaml",
                "member: true\nlast_name: Ng\n",
            ),
            ("sample-profiles/guest.yaml", "member: false\n"),
        ],
    );
    dir
}

#[test]
fn max_warnings_fails_the_gate_past_the_limit() {
    let dir = warning_project();
    let (code, json) = lint(dir.path(), &["--format", "json", "--no-edge-cases"]);
    let json: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(code, 0, "{json:#}");
    assert_eq!(json["summary"]["errors"], 0);
    let warnings = json["summary"]["warnings"].as_u64().unwrap();
    assert!(warnings >= 1);
    let at = |n: u64| {
        lint(
            dir.path(),
            &["--no-edge-cases", "--max-warnings", &n.to_string()],
        )
        .0
    };
    assert_eq!(at(warnings), 0);
    assert_eq!(at(warnings - 1), 1);
    let (code, _) = lint(dir.path(), &["--no-edge-cases", "--max-warnings", "many"]);
    assert_eq!(code, 2);
}

#[test]
fn output_never_replaces_a_project_file() {
    let dir = waiver_project();
    let reviews = dir.path().join("mergeproof-reviews.yaml");
    std::fs::write(&reviews, "version: 1\ndecisions: []\n").unwrap();
    let campaign = std::fs::read_dir(dir.path().join("campaigns"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "yaml"))
        .unwrap();
    for target in [
        reviews.clone(),
        campaign.clone(),
        dir.path().join("mergeproof.yaml"),
        dir.path().join("sample-profiles/new.json"),
        // Spelled another way, it is still the reviews file.
        dir.path().join("campaigns/../mergeproof-reviews.yaml"),
    ] {
        let before = std::fs::read(&target).ok();
        let output = Command::cargo_bin("mergeproof")
            .unwrap()
            .arg("lint")
            .arg(dir.path())
            .arg("--output")
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", target.display());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("one of the project's own files"),
            "{stderr}"
        );
        assert_eq!(std::fs::read(&target).ok(), before, "{}", target.display());
    }
    // Next to the project, or in a folder of its own, is fine.
    let (code, _) = lint(
        dir.path(),
        &[
            "--output",
            dir.path().join("proof.json").to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_ne!(code, 2);
    assert!(dir.path().join("proof.json").exists());
}
