//! A checked project: what the check stage hands to review and then to the
//! reports and the TUI.

use std::sync::Arc;

use crate::finding::Finding;
use crate::project::{BrokenCampaign, ProfileRef};
use crate::source::LoadError;
use crate::template::CompiledCampaign;

/// One campaign checked against every profile.
#[derive(Debug)]
pub struct CampaignRun {
    pub compiled: Arc<CompiledCampaign>,
    /// Sample profiles first, then this campaign's edge cases.
    pub profiles: Vec<ProfileRef>,
    /// Parallel to `profiles`: the variant each receives.
    pub selection: Vec<Option<usize>>,
    pub findings: Vec<Finding>,
    pub edge_profiles: usize,
    /// The edge-case cap cut the list short.
    pub edge_capped: bool,
    pub renders: usize,
    /// Parallel to `profiles`, for an SMS: the parts the message each
    /// receives takes (`None` for other channels and for no variant).
    pub sms_parts: Vec<Option<usize>>,
    /// Parallel to `profiles`: what becomes of each cell at send time
    /// (sent for a profile no variant receives, which has no cell).
    pub outcomes: Vec<crate::template::Outcome>,
}

impl CampaignRun {
    pub fn id(&self) -> &str {
        &self.compiled.campaign.id
    }
}

/// Everything a report or the TUI shows.
#[derive(Debug)]
pub struct Run {
    pub campaigns: Vec<CampaignRun>,
    pub broken_campaigns: Vec<BrokenCampaign>,
    pub load_errors: Vec<LoadError>,
    pub sample_profiles: usize,
    /// Review decisions whose finding no longer exists (a note, not a failure).
    pub(crate) obsolete_decisions: Vec<crate::decision::DecisionEntry>,
    /// A baseline was applied (`lint --baseline`): SARIF says which findings
    /// are new.
    pub baseline_applied: bool,
}

impl Run {
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.campaigns.iter().flat_map(|c| c.findings.iter())
    }
}

/// Counts for a report's summary.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    pub campaigns: usize,
    pub variants: usize,
    pub profiles: usize,
    pub edge_profiles: usize,
    pub renders: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub waived: usize,
}

impl Run {
    pub fn summary(&self) -> Summary {
        use crate::finding::{Severity, Tally};
        let tally = Tally::of(self.findings());
        Summary {
            campaigns: self.campaigns.len(),
            variants: self
                .campaigns
                .iter()
                .map(|c| c.compiled.variants.len())
                .sum(),
            profiles: self.sample_profiles,
            edge_profiles: self.campaigns.iter().map(|c| c.edge_profiles).sum(),
            renders: self.campaigns.iter().map(|c| c.renders).sum(),
            errors: tally.active(Severity::Error),
            warnings: tally.active(Severity::Warning),
            infos: tally.active(Severity::Info),
            waived: tally.total_accepted(),
        }
    }
}
