//! The audience solver: one for synthesis and for reachability alike.
//!
//! - normal form: a condition (or its negation) as terms, any one of which
//!   makes it hold ([`dnf`]); the ways a profile receives a variant, its
//!   audience true and every earlier one false ([`receive_terms`]);
//! - witnesses: a profile built from a base so that a term holds ([`witness`]),
//!   trying for each field the values its leaves turn on (the values just
//!   outside a condition, from [`super::cases::leaf_points`]);
//! - implication: whether one audience admits everyone another admits
//!   ([`implies`]).
//!
//! Edge-case probes ([`super::probes`]) and the reachability that
//! `unreachable-variant` and `uncovered-variant` read both call it.

use serde_json::Value;

use crate::audience::{Condition, Leaf, Op, as_number, compare, loosely_equal, value_at};
use crate::project::Campaign;

use super::Base;
use super::cases::{Case, Point, Tier, leaf_points, number};
use super::edit::{PathEdit, apply_if};

/// At most this many ways of receiving a variant are tried per variant.
pub(crate) const MAX_TERMS: usize = 64;

/// A leaf that must hold (`true`) or must fail (`false`).
pub(crate) type Literal<'a> = (&'a Leaf, bool);
/// Literals that must all be as stated.
pub(crate) type Term<'a> = Vec<Literal<'a>>;

/// The ways a profile receives variant `k`: its audience holds and no earlier
/// variant's does. Empty when an earlier variant is a catch-all.
pub(crate) fn receive_terms(campaign: &Campaign, k: usize) -> Vec<Term<'_>> {
    let Some(variant) = campaign.variants.get(k) else {
        return Vec::new();
    };
    let mut terms = match &variant.audience {
        Some(a) => dnf(a, true),
        None => vec![Vec::new()],
    };
    for earlier in &campaign.variants[..k] {
        match &earlier.audience {
            None => return Vec::new(),
            Some(a) => terms = and(&terms, &dnf(a, false)),
        }
    }
    terms
}

/// A condition (or its negation, when `positive` is false) as a list of terms,
/// any one of which makes it hold; at most [`MAX_TERMS`] of them.
pub(crate) fn dnf(condition: &Condition, positive: bool) -> Vec<Term<'_>> {
    match condition {
        Condition::Leaf(leaf) => vec![vec![(leaf, positive)]],
        Condition::Not(inner) => dnf(inner, !positive),
        Condition::All(list) | Condition::Any(list) => {
            let conjunction = matches!(condition, Condition::All(_)) == positive;
            if conjunction {
                list.iter().fold(vec![Vec::new()], |acc, child| {
                    and(&acc, &dnf(child, positive))
                })
            } else {
                let mut out = Vec::new();
                for child in list {
                    out.extend(dnf(child, positive));
                    if out.len() >= MAX_TERMS {
                        out.truncate(MAX_TERMS);
                        break;
                    }
                }
                out
            }
        }
    }
}

/// Every term of `a` joined with every term of `b`, leaving out the ones that
/// ask a leaf to hold and fail at once.
fn and<'a>(a: &[Term<'a>], b: &[Term<'a>]) -> Vec<Term<'a>> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let contradicts = x
                .iter()
                .any(|(lx, px)| y.iter().any(|(ly, py)| std::ptr::eq(*lx, *ly) && px != py));
            if contradicts {
                continue;
            }
            let mut joined = x.clone();
            joined.extend(y.iter().copied());
            out.push(joined);
            if out.len() >= MAX_TERMS {
                return out;
            }
        }
    }
    out
}

/// Data made from `data` so that every literal of `term` holds as stated,
/// trying for each field the values its leaves turn on (and the midpoints
/// between its numeric thresholds).
pub(crate) struct Satisfied {
    pub data: Value,
    /// The changes made, one per field that had to change.
    pub edits: Vec<PathEdit>,
    /// `field=value` for each change, as edge-case names write it.
    pub labels: Vec<String>,
}

/// [`Satisfied`] for `term` on top of `data`; `None` when no such values
/// were found.
pub(crate) fn satisfy(term: &Term<'_>, data: &Value) -> Option<Satisfied> {
    let mut data = data.clone();
    let holds = |data: &Value, field: Option<&str>| {
        term.iter()
            .filter(|(leaf, _)| field.is_none_or(|f| leaf.field == f))
            .all(|(leaf, positive)| leaf.matches(data) == *positive)
    };
    let mut fields: Vec<&str> = Vec::new();
    for (leaf, _) in term {
        if !fields.contains(&leaf.field.as_str()) {
            fields.push(&leaf.field);
        }
    }
    let mut edits = Vec::new();
    let mut labels = Vec::new();
    for field in fields {
        if holds(&data, Some(field)) {
            continue;
        }
        let current = value_at(&data, field).cloned();
        let leaves: Vec<&Leaf> = term
            .iter()
            .filter(|(l, _)| l.field == field)
            .map(|(l, _)| *l)
            .collect();
        let mut candidates: Vec<Point> = leaves
            .iter()
            .flat_map(|l| leaf_points(&l.op, current.as_ref()))
            .collect();
        candidates.extend(midpoints(&leaves));
        let chosen = candidates
            .into_iter()
            .find(|p| apply_if(&mut data, field, &p.edit, |d| holds(d, Some(field))))?;
        labels.push(format!("{field}={}", chosen.label));
        edits.push(PathEdit {
            path: field.to_string(),
            edit: chosen.edit,
        });
    }
    holds(&data, None).then_some(Satisfied {
        data,
        edits,
        labels,
    })
}

/// A probe made from `base` that receives `variant` through `term`. `None`
/// when no values were found, or when the sample itself already does.
pub(super) fn witness(term: &Term<'_>, base: Base<'_>, variant: &str) -> Option<Case> {
    let Satisfied { edits, labels, .. } = satisfy(term, base.data)?;
    if labels.is_empty() && base.profile.is_some() {
        // The sample itself receives the variant: no probe needed.
        return None;
    }
    let change = if labels.is_empty() {
        "unchanged".to_string()
    } else {
        labels.join("+")
    };
    Some(Case {
        tier: Tier::Boundary,
        what: format!("made to receive `{variant}` ({change})"),
        change,
        edits,
    })
}

/// Values between consecutive numeric thresholds on one field, for a range
/// (`gt 10` and `lt 11`) that none of the thresholds' own neighbours satisfy.
fn midpoints(leaves: &[&Leaf]) -> Vec<Point> {
    let mut thresholds: Vec<f64> = leaves
        .iter()
        .filter_map(|l| match &l.op {
            Op::Gt(v) | Op::Gte(v) | Op::Lt(v) | Op::Lte(v) => as_number(v),
            _ => None,
        })
        .collect();
    thresholds.sort_by(f64::total_cmp);
    thresholds
        .windows(2)
        .map(|w| {
            let value = number((w[0] + w[1]) / 2.0);
            Point {
                label: super::cases::label(&value),
                edit: super::edit::Edit::Set(value),
                relation: "between the thresholds of",
            }
        })
        .collect()
}

/// At most this many ways of holding are looked at to show an audience
/// covered by the earlier ones together ([`covered_by_earlier`]).
const MAX_COVER_TERMS: usize = 256;

/// Whether every profile `audience` admits is admitted by at least one of
/// `earlier`. Shown when each way `audience` can hold (a term of its normal
/// form, an `in` split into its values) [`implies`] one earlier audience;
/// `false` whenever that cannot be shown, never when it is not so.
pub(crate) fn covered_by_earlier(audience: &Condition, earlier: &[&Condition]) -> bool {
    let Some(terms) = split_terms(audience, true) else {
        return false;
    };
    terms.into_iter().all(|term| {
        let holds = Condition::All(term);
        earlier.iter().any(|a| implies(&holds, a))
            || matches!(&holds, Condition::All(term) if covered_in_pieces(term, earlier))
    })
}

/// A literal that bounds its field from below (`true`) or above, by value.
fn numeric_bound(literal: &Condition) -> Option<(&Leaf, bool, &Value)> {
    match literal {
        Condition::Leaf(leaf) => match &leaf.op {
            Op::Gt(v) | Op::Gte(v) => Some((leaf, true, v)),
            Op::Lt(v) | Op::Lte(v) => Some((leaf, false, v)),
            _ => None,
        },
        _ => None,
    }
}

/// At most this many thresholds split a way of holding ([`covered_in_pieces`]).
const MAX_SPLIT_THRESHOLDS: usize = 32;

/// Whether `term` is covered piece by piece: cut along the thresholds the
/// earlier audiences set on a field the term bounds by numbers (`age` 25–45
/// after 25–40 and 35–55), each piece implies one earlier audience. The
/// pieces — below the first threshold, from each to the next, from the last
/// on — hold together exactly where the term does: a value the term's
/// numeric bounds admit is a number, and every number falls in one piece.
/// The pieces are tried closed below and open above (`gte`/`lt` audiences),
/// then open below and closed above (`gt`/`lte`).
fn covered_in_pieces(term: &[Condition], earlier: &[&Condition]) -> bool {
    let bounds: Vec<(&Leaf, bool, &Value)> = term.iter().filter_map(numeric_bound).collect();
    bounds.iter().any(|&(leaf, _, _)| {
        let on_field: Vec<(bool, &Value)> = bounds
            .iter()
            .filter(|(l, _, _)| l.field == leaf.field)
            .map(|&(_, lower, v)| (lower, v))
            .collect();
        // A bound that is text compares text with text: only numbers cut.
        if on_field.iter().any(|(_, v)| !v.is_number()) {
            return false;
        }
        let (mut lower, mut upper) = (f64::NEG_INFINITY, f64::INFINITY);
        for (is_lower, v) in on_field {
            let Some(x) = as_number(v) else { return false };
            if is_lower {
                lower = lower.max(x);
            } else {
                upper = upper.min(x);
            }
        }
        let mut cuts: Vec<f64> = earlier
            .iter()
            .flat_map(|a| a.leaves())
            .filter(|l| l.field == leaf.field)
            .filter_map(|l| match &l.op {
                Op::Gt(v) | Op::Gte(v) | Op::Lt(v) | Op::Lte(v) | Op::Eq(v) => as_number(v),
                _ => None,
            })
            .filter(|&t| t > lower && t < upper)
            .collect();
        cuts.sort_by(f64::total_cmp);
        cuts.dedup();
        if cuts.is_empty() || cuts.len() > MAX_SPLIT_THRESHOLDS {
            return false;
        }
        let with = |op: Op| Condition::Leaf(Leaf { op, ..leaf.clone() });
        [true, false].into_iter().any(|closed_below| {
            (0..=cuts.len()).all(|i| {
                let mut piece = term.to_vec();
                if i > 0 {
                    let from = number(cuts[i - 1]);
                    piece.push(with(if closed_below {
                        Op::Gte(from)
                    } else {
                        Op::Gt(from)
                    }));
                }
                if let Some(&to) = cuts.get(i) {
                    let to = number(to);
                    piece.push(with(if closed_below {
                        Op::Lt(to)
                    } else {
                        Op::Lte(to)
                    }));
                }
                let holds = Condition::All(piece);
                earlier.iter().any(|a| implies(&holds, a))
            })
        })
    })
}

/// `condition` (or its negation, when `positive` is false) as terms of
/// literals, any one of which makes it hold: each literal a leaf or a
/// negated leaf, and a leaf `in` a list that must hold split into one term
/// per value (`in` holds exactly when one `eq` does). `None` past
/// [`MAX_COVER_TERMS`] terms: unlike [`dnf`], none may be left out.
fn split_terms(condition: &Condition, positive: bool) -> Option<Vec<Vec<Condition>>> {
    match condition {
        Condition::Leaf(leaf) => Some(match (&leaf.op, positive) {
            (Op::In(values), true) => values
                .iter()
                .map(|v| {
                    vec![Condition::Leaf(Leaf {
                        op: Op::Eq(v.clone()),
                        ..leaf.clone()
                    })]
                })
                .collect(),
            (_, true) => vec![vec![Condition::Leaf(leaf.clone())]],
            (_, false) => vec![vec![Condition::Not(Box::new(Condition::Leaf(
                leaf.clone(),
            )))]],
        }),
        Condition::Not(inner) => split_terms(inner, !positive),
        Condition::All(list) | Condition::Any(list) => {
            let conjunction = matches!(condition, Condition::All(_)) == positive;
            let mut out: Vec<Vec<Condition>> = if conjunction {
                vec![Vec::new()]
            } else {
                Vec::new()
            };
            for child in list {
                let terms = split_terms(child, positive)?;
                if conjunction {
                    let mut joined = Vec::with_capacity(out.len() * terms.len());
                    for x in &out {
                        for y in &terms {
                            joined.push(x.iter().chain(y).cloned().collect());
                        }
                        if joined.len() > MAX_COVER_TERMS {
                            return None;
                        }
                    }
                    out = joined;
                } else {
                    out.extend(terms);
                }
                if out.len() > MAX_COVER_TERMS {
                    return None;
                }
            }
            Some(out)
        }
    }
}

/// Whether every profile `b` admits is admitted by `a`. Sound, not complete:
/// `false` means "not shown", and the evidence (profiles, probes, witnesses)
/// decides the rest.
pub(crate) fn implies(b: &Condition, a: &Condition) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::campaign;

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

    /// `audience` against earlier ones, each written as YAML.
    fn covered(audience: &str, earlier: &[&str]) -> bool {
        let parse = |a: &str| {
            campaign(&format!(
                "variants:\n  - id: v\n    audience: {a}\n    subject: s\n    body: b\n"
            ))
            .variants[0]
                .audience
                .clone()
                .unwrap()
        };
        let earlier: Vec<Condition> = earlier.iter().map(|a| parse(a)).collect();
        let earlier: Vec<&Condition> = earlier.iter().collect();
        covered_by_earlier(&parse(audience), &earlier)
    }

    #[test]
    fn an_audience_covered_by_earlier_ones_together() {
        let gold = "{ field: tier, eq: gold }";
        let bronze_silver = "{ field: tier, in: [bronze, silver] }";
        // Each of its values is one earlier audience's.
        assert!(covered(
            "{ field: tier, in: [silver, gold] }",
            &[gold, bronze_silver]
        ));
        // Each way it holds is.
        assert!(covered(
            "{ any: [ { field: tier, eq: gold }, { all: [ { field: tier, eq: bronze }, { field: age, gt: 30 } ] } ] }",
            &[gold, bronze_silver]
        ));
        // An audience that admits nobody is covered by anything.
        assert!(covered("{ field: tier, in: [] }", &[gold]));
        // A value no earlier audience takes.
        assert!(!covered(
            "{ field: tier, in: [silver, platinum] }",
            &[gold, bronze_silver]
        ));
        // Taken by two earlier audiences only together: shown piece by
        // piece, cut where they meet, whichever side each takes the cut.
        assert!(covered(
            "{ field: age, gt: 20 }",
            &["{ field: age, lte: 40 }", "{ field: age, gt: 40 }"]
        ));
        assert!(covered(
            "{ all: [ { field: age, gte: 25 }, { field: age, lt: 45 } ] }",
            &[
                "{ all: [ { field: age, gte: 25 }, { field: age, lt: 40 } ] }",
                "{ all: [ { field: age, gte: 35 }, { field: age, lt: 55 } ] }",
            ]
        ));
        // A gap between them (40 to 41, or 40 itself) is no cover.
        assert!(!covered(
            "{ field: age, gt: 20 }",
            &["{ field: age, lte: 40 }", "{ field: age, gt: 41 }"]
        ));
        assert!(!covered(
            "{ field: age, gt: 20 }",
            &["{ field: age, lt: 40 }", "{ field: age, gt: 40 }"]
        ));
        // Pieces of one audience each, but on another field than the cut.
        assert!(!covered(
            "{ all: [ { field: age, gt: 20 }, { field: tier, eq: gold } ] }",
            &[
                "{ field: age, lte: 40 }",
                "{ all: [ { field: age, gt: 40 }, { field: tier, eq: silver } ] }"
            ]
        ));
        // A bound written as text compares text: no cut is made on it.
        assert!(!covered(
            "{ field: age, gt: \"20\" }",
            &["{ field: age, lte: 40 }", "{ field: age, gt: 40 }"]
        ));
        // Negations stay whole: `not in` is not split.
        assert!(!covered("{ not: { field: tier, in: [gold] } }", &[gold]));
        // Past the budget of terms, nothing is shown.
        let many: Vec<String> = (0..9)
            .map(|i| format!("{{ field: f{i}, in: [a, b] }}"))
            .collect();
        let all = format!("{{ all: [ {} ] }}", many.join(", "));
        assert!(!covered(&all, &["{ field: f0, in: [a, b] }"]));
        assert!(covered(
            &format!("{{ all: [ {} ] }}", many[..8].join(", ")),
            &["{ field: f0, in: [a, b] }"]
        ));
    }
}
