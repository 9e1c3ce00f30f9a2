//! Audience conditions: which profiles a variant (or a sensitive-category policy)
//! admits. Conditions are parsed from YAML with their positions and evaluated
//! against a profile's free-form data.

use std::cmp::Ordering;

use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;

use crate::source::{LoadError, SourceLoc};

/// A condition tree: `all`/`any`/`not` nest freely; leaves compare one field.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    Leaf(Leaf),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Leaf {
    /// Dotted path into the profile (`loyalty.tier`).
    pub field: String,
    pub(crate) op: Op,
    pub loc: SourceLoc,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Op {
    Exists(bool),
    Eq(Value),
    Ne(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Gt(Value),
    Gte(Value),
    Lt(Value),
    Lte(Value),
    Contains(Value),
}

impl Op {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Op::Exists(_) => "exists",
            Op::Eq(_) => "eq",
            Op::Ne(_) => "ne",
            Op::In(_) => "in",
            Op::NotIn(_) => "not_in",
            Op::Gt(_) => "gt",
            Op::Gte(_) => "gte",
            Op::Lt(_) => "lt",
            Op::Lte(_) => "lte",
            Op::Contains(_) => "contains",
        }
    }
}

/// The YAML shape of a condition, before it is checked to hold exactly one
/// combinator or one `field` with one operator.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCondition {
    all: Option<Vec<Spanned<RawCondition>>>,
    any: Option<Vec<Spanned<RawCondition>>>,
    not: Option<Box<Spanned<RawCondition>>>,
    field: Option<String>,
    exists: Option<bool>,
    eq: Option<Value>,
    ne: Option<Value>,
    #[serde(rename = "in")]
    in_: Option<Vec<Value>>,
    not_in: Option<Vec<Value>>,
    gt: Option<Value>,
    gte: Option<Value>,
    lt: Option<Value>,
    lte: Option<Value>,
    contains: Option<Value>,
}

/// Checks a parsed condition and gives it its source positions. Every problem is
/// pushed to `errors`; `None` means the condition is unusable.
pub(crate) fn build_condition(
    raw: &Spanned<RawCondition>,
    file: &str,
    errors: &mut Vec<LoadError>,
) -> Option<Condition> {
    let loc = SourceLoc::from_yaml(file, &raw.referenced);
    let r = &raw.value;
    let combinators = [r.all.is_some(), r.any.is_some(), r.not.is_some()]
        .iter()
        .filter(|b| **b)
        .count();
    let ops: Vec<Op> = [
        r.exists.map(Op::Exists),
        r.eq.clone().map(Op::Eq),
        r.ne.clone().map(Op::Ne),
        r.in_.clone().map(Op::In),
        r.not_in.clone().map(Op::NotIn),
        r.gt.clone().map(Op::Gt),
        r.gte.clone().map(Op::Gte),
        r.lt.clone().map(Op::Lt),
        r.lte.clone().map(Op::Lte),
        r.contains.clone().map(Op::Contains),
    ]
    .into_iter()
    .flatten()
    .collect();

    if combinators > 0 && (r.field.is_some() || !ops.is_empty()) {
        errors.push(LoadError::at(
            &loc,
            "a condition is either `all`/`any`/`not` or a `field` with an operator, not both",
        ));
        return None;
    }
    if combinators > 1 {
        errors.push(LoadError::at(
            &loc,
            "use one of `all`, `any` or `not` per condition; nest them to combine",
        ));
        return None;
    }
    let children = |list: &Vec<Spanned<RawCondition>>, errors: &mut Vec<LoadError>| {
        let built: Vec<Option<Condition>> = list
            .iter()
            .map(|c| build_condition(c, file, errors))
            .collect();
        built.into_iter().collect::<Option<Vec<_>>>()
    };
    if let Some(list) = &r.all {
        return children(list, errors).map(Condition::All);
    }
    if let Some(list) = &r.any {
        if list.is_empty() {
            errors.push(LoadError::at(&loc, "`any: []` can never match"));
            return None;
        }
        return children(list, errors).map(Condition::Any);
    }
    if let Some(inner) = &r.not {
        return build_condition(inner, file, errors).map(|c| Condition::Not(Box::new(c)));
    }
    let Some(field) = r.field.clone().filter(|f| !f.trim().is_empty()) else {
        errors.push(LoadError::at(
            &loc,
            "a condition needs `field` and one operator (exists, eq, ne, in, not_in, gt, gte, lt, lte, contains), or `all`/`any`/`not`",
        ));
        return None;
    };
    match ops.len() {
        1 => ops.into_iter().next().map(|op| {
            Condition::Leaf(Leaf {
                field: field.trim().to_string(),
                op,
                loc,
            })
        }),
        0 => {
            errors.push(LoadError::at(
                &loc,
                format!("condition on `{field}` has no operator: add one of exists, eq, ne, in, not_in, gt, gte, lt, lte, contains"),
            ));
            None
        }
        _ => {
            let names: Vec<&str> = ops.iter().map(Op::name).collect();
            errors.push(LoadError::at(
                &loc,
                format!(
                    "condition on `{field}` has {} operators ({}); use one per condition and combine them with `all`",
                    names.len(),
                    names.join(", ")
                ),
            ));
            None
        }
    }
}

/// The value at a dotted path (`account.balance`, `orders.0.sku`), if any.
pub(crate) fn value_at<'a>(data: &'a Value, path: &str) -> Option<&'a Value> {
    let mut current = data;
    // A dot at a time over the bytes: paths are a few short names, and
    // every check of every customer reads some.
    let mut rest = path;
    while !rest.is_empty() {
        let end = rest.bytes().position(|b| b == b'.').unwrap_or(rest.len());
        let segment = &rest[..end];
        rest = rest.get(end + 1..).unwrap_or_default();
        if segment.is_empty() {
            continue;
        }
        current = match current {
            Value::Object(map) => field(map, segment)?,
            Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Objects this small are searched in order rather than hashed.
const SCANNED_FIELDS: usize = 12;

/// The value of `name` in an object. A profile's objects hold a few fields
/// each (a name, an address, a tier), and every check of every cell reads
/// them: comparing a handful of names, shortest test first, costs less than
/// hashing the name with the map's SipHash. Keys are unique, so both find
/// the same value.
pub(crate) fn field<'a>(map: &'a serde_json::Map<String, Value>, name: &str) -> Option<&'a Value> {
    if map.len() <= SCANNED_FIELDS {
        // Length and first byte before the bytes: names of a length
        // (`loyalty`, `account`, `address`) rarely share their first.
        map.iter()
            .find(|(key, _)| {
                key.len() == name.len()
                    && key.as_bytes().first() == name.as_bytes().first()
                    && key.as_str() == name
            })
            .map(|(_, value)| value)
    } else {
        map.get(name)
    }
}

/// A value that stands for no data: missing, null, empty, whitespace only, or
/// the words `null` / `undefined` that exports write for a missing value. A
/// customer must never read "Hi null,", so those count as missing too.
pub(crate) fn is_blank(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => is_blank_text(s),
        _ => false,
    }
}

pub(crate) fn is_blank_text(s: &str) -> bool {
    let t = crate::whitespace::trimmed(s);
    t.is_empty() || t.eq_ignore_ascii_case("null") || t.eq_ignore_ascii_case("undefined")
}

impl Condition {
    pub(crate) fn matches(&self, data: &Value) -> bool {
        match self {
            Condition::All(list) => list.iter().all(|c| c.matches(data)),
            Condition::Any(list) => list.iter().any(|c| c.matches(data)),
            Condition::Not(inner) => !inner.matches(data),
            Condition::Leaf(leaf) => leaf.matches(data),
        }
    }

    /// Every leaf, in source order.
    pub(crate) fn leaves(&self) -> Vec<&Leaf> {
        let mut out = Vec::new();
        self.for_each_leaf(&mut |leaf| out.push(leaf));
        out
    }

    /// Hands every leaf to `each`, in source order, collecting none: the
    /// checks of a cell look at its variant's leaves for every customer.
    pub(crate) fn for_each_leaf<'a>(&'a self, each: &mut dyn FnMut(&'a Leaf)) {
        match self {
            Condition::All(list) | Condition::Any(list) => {
                list.iter().for_each(|c| c.for_each_leaf(each))
            }
            Condition::Not(inner) => inner.for_each_leaf(each),
            Condition::Leaf(leaf) => each(leaf),
        }
    }

    /// Whether every profile this condition admits has a non-blank value at
    /// `path`: the audience then guards a token that reads it.
    pub(crate) fn guarantees_present(&self, path: &str) -> bool {
        self.guarantees(path, &|op, negated| match (op, negated) {
            (Op::Exists(b), false) => *b,
            (Op::Exists(b), true) => !*b,
            (Op::Eq(v), false) => !is_blank(Some(v)),
            (Op::In(list), false) => !list.is_empty() && list.iter().all(|v| !is_blank(Some(v))),
            (Op::Gt(_) | Op::Gte(_) | Op::Lt(_) | Op::Lte(_) | Op::Contains(_), false) => true,
            _ => false,
        })
    }

    /// Whether every profile this condition admits has a number above zero at
    /// `path`: the audience then guards a balance that reads it.
    pub(crate) fn guarantees_positive(&self, path: &str) -> bool {
        self.guarantees(path, &|op, negated| match (op, negated) {
            (Op::Gt(v), false) => v.as_f64().is_some_and(|n| n >= 0.0),
            (Op::Gte(v), false) => v.as_f64().is_some_and(|n| n > 0.0),
            (Op::Lte(v), true) => v.as_f64().is_some_and(|n| n >= 0.0),
            (Op::Lt(v), true) => v.as_f64().is_some_and(|n| n > 0.0),
            (Op::Eq(v), false) => v.as_f64().is_some_and(|n| n > 0.0),
            (Op::In(list), false) => {
                !list.is_empty() && list.iter().all(|v| v.as_f64().is_some_and(|n| n > 0.0))
            }
            _ => false,
        })
    }

    fn guarantees(&self, path: &str, leaf_ok: &dyn Fn(&Op, bool) -> bool) -> bool {
        self.guarantees_inner(path, leaf_ok, false)
    }

    fn guarantees_inner(
        &self,
        path: &str,
        leaf_ok: &dyn Fn(&Op, bool) -> bool,
        negated: bool,
    ) -> bool {
        match (self, negated) {
            (Condition::All(list), false) | (Condition::Any(list), true) => list
                .iter()
                .any(|c| c.guarantees_inner(path, leaf_ok, negated)),
            (Condition::Any(list), false) | (Condition::All(list), true) => {
                !list.is_empty()
                    && list
                        .iter()
                        .all(|c| c.guarantees_inner(path, leaf_ok, negated))
            }
            (Condition::Not(inner), _) => inner.guarantees_inner(path, leaf_ok, !negated),
            (Condition::Leaf(leaf), _) => leaf.field == path && leaf_ok(&leaf.op, negated),
        }
    }
}

impl Leaf {
    pub(crate) fn matches(&self, data: &Value) -> bool {
        let value = value_at(data, &self.field).filter(|v| !v.is_null());
        match (&self.op, value) {
            (Op::Exists(want), v) => v.is_some() == *want,
            (Op::Ne(_) | Op::NotIn(_), None) => true,
            (_, None) => false,
            (Op::Eq(want), Some(v)) => loosely_equal(v, want),
            (Op::Ne(want), Some(v)) => !loosely_equal(v, want),
            (Op::In(list), Some(v)) => list.iter().any(|w| loosely_equal(v, w)),
            (Op::NotIn(list), Some(v)) => !list.iter().any(|w| loosely_equal(v, w)),
            (Op::Gt(w), Some(v)) => compare(v, w) == Some(Ordering::Greater),
            (Op::Gte(w), Some(v)) => {
                matches!(compare(v, w), Some(Ordering::Greater | Ordering::Equal))
            }
            (Op::Lt(w), Some(v)) => compare(v, w) == Some(Ordering::Less),
            (Op::Lte(w), Some(v)) => {
                matches!(compare(v, w), Some(Ordering::Less | Ordering::Equal))
            }
            (Op::Contains(w), Some(Value::Array(items))) => {
                items.iter().any(|i| loosely_equal(i, w))
            }
            (Op::Contains(w), Some(Value::String(s))) => match w {
                Value::String(needle) => s.contains(needle.as_str()),
                other => s.contains(&scalar_text(other)),
            },
            (Op::Contains(_), Some(_)) => false,
        }
    }
}

/// Equality as a person means it in a YAML file: `1` equals `1.0`, and a number
/// written as a string in a profile equals the number in a condition.
pub(crate) fn loosely_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::String(s), Value::Number(n)) | (Value::Number(n), Value::String(s)) => {
            s.trim().parse::<f64>().ok() == n.as_f64()
        }
        _ => a == b,
    }
}

/// Ordering for `gt`/`gte`/`lt`/`lte`: numbers (also numbers written as strings)
/// by value, strings (ISO dates) by text; anything else does not compare.
pub(crate) fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => match (a, b) {
            (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
            _ => None,
        },
    }
}

pub(crate) fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

/// A scalar as text, the way a template prints it.
pub(crate) fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn leaf(field: &str, op: Op) -> Condition {
        Condition::Leaf(Leaf {
            field: field.into(),
            op,
            loc: SourceLoc::default(),
        })
    }

    #[test]
    fn comparisons_on_a_missing_field_are_false() {
        let p = json!({ "age": 30 });
        assert!(!leaf("loyalty.points", Op::Gt(json!(0))).matches(&p));
        assert!(!leaf("loyalty.tier", Op::Eq(json!("gold"))).matches(&p));
        assert!(!leaf("loyalty.tier", Op::In(vec![json!("gold")])).matches(&p));
        assert!(!leaf("tags", Op::Contains(json!("x"))).matches(&p));
    }

    #[test]
    fn negative_operators_on_a_missing_field_are_true() {
        let p = json!({});
        assert!(leaf("gender", Op::Exists(false)).matches(&p));
        assert!(leaf("gender", Op::Ne(json!("male"))).matches(&p));
        assert!(leaf("tier", Op::NotIn(vec![json!("gold")])).matches(&p));
        assert!(leaf("gender", Op::Exists(false)).matches(&json!({"gender": null})));
    }

    #[test]
    fn numbers_compare_by_value() {
        let p = json!({ "age": 18, "account": { "balance": "12.50" } });
        assert!(leaf("age", Op::Gte(json!(18))).matches(&p));
        assert!(!leaf("age", Op::Gt(json!(18))).matches(&p));
        assert!(leaf("age", Op::Eq(json!(18.0))).matches(&p));
        assert!(leaf("account.balance", Op::Gt(json!(12))).matches(&p));
    }

    #[test]
    fn contains_reads_lists_and_substrings() {
        let p = json!({ "tags": ["tea", "yoga"], "email": "a@example.com" });
        assert!(leaf("tags", Op::Contains(json!("tea"))).matches(&p));
        assert!(!leaf("tags", Op::Contains(json!("coffee"))).matches(&p));
        assert!(leaf("email", Op::Contains(json!("@example"))).matches(&p));
    }

    #[test]
    fn combinators_nest() {
        let c = Condition::All(vec![
            leaf("tier", Op::In(vec![json!("gold"), json!("platinum")])),
            Condition::Not(Box::new(leaf("age", Op::Lt(json!(18))))),
        ]);
        assert!(c.matches(&json!({"tier": "gold", "age": 40})));
        assert!(!c.matches(&json!({"tier": "gold", "age": 16})));
        assert!(!c.matches(&json!({"tier": "silver", "age": 40})));
    }

    #[test]
    fn audience_guards() {
        let c = Condition::All(vec![
            leaf("loyalty.tier", Op::In(vec![json!("gold")])),
            leaf("account.balance", Op::Gt(json!(0))),
        ]);
        assert!(c.guarantees_present("loyalty.tier"));
        assert!(c.guarantees_positive("account.balance"));
        assert!(!c.guarantees_present("first_name"));
        let either = Condition::Any(vec![
            leaf("first_name", Op::Exists(true)),
            leaf("age", Op::Gt(json!(1))),
        ]);
        assert!(!either.guarantees_present("first_name"));
        let not_missing = Condition::Not(Box::new(leaf("first_name", Op::Exists(false))));
        assert!(not_missing.guarantees_present("first_name"));
    }

    #[test]
    fn value_at_walks_objects_and_lists() {
        let p = json!({ "a": { "b": [ { "c": 1 } ] } });
        assert_eq!(value_at(&p, "a.b.0.c"), Some(&json!(1)));
        assert_eq!(value_at(&p, "a.x"), None);
        assert!(is_blank(value_at(&json!({"n": "  "}), "n")));
        assert!(is_blank(Some(&json!("NULL"))));
        assert!(is_blank(Some(&json!(" undefined "))));
        assert!(!is_blank(Some(&json!("Nullah"))));
    }

    proptest::proptest! {
        /// Paths with empty names (`a..b`, `.a`, `a.`) read as they did
        /// split on every dot, empty names skipped.
        #[test]
        fn paths_read_as_split_on_dots(path in "[ab0.]{0,7}") {
            let data = json!({ "a": { "b": [ { "a": 1 } ], "0": "zero" }, "b": [ [2] ] });
            let mut split = Some(&data);
            for name in path.split('.').filter(|s| !s.is_empty()) {
                split = match split {
                    Some(Value::Object(map)) => map.get(name),
                    Some(Value::Array(items)) => name.parse::<usize>().ok().and_then(|i| items.get(i)),
                    _ => None,
                };
            }
            proptest::prop_assert_eq!(value_at(&data, &path), split);
        }
    }

    #[test]
    fn small_and_large_objects_are_read_alike() {
        for size in [1, SCANNED_FIELDS, SCANNED_FIELDS + 1, 40] {
            let mut map = serde_json::Map::new();
            for i in 0..size {
                // Names of equal length, and one a prefix of another.
                map.insert(format!("f{i:02}"), json!(i));
                map.insert(format!("f{i:02}x"), json!(-(i as i64)));
            }
            let data = json!({ "o": map.clone() });
            for (name, value) in &map {
                assert_eq!(value_at(&data, &format!("o.{name}")), Some(value));
            }
            assert_eq!(value_at(&data, "o.f"), None);
            assert_eq!(value_at(&data, "o.missing"), None);
        }
    }
}
