//! Probes for reachability: profiles made at the audiences' own values, so the
//! reachability rules can tell "nothing can ever receive this variant" from
//! "no sample profile receives it". They are made even when edge cases are
//! switched off, and are only selected, never rendered.
//!
//! Two kinds:
//! - single changes: from each sample base, each audience leaf's values (just
//!   below, at and above a threshold; each `eq`/`in` value and one outside;
//!   `exists` both ways; `contains` with and without);
//! - witnesses: for each variant, profiles built to receive it — its audience
//!   true and every earlier variant's audience false — one per way of making
//!   that hold (the condition in disjunctive normal form). These reach
//!   variants whose audience needs two fields at once that no sample has.
//!
//! Which variant a profile receives depends only on which audience leaves hold
//! for it, so sample profiles alike in that are one base: the first of them
//! stands for the others. For the same reason a probe holds only the
//! top-level fields the audiences read; two probes are still merged only when
//! the whole profiles they stand for are identical.

use std::collections::HashSet;
use std::ops::ControlFlow;

use serde_json::{Map, Value};

use crate::audience::{Leaf, value_at};
use crate::project::{Profile, ProfileRef};
use crate::template::CompiledCampaign;

use super::cases::leaf_points;
use super::edit::PathEdit;
use super::scope::Scope;
use super::solve::{receive_terms, witness};
use super::{Base, Builder};

/// At most this many distinct bases (by the audience leaves that hold for them)
/// are probed; beyond it, more bases rarely reach a variant the first did not.
pub(super) const MAX_PROBE_BASES: usize = 16;

/// Profiles synthesized at each audience's own values, for reachability.
#[cfg(test)]
pub(crate) fn audience_probes(
    compiled: &CompiledCampaign,
    samples: &[ProfileRef],
) -> Vec<ProfileRef> {
    let mut probes = Vec::new();
    audience_probes_until(compiled, samples, |p| {
        probes.push(p.clone());
        ControlFlow::Continue(())
    });
    probes
}

/// Hands `each` every profile [`audience_probes`] makes, in the order it
/// makes them, as it makes each, until `each` says to stop: what the reach
/// rules look for in them (the first that receives each variant no sample
/// receives) is often among the first few of hundreds.
pub(crate) fn audience_probes_until(
    compiled: &CompiledCampaign,
    samples: &[ProfileRef],
    mut each: impl FnMut(&ProfileRef) -> ControlFlow<()>,
) {
    let campaign = &compiled.campaign;
    let mut builder = Builder::new(samples, &campaign.file);
    let leaves: Vec<&Leaf> = campaign
        .variants
        .iter()
        .flat_map(|v| v.audience.iter().flat_map(|a| a.leaves()))
        .collect();
    let bases = representatives(samples, &leaves);
    // Probes are only selected, and selection reads only the fields the
    // audiences name: each probe is made from (and keeps) those fields of its
    // base alone, which spares copying the rest of the profile for every one.
    let scope = Scope::of_paths(leaves.iter().map(|l| l.field.as_str()), &bases);
    let empty = Value::Object(Map::new());
    let parts: Vec<Value> = bases
        .iter()
        .map(|b| scope.part(b.map_or(&empty, |p| &p.data)))
        .collect();
    let rests = scope.rests(&bases);
    let bases: Vec<Base<'_>> = bases
        .iter()
        .zip(&parts)
        .zip(rests)
        .map(|((profile, data), rest)| Base {
            profile: *profile,
            data,
            rest,
        })
        .collect();

    for leaf in &leaves {
        for base in &bases {
            let current = value_at(base.data, &leaf.field);
            for p in leaf_points(&leaf.op, current) {
                let edits = [PathEdit {
                    path: leaf.field.clone(),
                    edit: p.edit,
                }];
                if let Some(candidate) = builder.candidate(*base, &edits)
                    && let Some(probe) =
                        builder.add(candidate, &format!("{}={}", leaf.field, p.label), None)
                    && each(probe).is_break()
                {
                    return;
                }
            }
        }
    }

    // The first sample (the empty profile without samples) is the first base.
    let witness_base = bases[0];
    for (k, variant) in campaign.variants.iter().enumerate() {
        for term in receive_terms(campaign, k) {
            if let Some(case) = witness(&term, witness_base, &variant.id)
                && let Some(candidate) = builder.candidate(witness_base, &case.edits)
                && let Some(probe) = builder.add(candidate, &case.change, None)
                && each(probe).is_break()
            {
                return;
            }
        }
    }
}

/// The first sample profile of each distinct combination of audience leaves
/// that hold for it; the empty profile when there are no samples. A change to
/// one field gives the same selection from any two samples alike in that way.
fn representatives<'a>(samples: &'a [ProfileRef], leaves: &[&Leaf]) -> Vec<Option<&'a Profile>> {
    if samples.is_empty() {
        return vec![None];
    }
    let mut seen: HashSet<Vec<bool>> = HashSet::new();
    let mut out = Vec::new();
    for s in samples {
        let key: Vec<bool> = leaves.iter().map(|l| l.matches(&s.data)).collect();
        if seen.insert(key) {
            out.push(Some(&**s));
            if out.len() == MAX_PROBE_BASES {
                break;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{compiled, named_profiles};

    fn probes_for(campaign: &str, samples: &[&str]) -> (CompiledCampaign, Vec<ProfileRef>) {
        let c = compiled(campaign);
        let probes = audience_probes(&c, &named_profiles("s", samples));
        (c, probes)
    }

    fn receivers(c: &CompiledCampaign, probes: &[ProfileRef], variant: &str) -> Vec<String> {
        let vi = c
            .campaign
            .variants
            .iter()
            .position(|v| v.id == variant)
            .unwrap();
        probes
            .iter()
            .filter(|p| crate::select::select(&c.campaign, p) == Some(vi))
            .map(|p| p.id.clone())
            .collect()
    }

    #[test]
    fn probes_are_named_but_not_described() {
        // Probes are only selected: their descriptions would be written for
        // no one (a run's reach rules make thousands).
        let (_, probes) = probes_for(DEVICES, &["device: iphone"]);
        assert!(
            probes.iter().any(|p| p.id.starts_with("edge:device=")),
            "{probes:?}"
        );
        assert!(probes.iter().all(|p| p.description.is_none()));
    }

    const DEVICES: &str = "variants:\n  - id: iphone\n    audience: { field: device, eq: iphone }\n    subject: a\n    body: a\n  - id: imac\n    audience: { field: device, eq: imac }\n    subject: b\n    body: b\n  - id: everyone\n    subject: c\n    body: c\n  - id: android\n    audience: { field: device, eq: android }\n    subject: d\n    body: d\n";

    #[test]
    fn a_variant_no_sample_receives_is_reached_by_a_probe() {
        let (c, probes) = probes_for(DEVICES, &["device: iphone", "device: android"]);
        assert!(receivers(&c, &probes, "imac").contains(&"edge:device=imac".to_string()));
        // Listed after the catch-all: nothing ever receives it.
        assert!(receivers(&c, &probes, "android").is_empty());
        assert!(
            probes
                .iter()
                .all(|p| p.kind == crate::finding::ProfileKind::Edge)
        );
    }

    #[test]
    fn probes_work_without_samples() {
        let (c, probes) = probes_for(DEVICES, &[]);
        assert!(!receivers(&c, &probes, "iphone").is_empty());
        assert!(!receivers(&c, &probes, "imac").is_empty());
        assert!(!receivers(&c, &probes, "everyone").is_empty());
        assert!(receivers(&c, &probes, "android").is_empty());
    }

    #[test]
    fn witnesses_reach_an_audience_needing_two_fields_no_sample_has() {
        let campaign = "variants:\n  - id: gold-imac\n    audience:\n      all:\n        - { field: tier, eq: gold }\n        - { field: device, eq: imac }\n    subject: a\n    body: a\n  - id: rest\n    subject: b\n    body: b\n";
        let (c, probes) = probes_for(campaign, &["tier: silver\ndevice: iphone"]);
        let reached = receivers(&c, &probes, "gold-imac");
        assert_eq!(reached, ["edge:tier=gold+device=imac"], "{probes:#?}");
    }

    #[test]
    fn shadowed_audiences_stay_unreachable() {
        // Everyone 18+ gets `adults`; `over-21` comes after it and is covered.
        let campaign = "variants:\n  - id: adults\n    audience: { field: age, gte: 18 }\n    subject: a\n    body: a\n  - id: over-21\n    audience: { field: age, gte: 21 }\n    subject: b\n    body: b\n  - id: rest\n    subject: c\n    body: c\n";
        let (c, probes) = probes_for(campaign, &["age: 30", "age: 12"]);
        assert!(receivers(&c, &probes, "over-21").is_empty(), "{probes:#?}");
        assert!(!receivers(&c, &probes, "adults").is_empty());
        assert!(!receivers(&c, &probes, "rest").is_empty());
    }

    #[test]
    fn a_range_is_reached_through_its_midpoint() {
        let campaign = "variants:\n  - id: narrow\n    audience:\n      all:\n        - { field: score, gt: 10 }\n        - { field: score, lt: 11 }\n    subject: a\n    body: a\n";
        let (c, probes) = probes_for(campaign, &["score: 3"]);
        assert_eq!(receivers(&c, &probes, "narrow"), ["edge:score=10.5"]);
    }

    #[test]
    fn an_audience_that_can_never_match_has_no_receiver() {
        let campaign = "variants:\n  - id: never\n    audience:\n      all:\n        - { field: tier, eq: gold }\n        - { field: tier, eq: silver }\n    subject: a\n    body: a\n  - id: rest\n    subject: b\n    body: b\n";
        let (c, probes) = probes_for(campaign, &["tier: gold", "tier: silver"]);
        assert!(receivers(&c, &probes, "never").is_empty());
    }

    #[test]
    fn samples_alike_on_audience_fields_are_one_base() {
        let many: Vec<String> = (0..40)
            .map(|i| format!("device: iphone\nfirst_name: N{i}"))
            .collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let (_, probes) = probes_for(DEVICES, &refs);
        let bases: HashSet<&str> = probes
            .iter()
            .filter_map(|p| p.edge.as_ref().map(|e| e.base.as_str()))
            .collect();
        assert_eq!(bases, HashSet::from(["s0"]));
    }

    #[test]
    fn probes_hold_the_audience_fields_and_merge_as_whole_profiles() {
        let gold = "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: a\n    body: a\n  - id: rest\n    subject: b\n    body: b\n";
        let tier_gold = |probes: &[ProfileRef]| -> Vec<String> {
            probes
                .iter()
                .filter(|p| p.edge.as_ref().is_some_and(|e| e.change == "tier=gold"))
                .map(|p| p.id.clone())
                .collect()
        };
        // Alike but for the tier: made gold, the second is the first again.
        let (_, probes) = probes_for(gold, &["tier: gold\nname: Ann", "tier: silver\nname: Ann"]);
        assert_eq!(tier_gold(&probes), ["edge:tier=gold"]);
        // A name apart: two profiles, though the probes only hold the tier.
        let (_, probes) = probes_for(gold, &["tier: gold\nname: Ann", "tier: silver\nname: Bob"]);
        assert_eq!(tier_gold(&probes), ["edge:tier=gold", "edge:tier=gold@s1"]);
        assert!(
            probes.iter().all(|p| p.data.get("name").is_none()),
            "{probes:#?}"
        );
    }

    #[test]
    fn an_audience_on_the_whole_profile_keeps_whole_probes() {
        let whole = "variants:\n  - id: any\n    audience: { field: \".\", exists: true }\n    subject: a\n    body: a\n";
        let (_, probes) = probes_for(whole, &["tier: gold\nname: Ann"]);
        assert!(!probes.is_empty());
        assert!(
            probes.iter().all(|p| p.data.get("name").is_some()),
            "{probes:#?}"
        );
    }

    #[test]
    fn the_first_receivers_are_the_first_of_every_probe() {
        let campaign = "variants:\n  - id: gold-imac\n    audience:\n      all:\n        - { field: tier, eq: gold }\n        - { field: device, eq: imac }\n    subject: a\n    body: a\n  - id: iphone\n    audience: { field: device, eq: iphone }\n    subject: b\n    body: b\n  - id: imac\n    audience: { field: device, eq: imac }\n    subject: c\n    body: c\n  - id: rest\n    subject: d\n    body: d\n  - id: after\n    audience: { field: tier, eq: silver }\n    subject: e\n    body: e\n";
        for samples in [
            &["tier: silver\ndevice: iphone"][..],
            &[],
            &["device: imac", "tier: gold"],
        ] {
            let (c, probes) = probes_for(campaign, samples);
            let profiles = named_profiles("s", samples);
            let wanted = [0, 2, 4];
            let first = crate::rules::Probes::from_samples(&profiles).first_receivers(&c, &wanted);
            let expected: Vec<Option<String>> = wanted
                .iter()
                .map(|vi| {
                    receivers(&c, &probes, &c.campaign.variants[*vi].id)
                        .first()
                        .cloned()
                })
                .collect();
            assert_eq!(first, expected, "{samples:?}");
        }
    }

    #[test]
    fn probes_are_made_until_each_wanted_variant_has_one() {
        let (c, probes) = probes_for(DEVICES, &["device: android"]);
        let imac = receivers(&c, &probes, "imac");
        let first = probes.iter().position(|p| p.id == imac[0]).unwrap();
        let mut handed = 0;
        audience_probes_until(&c, &named_profiles("s", &["device: android"]), |p| {
            handed += 1;
            if crate::select::select(&c.campaign, p) == Some(1) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        assert_eq!(handed, first + 1);
        assert!(handed < probes.len(), "{probes:#?}");
    }

    #[test]
    fn probes_are_deterministic() {
        let a: Vec<String> = probes_for(DEVICES, &["device: iphone"])
            .1
            .iter()
            .map(|p| p.id.clone())
            .collect();
        let b: Vec<String> = probes_for(DEVICES, &["device: iphone"])
            .1
            .iter()
            .map(|p| p.id.clone())
            .collect();
        assert_eq!(a, b);
    }
}
