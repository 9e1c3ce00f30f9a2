//! What the TUI shows, derived from an engine run: one entry per campaign
//! file. When a file stops loading, its entry keeps the last run that did load
//! (the "last good state") next to the errors of the file as it is now.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use mergeproof_core::engine::{CampaignRun, Run};
use mergeproof_core::finding::{ProfileKind, Tally};
use mergeproof_core::source::LoadError;

/// Findings counted for the campaigns pane and the status bar: the engine's
/// one tally.
pub type Counts = Tally;

/// A campaign run with its findings indexed by profile, built once per reload
/// so that moving around the matrix never scans every finding.
#[derive(Debug)]
pub struct Checked {
    pub run: CampaignRun,
    /// Parallel to `run.profiles`: indices into `run.findings`.
    pub by_profile: Vec<Vec<usize>>,
    /// Findings about the campaign or a variant as a whole (no profile).
    pub about_campaign: Vec<usize>,
    /// Counts over sample profiles and the campaign as a whole.
    pub counts_samples: Counts,
    /// Counts over edge-case profiles only.
    pub counts_edge: Counts,
    /// Problems (defects with an active finding), without and with the
    /// edge cases: counted as `lint` counts them.
    pub problems_samples: usize,
    pub problems_all: usize,
    /// The longest profile id, in characters (the matrix sizes its first
    /// column by it without measuring every id on every frame).
    pub longest_id: usize,
}

impl Checked {
    pub fn new(run: CampaignRun) -> Checked {
        let position: HashMap<&str, usize> = run
            .profiles
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        let mut by_profile = vec![Vec::new(); run.profiles.len()];
        let mut about_campaign = Vec::new();
        let mut counts_samples = Counts::default();
        let mut counts_edge = Counts::default();
        for (fi, f) in run.findings.iter().enumerate() {
            match f.profile.as_deref().and_then(|p| position.get(p)) {
                Some(&pi) => by_profile[pi].push(fi),
                None => about_campaign.push(fi),
            }
            if f.profile_kind == Some(ProfileKind::Edge) {
                counts_edge.add(f);
            } else {
                counts_samples.add(f);
            }
        }
        let problems_all = mergeproof_core::finding::count_problems(&run.findings);
        let problems_samples = mergeproof_core::finding::count_problems(
            run.findings
                .iter()
                .filter(|f| f.profile_kind != Some(ProfileKind::Edge)),
        );
        let longest_id = run
            .profiles
            .iter()
            .map(|p| p.id.chars().count())
            .max()
            .unwrap_or(0);
        Checked {
            longest_id,
            run,
            by_profile,
            about_campaign,
            counts_samples,
            counts_edge,
            problems_samples,
            problems_all,
        }
    }

    pub fn counts(&self, edge_cases: bool) -> Counts {
        if edge_cases {
            self.counts_samples + self.counts_edge
        } else {
            self.counts_samples
        }
    }

    pub fn problems(&self, edge_cases: bool) -> usize {
        if edge_cases {
            self.problems_all
        } else {
            self.problems_samples
        }
    }

    pub fn variant_index(&self, id: &str) -> Option<usize> {
        self.run
            .compiled
            .campaign
            .variants
            .iter()
            .position(|v| v.id == id)
    }

    pub fn variant_ids(&self) -> impl Iterator<Item = &str> {
        self.run
            .compiled
            .campaign
            .variants
            .iter()
            .map(|v| v.id.as_str())
    }
}

/// One campaign file as the TUI shows it.
#[derive(Clone, Debug)]
pub struct CampaignEntry {
    pub id: String,
    /// The campaign file, relative to the project folder.
    pub file: String,
    /// The latest run that loaded: current when `errors` is empty, else the
    /// last good state.
    pub checked: Option<Arc<Checked>>,
    /// Why the file does not load now (empty when it does).
    pub errors: Vec<LoadError>,
}

impl CampaignEntry {
    pub fn is_broken(&self) -> bool {
        !self.errors.is_empty()
    }

    pub fn name(&self) -> Option<&str> {
        self.checked
            .as_ref()
            .and_then(|c| c.run.compiled.campaign.name.as_deref())
    }
}

/// The campaign entries of a new run, keeping the last good state of every
/// campaign whose file no longer loads, and the load errors that belong to no
/// campaign (config, profiles, partials).
pub fn entries_from(run: Run, previous: &[CampaignEntry]) -> (Vec<CampaignEntry>, Vec<LoadError>) {
    let mut entries: Vec<CampaignEntry> = Vec::new();
    for campaign in run.campaigns {
        entries.push(CampaignEntry {
            id: campaign.id().to_string(),
            file: campaign.compiled.campaign.file.clone(),
            checked: Some(Arc::new(Checked::new(campaign))),
            errors: Vec::new(),
        });
    }
    for broken in &run.broken_campaigns {
        let earlier = previous.iter().find(|e| e.file == broken.file);
        let id = earlier.map(|e| e.id.clone()).unwrap_or_else(|| {
            Path::new(&broken.file)
                .file_stem()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_else(|| broken.file.clone())
        });
        let errors = if broken.errors.is_empty() {
            vec![LoadError::in_file(
                &broken.file,
                "this campaign does not load",
            )]
        } else {
            broken.errors.clone()
        };
        entries.push(CampaignEntry {
            id,
            file: broken.file.clone(),
            checked: earlier.and_then(|e| e.checked.clone()),
            errors,
        });
    }
    entries.sort_by(|a, b| a.file.cmp(&b.file).then_with(|| a.id.cmp(&b.id)));
    let project_errors = run
        .load_errors
        .into_iter()
        .filter(|e| !run.broken_campaigns.iter().any(|b| b.errors.contains(e)))
        .collect();
    (entries, project_errors)
}
