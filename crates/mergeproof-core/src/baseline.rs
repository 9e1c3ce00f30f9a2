//! Baselines: today's findings recorded (`lint --write-baseline FILE`), so a
//! team adopting mergeproof on existing templates fails CI only on what is
//! new (`lint --baseline FILE`). A finding is matched by the fingerprint
//! SARIF gives it: what it is (rule, campaign, variant, profile, field and
//! message), never where the project sits or when it ran.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::finding::Waiver;
use crate::run::Run;

pub(crate) const VERSION: u32 = 1;

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

/// One recorded finding, with what a person needs to recognise it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub fingerprint: String,
    pub rule: String,
    pub campaign: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    pub field: String,
}

/// What a baseline did to a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Findings in the baseline: accepted.
    pub accepted: usize,
    /// Baseline entries no finding matches any more: fixed.
    pub fixed: Vec<Entry>,
}

impl Baseline {
    /// Every active finding of a run.
    pub fn of(run: &Run) -> Baseline {
        let mut findings: Vec<Entry> = run
            .findings()
            .filter(|f| !f.waived)
            .map(|f| Entry {
                fingerprint: crate::report::sarif::fingerprint(f),
                rule: f.rule.as_str().to_string(),
                campaign: f.campaign.to_string(),
                variant: f.variant.as_deref().map(str::to_string),
                profile: f.profile.clone(),
                field: f.field.as_str().to_string(),
            })
            .collect();
        findings.sort_by(|a, b| {
            (&a.campaign, &a.rule, &a.fingerprint).cmp(&(&b.campaign, &b.rule, &b.fingerprint))
        });
        findings.dedup_by(|a, b| a.fingerprint == b.fingerprint);
        Baseline {
            version: VERSION,
            findings,
        }
    }

    pub fn parse(text: &str) -> Result<Baseline, String> {
        let baseline: Baseline = serde_json::from_str(text).map_err(|e| {
            format!(
                "not a baseline written by `lint --write-baseline` (line {}, column {}: {e})",
                e.line(),
                e.column()
            )
        })?;
        if baseline.version != VERSION {
            return Err(format!(
                "baseline version {} is not {VERSION}: write it again with `lint --write-baseline`",
                baseline.version
            ));
        }
        Ok(baseline)
    }

    /// Accepts the run's findings that the baseline holds (kind `baseline`),
    /// and says which of its entries are fixed.
    pub fn apply(&self, run: &mut Run) -> Applied {
        let mut unmatched: BTreeMap<&str, &Entry> = self
            .findings
            .iter()
            .map(|e| (e.fingerprint.as_str(), e))
            .collect();
        let known: std::collections::HashSet<&str> = self
            .findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect();
        let mut accepted = 0;
        for campaign in &mut run.campaigns {
            for f in &mut campaign.findings {
                if f.waived {
                    continue;
                }
                let print = crate::report::sarif::fingerprint(f);
                if known.contains(print.as_str()) {
                    unmatched.remove(print.as_str());
                    f.waived = true;
                    f.waiver = Some(Box::new(Waiver {
                        kind: BASELINE.into(),
                        reason: "in the baseline".into(),
                        reviewer: None,
                        at: None,
                    }));
                    accepted += 1;
                }
            }
        }
        run.baseline_applied = true;
        Applied {
            accepted,
            fixed: unmatched.into_values().cloned().collect(),
        }
    }
}

pub(crate) use crate::finding::BASELINE_WAIVER as BASELINE;
