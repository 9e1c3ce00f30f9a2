//! mergeproof: Mustache-style sections as Handlebars.js renders them
//! (`blockHelperMissing`): `{{#name}}…{{/name}}` where `name` is no helper.
//! mergeproof calls it with the section's value as its one parameter.

use super::block_util::create_block;
use super::helper_each::EACH_HELPER;
use crate::RenderErrorReason;
use crate::context::Context;
use crate::helpers::{HelperDef, HelperResult};
use crate::output::Output;
use crate::registry::Registry;
use crate::render::{Helper, RenderContext, Renderable};
use serde_json::value::Value as Json;

#[derive(Clone, Copy)]
pub struct SectionHelper;

impl HelperDef for SectionHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Registry<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let param = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("section", 0))?;
        let value = param.value();
        match value {
            // `true` renders the block in the current context.
            Json::Bool(true) => match h.template() {
                Some(t) => t.render(r, ctx, rc, out),
                None => Ok(()),
            },
            Json::Bool(false) | Json::Null => match h.inverse() {
                Some(t) => t.render(r, ctx, rc, out),
                None => Ok(()),
            },
            Json::Array(list) if list.is_empty() => match h.inverse() {
                Some(t) => t.render(r, ctx, rc, out),
                None => Ok(()),
            },
            // A list renders the block once for each item, as `each`.
            Json::Array(_) => EACH_HELPER.call(h, r, ctx, rc, out),
            // Anything else (an object, a text even when empty, a number even
            // when 0) becomes the context of the block.
            _ => {
                if param.is_value_missing() {
                    return match h.inverse() {
                        Some(t) => t.render(r, ctx, rc, out),
                        None => Ok(()),
                    };
                }
                let mut block = create_block(param);
                if let Some(parent) = rc.block() {
                    block
                        .local_variables_mut()
                        .clone_from(parent.local_variables());
                }
                rc.push_block(block);
                if let Some(t) = h.template() {
                    t.render(r, ctx, rc, out)?;
                }
                rc.pop_block();
                Ok(())
            }
        }
    }
}

pub static SECTION_HELPER: SectionHelper = SectionHelper;
