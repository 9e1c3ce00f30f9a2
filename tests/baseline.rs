//! `lint --write-baseline` and `lint --baseline`: a team adopting mergeproof
//! fails CI only on what is new, through the binary.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

fn write(dir: &Path, path: &str, text: &str) {
    let full = dir.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

fn lint(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = cargo_bin_cmd!("mergeproof")
        .arg("lint")
        .arg(dir)
        .args(["--no-edge-cases"])
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const CAMPAIGN: &str = "control: plain\nvariants:\n  - id: named\n    audience: { field: tier, eq: gold }\n    subject: \"{{first_name}}, hi\"\n    body: x\n  - id: plain\n    subject: Hi\n    body: x\n";

#[test]
fn only_new_findings_fail_with_a_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "campaigns/a.yaml", CAMPAIGN);
    write(d, "sample-profiles/p.yaml", "tier: gold\n");
    let baseline = d.join("mergeproof-baseline.json");
    let b = baseline.to_str().unwrap();

    let (code, _, _) = lint(d, &[]);
    assert_eq!(code, 1);
    let (_, _, err) = lint(d, &["--write-baseline", b]);
    assert!(err.contains("findings recorded"), "{err}");
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(recorded["version"], 1);
    assert!(!recorded["findings"].as_array().unwrap().is_empty());

    // Today's findings are accepted: the gate passes.
    let (code, out, err) = lint(d, &["--baseline", b, "--format", "json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let report: Value = serde_json::from_str(&out).unwrap();
    let kinds: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["waiver"]["kind"].as_str())
        .collect();
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| *k == "baseline"),
        "{kinds:?}"
    );

    // A new defect fails, and only it is new in SARIF.
    write(
        d,
        "campaigns/b.yaml",
        &CAMPAIGN.replace("first_name", "nickname"),
    );
    let (code, out, _) = lint(d, &["--baseline", b, "--format", "sarif"]);
    assert_eq!(code, 1);
    let sarif: Value = serde_json::from_str(&out).unwrap();
    let states: Vec<(&str, &str)> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["properties"]["campaign"].as_str().unwrap_or(""),
                r["baselineState"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert!(
        states
            .iter()
            .all(|(c, s)| (*c == "a") == (*s == "unchanged")),
        "{states:?}"
    );
    assert!(
        states.iter().any(|(c, s)| *c == "b" && *s == "new"),
        "{states:?}"
    );

    // Fixing a's defect is reported.
    write(
        d,
        "campaigns/a.yaml",
        &CAMPAIGN.replace("{{first_name}}, hi", "Hi"),
    );
    std::fs::remove_file(d.join("campaigns/b.yaml")).unwrap();
    let (code, _, err) = lint(d, &["--baseline", b]);
    assert_eq!(code, 0);
    assert!(err.contains("fixed since it was written"), "{err}");
    assert!(!err.contains(" 0 fixed"), "{err}");
}

#[test]
fn a_broken_baseline_is_an_error_that_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "campaigns/a.yaml", CAMPAIGN);
    write(d, "sample-profiles/p.yaml", "tier: gold\n");
    write(d, "b.json", "{ not json");
    let (code, _, err) = lint(d, &["--baseline", d.join("b.json").to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not a baseline written by `lint --write-baseline`"),
        "{err}"
    );
    let (code, _, err) = lint(
        d,
        &[
            "--write-baseline",
            d.join("campaigns/a.yaml").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 2);
    assert!(err.contains("one of the project's own files"), "{err}");
    assert_eq!(
        std::fs::read_to_string(d.join("campaigns/a.yaml")).unwrap(),
        CAMPAIGN
    );
}
