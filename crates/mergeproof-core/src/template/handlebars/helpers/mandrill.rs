//! Mailchimp Transactional (Mandrill) helpers with `merge_language:
//! handlebars`, as "Templates: dynamic content" documents them:
//! <https://mailchimp.com/developer/transactional/docs/templates-dynamic-content/>
//!
//! - `upper`, `lower`, `title`: the text in that case;
//! - `url`: the text URL-encoded;
//! - `striptags`: the text without HTML tags;
//! - `date`: today's date (the day the message is sent; here, the day of the
//!   run, in UTC) in PHP's date format, `d/m/Y` unless given;
//! - `if` and `unless` also take a comparison in backticks,
//!   ``{{#if `purchases > 3`}}``, with `==`, `!=`, `>`, `>=`, `<`, `<=`.

use handlebars::{Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext};
use serde_json::Value;

use super::mergeproof::{map_text, title_case};
use super::{Simple, js_string, render_branch, truthy};

pub(super) fn register(registry: &mut Handlebars<'static>) {
    registry.register_helper(
        "upper",
        Box::new(Simple(|p| map_text(p, |s| s.to_uppercase()))),
    );
    registry.register_helper(
        "lower",
        Box::new(Simple(|p| map_text(p, |s| s.to_lowercase()))),
    );
    registry.register_helper("title", Box::new(Simple(|p| map_text(p, title_case))));
    registry.register_helper("url", Box::new(Simple(|p| map_text(p, url_encode))));
    registry.register_helper("striptags", Box::new(Simple(|p| map_text(p, strip_tags))));
    registry.register_helper("date", Box::new(Simple(today)));
    registry.register_helper("if", Box::new(If { positive: true }));
    registry.register_helper("unless", Box::new(If { positive: false }));
}

/// ``{{#if `a > 3`}}`` is not Handlebars: the backticks become double quotes
/// (and double quotes inside become single ones), which keeps every position
/// in the template, and `if` reads a quoted comparison as one.
pub(crate) fn rewrite_comparisons(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains('`') {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let tag = &rest[open..];
        let end = tag.find("}}").map_or(tag.len(), |e| e + 2);
        let inner = &tag[..end];
        let head = inner.trim_start_matches(['{', '~', ' ']);
        let conditional = ["#if", "#unless", "else if"]
            .iter()
            .any(|h| head.starts_with(h));
        if conditional && inner.matches('`').count() >= 2 {
            let mut in_ticks = false;
            for c in inner.chars() {
                match c {
                    '`' => {
                        in_ticks = !in_ticks;
                        out.push('"');
                    }
                    '"' if in_ticks => out.push('\''),
                    c => out.push(c),
                }
            }
        } else {
            out.push_str(inner);
        }
        rest = &tag[end..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// A comparison as written between backticks: `purchases > 3`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Comparison {
    pub left: Operand,
    pub op: &'static str,
    pub right: Operand,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Operand {
    Path(String),
    Literal(Value),
}

const OPERATORS: &[&str] = &["===", "!==", "==", "!=", ">=", "<=", ">", "<"];

pub(crate) fn parse_comparison(text: &str) -> Option<Comparison> {
    let (at, op) = OPERATORS
        .iter()
        .filter_map(|op| text.find(op).map(|at| (at, *op)))
        .min_by_key(|(at, op)| (*at, std::cmp::Reverse(op.len())))?;
    let left = operand(&text[..at])?;
    let right = operand(&text[at + op.len()..])?;
    Some(Comparison { left, op, right })
}

fn operand(text: &str) -> Option<Operand> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if let Some(s) = t
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .or_else(|| t.strip_prefix('"').and_then(|s| s.strip_suffix('"')))
    {
        return Some(Operand::Literal(Value::String(s.to_string())));
    }
    if let Ok(n) = t.parse::<f64>() {
        return Some(Operand::Literal(Value::from(n)));
    }
    match t {
        "true" => Some(Operand::Literal(Value::Bool(true))),
        "false" => Some(Operand::Literal(Value::Bool(false))),
        "null" => Some(Operand::Literal(Value::Null)),
        _ => Some(Operand::Path(t.to_string())),
    }
}

fn holds(op: &str, a: &Value, b: &Value) -> bool {
    let number = |v: &Value| match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let ordering = match (number(a), number(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => match (a, b) {
            (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
            _ => None,
        },
    };
    let equal = a == b || ordering == Some(std::cmp::Ordering::Equal);
    match op {
        "==" | "===" => equal,
        "!=" | "!==" => !equal,
        ">" => ordering == Some(std::cmp::Ordering::Greater),
        "<" => ordering == Some(std::cmp::Ordering::Less),
        ">=" => matches!(ordering, Some(o) if o != std::cmp::Ordering::Less),
        "<=" => matches!(ordering, Some(o) if o != std::cmp::Ordering::Greater),
        _ => false,
    }
}

struct If {
    positive: bool,
}

impl HelperDef for If {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let Some(param) = h.param(0) else {
            return render_branch(h, r, ctx, rc, out, !self.positive);
        };
        let comparison = match (param.relative_path(), param.value()) {
            (None, Value::String(text)) => parse_comparison(text),
            _ => None,
        };
        let value = match comparison {
            Some(c) => {
                let read = |o: &Operand| -> Value {
                    match o {
                        Operand::Literal(v) => v.clone(),
                        Operand::Path(p) => rc
                            .evaluate(ctx, p)
                            .map(|v| v.as_json().clone())
                            .unwrap_or(Value::Null),
                    }
                };
                let (a, b) = (read(&c.left), read(&c.right));
                holds(c.op, &a, &b)
            }
            None => truthy(param.value()),
        };
        render_branch(h, r, ctx, rc, out, value == self.positive)
    }
}

fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn strip_tags(s: &str) -> String {
    crate::template::html::strip_tags(s)
}

/// `{{date}}`, `{{date "Y-m-d"}}`: today in PHP's `date()` letters.
fn today(params: &[&Value]) -> Value {
    let format = params
        .first()
        .map(|v| js_string(v))
        .unwrap_or_else(|| "d/m/Y".into());
    let now = jiff::tz::Offset::UTC.to_datetime(jiff::Timestamp::now());
    Value::String(crate::template::render::php_date(&format, &now.date()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn backtick_comparisons_keep_every_position() {
        let text = "{{#if `tier == \"gold\"`}}x{{else if `points >= 10`}}y{{/if}} `code`";
        let rewritten = rewrite_comparisons(text);
        assert_eq!(rewritten.len(), text.len());
        assert_eq!(
            rewritten,
            "{{#if \"tier == 'gold'\"}}x{{else if \"points >= 10\"}}y{{/if}} `code`"
        );
    }

    #[test]
    fn comparisons_read_paths_and_literals() {
        let c = parse_comparison("purchases >= 3").unwrap();
        assert_eq!(c.left, Operand::Path("purchases".into()));
        assert_eq!(c.op, ">=");
        assert_eq!(c.right, Operand::Literal(json!(3.0)));
        assert!(holds(">=", &json!(3), &json!(3.0)));
        assert!(holds("==", &json!("gold"), &json!("gold")));
        assert!(!holds(">", &Value::Null, &json!(1)));
        assert_eq!(parse_comparison("no operator"), None);
    }

    #[test]
    fn text_helpers() {
        assert_eq!(url_encode("a b&c"), "a%20b%26c");
        assert_eq!(strip_tags("<b>Hi</b> <i>there</i>"), "Hi there");
        let d = jiff::civil::date(2027, 3, 4);
        assert_eq!(crate::template::render::php_date("d/m/Y", &d), "04/03/2027");
        assert_eq!(
            crate::template::render::php_date("F j, Y", &d),
            "March 4, 2027"
        );
    }
}
