//! Select: which variant a profile receives — the first whose audience matches.

use crate::project::{Campaign, Profile};

/// The index of the variant `profile` receives, or `None` when no variant's
/// audience admits it (and there is no catch-all).
pub fn select(campaign: &Campaign, profile: &Profile) -> Option<usize> {
    select_by(campaign, &profile.data)
}

/// [`select`] by a profile's data, or the part of it the audiences read.
pub(crate) fn select_by(campaign: &Campaign, data: &serde_json::Value) -> Option<usize> {
    campaign
        .variants
        .iter()
        .position(|v| v.audience.as_ref().is_none_or(|a| a.matches(data)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{campaign, profile};

    #[test]
    fn first_matching_variant_wins() {
        let c = campaign(
            "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: a\n    body: a\n  - id: all\n    subject: b\n    body: b\n  - id: late\n    audience: { field: tier, eq: gold }\n    subject: c\n    body: c\n",
        );
        assert_eq!(select(&c, &profile("tier: gold")), Some(0));
        assert_eq!(select(&c, &profile("tier: silver")), Some(1));
    }

    #[test]
    fn no_variant_without_catch_all() {
        let c = campaign(
            "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: a\n    body: a\n",
        );
        assert_eq!(select(&c, &profile("tier: silver")), None);
        assert_eq!(select(&c, &profile("{}")), None);
    }
}
