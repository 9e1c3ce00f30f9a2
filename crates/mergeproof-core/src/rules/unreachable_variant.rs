//! `unreachable-variant`: no profile can ever receive this variant.
//!
//! A profile receives the first variant whose audience admits it, so a
//! variant is dead when:
//! - it comes after a catch-all (a variant without audience);
//! - an earlier audience admits everyone its own audience admits (the same
//!   audience, a looser one such as `in: [gold, platinum]` before
//!   `eq: gold`, or one of its own conditions alone);
//! - nothing that is tried receives it: no sample profile, no edge profile,
//!   no probe (profiles synthesized at the audiences' own thresholds), and
//!   no witness, a profile this rule builds from the variant's own audience
//!   values on top of an empty profile and of the first 32 sample profiles.
//!
//! Reachability is decided once per campaign ([`super::reach`]) and shared
//! with `uncovered-variant`, so that one variant is never reported as both.

use crate::finding::{Field, Severity};

use crate::rule_id::RuleId;

use super::reach::{Reach, Why};
use super::{CampaignContext, Draft, Rule, RuleDoc};

pub(super) struct UnreachableVariant;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::UnreachableVariant,
    default_severity: Severity::Error,
    summary: "No profile can ever receive this variant: it comes after a catch-all, an earlier variant's audience covers it, or its audience can never match.",
    why: "Variants are tried in order and the first match wins. A variant listed after the catch-all, or after a looser audience, is written, reviewed and approved, and never sent: the segment it was made for gets the generic version.",
    example: "variants:\n  - id: everyone          # no audience: the catch-all\n  - id: android           # never reached\n    audience: { field: device, eq: android }",
    fix: "Move the variant above the catch-all or above the looser audience that takes its profiles, fix a contradictory audience (`age gt 30` and `age lt 20`), or delete the variant.",
    fix_in: None,
    accept: "When the variant is parked on purpose (kept for next season), add to it:\n  allow:\n    - { rule: unreachable-variant, reason: \"…why…\" }",
};

impl Rule for UnreachableVariant {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_campaign(&self, cx: &CampaignContext<'_>, out: &mut Vec<Draft>) {
        let variants = &cx.campaign.campaign.variants;
        for (vi, reach) in cx.reach().iter().enumerate() {
            let Reach::Never(why) = reach else {
                continue;
            };
            let v = &variants[vi];
            let at_audience = v.audience_loc.clone().unwrap_or_else(|| v.loc.clone());
            let (message, loc) = match why {
                &Why::AfterCatchAll(j) => (
                    format!(
                        "variant `{}` comes after the catch-all `{}` (no audience), which every profile receives first",
                        v.id, variants[j].id
                    ),
                    v.loc.clone(),
                ),
                &Why::Covered(j) => (
                    format!(
                        "every profile the audience of `{}` admits is admitted first by the audience of `{}`, listed earlier",
                        v.id, variants[j].id
                    ),
                    at_audience,
                ),
                Why::NeverMatches => (
                    format!(
                        "the audience of `{}` can never match: no sample, edge case or profile built from its own values satisfies it",
                        v.id
                    ),
                    at_audience,
                ),
                Why::Shadowed => (
                    format!(
                        "no profile receives `{}`: every sample, edge case and profile built from its audience's values receives an earlier variant first",
                        v.id
                    ),
                    at_audience,
                ),
            };
            let mut draft = cx.draft(DOC.id, Field::Audience, message, loc);
            draft.variant = Some(vi);
            out.push(draft);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::check_campaign_with;

    const DEVICES: &str = "variants:\n  - id: iphone\n    audience: { field: device, eq: iphone }\n    subject: a\n    body: a\n  - id: imac\n    audience: { field: device, eq: imac }\n    subject: b\n    body: b\n  - id: everyone\n    subject: c\n    body: c\n  - id: android\n    audience: { field: device, eq: android }\n    subject: d\n    body: d\n";

    #[test]
    fn fires_after_the_catch_all_only() {
        let f = check_campaign_with(
            "unreachable-variant",
            DEVICES,
            &["device: iphone", "device: android"],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].variant, Some(3));
        assert!(f[0].profile.is_none());
        assert!(
            f[0].message.contains("catch-all `everyone`"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].loc.line, 13);
        // `imac` has no sample but a witness reaches it: not unreachable.
    }

    #[test]
    fn fires_when_an_earlier_audience_covers_it() {
        let campaign = "variants:\n  - id: members\n    audience: { field: tier, in: [gold, platinum] }\n    subject: a\n    body: a\n  - id: gold\n    audience: { all: [ { field: tier, eq: gold }, { field: age, gte: 18 } ] }\n    subject: b\n    body: b\n  - id: rest\n    subject: c\n    body: c\n";
        let f = check_campaign_with("unreachable-variant", campaign, &["tier: gold\nage: 40"]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].variant, Some(1));
        assert!(f[0].message.contains("first by the audience of `members`"));
        assert_eq!(f[0].loc.line, 7);
    }

    #[test]
    fn fires_on_an_audience_that_can_never_match() {
        let campaign = "variants:\n  - id: odd\n    audience: { all: [ { field: age, gt: 30 }, { field: age, lt: 20 } ] }\n    subject: a\n    body: a\n  - id: rest\n    subject: c\n    body: c\n";
        let f = check_campaign_with("unreachable-variant", campaign, &["age: 25", "age: 40"]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("can never match"), "{}", f[0].message);
    }

    #[test]
    fn fires_when_earlier_variants_together_take_every_profile() {
        // Neither earlier audience covers `late` alone; together they do.
        let campaign = "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: a\n    body: a\n  - id: others\n    audience: { field: tier, ne: gold }\n    subject: b\n    body: b\n  - id: late\n    audience: { field: tier, exists: true }\n    subject: c\n    body: c\n";
        let f = check_campaign_with("unreachable-variant", campaign, &["tier: gold", "age: 3"]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("earlier variant first"),
            "{}",
            f[0].message
        );
    }

    /// Ages 25–40, then 35–55, then 25–45: the third is taken by the first
    /// two together (shown by cutting it at 35 and 40, without a probe);
    /// with a gap at 40 it is not.
    fn age_bands(second_from: &str) -> String {
        let band = |id: &str, from: &str, to: &str| {
            format!(
                "  - id: {id}\n    audience: {{ all: [ {{ field: age, gte: {from} }}, {{ field: age, lt: {to} }} ] }}\n    subject: s\n    body: b\n"
            )
        };
        format!(
            "variants:\n{}{}{}  - id: rest\n    subject: r\n    body: r\n",
            band("young", "25", "40"),
            band("older", second_from, "55"),
            band("late", "25", "45")
        )
    }

    #[test]
    fn fires_when_earlier_ranges_together_take_every_age() {
        let f = check_campaign_with(
            "unreachable-variant",
            &age_bands("35"),
            &["age: 30", "age: 50"],
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].variant, Some(2));
        assert!(
            f[0].message.contains("earlier variant first"),
            "{}",
            f[0].message
        );
        // Ages 40 up to 41 reach `late` when the second band starts at 41.
        let f = check_campaign_with(
            "unreachable-variant",
            &age_bands("41"),
            &["age: 30", "age: 50"],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn does_not_fire_for_variants_someone_receives() {
        let f = check_campaign_with(
            "unreachable-variant",
            "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: a\n    body: a\n  - id: rest\n    subject: b\n    body: b\n",
            &["tier: silver"],
        );
        assert!(f.is_empty(), "{f:?}");
    }
}
