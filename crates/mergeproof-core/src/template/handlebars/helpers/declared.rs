//! A team's own helpers, declared under `helpers:` in `mergeproof.yaml`.
//! The team's code is not here to run, so each renders the way it is
//! declared: its first argument, a fixed text, or (a block helper) its block.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonRender, Output, RenderContext,
    RenderError, ScopedJson,
};
use serde_json::Value;

use super::render_branch;
use crate::dialect::{DeclaredHelper, DeclaredHelpers, Returns};

pub(super) fn register(registry: &mut Handlebars<'static>, declared: &DeclaredHelpers) {
    for (name, helper) in declared.iter().filter(|(_, d)| !d.like_mergeproof) {
        registry.register_helper(name, Box::new(Declared(helper.clone())));
    }
}

struct Declared(DeclaredHelper);

impl Declared {
    fn value(&self, h: &Helper<'_>) -> Value {
        match &self.0.returns {
            Returns::Argument if self.0.interpolate => {
                let text = h.param(0).map(|p| p.value().render()).unwrap_or_default();
                Value::String(interpolate(&text, |name| {
                    h.hash_get(name).map(|v| as_javascript_string(v.value()))
                }))
            }
            Returns::Argument => h.param(0).map(|p| p.value().clone()).unwrap_or(Value::Null),
            Returns::Text(text) => Value::String(text.clone()),
        }
    }
}

/// A value as JavaScript's `'' + value` writes it, which i18next's
/// `makeString` does: nothing for null or missing, items joined by commas.
fn as_javascript_string(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Array(items) => items
            .iter()
            .map(as_javascript_string)
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".to_string(),
        other => other.render(),
    }
}

/// `text` with each `{name}` replaced by the value of the hash argument
/// `name`, HTML-escaped. This is i18next's interpolation as Ghost configures
/// it (prefix `{`, suffix `}`, `escapeValue` on for the newsletter; Ghost's
/// `@tryghost/i18n`, i18next's `Interpolator.interpolate`): `escape` turns
/// `& < > " ' /` into entities; a name passed without a value prints
/// nothing; a name not passed stays as written (`skipOnVariables`).
pub(crate) fn interpolate(text: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open + 1..].find('}').map(|c| open + 1 + c) else {
            break;
        };
        out.push_str(&rest[..open]);
        let name = rest[open + 1..close].trim();
        match value(name).filter(|_| !name.is_empty()) {
            Some(v) => escape_like_i18next(&v, &mut out),
            None => out.push_str(&rest[open..=close]),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn escape_like_i18next(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '/' => out.push_str("&#x2F;"),
            c => out.push(c),
        }
    }
}

impl HelperDef for Declared {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        Ok(ScopedJson::Derived(self.value(h)))
    }

    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        if h.is_block() {
            // It renders its block, never its `{{else}}`.
            return render_branch(h, r, ctx, rc, out, true);
        }
        let text = self.value(h).render();
        // `{{{t …}}}` prints what the helper returns as it is, as
        // Handlebars.js does with a helper's string in triple braces.
        if self.0.html || rc.is_disable_escape() {
            // Trusted HTML, as a helper's `SafeString`: printed as is.
            out.write(&text)?;
        } else {
            out.write(&r.get_escape_fn()(&text))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::interpolate;

    #[test]
    fn places_are_filled_from_the_hash_and_escaped() {
        let value = |name: &str| match name {
            "authors" => Some("Ana & Bo <b>".to_string()),
            "site" => Some("Harbor/Pine".to_string()),
            "date" => Some(String::new()),
            _ => None,
        };
        assert_eq!(
            interpolate("By {authors} at { site }", value),
            "By Ana &amp; Bo &lt;b&gt; at Harbor&#x2F;Pine"
        );
        // Passed without a value: nothing; not passed: as written.
        assert_eq!(interpolate("{date} today", value), " today");
        assert_eq!(interpolate("{status} member", value), "{status} member");
        assert_eq!(interpolate("no places {} {", value), "no places {} {");
    }
}
