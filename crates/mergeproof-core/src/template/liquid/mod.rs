//! The Liquid front end: Shopify Liquid 5 (and the platforms that write
//! their emails in it). A lexer and parser of our own keep every output's
//! position and the conditions around it, which the model needs; the
//! renderer renders as Shopify's Ruby Liquid does, checked byte for byte
//! against it (`tests/liquid/`).
//!
//! Liquid breaks personalization in its own ways, and the lowering says so
//! in the model's terms: only `nil` and `false` are falsy, so
//! `{% if first_name %}` does not guard against `""` (no fallback);
//! `{% if first_name != blank %}` does; `| default:` is a fallback; a
//! variable assigned or captured from a field reads that field.

mod encode;
mod eval;
mod expr;
mod filters;
mod flavor;
mod lex;
mod lower;
mod number;
mod parse;
mod value;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::model::Analysis;
use super::{RenderFailure, RenderInput, Renderer};
use crate::dialect::TemplateDialect;
use crate::project::{Partial, TemplateSource};
use crate::source::{LoadError, SourceLoc};
use flavor::Flavor;
pub(crate) use lex::has_raw_block;
use parse::Node;

/// The extension of a Liquid partial in `campaigns/partials/`.
pub(super) const PARTIAL_EXTENSION: &str = ".liquid";

/// A template parsed to its nodes, with its outputs counted.
fn parse_template(
    source: &TemplateSource,
    flavor: Flavor,
) -> Result<(Vec<Node>, u32), Vec<LoadError>> {
    let position = |line: u32, column: u32| source.position(line, column);
    let pieces = lex::pieces(&source.text, &position, flavor == Flavor::Braze).map_err(|u| {
        vec![LoadError::at(
            &u.loc,
            if u.tag {
                "this `{%` is never closed: end the tag with `%}`"
            } else {
                "this `{{` is never closed: end the output with `}}`"
            },
        )]
    })?;
    if let Some(loc) = parse::too_deep(&pieces) {
        return Err(vec![LoadError::at(
            &loc,
            format!(
                "blocks nest more than {} deep here; flatten the template",
                crate::limits::MAX_DEPTH
            ),
        )]);
    }
    let filters = flavor.filters();
    parse::TreeBuilder::new(pieces, flavor, &filters).build()
}

/// The project's Liquid partials, parsed once.
pub(super) struct Partials {
    nodes: HashMap<String, Arc<Vec<Node>>>,
}

pub(super) fn compile_partials(
    partials: &BTreeMap<String, Partial>,
    dialect: crate::dialect::Dialect,
) -> (Partials, Vec<LoadError>) {
    let flavor = Flavor::of(dialect);
    let mut nodes = HashMap::new();
    let mut errors = Vec::new();
    for (name, partial) in partials {
        if !partial.source.file.ends_with(PARTIAL_EXTENSION) {
            continue;
        }
        match parse_template(&partial.source, flavor) {
            Ok((tree, _)) => {
                nodes.insert(name.clone(), Arc::new(tree));
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    (Partials { nodes }, errors)
}

pub(super) struct FrontEnd<'a> {
    partials: &'a Partials,
    templates: HashMap<String, (Vec<Node>, TemplateSource)>,
    flavor: Flavor,
}

impl<'a> FrontEnd<'a> {
    pub(super) fn new(partials: &'a Partials, dialect: TemplateDialect<'_>) -> FrontEnd<'a> {
        FrontEnd {
            partials,
            templates: HashMap::new(),
            flavor: Flavor::of(dialect.dialect),
        }
    }

    /// Parses and lowers one template, kept as `key`: its analysis and its
    /// outline.
    pub(super) fn lower(
        &mut self,
        key: &str,
        source: &TemplateSource,
        audience: Option<&crate::audience::Condition>,
    ) -> Result<(Analysis, String), Vec<LoadError>> {
        let (nodes, _) = parse_template(source, self.flavor)?;
        let (analysis, outline) =
            lower::Lowering::new(self.flavor, audience, &self.partials.nodes).lower(&nodes)?;
        self.templates
            .insert(key.to_string(), (nodes, source.clone()));
        Ok((analysis, outline))
    }

    pub(super) fn finish(self) -> Box<dyn Renderer> {
        Box::new(LiquidRenderer {
            templates: self.templates,
            partials: self.partials.nodes.clone(),
            flavor: self.flavor,
        })
    }
}

struct LiquidRenderer {
    /// Each template's nodes, and its source for where a failure is.
    templates: HashMap<String, (Vec<Node>, TemplateSource)>,
    partials: HashMap<String, Arc<Vec<Node>>>,
    flavor: Flavor,
}

impl Renderer for LiquidRenderer {
    fn render(
        &self,
        key: &str,
        _html: bool,
        input: &RenderInput,
        out: &mut String,
    ) -> Result<(), RenderFailure> {
        let Some((nodes, source)) = self.templates.get(key) else {
            return Ok(());
        };
        let mut renderer = eval::Renderer::new(input.data(), &self.partials, self.flavor);
        renderer.render(nodes, out);
        match renderer.stopped {
            Some(stop) => {
                let too_large = stop == eval::Stop::TooLarge;
                if too_large {
                    *out = String::new();
                }
                let (position, token) = match &stop {
                    eval::Stop::Missing { loc, token, .. } => (within(source, loc), *token),
                    _ => (None, None),
                };
                Err(RenderFailure {
                    position,
                    too_large,
                    aborted: matches!(stop, eval::Stop::Aborted(_)),
                    token,
                    ..RenderFailure::failed(stop.to_string())
                })
            }
            None => Ok(()),
        }
    }
}

/// Where `loc` (in the template's file) is within the template's own text,
/// as a render failure gives it; `None` for a place outside it.
fn within(source: &TemplateSource, loc: &SourceLoc) -> Option<(usize, usize)> {
    if *loc.file != *source.file {
        return None;
    }
    let line = loc.line.checked_sub(source.line)? + 1;
    let shift = if line == 1 {
        source.first_line_shift
    } else {
        0
    };
    let column = loc.column.checked_sub(source.column + shift)? + 1;
    Some((line as usize, column as usize))
}

#[cfg(test)]
mod tests;
