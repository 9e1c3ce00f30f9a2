//! Review decisions as data: what a reviewer said about a finding, the
//! place it is attached to and the fingerprint of what was reviewed. The
//! review stage ([`crate::review`]) applies them; reports and the run name
//! them.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::finding::{Field, Finding, Waiver};

/// What a reviewer said about a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    /// Looked at and fine as it is.
    Approved,
    /// Not fine in general, accepted here for a stated reason.
    Waived,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Waived => "waived",
        }
    }
}

/// One entry of `mergeproof-reviews.yaml`. Keys are in the order a reader
/// wants them; the file is sorted by campaign, variant, profile, rule, field.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionEntry {
    pub rule: String,
    pub campaign: String,
    /// Absent for findings about a campaign as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Absent for findings about a campaign or a variant as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub field: Field,
    /// [`fingerprint`] of the finding when it was reviewed.
    pub fingerprint: String,
    pub decision: Decision,
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub reviewer: String,
    /// When the decision was made: RFC 3339, UTC.
    #[serde(default, alias = "timestamp")]
    pub at: String,
}

/// The place a decision is attached to. Field order is the file's sort order.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct DecisionKey {
    pub campaign: String,
    pub variant: String,
    pub profile: String,
    pub rule: String,
    pub field: Field,
}

impl DecisionKey {
    fn new(
        rule: &str,
        campaign: &str,
        variant: Option<&str>,
        profile: Option<&str>,
        field: Field,
    ) -> Self {
        Self {
            campaign: campaign.to_string(),
            variant: variant.unwrap_or_default().to_string(),
            profile: profile.unwrap_or_default().to_string(),
            rule: rule.to_string(),
            field,
        }
    }

    pub(crate) fn of(f: &Finding) -> Self {
        Self::new(
            f.rule.as_str(),
            &f.campaign,
            f.variant.as_deref(),
            f.profile.as_deref(),
            f.field,
        )
    }
}

impl DecisionEntry {
    pub(crate) fn key(&self) -> DecisionKey {
        DecisionKey::new(
            &self.rule,
            &self.campaign,
            self.variant.as_deref(),
            self.profile.as_deref(),
            self.field,
        )
    }

    /// A decision on `finding`, made now.
    pub(crate) fn new(
        finding: &Finding,
        decision: Decision,
        reason: &str,
        reviewer: &str,
        at: String,
    ) -> Self {
        Self {
            rule: finding.rule.to_string(),
            campaign: finding.campaign.to_string(),
            variant: finding.variant.as_deref().map(str::to_string),
            profile: finding.profile.clone(),
            field: finding.field,
            fingerprint: fingerprint(finding),
            decision,
            reason: reason.trim().to_string(),
            reviewer: reviewer.trim().to_string(),
            at,
        }
    }

    /// Whether this entry is the decision on `finding`: the same place and the
    /// same fingerprint, or the decision that went stale on it.
    pub(crate) fn is_decision_on(&self, finding: &Finding) -> bool {
        if self.key() != DecisionKey::of(finding) {
            return false;
        }
        if self.fingerprint == fingerprint(finding) {
            return true;
        }
        finding.waiver.as_ref().is_some_and(|w| {
            w.kind == STALE
                && w.reviewer.as_deref() == Some(self.reviewer.as_str())
                && w.at.as_deref() == Some(self.at.as_str())
                && w.reason == self.reason
        })
    }

    pub(crate) fn waiver(&self, kind: &str) -> Waiver {
        Waiver {
            kind: kind.to_string(),
            reason: self.reason.clone(),
            reviewer: Some(self.reviewer.clone()),
            at: Some(self.at.clone()),
        }
    }

    /// `missing-fallback › spring-clearance › gold › subject › ana`, for notes.
    pub(crate) fn describe(&self) -> String {
        let mut parts = vec![self.rule.as_str(), self.campaign.as_str()];
        parts.extend(self.variant.as_deref());
        parts.push(self.field.as_str());
        parts.extend(self.profile.as_deref());
        parts.join(" › ")
    }
}

/// The decisions of a project, sorted as the file keeps them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decisions {
    entries: Vec<DecisionEntry>,
}

impl Decisions {
    pub(crate) fn new(mut entries: Vec<DecisionEntry>) -> Self {
        sort(&mut entries);
        Self { entries }
    }

    pub(crate) fn entries(&self) -> &[DecisionEntry] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The decision on `finding` (current or stale), if there is one.
    #[cfg(test)]
    pub(crate) fn on(&self, finding: &Finding) -> Option<&DecisionEntry> {
        self.entries.iter().find(|e| e.is_decision_on(finding))
    }
}

/// The file's order: by place, then fingerprint and time so that two
/// decisions on one place (two findings there) never swap between writes.
fn sort(entries: &mut [DecisionEntry]) {
    entries.sort_by(|a, b| {
        (a.key(), &a.fingerprint, &a.at, &a.reviewer).cmp(&(
            b.key(),
            &b.fingerprint,
            &b.at,
            &b.reviewer,
        ))
    });
}

/// The `kind` of a [`Waiver`] for a decision that no longer matches.
pub(crate) const STALE: &str = "stale";
/// The `kind` of a [`Waiver`] that comes from an `allow:` entry of the variant.
pub(crate) const ALLOW: &str = "allow";

/// A short, stable hex digest of some text parts (separated so that
/// `("ab", "c")` and `("a", "bc")` differ).
pub(crate) fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a decision reviewed: the finding (rule and message) and the rendered
/// field it is about. Any change to either makes the decision stale.
pub(crate) fn fingerprint(finding: &Finding) -> String {
    digest(&[
        finding.rule.as_str(),
        &finding.message,
        &finding.reviewed_text,
    ])
}
