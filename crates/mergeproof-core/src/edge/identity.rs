//! When two edge cases are the same profile: their data is identical as JSON
//! text would tell it (`serde_json` maps keep their keys sorted), decided
//! without writing the text out.
//!
//! `Value`'s own `==` is not quite that: it takes `-0.0` and `0.0` for one
//! number, which print differently. Here a float is compared by its bits and
//! an integer by its kind and value, so that two values are the same exactly
//! when their JSON texts are.

use std::hash::{Hash, Hasher};

use serde_json::{Number, Value};

use super::edit::{Edit, PathEdit};

/// Whether `a` and `b` print as the same JSON text.
pub(super) fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => same_number(x, y),
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_value(va, vb))
        }
        _ => false,
    }
}

/// A number as its JSON text tells it apart: kind (unsigned, negative,
/// float) and exact value.
fn number_key(n: &Number) -> (u8, u64) {
    if let Some(u) = n.as_u64() {
        (0, u)
    } else if let Some(i) = n.as_i64() {
        (1, i.cast_unsigned())
    } else {
        (2, n.as_f64().map_or(0, f64::to_bits))
    }
}

fn same_number(a: &Number, b: &Number) -> bool {
    number_key(a) == number_key(b)
}

/// Feeds `value` to `state`; values that are [`same_value`] hash alike.
pub(super) fn hash_value<H: Hasher>(value: &Value, state: &mut H) {
    match value {
        Value::Null => state.write_u8(0),
        Value::Bool(b) => {
            state.write_u8(1);
            b.hash(state);
        }
        Value::Number(n) => {
            state.write_u8(2);
            number_key(n).hash(state);
        }
        Value::String(s) => {
            state.write_u8(3);
            s.hash(state);
        }
        Value::Array(items) => {
            state.write_u8(4);
            state.write_usize(items.len());
            items.iter().for_each(|v| hash_value(v, state));
        }
        Value::Object(map) => {
            state.write_u8(5);
            state.write_usize(map.len());
            for (k, v) in map {
                k.hash(state);
                hash_value(v, state);
            }
        }
    }
}

/// The hash of a profile's data, for [`super::Builder`]'s merge of identical
/// profiles.
pub(super) fn data_hash(value: &Value) -> u64 {
    // Only told apart in memory, within a run: a fast hash, not SipHash
    // (the data are the team's own profiles and the edits made to them).
    let mut state = std::hash::BuildHasher::build_hasher(&foldhash::fast::FixedState::default());
    hash_value(value, &mut state);
    state.finish()
}

/// One base changed by some edits: the same base with the same edits always
/// gives the same data, so a repeat is known to be a duplicate before its
/// data is built. The base is told by its address (`None`: the empty profile).
pub(super) struct Recipe {
    base: Option<usize>,
    edits: Vec<PathEdit>,
}

impl Recipe {
    pub(super) fn new<T>(base: Option<&T>, edits: &[PathEdit]) -> Self {
        Self {
            base: base.map(|b| std::ptr::from_ref(b).addr()),
            edits: edits.to_vec(),
        }
    }
}

impl PartialEq for Recipe {
    fn eq(&self, other: &Self) -> bool {
        self.base == other.base
            && self.edits.len() == other.edits.len()
            && self
                .edits
                .iter()
                .zip(&other.edits)
                .all(|(a, b)| a.path == b.path && same_edit(&a.edit, &b.edit))
    }
}

impl Eq for Recipe {}

impl Hash for Recipe {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.base.hash(state);
        state.write_usize(self.edits.len());
        for e in &self.edits {
            e.path.hash(state);
            match &e.edit {
                Edit::Remove => state.write_u8(0),
                Edit::Set(v) => {
                    state.write_u8(1);
                    hash_value(v, state);
                }
            }
        }
    }
}

fn same_edit(a: &Edit, b: &Edit) -> bool {
    match (a, b) {
        (Edit::Remove, Edit::Remove) => true,
        (Edit::Set(x), Edit::Set(y)) => same_value(x, y),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The definition: same JSON text.
    fn same_text(a: &Value, b: &Value) -> bool {
        serde_json::to_string(a).ok() == serde_json::to_string(b).ok()
    }

    #[test]
    fn agrees_with_the_json_text() {
        let values = [
            json!(null),
            json!(false),
            json!(true),
            json!(0),
            json!(0.0),
            json!(-0.0),
            json!(-1),
            json!(1),
            json!(1.0),
            json!(12.345),
            json!(u64::MAX),
            json!(i64::MIN),
            json!(""),
            json!("0"),
            json!("null"),
            json!([]),
            json!([0]),
            json!([0, 1]),
            json!([[0], 1]),
            json!({}),
            json!({"a": 0}),
            json!({"a": 0.0}),
            json!({"b": 0}),
            json!({"a": 0, "b": 1}),
            json!({"a": {"b": [1, "x"]}}),
            json!({"a": {"b": [1, "y"]}}),
        ];
        for a in &values {
            for b in &values {
                assert_eq!(same_value(a, b), same_text(a, b), "{a} vs {b}");
                if same_value(a, b) {
                    assert_eq!(data_hash(a), data_hash(b), "{a} vs {b}");
                }
            }
        }
        // `==` would merge these two; their texts differ.
        assert_eq!(json!(-0.0), json!(0.0));
        assert!(!same_value(&json!(-0.0), &json!(0.0)));
    }

    #[test]
    fn recipes_are_the_same_base_and_the_same_edits() {
        let (one, two) = (json!({"age": 3}), json!({"age": 3}));
        let set = |v: Value| vec![PathEdit::set("age", v)];
        assert!(
            Recipe::new(Some(&one), &set(json!(17))) == Recipe::new(Some(&one), &set(json!(17)))
        );
        // Another base at another address, even with equal data.
        assert!(
            Recipe::new(Some(&one), &set(json!(17))) != Recipe::new(Some(&two), &set(json!(17)))
        );
        assert!(
            Recipe::new(Some(&one), &set(json!(17))) != Recipe::new(Some(&one), &set(json!(18)))
        );
        assert!(
            Recipe::new(Some(&one), &set(json!(0.0))) != Recipe::new(Some(&one), &set(json!(-0.0)))
        );
        assert!(
            Recipe::new(Some(&one), &[PathEdit::remove("age")])
                != Recipe::new(None::<&Value>, &[PathEdit::remove("age")])
        );
    }
}
