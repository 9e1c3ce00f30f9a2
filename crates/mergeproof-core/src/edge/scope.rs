//! Which part of a sample profile an edge case or a probe is made from.
//!
//! A campaign reads some top-level fields of a profile and no others, so a
//! profile made for it needs to hold only those: the rest of its base cannot
//! change what it renders, which variant it receives or what any rule finds.
//! Holding only them is what keeps a large sample profile from being copied
//! once per edge case (a 7 MB profile with 200 edge cases would otherwise
//! take over a gigabyte). When something reads the profile as a whole, the
//! scope is the whole profile.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::edit::EACH;
use super::identity;
use crate::project::Profile;

/// The top-level fields profiles are made from.
#[derive(Clone, Debug, Default)]
pub(super) enum Scope {
    /// These top-level fields.
    Fields(BTreeSet<String>),
    /// All of the profile: something reads it as a whole, goes through a list
    /// at the top, or a base is not a mapping of fields.
    #[default]
    Whole,
}

impl Scope {
    /// The scope of these dotted paths over these bases: the first segment of
    /// each path.
    pub(super) fn of_paths<'p>(
        paths: impl IntoIterator<Item = &'p str>,
        bases: &[Option<&Profile>],
    ) -> Scope {
        if bases.iter().flatten().any(|b| !b.data.is_object()) {
            return Scope::Whole;
        }
        let mut fields = BTreeSet::new();
        for path in paths {
            match path.split('.').find(|s| !s.is_empty()) {
                Some(first) if first != EACH => fields.insert(first.to_string()),
                _ => return Scope::Whole,
            };
        }
        Scope::Fields(fields)
    }

    /// The fields, sorted; `None` for the whole profile.
    pub(super) fn fields(self) -> Option<Vec<String>> {
        match self {
            Scope::Fields(fields) => Some(fields.into_iter().collect()),
            Scope::Whole => None,
        }
    }

    /// Adds a top-level field.
    pub(super) fn add(&mut self, field: &str) {
        if let Scope::Fields(fields) = self
            && !field.is_empty()
            && field != EACH
        {
            fields.insert(field.to_string());
        }
    }

    /// The fields of `data` in the scope.
    pub(super) fn part(&self, data: &Value) -> Value {
        match (self, data) {
            (Scope::Fields(fields), Value::Object(map)) => Value::Object(
                map.iter()
                    .filter(|(k, _)| fields.contains(k.as_str()))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            _ => data.clone(),
        }
    }

    /// For each base, the first base whose data outside the scope is
    /// identical (edits never reach there, so two profiles made from them are
    /// the same exactly when those numbers and their parts are).
    pub(super) fn rests(&self, bases: &[Option<&Profile>]) -> Vec<usize> {
        let Scope::Fields(fields) = self else {
            return vec![0; bases.len()];
        };
        let same_rest = |a: Option<&Profile>, b: Option<&Profile>| {
            let (a, b) = (outside(a, fields), outside(b, fields));
            a.clone().count() == b.clone().count()
                && a.zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && identity::same_value(va, vb))
        };
        (0..bases.len())
            .map(|i| (0..i).find(|&j| same_rest(bases[i], bases[j])).unwrap_or(i))
            .collect()
    }

    /// A whole profile again from one made in this scope from `base`: the
    /// base's fields outside the scope, in the base's order, with the made
    /// profile's fields in their places and its new ones after them.
    pub(super) fn complete(&self, made: &Value, base: Option<&Profile>) -> Value {
        let (Scope::Fields(fields), Value::Object(made_map)) = (self, made) else {
            return made.clone();
        };
        let Some(Value::Object(base_map)) = base.map(|b| &b.data) else {
            return made.clone();
        };
        let mut out = Map::new();
        for (k, v) in base_map {
            if !fields.contains(k.as_str()) {
                out.insert(k.clone(), v.clone());
            } else if let Some(m) = made_map.get(k) {
                out.insert(k.clone(), m.clone());
            }
        }
        for (k, v) in made_map {
            if !out.contains_key(k) {
                out.insert(k.clone(), v.clone());
            }
        }
        Value::Object(out)
    }
}

/// The fields of a profile outside `fields`.
fn outside<'a>(
    profile: Option<&'a Profile>,
    fields: &'a BTreeSet<String>,
) -> impl Iterator<Item = (&'a String, &'a Value)> + Clone + 'a {
    profile
        .and_then(|p| p.data.as_object())
        .into_iter()
        .flatten()
        .filter(|(k, _)| !fields.contains(k.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::named_profile;
    use serde_json::json;

    #[test]
    fn the_scope_is_the_first_segment_of_each_path() {
        let p = named_profile("p", "first_name: Ann\norders: []\nbig: x\n");
        let scope = Scope::of_paths(["first_name", "orders.[].sku"], &[Some(&p)]);
        assert_eq!(
            scope.part(&p.data),
            json!({"first_name": "Ann", "orders": []})
        );
    }

    #[test]
    fn a_path_at_the_top_or_through_a_top_list_is_the_whole_profile() {
        let p = named_profile("p", "a: 1\n");
        assert!(matches!(Scope::of_paths([""], &[Some(&p)]), Scope::Whole));
        assert!(matches!(
            Scope::of_paths(["[].a"], &[Some(&p)]),
            Scope::Whole
        ));
        assert_eq!(Scope::Whole.part(&p.data), p.data);
    }

    #[test]
    fn complete_puts_back_what_the_scope_left_out() {
        let p = named_profile("p", "first_name: Ann\nbig: x\ngender: f\nlast: z\n");
        let scope = Scope::of_paths(["first_name", "gender"], &[Some(&p)]);
        // The edge case removed `gender` and added `age`.
        let made = json!({"first_name": "", "age": 17});
        assert_eq!(
            scope.complete(&made, Some(&p)),
            json!({"first_name": "", "big": "x", "last": "z", "age": 17})
        );
        let keys: Vec<String> = scope
            .complete(&made, Some(&p))
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["first_name", "big", "last", "age"]);
    }

    #[test]
    fn rests_tell_bases_apart_by_what_is_outside_the_scope() {
        let a = named_profile("a", "first_name: Ann\nbig: x\n");
        let b = named_profile("b", "first_name: Bo\nbig: x\n");
        let c = named_profile("c", "first_name: Ann\nbig: y\n");
        let scope = Scope::of_paths(["first_name"], &[Some(&a), Some(&b), Some(&c)]);
        assert_eq!(scope.rests(&[Some(&a), Some(&b), Some(&c)]), [0, 0, 2]);
    }
}
