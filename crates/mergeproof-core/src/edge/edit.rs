//! One change to a profile's data at a dotted path. A `[]` segment stands for
//! every item of a list (paths read inside `{{#each}}`), so a change there is
//! made to each item.

use serde_json::{Map, Value};

/// The segment that stands for each item of a list.
pub(crate) const EACH: &str = "[]";

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Edit {
    /// Take the field out of the profile.
    Remove,
    /// Give the field this value (creating the objects on the way).
    Set(Value),
}

/// A change to one path.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PathEdit {
    pub path: String,
    pub edit: Edit,
}

impl PathEdit {
    pub(crate) fn remove(path: &str) -> Self {
        Self {
            path: path.to_string(),
            edit: Edit::Remove,
        }
    }

    pub(crate) fn set(path: &str, value: Value) -> Self {
        Self {
            path: path.to_string(),
            edit: Edit::Set(value),
        }
    }
}

/// Applies every edit to `data`, in order.
pub(crate) fn apply_all(data: &mut Value, edits: &[PathEdit]) {
    for e in edits {
        apply(data, &e.path, &e.edit);
    }
}

/// Applies `edit` at `path` and keeps it when `keep` holds of the result;
/// otherwise `data` is put back exactly as it was, its fields in the same
/// order. Whether an edit does is tried many times over on one profile (an
/// audience's candidate values): only the top-level field the path starts
/// in is copied and put back, not the whole profile.
pub(crate) fn apply_if(
    data: &mut Value,
    path: &str,
    edit: &Edit,
    keep: impl Fn(&Value) -> bool,
) -> bool {
    let first = path.split('.').find(|s| !s.is_empty());
    let (Some(first), Value::Object(map)) = (first.filter(|f| *f != EACH), &*data) else {
        // A path through the profile's own items, or no object to keep the
        // fields of: the whole is copied.
        let mut trial = data.clone();
        apply(&mut trial, path, edit);
        let kept = keep(&trial);
        if kept {
            *data = trial;
        }
        return kept;
    };
    let saved = map
        .keys()
        .position(|k| k == first)
        .map(|at| (at, map[first].clone()));
    apply(data, path, edit);
    if keep(data) {
        return true;
    }
    let Value::Object(map) = data else {
        unreachable!("an edit below a field keeps the profile an object")
    };
    match saved {
        Some((at, value)) => match map.get_mut(first) {
            Some(current) => *current = value,
            None => {
                map.shift_insert(at, first.to_string(), value);
            }
        },
        None => {
            map.shift_remove(first);
        }
    }
    false
}

/// Applies one edit. A list that a `[]` path goes through but the profile does
/// not have (or has empty) is created with one item, so that the change has an
/// item to be made to.
pub(crate) fn apply(data: &mut Value, path: &str, edit: &Edit) {
    let segments: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
    if segments.is_empty() {
        return;
    }
    apply_segments(data, &segments, edit);
}

fn apply_segments(data: &mut Value, segments: &[&str], edit: &Edit) {
    let Some((first, rest)) = segments.split_first() else {
        return;
    };
    if *first == EACH {
        for item in ensure_items(data, rest.is_empty()) {
            apply_to_item(item, rest, edit);
        }
        return;
    }
    if let Value::Array(items) = data {
        // `orders.0.sku`: a numeric segment names an item that exists.
        if let Some(item) = first.parse::<usize>().ok().and_then(|i| items.get_mut(i)) {
            apply_to_item(item, rest, edit);
        }
        return;
    }
    match edit {
        Edit::Remove => {
            let Value::Object(map) = data else {
                return;
            };
            if rest.is_empty() {
                map.shift_remove(*first);
            } else if let Some(child) = map.get_mut(*first) {
                apply_segments(child, rest, edit);
            }
        }
        Edit::Set(value) => {
            if !data.is_object() {
                *data = Value::Object(Map::new());
            }
            let Value::Object(map) = data else {
                return;
            };
            if rest.is_empty() {
                map.insert((*first).to_string(), value.clone());
            } else {
                let child = map
                    .entry((*first).to_string())
                    .or_insert_with(|| Value::Object(Map::new()));
                apply_segments(child, rest, edit);
            }
        }
    }
}

/// Changes a list item, or what `rest` names inside it.
fn apply_to_item(item: &mut Value, rest: &[&str], edit: &Edit) {
    if !rest.is_empty() {
        apply_segments(item, rest, edit);
        return;
    }
    *item = match edit {
        // An item cannot be taken out of its list and keep its place: it
        // becomes null, which a template prints as nothing.
        Edit::Remove => Value::Null,
        Edit::Set(v) => v.clone(),
    };
}

/// The items of the list at `data`, which is made a one-item list when it is
/// not a list or is empty. The item is an empty object, or null when the items
/// themselves are what is changed.
fn ensure_items(data: &mut Value, items_are_leaves: bool) -> impl Iterator<Item = &mut Value> {
    let needs_item = !matches!(data, Value::Array(items) if !items.is_empty());
    if needs_item {
        let item = if items_are_leaves {
            Value::Null
        } else {
            Value::Object(Map::new())
        };
        *data = Value::Array(vec![item]);
    }
    data.as_array_mut().into_iter().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_edit_not_kept_leaves_the_profile_as_it_was_and_one_kept_is_the_edit() {
        let profile = json!({
            "first_name": "Ann",
            "account": {"balance": 3, "currency": "EUR"},
            "tier": "gold",
            "orders": [{"sku": "A"}],
            "age": 40
        });
        let edits = [
            ("tier", Edit::Remove),
            ("first_name", Edit::Remove),
            ("age", Edit::Set(json!(16))),
            ("gender", Edit::Set(json!("f"))),
            ("account.balance", Edit::Remove),
            ("account.owner.name", Edit::Set(json!("Bo"))),
            ("tier.level", Edit::Set(json!(2))),
            ("orders.[].sku", Edit::Set(json!("B"))),
            ("[].x", Edit::Set(json!(1))),
            ("missing.deeper", Edit::Remove),
        ];
        for (path, edit) in &edits {
            let mut data = profile.clone();
            assert!(!apply_if(&mut data, path, edit, |_| false), "{path}");
            // Fields, values and their order, as written out.
            assert_eq!(data.to_string(), profile.to_string(), "{path}");
            let mut edited = profile.clone();
            apply(&mut edited, path, edit);
            let mut data = profile.clone();
            assert!(apply_if(&mut data, path, edit, |_| true), "{path}");
            assert_eq!(data.to_string(), edited.to_string(), "{path}");
        }
        // `keep` judges the edited profile.
        let mut data = profile.clone();
        assert!(apply_if(
            &mut data,
            "age",
            &Edit::Set(json!(16)),
            |d| d["age"] == 16
        ));
        assert_eq!(data["age"], 16);
    }

    #[test]
    fn set_creates_the_objects_on_the_way() {
        let mut d = json!({"first_name": "Ann"});
        apply(&mut d, "account.balance", &Edit::Set(json!(0)));
        assert_eq!(d, json!({"first_name": "Ann", "account": {"balance": 0}}));
        // A scalar in the way is replaced by an object.
        let mut d = json!({"account": "closed"});
        apply(&mut d, "account.balance", &Edit::Set(json!(-1)));
        assert_eq!(d, json!({"account": {"balance": -1}}));
    }

    #[test]
    fn remove_takes_out_only_the_leaf() {
        let mut d = json!({"account": {"balance": 3, "currency": "USD"}});
        apply(&mut d, "account.balance", &Edit::Remove);
        assert_eq!(d, json!({"account": {"currency": "USD"}}));
        // Nothing to remove: unchanged.
        let mut d = json!({"first_name": "Ann"});
        apply(&mut d, "account.balance", &Edit::Remove);
        assert_eq!(d, json!({"first_name": "Ann"}));
    }

    #[test]
    fn each_paths_change_every_item() {
        let mut d = json!({"orders": [{"sku": "a", "qty": 1}, {"sku": "b"}]});
        apply(&mut d, "orders.[].sku", &Edit::Remove);
        assert_eq!(d, json!({"orders": [{"qty": 1}, {}]}));
        apply(&mut d, "orders.[].sku", &Edit::Set(json!("")));
        assert_eq!(d, json!({"orders": [{"sku": "", "qty": 1}, {"sku": ""}]}));
        let mut d = json!({"tags": ["x", "y"]});
        apply(&mut d, "tags.[]", &Edit::Set(json!("<b>")));
        assert_eq!(d, json!({"tags": ["<b>", "<b>"]}));
    }

    #[test]
    fn each_paths_make_an_item_when_the_list_is_absent_or_empty() {
        let mut d = json!({});
        apply(&mut d, "orders.[].sku", &Edit::Set(json!("   ")));
        assert_eq!(d, json!({"orders": [{"sku": "   "}]}));
        let mut d = json!({"orders": []});
        apply(&mut d, "orders.[].sku", &Edit::Remove);
        assert_eq!(d, json!({"orders": [{}]}));
    }

    #[test]
    fn numeric_segments_reach_existing_items_only() {
        let mut d = json!({"orders": [{"sku": "a"}]});
        apply(&mut d, "orders.0.sku", &Edit::Set(json!("z")));
        apply(&mut d, "orders.5.sku", &Edit::Set(json!("never")));
        assert_eq!(d, json!({"orders": [{"sku": "z"}]}));
    }
}
