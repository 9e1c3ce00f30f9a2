//! SendGrid dynamic templates' helpers, as "Using Handlebars" documents them:
//! <https://www.twilio.com/docs/sendgrid/for-developers/sending-email/using-handlebars>
//!
//! - `{{insert name "default=Customer"}}`: the value, or the text after
//!   `default=` when the value is missing or empty;
//! - `{{#equals a b}}`, `{{#notEquals a b}}`, `{{#greaterThan a b}}`,
//!   `{{#lessThan a b}}`, `{{#and a b}}`, `{{#or a b}}`: block conditions with
//!   an optional `{{else}}`;
//! - `{{length list}}`: how many items (or characters);
//! - `{{formatDate date "MMMM D, YYYY" "-0500"}}`: a date in SendGrid's
//!   format tokens, with an optional offset from UTC.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, RenderError,
    ScopedJson,
};
use serde_json::Value;

use super::{Simple, js_string, render_branch, truthy, values};

pub(super) fn register(registry: &mut Handlebars<'static>) {
    registry.register_helper("insert", Box::new(Insert));
    for (name, test) in [
        ("equals", equals as Condition),
        ("notEquals", |p: &[&Value]| !equals(p)),
        ("greaterThan", |p: &[&Value]| {
            compare(p) == Some(std::cmp::Ordering::Greater)
        }),
        ("lessThan", |p: &[&Value]| {
            compare(p) == Some(std::cmp::Ordering::Less)
        }),
        ("and", |p: &[&Value]| {
            !p.is_empty() && p.iter().all(|v| truthy(v))
        }),
        ("or", |p: &[&Value]| p.iter().any(|v| truthy(v))),
    ] {
        registry.register_helper(name, Box::new(Block(test)));
    }
    registry.register_helper("length", Box::new(Simple(length)));
    registry.register_helper("formatDate", Box::new(Simple(format_date)));
}

pub(super) type Condition = fn(&[&Value]) -> bool;

/// A block condition: renders its block when the test holds, else its
/// `{{else}}`; in a subexpression it is the test's `true` or `false`.
pub(super) struct Block(pub(super) Condition);

impl HelperDef for Block {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        Ok(ScopedJson::Derived(Value::Bool((self.0)(&values(h)))))
    }

    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let holds = (self.0)(&values(h));
        if h.is_block() {
            render_branch(h, r, ctx, rc, out, holds)
        } else {
            out.write(if holds { "true" } else { "false" })?;
            Ok(())
        }
    }
}

/// `{{insert name "default=there"}}`.
struct Insert;

impl HelperDef for Insert {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let value = h.param(0).map(|p| p.value().clone()).unwrap_or(Value::Null);
        let missing = matches!(&value, Value::Null) || value.as_str() == Some("");
        if !missing {
            return Ok(ScopedJson::Derived(value));
        }
        let fallback = h.params().iter().skip(1).find_map(|p| {
            p.value()
                .as_str()?
                .strip_prefix("default=")
                .map(String::from)
        });
        Ok(ScopedJson::Derived(
            fallback.map_or(Value::Null, Value::String),
        ))
    }
}

fn equals(params: &[&Value]) -> bool {
    match (params.first(), params.get(1)) {
        (Some(a), Some(b)) => a == b || (number(a).is_some() && number(a) == number(b)),
        _ => false,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn compare(params: &[&Value]) -> Option<std::cmp::Ordering> {
    let a = number(params.first()?)?;
    let b = number(params.get(1)?)?;
    a.partial_cmp(&b)
}

fn length(params: &[&Value]) -> Value {
    let n = match params.first() {
        Some(Value::Array(items)) => items.len(),
        Some(Value::String(s)) => s.encode_utf16().count(),
        Some(Value::Object(map)) => map.len(),
        _ => 0,
    };
    Value::from(n)
}

/// SendGrid's date tokens, longest first so `MMMM` is not read as `MM` `MM`.
const TOKENS: &[&str] = &[
    "YYYY", "MMMM", "dddd", "MMM", "ddd", "YY", "MM", "DD", "HH", "hh", "mm", "ss", "ZZ", "M", "D",
    "H", "h", "m", "s", "A", "a", "Z",
];

/// `{{formatDate date "MM/DD/YYYY h:mm A" "-0800"}}`: a missing or unreadable
/// date prints nothing.
fn format_date(params: &[&Value]) -> Value {
    let Some(text) = params.first().map(|v| js_string(v)) else {
        return Value::Null;
    };
    let format = params
        .get(1)
        .and_then(|v| v.as_str())
        .unwrap_or("YYYY-MM-DD");
    let offset = params
        .get(2)
        .and_then(|v| v.as_str())
        .and_then(parse_offset);
    let Some(timestamp) = crate::template::render::parse_instant(text.trim()) else {
        return Value::Null;
    };
    let offset = offset.unwrap_or(jiff::tz::Offset::UTC);
    let time = offset.to_datetime(timestamp);
    let mut out = String::new();
    let mut rest = format;
    while !rest.is_empty() {
        if let Some(token) = TOKENS.iter().find(|t| rest.starts_with(**t)) {
            out.push_str(&token_text(token, &time, offset));
            rest = &rest[token.len()..];
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    Value::String(out)
}

/// `-0500` or `+05:30`.
fn parse_offset(text: &str) -> Option<jiff::tz::Offset> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(d) => (-1, d),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    let digits: String = digits.chars().filter(char::is_ascii_digit).collect();
    if digits.len() != 4 {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    jiff::tz::Offset::from_seconds(sign * (hours * 3600 + minutes * 60)).ok()
}

fn token_text(token: &str, t: &jiff::civil::DateTime, offset: jiff::tz::Offset) -> String {
    let seconds = offset.seconds();
    let sign = if seconds < 0 { '-' } else { '+' };
    let (hours, minutes) = (seconds.abs() / 3600, seconds.abs() % 3600 / 60);
    let hour12 = match t.hour() % 12 {
        0 => 12,
        h => h,
    };
    match token {
        "YYYY" => t.strftime("%Y").to_string(),
        "YY" => t.strftime("%y").to_string(),
        "MMMM" => t.strftime("%B").to_string(),
        "MMM" => t.strftime("%b").to_string(),
        "MM" => t.strftime("%m").to_string(),
        "M" => t.month().to_string(),
        "DD" => t.strftime("%d").to_string(),
        "D" => t.day().to_string(),
        "dddd" => t.strftime("%A").to_string(),
        "ddd" => t.strftime("%a").to_string(),
        "HH" => t.strftime("%H").to_string(),
        "H" => t.hour().to_string(),
        "hh" => format!("{hour12:02}"),
        "h" => hour12.to_string(),
        "mm" => t.strftime("%M").to_string(),
        "m" => t.minute().to_string(),
        "ss" => t.strftime("%S").to_string(),
        "s" => t.second().to_string(),
        "A" => if t.hour() < 12 { "AM" } else { "PM" }.to_string(),
        "a" => if t.hour() < 12 { "am" } else { "pm" }.to_string(),
        "ZZ" => format!("{sign}{hours:02}{minutes:02}"),
        "Z" => format!("{sign}{hours:02}:{minutes:02}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn format_date_uses_sendgrid_tokens_and_offsets() {
        let d = json!("2027-03-04T15:05:09Z");
        assert_eq!(
            format_date(&[&d, &json!("MMMM D, YYYY h:mm A")]),
            json!("March 4, 2027 3:05 PM")
        );
        assert_eq!(
            format_date(&[&d, &json!("MM/DD/YY HH:mm"), &json!("-0800")]),
            json!("03/04/27 07:05")
        );
        assert_eq!(
            format_date(&[&json!("2027-03-04"), &json!("dddd")]),
            json!("Thursday")
        );
        assert_eq!(format_date(&[&json!("soon"), &json!("YYYY")]), Value::Null);
    }

    #[test]
    fn comparisons() {
        assert!(equals(&[&json!("a"), &json!("a")]));
        assert!(equals(&[&json!(3), &json!("3")]));
        assert!(!equals(&[&json!("a"), &Value::Null]));
        assert_eq!(
            compare(&[&json!(10), &json!(9)]),
            Some(std::cmp::Ordering::Greater)
        );
        assert_eq!(compare(&[&json!("x"), &json!(9)]), None);
        assert_eq!(length(&[&json!([1, 2])]), json!(2));
        assert_eq!(length(&[&Value::Null]), json!(0));
    }
}
