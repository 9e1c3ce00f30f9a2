//! Partials where they are called: one without arguments is lowered in
//! place, with the guards and scope of its caller, into a marked copy for
//! that call; one with a context or hash arguments renders from the registry
//! as written, and what it reads is recorded.

use handlebars::template::{DecoratorTemplate, Parameter};

use super::paths::parameter_name;
use super::{Collected, MAX_PARTIAL_DEPTH, Scope, Walker};
use crate::project::TemplateSource;
use crate::source::{LoadError, SourceLoc, hint_prefix};
use crate::template::model::Token;

impl Walker<'_> {
    /// `{{> footer}}`: the partial analysed with the guards and scope of the
    /// place that calls it, into a marked copy for this call; returns the
    /// copy's name. A partial that includes itself (threaded comments)
    /// renders as written from the inner call on, as deep as the data goes.
    pub(super) fn inline_partial(&mut self, name: &Parameter, loc: SourceLoc) -> Option<String> {
        let Some(name) = parameter_name(name) else {
            // `{{> (whichPartial)}}`: which fields it reads is not known.
            self.reads_root.set(true);
            return None;
        };
        if name == "@partial-block" {
            return None;
        }
        let (template, source) = if let Some((t, s)) = self.inline_partials.get(&name) {
            (t.clone(), s.clone())
        } else if let Some(partial) = self.partials.get(&name) {
            (partial.template.clone(), partial.source.clone())
        } else {
            let mut known: Vec<&str> = self.partials.keys().map(String::as_str).collect();
            known.extend(self.inline_partials.keys().map(String::as_str));
            let hint = hint_prefix(&name, &known);
            self.errors.push(LoadError::at(
                &loc,
                format!("partial `{name}` not found: {hint}partials are the `.hbs` files in campaigns/partials/ and the template's own `{{{{#*inline}}}}` blocks"),
            ));
            return None;
        };
        if let Some(at) = self.partial_stack.iter().position(|p| *p == name) {
            // Outside every block since it was entered, the partial includes
            // itself whatever the data: it would never end.
            if self.partial_depths[at] == self.block_depth {
                let chain = self.partial_stack[at..].join(" → ");
                self.errors.push(LoadError::at(
                    &loc,
                    format!("partial `{name}` includes itself whatever the data ({chain} → {name}); put the inner call inside an `{{{{#if}}}}` or `{{{{#each}}}}` that ends"),
                ));
            }
            return None;
        }
        if self.partial_stack.len() >= MAX_PARTIAL_DEPTH {
            let chain = self.partial_stack.join(" → ");
            self.errors.push(LoadError::at(
                &loc,
                format!(
                    "partials nest more than {MAX_PARTIAL_DEPTH} deep here ({chain} → {name}); include fewer partials from partials"
                ),
            ));
            return None;
        }
        self.partial_stack.push(name.clone());
        self.partial_depths.push(self.block_depth);
        let walked = self.walk(template, &source);
        self.partial_stack.pop();
        self.partial_depths.pop();
        let key = format!("{}\u{0}{name}#{}", self.key, self.copies.len());
        self.copies.push((key.clone(), walked));
        Some(key)
    }

    /// A partial called with a context or hash arguments renders from the
    /// registry as written; record what it reads.
    pub(super) fn partial_with_arguments(
        &mut self,
        dt: &DecoratorTemplate,
        _source: &TemplateSource,
        loc: SourceLoc,
    ) {
        // The partial's context: its first argument, else the caller's.
        let mut context = Collected::default();
        if let Some(first) = dt.params.first() {
            self.collect_param(first, false, &mut context, &loc);
        }
        let prefix = match dt.params.first() {
            Some(_) => context.paths.first().map(|(p, _)| p.clone()),
            None => self.scopes.last().map(|s| s.prefix.clone()),
        };
        let mut collected = context;
        for p in dt.params.iter().skip(1) {
            self.collect_param(p, false, &mut collected, &loc);
        }
        // Hash arguments in name order: the hash is a map, and what is read
        // must not depend on the order it happens to iterate in.
        let mut named: Vec<(&String, &Parameter)> = dt.hash.iter().collect();
        named.sort_by(|a, b| a.0.cmp(b.0));
        let mut hash = Vec::with_capacity(named.len());
        for (name, p) in named {
            let mut one = Collected::default();
            self.collect_param(p, false, &mut one, &loc);
            let bound = match p {
                Parameter::Path(_) | Parameter::Name(_) => {
                    one.paths.first().map(|(p, _)| p.clone())
                }
                _ => None,
            };
            hash.push((name.clone(), bound));
            collected.paths.extend(one.paths);
        }
        self.analysis
            .other_reads
            .extend(collected.paths.into_iter().map(|(p, _)| p));
        let Some(name) = parameter_name(&dt.name) else {
            self.reads_root.set(true);
            return;
        };
        let Some(partial) = self.partials.get(&name) else {
            if dt.template.is_none() {
                self.errors.push(LoadError::at(
                    &loc,
                    format!("partial `{name}` not found in campaigns/partials/"),
                ));
            }
            return;
        };
        if self.partial_stack.contains(&name) || self.partial_stack.len() >= MAX_PARTIAL_DEPTH {
            return;
        }
        self.partial_stack.push(name);
        self.partial_depths.push(self.block_depth);
        self.scopes.push(Scope {
            prefix: prefix.unwrap_or_default(),
            param: None,
            hash,
        });
        let before = self.analysis.tokens.len();
        let outline_before = self.outline.len();
        let _ = self.walk(partial.template.clone(), partial.source);
        // Its text stays in the outline, without the markers of tokens
        // that are not kept.
        let written = self.outline.split_off(outline_before);
        self.outline.push_str(&crate::markers::strip(&written));
        // Its tokens render unmarked: keep their reads, not the tokens.
        let tokens: Vec<Token> = self.analysis.tokens.drain(before..).collect();
        self.analysis.other_reads.extend(
            tokens
                .into_iter()
                .flat_map(|t| t.reads.into_iter().map(|r| r.path)),
        );
        self.scopes.pop();
        self.partial_depths.pop();
        self.partial_stack.pop();
    }
}
