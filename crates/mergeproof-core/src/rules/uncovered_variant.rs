//! `uncovered-variant`: no sample profile receives this variant, though a
//! synthesized one does (an edge case, a probe at the audience's thresholds,
//! or a profile built from the audience's values): "more segments than
//! customers". Nobody reviews it with realistic data.
//!
//! Reachability is decided once, with `unreachable-variant`: a variant nobody
//! can receive is reported there, never here as well.

use crate::finding::{Field, Fix, Severity};

use super::reach::Reach;
use crate::rule_id::RuleId;

use super::{CampaignContext, Draft, Rule, RuleDoc};

pub(super) struct UncoveredVariant;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::UncoveredVariant,
    default_severity: Severity::Warning,
    summary: "No sample profile receives this variant, so nobody reviews it with realistic data; only edge profiles reach it.",
    why: "A variant for iMac owners when no sample profile owns an iMac is never previewed with a real-looking customer. Its first real reader is a real customer, and whatever is wrong with it goes out unseen.",
    example: "variants:\n  - id: imac\n    audience: { field: device, eq: imac }\nsample-profiles: devices iphone, ipad, android, desktop; nobody has an iMac",
    fix: "Add a sample profile in sample-profiles/ that matches the variant's audience (a customer with `device: imac`), or drop the segment if nobody is in it.",
    fix_in: None,
    accept: "When the segment is real but has no sample on purpose, add to the variant:\n  allow:\n    - { rule: uncovered-variant, reason: \"…why…\" }",
};

impl Rule for UncoveredVariant {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_campaign(&self, cx: &CampaignContext<'_>, out: &mut Vec<Draft>) {
        let variants = &cx.campaign.campaign.variants;
        for (vi, reach) in cx.reach().iter().enumerate() {
            let Reach::Synthetic(who) = reach else {
                continue;
            };
            let v = &variants[vi];
            let mut draft = cx.draft(
                DOC.id,
                Field::Audience,
                format!(
                    "no sample profile receives `{}`; only synthesized profiles do ({who}), so nobody reviews it with realistic data",
                    v.id
                ),
                v.audience_loc.clone().unwrap_or_else(|| v.loc.clone()),
            );
            draft.variant = Some(vi);
            // Written for this variant: the general fix's iMac is the
            // documentation's example, not this campaign's segment.
            draft.fix = Some(std::sync::Arc::new(Fix::advice(match v.audience {
                Some(_) => format!(
                    "Add a sample profile in sample-profiles/ that the audience of `{}` admits and no earlier variant takes first, like {who}, or drop the segment if nobody is in it.",
                    v.id
                ),
                None => format!(
                    "Add a sample profile in sample-profiles/ that no earlier variant's audience admits, like {who}, so that the catch-all `{}` is reviewed with realistic data.",
                    v.id
                ),
            })));
            out.push(draft);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::{
        check_campaign_with, check_campaign_with_probes, edge_profile, named_profile,
    };

    const DEVICES: &str = "variants:\n  - id: iphone\n    audience: { field: device, eq: iphone }\n    subject: a\n    body: a\n  - id: imac\n    audience: { field: device, eq: imac }\n    subject: b\n    body: b\n  - id: everyone\n    subject: c\n    body: c\n  - id: android\n    audience: { field: device, eq: android }\n    subject: d\n    body: d\n";

    #[test]
    fn fires_for_a_segment_without_a_sample() {
        let f = check_campaign_with(
            "uncovered-variant",
            DEVICES,
            &["device: iphone", "device: desktop"],
        );
        // `android` is unreachable, not uncovered.
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].variant, Some(1));
        assert!(f[0].profile.is_none());
        assert!(
            f[0].message.contains("device = \"imac\""),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].loc.line, 7);
        let fix = &f[0].fix.as_ref().expect("its own fix").text;
        assert!(fix.contains("the audience of `imac` admits"), "{fix}");
        assert!(fix.contains("device = \"imac\""), "{fix}");
    }

    #[test]
    fn does_not_fire_when_a_sample_receives_it() {
        let f = check_campaign_with(
            "uncovered-variant",
            DEVICES,
            &["device: iphone", "device: imac", "device: desktop"],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn an_edge_profile_or_a_probe_counts_as_synthetic() {
        let sample = std::sync::Arc::new(named_profile("s", "device: iphone"));
        let edge = edge_profile("edge:device=imac", "device: imac");
        let f =
            check_campaign_with_probes("uncovered-variant", DEVICES, &[sample.clone(), edge], &[]);
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(
            f[0].message.contains("(edge:device=imac)"),
            "{}",
            f[0].message
        );
        // Nobody sampled receives the catch-all either: an empty profile does.
        assert_eq!(f[1].variant, Some(2));
        assert!(
            f[1].message.contains("(an empty profile)"),
            "{}",
            f[1].message
        );
        let fix = &f[1].fix.as_ref().expect("its own fix").text;
        assert!(
            fix.contains("like an empty profile, so that the catch-all `everyone`"),
            "{fix}"
        );

        let probe = edge_profile("probe:device=imac", "device: imac");
        let f = check_campaign_with_probes("uncovered-variant", DEVICES, &[sample], &[probe]);
        assert!(
            f[0].message.contains("(probe:device=imac)"),
            "{}",
            f[0].message
        );
    }
}
