//! Text output for people: one entry per defect, naming every profile it
//! reaches, so one broken token across 40 profiles is one entry, not 40.

use std::fmt::Write;

use crate::finding::{Finding, ProfileKind, Severity};
use crate::run::Run;
use crate::sanitize::visible;

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\u{1b}[{code}m{text}\u{1b}[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity) -> String {
        let code = match s {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;36",
        };
        self.paint(code, s.as_str())
    }
}

/// How many edge-case names to show before "…".
const EDGE_NAMES_SHOWN: usize = 3;

pub(crate) fn render(run: &Run, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    for e in &run.load_errors {
        let _ = writeln!(
            out,
            "{}[load] {}:{}:{}: {}",
            style.severity(Severity::Error),
            visible(&e.file),
            e.line,
            e.column,
            visible(&e.message)
        );
    }
    if !run.load_errors.is_empty() {
        out.push('\n');
    }

    for campaign in &run.campaigns {
        for group in defect_groups(&campaign.findings) {
            write_group(&mut out, &style, &group);
        }
        if campaign.edge_capped {
            let _ = writeln!(
                out,
                "{}: edge cases for `{}` were capped at {} (edge_cases.max_per_campaign in mergeproof.yaml)\n",
                style.paint("1", "note"),
                visible(campaign.id()),
                campaign.edge_profiles
            );
        }
    }

    if !run.obsolete_decisions.is_empty() {
        let n = run.obsolete_decisions.len();
        let _ = writeln!(
            out,
            "{}: {n} review decision{} in {} match{} no finding any more (remove {}):",
            style.paint("1", "note"),
            plural(n),
            crate::review::REVIEWS_FILE,
            if n == 1 { "es" } else { "" },
            if n == 1 { "it" } else { "them" },
        );
        for d in &run.obsolete_decisions {
            let _ = writeln!(
                out,
                "  {}: {} by {} at {}",
                visible(&d.describe()),
                d.decision.as_str(),
                visible(&d.reviewer),
                visible(&d.at)
            );
        }
        out.push('\n');
    }

    out.push_str(&summary_line(run, color));
    out
}

/// The last line of the text report: the verdict and the counts.
pub fn summary_line(run: &Run, color: bool) -> String {
    let style = Style { color };
    let mut out = String::new();
    let waived: usize = run
        .campaigns
        .iter()
        .map(|c| c.findings.iter().filter(|f| f.waived).count())
        .sum();
    let s = run.summary();
    let problems = crate::finding::count_problems(run.findings());
    let verdict = if s.errors > 0 || !run.load_errors.is_empty() {
        style.paint("1;31", "✖")
    } else if s.warnings > 0 {
        style.paint("1;33", "!")
    } else {
        style.paint("1;32", "✔")
    };
    let _ = writeln!(
        out,
        "{verdict} {} error{}, {} warning{}, {} info in {problems} problem{}, {} accepted — {} campaign{}, {} variants, {} profiles + {} edge cases, {} renders{}",
        s.errors,
        plural(s.errors),
        s.warnings,
        plural(s.warnings),
        s.infos,
        plural(problems),
        waived,
        s.campaigns,
        plural(s.campaigns),
        s.variants,
        s.profiles,
        s.edge_profiles,
        s.renders,
        if run.load_errors.is_empty() {
            String::new()
        } else {
            format!(
                "; {} load error{}",
                run.load_errors.len(),
                plural(run.load_errors.len())
            )
        }
    );
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn write_group(out: &mut String, style: &Style, group: &[&Finding]) {
    let f = group[0];
    let _ = writeln!(
        out,
        "{}[{}] {}",
        style.severity(f.severity),
        style.paint("1", f.rule.as_str()),
        place(f)
    );
    let _ = writeln!(out, "  --> {}:{}:{}", visible(&f.file), f.line, f.column);
    let _ = writeln!(out, "  {}", visible(&f.message));
    if !f.excerpt.is_empty() {
        let _ = writeln!(out, "  {} {}", style.paint("2", "|"), visible(&f.excerpt));
    }
    if let Some(note) = stale_note(f) {
        let _ = writeln!(out, "  = {note}");
    }
    if let Some(profiles) = profile_list(group) {
        let _ = writeln!(out, "  = profiles: {profiles}");
    }
    for fix in fixes(group) {
        let _ = writeln!(out, "  = fix: {}", visible(&fix));
    }
    out.push('\n');
}

/// The fixes of a defect's findings, each once in order (a SendGrid name
/// that is missing for one profile and only spaces for another takes two);
/// without any, the rule's advice up to its first full stop.
pub(crate) fn fixes(group: &[&Finding]) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for f in group {
        if let Some(fix) = &f.fix
            && !seen.contains(&fix.text)
        {
            seen.push(fix.text.clone());
        }
    }
    if seen.is_empty() {
        let doc = crate::rules::rule(group[0].rule).doc();
        seen.push(first_sentence(doc.fix).to_string());
    }
    seen
}

/// A rule's advice up to its first full stop (`mergeproof explain` has the
/// rest).
fn first_sentence(text: &str) -> &str {
    text.char_indices()
        .find(|&(i, c)| {
            c == '.'
                && text[i + 1..].starts_with(' ')
                && text[i + 2..].starts_with(|n: char| n.is_uppercase() || n == '`')
        })
        .map_or(text, |(i, _)| &text[..=i])
}

/// `campaign › variant › field`, made visible.
pub(crate) fn place(f: &Finding) -> String {
    let mut path = vec![visible(&f.campaign)];
    if let Some(v) = &f.variant {
        path.push(visible(v));
    }
    path.push(f.field.as_str().to_string());
    path.join(" › ")
}

/// For a finding whose review decision went stale: who made it, when, and
/// why, made visible.
pub(crate) fn stale_note(f: &Finding) -> Option<String> {
    let w = f
        .waiver
        .as_ref()
        .filter(|w| w.kind == crate::review::STALE)?;
    let reason = if w.reason.is_empty() {
        String::new()
    } else {
        format!(" (\"{}\")", visible(&w.reason))
    };
    Some(format!(
        "a review decision went stale: made by {} at {}{reason}; what it reviewed has changed since",
        visible(w.reviewer.as_deref().unwrap_or("?")),
        visible(w.at.as_deref().unwrap_or("?")),
    ))
}

/// The active findings of a campaign, one group per defect (same rule, place
/// and variant), in order.
pub(crate) fn defect_groups(findings: &[Finding]) -> Vec<Vec<&Finding>> {
    groups_by(findings.iter().filter(|f| !f.waived), Finding::defect_key)
}

/// Findings grouped by `key`, groups in the order of their first finding and
/// findings in order within each: one look-up per finding.
pub(crate) fn groups_by<'a, K: std::hash::Hash + Eq>(
    findings: impl IntoIterator<Item = &'a Finding>,
    key: impl Fn(&'a Finding) -> K,
) -> Vec<Vec<&'a Finding>> {
    let mut groups: Vec<Vec<&Finding>> = Vec::new();
    let mut index: std::collections::HashMap<K, usize> = Default::default();
    for f in findings {
        match index.entry(key(f)) {
            std::collections::hash_map::Entry::Occupied(at) => groups[*at.get()].push(f),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(groups.len());
                groups.push(vec![f]);
            }
        }
    }
    groups
}

/// "ana, ben and 5 edge cases (edge:a, edge:b, edge:c, …)", made visible; `None`
/// when the group is about no profile.
pub(crate) fn profile_list(group: &[&Finding]) -> Option<String> {
    let samples: Vec<String> = dedup(
        group
            .iter()
            .filter(|f| f.profile_kind == Some(ProfileKind::Sample))
            .filter_map(|f| f.profile.as_deref()),
    );
    let edges: Vec<String> = dedup(
        group
            .iter()
            .filter(|f| f.profile_kind == Some(ProfileKind::Edge))
            .filter_map(|f| f.profile.as_deref()),
    );
    if samples.is_empty() && edges.is_empty() {
        return None;
    }
    let mut line = samples.join(", ");
    if !edges.is_empty() {
        let shown: Vec<&str> = edges
            .iter()
            .take(EDGE_NAMES_SHOWN)
            .map(String::as_str)
            .collect();
        let more = if edges.len() > EDGE_NAMES_SHOWN {
            ", …"
        } else {
            ""
        };
        let lead = if samples.is_empty() { "" } else { " and " };
        let _ = write!(
            line,
            "{lead}{} edge case{} ({}{more})",
            edges.len(),
            plural(edges.len()),
            shown.join(", ")
        );
    }
    Some(line)
}

fn dedup<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    ids.filter(|id| seen.insert(*id)).map(visible).collect()
}
