//! `lint --statistics`: how many defects and findings each rule has, in place
//! of the findings themselves, for a first look at a large project or a
//! count to follow over time. A defect is what the text report shows as one
//! entry (one rule at one place of one variant); its findings are the
//! profiles that meet it. Accepted findings are not counted.

use std::fmt::Write;

use crate::rule_id::RuleId;
use crate::run::Run;

use crate::finding::Severity;

use super::text::{defect_groups, summary_line};

/// One rule's row: its defects and their active findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleCount {
    pub rule: RuleId,
    pub severity: Severity,
    pub defects: usize,
    pub findings: usize,
}

/// Defects and findings per rule over the run, most findings first (ties by
/// rule id, so the order never changes). The statistics table and the proof
/// sheet's summary both show these.
pub(crate) fn rule_counts(run: &Run) -> Vec<RuleCount> {
    let mut counts: Vec<RuleCount> = Vec::new();
    for campaign in &run.campaigns {
        for group in defect_groups(&campaign.findings) {
            let first = group[0];
            match counts.iter_mut().find(|c| c.rule == first.rule) {
                Some(row) => {
                    row.defects += 1;
                    row.findings += group.len();
                }
                None => counts.push(RuleCount {
                    rule: first.rule,
                    severity: first.severity,
                    defects: 1,
                    findings: group.len(),
                }),
            }
        }
    }
    counts.sort_by(|a, b| {
        b.findings
            .cmp(&a.findings)
            .then(a.rule.as_str().cmp(b.rule.as_str()))
    });
    counts
}

/// The table, then the summary line.
pub fn render(run: &Run, color: bool) -> String {
    let counts = rule_counts(run);
    let width = counts
        .iter()
        .map(|c| c.rule.as_str().len())
        .max()
        .unwrap_or(4)
        .max("rule".len());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:<8}  {:>7}  {:>8}",
        "rule", "severity", "defects", "findings"
    );
    for c in &counts {
        let _ = writeln!(
            out,
            "{:<width$}  {:<8}  {:>7}  {:>8}",
            c.rule.as_str(),
            c.severity.as_str(),
            c.defects,
            c.findings
        );
    }
    let (defects, findings) = counts
        .iter()
        .fold((0, 0), |(d, f), c| (d + c.defects, f + c.findings));
    let _ = writeln!(
        out,
        "{:<width$}  {:<8}  {defects:>7}  {findings:>8}\n",
        "total", ""
    );
    if !run.load_errors.is_empty() {
        let _ = writeln!(
            out,
            "{} load error{} (run without --statistics to see them)\n",
            run.load_errors.len(),
            if run.load_errors.len() == 1 { "" } else { "s" }
        );
    }
    out.push_str(&summary_line(run, color));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Options, run};
    use crate::project::load_project_from_memory;
    use crate::review::Decisions;

    #[test]
    fn counts_defects_and_findings_per_rule() {
        let files = [
            (
                "campaigns/c.yaml",
                "variants:\n  - id: a\n    subject: \"Hi {{first_name}}\"\n    body: \"{{first_name}}, cheap\"\n",
            ),
            ("sample-profiles/p.yaml", "- id: ann\n- id: loren\n  first_name: Loren\n"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let project = load_project_from_memory(&files);
        let run = run(
            &project,
            &Options {
                edge_cases: false,
                ..Default::default()
            },
            &Decisions::default(),
        );
        let table = render(&run, false);
        let row = |rule: &str| -> Vec<String> {
            table
                .lines()
                .find(|l| l.starts_with(rule))
                .unwrap_or_else(|| panic!("no {rule} in\n{table}"))
                .split_whitespace()
                .map(str::to_string)
                .collect()
        };
        // Two tokens without a fallback, both empty for `ann`.
        assert_eq!(row("missing-fallback")[2..], ["2", "2"]);
        assert!(project.load_errors.is_empty(), "{:?}", project.load_errors);
        assert_eq!(row("unsafe-token-combo")[2..], ["1", "1"]);
        let rows: Vec<Vec<String>> = table
            .lines()
            .skip(1)
            .take_while(|l| !l.starts_with("total"))
            .map(|l| l.split_whitespace().map(str::to_string).collect())
            .collect();
        let findings: usize = rows.iter().map(|r| r[3].parse::<usize>().unwrap()).sum();
        assert_eq!(row("total")[2], findings.to_string());
        assert!(table.lines().last().unwrap().contains("errors"), "{table}");
    }
}
