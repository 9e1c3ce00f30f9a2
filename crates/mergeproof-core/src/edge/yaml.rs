//! Edge-case profiles as YAML, in the shape of a `sample-profiles/` file: one
//! list, each entry its `id`, its `description`, then its data.
//!
//! Written here rather than by a general YAML serializer because the output
//! goes to a terminal as well as to a file: every string is double-quoted, and
//! every character that could act on a terminal — control characters, escape
//! sequences, and the invisible ones that reorder or hide text (bidi overrides,
//! zero-width characters) — is written as a YAML escape (`\e`, `\u202E`), so
//! that the text shows what it holds and loads back exactly as it was.

use std::fmt::Write;

use serde_json::{Map, Value};

use crate::project::ProfileRef;
use crate::sanitize::needs_escape;

/// Indentation per nesting level.
const STEP: usize = 2;

/// The profiles as one YAML list (`[]` when there are none).
pub fn to_yaml(profiles: &[ProfileRef]) -> String {
    if profiles.is_empty() {
        return "[]\n".to_string();
    }
    let mut out = String::new();
    for p in profiles {
        let mut entries: Vec<(&str, &Value)> = Vec::new();
        let id = Value::String(p.id.clone());
        let description = p.description.clone().map(Value::String);
        entries.push(("id", &id));
        if let Some(d) = &description {
            entries.push(("description", d));
        }
        if let Value::Object(data) = &p.data {
            entries.extend(data.iter().map(|(k, v)| (k.as_str(), v)));
        }
        write_mapping_item(&mut out, 0, &entries);
    }
    out
}

/// `- key: value` with the other keys of the mapping under the first.
fn write_mapping_item(out: &mut String, indent: usize, entries: &[(&str, &Value)]) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if i == 0 {
            pad(out, indent);
            out.push_str("- ");
        } else {
            pad(out, indent + STEP);
        }
        write_entry_after_pad(out, indent + STEP, key, value);
    }
}

fn write_entry(out: &mut String, indent: usize, key: &str, value: &Value) {
    pad(out, indent);
    write_entry_after_pad(out, indent, key, value);
}

fn write_entry_after_pad(out: &mut String, indent: usize, key: &str, value: &Value) {
    out.push_str(&key_text(key));
    out.push(':');
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            for (k, v) in map {
                write_entry(out, indent + STEP, k, v);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            for item in items {
                write_item(out, indent + STEP, item);
            }
        }
        scalar => {
            out.push(' ');
            out.push_str(&flow(scalar));
            out.push('\n');
        }
    }
}

fn write_item(out: &mut String, indent: usize, value: &Value) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let entries: Vec<(&str, &Value)> = map.iter().map(|(k, v)| (k.as_str(), v)).collect();
            write_mapping_item(out, indent, &entries);
        }
        other => {
            pad(out, indent);
            out.push_str("- ");
            out.push_str(&flow(other));
            out.push('\n');
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A value on one line: scalars, `{}`/`[]`, and nested lists in flow style.
fn flow(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => quoted(s),
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(flow).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(map) => flow_map(map),
    }
}

fn flow_map(map: &Map<String, Value>) -> String {
    let inner: Vec<String> = map
        .iter()
        .map(|(k, v)| format!("{}: {}", quoted(k), flow(v)))
        .collect();
    format!("{{{}}}", inner.join(", "))
}

/// A key as written: bare when it is a plain word YAML reads as that text,
/// quoted otherwise.
fn key_text(key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && !matches!(
            key.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "y" | "n"
        );
    if plain { key.to_string() } else { quoted(key) }
}

/// A double-quoted YAML scalar.
fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if needs_escape(c)
                || matches!(c, '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}') =>
            {
                let code = u32::from(c);
                let _ = if code <= 0xFFFF {
                    write!(out, "\\u{code:04X}")
                } else {
                    write!(out, "\\U{code:08X}")
                };
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::ProfileKind;
    use crate::project::Profile;
    use crate::source::SourceLoc;
    use serde_json::json;
    use std::sync::Arc;

    fn profile(id: &str, data: Value) -> ProfileRef {
        let mut p = Profile::from_data(id.into(), data, ProfileKind::Edge, SourceLoc::default());
        p.description = Some("Edge case: `x` set to \"y\"".into());
        Arc::new(p)
    }

    #[test]
    fn shape_of_a_profile_file() {
        let yaml = to_yaml(&[profile(
            "edge:age=17",
            json!({
                "age": 17,
                "account": {"balance": -1.5, "tags": []},
                "orders": [{"sku": "A", "qty": 2}, [1, 2], "x"],
                "null": null,
                "odd key": true
            }),
        )]);
        assert_eq!(
            yaml,
            // Fields in the order the profile gives them.
            "- id: \"edge:age=17\"\n  description: \"Edge case: `x` set to \\\"y\\\"\"\n  age: 17\n  account:\n    balance: -1.5\n    tags: []\n  orders:\n    - sku: \"A\"\n      qty: 2\n    - [1, 2]\n    - \"x\"\n  \"null\": null\n  \"odd key\": true\n"
        );
    }

    #[test]
    fn terminal_characters_are_escaped() {
        let yaml = to_yaml(&[profile(
            "p",
            json!({"name": "\u{1b}[31mA\r\n\t\u{7}\u{202e}\u{200b}\u{85}ليلى 🎉"}),
        )]);
        assert!(
            yaml.contains(r#"name: "\e[31mA\r\n\t\u0007\u202E\u200B\u0085ليلى 🎉""#),
            "{yaml}"
        );
        assert!(!yaml.chars().any(|c| needs_escape(c) && c != '\n'));
    }

    #[test]
    fn no_profiles_is_an_empty_list() {
        assert_eq!(to_yaml(&[]), "[]\n");
    }
}
