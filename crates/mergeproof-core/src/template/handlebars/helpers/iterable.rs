//! Iterable's helpers, as "Personalizing Templates with Handlebars"
//! documents them (<https://support.iterable.com/hc/en-us/articles/205480365>):
//!
//! - `{{defaultIfEmpty firstName "there"}}`: the value, or the fallback
//!   where it is missing, null or empty;
//! - `{{#ifEq a b}}`, `{{#eq a b}}`, `{{#lt}}`, `{{#lte}}`, `{{#gt}}`,
//!   `{{#gte}}`: block conditions with an optional `{{else}}` (numbers
//!   compare as numbers, texts in alphabetical order);
//!   `{{#ifContainsStr text "part"}}`;
//! - `capitalizeFirst`, `capitalize` (each word), `upper`, `lower`,
//!   `length`, `cut`, `replace`, `substring`, `abbreviate`;
//! - `{{#urlEncode}}…{{/urlEncode}}`: its block, rendered, percent-encoded
//!   (all but `A–Z a–z 0–9 - _ . ~`, a space as `%20`: the page shows no
//!   output, so this is JavaScript's `encodeURIComponent`, unverified).
//!
//! No engine of Iterable's runs offline: what the page's examples do not
//! settle follows Handlebars.js (DESIGN "Dialects"), and the README lists
//! it as unverified.

use std::cmp::Ordering;

use handlebars::{Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext};
use serde_json::Value;

use crate::markers::{CLOSE, OPEN};

use super::sendgrid::{Block, Condition};
use super::{Simple, js_string};

pub(super) fn register(registry: &mut Handlebars<'static>) {
    registry.register_helper("defaultIfEmpty", Box::new(Simple(default_if_empty)));
    let conditions: [(&str, Condition); 7] = [
        ("ifEq", |p| compare(p) == Some(Ordering::Equal)),
        ("eq", |p| compare(p) == Some(Ordering::Equal)),
        ("lt", |p| compare(p) == Some(Ordering::Less)),
        ("lte", |p| {
            matches!(compare(p), Some(Ordering::Less | Ordering::Equal))
        }),
        ("gt", |p| compare(p) == Some(Ordering::Greater)),
        ("gte", |p| {
            matches!(compare(p), Some(Ordering::Greater | Ordering::Equal))
        }),
        ("ifContainsStr", |p| match (p.first(), p.get(1)) {
            (Some(Value::String(text)), Some(part)) => text.contains(&js_string(part)),
            _ => false,
        }),
    ];
    for (name, test) in conditions {
        registry.register_helper(name, Box::new(Block(test)));
    }
    let texts: [(&str, TextHelper); 9] = [
        ("capitalizeFirst", |p| text(p, capitalize_first)),
        ("capitalize", |p| {
            text(p, |s| {
                s.split(' ')
                    .map(capitalize_first)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
        }),
        ("upper", |p| text(p, |s| s.to_uppercase())),
        ("lower", |p| text(p, |s| s.to_lowercase())),
        ("length", length),
        ("cut", |p| {
            let remove = p.get(1).map_or(" ".to_string(), |v| js_string(v));
            text(p, |s| s.replace(&remove, ""))
        }),
        ("replace", |p| {
            let (from, to) = (
                p.get(1).map(|v| js_string(v)),
                p.get(2).map(|v| js_string(v)),
            );
            match (from, to) {
                (Some(from), Some(to)) if !from.is_empty() => text(p, |s| s.replace(&from, &to)),
                _ => text(p, str::to_string),
            }
        }),
        ("substring", substring),
        ("abbreviate", abbreviate),
    ];
    for (name, f) in texts {
        registry.register_helper(name, Box::new(Simple(f)));
    }
    registry.register_helper("urlEncode", Box::new(UrlEncode));
}

/// `{{#urlEncode}}…{{/urlEncode}}`.
struct UrlEncode;

impl HelperDef for UrlEncode {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        use handlebars::Renderable;
        let Some(block) = h.template() else {
            return Ok(());
        };
        let mut inner = handlebars::StringOutput::new();
        block.render(r, ctx, rc, &mut inner)?;
        let text = inner.into_string().unwrap_or_default();
        out.write(&percent_encode_keeping_markers(&text))?;
        Ok(())
    }
}

/// Percent-encodes `text` but the span markers, so the data inside keeps
/// its spans.
fn percent_encode_keeping_markers(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            OPEN => {
                out.push(c);
                out.extend(chars.next());
            }
            CLOSE => out.push(c),
            c if c.is_ascii_alphanumeric() || "-_.~".contains(c) => out.push(c),
            c => {
                let mut bytes = [0; 4];
                for b in c.encode_utf8(&mut bytes).bytes() {
                    out.push_str(percent_encoding::percent_encode_byte(b));
                }
            }
        }
    }
    out
}

/// A helper that prints a value made from its parameters.
type TextHelper = fn(&[&Value]) -> Value;

/// Missing, null, `""`, `false` or `[]`: what `defaultIfEmpty` replaces.
fn empty(value: Option<&&Value>) -> bool {
    match value {
        None | Some(Value::Null) => true,
        Some(Value::String(s)) => s.is_empty(),
        Some(Value::Array(items)) => items.is_empty(),
        Some(Value::Bool(b)) => !b,
        _ => false,
    }
}

fn default_if_empty(params: &[&Value]) -> Value {
    if empty(params.first()) {
        params.get(1).map_or(Value::Null, |v| (*v).clone())
    } else {
        (*params[0]).clone()
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

/// Numbers as numbers, texts alphabetically; anything else, or a value
/// missing, compares as nothing (the block's `{{else}}` renders).
fn compare(params: &[&Value]) -> Option<Ordering> {
    let (a, b) = (params.first()?, params.get(1)?);
    match (a, b) {
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => number(a)?.partial_cmp(&number(b)?),
    }
}

/// The first parameter as text, changed by `f`; nothing for a missing one.
fn text(params: &[&Value], f: impl Fn(&str) -> String) -> Value {
    match params.first() {
        None | Some(Value::Null) => Value::Null,
        Some(v) => Value::String(f(&js_string(v))),
    }
}

fn capitalize_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn length(params: &[&Value]) -> Value {
    let n = match params.first() {
        Some(Value::Array(items)) => items.len(),
        Some(Value::String(s)) => s.chars().count(),
        _ => 0,
    };
    Value::from(n)
}

fn index(v: Option<&&Value>) -> Option<usize> {
    v.and_then(|v| v.as_u64())
        .and_then(|n| usize::try_from(n).ok())
}

/// `{{substring text start end}}`: the characters from `start` up to
/// `end` (or the end).
fn substring(params: &[&Value]) -> Value {
    let start = index(params.get(1)).unwrap_or(0);
    let end = index(params.get(2));
    text(params, |s| {
        let chars: Vec<char> = s.chars().collect();
        let end = end.unwrap_or(chars.len()).min(chars.len());
        chars
            .get(start.min(end)..end)
            .map_or(String::new(), |c| c.iter().collect())
    })
}

/// `{{abbreviate text 10}}`: at most that many characters, the last three
/// `...` where it is cut.
fn abbreviate(params: &[&Value]) -> Value {
    let Some(width) = index(params.get(1)).filter(|w| *w >= 4) else {
        return text(params, str::to_string);
    };
    text(params, |s| {
        if s.chars().count() <= width {
            s.to_string()
        } else {
            let kept: String = s.chars().take(width - 3).collect();
            format!("{kept}...")
        }
    })
}
