//! Review: decisions that QA made on findings (approve or waive, with a
//! reason), kept in `mergeproof-reviews.yaml` and applied after the checks.
//!
//! A decision is attached to one finding by its key (rule, campaign, variant,
//! profile, field) and holds a fingerprint of what was reviewed: the rendered
//! field and the finding's rule and message. While the fingerprint matches, the
//! finding is waived (it does not fail `lint`, and `summary.waived` counts it).
//! Once the content changes the decision is stale: the finding is active again,
//! and the report names who decided and when. A decision whose finding is gone
//! altogether is obsolete: reported as a note, never a failure.
//!
//! The TUI calls [`ReviewStore`]: `open`, `decide`, `undo`; `lint` reads the
//! file with [`load`]. Either way the decisions are passed to
//! [`crate::engine::run`], which applies them through [`apply`].

mod store;
pub(crate) mod time;

use std::collections::HashMap;

pub use crate::decision::*;
use crate::run::Run;

pub use store::{REVIEWS_FILE, ReviewError, ReviewStore, load, load_for_run, reviewer_name};

/// Applies decisions to a run: matching ones waive their finding, stale ones
/// mark it, and the ones whose finding is gone become `run.obsolete_decisions`.
/// Applying again (after a decision changed) replaces the previous outcome;
/// `allow:` waivers from the campaign are kept and take precedence.
pub(crate) fn apply(run: &mut Run, decisions: &Decisions) {
    let entries = decisions.entries();
    let mut by_key: HashMap<DecisionKey, Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        by_key.entry(e.key()).or_default().push(i);
    }
    let mut used = vec![false; entries.len()];

    // First every exact match, so that of two findings on one place the one
    // that still matches its decision is never marked stale by it.
    let mut unmatched: Vec<(usize, usize)> = Vec::new();
    for (ci, campaign) in run.campaigns.iter_mut().enumerate() {
        for (fi, finding) in campaign.findings.iter_mut().enumerate() {
            if finding.waiver.as_ref().is_some_and(|w| w.kind != ALLOW) {
                finding.waiver = None;
                finding.waived = false;
            }
            // Without decisions, no finding's key is written out to look up.
            if by_key.is_empty() {
                continue;
            }
            let Some(candidates) = by_key.get(&DecisionKey::of(finding)) else {
                continue;
            };
            let print = fingerprint(finding);
            match candidates
                .iter()
                .find(|&&i| entries[i].fingerprint == print)
            {
                Some(&i) => {
                    used[i] = true;
                    if finding.waiver.is_none() {
                        finding.waived = true;
                        finding.waiver =
                            Some(Box::new(entries[i].waiver(entries[i].decision.as_str())));
                    }
                }
                None => unmatched.push((ci, fi)),
            }
        }
    }
    // Then each decision that matched nothing goes stale on one finding still
    // at its place.
    for (ci, fi) in unmatched {
        let finding = &mut run.campaigns[ci].findings[fi];
        if finding.waiver.is_some() {
            continue;
        }
        let candidates = by_key.get(&DecisionKey::of(finding));
        if let Some(&i) = candidates.and_then(|c| c.iter().find(|&&i| !used[i])) {
            used[i] = true;
            finding.waiver = Some(Box::new(entries[i].waiver(STALE)));
        }
    }
    run.obsolete_decisions = entries
        .iter()
        .zip(&used)
        .filter(|(e, used)| !**used && finding_could_be_reported(run, e))
        .map(|(e, _)| e.clone())
        .collect();
}

/// Whether this run would have reported the decision's finding if it still
/// existed: its campaign was checked, and its profile was among those checked
/// (edge-case profiles, named `edge:…`, are absent with `--no-edge-cases`).
/// When a campaign file failed to load, its decisions are not judged.
fn finding_could_be_reported(run: &Run, entry: &DecisionEntry) -> bool {
    let Some(campaign) = run.campaigns.iter().find(|c| c.id() == entry.campaign) else {
        return run.broken_campaigns.is_empty();
    };
    match entry.profile.as_deref() {
        Some(profile) if profile.starts_with("edge:") => {
            campaign.edge_profiles > 0 || campaign.profiles.iter().any(|p| p.id == profile)
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests;
