//! Reachability: who receives each variant of a campaign, as far as anything
//! tried can tell. Decided once per campaign ([`super::CampaignContext::reach`])
//! and read by `unreachable-variant` and `uncovered-variant`, so that one
//! variant is never reported as both.
//!
//! A variant is dead when it comes after a catch-all, when an earlier
//! audience admits everyone its own admits ([`implies`]), or when nothing
//! tried receives it: no sample, no edge profile, no probe, and no witness
//! built by the audience solver ([`crate::edge::solve`]) on an empty profile
//! or on one of the first 32 samples. When the earlier audiences together
//! are shown to admit everyone its own admits ([`covered_by_earlier`]),
//! nothing can receive it, and nothing is tried.

use serde_json::{Map, Value};

use crate::audience::Condition;
use crate::edge::edit::{Edit, PathEdit};
use crate::edge::solve::{covered_by_earlier, dnf, implies, receive_terms, satisfy};
use crate::finding::ProfileKind;
use crate::project::{Profile, ProfileRef, Variant};
use crate::source::SourceLoc;

use super::CampaignContext;

/// Who receives a variant, as far as anything tried can tell.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Reach {
    /// At least one sample profile receives it.
    Sample,
    /// No sample does; this synthesized profile (named) does.
    Synthetic(String),
    /// Nobody can.
    Never(Why),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Why {
    /// After the catch-all at this index.
    AfterCatchAll(usize),
    /// The earlier variant at this index admits everyone this one admits.
    Covered(usize),
    /// No profile at all satisfies the audience.
    NeverMatches,
    /// Profiles that satisfy it receive earlier variants first.
    Shadowed,
}

/// How many sample profiles witnesses are built on (besides the empty one).
const MAX_WITNESS_BASES: usize = 32;

/// The reach of every variant of the campaign, in order.
pub(super) fn reach(cx: &CampaignContext<'_>) -> Vec<Reach> {
    let variants = &cx.campaign.campaign.variants;
    let known: Vec<Option<Reach>> = (0..variants.len())
        .map(|vi| reach_without_probes(cx, vi))
        .collect();
    // The probes, then a witness, for the variants nothing above decided.
    let wanted: Vec<usize> = (0..variants.len())
        .filter(|vi| known[*vi].is_none())
        .collect();
    let mut probed = if wanted.is_empty() {
        Vec::new()
    } else {
        cx.probes.first_receivers(cx.campaign, &wanted)
    }
    .into_iter();
    known
        .into_iter()
        .enumerate()
        .map(|(vi, reach)| {
            reach.unwrap_or_else(|| match probed.next().flatten() {
                Some(probe) => Reach::Synthetic(probe),
                None => witness(cx, vi),
            })
        })
        .collect()
}

/// The reach of variant `vi` as the order of the variants, their audiences
/// and the profiles tell it; `None` when none of them does.
fn reach_without_probes(cx: &CampaignContext<'_>, vi: usize) -> Option<Reach> {
    let variants = &cx.campaign.campaign.variants;
    if let Some(j) = variants[..vi].iter().position(Variant::is_catch_all) {
        return Some(Reach::Never(Why::AfterCatchAll(j)));
    }
    if let Some(audience) = &variants[vi].audience
        && let Some(j) = variants[..vi]
            .iter()
            .position(|v| v.audience.as_ref().is_some_and(|a| implies(audience, a)))
    {
        return Some(Reach::Never(Why::Covered(j)));
    }
    reach_among(vi, cx.profiles.iter().zip(cx.selection.iter().copied()))
        // A variant the earlier audiences together cover needs no probe and
        // no witness: none could receive it. Which reason it is given is
        // decided as for any variant nothing receives.
        .or_else(|| shadowed(cx, vi).then(|| never(cx, vi, &bases(cx, &Value::Object(Map::new())))))
}

/// Who of `profiles` (each with the variant it receives) receives variant
/// `vi`: a sample if one does, else the first synthesized profile that does.
fn reach_among<'p>(
    vi: usize,
    profiles: impl Iterator<Item = (&'p ProfileRef, Option<usize>)>,
) -> Option<Reach> {
    let mut synthetic = None;
    for (p, _) in profiles.filter(|(_, s)| *s == Some(vi)) {
        if p.kind == ProfileKind::Sample {
            return Some(Reach::Sample);
        }
        synthetic.get_or_insert_with(|| Reach::Synthetic(p.id.clone()));
    }
    synthetic
}

/// Whether the audiences before variant `vi` together admit everyone its
/// own admits.
fn shadowed(cx: &CampaignContext<'_>, vi: usize) -> bool {
    let variants = &cx.campaign.campaign.variants;
    let Some(audience) = &variants[vi].audience else {
        return false;
    };
    let earlier: Option<Vec<&Condition>> =
        variants[..vi].iter().map(|v| v.audience.as_ref()).collect();
    earlier.is_some_and(|earlier| covered_by_earlier(audience, &earlier))
}

/// The profiles witnesses are built on: the empty profile first, which
/// carries nothing an earlier audience could match on, then samples, whose
/// other fields make realistic witnesses.
fn bases<'a>(cx: &'a CampaignContext<'_>, empty: &'a Value) -> Vec<&'a Value> {
    std::iter::once(empty)
        .chain(
            cx.profiles
                .iter()
                .filter(|p| p.kind == ProfileKind::Sample)
                .take(MAX_WITNESS_BASES)
                .map(|p| &p.data),
        )
        .collect()
}

/// Builds profiles that receive the variant on top of an empty profile and
/// of each sample, and reports the first that does.
fn witness(cx: &CampaignContext<'_>, vi: usize) -> Reach {
    let campaign = &cx.campaign.campaign;
    let empty = Value::Object(Map::new());
    let bases = bases(cx, &empty);
    let receive = receive_terms(campaign, vi);
    for base in &bases {
        for term in &receive {
            let Some(made) = satisfy(term, base) else {
                continue;
            };
            let probe = Profile::from_data(
                "witness".into(),
                made.data,
                ProfileKind::Edge,
                SourceLoc::new(campaign.file.as_str(), 1, 1),
            );
            if crate::select::select(campaign, &probe) == Some(vi) {
                return Reach::Synthetic(describe(&made.edits));
            }
        }
    }
    never(cx, vi, &bases)
}

/// Why nothing receives variant `vi`: no profile satisfies its audience
/// (built on any of `bases`), or earlier variants take the profiles that do
/// first.
fn never(cx: &CampaignContext<'_>, vi: usize, bases: &[&Value]) -> Reach {
    let matches = match &cx.campaign.campaign.variants[vi].audience {
        Some(audience) => dnf(audience, true),
        None => vec![Vec::new()],
    };
    let satisfiable = bases
        .iter()
        .any(|base| matches.iter().any(|term| satisfy(term, base).is_some()));
    Reach::Never(if satisfiable {
        Why::Shadowed
    } else {
        Why::NeverMatches
    })
}

fn describe(edits: &[PathEdit]) -> String {
    if edits.is_empty() {
        // Only the empty base can reach a variant no sample reaches as is.
        return "an empty profile".into();
    }
    let parts: Vec<String> = edits
        .iter()
        .map(|e| match &e.edit {
            Edit::Set(v) => format!("{} = {v}", e.path),
            Edit::Remove => format!("no {}", e.path),
        })
        .collect();
    format!("a profile with {}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{CampaignContext, Probes};
    use crate::testkit::{compiled, named_profiles};

    const TIERS: &str = "variants:\n  - id: gold\n    audience: { field: points, gt: 1000 }\n    subject: a\n    body: a\n  - id: everyone\n    subject: b\n    body: b\n";

    /// The reach of each variant of `campaign` for these samples, and
    /// whether the probes were made to decide it.
    fn reach_of(campaign: &str, samples: &[&str]) -> (Vec<Reach>, bool) {
        let c = compiled(campaign);
        let profiles = named_profiles("s", samples);
        let selection: Vec<Option<usize>> = profiles
            .iter()
            .map(|p| crate::select::select(&c.campaign, p))
            .collect();
        let cx = CampaignContext {
            campaign: &c,
            profiles: &profiles,
            selection: &selection,
            probes: Probes::from_samples(&profiles),
            reach: Default::default(),
        };
        let reach = cx.reach().to_vec();
        (reach, cx.probes.were_made())
    }

    #[test]
    fn probes_are_made_only_for_a_variant_no_profile_receives() {
        let (reach, probed) = reach_of(TIERS, &["points: 2000", "points: 10"]);
        assert_eq!(reach, vec![Reach::Sample, Reach::Sample]);
        assert!(!probed, "every variant has a sample: no probe is needed");

        let (reach, probed) = reach_of(TIERS, &["points: 10"]);
        assert!(probed);
        // A probe above the threshold receives `gold`.
        assert!(
            matches!(&reach[0], Reach::Synthetic(id) if id.starts_with("edge:points")),
            "{reach:?}"
        );
        assert_eq!(reach[1], Reach::Sample);
    }

    const SPLIT: &str = "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: a\n    body: a\n  - id: rest\n    audience: { field: tier, in: [bronze, silver] }\n    subject: b\n    body: b\n  - id: late\n    audience: { field: tier, in: [silver, gold] }\n    subject: c\n    body: c\n";

    #[test]
    fn a_variant_earlier_audiences_cover_together_is_never_probed() {
        let (reach, probed) = reach_of(SPLIT, &["tier: gold", "tier: bronze"]);
        assert_eq!(reach[..2], [Reach::Sample, Reach::Sample]);
        assert_eq!(reach[2], Reach::Never(Why::Shadowed));
        assert!(!probed, "no probe can receive `late`");
        // An audience no profile satisfies is still told apart.
        let never = SPLIT.replace("in: [silver, gold]", "in: []");
        let (reach, probed) = reach_of(&never, &["tier: gold", "tier: bronze"]);
        assert_eq!(reach[2], Reach::Never(Why::NeverMatches));
        assert!(!probed);
        // With a value of its own, it is probed and reached.
        let open = SPLIT.replace("in: [silver, gold]", "in: [silver, platinum]");
        let (reach, probed) = reach_of(&open, &["tier: gold", "tier: bronze"]);
        assert!(probed);
        assert!(matches!(&reach[2], Reach::Synthetic(_)), "{reach:?}");
    }
}
