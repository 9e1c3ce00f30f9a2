//! Sample profiles: `sample-profiles/*.yaml`, one profile per file, a list of
//! profiles, or several YAML documents. Fields are free-form; `id` and
//! `description` are reserved.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use serde_saphyr::Spanned;

use crate::finding::ProfileKind;
use crate::source::{LoadError, SourceLoc, yaml_error};

use super::files::ProjectFiles;
use super::paths::display;
use super::records::{Entry, Record, RecordFormat, read_records};

#[derive(Clone, Debug, PartialEq)]
pub struct Profile {
    pub id: String,
    pub description: Option<String>,
    /// The customer's data as a template sees it (without `id`/`description`).
    pub data: Value,
    pub kind: ProfileKind,
    pub loc: SourceLoc,
    /// For an edge case: the sample profile it was made from, and the one change.
    pub edge: Option<EdgeOrigin>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeOrigin {
    pub base: String,
    pub change: String,
}

pub type ProfileRef = Arc<Profile>;

impl Profile {
    /// A profile from data, with the reserved keys taken out and the characters
    /// the renderer uses as span markers neutralised.
    pub fn from_data(id: String, mut data: Value, kind: ProfileKind, loc: SourceLoc) -> Profile {
        let description = match &mut data {
            Value::Object(map) => {
                // Looked for before they are removed: an export's record
                // holds neither, and removing hashes the key.
                let holds =
                    |map: &serde_json::Map<String, Value>, key: &str| map.keys().any(|k| k == key);
                if holds(map, "id") {
                    map.shift_remove("id");
                }
                let description = if holds(map, "description") {
                    map.shift_remove("description")
                } else {
                    None
                };
                description.and_then(|d| match d {
                    Value::String(s) => Some(s),
                    Value::Null => None,
                    other => Some(other.to_string()),
                })
            }
            _ => None,
        };
        crate::markers::neutralise_markers(&mut data);
        javascript_key_order(&mut data);
        Profile {
            id,
            description,
            data,
            kind,
            loc,
            edge: None,
        }
    }
}

/// Whether [`Profile::from_data`] leaves data that is already clean as it
/// is after `value` is set at `path` (`None`: the field taken out): the path
/// names no reserved key (`id`, `description`) and no key an index could be
/// ordered by ([`javascript_key_order`]), and the value is a scalar without
/// a marker character.
pub(crate) fn cleaning_keeps(path: &str, value: Option<&Value>) -> bool {
    let top = path.split('.').find(|s| !s.is_empty());
    !matches!(top, Some("id" | "description"))
        && !path
            .split('.')
            .any(|s| s.starts_with(|c: char| c.is_ascii_digit()))
        && match value {
            None => true,
            Some(Value::String(text)) => !crate::markers::holds_marker(text),
            Some(Value::Array(_) | Value::Object(_)) => false,
            Some(_) => true,
        }
}

/// Loads one profile file (YAML, or an export: CSV, JSON, JSON Lines); each
/// profile keeps the line it starts on. A bad profile is an error at its
/// place and the others still load.
pub(crate) fn load_profile_file(
    files: ProjectFiles<'_>,
    file: &Path,
    columns: &crate::config::ProfileColumns,
) -> (Vec<Profile>, Vec<LoadError>) {
    let file_name = display(file);
    let text = match files.read(file) {
        Ok(text) => text,
        Err(m) => return (Vec::new(), vec![LoadError::in_file(&file_name, m)]),
    };
    if let Some(format) = RecordFormat::of(&file_name) {
        let mut profiles = Vec::new();
        let mut errors = Vec::new();
        read_records(
            text.as_bytes(),
            format,
            &file_name,
            columns,
            &mut |record| match record {
                Ok(r) => {
                    let mut data = r.data;
                    // The id was taken out; `from_data` takes out the rest.
                    if let Value::Object(map) = &mut data {
                        map.shift_remove("description");
                    }
                    profiles.push(Profile::from_data(r.id, data, ProfileKind::Sample, r.loc));
                }
                Err(e) => errors.push(e),
            },
        );
        return (profiles, errors);
    }
    match load_yaml_profiles(&text, &file_name, file) {
        Ok(p) => (p, Vec::new()),
        Err((p, e)) => (p, e),
    }
}

/// The profiles of a YAML file: one profile, a list, or several documents.
pub(crate) fn load_yaml_profiles(
    text: &str,
    file_name: &str,
    file: &Path,
) -> Result<Vec<Profile>, (Vec<Profile>, Vec<LoadError>)> {
    let text = text.to_string();
    let file_name = file_name.to_string();
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    // Each entry: (the profile's data, where it starts). A document that is a
    // list contributes its items.
    let mut entries: Vec<(Value, SourceLoc)> = Vec::new();
    let mut was_list = false;
    let mut errors = Vec::new();
    let documents: Vec<Spanned<ProfileDocument>> = match serde_saphyr::from_multiple(&text) {
        Ok(documents) => documents,
        Err(e) => {
            // One bad record (a key written twice, a `.nan`) must not cost
            // the others: read each record of the file on its own.
            let units = top_level_units(&text);
            if units.len() < 2 {
                return Err((Vec::new(), vec![yaml_error(&file_name, &e)]));
            }
            was_list = units.iter().any(|u| u.item);
            for unit in units {
                match serde_saphyr::from_str::<Value>(&unit.text) {
                    Ok(Value::Null) if !unit.item => {}
                    Ok(value) => entries.push((
                        value,
                        SourceLoc::new(
                            file_name.as_str(),
                            unit.first_line,
                            if unit.item { 3 } else { 1 },
                        ),
                    )),
                    Err(e) => {
                        let mut error = yaml_error(&file_name, &e);
                        error.line = error.line.saturating_add(unit.first_line - 1);
                        errors.push(error);
                        // Numbered all the same: the records after it keep
                        // their ids when it is mended.
                        entries.push((Value::Null, SourceLoc::new(file_name.as_str(), 0, 0)));
                    }
                }
            }
            Vec::new()
        }
    };
    for doc in documents {
        let loc = SourceLoc::from_yaml(&file_name, &doc.referenced);
        match doc.value {
            ProfileDocument::List(items) => {
                was_list = true;
                entries.extend(items.into_iter().map(|item| {
                    (
                        item.value,
                        SourceLoc::from_yaml(&file_name, &item.referenced),
                    )
                }));
            }
            ProfileDocument::One(Value::Null) => {}
            ProfileDocument::One(value) => entries.push((value, loc)),
        }
    }

    // List items and documents of a multi-document file are numbered even when
    // there is only one of them, so adding a second never renames the first.
    let numbered = entries.len() > 1 || was_list;
    let mut profiles = Vec::new();
    for (index, (value, loc)) in entries.into_iter().enumerate() {
        if loc.line == 0 {
            // A record that did not read: reported above.
            continue;
        }
        if !value.is_object() {
            errors.push(LoadError::at(
                &loc,
                "a profile is a mapping of fields (`first_name: Loren`), not a single value",
            ));
            continue;
        }
        let id = match value.get("id") {
            None | Some(Value::Null) if numbered => format!("{stem}#{}", index + 1),
            None | Some(Value::Null) => stem.clone(),
            Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
            Some(Value::Number(n)) => n.to_string(),
            Some(_) => {
                errors.push(LoadError::at(&loc, "profile `id` must be a non-empty text"));
                continue;
            }
        };
        profiles.push(Profile::from_data(id, value, ProfileKind::Sample, loc));
    }
    if errors.is_empty() {
        Ok(profiles)
    } else {
        Err((profiles, errors))
    }
}

/// One record's text in a YAML profile file, to be read on its own.
struct Unit {
    /// Its first line in the file, from 1.
    first_line: u32,
    /// The item of a top-level list (its `- ` made spaces, so that columns
    /// stay those of the file), or a whole document.
    item: bool,
    text: String,
}

/// The records of a YAML profile file by its lines: documents split at
/// `---`, and a document that is a top-level list (`- ` at the line's start)
/// split at each item. Read only when the file as a whole does not parse.
fn top_level_units(text: &str) -> Vec<Unit> {
    let mut units: Vec<Unit> = Vec::new();
    let mut current: Option<Unit> = None;
    for (index, line) in text.lines().enumerate() {
        let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let is_separator = line == "---" || line.starts_with("--- ") || line.starts_with("---\t");
        let is_item = line == "-" || line.starts_with("- ");
        if is_separator || is_item {
            units.extend(current.take());
            current = Some(Unit {
                first_line: if is_item { number } else { number + 1 },
                item: is_item,
                text: if is_item {
                    format!(" {}", &line[1..])
                } else {
                    String::new()
                },
            });
            continue;
        }
        let unit = current.get_or_insert_with(|| Unit {
            first_line: number,
            item: false,
            text: String::new(),
        });
        if !unit.text.is_empty() || unit.item {
            unit.text.push('\n');
        }
        unit.text.push_str(line);
    }
    units.extend(current);
    // Comments and blank lines before the first record are no record.
    units.retain(|u| {
        u.item
            || u.text
                .lines()
                .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    units
}

/// One YAML document of a profile file, read in one pass: a list keeps the
/// position of each of its items.
enum ProfileDocument {
    List(Vec<Spanned<Value>>),
    One(Value),
}

impl<'de> serde::Deserialize<'de> for ProfileDocument {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{MapAccess, SeqAccess, Visitor, value::MapAccessDeserializer};
        struct DocumentVisitor;
        impl<'de> Visitor<'de> for DocumentVisitor {
            type Value = ProfileDocument;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a profile (a mapping of fields) or a list of profiles")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Value>>()? {
                    items.push(item);
                }
                Ok(ProfileDocument::List(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                use serde::Deserialize;
                Value::deserialize(MapAccessDeserializer::new(map)).map(ProfileDocument::One)
            }
            // A scalar document is not a profile: it is kept so that the
            // loader says so at its place.
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(ProfileDocument::One(Value::Null))
            }
            fn visit_none<E>(self) -> Result<Self::Value, E> {
                Ok(ProfileDocument::One(Value::Null))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
                Ok(ProfileDocument::One(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(ProfileDocument::One(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(ProfileDocument::One(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(ProfileDocument::One(v.into()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(ProfileDocument::One(Value::String(v.to_string())))
            }
        }
        deserializer.deserialize_any(DocumentVisitor)
    }
}

/// Puts the keys of every object in the order JavaScript enumerates them
/// (what `{{#each}}` over an object follows on every platform that runs
/// Handlebars.js): keys that are array indices (`"0"`, `"12"`) first, in
/// ascending order, then the others in the order the file gives them.
pub(crate) fn javascript_key_order(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let index = |k: &str| -> Option<u32> {
                // Most keys are names: told apart by their first byte.
                if !k.as_bytes().first().is_some_and(u8::is_ascii_digit) {
                    return None;
                }
                let n: u32 = k.parse().ok()?;
                // An index is written canonically ("01" is a name) and below 2^32 - 1.
                (n.to_string() == k && n != u32::MAX).then_some(n)
            };
            if map.keys().any(|k| index(k).is_some()) {
                let entries = std::mem::take(map);
                let (mut indices, names): (Vec<_>, Vec<_>) =
                    entries.into_iter().partition(|(k, _)| index(k).is_some());
                indices.sort_by_key(|(k, _)| index(k));
                map.extend(indices);
                map.extend(names);
            }
            map.values_mut().for_each(javascript_key_order);
        }
        Value::Array(items) => items.iter_mut().for_each(javascript_key_order),
        _ => {}
    }
}

/// The largest YAML list [`read_yaml_list`] reads: YAML is read whole, and
/// its reader's budget is 64 MB of text.
pub const MAX_YAML_LIST_BYTES: u64 = 64 << 20;

/// Why a YAML list of `size` (when known) is not read, and what to do.
pub fn yaml_list_too_large(size: Option<u64>) -> String {
    let size = size.map_or_else(|| "over 64 MiB".to_string(), |s| format!("{} MiB", s >> 20));
    format!(
        "{size} of YAML is more than a YAML list is read whole ({} MiB): export the list as CSV or JSON Lines, which are read a record at a time",
        MAX_YAML_LIST_BYTES >> 20
    )
}

/// A YAML list of profiles (mergeproof's own format, as `sample-profiles/`
/// holds), each profile handed to `each` as a record. It is read whole, so
/// past [`MAX_YAML_LIST_BYTES`] it is refused before it is held; a file's
/// size can be checked beforehand, a pipe's only here.
pub fn read_yaml_list(
    input: impl Read,
    file: &str,
    each: &mut dyn FnMut(Result<Entry, LoadError>),
) {
    let mut text = String::new();
    match input
        .take(MAX_YAML_LIST_BYTES + 1)
        .read_to_string(&mut text)
    {
        Err(e) => return each(Err(LoadError::in_file(file, format!("cannot read: {e}")))),
        Ok(_) if text.len() as u64 > MAX_YAML_LIST_BYTES => {
            return each(Err(LoadError::in_file(file, yaml_list_too_large(None))));
        }
        Ok(_) => {}
    }
    let (profiles, errors) = match load_yaml_profiles(&text, file, std::path::Path::new(file)) {
        Ok(profiles) => (profiles, Vec::new()),
        Err(partial) => partial,
    };
    for p in profiles {
        each(Ok(Entry::Record(Record {
            id: p.id,
            data: p.data,
            loc: p.loc,
        })));
    }
    for e in errors {
        each(Err(e));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cleaning_keeps_what_from_data_leaves_as_it_is() {
        let clean = || serde_json::json!({"tier": "silver", "account": {"balance": 3}});
        let cleaned = |data: Value| {
            Profile::from_data(String::new(), data, ProfileKind::Edge, SourceLoc::default()).data
        };
        let cases: [(&str, Option<Value>, bool); 8] = [
            ("tier", Some(Value::from("gold")), true),
            ("account.balance", Some(Value::from(-1)), true),
            ("tier", None, true),
            ("id", Some(Value::from("x")), false),
            ("description", Some(Value::from("x")), false),
            ("account.0", Some(Value::from(1)), false),
            ("tier", Some(Value::from("a\u{FDD0}b")), false),
            ("tier", Some(serde_json::json!({"a": 2, "2": 1})), false),
        ];
        for (path, value, keeps) in cases {
            assert_eq!(
                cleaning_keeps(path, value.as_ref()),
                keeps,
                "{path} {value:?}"
            );
            let mut data = clean();
            let edit = match value {
                Some(v) => crate::edge::edit::Edit::Set(v),
                None => crate::edge::edit::Edit::Remove,
            };
            crate::edge::edit::apply(&mut data, path, &edit);
            // What it says keeps is kept; what it does not, the cleaning
            // changes (each case here is one it would). Compared as text:
            // maps are equal whatever their order.
            let (before, after) = (data.to_string(), cleaned(data).to_string());
            assert_eq!(before == after, keeps, "{path}");
        }
    }

    #[test]
    fn a_yaml_list_loads_and_one_too_large_to_read_whole_is_refused() {
        let read = |input: &mut dyn std::io::Read| {
            let mut records = Vec::new();
            let mut errors = Vec::new();
            super::read_yaml_list(input, "list.yaml", &mut |e| match e {
                Ok(e) => {
                    let r = e.into_record(&Default::default()).unwrap();
                    records.push((r.id, r.loc.line));
                }
                Err(e) => errors.push(e.to_string()),
            });
            (records, errors)
        };
        let (r, e) = read(&mut "- id: a\n  first_name: Ann\n- id: b\n".as_bytes());
        assert_eq!(r, [("a".to_string(), 1), ("b".to_string(), 3)], "{e:?}");
        assert!(e.is_empty(), "{e:?}");
        // From a pipe, whose size is not known beforehand.
        let mut endless =
            std::io::Read::take(std::io::repeat(b' '), super::MAX_YAML_LIST_BYTES + 2);
        let (r, e) = read(&mut endless);
        assert!(r.is_empty());
        assert_eq!(
            e,
            [
                "list.yaml:1:1: over 64 MiB of YAML is more than a YAML list is read whole (64 MiB): export the list as CSV or JSON Lines, which are read a record at a time"
            ]
        );
        assert_eq!(
            super::yaml_list_too_large(Some(65 << 20)),
            "65 MiB of YAML is more than a YAML list is read whole (64 MiB): export the list as CSV or JSON Lines, which are read a record at a time"
        );
    }

    #[test]
    fn one_bad_record_of_a_yaml_list_costs_only_itself() {
        let text = "# customers\n- id: ann\n  first_name: Ann\n- id: bo\n  first_name: Bo\n  first_name: Bob\n- id: cy\n  points: .nan\n-\n  first_name: Di\n";
        let (profiles, errors) =
            load_yaml_profiles(text, "sample-profiles/list.yaml", Path::new("list.yaml"))
                .unwrap_err();
        let ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
        // Di keeps the number of her place in the list.
        assert_eq!(ids, ["ann", "list#4"]);
        assert_eq!(profiles[1].loc.line, 9);
        let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "sample-profiles/list.yaml:6:3: the key `first_name` is written twice here; keep one of them",
                "sample-profiles/list.yaml:8:11: `.nan` and `.inf` are no number a profile can hold: write the value in quotes as text, or leave the field out",
            ]
        );
        // Documents likewise.
        let (profiles, errors) = load_yaml_profiles(
            "id: d1\n---\nid: d2\nx: .inf\n---\nid: d3\n",
            "sample-profiles/docs.yaml",
            Path::new("docs.yaml"),
        )
        .unwrap_err();
        let ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["d1", "d3"]);
        assert!(
            errors[0]
                .to_string()
                .starts_with("sample-profiles/docs.yaml:4:"),
            "{errors:?}"
        );
    }
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        std::fs::create_dir_all(dir.join("sample-profiles")).unwrap();
        let rel = Path::new("sample-profiles").join(name);
        std::fs::write(dir.join(&rel), text).unwrap();
        rel
    }

    fn load(dir: &Path, rel: &Path) -> (Vec<Profile>, Vec<LoadError>) {
        load_profile_file(ProjectFiles::Folder(dir), rel, &Default::default())
    }

    fn ok(dir: &Path, rel: &Path) -> Vec<Profile> {
        let (profiles, errors) = load(dir, rel);
        assert!(errors.is_empty(), "{errors:?}");
        profiles
    }

    #[test]
    fn one_profile_per_file_takes_the_file_stem() {
        let dir = tempfile::tempdir().unwrap();
        let rel = write(
            dir.path(),
            "loren.yaml",
            "first_name: Loren\ndescription: Ambiguous name\n",
        );
        let p = ok(dir.path(), &rel);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].id, "loren");
        assert_eq!(p[0].description.as_deref(), Some("Ambiguous name"));
        assert!(p[0].data.get("description").is_none());
    }

    #[test]
    fn lists_and_documents_are_numbered_with_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        let rel = write(
            dir.path(),
            "family.yaml",
            "- first_name: A\n- id: kid\n  age: 16\n- first_name: C\n",
        );
        let p = ok(dir.path(), &rel);
        let ids: Vec<&str> = p.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["family#1", "kid", "family#3"]);
        assert_eq!(p[1].loc.line, 2);
        let rel = write(
            dir.path(),
            "docs.yaml",
            "first_name: A\n---\nfirst_name: B\n",
        );
        let p = ok(dir.path(), &rel);
        assert_eq!(
            p.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
            ["docs#1", "docs#2"]
        );
        assert_eq!(p[1].loc.line, 3);
        // Lists in several documents, read in one pass: each item keeps its
        // own line.
        let rel = write(
            dir.path(),
            "lists.yaml",
            "- first_name: A\n---\n# two\n- first_name: B\n\n- first_name: C\n",
        );
        let p = ok(dir.path(), &rel);
        let lines: Vec<u32> = p.iter().map(|p| p.loc.line).collect();
        assert_eq!(lines, [1, 4, 6]);
    }

    #[test]
    fn a_scalar_is_not_a_profile() {
        let dir = tempfile::tempdir().unwrap();
        let rel = write(dir.path(), "bad.yaml", "just text\n");
        let errors = load(dir.path(), &rel).1;
        assert_eq!(errors[0].file, "sample-profiles/bad.yaml");
    }

    #[test]
    fn a_bad_profile_among_good_ones_is_reported_and_the_rest_load() {
        let dir = tempfile::tempdir().unwrap();
        let rel = write(
            dir.path(),
            "mixed.yaml",
            "- first_name: A\n- 7\n- first_name: C\n",
        );
        let (profiles, errors) = load(dir.path(), &rel);
        assert_eq!(profiles.len(), 2);
        assert_eq!((errors[0].line, errors[0].column), (2, 3));
    }

    #[test]
    fn exports_load_as_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let rel = write(
            dir.path(),
            "export.csv",
            "Email Address,First Name,zip\na@x.example,Ann,02134\n",
        );
        let columns = crate::config::ProfileColumns::with_id(
            "Email Address",
            &[("First Name", "first_name")],
        );
        let (p, e) = load_profile_file(ProjectFiles::Folder(dir.path()), &rel, &columns);
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(p[0].id, "a@x.example");
        assert_eq!(
            p[0].data,
            serde_json::json!({"first_name": "Ann", "zip": "02134"})
        );
        assert_eq!(p[0].loc.line, 2);
    }

    #[test]
    fn broken_yaml_names_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let rel = write(dir.path(), "broken.yaml", "first_name: [Loren\nage: 3\n");
        let errors = load(dir.path(), &rel).1;
        assert_eq!(errors.len(), 1);
        assert!(errors[0].line >= 1 && errors[0].column >= 1);
    }
}
