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
//! The witnesses make "can never match" a claim with evidence behind it
//! even when edge cases are switched off: `device: imac` is reachable even if
//! no sample owns an iMac (that is `uncovered-variant`, a warning).
//!
//! This module also decides reachability for `uncovered-variant`, so that
//! one variant is never reported as both.

use serde_json::{Map, Value};

use crate::audience::{Condition, Leaf, Op, compare, loosely_equal};
use crate::finding::{Field, ProfileKind, Severity};
use crate::project::{Profile, Variant};
use crate::source::SourceLoc;

use crate::rule_id::RuleId;

use super::{CampaignContext, Draft, Rule, RuleDoc};

pub struct UnreachableVariant;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::UnreachableVariant,
    default_severity: Severity::Error,
    summary: "No profile can ever receive this variant: it comes after a catch-all, an earlier variant's audience covers it, or its audience can never match.",
    why: "Variants are tried in order and the first match wins. A variant listed after the catch-all, or after a looser audience, is written, reviewed and approved, and never sent: the segment it was made for gets the generic version.",
    example: "variants:\n  - id: everyone          # no audience: the catch-all\n  - id: android           # never reached\n    audience: { field: device, eq: android }",
    fix: "Move the variant above the catch-all or above the looser audience that takes its profiles, fix a contradictory audience (`age gt 30` and `age lt 20`), or delete the variant.",
    accept: "When the variant is parked on purpose (kept for next season), add to it:\n  allow:\n    - { rule: unreachable-variant, reason: \"…why…\" }",
};

/// Who receives a variant, as far as anything tried can tell.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Reach {
    /// At least one sample profile receives it.
    Sample,
    /// No sample does; this synthesized profile (named) does.
    Synthetic(String),
    /// Nobody can.
    Never(Why),
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Why {
    /// After the catch-all at this index.
    AfterCatchAll(usize),
    /// The earlier variant at this index admits everyone this one admits.
    Covered(usize),
    /// No profile at all satisfies the audience.
    NeverMatches,
    /// Profiles that satisfy it receive earlier variants first.
    Shadowed,
}

/// How many alternative witnesses one audience may produce.
const MAX_WITNESSES: usize = 16;
/// How many sample profiles witnesses are built on (besides the empty one).
const MAX_WITNESS_BASES: usize = 32;

/// The reach of every variant of the campaign, in order.
pub(super) fn reach(cx: &CampaignContext<'_>) -> Vec<Reach> {
    let variants = &cx.campaign.campaign.variants;
    (0..variants.len()).map(|vi| reach_of(cx, vi)).collect()
}

fn reach_of(cx: &CampaignContext<'_>, vi: usize) -> Reach {
    let variants = &cx.campaign.campaign.variants;
    if let Some(j) = variants[..vi].iter().position(Variant::is_catch_all) {
        return Reach::Never(Why::AfterCatchAll(j));
    }
    if let Some(audience) = &variants[vi].audience
        && let Some(j) = variants[..vi]
            .iter()
            .position(|v| v.audience.as_ref().is_some_and(|a| implies(audience, a)))
    {
        return Reach::Never(Why::Covered(j));
    }
    let receivers = cx
        .profiles
        .iter()
        .zip(cx.selection)
        .chain(cx.probes.iter().zip(cx.probe_selection))
        .filter(|(_, s)| **s == Some(vi))
        .map(|(p, _)| p);
    let mut synthetic = None;
    for p in receivers {
        if p.kind == ProfileKind::Sample {
            return Reach::Sample;
        }
        synthetic.get_or_insert_with(|| p.id.clone());
    }
    if let Some(id) = synthetic {
        return Reach::Synthetic(id);
    }
    witness(cx, vi)
}

/// Builds profiles from the variant's audience on top of each sample and of
/// an empty profile, and reports the first that receives the variant.
fn witness(cx: &CampaignContext<'_>, vi: usize) -> Reach {
    let campaign = &cx.campaign.campaign;
    let variant = &campaign.variants[vi];
    let alternatives = match &variant.audience {
        Some(a) => assignments(a, false),
        None => vec![Vec::new()],
    };
    // The empty profile first: it carries nothing an earlier audience could
    // match on. Then samples, whose other fields make realistic witnesses.
    let empty = Value::Object(Map::new());
    let bases = std::iter::once(&empty).chain(
        cx.profiles
            .iter()
            .filter(|p| p.kind == ProfileKind::Sample)
            .take(MAX_WITNESS_BASES)
            .map(|p| &p.data),
    );
    let mut satisfiable = false;
    for base in bases {
        for assignment in &alternatives {
            let mut data = base.clone();
            for (path, value) in assignment {
                set_at(&mut data, path, value.clone());
            }
            if variant.audience.as_ref().is_some_and(|a| !a.matches(&data)) {
                continue;
            }
            satisfiable = true;
            let probe = Profile::from_data(
                "witness".into(),
                data,
                ProfileKind::Edge,
                SourceLoc::new(&campaign.file, 1, 1),
            );
            if crate::select::select(campaign, &probe) == Some(vi) {
                return Reach::Synthetic(describe_assignment(assignment));
            }
        }
    }
    Reach::Never(if satisfiable {
        Why::Shadowed
    } else {
        Why::NeverMatches
    })
}

fn describe_assignment(assignment: &[(String, Option<Value>)]) -> String {
    if assignment.is_empty() {
        // Only the empty base can reach a variant no sample reaches as is.
        return "an empty profile".into();
    }
    let parts: Vec<String> = assignment
        .iter()
        .map(|(path, v)| match v {
            Some(v) => format!("{path} = {v}"),
            None => format!("no {path}"),
        })
        .collect();
    format!("a profile with {}", parts.join(", "))
}

/// One way to satisfy a condition: paths and their values (`None`: absent).
type Assignment = Vec<(String, Option<Value>)>;

/// Ways to satisfy `condition` (or, when `negated`, to falsify it).
fn assignments(condition: &Condition, negated: bool) -> Vec<Assignment> {
    match (condition, negated) {
        (Condition::Leaf(leaf), _) => leaf_values(leaf, negated)
            .into_iter()
            .map(|v| vec![(leaf.field.clone(), v)])
            .collect(),
        (Condition::Not(inner), _) => assignments(inner, !negated),
        (Condition::All(list), false) | (Condition::Any(list), true) => {
            let mut combined: Vec<Assignment> = vec![Vec::new()];
            for c in list {
                let options = assignments(c, negated);
                combined = combined
                    .iter()
                    .flat_map(|base| {
                        options.iter().map(move |o| {
                            let mut next = base.clone();
                            next.extend(o.iter().cloned());
                            next
                        })
                    })
                    .take(MAX_WITNESSES)
                    .collect();
            }
            combined
        }
        (Condition::Any(list), false) | (Condition::All(list), true) => list
            .iter()
            .flat_map(|c| assignments(c, negated))
            .take(MAX_WITNESSES)
            .collect(),
    }
}

/// Values that make a leaf true (or false, when `negated`).
fn leaf_values(leaf: &Leaf, negated: bool) -> Vec<Option<Value>> {
    let some = |v: Value| Some(v);
    match (&leaf.op, negated) {
        (Op::Exists(want), _) if *want != negated => vec![some(Value::from("x"))],
        (Op::Exists(_), _) => vec![None],
        (Op::Eq(v), false) | (Op::Ne(v), true) | (Op::Gte(v) | Op::Lte(v), false) => {
            vec![some(v.clone())]
        }
        (Op::Gt(v), true) | (Op::Lt(v), true) => vec![some(v.clone()), None],
        (Op::Eq(v), true) | (Op::Ne(v), false) => vec![None, some(other_than(v))],
        (Op::In(list), false) | (Op::NotIn(list), true) => {
            list.iter().take(3).cloned().map(some).collect()
        }
        (Op::In(list), true) | (Op::NotIn(list), false) => {
            vec![None, some(Value::from(outside(list)))]
        }
        (Op::Gt(v), false) | (Op::Lte(v), true) => vec![some(step(v, 1.0))],
        (Op::Lt(v), false) => vec![some(step(v, -1.0))],
        (Op::Gte(v), true) => vec![some(step(v, -1.0)), None],
        (Op::Contains(v), false) => vec![some(Value::Array(vec![v.clone()]))],
        (Op::Contains(_), true) => vec![None, some(Value::Array(Vec::new()))],
    }
}

/// A value just past `v` in one direction: a number ± 1, text before or after.
fn step(v: &Value, by: f64) -> Value {
    match crate::audience::as_number(v) {
        Some(n) => serde_json::Number::from_f64(n + by).map_or(Value::Null, Value::Number),
        None => match v {
            Value::String(s) if by > 0.0 => Value::from(format!("{s}~")),
            Value::String(_) => Value::from(""),
            other => other.clone(),
        },
    }
}

fn other_than(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::Bool(!b),
        Value::Number(_) => step(v, 1.0),
        Value::String(s) => Value::from(format!("{s}-other")),
        _ => Value::from("other"),
    }
}

fn outside(list: &[Value]) -> String {
    let mut candidate = String::from("other");
    while list.iter().any(|v| v.as_str() == Some(&candidate)) {
        candidate.push('~');
    }
    candidate
}

/// Sets a dotted path in a profile's data (`None` removes it), making
/// objects on the way.
fn set_at(data: &mut Value, path: &str, value: Option<Value>) {
    let mut current = data;
    let mut segments = path.split('.').peekable();
    while let Some(segment) = segments.next() {
        if !current.is_object() {
            *current = Value::Object(Map::new());
        }
        let Value::Object(map) = current else {
            return;
        };
        if segments.peek().is_none() {
            match value {
                Some(v) => {
                    map.insert(segment.to_string(), v);
                }
                None => {
                    map.remove(segment);
                }
            }
            return;
        }
        current = map
            .entry(segment.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

/// Whether every profile `b` admits is admitted by `a`. Sound, not complete:
/// `false` means "not shown", and the evidence (profiles, probes, witnesses)
/// decides the rest.
pub(super) fn implies(b: &Condition, a: &Condition) -> bool {
    if let Condition::All(list) = a {
        return list.iter().all(|x| implies(b, x));
    }
    if let Condition::Any(list) = b {
        return !list.is_empty() && list.iter().all(|x| implies(x, a));
    }
    if let Condition::Any(list) = a
        && list.iter().any(|x| implies(b, x))
    {
        return true;
    }
    if let Condition::All(list) = b
        && list.iter().any(|x| implies(x, a))
    {
        return true;
    }
    match (b, a) {
        (Condition::Leaf(lb), Condition::Leaf(la)) => {
            lb.field == la.field && op_implies(&lb.op, &la.op)
        }
        // Contraposition: not B ⇒ not A when A ⇒ B.
        (Condition::Not(nb), Condition::Not(na)) => implies(na, nb),
        _ => false,
    }
}

/// Whether a field that satisfies `b` satisfies `a` (same field).
fn op_implies(b: &Op, a: &Op) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    let ge = |x: &Value, y: &Value| matches!(compare(x, y), Some(Greater | Equal));
    let gt = |x: &Value, y: &Value| compare(x, y) == Some(Greater);
    let le = |x: &Value, y: &Value| matches!(compare(x, y), Some(Less | Equal));
    let lt = |x: &Value, y: &Value| compare(x, y) == Some(Less);
    let in_list = |x: &Value, list: &[Value]| list.iter().any(|y| loosely_equal(x, y));
    // The values `b` can take, when it names them.
    let values: Option<&[Value]> = match b {
        Op::Eq(v) => Some(std::slice::from_ref(v)),
        Op::In(list) if !list.is_empty() => Some(list),
        _ => None,
    };
    let all = |pred: &dyn Fn(&Value) -> bool| values.is_some_and(|vs| vs.iter().all(pred));
    match a {
        Op::Exists(true) => !matches!(b, Op::Exists(false) | Op::Ne(_) | Op::NotIn(_)),
        Op::Exists(false) => matches!(b, Op::Exists(false)),
        Op::Eq(x) => all(&|v| loosely_equal(v, x)),
        Op::In(list) => all(&|v| in_list(v, list)),
        Op::Ne(x) => {
            matches!(b, Op::Exists(false))
                || matches!(b, Op::Ne(y) if loosely_equal(x, y))
                || matches!(b, Op::NotIn(l) if in_list(x, l))
                || all(&|v| !loosely_equal(v, x))
        }
        Op::NotIn(list) => {
            matches!(b, Op::Exists(false))
                || matches!(b, Op::NotIn(l) if list.iter().all(|x| in_list(x, l)))
                || all(&|v| !in_list(v, list))
        }
        Op::Gt(x) => match b {
            Op::Gt(y) => ge(y, x),
            Op::Gte(y) => gt(y, x),
            _ => all(&|v| gt(v, x)),
        },
        Op::Gte(x) => match b {
            Op::Gt(y) | Op::Gte(y) => ge(y, x),
            _ => all(&|v| ge(v, x)),
        },
        Op::Lt(x) => match b {
            Op::Lt(y) => le(y, x),
            Op::Lte(y) => lt(y, x),
            _ => all(&|v| lt(v, x)),
        },
        Op::Lte(x) => match b {
            Op::Lt(y) | Op::Lte(y) => le(y, x),
            _ => all(&|v| le(v, x)),
        },
        Op::Contains(x) => matches!(b, Op::Contains(y) if loosely_equal(x, y)),
    }
}

impl Rule for UnreachableVariant {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_campaign(&self, cx: &CampaignContext<'_>, out: &mut Vec<Draft>) {
        let variants = &cx.campaign.campaign.variants;
        for (vi, reach) in reach(cx).into_iter().enumerate() {
            let Reach::Never(why) = reach else {
                continue;
            };
            let v = &variants[vi];
            let at_audience = v.audience_loc.clone().unwrap_or_else(|| v.loc.clone());
            let (message, loc) = match why {
                Why::AfterCatchAll(j) => (
                    format!(
                        "variant `{}` comes after the catch-all `{}` (no audience), which every profile receives first",
                        v.id, variants[j].id
                    ),
                    v.loc.clone(),
                ),
                Why::Covered(j) => (
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
    use super::*;
    use crate::testkit::{campaign, check_campaign_with};

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

    #[test]
    fn does_not_fire_for_variants_someone_receives() {
        let f = check_campaign_with(
            "unreachable-variant",
            "variants:\n  - id: gold\n    audience: { field: tier, eq: gold }\n    subject: a\n    body: a\n  - id: rest\n    subject: b\n    body: b\n",
            &["tier: silver"],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn implication_between_audiences() {
        let audiences = [
            ("gold", "{ field: tier, eq: gold }"),
            ("members", "{ field: tier, in: [gold, platinum] }"),
            ("over30", "{ field: age, gt: 30 }"),
            ("adult", "{ field: age, gte: 18 }"),
            ("over10", "{ field: age, gt: 10 }"),
            ("has-tier", "{ field: tier, exists: true }"),
            ("not-silver", "{ field: tier, ne: silver }"),
            (
                "gold-adult",
                "{ all: [ { field: tier, eq: gold }, { field: age, gte: 18 } ] }",
            ),
            (
                "either",
                "{ any: [ { field: tier, eq: gold }, { field: tier, in: [gold, platinum] } ] }",
            ),
            (
                "not-members",
                "{ not: { field: tier, in: [gold, platinum] } }",
            ),
            ("not-gold", "{ not: { field: tier, eq: gold } }"),
        ];
        let variants: String = audiences
            .iter()
            .map(|(id, a)| {
                format!("  - id: {id}\n    audience: {a}\n    subject: s\n    body: b\n")
            })
            .collect();
        let c = campaign(&format!("variants:\n{variants}"));
        let a = |id: &str| {
            c.variants
                .iter()
                .find(|v| v.id == id)
                .and_then(|v| v.audience.clone())
                .unwrap()
        };
        let holds = |b: &str, by: &str| implies(&a(b), &a(by));
        assert!(holds("gold", "members"));
        assert!(!holds("members", "gold"));
        assert!(holds("over30", "adult"));
        assert!(!holds("over10", "adult"));
        assert!(holds("gold", "has-tier"));
        assert!(holds("gold", "not-silver"));
        assert!(holds("gold-adult", "gold"));
        assert!(!holds("gold", "gold-adult"));
        assert!(holds("either", "members"));
        assert!(holds("not-members", "not-gold"));
        assert!(!holds("not-gold", "not-members"));
    }
}
