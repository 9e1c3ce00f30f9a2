//! The shipped example project and the broken fixture, through the real
//! binary: what examples-expected.md promises.

mod common;
use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const RULES: [&str; 19] = [
    "missing-fallback",
    "render-artifact",
    "unsafe-token-combo",
    "zero-balance",
    "sensitive-category",
    "gender-assumption",
    "creepy-reference",
    "subject-truncation",
    "unescaped-data",
    "unreachable-variant",
    "uncovered-variant",
    "no-variant",
    "no-control",
    "helper-shadows-field",
    "broken-link",
    "send-failure",
    "guard-mismatch",
    "sms-segments",
    "plural-agreement",
];

/// The campaigns that must have no finding at all, edge cases included: one
/// per dialect.
const CLEAN: [&str; 12] = [
    "order-shipped",
    "pickup-ready-sms",
    "sendgrid-free-shipping",
    "mandrill-tier-update",
    "postmark-picks",
    "handlebars-order-count",
    "liquid-order-ready",
    "braze-name-day",
    "customerio-tier-reminder",
    "mailchimp-tier-perks",
    "klaviyo-tier-note",
    "iterable-tier-welcome",
];

fn repository() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped example project as the repository holds it, copied once for
/// every test here (see `common::examples`).
fn examples() -> &'static Path {
    static COPY: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    COPY.get_or_init(common::examples).path()
}

/// Runs `mergeproof lint PATH ARGS… --format json` and returns the exit code
/// and the parsed report.
fn lint_json(path: &Path, args: &[&str]) -> (i32, Value) {
    let output = Command::cargo_bin("mergeproof")
        .unwrap()
        .arg("lint")
        .arg(path)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (output.status.code().unwrap_or(-1), report)
}

fn findings(report: &Value) -> &Vec<Value> {
    report["findings"].as_array().unwrap()
}

fn has(
    report: &Value,
    rule: &str,
    campaign: &str,
    variant: Option<&str>,
    profile: Option<&str>,
) -> bool {
    findings(report).iter().any(|f| {
        f["rule"] == rule
            && f["campaign"] == campaign
            && variant.is_none_or(|v| f["variant"] == v)
            && profile.is_none_or(|p| f["profile"] == p)
    })
}

#[test]
fn the_examples_fail_the_gate_with_every_rule() {
    let (code, report) = lint_json(examples(), &["--no-edge-cases"]);
    assert_eq!(code, 1, "{report:#}");
    for rule in RULES {
        assert!(
            findings(&report).iter().any(|f| f["rule"] == rule),
            "no `{rule}` finding on the examples"
        );
    }
    for f in findings(&report) {
        let rule = f["rule"].as_str().unwrap();
        assert!(RULES.contains(&rule), "unknown rule {rule}");
    }
}

#[test]
fn the_clean_campaigns_stay_clean_edge_cases_included() {
    for args in [&["--no-edge-cases"][..], &[]] {
        let (_, report) = lint_json(examples(), args);
        for campaign in CLEAN {
            let dirty: Vec<&Value> = findings(&report)
                .iter()
                .filter(|f| f["campaign"] == campaign)
                .collect();
            assert!(dirty.is_empty(), "{campaign} {args:?}: {dirty:#?}");
        }
    }
}

#[test]
fn the_classic_failures_are_caught() {
    let (_, report) = lint_json(examples(), &["--no-edge-cases"]);
    let expected = [
        (
            "broken-link",
            "points-statement",
            Some("credit"),
            Some("hannah-herbal-tea"),
        ),
        // The planted defect of each dialect's campaign.
        (
            "zero-balance",
            "sendgrid-points-reminder",
            Some("members"),
            Some("layla-haddad"),
        ),
        // Liquid's `default` passes over 0.
        (
            "zero-balance",
            "liquid-points-week",
            Some("members"),
            Some("layla-haddad"),
        ),
        (
            "missing-fallback",
            "braze-welcome-back",
            Some("members"),
            Some("card-import-no-name"),
        ),
        // "Dear ," in Mailchimp: no default merge value for FNAME.
        (
            "missing-fallback",
            "mailchimp-spring-note",
            Some("members"),
            Some("card-import-no-name"),
        ),
        // "Hi ," in Klaviyo: `{{ first_name }}` without `|default:`.
        (
            "missing-fallback",
            "klaviyo-points-week",
            Some("members"),
            Some("card-import-no-name"),
        ),
        // Iterable: the balance printed without `{{#gt … 0}}`.
        (
            "zero-balance",
            "iterable-cart-nudge",
            Some("members"),
            Some("loren-ambiguous"),
        ),
        // Customer.io does not render a missing variable: nothing is sent.
        (
            "send-failure",
            "customerio-restock",
            Some("members"),
            Some("card-import-no-name"),
        ),
        (
            "helper-shadows-field",
            "mandrill-renewal",
            Some("seniors"),
            Some("walter-retiree"),
        ),
        (
            "missing-fallback",
            "postmark-welcome",
            Some("members"),
            Some("card-import-no-name"),
        ),
        (
            "zero-balance",
            "handlebars-credit-notice",
            Some("account-holders"),
            Some("loren-ambiguous"),
        ),
        (
            "missing-fallback",
            "spring-clearance",
            Some("gold"),
            Some("card-import-no-name"),
        ),
        (
            "render-artifact",
            "spring-clearance",
            Some("gold"),
            Some("card-import-no-name"),
        ),
        (
            "unsafe-token-combo",
            "spring-clearance",
            Some("silver-deals"),
            Some("dmitri-negative-balance"),
        ),
        (
            "zero-balance",
            "points-statement",
            Some("credit"),
            Some("loren-ambiguous"),
        ),
        (
            "zero-balance",
            "points-statement",
            Some("credit"),
            Some("dmitri-negative-balance"),
        ),
        (
            "zero-balance",
            "points-statement",
            Some("credit"),
            Some("hannah-herbal-tea"),
        ),
        (
            "sensitive-category",
            "nursery-promo",
            Some("nursery"),
            Some("ava-family-teen"),
        ),
        (
            "sensitive-category",
            "wellness-herbal-tea",
            Some("tea-switchers"),
            Some("hannah-herbal-tea"),
        ),
        (
            "gender-assumption",
            "gala-invitation",
            Some("invite"),
            Some("loren-ambiguous"),
        ),
        (
            "gender-assumption",
            "gala-invitation",
            Some("invite"),
            Some("zoe-obrien-nunez"),
        ),
        (
            "creepy-reference",
            "wellness-herbal-tea",
            Some("tea-switchers"),
            Some("hannah-herbal-tea"),
        ),
        (
            "subject-truncation",
            "spring-clearance",
            Some("gold"),
            Some("loren-ambiguous"),
        ),
        (
            "unescaped-data",
            "device-launch",
            Some("iphone"),
            Some("loren-ambiguous"),
        ),
        (
            "unreachable-variant",
            "device-launch",
            Some("android"),
            None,
        ),
        ("uncovered-variant", "device-launch", Some("imac"), None),
        ("no-control", "device-launch", None, None),
        (
            "no-variant",
            "vip-early-access",
            None,
            Some("tomasz-new-subscriber"),
        ),
    ];
    for (rule, campaign, variant, profile) in expected {
        assert!(
            has(&report, rule, campaign, variant, profile),
            "missing {rule} on {campaign} / {variant:?} / {profile:?}"
        );
    }
    // What must not be flagged.
    let not_expected = [
        ("zero-balance", "points-statement", "layla-haddad"),
        ("creepy-reference", "wellness-herbal-tea", "layla-haddad"),
        (
            "sensitive-category",
            "nursery-promo",
            "claire-family-parent",
        ),
        ("gender-assumption", "gala-invitation", "james-stated-male"),
        (
            "gender-assumption",
            "gala-invitation",
            "card-import-no-name",
        ),
    ];
    for (rule, campaign, profile) in not_expected {
        assert!(
            !has(&report, rule, campaign, None, Some(profile)),
            "unexpected {rule} on {campaign} / {profile}"
        );
    }
    // One variant is either unreachable or uncovered, never both.
    assert!(!has(
        &report,
        "uncovered-variant",
        "device-launch",
        Some("android"),
        None
    ));
    assert!(!has(
        &report,
        "unreachable-variant",
        "device-launch",
        Some("imac"),
        None
    ));
}

#[test]
fn the_json_has_the_documented_shape() {
    let (_, report) = lint_json(examples(), &["--no-edge-cases"]);
    assert_eq!(report["version"], 1);
    let summary = report["summary"].as_object().unwrap();
    for key in [
        "campaigns",
        "variants",
        "profiles",
        "edge_profiles",
        "renders",
        "errors",
        "warnings",
        "infos",
        "waived",
    ] {
        assert!(summary[key].is_u64(), "summary.{key}: {summary:?}");
    }
    assert_eq!(summary["campaigns"], 31);
    assert_eq!(summary["profiles"], 13);
    assert!(report["load_errors"].as_array().unwrap().is_empty());
    let fields = ["subject", "preheader", "body", "audience", "campaign"];
    for f in findings(&report) {
        for key in [
            "rule",
            "severity",
            "campaign",
            "variant",
            "profile",
            "profile_kind",
            "field",
            "message",
            "file",
            "line",
            "column",
            "excerpt",
            "waived",
        ] {
            assert!(f.get(key).is_some(), "finding without `{key}`: {f:#}");
        }
        assert!(fields.contains(&f["field"].as_str().unwrap()), "{f:#}");
        assert!(["error", "warning", "info"].contains(&f["severity"].as_str().unwrap()));
        assert!(f["line"].as_u64().unwrap() >= 1 && f["column"].as_u64().unwrap() >= 1);
        // Campaign-level findings name no profile.
        if ["no-control", "unreachable-variant", "uncovered-variant"]
            .contains(&f["rule"].as_str().unwrap())
        {
            assert!(
                f["profile"].is_null() && f["profile_kind"].is_null(),
                "{f:#}"
            );
        } else {
            assert_eq!(f["profile_kind"], "sample", "{f:#}");
        }
    }
    let errors = findings(&report)
        .iter()
        .filter(|f| f["severity"] == "error")
        .count();
    assert_eq!(summary["errors"].as_u64().unwrap() as usize, errors);
}

#[test]
fn a_broken_project_reports_every_file_and_checks_the_rest() {
    let fixture = repository().join("tests/fixtures/broken-project");
    let (code, report) = lint_json(&fixture, &[]);
    assert_eq!(code, 2, "{report:#}");
    let errors = report["load_errors"].as_array().unwrap();
    for file in [
        "campaigns/yaml-syntax-error.yaml",
        "campaigns/unknown-key.yaml",
        "campaigns/unclosed-if.yaml",
        "campaigns/control-missing.yaml",
        "campaigns/duplicate-variant-ids.yaml",
        "campaigns/body-and-body-file.yaml",
        "campaigns/escapes-project.yaml",
    ] {
        let e = errors
            .iter()
            .find(|e| e["file"] == file)
            .unwrap_or_else(|| panic!("no load error for {file}: {errors:#?}"));
        assert!(e["line"].as_u64().unwrap() > 1, "{e:#}");
        assert!(e["column"].as_u64().unwrap() >= 1, "{e:#}");
    }
    let unclosed = errors
        .iter()
        .find(|e| e["file"] == "campaigns/unclosed-if.yaml")
        .unwrap();
    assert_eq!(
        (unclosed["line"].as_u64(), unclosed["column"].as_u64()),
        (Some(9), Some(15))
    );
    assert!(
        unclosed["message"]
            .as_str()
            .unwrap()
            .contains("`{{#if}}` opened here is never closed"),
        "{unclosed:#}"
    );
    // The good campaign was still checked, and its findings are reported.
    assert_eq!(report["summary"]["campaigns"], 1);
    assert!(has(
        &report,
        "missing-fallback",
        "good",
        Some("silver"),
        Some("ben-silver")
    ));
    assert!(findings(&report).iter().all(|f| f["campaign"] == "good"));
}

#[test]
fn the_broken_project_in_text_names_file_line_and_column() {
    let fixture = repository().join("tests/fixtures/broken-project");
    let output = Command::cargo_bin("mergeproof")
        .unwrap()
        .arg("lint")
        .arg(&fixture)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("campaigns/unclosed-if.yaml:9:15: template does not compile: `{{#if}}` opened here is never closed"), "{text}");
    assert!(
        text.contains("campaigns/unknown-key.yaml:7:5: unknown key `subjct`"),
        "{text}"
    );
    assert!(
        text.contains("error[missing-fallback] good › silver › subject"),
        "{text}"
    );
}
