//! Synthesize: edge-case profiles, derived per campaign from the fields its
//! templates and audiences read.

use crate::config::Config;
use crate::project::ProfileRef;
use crate::template::CompiledCampaign;

/// The edge cases of one campaign.
#[derive(Clone, Debug, Default)]
pub struct EdgeSet {
    pub profiles: Vec<ProfileRef>,
    /// The per-campaign cap cut the list short.
    pub capped: bool,
}

/// Edge-case profiles for a campaign, made from its sample profiles.
pub fn synthesize(
    _compiled: &CompiledCampaign,
    _samples: &[ProfileRef],
    _config: &Config,
) -> EdgeSet {
    EdgeSet::default()
}

/// Profiles at each audience's own values, for reachability.
pub fn audience_probes(
    _compiled: &CompiledCampaign,
    _samples: &[ProfileRef],
    _config: &Config,
) -> Vec<ProfileRef> {
    Vec::new()
}
