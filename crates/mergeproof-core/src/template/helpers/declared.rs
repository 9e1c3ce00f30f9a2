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

pub fn register(registry: &mut Handlebars<'static>, declared: &DeclaredHelpers) {
    for (name, helper) in declared {
        registry.register_helper(name, Box::new(Declared(helper.clone())));
    }
}

struct Declared(DeclaredHelper);

impl Declared {
    fn value(&self, h: &Helper<'_>) -> Value {
        match &self.0.returns {
            Returns::Argument => h.param(0).map(|p| p.value().clone()).unwrap_or(Value::Null),
            Returns::Text(text) => Value::String(text.clone()),
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
        if self.0.html {
            // Trusted HTML, as a helper's `SafeString`: printed as is.
            out.write(&text)?;
        } else {
            out.write(&r.get_escape_fn()(&text))?;
        }
        Ok(())
    }
}
