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

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::ops::ControlFlow;

use serde_json::{Map, Value};

use crate::audience::{Leaf, value_at};
use crate::project::{Campaign, Profile, ProfileRef};
use crate::select::select_by;
use crate::template::CompiledCampaign;

use super::cases::leaf_points;
use super::edit::{Edit, PathEdit, apply_if};
use super::scope::Scope;
use super::solve::{receive_terms, witness};
use super::{Base, Builder, EDGE_PREFIX, identity, made_from};

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
/// makes them, as it makes each, until `each` says to stop. The reach rules
/// read only the names of some of them ([`first_probe_receivers`]); the
/// profiles made here are what the tests hold those names to.
#[cfg(test)]
pub(crate) fn audience_probes_until(
    compiled: &CompiledCampaign,
    samples: &[ProfileRef],
    mut each: impl FnMut(&ProfileRef) -> ControlFlow<()>,
) {
    let campaign = &compiled.campaign;
    let bases = ProbeBases::of(campaign, samples);
    let mut builder = Builder::new(samples, &campaign.file);
    bases.each_recipe(campaign, |base, edits, change| {
        let Some(candidate) = builder.candidate(bases.base(base), edits) else {
            return ControlFlow::Continue(());
        };
        match builder.add(candidate, &change(), None) {
            Some(probe) => each(probe),
            None => ControlFlow::Continue(()),
        }
    });
}

/// For each of `wanted` (variants of the campaign), the name of the first
/// profile `audience_probes_until` makes that receives it; `None` when
/// none does. The same names, found without making the probes.
///
/// Making, naming and keeping every probe was a tenth of `lint` on the
/// small benchmark project (16,000 probes for 52 campaigns), though only a
/// few names are wanted: the variants no sample receives are mostly
/// reached by the witnesses, which come after every other probe. Here each
/// probe's change is laid on its base, the variant it receives and the hash
/// of its data read, and the change taken off again. A name then depends
/// only on the probes before it whose changes could be named alike (with
/// the same [`name_root`]); those alone are told apart and named as the
/// builder tells them apart (by their base's `rest` and their data) and
/// names them (`Builder::unique_name`).
pub(crate) fn first_probe_receivers(
    compiled: &CompiledCampaign,
    samples: &[ProfileRef],
    wanted: &[usize],
) -> Vec<Option<String>> {
    let campaign = &compiled.campaign;
    let bases = ProbeBases::of(campaign, samples);
    // Each base as a probe's data holds it (cleaned as a profile's is).
    let mut cleaned: Vec<Value> = bases
        .parts
        .iter()
        .map(|part| made_from(part, &[]))
        .collect();
    // Every probe tried, in the order they are made, up to the last first
    // receiver: its base, its change and its data's hash. The first to
    // receive a variant is kept: one before it with its data would receive
    // the variant first.
    let mut tried: Vec<(usize, String, u64)> = Vec::new();
    let mut receiver_of: Vec<Option<usize>> = vec![None; wanted.len()];
    let mut left = wanted.len();
    bases.each_recipe(campaign, |base, edits, change| {
        let (selected, hash) = laid_on(campaign, &mut cleaned[base], &bases.parts[base], edits);
        if let Some(i) = wanted.iter().position(|w| Some(*w) == selected)
            && receiver_of[i].is_none()
        {
            receiver_of[i] = Some(tried.len());
            left -= 1;
        }
        tried.push((base, change(), hash));
        if left == 0 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    let Some(last) = receiver_of.iter().flatten().max().copied() else {
        return vec![None; wanted.len()];
    };
    tried.truncate(last + 1);

    // The probes that can be named as a receiver can: those whose changes
    // have a receiver's root.
    let roots: Vec<&str> = receiver_of
        .iter()
        .flatten()
        .map(|at| name_root(&tried[*at].1))
        .collect();
    let named: Vec<usize> = (0..tried.len())
        .filter(|&at| roots.contains(&name_root(&tried[at].1)))
        .collect();

    // Their data, and the data of every probe before them with the hash of
    // one of theirs, made again: whether one is kept depends on those.
    let hashes: HashSet<u64> = named.iter().map(|&at| tried[at].2).collect();
    let mut data: HashMap<usize, Value> = HashMap::new();
    let mut by_hash: HashMap<u64, Vec<usize>> = HashMap::new();
    let mut at = 0;
    bases.each_recipe(campaign, |base, edits, _| {
        let hash = tried[at].2;
        if hashes.contains(&hash) {
            data.insert(at, made_from(&bases.parts[base], edits));
            by_hash.entry(hash).or_default().push(at);
        }
        at += 1;
        if at == tried.len() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    // Kept: no probe before it has its base's `rest` and its data.
    let kept = |at: usize| {
        let (base, _, hash) = &tried[at];
        !by_hash[hash]
            .iter()
            .take_while(|before| **before < at)
            .any(|&before| {
                bases.rests[tried[before].0] == bases.rests[*base]
                    && identity::same_value(&data[&before], &data[&at])
            })
    };
    let mut namer = Builder::new(samples, &campaign.file);
    let mut names: HashMap<usize, String> = HashMap::new();
    for at in named {
        if kept(at) {
            let (base, change, _) = &tried[at];
            let base_id = bases.profiles[*base].map(|p| p.id.as_str());
            names.insert(
                at,
                namer.unique_name(&format!("{EDGE_PREFIX}{change}"), base_id),
            );
        }
    }
    receiver_of
        .iter()
        .map(|at| at.and_then(|at| names.get(&at).cloned()))
        .collect()
}

/// What every name `Builder::unique_name` can give a probe with this change
/// starts with, and no name of a change with another root can: it names a
/// probe `edge:` and its change, else that and `@base`, else that and `#n`.
/// Two changes can be named alike only when one is the other, or the other
/// followed by `@` or `#` and more; both are then the same up to their first
/// `@` or `#`.
fn name_root(change: &str) -> &str {
    change.find(['@', '#']).map_or(change, |at| &change[..at])
}

/// The variant a probe made from `part` with `edits` receives, and its
/// data's [`identity::data_hash`]. `cleaned` is `part` as a probe's data
/// holds it; one edit that leaves nothing for the cleaning to change
/// ([`crate::project::profile::cleaning_keeps`]) is laid on it and taken
/// off again, which leaves it as it was. Anything else is made as the probe
/// is.
fn laid_on(
    campaign: &Campaign,
    cleaned: &mut Value,
    part: &Value,
    edits: &[PathEdit],
) -> (Option<usize>, u64) {
    let read = |data: &Value| (select_by(campaign, data), identity::data_hash(data));
    let [edit] = edits else {
        return read(&made_from(part, edits));
    };
    let value = match &edit.edit {
        Edit::Remove => None,
        Edit::Set(value) => Some(value),
    };
    if !crate::project::profile::cleaning_keeps(&edit.path, value) {
        return read(&made_from(part, edits));
    }
    let result = Cell::new((None, 0));
    apply_if(cleaned, &edit.path, &edit.edit, |data| {
        result.set(read(data));
        false
    });
    result.get()
}

/// The bases probes are made from, and the audiences' leaves they are made
/// for.
struct ProbeBases<'a> {
    leaves: Vec<&'a Leaf>,
    profiles: Vec<Option<&'a Profile>>,
    /// Parallel to `profiles`: the fields of each that the audiences read.
    /// Probes are only selected, and selection reads only those: each probe
    /// is made from (and keeps) them alone, which spares copying the rest of
    /// the profile for every one.
    parts: Vec<Value>,
    rests: Vec<usize>,
}

impl<'a> ProbeBases<'a> {
    fn of(campaign: &'a Campaign, samples: &'a [ProfileRef]) -> Self {
        let leaves: Vec<&Leaf> = campaign
            .variants
            .iter()
            .flat_map(|v| v.audience.iter().flat_map(|a| a.leaves()))
            .collect();
        let profiles = representatives(samples, &leaves);
        let scope = Scope::of_paths(leaves.iter().map(|l| l.field.as_str()), &profiles);
        let empty = Value::Object(Map::new());
        let parts = profiles
            .iter()
            .map(|b| scope.part(b.map_or(&empty, |p| &p.data)))
            .collect();
        let rests = scope.rests(&profiles);
        ProbeBases {
            leaves,
            profiles,
            parts,
            rests,
        }
    }

    fn base(&self, i: usize) -> Base<'_> {
        Base {
            profile: self.profiles[i],
            data: &self.parts[i],
            rest: self.rests[i],
        }
    }

    /// Hands `each` every probe's recipe (its base's index, its changes and
    /// how to name them after `edge:`), in the order probes are made, until
    /// `each` says to stop: first each audience leaf's values on each base,
    /// then the witnesses.
    fn each_recipe(
        &self,
        campaign: &Campaign,
        mut each: impl FnMut(usize, &[PathEdit], &dyn Fn() -> String) -> ControlFlow<()>,
    ) {
        for leaf in &self.leaves {
            for (base, data) in self.parts.iter().enumerate() {
                let current = value_at(data, &leaf.field);
                for p in leaf_points(&leaf.op, current) {
                    let edits = [PathEdit {
                        path: leaf.field.clone(),
                        edit: p.edit,
                    }];
                    let change = || format!("{}={}", leaf.field, p.label);
                    if each(base, &edits, &change).is_break() {
                        return;
                    }
                }
            }
        }
        // The first sample (the empty profile without samples) is the first
        // base.
        for (k, variant) in campaign.variants.iter().enumerate() {
            for term in receive_terms(campaign, k) {
                if let Some(case) = witness(&term, self.base(0), &variant.id)
                    && each(0, &case.edits, &|| case.change.clone()).is_break()
                {
                    return;
                }
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

    mod found_without_making {
        //! [`first_probe_receivers`] names the probes it does not make as
        //! the builder names those it makes ([`audience_probes`]).
        use super::*;
        use crate::edge::edit::apply;
        use proptest::prelude::*;
        use serde_json::json;

        const FIELDS: [&str; 7] = [
            "tier",
            "age",
            "account.balance",
            "tags",
            "id",
            "description",
            "orders.0.total",
        ];

        fn value() -> impl Strategy<Value = Value> {
            prop_oneof![
                prop::sample::select(vec![
                    "gold",
                    "silver",
                    "gold@s1",
                    "gold#2",
                    "x\u{FDD0}y",
                    "",
                    "18",
                    "2.5"
                ])
                .prop_map(|s| json!(s)),
                prop::sample::select(vec![-1i64, 0, 17, 18, 21, 1000]).prop_map(|n| json!(n)),
                Just(json!(2.5)),
                Just(json!(true)),
            ]
        }

        /// A condition's `null` is no operator at all.
        fn data_value() -> impl Strategy<Value = Value> {
            prop_oneof![value(), Just(Value::Null)]
        }

        fn leaf() -> impl Strategy<Value = Value> {
            let field = prop::sample::select(FIELDS.to_vec());
            let op = prop_oneof![
                any::<bool>().prop_map(|b| ("exists", json!(b))),
                value().prop_map(|v| ("eq", v)),
                value().prop_map(|v| ("ne", v)),
                prop::collection::vec(value(), 1..3).prop_map(|v| ("in", json!(v))),
                prop::collection::vec(value(), 1..3).prop_map(|v| ("not_in", json!(v))),
                (
                    prop::sample::select(vec!["gt", "gte", "lt", "lte"]),
                    -2i64..25
                )
                    .prop_map(|(op, n)| (op, json!(n))),
                value().prop_map(|v| ("contains", v)),
            ];
            (field, op).prop_map(|(field, (op, v))| json!({ "field": field, op: v }))
        }

        fn audience() -> impl Strategy<Value = Option<Value>> {
            prop_oneof![
                Just(None),
                leaf().prop_map(Some),
                prop::collection::vec(leaf(), 2..3).prop_map(|l| Some(json!({ "all": l }))),
                prop::collection::vec(leaf(), 2..3).prop_map(|l| Some(json!({ "any": l }))),
                leaf().prop_map(|l| Some(json!({ "not": l }))),
            ]
        }

        fn sample() -> impl Strategy<Value = (String, Value)> {
            let id = prop::sample::select(vec![
                "s",
                "edge:tier=gold",
                "edge:age=18@s0",
                "edge:tier=silver#2",
            ]);
            let fields =
                prop::collection::vec((prop::sample::select(FIELDS.to_vec()), data_value()), 0..4);
            (id, fields).prop_map(|(id, fields)| {
                let mut data = json!({});
                for (field, value) in fields {
                    apply(&mut data, field, &Edit::Set(value));
                }
                (id.to_string(), data)
            })
        }

        fn builders_names(
            c: &CompiledCampaign,
            samples: &[ProfileRef],
            wanted: &[usize],
        ) -> Vec<Option<String>> {
            let probes = audience_probes(c, samples);
            wanted
                .iter()
                .map(|&vi| {
                    probes
                        .iter()
                        .find(|p| select_by(&c.campaign, &p.data) == Some(vi))
                        .map(|p| p.id.clone())
                })
                .collect()
        }

        #[test]
        fn a_probe_with_the_data_of_one_kept_before_takes_no_name() {
            // Every text holds "": on `s0` the probes with and without it
            // both keep `tier: gold`, so the second is not kept, and the name
            // it would have taken goes to `s1`'s, which receives `v0`.
            let c = compiled(
                "variants:\n  - id: v0\n    audience: { not: { field: tier, contains: '' } }\n    subject: a\n    body: a\n",
            );
            let samples = named_profiles("s", &["tier: gold", "{}"]);
            let names = first_probe_receivers(&c, &samples, &[0]);
            assert_eq!(names, builders_names(&c, &samples, &[0]));
            assert!(names[0].is_some(), "{names:?}");
        }

        #[test]
        fn a_name_taken_by_another_change_is_not_given_again() {
            // `tier=gold` made from `s1` is named `edge:tier=gold@s1`, which
            // is also the name of the change `tier=gold@s1`: the probe with
            // that change, which receives `v1`, is named after its base.
            let c = compiled(
                "variants:\n  - id: v0\n    audience: { field: tier, eq: gold }\n    subject: a\n    body: a\n  - id: v1\n    audience: { field: tier, eq: 'gold@s1' }\n    subject: b\n    body: b\n",
            );
            let samples =
                named_profiles("s", &["{tier: silver, name: A}", "{tier: gold, name: B}"]);
            let names = first_probe_receivers(&c, &samples, &[1]);
            assert_eq!(names, builders_names(&c, &samples, &[1]));
            assert_eq!(names, [Some("edge:tier=gold@s1@s0".to_string())]);
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]
            #[test]
            fn names_are_the_builders(
                audiences in prop::collection::vec(audience(), 1..5),
                samples in prop::collection::vec(sample(), 0..5),
            ) {
                let mut campaign = String::from("variants:\n");
                for (i, audience) in audiences.iter().enumerate() {
                    campaign.push_str(&format!("  - id: v{i}\n    subject: a\n    body: a\n"));
                    if let Some(audience) = audience {
                        campaign.push_str(&format!("    audience: {audience}\n"));
                    }
                }
                let c = compiled(&campaign);
                let samples: Vec<ProfileRef> = samples
                    .iter()
                    .enumerate()
                    .map(|(i, (id, data))| {
                        let id = if id == "s" { format!("s{i}") } else { format!("{id}{}", "~".repeat(i)) };
                        std::sync::Arc::new(crate::testkit::named_profile(&id, &data.to_string()))
                    })
                    .collect();
                let wanted: Vec<usize> = (0..audiences.len()).collect();
                prop_assert_eq!(
                    first_probe_receivers(&c, &samples, &wanted),
                    builders_names(&c, &samples, &wanted),
                    "{}",
                    campaign
                );
            }
        }
    }
}
