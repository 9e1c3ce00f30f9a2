//! The helpers a template may call: its dialect's (each platform's own set,
//! with its documented semantics) and the team's declared ones.

mod declared;
mod iterable;
mod mandrill;
mod mergeproof;
mod postmark;
mod sendgrid;

use handlebars::{
    Context, Handlebars, Helper, HelperDef, JsonRender, RenderContext, RenderError, ScopedJson,
};
use serde_json::Value;

use crate::dialect::{Dialect, TemplateDialect};

pub(super) use mandrill::{Operand, parse_comparison, rewrite_comparisons};
pub(super) use postmark::PRINT;

/// The helper a Mustache section (`{{#user}}…{{/user}}`) is rewritten to
/// call; no template can write this name.
pub(super) const SECTION: &str = "\u{0}section";

/// What `Handlebars::new()` registers beyond Handlebars.js's built-ins.
const CRATE_HELPERS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "raw", "log", "eq", "ne", "gt", "gte", "lt", "lte",
    "and", "or", "not", "len",
];

/// A helper that computes a value from its arguments' values.
pub(super) struct Simple(pub fn(&[&Value]) -> Value);

impl HelperDef for Simple {
    fn kind(&self) -> handlebars::HelperKind {
        handlebars::HelperKind::Value(self.0)
    }

    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        Ok(ScopedJson::Derived((self.0)(&values(h))))
    }
}

/// A helper call's arguments, as values.
pub(super) fn values<'a>(h: &'a Helper<'_>) -> Vec<&'a Value> {
    h.params().iter().map(|p| p.value()).collect()
}

/// A value as JavaScript's `String(value)` prints it (what Handlebars.js
/// prints): `1.0` as `1`, a list joined with `,`.
pub(super) fn js_string(value: &Value) -> String {
    value.render()
}

/// Gives a registry exactly the dialect's helpers and the declared ones
/// (and, for an HTML body, the dialect's HTML escaping).
pub(super) fn register(
    registry: &mut Handlebars<'static>,
    dialect: TemplateDialect<'_>,
    html: bool,
) {
    let borrowed = |name: &str| {
        dialect
            .declared
            .get(name)
            .is_some_and(|d| d.like_mergeproof)
    };
    for name in CRATE_HELPERS {
        if dialect.dialect.helper(name).is_none() && !borrowed(name) {
            registry.unregister_helper(name);
        }
    }
    registry.register_helper(SECTION, Box::new(handlebars::SECTION_HELPER));
    match dialect.dialect {
        Dialect::Mergeproof => mergeproof::register(registry),
        Dialect::Sendgrid => sendgrid::register(registry),
        Dialect::Mandrill => mandrill::register(registry),
        Dialect::Iterable => iterable::register(registry),
        Dialect::Postmark => postmark::register(registry, html),
        // Templates of other languages never reach the Handlebars front end.
        Dialect::Liquid
        | Dialect::Braze
        | Dialect::Customerio
        | Dialect::Mailchimp
        | Dialect::Klaviyo => {}
        Dialect::Handlebars => {}
    }
    if dialect.dialect != Dialect::Mergeproof {
        for (name, _) in dialect.declared.iter().filter(|(_, d)| d.like_mergeproof) {
            mergeproof::register_named(registry, name);
        }
    }
    declared::register(registry, dialect.declared);
}

/// JavaScript truthiness, as Handlebars.js's `if` sees a value.
pub(super) fn truthy(value: &Value) -> bool {
    use handlebars::JsonTruthy;
    value.is_truthy(false)
}

/// Renders a block helper's main block or its `{{else}}`.
pub(super) fn render_branch<'reg: 'rc, 'rc>(
    h: &Helper<'rc>,
    r: &'reg Handlebars<'reg>,
    ctx: &'rc Context,
    rc: &mut RenderContext<'reg, 'rc>,
    out: &mut dyn handlebars::Output,
    main: bool,
) -> Result<(), RenderError> {
    use handlebars::Renderable;
    let branch = if main { h.template() } else { h.inverse() };
    match branch {
        Some(t) => t.render(r, ctx, rc, out),
        None => Ok(()),
    }
}
