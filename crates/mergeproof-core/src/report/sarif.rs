//! `lint --format sarif`: SARIF 2.1.0, for GitHub code scanning and other
//! SARIF viewers.
//!
//! - `tool.driver.rules` lists every rule (plus `load-error`), with the text of
//!   `mergeproof explain` as help; `ruleIndex` points into it.
//! - One result per problem (the findings the text report groups together:
//!   same rule, campaign, variant, field and place), at its place in the
//!   campaign YAML or template file (`uriBaseId: %SRCROOT%`, the folder `lint`
//!   runs in). The profiles it reaches are in `properties.profiles`, so a
//!   token broken for forty profiles is one code-scanning alert, not forty.
//!   Findings of one problem that are suppressed differently (one profile
//!   approved, the others not) are separate results.
//! - `partialFingerprints` are made of the problem's rule, campaign, variant,
//!   field, file and column (not its line, so an edit above it keeps the
//!   alert), and how it is suppressed: the same from run to run and machine to
//!   machine.
//! - Waived findings carry `suppressions`: `inSource` for an `allow:` entry in
//!   the campaign, `external` for a review decision. A stale decision is said in
//!   the message and in `properties.staleDecision`.
//! - Load errors are results of the `load-error` rule (they fail the gate, so a
//!   code-scanning view must show them), and make
//!   `invocations[0].executionSuccessful` false. Review decisions that match no
//!   finding any more are `toolExecutionNotifications` of level `note`.

use serde_json::{Value, json};

use super::ReportError;
use super::path_in;
use crate::finding::{Finding, Severity};
use crate::review::{ALLOW, REVIEWS_FILE, digest};
use crate::rules::RuleDoc;
use crate::run::Run;
use crate::sanitize::visible;
use crate::source::LoadError;

pub(crate) const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const LOAD_ERROR_RULE: &str = "load-error";
/// Names the kind of fingerprint, so a later scheme can sit beside it.
const FINGERPRINT_KEY: &str = "mergeproofProblem/v1";

pub(crate) fn render(run: &Run, base: &str) -> Result<String, ReportError> {
    let docs: Vec<&RuleDoc> = crate::rules::all().map(|r| r.doc()).collect();
    let mut rules: Vec<Value> = docs.iter().map(|d| rule_descriptor(d)).collect();
    rules.push(json!({
        "id": LOAD_ERROR_RULE,
        "shortDescription": { "text": "A project file could not be loaded." },
        "fullDescription": { "text": "A campaign, profile, partial, config or review file does not parse or is invalid; the campaigns it concerns are not checked, so lint exits with status 2." },
        "help": { "text": "Fix the file at the position given; `mergeproof lint` prints the same error as text." },
        "defaultConfiguration": { "level": "error" },
    }));
    let load_error_index = docs.len();

    let mut results: Vec<Value> = run
        .load_errors
        .iter()
        .map(|e| load_error_result(e, load_error_index, base))
        .collect();
    for campaign in &run.campaigns {
        for problem in super::text::groups_by(&campaign.findings, |f| {
            (f.defect_key(), f.waived, f.waiver.as_ref())
        }) {
            let index = docs.iter().position(|d| d.id == problem[0].rule);
            results.push(problem_result(&problem, index, base, run.baseline_applied));
        }
    }

    let notifications: Vec<Value> = run
        .obsolete_decisions
        .iter()
        .map(|d| {
            json!({
                "level": "note",
                "descriptor": { "id": "obsolete-decision" },
                "message": { "text": format!(
                    "the review decision {} ({} by {} at {}) matches no finding any more; remove it from {REVIEWS_FILE}",
                    visible(&d.describe()), d.decision.as_str(), visible(&d.reviewer), visible(&d.at)
                ) },
                "locations": [location(&path_in(base, REVIEWS_FILE), 1, 1)],
            })
        })
        .collect();

    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "mergeproof",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            } },
            "invocations": [{
                "executionSuccessful": run.load_errors.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": { "summary": run.summary() },
        }],
    });
    let mut out = Vec::new();
    super::json::write_safe(&mut out, &log).map_err(|e| ReportError::new("SARIF", e))?;
    out.push(b'\n');
    String::from_utf8(out).map_err(|e| ReportError::new("SARIF", e))
}

fn rule_descriptor(doc: &RuleDoc) -> Value {
    json!({
        "id": doc.id,
        "shortDescription": { "text": doc.summary },
        "fullDescription": { "text": doc.why },
        "help": { "text": doc.explanation() },
        "defaultConfiguration": { "level": level(doc.default_severity) },
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn problem_result(
    problem: &[&Finding],
    rule_index: Option<usize>,
    base: &str,
    baseline: bool,
) -> Value {
    let f = problem[0];
    let mut text = format!("{} ({}", visible(&f.message), super::text::place(f));
    if let Some(profiles) = super::text::profile_list(problem) {
        text.push_str(&format!("; profiles: {profiles}"));
    }
    text.push(')');
    let stale = super::text::stale_note(f);
    if let Some(note) = &stale {
        text.push_str(&format!("; {note}"));
    }
    let profiles: Vec<Value> = problem
        .iter()
        .filter_map(|f| {
            f.profile
                .as_deref()
                .map(|p| json!({ "id": visible(p), "kind": f.profile_kind.map(|k| k.as_str()) }))
        })
        .collect();
    let mut properties = json!({
        "campaign": visible(&f.campaign),
        "variant": f.variant.as_deref().map(visible),
        "field": f.field.as_str(),
        "findings": problem.len(),
        "profiles": profiles,
    });
    if !f.excerpt.is_empty() {
        properties["excerpt"] = visible(&f.excerpt).into();
    }
    if let Some(note) = stale {
        properties["staleDecision"] = note.into();
    }
    properties["fix"] = super::text::fixes(problem)
        .iter()
        .map(|f| visible(f))
        .collect::<Vec<_>>()
        .into();
    let mut result = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": { "text": text },
        "locations": [location(&path_in(base, &f.file), f.line, f.column)],
        "partialFingerprints": { FINGERPRINT_KEY: problem_fingerprint(f) },
        "properties": properties,
    });
    if let Some(i) = rule_index {
        result["ruleIndex"] = i.into();
    }
    let in_baseline = f
        .waiver
        .as_ref()
        .is_some_and(|w| w.kind == crate::finding::BASELINE_WAIVER);
    if baseline {
        result["baselineState"] = if in_baseline { "unchanged" } else { "new" }.into();
    }
    if let Some(w) = f.waiver.as_ref().filter(|_| f.waived && !in_baseline) {
        let suppression = if w.kind == ALLOW {
            json!({ "kind": "inSource", "status": "accepted", "justification": visible(&w.reason) })
        } else {
            json!({
                "kind": "external",
                "status": "accepted",
                "justification": format!(
                    "{} by {} at {}{}",
                    visible(&w.kind),
                    visible(w.reviewer.as_deref().unwrap_or("?")),
                    visible(w.at.as_deref().unwrap_or("?")),
                    if w.reason.is_empty() { String::new() } else { format!(": {}", visible(&w.reason)) }
                ),
            })
        };
        result["suppressions"] = json!([suppression]);
    }
    result
}

/// A problem's code-scanning identity: what and where, never which profiles
/// or when it ran.
fn problem_fingerprint(f: &Finding) -> String {
    let waiver = f.waiver.as_ref();
    digest(&[
        f.rule.as_str(),
        &f.campaign,
        f.variant.as_deref().unwrap_or(""),
        f.field.as_str(),
        &f.file,
        &f.column.to_string(),
        waiver.map_or("", |w| w.kind.as_str()),
        waiver.map_or("", |w| w.reason.as_str()),
        waiver.and_then(|w| w.reviewer.as_deref()).unwrap_or(""),
        waiver.and_then(|w| w.at.as_deref()).unwrap_or(""),
        if f.waived { "waived" } else { "" },
    ])
}

/// Stable across runs and machines: what the finding is, never where the
/// project sits or when it ran.
pub(crate) fn fingerprint(f: &Finding) -> String {
    digest(&[
        f.rule.as_str(),
        &f.campaign,
        f.variant.as_deref().unwrap_or(""),
        f.profile.as_deref().unwrap_or(""),
        f.field.as_str(),
        &f.message,
    ])
}

fn load_error_result(e: &LoadError, rule_index: usize, base: &str) -> Value {
    let mut result = json!({
        "ruleId": LOAD_ERROR_RULE,
        "ruleIndex": rule_index,
        "level": "error",
        "message": { "text": visible(&e.message) },
        "partialFingerprints": { FINGERPRINT_KEY: digest(&[LOAD_ERROR_RULE, &e.file, &e.message]) },
    });
    // A project folder that is not there is named by its absolute path: no
    // repository location to point at.
    if !std::path::Path::new(&e.file).is_absolute() {
        result["locations"] = json!([location(&path_in(base, &e.file), e.line, e.column)]);
    }
    result
}

fn location(path: &str, line: u32, column: u32) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri_path(path), "uriBaseId": "%SRCROOT%" },
            "region": { "startLine": line.max(1), "startColumn": column.max(1) },
        }
    })
}

/// A relative path as a URI reference: `/` kept, anything but unreserved
/// characters percent-encoded (`my campaign.yaml` → `my%20campaign.yaml`).
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.replace('\\', "/").bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(uri_path("campaigns/a.yaml"), "campaigns/a.yaml");
        assert_eq!(
            uri_path("campaigns/my campaign%.yaml"),
            "campaigns/my%20campaign%25.yaml"
        );
        assert_eq!(uri_path("campaigns/zoë.yaml"), "campaigns/zo%C3%AB.yaml");
    }

    #[test]
    fn levels_follow_severities() {
        assert_eq!(level(Severity::Error), "error");
        assert_eq!(level(Severity::Warning), "warning");
        assert_eq!(level(Severity::Info), "note");
    }
}
