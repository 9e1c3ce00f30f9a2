//! Postmark templates: Mustachio, not Handlebars.js. What differs, read from
//! Mustachio's source (github.com/ActiveCampaign/mustachio, `Parser.cs`,
//! `ContextObject.cs`) and "Mustachio Templating in Postmark"
//! (<https://postmarkapp.com/support/article/1077-template-syntax>):
//!
//! - a section `{{#user}}…{{/user}}` renders once, with the value as its
//!   context, when the value "exists": not missing, `false`, `0`, `""` or an
//!   empty list or object; `{{^user}}` when it does not. Lists are looped
//!   with `{{#each}}` only, which refuses an object;
//! - only text, numbers and booleans print (`True`, `False`, as .NET writes
//!   them); a list or an object prints nothing;
//! - `{{ }}` encodes as .NET's `HttpUtility.HtmlEncode`: `< > & "`, `'` as
//!   `&#39;`, and the characters U+00A0 to U+00FF as numeric references.

use handlebars::{
    BlockContext, Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext,
    RenderError, RenderErrorReason, Renderable, ScopedJson,
};
use serde_json::Value;

/// The helper a printed value (`{{name}}`) is rewritten to call in the
/// postmark dialect; no template can write this name.
pub(crate) const PRINT: &str = "\u{0}print";

pub(super) fn register(registry: &mut Handlebars<'static>, html: bool) {
    registry.register_helper(super::SECTION, Box::new(Section));
    registry.register_helper(PRINT, Box::new(Print));
    registry.register_helper("each", Box::new(Each));
    if html {
        registry.register_escape_fn(html_encode);
    }
}

/// Mustachio's `ContextObject.Exists`.
fn exists(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => false,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => !map.is_empty(),
        Value::Bool(true) => true,
    }
}

struct Section;

impl HelperDef for Section {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let Some(param) = h.param(0) else {
            return Ok(());
        };
        if !exists(param.value()) || param.is_value_missing() {
            return super::render_branch(h, r, ctx, rc, out, false);
        }
        let mut block = BlockContext::new();
        match param.context_path() {
            Some(path) => block.base_path_mut().clone_from(path),
            None => block.set_base_value(param.value().clone()),
        }
        rc.push_block(block);
        let result = match h.template() {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        };
        rc.pop_block();
        result
    }
}

struct Print;

impl HelperDef for Print {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let value = h.param(0).map(|p| p.value().clone()).unwrap_or(Value::Null);
        Ok(ScopedJson::Derived(printable(value)))
    }
}

fn printable(value: Value) -> Value {
    match value {
        Value::Bool(b) => Value::String(if b { "True" } else { "False" }.into()),
        Value::Array(_) | Value::Object(_) => Value::Null,
        other => other,
    }
}

struct Each;

impl HelperDef for Each {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let value = h.param(0).map(|p| p.value());
        match value {
            Some(Value::Array(_)) => handlebars::EACH_HELPER.call(h, r, ctx, rc, out),
            Some(v) if !exists(v) => Ok(()),
            _ => Err(RenderErrorReason::Other(format!(
                "`{{{{#each {}}}}}` is used like a list, but the profile holds a single value or object there (Postmark refuses to send it)",
                h.param(0)
                    .and_then(|p| p.relative_path().cloned())
                    .unwrap_or_default()
            ))
            .into()),
        }
    }
}

/// .NET's `HttpUtility.HtmlEncode`.
pub(super) fn html_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\u{a0}'..='\u{ff}' => out.push_str(&format!("&#{};", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn encodes_as_dotnet() {
        assert_eq!(
            html_encode("<a href=\"x\">O'Neil & Zoë</a> `=`"),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; Zo&#235;&lt;/a&gt; `=`"
        );
    }

    #[test]
    fn what_exists_and_what_prints() {
        for v in [
            json!(null),
            json!(false),
            json!(0),
            json!(""),
            json!([]),
            json!({}),
        ] {
            assert!(!exists(&v), "{v}");
        }
        for v in [
            json!(true),
            json!(1),
            json!(" "),
            json!([0]),
            json!({"a": 1}),
        ] {
            assert!(exists(&v), "{v}");
        }
        assert_eq!(printable(json!(true)), json!("True"));
        assert_eq!(printable(json!([1, 2])), Value::Null);
        assert_eq!(printable(json!(2.5)), json!(2.5));
    }
}
