//! The edge cases of one field: the values its conditions turn on, then the
//! values real data holds and templates forget.
//!
//! Which cases a field gets follows from how the campaign uses it and from the
//! value the base profile holds there:
//!
//! - every field: missing and null;
//! - text — a token prints it, or the base holds a string: empty and
//!   whitespace only; and when a token prints it (`{{first_name}}`, also
//!   through `default` or a partial): 300 characters long, right-to-left
//!   script, non-Latin scripts, emoji, combining marks, markup and quotes,
//!   control characters, a terminal escape sequence, and the words `null` and
//!   `undefined`;
//! - number — compared with a number (audience, policy or template helper),
//!   named in `balance_fields`, formatted by `currency`, or a number in the
//!   base: 0, negative, fractional, very large;
//! - boolean — compared with `true`/`false` or a boolean in the base: true,
//!   false;
//! - list — looped over by `{{#each}}` or a list in the base: empty, one item,
//!   many items;
//! - an object in the base (a token that prints a whole object is rare; a
//!   partial given it as context is not): missing and null only.
//!
//! A field both printed and compared as a number gets the text and the number
//! cases. Boundaries come first: for `gt`/`gte`/`lt`/`lte` the values just
//! below, at and just above the threshold (whole numbers step by 1, fractional
//! ones by 0.01, ISO dates by one day); for `eq`/`ne`/`in`/`not_in` each value
//! and one value outside them; for `exists` the field missing and present; for
//! `contains` the list (or text) with and without the value.

use serde_json::{Map, Number, Value};

use crate::audience::{Op, as_number, loosely_equal, value_at};

use super::edit::{EACH, Edit, PathEdit, apply};
use super::usage::{Boundary, FieldUse};

/// How useful a case is, most useful first: when the per-campaign cap cuts the
/// list, the boundaries and missing values survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Tier {
    /// The values a condition (audience, policy, template helper) turns on.
    Boundary,
    /// The field is not there at all.
    Missing,
    /// Null, empty, blank, zero, false, an empty list; the name Loren without gender.
    Blank,
    /// Long, foreign, decorated or hostile values; unusual numbers; long lists.
    Odd,
}

/// One synthesized change to a profile.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Case {
    pub tier: Tier,
    pub edits: Vec<PathEdit>,
    /// The name of the change, after `edge:` (`first_name=missing`).
    pub change: String,
    /// What changed, in words, for the profile's description.
    pub what: String,
}

impl Case {
    fn one(tier: Tier, path: &str, edit: Edit, label: &str, what: impl AsRef<str>) -> Case {
        Case {
            tier,
            edits: vec![PathEdit {
                path: path.to_string(),
                edit,
            }],
            change: format!("{path}={label}"),
            what: format!("`{path}` {}", what.as_ref()),
        }
    }
}

/// A value a condition turns on.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Point {
    pub edit: Edit,
    /// The value as it appears in the edge case's name (`17`, `missing`).
    pub label: String,
    /// Where it sits relative to the condition (`just below`, `a value of`).
    pub relation: &'static str,
}

impl Point {
    fn set(value: Value, relation: &'static str) -> Point {
        Point {
            label: label(&value),
            edit: Edit::Set(value),
            relation,
        }
    }

    /// `set to 17, just below \`age gte 18\``.
    pub(super) fn describe(&self, condition: &str) -> String {
        match &self.edit {
            Edit::Remove => format!("removed, {} `{condition}`", self.relation),
            Edit::Set(_) => format!("set to {}, {} `{condition}`", self.label, self.relation),
        }
    }
}

/// How many items the "many" list case holds.
pub(super) const MANY_ITEMS: usize = 12;
/// Length of the long text case, in characters.
pub(super) const LONG_TEXT_CHARS: usize = 300;
/// The numbers a numeric field is tried with besides its boundaries.
const ZERO: i64 = 0;
const NEGATIVE: i64 = -1;
/// "1 points": the count English writes in the singular.
const ONE: i64 = 1;
const FRACTIONAL: f64 = 12.345;
const VERY_LARGE: i64 = 1_000_000_000_000;

/// The edge cases of one field, most useful first. `siblings` are the other
/// fields of the same variant (a list's items are built from the fields read
/// inside its `{{#each}}`); `base` is the profile the cases change.
pub(super) fn field_cases(field: &FieldUse, siblings: &[FieldUse], base: &Value) -> Vec<Case> {
    let current = sample_value(base, &field.path);
    let kinds = Kinds::of(field, current);
    let path = field.path.as_str();
    let mut out = Vec::new();

    for boundary in &field.boundaries {
        match boundary {
            Boundary::Leaf { op, source } => {
                let condition = condition_text(path, op);
                for p in leaf_points(op, current) {
                    let what = format!("{} ({source})", p.describe(&condition));
                    out.push(Case::one(Tier::Boundary, path, p.edit, &p.label, what));
                }
            }
            Boundary::Literal {
                value,
                shared,
                source,
            } => {
                // A template condition lists its literals, not which field each
                // is compared with: with several fields, a number goes to the
                // numeric ones and text to the others.
                let fits = if value.is_number() {
                    !kinds.list && (!shared || kinds.numeric)
                } else {
                    !shared || !kinds.numeric || kinds.text
                };
                if !fits {
                    continue;
                }
                let points = if as_number(value).is_some() {
                    threshold_points(value)
                } else {
                    value_points(std::slice::from_ref(value))
                };
                let compared = label(value);
                for p in points {
                    let what = format!(
                        "set to {} ({} {compared}, compared by {source})",
                        p.label, p.relation
                    );
                    out.push(Case::one(Tier::Boundary, path, p.edit, &p.label, what));
                }
            }
            Boundary::MinAge { category, min_age } => {
                for (value, relation) in number_steps(*min_age) {
                    let l = label(&value);
                    let what = match relation {
                        "just below" => format!(
                            "set to {l}: a minor for category `{category}` (min_age {})",
                            label(&number(*min_age))
                        ),
                        _ => format!("set to {l}, {relation} the min_age of category `{category}`"),
                    };
                    out.push(Case::one(Tier::Boundary, path, Edit::Set(value), &l, what));
                }
            }
        }
    }

    out.push(Case::one(
        Tier::Missing,
        path,
        Edit::Remove,
        "missing",
        "removed",
    ));

    out.push(Case::one(
        Tier::Blank,
        path,
        Edit::Set(Value::Null),
        "null",
        "set to null",
    ));
    if kinds.text {
        for (label, value, what) in [
            ("empty", "", "set to an empty string"),
            ("whitespace", "  \t ", "set to whitespace only"),
        ] {
            out.push(Case::one(Tier::Blank, path, text(value), label, what));
        }
    }
    if kinds.numeric {
        out.push(number_case(Tier::Blank, path, ZERO.into(), "zero"));
        out.push(number_case(Tier::Blank, path, NEGATIVE.into(), "negative"));
    }
    if kinds.boolean {
        for b in [true, false] {
            out.push(Case::one(
                Tier::Blank,
                path,
                Edit::Set(Value::Bool(b)),
                &b.to_string(),
                format!("set to {b}"),
            ));
        }
    }
    if kinds.list {
        out.push(Case::one(
            Tier::Blank,
            path,
            Edit::Set(Value::Array(Vec::new())),
            "empty",
            "set to an empty list",
        ));
    }

    if kinds.printed_text {
        for (label, value, what) in odd_texts(current) {
            out.push(Case::one(Tier::Odd, path, Edit::Set(value), label, what));
        }
        if field.in_url {
            for (label, value, what) in [
                ("with-space", "A 17", "set to text with a space (in a URL)"),
                (
                    "with-quote",
                    "A\"17",
                    "set to text with a double quote (in a URL)",
                ),
            ] {
                out.push(Case::one(Tier::Odd, path, text(value), label, what));
            }
        }
    }
    if kinds.numeric {
        out.push(number_case(Tier::Odd, path, ONE.into(), "one, singular"));
        out.push(number_case(
            Tier::Odd,
            path,
            number(FRACTIONAL),
            "fractional",
        ));
        out.push(number_case(
            Tier::Odd,
            path,
            VERY_LARGE.into(),
            "very large",
        ));
    }
    if kinds.list {
        let items = list_items(path, siblings, current, MANY_ITEMS);
        for (label, count, what) in [
            ("one", 1, "set to a list of one item".to_string()),
            (
                "many",
                MANY_ITEMS,
                format!("set to a list of {MANY_ITEMS} items"),
            ),
        ] {
            let list = Value::Array(items.iter().take(count).cloned().collect());
            out.push(Case::one(Tier::Odd, path, Edit::Set(list), label, what));
        }
    }
    out
}

fn text(s: &str) -> Edit {
    Edit::Set(Value::String(s.to_string()))
}

fn number_case(tier: Tier, path: &str, value: Value, kind: &str) -> Case {
    let l = label(&value);
    Case::one(
        tier,
        path,
        Edit::Set(value),
        &l,
        format!("set to {l} ({kind})"),
    )
}

/// The unusual texts a printed field is tried with: (label, value, what).
fn odd_texts(current: Option<&Value>) -> Vec<(&'static str, Value, String)> {
    let seed = match current {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        _ => "Bartholomew".to_string(),
    };
    let long: String = format!("{seed} ")
        .chars()
        .cycle()
        .take(LONG_TEXT_CHARS)
        .collect();
    let t = |s: &str| Value::String(s.to_string());
    vec![
        (
            "300-chars",
            Value::String(long),
            format!("set to a text {LONG_TEXT_CHARS} characters long"),
        ),
        (
            "rtl",
            t("ليلى حداد"),
            "set to right-to-left text (Arabic script)".into(),
        ),
        (
            "non-latin",
            t("李小龙 Дмитрий"),
            "set to non-Latin scripts (Chinese, Cyrillic)".into(),
        ),
        ("emoji", t("Zoë 👩🏽‍💻🎉"), "set to text with emoji".into()),
        (
            "combining",
            t("Zoe\u{0308} Nu\u{0301}n\u{0303}ez"),
            "set to text with combining marks".into(),
        ),
        (
            "markup",
            t("<b>O'Brien & \"Co\"</b>"),
            "set to markup and quotes".into(),
        ),
        (
            "control-chars",
            t("Loren\r\nNg\t\u{0007}\u{0008}\u{007F}\u{202E}"),
            "set to text with control characters (line break, tab, bell, backspace, delete, a right-to-left override)".into(),
        ),
        (
            "terminal-escape",
            t("\u{1b}[31mLoren\u{1b}[0m"),
            "set to text with a terminal escape sequence".into(),
        ),
        ("text-null", t("null"), "set to the word \"null\"".into()),
        (
            "text-undefined",
            t("undefined"),
            "set to the word \"undefined\"".into(),
        ),
    ]
}

/// The kinds of value a field is tried with.
struct Kinds {
    /// Text: empty and whitespace-only.
    text: bool,
    /// Text a token prints: the long, foreign and hostile values too (a text
    /// only tested by a condition merely falls to another variant with them).
    printed_text: bool,
    numeric: bool,
    boolean: bool,
    list: bool,
}

impl Kinds {
    fn of(field: &FieldUse, current: Option<&Value>) -> Kinds {
        let list = field.list || matches!(current, Some(Value::Array(_)));
        let object = matches!(current, Some(Value::Object(_))) && !list;
        let scalar = !list && !object;
        Kinds {
            list,
            numeric: scalar && (field.numeric || matches!(current, Some(Value::Number(_)))),
            boolean: scalar && (field.boolean || matches!(current, Some(Value::Bool(_)))),
            text: scalar && (field.printed || matches!(current, Some(Value::String(_)))),
            printed_text: scalar && field.printed,
        }
    }
}

/// The value at a path in the base; through `[]`, the first item's.
fn sample_value<'a>(base: &'a Value, path: &str) -> Option<&'a Value> {
    let concrete = path
        .split('.')
        .map(|s| if s == EACH { "0" } else { s })
        .collect::<Vec<_>>()
        .join(".");
    value_at(base, &concrete)
}

/// Items for a list the template loops over: the base's own items when it has
/// some, else items holding every field read inside the loop.
fn list_items(path: &str, siblings: &[FieldUse], current: Option<&Value>, n: usize) -> Vec<Value> {
    if let Some(Value::Array(items)) = current
        && !items.is_empty()
    {
        return items.iter().cycle().take(n).cloned().collect();
    }
    let prefix = format!("{path}.{EACH}");
    let inside: Vec<&FieldUse> = siblings
        .iter()
        .filter(|f| f.path.starts_with(&format!("{prefix}.")))
        .collect();
    (1..=n)
        .map(|i| {
            if inside.is_empty() {
                return Value::String(format!("item {i}"));
            }
            let mut item = Value::Object(Map::new());
            for f in &inside {
                let sub = &f.path[prefix.len() + 1..];
                let leaf = sub.rsplit('.').next().unwrap_or(sub);
                let value = if f.numeric {
                    Value::from(i)
                } else {
                    Value::String(format!("{leaf} {i}"))
                };
                apply(&mut item, sub, &Edit::Set(value));
            }
            item
        })
        .collect()
}

/// The values a leaf condition turns on. `current` is the base's value there
/// (for `exists: true` and `contains`, the change keeps what it can of it).
pub(super) fn leaf_points(op: &Op, current: Option<&Value>) -> Vec<Point> {
    match op {
        Op::Exists(_) => {
            // Present: the base's own value when it has one (named after it),
            // else a placeholder.
            let present = match current.filter(|v| !v.is_null()) {
                Some(v) => Point::set(v.clone(), "testing"),
                None => Point {
                    edit: Edit::Set(Value::String("present".into())),
                    label: "present".into(),
                    relation: "testing",
                },
            };
            vec![
                Point {
                    edit: Edit::Remove,
                    label: "missing".into(),
                    relation: "testing",
                },
                present,
            ]
        }
        Op::Eq(v) | Op::Ne(v) => value_points(std::slice::from_ref(v)),
        Op::In(list) | Op::NotIn(list) => value_points(list),
        Op::Gt(v) | Op::Gte(v) | Op::Lt(v) | Op::Lte(v) => threshold_points(v),
        Op::Contains(v) => contains_points(v, current),
    }
}

/// Each value, then one value outside them all.
/// The most values of one `eq`/`in` list made into points: each value is a
/// profile, so a list of ten thousand would be ten thousand profiles checked
/// against the same list. Real audiences list a few; past this many, more
/// values of the same list reach no variant the first ones did not.
const MAX_LISTED_POINTS: usize = 64;

fn value_points(values: &[Value]) -> Vec<Point> {
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Point> = Vec::new();
    for v in values {
        if out.len() == MAX_LISTED_POINTS {
            break;
        }
        if seen.insert(v.to_string()) {
            out.push(Point::set(v.clone(), "a value of"));
        }
    }
    out.push(Point::set(outside(values), "a value outside"));
    out
}

fn threshold_points(v: &Value) -> Vec<Point> {
    steps(v)
        .into_iter()
        .map(|(value, relation)| Point::set(value, relation))
        .collect()
}

fn contains_points(v: &Value, current: Option<&Value>) -> Vec<Point> {
    let (with, without) = match current {
        Some(Value::Array(items)) => {
            let kept: Vec<Value> = items
                .iter()
                .filter(|i| !loosely_equal(i, v))
                .cloned()
                .collect();
            let mut added = kept.clone();
            added.push(v.clone());
            (Value::Array(added), Value::Array(kept))
        }
        Some(Value::String(s)) => {
            let needle = crate::audience::scalar_text(v);
            let kept = if needle.is_empty() {
                s.clone()
            } else {
                s.replace(&needle, "")
            };
            let added = if s.contains(&needle) {
                s.clone()
            } else if s.is_empty() {
                needle.clone()
            } else {
                format!("{s} {needle}")
            };
            (Value::String(added), Value::String(kept))
        }
        _ => (Value::Array(vec![v.clone()]), Value::Array(Vec::new())),
    };
    let l = label(v);
    vec![
        Point {
            edit: Edit::Set(with),
            label: format!("with-{l}"),
            relation: "holding the value of",
        },
        Point {
            edit: Edit::Set(without),
            label: format!("without-{l}"),
            relation: "without the value of",
        },
    ]
}

/// Just below, at and just above a threshold: numbers (also written as text)
/// step by 1 when whole and by 0.01 when fractional; ISO dates by a day; other
/// text compares by its characters and only its own value is tried.
pub(super) fn steps(v: &Value) -> Vec<(Value, &'static str)> {
    if let Some(n) = as_number(v) {
        return number_steps(n);
    }
    if let Value::String(s) = v
        && let Some((below, above)) = date_neighbours(s)
    {
        return vec![
            (Value::String(below), "just below"),
            (v.clone(), "at"),
            (Value::String(above), "just above"),
        ];
    }
    vec![(v.clone(), "at")]
}

/// Largest whole number that steps by one without losing precision.
const EXACT_INTEGER: f64 = 9.0e15;

pub(super) fn number_steps(n: f64) -> Vec<(Value, &'static str)> {
    if n.fract() == 0.0 && n.abs() < EXACT_INTEGER {
        // Checked just above: whole and well inside i64.
        let i = n as i64;
        return vec![
            (Value::from(i - 1), "just below"),
            (Value::from(i), "at"),
            (Value::from(i + 1), "just above"),
        ];
    }
    let places = decimal_places(n).max(2);
    let round = |x: f64| {
        let scale = 10f64.powi(places);
        number((x * scale).round() / scale)
    };
    vec![
        (round(n - 0.01), "just below"),
        (number(n), "at"),
        (round(n + 0.01), "just above"),
    ]
}

fn decimal_places(n: f64) -> i32 {
    let text = n.to_string();
    let places = text.split_once('.').map_or(0, |(_, frac)| frac.len());
    i32::try_from(places.min(10)).unwrap_or(10)
}

/// A JSON number: whole when it is whole, so an age is `17`, not `17.0`.
pub(super) fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < EXACT_INTEGER {
        return Value::from(n as i64);
    }
    Number::from_f64(n).map_or(Value::Null, Value::Number)
}

/// A value none of `values` equals: past the largest number, the other
/// boolean, or the text `unlisted`.
pub(super) fn outside(values: &[Value]) -> Value {
    if !values.is_empty() && values.iter().all(Value::is_number) {
        let max = values
            .iter()
            .filter_map(Value::as_f64)
            .fold(f64::MIN, f64::max);
        return number(max.floor() + 1.0);
    }
    if !values.is_empty() && values.iter().all(Value::is_boolean) {
        for b in [false, true] {
            if !values.contains(&Value::Bool(b)) {
                return Value::Bool(b);
            }
        }
    }
    // Only a listed text can equal a text that is not a number.
    let listed: std::collections::HashSet<&str> = values.iter().filter_map(Value::as_str).collect();
    let mut n = 1;
    loop {
        let candidate = if n == 1 {
            "unlisted".to_string()
        } else {
            format!("unlisted-{n}")
        };
        if !listed.contains(candidate.as_str()) {
            return Value::String(candidate);
        }
        n += 1;
    }
}

/// A value as it appears in an edge case's name.
pub(super) fn label(v: &Value) -> String {
    const MAX: usize = 40;
    let text = match v {
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        other => other.to_string(),
    };
    if text.chars().count() > MAX {
        let mut cut: String = text.chars().take(MAX).collect();
        cut.push('…');
        cut
    } else {
        text
    }
}

/// A leaf as a person writes it: `age gte 18`, `tier in [gold, platinum]`.
pub(super) fn condition_text(field: &str, op: &Op) -> String {
    // A long list is named by its first values: the text is part of every
    // edge case made from it.
    const SHOWN: usize = 8;
    let list = |l: &[Value]| {
        let shown: Vec<String> = l.iter().take(SHOWN).map(label).collect();
        match l.len().checked_sub(SHOWN).filter(|more| *more > 0) {
            Some(more) => format!("[{}, … {more} more]", shown.join(", ")),
            None => format!("[{}]", shown.join(", ")),
        }
    };
    let value = match op {
        Op::Exists(b) => b.to_string(),
        Op::Eq(v)
        | Op::Ne(v)
        | Op::Gt(v)
        | Op::Gte(v)
        | Op::Lt(v)
        | Op::Lte(v)
        | Op::Contains(v) => label(v),
        Op::In(l) | Op::NotIn(l) => list(l),
    };
    format!("{field} {} {value}", op.name())
}

/// The days before and after an ISO date (`2024-03-01`, also the date part of
/// a timestamp), as text that compares the way the dates do.
fn date_neighbours(s: &str) -> Option<(String, String)> {
    let date: jiff::civil::Date = s.get(..10)?.parse().ok()?;
    let rest = &s[10..];
    let show = |d: jiff::civil::Date| format!("{d}{rest}");
    Some((show(date.yesterday().ok()?), show(date.tomorrow().ok()?)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_long_list_makes_a_bounded_number_of_points_and_a_short_name() {
        let list: Vec<Value> = (0..10_000).map(|i| json!(format!("v{i}"))).collect();
        let started = std::time::Instant::now();
        let points = value_points(&list);
        assert_eq!(points.len(), MAX_LISTED_POINTS + 1);
        assert_eq!(values(&points).last(), Some(&json!("unlisted")));
        let text = condition_text("tier", &Op::In(list));
        assert_eq!(
            text,
            "tier in [v0, v1, v2, v3, v4, v5, v6, v7, … 9992 more]"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert_eq!(
            condition_text("tier", &Op::In(vec![json!("gold"), json!("platinum")])),
            "tier in [gold, platinum]"
        );
    }

    fn values(points: &[Point]) -> Vec<Value> {
        points
            .iter()
            .map(|p| match &p.edit {
                Edit::Set(v) => v.clone(),
                Edit::Remove => json!("<removed>"),
            })
            .collect()
    }

    #[test]
    fn whole_thresholds_step_by_one() {
        for op in [
            Op::Gte(json!(18)),
            Op::Gt(json!(18)),
            Op::Lt(json!(18)),
            Op::Lte(json!("18")),
        ] {
            assert_eq!(
                values(&leaf_points(&op, None)),
                [json!(17), json!(18), json!(19)]
            );
        }
    }

    #[test]
    fn fractional_thresholds_step_by_a_cent() {
        assert_eq!(
            values(&leaf_points(&Op::Gt(json!(12.5)), None)),
            [json!(12.49), json!(12.5), json!(12.51)]
        );
        assert_eq!(
            values(&leaf_points(&Op::Lte(json!(0.125)), None)),
            [json!(0.115), json!(0.125), json!(0.135)]
        );
    }

    #[test]
    fn dates_step_by_a_day() {
        assert_eq!(
            values(&leaf_points(&Op::Gte(json!("2024-03-01")), None)),
            [
                json!("2024-02-29"),
                json!("2024-03-01"),
                json!("2024-03-02")
            ]
        );
        assert_eq!(
            steps(&json!("2023-12-31T08:00:00Z"))[2].0,
            json!("2024-01-01T08:00:00Z")
        );
        assert_eq!(steps(&json!("gold")), [(json!("gold"), "at")]);
    }

    #[test]
    fn each_listed_value_and_one_outside() {
        assert_eq!(
            values(&leaf_points(
                &Op::In(vec![json!("gold"), json!("platinum")]),
                None
            )),
            [json!("gold"), json!("platinum"), json!("unlisted")]
        );
        assert_eq!(
            values(&leaf_points(&Op::Eq(json!(true)), None)),
            [json!(true), json!(false)]
        );
        assert_eq!(
            values(&leaf_points(&Op::NotIn(vec![json!(1), json!(3)]), None)),
            [json!(1), json!(3), json!(4)]
        );
        assert_eq!(
            outside(&[json!("unlisted"), json!("unlisted-2")]),
            json!("unlisted-3")
        );
    }

    #[test]
    fn exists_both_ways_and_contains_with_and_without() {
        let p = leaf_points(&Op::Exists(true), Some(&json!("Ann")));
        assert_eq!(values(&p), [json!("<removed>"), json!("Ann")]);
        let p = leaf_points(&Op::Contains(json!("tea")), Some(&json!(["tea", "yoga"])));
        assert_eq!(values(&p), [json!(["yoga", "tea"]), json!(["yoga"])]);
        assert_eq!(p[0].label, "with-tea");
        let p = leaf_points(&Op::Contains(json!("tea")), None);
        assert_eq!(values(&p), [json!(["tea"]), json!([])]);
    }

    fn field(path: &str) -> FieldUse {
        FieldUse {
            path: path.into(),
            printed: false,
            numeric: false,
            boolean: false,
            list: false,
            in_url: false,
            boundaries: Vec::new(),
        }
    }

    fn changes(cases: &[Case]) -> Vec<&str> {
        cases.iter().map(|c| c.change.as_str()).collect()
    }

    #[test]
    fn a_field_printed_into_a_url_gets_spaces_and_quotes() {
        let f = FieldUse {
            printed: true,
            in_url: true,
            ..field("order.id")
        };
        let cases = field_cases(&f, &[], &json!({"order": {"id": "A-1"}}));
        let found = changes(&cases);
        for want in [
            "order.id=with-space",
            "order.id=with-quote",
            "order.id=empty",
            "order.id=text-null",
        ] {
            assert!(found.contains(&want), "{want}: {found:?}");
        }
        let plain = FieldUse {
            printed: true,
            ..field("order.id")
        };
        let cases = field_cases(&plain, &[], &json!({"order": {"id": "A-1"}}));
        assert!(!changes(&cases).contains(&"order.id=with-space"));
    }

    #[test]
    fn a_printed_field_gets_the_text_cases() {
        let f = FieldUse {
            printed: true,
            ..field("first_name")
        };
        let cases = field_cases(&f, &[], &json!({"first_name": "Loren"}));
        assert_eq!(
            changes(&cases),
            [
                "first_name=missing",
                "first_name=null",
                "first_name=empty",
                "first_name=whitespace",
                "first_name=300-chars",
                "first_name=rtl",
                "first_name=non-latin",
                "first_name=emoji",
                "first_name=combining",
                "first_name=markup",
                "first_name=control-chars",
                "first_name=terminal-escape",
                "first_name=text-null",
                "first_name=text-undefined",
            ]
        );
        let long = cases
            .iter()
            .find(|c| c.change.ends_with("300-chars"))
            .unwrap();
        match &long.edits[0].edit {
            Edit::Set(Value::String(s)) => {
                assert_eq!(s.chars().count(), LONG_TEXT_CHARS);
                assert!(s.starts_with("Loren Loren"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_field_printed_and_numeric_gets_both() {
        let f = FieldUse {
            printed: true,
            numeric: true,
            ..field("loyalty.points")
        };
        let c = changes(&field_cases(&f, &[], &json!({})))
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>();
        for expected in [
            "loyalty.points=0",
            "loyalty.points=-1",
            "loyalty.points=12.345",
            "loyalty.points=1000000000000",
            "loyalty.points=empty",
            "loyalty.points=markup",
        ] {
            assert!(c.contains(&expected.to_string()), "{expected} in {c:?}");
        }
    }

    #[test]
    fn the_base_value_decides_for_a_field_only_tested() {
        // Read only by a condition: a number in the base gets the number cases,
        // not the text ones.
        let cases = field_cases(&field("score"), &[], &json!({"score": 5}));
        assert_eq!(
            changes(&cases),
            [
                "score=missing",
                "score=null",
                "score=0",
                "score=-1",
                "score=1",
                "score=12.345",
                "score=1000000000000"
            ]
        );
        let cases = field_cases(&field("account"), &[], &json!({"account": {"balance": 1}}));
        assert_eq!(changes(&cases), ["account=missing", "account=null"]);
        let cases = field_cases(&field("vip"), &[], &json!({"vip": true}));
        assert_eq!(
            changes(&cases),
            ["vip=missing", "vip=null", "vip=true", "vip=false"]
        );
    }

    #[test]
    fn lists_get_empty_one_and_many_items_built_from_the_loop() {
        let orders = FieldUse {
            list: true,
            ..field("orders")
        };
        let sku = FieldUse {
            printed: true,
            ..field("orders.[].sku")
        };
        let qty = FieldUse {
            numeric: true,
            ..field("orders.[].qty")
        };
        let siblings = vec![orders.clone(), sku, qty];
        let cases = field_cases(&orders, &siblings, &json!({}));
        assert_eq!(
            changes(&cases),
            [
                "orders=missing",
                "orders=null",
                "orders=empty",
                "orders=one",
                "orders=many"
            ]
        );
        assert_eq!(
            cases[3].edits[0].edit,
            Edit::Set(json!([{"sku": "sku 1", "qty": 1}]))
        );
        match &cases[4].edits[0].edit {
            Edit::Set(Value::Array(items)) => assert_eq!(items.len(), MANY_ITEMS),
            other => panic!("{other:?}"),
        }
        // The base's own items are reused.
        let cases = field_cases(&orders, &siblings, &json!({"orders": [{"sku": "A-1"}]}));
        assert_eq!(cases[3].edits[0].edit, Edit::Set(json!([{"sku": "A-1"}])));
    }

    #[test]
    fn boundaries_come_first_and_min_age_names_the_minor() {
        let f = FieldUse {
            numeric: true,
            boundaries: vec![Boundary::MinAge {
                category: "alcohol".into(),
                min_age: 21.0,
            }],
            ..field("age")
        };
        let cases = field_cases(&f, &[], &json!({"age": 40}));
        assert_eq!(
            changes(&cases)[..4],
            ["age=20", "age=21", "age=22", "age=missing"]
        );
        assert_eq!(cases[0].tier, Tier::Boundary);
        assert!(
            cases[0]
                .what
                .contains("a minor for category `alcohol` (min_age 21)"),
            "{}",
            cases[0].what
        );
    }

    #[test]
    fn shared_literals_go_to_the_field_of_their_kind() {
        let literal = |v: Value| Boundary::Literal {
            value: v,
            shared: true,
            source: "`{{#if}}`".into(),
        };
        let points = FieldUse {
            numeric: true,
            boundaries: vec![literal(json!(0)), literal(json!("gold"))],
            ..field("points")
        };
        let c = field_cases(&points, &[], &json!({}));
        assert_eq!(
            changes(&c)[..4],
            ["points=-1", "points=0", "points=1", "points=missing"]
        );
        let tier = FieldUse {
            boundaries: vec![literal(json!(0)), literal(json!("gold"))],
            ..field("tier")
        };
        let c = field_cases(&tier, &[], &json!({"tier": "silver"}));
        assert_eq!(
            changes(&c)[..3],
            ["tier=gold", "tier=unlisted", "tier=missing"]
        );
    }

    #[test]
    fn labels_are_short_and_readable() {
        assert_eq!(label(&json!("")), "\"\"");
        assert_eq!(label(&json!(17)), "17");
        assert_eq!(label(&json!("x".repeat(50))).chars().count(), 41);
        assert_eq!(
            condition_text("tier", &Op::In(vec![json!("gold"), json!(2)])),
            "tier in [gold, 2]"
        );
    }
}
