//! Liquid's values as Shopify's Ruby Liquid holds them, and how it prints
//! them: Ruby's `to_s` (`1.0`, `1.0e+20`, `{"k"=>"v"}`), arrays joined with
//! nothing between.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::Value as Json;

/// A value while a template renders.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Arc<str>),
    Array(Arc<Vec<Value>>),
    /// Keys in the order the data gave them, as a Ruby hash keeps them.
    Hash(Arc<Vec<(String, Value)>>),
    Range(i64, i64),
}

impl Value {
    pub(crate) fn str(s: &str) -> Value {
        Value::Str(Arc::from(s))
    }

    pub(crate) fn from_json(json: &Json) -> Value {
        match json {
            Json::Null => Value::Nil,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => match n.as_i64() {
                Some(i) => Value::Int(i),
                None => Value::Float(n.as_f64().unwrap_or(0.0)),
            },
            Json::String(s) => Value::str(s),
            Json::Array(items) => {
                Value::Array(Arc::new(items.iter().map(Value::from_json).collect()))
            }
            Json::Object(map) => Value::Hash(Arc::new(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            )),
        }
    }

    /// Only `nil` and `false` are falsy in Liquid.
    pub(crate) fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }

    /// ActiveSupport's `blank?`, which Shopify loads: nil, false, a text of
    /// only whitespace, an empty list or hash.
    pub(crate) fn blank(&self) -> bool {
        match self {
            Value::Nil | Value::Bool(false) => true,
            Value::Str(s) => s.trim().is_empty(),
            Value::Array(a) => a.is_empty(),
            Value::Hash(h) => h.is_empty(),
            _ => false,
        }
    }

    /// Ruby's `empty?`, for what has it: `None` for the rest (nil, numbers).
    pub(crate) fn empty(&self) -> Option<bool> {
        match self {
            Value::Str(s) => Some(s.is_empty()),
            Value::Array(a) => Some(a.is_empty()),
            Value::Hash(h) => Some(h.is_empty()),
            _ => None,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Hash(h) => h.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// `size`: characters of a text, items of a list or hash.
    pub(crate) fn size(&self) -> Option<i64> {
        match self {
            Value::Str(s) => Some(s.chars().count() as i64),
            Value::Array(a) => Some(a.len() as i64),
            Value::Hash(h) => Some(h.len() as i64),
            Value::Range(a, b) => Some((b - a + 1).max(0)),
            _ => None,
        }
    }

    /// The items a `for` walks or a list filter reads.
    pub(crate) fn items(&self) -> Vec<Value> {
        match self {
            Value::Array(a) => a.as_ref().clone(),
            Value::Hash(h) => h
                .iter()
                .map(|(k, v)| Value::Array(Arc::new(vec![Value::str(k), v.clone()])))
                .collect(),
            Value::Range(a, b) => (*a..=*b).map(Value::Int).collect(),
            Value::Str(s) if !s.is_empty() => vec![self.clone()],
            _ => Vec::new(),
        }
    }

    /// What `{{ value }}` prints.
    pub(crate) fn print(&self, out: &mut String) {
        match self {
            Value::Array(items) => items.iter().for_each(|i| i.print(out)),
            other => other.ruby_to_s(out),
        }
    }

    pub(crate) fn to_text(&self) -> String {
        let mut out = String::new();
        self.ruby_to_s(&mut out);
        out
    }

    /// Ruby's `to_s`.
    pub(crate) fn ruby_to_s(&self, out: &mut String) {
        match self {
            Value::Nil => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => out.push_str(&ruby_float(*f)),
            Value::Str(s) => out.push_str(s),
            Value::Array(_) | Value::Hash(_) => self.inspect(out),
            Value::Range(a, b) => {
                let _ = write!(out, "{a}..{b}");
            }
        }
    }

    /// Ruby's `inspect`, which arrays and hashes print their items with.
    fn inspect(&self, out: &mut String) {
        match self {
            Value::Nil => out.push_str("nil"),
            Value::Str(s) => {
                out.push('"');
                for c in s.chars() {
                    match c {
                        '"' => out.push_str("\\\""),
                        '\\' => out.push_str("\\\\"),
                        '\n' => out.push_str("\\n"),
                        '\t' => out.push_str("\\t"),
                        '\r' => out.push_str("\\r"),
                        c if (c as u32) < 0x20 => {
                            let _ = write!(out, "\\x{:02X}", c as u32);
                        }
                        c => out.push(c),
                    }
                }
                out.push('"');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.inspect(out);
                }
                out.push(']');
            }
            Value::Hash(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    Value::str(k).inspect(out);
                    out.push_str("=>");
                    v.inspect(out);
                }
                out.push('}');
            }
            other => other.ruby_to_s(out),
        }
    }

    /// A number, for comparisons and arithmetic.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }
}

/// Ruby's `Float#to_s`: the shortest text that reads back as the same
/// number, with `.0` on whole numbers and an exponent past 1e16 or below
/// 1e-4.
pub(crate) fn ruby_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` gives the shortest digits: `1.2345e3`.
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if negative { "-" } else { "" };
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point as usize >= digits.len() {
            format!("{}{}.0", digits, "0".repeat(point as usize - digits.len()))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{body}")
    } else {
        let rest = if digits.len() > 1 { &digits[1..] } else { "0" };
        let esign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{}.{rest}e{esign}{:02}", &digits[..1], exponent.abs())
    }
}

/// `value.key` or `value[key]`, with `size`, `first` and `last` where the
/// value has no such key.
pub(crate) fn step_into(value: &Value, key: &Value, dotted: bool) -> Value {
    match (value, key) {
        (Value::Hash(_), Value::Str(k)) => {
            if let Some(v) = value.get(k) {
                return v.clone();
            }
            if dotted && k.as_ref() == "size" {
                return Value::Int(value.size().unwrap_or(0));
            }
            Value::Nil
        }
        (Value::Array(items), Value::Int(i)) => {
            let i = if *i < 0 { items.len() as i64 + i } else { *i };
            usize::try_from(i)
                .ok()
                .and_then(|i| items.get(i))
                .cloned()
                .unwrap_or(Value::Nil)
        }
        (Value::Array(items), Value::Str(k)) => match k.as_ref() {
            "size" => Value::Int(items.len() as i64),
            "first" => items.first().cloned().unwrap_or(Value::Nil),
            "last" => items.last().cloned().unwrap_or(Value::Nil),
            _ => Value::Nil,
        },
        (Value::Str(s), Value::Str(k)) if k.as_ref() == "size" => {
            Value::Int(s.chars().count() as i64)
        }
        (Value::Range(..), Value::Str(k)) => match k.as_ref() {
            "size" => Value::Int(value.size().unwrap_or(0)),
            "first" => value.items().first().cloned().unwrap_or(Value::Nil),
            "last" => value.items().last().cloned().unwrap_or(Value::Nil),
            _ => Value::Nil,
        },
        _ => Value::Nil,
    }
}

/// Ruby's `==` between two Liquid values.
pub(crate) fn ruby_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => {
            a.as_f64() == b.as_f64()
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| ruby_eq(p, q))
        }
        _ => a == b,
    }
}

pub(crate) fn ruby_class(v: &Value) -> &'static str {
    match v {
        Value::Nil => "NilClass",
        Value::Bool(true) => "TrueClass",
        Value::Bool(false) => "FalseClass",
        Value::Int(_) => "Integer",
        Value::Float(_) => "Float",
        Value::Str(_) => "String",
        Value::Array(_) => "Array",
        Value::Hash(_) => "Hash",
        Value::Range(..) => "Range",
    }
}

/// Ruby names the right side of a failed comparison by its value when it
/// is a number and by its class otherwise.
pub(crate) fn ruby_inspect_for_error(v: &Value) -> String {
    match v {
        Value::Int(_) | Value::Float(_) => v.to_text(),
        other => ruby_class(other).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_ruby_prints_them() {
        for (f, s) in [
            (1.0, "1.0"),
            (0.1 + 0.2, "0.30000000000000004"),
            (1e20, "1.0e+20"),
            (1e15, "1000000000000000.0"),
            (1e16, "1.0e+16"),
            (0.0001, "0.0001"),
            (0.00001, "1.0e-05"),
            (-2.5, "-2.5"),
            (123.456, "123.456"),
        ] {
            assert_eq!(ruby_float(f), s, "{f}");
        }
    }

    #[test]
    fn hashes_print_ruby_style() {
        let v = Value::from_json(&serde_json::json!({"k": "v", "n": [1, null]}));
        assert_eq!(v.to_text(), r#"{"k"=>"v", "n"=>[1, nil]}"#);
    }

    #[test]
    fn only_nil_and_false_are_falsy() {
        assert!(Value::str("").truthy());
        assert!(Value::Int(0).truthy());
        assert!(!Value::Nil.truthy());
        assert!(Value::str("  ").blank());
        assert!(!Value::Int(0).blank());
    }
}
