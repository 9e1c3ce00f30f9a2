//! `lint --format junit`: JUnit XML for CI test views (GitLab, Jenkins, …).
//!
//! - One `<testsuite>` per campaign; a `load` suite first when files failed to
//!   load, with one failing test case per load error.
//! - One `<testcase>` per cell (a profile and the variant it receives, named
//!   `variant › profile`, classname `campaign.variant`), plus one named
//!   `campaign` for the findings about the campaign or a variant as a whole.
//! - A test case fails when it has an unwaived error: one `<failure>` whose
//!   message is the first error and whose text lists every error of the cell
//!   with its file, line and column (a JUnit test case holds one failure).
//! - Warnings and infos do not fail a test case, as they do not fail `lint`
//!   (unless `--max-warnings`): they are listed in its `<system-out>`, with the
//!   waived findings and who accepted them.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::ReportError;
use super::path_in;
use crate::finding::{Finding, Severity};
use crate::run::{CampaignRun, Run};
use crate::sanitize::visible;

pub(crate) fn render(run: &Run, base: &str) -> Result<String, ReportError> {
    let mut report = Report::new("mergeproof");
    if !run.load_errors.is_empty() {
        let mut suite = TestSuite::new("load");
        for e in &run.load_errors {
            let place = format!("{}:{}:{}", path_in(base, &e.file), e.line, e.column);
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(visible(&e.message))
                .set_type("load-error")
                .set_description(format!("{}: {}", visible(&place), visible(&e.message)));
            let mut case = TestCase::new(visible(&place), status);
            case.set_classname("load");
            suite.add_test_case(case);
        }
        report.add_test_suite(suite);
    }
    for campaign in &run.campaigns {
        report.add_test_suite(campaign_suite(campaign, base));
    }
    report
        .to_string()
        .map_err(|e| ReportError::new("JUnit XML", e))
}

fn campaign_suite(campaign: &CampaignRun, base: &str) -> TestSuite {
    let id = campaign.id();
    let mut suite = TestSuite::new(visible(id));
    let whole: Vec<&Finding> = campaign
        .findings
        .iter()
        .filter(|f| f.profile.is_none())
        .collect();
    suite.add_test_case(test_case("campaign", &visible(id), &whole, base));
    let variants = &campaign.compiled.campaign.variants;
    for (profile, selected) in campaign.profiles.iter().zip(&campaign.selection) {
        let variant = selected
            .and_then(|i| variants.get(i))
            .map(|v| v.id.as_str());
        let findings: Vec<&Finding> = campaign
            .findings
            .iter()
            .filter(|f| f.profile.as_deref() == Some(profile.id.as_str()))
            .collect();
        let name = format!(
            "{} › {}",
            visible(variant.unwrap_or("(no variant)")),
            visible(&profile.id)
        );
        let classname = match variant {
            Some(v) => format!("{}.{}", visible(id), visible(v)),
            None => visible(id),
        };
        suite.add_test_case(test_case(&name, &classname, &findings, base));
    }
    suite
}

fn test_case(name: &str, classname: &str, findings: &[&Finding], base: &str) -> TestCase {
    let errors: Vec<&Finding> = findings
        .iter()
        .copied()
        .filter(|f| f.is_active() && f.severity == Severity::Error)
        .collect();
    let status = match errors.first() {
        None => TestCaseStatus::success(),
        Some(first) => {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let more = match errors.len() {
                1 => String::new(),
                n => format!(
                    " (and {} more error{})",
                    n - 1,
                    if n == 2 { "" } else { "s" }
                ),
            };
            let mut rules: Vec<&str> = Vec::new();
            for f in &errors {
                if !rules.contains(&f.rule.as_str()) {
                    rules.push(f.rule.as_str());
                }
            }
            status
                .set_message(format!("{}: {}{more}", first.rule, visible(&first.message)))
                .set_type(rules.join(" "))
                .set_description(
                    errors
                        .iter()
                        .map(|f| describe(f, base))
                        .collect::<Vec<_>>()
                        .join("\n"),
                );
            status
        }
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(classname);
    let others: Vec<String> = findings
        .iter()
        .filter(|f| !(f.is_active() && f.severity == Severity::Error))
        .map(|f| describe(f, base))
        .collect();
    if !others.is_empty() {
        case.set_system_out(others.join("\n") + "\n");
    }
    case
}

/// One finding on one line (two with a stale decision): severity, rule,
/// place, position and message, and whether it is accepted.
fn describe(f: &Finding, base: &str) -> String {
    let accepted = match f.waiver.as_ref().filter(|_| f.waived) {
        Some(w) if w.kind == crate::review::ALLOW => {
            format!(" [accepted by allow: {}]", visible(&w.reason))
        }
        Some(w) => format!(
            " [{} by {} at {}]",
            visible(&w.kind),
            visible(w.reviewer.as_deref().unwrap_or("?")),
            visible(w.at.as_deref().unwrap_or("?"))
        ),
        None => String::new(),
    };
    let mut line = format!(
        "{}[{}] {} at {}:{}:{}: {}{accepted}",
        f.severity,
        f.rule,
        super::text::place(f),
        visible(&path_in(base, &f.file)),
        f.line,
        f.column,
        visible(&f.message)
    );
    if let Some(note) = super::text::stale_note(f) {
        line.push_str(&format!("\n  {note}"));
    }
    line
}
