//! Synthesize: edge-case profiles, derived per campaign from the fields its
//! templates and audiences read.
//!
//! The sample profiles are what the team thought of; the edge cases are what
//! it did not. For each variant, a base profile (of the sample profiles that
//! receive it, the one that holds the most of the fields it reads; else the
//! most complete sample profile; else an empty profile) is changed one field
//! at a time, and each change is named after
//! itself: `edge:first_name=missing`, `edge:age=17`. Which changes a field gets
//! depends on how the campaign uses it (see [`cases`]); the fields come from
//! [`usage`].
//!
//! The list is ordered most useful first — the values conditions turn on,
//! then missing fields, then blank values, then odd ones — so that the
//! per-campaign cap (`edge_cases.max_per_campaign`) keeps the cases most
//! likely to break a message. Profiles with identical data are merged (the
//! first name is kept), and the same input always gives the same list.

mod cases;
pub(crate) mod edit;
mod identity;
mod probes;
mod scope;
pub(crate) mod solve;
mod usage;
mod yaml;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::config::Config;
use crate::finding::ProfileKind;
use crate::project::{EdgeOrigin, Profile, ProfileRef};
use crate::source::SourceLoc;
use crate::template::CompiledCampaign;

use cases::{Case, Tier, field_cases};
use edit::{PathEdit, apply_all};
use identity::Recipe;
use scope::Scope;
use usage::{FieldUse, campaign_fields};

pub(crate) use probes::first_probe_receivers;
pub use yaml::to_yaml;

/// The prefix of every edge-case profile id.
pub(crate) const EDGE_PREFIX: &str = "edge:";

/// What an edge case's origin says when there was no sample profile to start
/// from.
pub(crate) const EMPTY_BASE: &str = "(empty profile)";

/// The name men and women share, for the gender case.
const AMBIGUOUS_NAME: &str = "Loren";

/// The edge cases of one campaign.
#[derive(Clone, Debug, Default)]
pub struct EdgeSet {
    pub profiles: Vec<ProfileRef>,
    /// The per-campaign cap cut the list short.
    pub capped: bool,
    /// The part of their bases the profiles hold (see [`scope`]).
    scope: Scope,
}

impl EdgeSet {
    /// The profiles with the fields the campaign does not read put back from
    /// their bases: what a file in `sample-profiles/` would hold.
    pub fn whole_profiles(&self, samples: &[ProfileRef]) -> Vec<ProfileRef> {
        let by_id: HashMap<&str, &Profile> =
            samples.iter().map(|s| (s.id.as_str(), &**s)).collect();
        self.profiles
            .iter()
            .map(|p| {
                let base = p
                    .edge
                    .as_ref()
                    .and_then(|e| by_id.get(e.base.as_str()).copied());
                Arc::new(Profile {
                    data: self.scope.complete(&p.data, base),
                    ..(**p).clone()
                })
            })
            .collect()
    }
}

/// Edge-case profiles for a campaign, made from its sample profiles, at most
/// `config.edge_cases.max_per_campaign` of them.
pub fn synthesize(compiled: &CompiledCampaign, samples: &[ProfileRef], config: &Config) -> EdgeSet {
    let cap = config.edge_cases.max_per_campaign;
    let mut builder = Builder::new(samples, &compiled.campaign.file);
    let mut capped = false;
    let empty = Value::Object(Map::new());
    let fields = campaign_fields(compiled, config);
    let planned = plan(compiled, samples, &fields, config);
    let mut bases: Vec<Option<&Profile>> = Vec::new();
    for (base, _) in &planned {
        if !bases.iter().any(|b| same_base(*b, *base)) {
            bases.push(*base);
        }
    }
    let scope = edge_scope(compiled, config, &fields, &bases);
    let parts: Vec<Value> = bases
        .iter()
        .map(|b| scope.part(b.map_or(&empty, |p| &p.data)))
        .collect();
    let rests = scope.rests(&bases);
    for (base, case) in planned {
        let i = bases
            .iter()
            .position(|b| same_base(*b, base))
            .unwrap_or_default();
        let base = Base {
            profile: base,
            data: &parts[i],
            rest: rests[i],
        };
        let Some(candidate) = builder.candidate(base, &case.edits) else {
            // Made before: its data is already a profile's.
            continue;
        };
        if builder.profiles.len() >= cap {
            if builder.is_new(&candidate) {
                capped = true;
                break;
            }
            continue;
        }
        builder.add(candidate, &case.change, Some(&case.what));
    }
    EdgeSet {
        profiles: builder.profiles,
        capped,
        scope,
    }
}

fn same_base(a: Option<&Profile>, b: Option<&Profile>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => std::ptr::eq(a, b),
        (None, None) => true,
        _ => false,
    }
}

/// The top-level fields that decide what a profile sent variant `vi` gets
/// from this campaign (every render and every finding), sorted; `None` when a
/// template reads the profile as a whole. Two profiles sent the variant that
/// agree on these fields get the same from it, which is what lets `audit`
/// check a shape of customer once.
pub(crate) fn read_fields(
    compiled: &CompiledCampaign,
    vi: usize,
    config: &Config,
) -> Option<Vec<String>> {
    let fields = [usage::variant_fields(compiled, vi, config)];
    edge_scope(compiled, config, &fields, &[]).fields()
}

/// The top-level fields any audience of the campaign reads, sorted: they
/// alone decide which variant a profile receives. `None` when an audience
/// reads the profile as a whole.
pub(crate) fn audience_fields(campaign: &crate::project::Campaign) -> Option<Vec<String>> {
    let leaves = campaign
        .variants
        .iter()
        .filter_map(|v| v.audience.as_ref())
        .flat_map(|a| a.leaves());
    Scope::of_paths(leaves.map(|l| l.field.as_str()), &[]).fields()
}

/// The top-level fields anything checking this campaign reads: its fields
/// (audiences, policies, templates), every name in their paths (a Mustache
/// section looks a name up in the contexts around it too), the fields the
/// rules read (`fields:` in mergeproof.yaml) and fields a helper's name
/// shadows. The whole profile when a template reads it as a whole.
fn edge_scope(
    compiled: &CompiledCampaign,
    config: &Config,
    fields: &[Vec<FieldUse>],
    bases: &[Option<&Profile>],
) -> Scope {
    let templates = || compiled.variants.iter().flat_map(|v| v.templates());
    if templates().any(|t| t.analysis.reads_root) {
        return Scope::Whole;
    }
    let mut scope = Scope::of_paths(fields.iter().flatten().map(|f| f.path.as_str()), bases);
    for f in fields.iter().flatten() {
        f.path.split('.').for_each(|segment| scope.add(segment));
    }
    let named = &config.fields;
    let shadowed = templates()
        .flat_map(|t| &t.analysis.tokens)
        .filter_map(|t| t.shadowed_field.as_deref());
    for path in [
        &named.age,
        &named.gender,
        &named.gender_inferred,
        &named.consent_sensitive,
    ]
    .into_iter()
    .map(String::as_str)
    .chain(shadowed)
    {
        scope.add(path.split('.').next().unwrap_or_default());
    }
    scope
}

/// Every case of every variant, each with its base, most useful first (stable
/// within a tier: variant order, then field order, then case order).
fn plan<'a>(
    compiled: &CompiledCampaign,
    samples: &'a [ProfileRef],
    fields: &[Vec<FieldUse>],
    config: &Config,
) -> Vec<(Option<&'a Profile>, Case)> {
    let campaign = &compiled.campaign;
    let selection: Vec<Option<usize>> = samples
        .iter()
        .map(|s| crate::select::select(campaign, s))
        .collect();
    let empty = Value::Object(Map::new());
    let mut planned = Vec::new();
    for (vi, fields) in fields.iter().enumerate() {
        let receiving = samples
            .iter()
            .zip(&selection)
            .filter(|(_, s)| **s == Some(vi))
            .map(|(p, _)| p);
        let base = most_complete(receiving, fields)
            .or_else(|| most_complete(samples.iter(), fields))
            .map(|p| &**p);
        let data = base.map_or(&empty, |b| &b.data);
        for field in fields {
            planned.extend(
                field_cases(field, fields, data)
                    .into_iter()
                    .map(|c| (base, c)),
            );
        }
        planned.push((base, ambiguous_name_case(fields, config)));
    }
    planned.sort_by_key(|(_, case)| case.tier);
    planned
}

/// The sample that holds the most of the fields a variant reads (the first
/// of those that hold as many): a defect of one sample's own data (a blank
/// name in a vendor's sample file) then stays that sample's finding instead of
/// being repeated by every edge case made from it.
fn most_complete<'a>(
    samples: impl Iterator<Item = &'a ProfileRef>,
    fields: &[FieldUse],
) -> Option<&'a ProfileRef> {
    let mut best: Option<(&ProfileRef, usize)> = None;
    for sample in samples {
        let held = fields
            .iter()
            .filter(|f| holds(&sample.data, &f.path))
            .count();
        if best.is_none_or(|(_, most)| held > most) {
            best = Some((sample, held));
        }
    }
    best.map(|(sample, _)| sample)
}

/// Whether `data` holds a value at `path`; for a path through a list
/// (`items.[].name`), whether the list has items.
fn holds(data: &Value, path: &str) -> bool {
    let whole = path
        .split("[]")
        .next()
        .unwrap_or(path)
        .trim_end_matches('.');
    match crate::audience::value_at(data, whole) {
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(map)) => !map.is_empty(),
        value => !crate::audience::is_blank(value),
    }
}

/// The name "Loren" with no gender stated or inferred: who is "Mr." here? The
/// name goes into the first personal field the variant reads (else the first
/// configured one).
fn ambiguous_name_case(fields: &[FieldUse], config: &Config) -> Case {
    let name_field = config
        .personal_fields
        .iter()
        .find(|p| fields.iter().any(|f| &f.path == *p))
        .or(config.personal_fields.first())
        .map_or("first_name", String::as_str);
    let gender = &config.fields.gender;
    let inferred = &config.fields.gender_inferred;
    Case {
        tier: Tier::Blank,
        edits: vec![
            PathEdit::set(name_field, Value::String(AMBIGUOUS_NAME.into())),
            PathEdit::remove(gender),
            PathEdit::remove(inferred),
        ],
        change: "loren-no-gender".into(),
        what: format!(
            "`{name_field}` set to {AMBIGUOUS_NAME} (a name men and women share), `{gender}` and `{inferred}` removed"
        ),
    }
}

/// What an edge profile is made from: a sample profile (`None`: the empty
/// profile) and the part of its data the changes are made to.
#[derive(Clone, Copy)]
struct Base<'a> {
    profile: Option<&'a Profile>,
    /// The profile's data, or (for probes) only the fields the audiences read.
    data: &'a Value,
    /// Bases whose data outside `data` is identical share this number, so
    /// that two profiles are the same when their numbers and `data` are.
    rest: usize,
}

/// An edge profile before it is kept: its data and what it is made from.
struct Candidate<'a> {
    base: Base<'a>,
    data: Value,
    /// [`identity::data_hash`] of `data`, to merge identical profiles.
    hash: u64,
}

/// `base`'s data with `edits` made, as an edge profile holds it: what a
/// profile file could not hold is not data, so `id` and `description` are
/// taken out and marker characters neutralised.
fn made_from(base: &Value, edits: &[PathEdit]) -> Value {
    let mut data = base.clone();
    apply_all(&mut data, edits);
    Profile::from_data(String::new(), data, ProfileKind::Edge, SourceLoc::default()).data
}

/// A set hashed fast: what the builder keeps is told apart only within a
/// run, and it hashes every candidate's recipe and every name it tries.
type FastSet<T> = HashSet<T, foldhash::fast::FixedState>;

/// Names edge profiles (unique among themselves and the samples) and merges
/// the ones whose data is identical.
struct Builder {
    /// The names taken: every edge profile's is `edge:…`, so of the samples
    /// only those so named can be in the way (a list of 10,000 customers
    /// was copied here for every campaign).
    names: FastSet<String>,
    /// The profiles kept so far, by the hash of their data (indices into
    /// `profiles`).
    seen: HashMap<u64, Vec<usize>, foldhash::fast::FixedState>,
    /// Every base and edits a candidate was made from: made again, they give
    /// data that is already a profile's, so the data is not built twice.
    made: FastSet<Recipe>,
    profiles: Vec<ProfileRef>,
    /// Parallel to `profiles`: the `rest` of the base each was made from.
    rests: Vec<usize>,
    /// Where a profile without a base comes from: the campaign file.
    campaign_file: String,
}

impl Builder {
    fn new(samples: &[ProfileRef], campaign_file: &str) -> Self {
        Self {
            names: samples
                .iter()
                .filter(|s| s.id.starts_with(EDGE_PREFIX))
                .map(|s| s.id.clone())
                .collect(),
            seen: HashMap::default(),
            made: FastSet::default(),
            profiles: Vec::new(),
            rests: Vec::new(),
            campaign_file: campaign_file.to_string(),
        }
    }

    /// `base` with `edits` made, or `None` when that was made before (its data
    /// is then a kept profile's, or the cap stopped before it was kept).
    fn candidate<'a>(&mut self, base: Base<'a>, edits: &[PathEdit]) -> Option<Candidate<'a>> {
        if !self.made.insert(Recipe::new(base.profile, edits)) {
            return None;
        }
        let data = made_from(base.data, edits);
        let hash = identity::data_hash(&data);
        Some(Candidate { base, data, hash })
    }

    fn is_new(&self, candidate: &Candidate<'_>) -> bool {
        self.seen.get(&candidate.hash).is_none_or(|kept| {
            !kept.iter().any(|&i| {
                self.rests[i] == candidate.base.rest
                    && identity::same_value(&self.profiles[i].data, &candidate.data)
            })
        })
    }

    /// Keeps the candidate unless a profile with the same data is already
    /// there (that one keeps its name). `change` names it after `edge:`;
    /// `what` says what changed, for its description; a probe, which is
    /// only selected, has none. The profile kept, if it was.
    fn add(
        &mut self,
        candidate: Candidate<'_>,
        change: &str,
        what: Option<&str>,
    ) -> Option<&ProfileRef> {
        if !self.is_new(&candidate) {
            return None;
        }
        self.seen
            .entry(candidate.hash)
            .or_default()
            .push(self.profiles.len());
        self.rests.push(candidate.base.rest);
        let base = candidate.base.profile;
        let base_id = base.map(|b| b.id.as_str());
        let id = self.unique_name(&format!("{EDGE_PREFIX}{change}"), base_id);
        let loc = base.map_or_else(
            || SourceLoc::new(self.campaign_file.clone(), 1, 1),
            |b| b.loc.clone(),
        );
        let description = what.map(|what| match base_id {
            Some(b) => format!("Edge case: {what}; everything else as sample profile `{b}`"),
            None => format!("Edge case: {what}; nothing else set (there are no sample profiles)"),
        });
        // The data was cleaned in `candidate`.
        self.profiles.push(Arc::new(Profile {
            id,
            description,
            data: candidate.data,
            kind: ProfileKind::Edge,
            loc,
            edge: Some(EdgeOrigin {
                base: base_id.unwrap_or(EMPTY_BASE).to_string(),
                change: change.to_string(),
            }),
        }));
        self.profiles.last()
    }

    /// `name`, else `name@base` (the same change made to another base), else
    /// numbered.
    fn unique_name(&mut self, name: &str, base: Option<&str>) -> String {
        // The other names are only written when `name` is taken: a run's
        // reach rules make thousands of probes, most of them named once.
        let chosen = if !self.names.contains(name) {
            name.to_string()
        } else {
            let stem = base.map_or_else(|| name.to_string(), |b| format!("{name}@{b}"));
            if base.is_some() && !self.names.contains(&stem) {
                stem
            } else {
                (2..)
                    .map(|i| format!("{stem}#{i}"))
                    .find(|n| !self.names.contains(n))
                    .unwrap_or(stem)
            }
        };
        self.names.insert(chosen.clone());
        chosen
    }
}

#[cfg(test)]
mod tests;
