//! Lowering: walk a compiled Handlebars template to find every token (what
//! data it prints, where it sits, whether it has a fallback) and every block
//! condition, into the template model, and produce the copy of the template
//! that the renderer runs, with a marker around each token so rendered
//! output can be traced back to its tokens.

use std::collections::BTreeMap;

use handlebars::Path as HbPath;
use handlebars::template::{HelperTemplate, Parameter, Template, TemplateElement, TemplateMapping};
use serde_json::Value;

use crate::audience::Condition;
use crate::project::TemplateSource;
use crate::source::{LoadError, SourceLoc};
use crate::template::model::{Analysis, BlockRead, Guard, Guards, InlineAllow, Read, Token};
use crate::template::place::Place;

use crate::dialect::{BlockRole, Dialect, TemplateDialect};
use crate::markers::{close_marker, open_marker};

mod calls;
mod partials;
mod paths;

use paths::{block_param_name, expression_text, parameter_name, parameter_text};

/// How deep partials may include partials.
pub(super) const MAX_PARTIAL_DEPTH: usize = 8;

/// How many template elements partials may add to a template once they are
/// written out where they are called: partials that call each other several
/// times grow exponentially (8 partials each calling the next 8 times are 16
/// million calls), and are refused instead.
pub(super) const MAX_EXPANDED_ELEMENTS: usize = 200_000;

pub(super) struct PartialTemplate<'a> {
    pub source: &'a TemplateSource,
    pub template: Template,
}

struct Scope {
    /// Dotted path of the current context (`""` at the root).
    prefix: String,
    /// A block parameter bound to this scope's item (`as |item|`).
    param: Option<String>,
    /// In a partial, the names its call's hash arguments bind, each to the
    /// caller's path it reads (`None` for a literal): Handlebars adds them
    /// to the partial's context, in front of its fields.
    hash: Vec<(String, Option<String>)>,
}

pub(super) struct Walker<'a> {
    dialect: TemplateDialect<'a>,
    partials: &'a BTreeMap<String, PartialTemplate<'a>>,
    audience: Option<&'a Condition>,
    analysis: Analysis,
    errors: Vec<LoadError>,
    foreign_helpers: Vec<ForeignHelper>,
    scopes: Vec<Scope>,
    guards: Guards,
    partial_stack: Vec<String>,
    /// The block depth at which each partial of the stack was entered.
    partial_depths: Vec<usize>,
    loop_depth: usize,
    /// Blocks open around the element being walked, partials included.
    block_depth: usize,
    /// Elements of partials walked so far, counted each time they are called.
    expanded: usize,
    /// The walk stopped: the expansion budget ran out (reported once).
    exhausted: bool,
    /// The element of the template itself (not of a partial) being walked:
    /// where an expansion that runs out of budget is reported.
    outer_loc: Option<SourceLoc>,
    /// `{{#*inline "name"}}` partials defined so far, with their file.
    inline_partials: BTreeMap<String, (Template, TemplateSource)>,
    /// The template's name in its registry: the marked partial copies are
    /// named after it.
    key: &'a str,
    /// Marked copies of the partials it calls, one per call.
    copies: Vec<(String, Template)>,
    /// The template's literal text in the order written, partials written
    /// out where they are called, with each token's markers where it prints:
    /// where each output sits in the HTML is read from it
    /// ([`crate::template::place`]).
    outline: String,
    /// A path resolved to the profile itself (see [`Analysis::reads_root`]);
    /// a cell because paths are resolved through `&self`.
    reads_root: std::cell::Cell<bool>,
}

/// The marked copy of a template to render, and the marked copies of the
/// partials it calls (each call renders its own copy, so the partial's
/// tokens are marked and indented as Handlebars.js indents them).
pub(super) struct Marked {
    pub template: Template,
    pub partials: Vec<(String, Template)>,
    /// See [`Walker::outline`].
    pub outline: String,
}

/// Analyses a compiled template and returns the marked copy to render.
pub(super) fn lower(
    template: Template,
    source: &TemplateSource,
    partials: &BTreeMap<String, PartialTemplate<'_>>,
    audience: Option<&Condition>,
    dialect: TemplateDialect<'_>,
    key: &str,
) -> Result<(Analysis, Marked), Unloadable> {
    let mut walker = Walker {
        inline_partials: BTreeMap::new(),
        outline: String::new(),
        key,
        copies: Vec::new(),
        dialect,
        partials,
        audience,
        analysis: Analysis::default(),
        errors: Vec::new(),
        foreign_helpers: Vec::new(),
        scopes: vec![Scope {
            prefix: String::new(),
            param: None,
            hash: Vec::new(),
        }],
        guards: Guards::default(),
        partial_stack: Vec::new(),
        partial_depths: Vec::new(),
        loop_depth: 0,
        block_depth: 0,
        expanded: 0,
        exhausted: false,
        outer_loc: None,
        reads_root: std::cell::Cell::new(false),
    };
    let marked = walker.walk(template, source);
    walker.analysis.reads_root |= walker.reads_root.get();
    if walker.errors.is_empty() && walker.foreign_helpers.is_empty() {
        let marked = Marked {
            template: marked,
            partials: walker.copies,
            outline: walker.outline,
        };
        Ok((walker.analysis, marked))
    } else {
        Err(Unloadable {
            errors: walker.errors,
            foreign_helpers: walker.foreign_helpers,
        })
    }
}

/// Why a template does not load: its errors, and the helpers it calls that
/// belong to another platform's dialect (reported once for the campaign).
pub(super) struct Unloadable {
    pub errors: Vec<LoadError>,
    pub foreign_helpers: Vec<ForeignHelper>,
}

/// A helper of another dialect, called where it is not one.
pub(super) struct ForeignHelper {
    pub name: String,
    pub dialect: Dialect,
    pub loc: SourceLoc,
}

/// Reads collected from an expression's parameters.
#[derive(Default)]
struct Collected {
    paths: Vec<(String, bool)>,
    literals: Vec<Value>,
}

impl<'a> Walker<'a> {
    fn loc(source: &TemplateSource, mapping: Option<&TemplateMapping>) -> SourceLoc {
        match mapping {
            Some(m) => source.position(
                u32::try_from(m.0).unwrap_or(1),
                u32::try_from(m.1).unwrap_or(1),
            ),
            None => source.start(),
        }
    }

    /// Lowers `template`, taking its elements: what is not changed moves
    /// into the marked copy instead of being copied (a block's branches
    /// included, which are lowered in turn).
    fn walk(&mut self, template: Template, source: &TemplateSource) -> Template {
        let mut out = Template::new();
        out.name = template.name;
        let mut mappings = template.mapping.into_iter();
        for element in template.elements {
            let mapping = mappings.next();
            // A location is made only where one is reported or kept: most
            // elements are text.
            let loc = || Self::loc(source, mapping.as_ref());
            // The template's own elements are bounded by its file's size;
            // what its partials add each time they are called is budgeted,
            // and reported at the call of the template itself that adds it.
            if self.partial_stack.is_empty() {
                if matches!(
                    element,
                    TemplateElement::PartialExpression(_) | TemplateElement::PartialBlock(_)
                ) {
                    self.outer_loc = Some(loc());
                }
            } else {
                self.expanded += 1;
            }
            if self.expanded > MAX_EXPANDED_ELEMENTS {
                if !self.exhausted {
                    self.exhausted = true;
                    let at = self.outer_loc.clone().unwrap_or_else(loc);
                    self.errors.push(LoadError::at(
                        &at,
                        format!(
                            "with its partials written out where they are called, the template grows past {MAX_EXPANDED_ELEMENTS} parts from here; partials that call each other several times grow exponentially: call each partial fewer times"
                        ),
                    ));
                }
                break;
            }
            // Handlebars reads the mapping by element index for its error
            // messages; inserted markers share the position of their token.
            let push = |out: &mut Template, e: TemplateElement| {
                out.elements.push(e);
                if let Some(m) = &mapping {
                    out.mapping.push(m.clone());
                }
            };
            let is_partial_block = matches!(element, TemplateElement::PartialBlock(_));
            match element {
                TemplateElement::Expression(ht) => {
                    self.output(&mut out, *ht, true, loc(), push);
                }
                TemplateElement::HtmlExpression(ht) => {
                    self.output(&mut out, *ht, false, loc(), push);
                }
                TemplateElement::HelperBlock(ht) => {
                    if self.block_depth >= crate::template::handlebars::syntax::MAX_DEPTH {
                        // Deep only through partials: each file alone is
                        // within the limit (checked before compiling).
                        self.errors.push(LoadError::at(
                            &loc(),
                            format!(
                                "the template nests more than {} deep here, counting the blocks and `{{{{else if}}}}` branches of the partials that include this one; end some blocks sooner",
                                crate::template::handlebars::syntax::MAX_DEPTH
                            ),
                        ));
                        continue;
                    }
                    self.block_depth += 1;
                    let block = self.block(*ht, source, loc());
                    self.block_depth -= 1;
                    push(&mut out, TemplateElement::HelperBlock(Box::new(block)));
                }
                TemplateElement::PartialExpression(mut dt)
                    if dt.params.is_empty() && dt.hash.is_empty() =>
                {
                    if let Some(key) = self.inline_partial(&dt.name, loc()) {
                        dt.name = Parameter::Name(key);
                    }
                    push(&mut out, TemplateElement::PartialExpression(dt));
                }
                TemplateElement::PartialExpression(mut dt)
                | TemplateElement::PartialBlock(mut dt) => {
                    self.partial_with_arguments(&dt, source, loc());
                    if let Some(inner) = dt.template.take() {
                        dt.template = Some(self.walk(inner, source));
                    }
                    let e = if is_partial_block {
                        TemplateElement::PartialBlock(dt)
                    } else {
                        TemplateElement::PartialExpression(dt)
                    };
                    push(&mut out, e);
                }
                TemplateElement::DecoratorBlock(dt)
                    if parameter_name(&dt.name).as_deref() == Some("inline") =>
                {
                    // `{{#*inline "row"}}…{{/inline}}`: a partial for this
                    // template, analysed where it is called.
                    if let (Some(Parameter::Literal(Value::String(name))), Some(body)) =
                        (dt.params.first(), &dt.template)
                    {
                        self.inline_partials
                            .insert(name.clone(), (body.clone(), source.clone()));
                    }
                    push(&mut out, TemplateElement::DecoratorBlock(dt));
                }
                TemplateElement::RawString(text) => {
                    self.outline.push_str(&text);
                    push(&mut out, TemplateElement::RawString(text));
                }
                TemplateElement::Comment(text) => {
                    self.inline_allow(&text, loc());
                    push(&mut out, TemplateElement::Comment(text));
                }
                other => push(&mut out, other),
            }
        }
        out
    }

    /// An output expression, between its markers when it reads data or calls
    /// a helper.
    fn output(
        &mut self,
        out: &mut Template,
        ht: HelperTemplate,
        escaped: bool,
        loc: SourceLoc,
        push: impl Fn(&mut Template, TemplateElement),
    ) {
        match self.token(&ht, escaped, loc) {
            Some(index) => {
                self.outline.push_str(&open_marker(index));
                self.outline.push_str(&close_marker());
                push(out, TemplateElement::RawString(open_marker(index)));
                push(out, self.printed(ht, escaped));
                push(out, TemplateElement::RawString(close_marker()));
            }
            None => push(out, printed_as_written(ht, escaped)),
        }
    }

    /// Reads `{{!-- mergeproof-allow RULE: reason --}}`.
    fn inline_allow(&mut self, comment: &str, loc: SourceLoc) {
        match InlineAllow::read(comment, loc, "{{!-- {} --}}") {
            Some(Ok(allow)) => self.analysis.allows.push(allow),
            Some(Err(error)) => self.errors.push(error),
            None => {}
        }
    }

    /// The element that prints a value. Postmark (Mustachio) prints only
    /// text, numbers and booleans, its own way: a field is printed through
    /// its print helper.
    fn printed(&self, ht: HelperTemplate, escaped: bool) -> TemplateElement {
        let name_only = ht.params.is_empty() && ht.hash.is_empty();
        let is_helper = parameter_name(&ht.name).is_some_and(|n| self.dialect.knows(&n));
        if self.dialect.dialect != crate::dialect::Dialect::Postmark || !name_only || is_helper {
            return printed_as_written(ht, escaped);
        }
        let path = match &ht.name {
            Parameter::Name(n) => HbPath::parse(n).ok().map(Parameter::Path),
            other => Some(other.clone()),
        };
        let Some(path) = path else {
            return printed_as_written(ht, escaped);
        };
        let mut call = ht;
        call.name = Parameter::Name(crate::template::handlebars::helpers::PRINT.to_string());
        call.params = vec![path];
        printed_as_written(call, escaped)
    }

    /// Records an output expression; returns its index when it reads data or
    /// calls a helper (a marker then goes around it).
    fn token(&mut self, ht: &HelperTemplate, escaped: bool, loc: SourceLoc) -> Option<u32> {
        let expression = format!(
            "{}{}{}",
            if escaped { "{{" } else { "{{{" },
            expression_text(&ht.name, &ht.params, &ht.hash),
            if escaped { "}}" } else { "}}}" }
        );
        let name_only = ht.params.is_empty() && ht.hash.is_empty();
        let name = parameter_name(&ht.name);
        let mut collected = Collected::default();
        let mut shadowed_field = None;
        let helper = match (&ht.name, name_only) {
            // `{{title}}` calls the helper when one has that name, as Handlebars does.
            (_, true) if name.as_deref().is_some_and(|n| self.dialect.knows(n)) => {
                shadowed_field = name.as_deref().and_then(|n| self.resolve_raw(n));
                name
            }
            (Parameter::Path(p), true) => {
                if let Some(path) = self.resolve(p) {
                    collected.paths.push((path, false));
                }
                None
            }
            (Parameter::Name(n), true) => {
                if let Some(path) = self.resolve_raw(n) {
                    collected.paths.push((path, false));
                }
                None
            }
            _ => {
                let helper = name.unwrap_or_default();
                self.check_helper(&helper, &loc);
                self.collect_call(&helper, &ht.params, &ht.hash, false, &mut collected, &loc);
                Some(helper)
            }
        };
        let written_path = (helper.is_none() && name_only)
            .then(|| parameter_text(&ht.name))
            .filter(|w| !w.is_empty() && !w.contains(char::is_whitespace));
        self.analysis.token_follows(&loc);
        let index = u32::try_from(self.analysis.tokens.len()).unwrap_or(u32::MAX);
        let reads = collected
            .paths
            .into_iter()
            .map(|(path, by_default)| self.read(path, by_default))
            .collect();
        let helper_escapes = helper
            .as_deref()
            .and_then(|h| self.dialect.declared.get(h))
            .is_some_and(crate::dialect::DeclaredHelper::escapes_data);
        let formats_money = helper
            .as_deref()
            .and_then(|h| self.dialect.row(h))
            .is_some_and(|row| row.formats_money);
        self.analysis.tokens.push(Token {
            index,
            formats_money,
            expression,
            helper,
            reads,
            escaped,
            escapes_data: escaped || helper_escapes,
            guarded_by: self.guards.tested(),
            loc,
            in_loop: self.loop_depth > 0,
            shadowed_field,
            written_path,
            // Read from the outline once the template is lowered.
            place: Place::Text,
        });
        Some(index)
    }

    fn read(&self, path: String, by_default: bool) -> Read {
        self.guards.read(path, by_default, self.audience)
    }

    fn block(
        &mut self,
        mut ht: HelperTemplate,
        source: &TemplateSource,
        loc: SourceLoc,
    ) -> HelperTemplate {
        // The branches are lowered into the copy; the rest of it is kept.
        let main = ht.template.take();
        let inverse = ht.inverse.take();
        let written = parameter_name(&ht.name).unwrap_or_default();
        // `{{#user}}…{{/user}}` names no helper: a Mustache section, which
        // Handlebars.js renders with its `blockHelperMissing`. It reads its
        // name as a path and works as `with` (a list renders as `each`).
        let section = ht.params.is_empty()
            && ht.hash.is_empty()
            && !self.dialect.knows(&written)
            && !written.is_empty();
        // The section's value, as a path the section helper is called with.
        let section_path = match &ht.name {
            Parameter::Name(n) if section => HbPath::parse(n).ok().map(Parameter::Path),
            other if section => Some(other.clone()),
            _ => None,
        };
        let section = section && section_path.is_some();
        let helper = if section { "with".to_string() } else { written };
        let params = if let Some(path) = section_path.as_ref().filter(|_| section) {
            std::slice::from_ref(path)
        } else {
            &ht.params[..]
        };
        if !section {
            self.check_helper(&helper, &loc);
        }
        let mut collected = Collected::default();
        self.collect_call(&helper, params, &ht.hash, false, &mut collected, &loc);
        let paths: Vec<String> = collected.paths.iter().map(|(p, _)| p.clone()).collect();
        // A Mustache section works as `with`.
        let role = if section {
            BlockRole::Scope
        } else {
            self.dialect
                .row(&helper)
                .map_or(BlockRole::Plain, |row| row.block)
        };
        self.analysis.blocks.push(BlockRead {
            role,
            written: format!("{{{{#{helper}}}}}"),
            paths: paths.clone(),
            literals: collected.literals.clone(),
            loc: loc.clone(),
        });
        let positive = self.positive_paths(&helper, &ht.params);
        // A block that guards proves what it tests present.
        let frame = || Guard {
            tested: paths.clone(),
            present: paths.clone(),
            positive: positive.clone(),
            loc: loc.clone(),
        };

        let block_param = block_param_name(ht.block_param.as_ref());
        let mut copy = ht;
        if section {
            copy.name = Parameter::Name(crate::template::handlebars::helpers::SECTION.to_string());
            copy.params = section_path.into_iter().collect();
        }
        // Which branch the condition protects: `#if` and `#with` their body,
        // `#unless` its `{{else}}`.
        let guard_main = matches!(role, BlockRole::Guard | BlockRole::Scope);
        let guard_inverse = role == BlockRole::Unless;
        let scope = match role {
            // A Mustache section works as `with` on an object and as `each`
            // on a list, which only the profile tells: its tokens are judged
            // as a loop's are, by what each occurrence printed.
            BlockRole::Scope => paths.first().cloned().map(|p| (p, section)),
            BlockRole::Loop => paths.first().cloned().map(|p| (format!("{p}.[]"), true)),
            _ => None,
        };
        if let Some(main) = main {
            if guard_main {
                self.guards.push(frame());
            }
            if let Some((prefix, is_loop)) = &scope {
                self.scopes.push(Scope {
                    prefix: prefix.clone(),
                    param: block_param.clone(),
                    hash: Vec::new(),
                });
                if *is_loop {
                    self.loop_depth += 1;
                }
            }
            copy.template = Some(self.walk(main, source));
            if let Some((_, is_loop)) = &scope {
                self.scopes.pop();
                if *is_loop {
                    self.loop_depth -= 1;
                }
            }
            if guard_main {
                self.guards.pop();
            }
        }
        if let Some(inverse) = inverse {
            if guard_inverse {
                self.guards.push(frame());
            }
            copy.inverse = Some(self.walk(inverse, source));
            if guard_inverse {
                self.guards.pop();
            }
        }
        copy
    }
}

/// `{{expr}}` or `{{{expr}}}` for `ht`.
fn printed_as_written(ht: HelperTemplate, escaped: bool) -> TemplateElement {
    if escaped {
        TemplateElement::Expression(Box::new(ht))
    } else {
        TemplateElement::HtmlExpression(Box::new(ht))
    }
}

#[cfg(test)]
mod tests;
