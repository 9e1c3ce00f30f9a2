//! What the checks report: one finding per defect per profile and field.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::rule_id::RuleId;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A severity as the config may set it: `off` switches a rule off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SeverityLevel {
    Error,
    Warning,
    Info,
    Off,
}

impl SeverityLevel {
    pub(crate) fn severity(self) -> Option<Severity> {
        match self {
            SeverityLevel::Error => Some(Severity::Error),
            SeverityLevel::Warning => Some(Severity::Warning),
            SeverityLevel::Info => Some(Severity::Info),
            SeverityLevel::Off => None,
        }
    }
}

/// Which part of a campaign a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Subject,
    Preheader,
    Body,
    Audience,
    Campaign,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Subject => "subject",
            Field::Preheader => "preheader",
            Field::Body => "body",
            Field::Audience => "audience",
            Field::Campaign => "campaign",
        }
    }

    /// The fields a message is made of, in reading order.
    pub(crate) const RENDERED: [Field; 3] = [Field::Subject, Field::Preheader, Field::Body];
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether a profile was written by the team or synthesized as an edge case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProfileKind {
    Sample,
    Edge,
}

impl ProfileKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Sample => "sample",
            ProfileKind::Edge => "edge",
        }
    }
}

/// One defect, about what one profile would be sent (or about the campaign as a
/// whole when `profile` is `None`). Field names and order are the JSON contract.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub rule: RuleId,
    pub severity: Severity,
    /// The campaign's, the variant's and the file's names are shared by
    /// every finding of the campaign (a run holds tens of thousands).
    pub campaign: Arc<str>,
    pub variant: Option<Arc<str>>,
    pub profile: Option<String>,
    pub profile_kind: Option<ProfileKind>,
    pub field: Field,
    pub message: String,
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
    pub excerpt: String,
    pub waived: bool,
    /// Why the finding does not count against the gate, when it does not.
    /// Boxed: few findings have one, and a run holds tens of thousands of
    /// findings (the box keeps each 88 bytes smaller).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<Box<Waiver>>,
    /// The text the finding is about (the rendered field, or the campaign
    /// statement); a review decision fingerprints it.
    #[serde(skip)]
    pub reviewed_text: Arc<str>,
    /// How to fix this finding, written for its token and dialect; without
    /// one, the rule's general fix (`mergeproof explain`) applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    /// Shared: a token that prints nothing for many profiles has the same
    /// fix in each of their findings.
    pub fix: Option<Arc<Fix>>,
}

/// A finding's fix: what to do, in the dialect's own spelling, and, when it
/// is one change to the template, the text to replace and its replacement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub text: String,
    /// The template text at the finding's place that the fix replaces...
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace: Option<String>,
    /// ...and what it becomes.
    #[serde(rename = "with", skip_serializing_if = "Option::is_none")]
    pub replacement: Option<String>,
}

impl Fix {
    /// Advice without a template change (the data, the audience, a reason).
    pub(crate) fn advice(text: impl Into<String>) -> Fix {
        Fix {
            text: text.into(),
            replace: None,
            replacement: None,
        }
    }

    /// One change to the template: `from` at the finding's place becomes `to`.
    pub(crate) fn edit(
        text: impl Into<String>,
        from: impl Into<String>,
        to: impl Into<String>,
    ) -> Fix {
        Fix {
            text: text.into(),
            replace: Some(from.into()),
            replacement: Some(to.into()),
        }
    }
}

/// The waiver kind of a finding a baseline accepts (`lint --baseline`).
pub(crate) const BASELINE_WAIVER: &str = "baseline";

/// Why a finding is accepted: an `allow:` entry on the variant, or a review
/// decision. A stale decision is kept here too so the report can say so.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Waiver {
    /// `allow`, `approved`, `waived`, or `stale` (a decision that no longer matches).
    pub kind: String,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// What makes findings one defect: the rule, the campaign and variant, the
/// field and the place in the template. The profiles that meet it are its
/// findings; the text report shows a defect as one entry, and the TUI's `A`
/// and `W` decide all of its findings at once.
pub(crate) type DefectKey<'a> = (
    crate::rule_id::RuleId,
    &'a str,
    Option<&'a str>,
    Field,
    &'a str,
    u32,
    u32,
);

/// Problems: the defects that still have an active finding. `lint`'s
/// summary and the TUI's status bar both count them so.
pub fn count_problems<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> usize {
    findings
        .into_iter()
        .filter(|f| f.is_active())
        .map(Finding::defect_key)
        .collect::<std::collections::HashSet<_>>()
        .len()
}

impl Finding {
    pub fn defect_key(&self) -> DefectKey<'_> {
        (
            self.rule,
            &self.campaign,
            self.variant.as_deref(),
            self.field,
            &self.file,
            self.line,
            self.column,
        )
    }

    /// Whether this finding counts against the lint gate.
    pub(crate) fn is_active(&self) -> bool {
        !self.waived
    }
}
/// Findings counted by severity, active and accepted (approved, waived or
/// allowed) apart: the one tally behind `lint`'s summary, its gate and the
/// TUI's counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    active: [usize; 3],
    accepted: [usize; 3],
}

impl Tally {
    pub(crate) fn of<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Tally {
        let mut tally = Tally::default();
        for f in findings {
            tally.add(f);
        }
        tally
    }

    pub fn add(&mut self, f: &Finding) {
        let slot = f.severity as usize;
        if f.is_active() {
            self.active[slot] += 1;
        } else {
            self.accepted[slot] += 1;
        }
    }

    /// Findings of this severity that count against the gate.
    pub fn active(&self, severity: Severity) -> usize {
        self.active[severity as usize]
    }

    /// Findings of this severity, accepted or not.
    #[cfg(test)]
    pub(crate) fn all(&self, severity: Severity) -> usize {
        self.active[severity as usize] + self.accepted[severity as usize]
    }

    pub fn total_active(&self) -> usize {
        self.active.iter().sum()
    }

    pub fn total_accepted(&self) -> usize {
        self.accepted.iter().sum()
    }

    pub fn total(&self) -> usize {
        self.total_active() + self.total_accepted()
    }
}

impl std::ops::Add for Tally {
    type Output = Tally;

    fn add(self, other: Tally) -> Tally {
        let mut sum = self;
        for i in 0..3 {
            sum.active[i] += other.active[i];
            sum.accepted[i] += other.accepted[i];
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(severity: Severity, waived: bool) -> Finding {
        Finding {
            rule: RuleId::MissingFallback,
            severity,
            campaign: "c".into(),
            variant: None,
            profile: None,
            profile_kind: None,
            field: Field::Subject,
            message: String::new(),
            file: "".into(),
            line: 1,
            column: 1,
            excerpt: String::new(),
            waived,
            waiver: None,
            reviewed_text: "".into(),
            fix: None,
        }
    }

    #[test]
    fn the_tally_counts_active_and_accepted_apart() {
        let findings = [
            finding(Severity::Error, false),
            finding(Severity::Error, true),
            finding(Severity::Warning, false),
            finding(Severity::Info, true),
        ];
        let tally = Tally::of(&findings);
        assert_eq!(tally.active(Severity::Error), 1);
        assert_eq!(tally.all(Severity::Error), 2);
        assert_eq!(tally.active(Severity::Warning), 1);
        assert_eq!(tally.active(Severity::Info), 0);
        assert_eq!((tally.total_active(), tally.total_accepted()), (2, 2));
        let doubled = tally + tally;
        assert_eq!(doubled.total(), 8);
        assert_eq!(doubled.all(Severity::Info), 2);
    }
}
