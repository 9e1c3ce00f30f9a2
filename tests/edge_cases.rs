//! Edge-case profiles through the command line: `lint` with and without them,
//! and `edge-cases` printing YAML that loads back as sample profiles.

use std::path::Path;

use assert_cmd::cargo::cargo_bin_cmd;
use serde_json::Value;

/// A project folder with the given files.
fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("campaigns")).unwrap();
    std::fs::create_dir_all(dir.path().join("sample-profiles")).unwrap();
    for (path, text) in files {
        let full = dir.path().join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, text).unwrap();
    }
    dir
}

fn lint_json(dir: &Path, extra: &[&str]) -> (Value, i32) {
    let out = cargo_bin_cmd!("mergeproof")
        .arg("lint")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (json, out.status.code().unwrap())
}

fn lint_text(dir: &Path) -> String {
    let out = cargo_bin_cmd!("mergeproof")
        .arg("lint")
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn edge_cases(dir: &Path, campaign: &str) -> (String, String, i32) {
    let out = cargo_bin_cmd!("mergeproof")
        .arg("edge-cases")
        .arg(dir)
        .args(["--campaign", campaign])
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == rule)
        .collect()
}

const UNGUARDED: &str = "control: plain\nvariants:\n  - id: hello\n    audience: { field: tier, eq: gold }\n    subject: \"{{first_name}}, your gold picks\"\n    body: \"<p>Hello</p>\"\n  - id: plain\n    subject: Gold picks\n    body: \"<p>Hello</p>\"\n";
const ANN: &str = "first_name: Ann\ntier: gold\n";
const BO: &str = "first_name: Bo\ntier: gold\n";

#[test]
fn an_unguarded_token_every_sample_fills_is_caught_only_by_edge_cases() {
    let dir = project(&[
        ("campaigns/picks.yaml", UNGUARDED),
        ("sample-profiles/ann.yaml", ANN),
        ("sample-profiles/bo.yaml", BO),
    ]);

    let (without, code) = lint_json(dir.path(), &["--no-edge-cases"]);
    assert!(
        findings(&without, "missing-fallback").is_empty(),
        "{without:#}"
    );
    assert_eq!(without["summary"]["edge_profiles"], 0);
    assert_eq!(code, 0);

    let (with, code) = lint_json(dir.path(), &[]);
    let missing = findings(&with, "missing-fallback");
    assert!(!missing.is_empty(), "{with:#}");
    assert!(missing.iter().all(|f| f["profile_kind"] == "edge"));
    assert!(
        missing
            .iter()
            .any(|f| f["profile"] == "edge:first_name=missing" && f["variant"] == "hello")
    );
    let edge_profiles = with["summary"]["edge_profiles"].as_u64().unwrap();
    assert!(edge_profiles > 10, "{edge_profiles}");
    assert_eq!(with["summary"]["profiles"], 2);
    assert_eq!(code, 1);

    // Text groups them apart from the samples.
    let text = lint_text(dir.path());
    assert!(
        text.contains("= profiles: ") && text.contains(" edge cases (edge:first_name=missing"),
        "{text}"
    );
    assert!(
        text.contains(&format!("2 profiles + {edge_profiles} edge cases")),
        "{text}"
    );
}

#[test]
fn samples_and_edge_cases_are_listed_apart_in_text() {
    let dir = project(&[
        ("campaigns/picks.yaml", UNGUARDED),
        ("sample-profiles/ann.yaml", ANN),
        ("sample-profiles/nameless.yaml", "tier: gold\n"),
    ]);
    let text = lint_text(dir.path());
    // The nameless sample and the edge cases that blank the name share one entry.
    assert!(
        text.contains("= profiles: nameless and ")
            && text.contains(" edge cases (edge:first_name="),
        "{text}"
    );
}

#[test]
fn a_guarded_token_stays_clean_under_every_edge_case() {
    let dir = project(&[
        (
            "campaigns/hello.yaml",
            "control: plain\nvariants:\n  - id: named\n    subject: \"Hi {{default first_name \\\"there\\\"}}\"\n    body: \"<p>Hello {{default first_name \\\"there\\\"}}</p>{{#if nickname}}<p>or {{nickname}}</p>{{/if}}\"\n  - id: plain\n    subject: Hello\n    body: Hello\n",
        ),
        (
            "sample-profiles/ann.yaml",
            "first_name: Ann\nnickname: Annie\n",
        ),
    ]);
    let (report, _) = lint_json(dir.path(), &[]);
    assert!(report["summary"]["edge_profiles"].as_u64().unwrap() > 20);
    assert!(
        findings(&report, "missing-fallback").is_empty(),
        "{report:#}"
    );
}

#[test]
fn an_age_threshold_gives_17_18_and_19() {
    let dir = project(&[
        (
            "campaigns/wine.yaml",
            "control: rest\nvariants:\n  - id: adults\n    audience: { field: age, gte: 18 }\n    subject: Hello\n    body: Hello\n  - id: rest\n    subject: Hello\n    body: Hello\n",
        ),
        ("sample-profiles/ann.yaml", "age: 34\n"),
    ]);
    let (yaml, _, code) = edge_cases(dir.path(), "wine");
    assert_eq!(code, 0);
    for id in ["edge:age=17", "edge:age=18", "edge:age=19"] {
        assert!(
            yaml.contains(&format!("- id: \"{id}\"\n")),
            "{id} in {yaml}"
        );
    }
}

#[test]
fn edge_cases_save_into_sample_profiles_and_load_back() {
    // A campaign that reads text, numbers, a list and a threshold, so that the
    // output holds control characters, escape sequences, right-to-left text,
    // 300-character strings, numbers and lists.
    let campaign = "categories: [alcohol]\ncontrol: plain\nvariants:\n  - id: gold\n    audience: { field: loyalty.points, gte: 100.5 }\n    subject: \"{{first_name}}, {{loyalty.points}} points\"\n    body: \"{{#each orders}}<p>{{sku}}</p>{{/each}}{{currency account.balance}}\"\n  - id: plain\n    subject: Hello\n    body: Hello\n";
    let dir = project(&[
        ("campaigns/mix.yaml", campaign),
        (
            "sample-profiles/ann.yaml",
            "first_name: Ann\nage: 40\nloyalty: { points: 500 }\norders: [{sku: A-1}]\naccount: { balance: 12.5 }\n",
        ),
    ]);
    let (yaml, _, code) = edge_cases(dir.path(), "mix");
    assert_eq!(code, 0);
    assert!(yaml.contains(r#"first_name: "\e[31mLoren\e[0m""#), "{yaml}");
    assert!(
        !yaml.contains('\u{1b}'),
        "escape sequences are written escaped"
    );
    assert!(
        !yaml.contains('\u{202e}'),
        "bidi overrides are written escaped"
    );

    let before = mergeproof_core::project::load_project(dir.path());
    let (compiled, _, _) = mergeproof_core::engine::compile_project(&before);
    let synthesized =
        mergeproof_core::edge::synthesize(&compiled[0], &before.profiles, &before.config).profiles;
    assert!(synthesized.len() > 50, "{}", synthesized.len());

    std::fs::write(dir.path().join("sample-profiles/edge-cases.yaml"), &yaml).unwrap();
    let after = mergeproof_core::project::load_project(dir.path());
    assert!(after.load_errors.is_empty(), "{:?}", after.load_errors);
    let loaded: Vec<_> = after
        .profiles
        .iter()
        .filter(|p| p.id.starts_with("edge:"))
        .collect();
    assert_eq!(loaded.len(), synthesized.len());
    for (saved, original) in loaded.iter().zip(&synthesized) {
        assert_eq!(saved.id, original.id);
        assert_eq!(saved.description, original.description);
        assert_eq!(saved.data, original.data, "{}", original.id);
    }
    let texts: Vec<String> = loaded.iter().map(|p| p.data.to_string()).collect();
    for expected in ["\\u001b[31m", "ليلى", "\\r\\n", "O'Brien", "\u{202e}"] {
        assert!(
            texts.iter().any(|t| t.contains(expected)),
            "{expected} round-trips"
        );
    }
}

#[test]
fn the_cap_is_reported_by_lint_and_edge_cases() {
    let dir = project(&[
        ("campaigns/picks.yaml", UNGUARDED),
        ("sample-profiles/ann.yaml", ANN),
        ("mergeproof.yaml", "edge_cases: { max_per_campaign: 5 }\n"),
    ]);
    let (report, _) = lint_json(dir.path(), &[]);
    assert_eq!(report["summary"]["edge_profiles"], 5);
    let text = lint_text(dir.path());
    assert!(
        text.contains("edge cases for `picks` were capped at 5"),
        "{text}"
    );
    let (yaml, stderr, _) = edge_cases(dir.path(), "picks");
    assert_eq!(yaml.lines().filter(|l| l.starts_with("- id: ")).count(), 5);
    assert!(stderr.contains("capped at 5"), "{stderr}");

    // Under the cap: no note.
    std::fs::write(
        dir.path().join("mergeproof.yaml"),
        "edge_cases: { max_per_campaign: 1000 }\n",
    )
    .unwrap();
    assert!(!lint_text(dir.path()).contains("capped"));
}

#[test]
fn edge_cases_are_named_the_same_every_time() {
    let dir = project(&[
        ("campaigns/picks.yaml", UNGUARDED),
        ("sample-profiles/ann.yaml", ANN),
        ("sample-profiles/bo.yaml", BO),
    ]);
    let (first, _, _) = edge_cases(dir.path(), "picks");
    let (second, _, _) = edge_cases(dir.path(), "picks");
    assert_eq!(first, second);
    assert!(first.contains("- id: \"edge:first_name=missing\"\n"));
    assert!(first.contains("- id: \"edge:tier=unlisted\"\n"));
}

#[test]
fn edge_cases_of_an_unknown_campaign_is_a_usage_error() {
    let dir = project(&[("campaigns/picks.yaml", UNGUARDED)]);
    let (_, stderr, code) = edge_cases(dir.path(), "pics");
    assert_eq!(code, 2);
    assert!(stderr.contains("no campaign `pics`"), "{stderr}");
}

/// The thresholds of each dialect's own conditions become edge cases:
/// SendGrid's `{{#greaterThan points 100}}` and Mailchimp's backtick
/// comparison, as `{{#if (gt points 100)}}` does in the default dialect.
#[test]
fn platform_conditions_give_their_thresholds() {
    let dir = project(&[
        (
            "campaigns/sg.yaml",
            "dialect: sendgrid\nvariants:\n  - id: a\n    subject: Hi\n    body: \"{{#greaterThan loyalty.points 100}}You have {{loyalty.points}} points{{/greaterThan}}\"\n",
        ),
        (
            "campaigns/md.yaml",
            "dialect: mandrill\nvariants:\n  - id: a\n    subject: Hi\n    body: \"{{#if `age >= 21`}}Wine{{/if}}\"\n",
        ),
        (
            "sample-profiles/p.yaml",
            "loyalty: { points: 5 }\nage: 30\n",
        ),
    ]);
    let ids = |campaign: &str| -> String {
        let out = cargo_bin_cmd!("mergeproof")
            .args(["edge-cases", "--campaign", campaign])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let sendgrid = ids("sg");
    for id in [
        "loyalty.points=100",
        "loyalty.points=101",
        "loyalty.points=0",
    ] {
        assert!(sendgrid.contains(&format!("edge:{id}")), "{id}: {sendgrid}");
    }
    let mandrill = ids("md");
    for id in ["age=20", "age=21"] {
        assert!(mandrill.contains(&format!("edge:{id}")), "{id}: {mandrill}");
    }
    // Behind `greaterThan … 100`, no zero balance is ever printed.
    let (report, _) = lint_json(dir.path(), &[]);
    let zero: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "zero-balance")
        .collect();
    assert!(zero.is_empty(), "{zero:#?}");
}
