//! Lowering: walk a compiled Handlebars template to find every token (what
//! data it prints, where it sits, whether it has a fallback) and every block
//! condition, into the template model, and produce the copy of the template
//! that the renderer runs, with a marker around each token so rendered
//! output can be traced back to its tokens.

use std::collections::BTreeMap;

use handlebars::Path as HbPath;
use handlebars::template::{
    BlockParam, HelperTemplate, Parameter, Template, TemplateElement, TemplateMapping,
};
use serde_json::Value;

use crate::audience::Condition;
use crate::project::TemplateSource;
use crate::source::{LoadError, SourceLoc, hint_prefix};
use crate::template::model::{Analysis, BlockRead, Fallback, InlineAllow, Read, Token};
use crate::template::place::Place;

use crate::dialect::{Above, BlockRole, Dialect, FallbackArgs, TemplateDialect};
use crate::markers::{close_marker, open_marker};

/// How deep partials may include partials.
pub const MAX_PARTIAL_DEPTH: usize = 8;

/// How many template elements partials may add to a template once they are
/// written out where they are called: partials that call each other several
/// times grow exponentially (8 partials each calling the next 8 times are 16
/// million calls), and are refused instead.
pub const MAX_EXPANDED_ELEMENTS: usize = 200_000;

pub struct PartialTemplate<'a> {
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

struct GuardFrame {
    paths: Vec<String>,
    positive: Vec<String>,
    loc: SourceLoc,
}

pub struct Walker<'a> {
    dialect: TemplateDialect<'a>,
    partials: &'a BTreeMap<String, PartialTemplate<'a>>,
    audience: Option<&'a Condition>,
    analysis: Analysis,
    errors: Vec<LoadError>,
    foreign_helpers: Vec<ForeignHelper>,
    scopes: Vec<Scope>,
    guards: Vec<GuardFrame>,
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
pub struct Marked {
    pub template: Template,
    pub partials: Vec<(String, Template)>,
    /// See [`Walker::outline`].
    pub outline: String,
}

/// Analyses a compiled template and returns the marked copy to render.
pub fn lower(
    template: &Template,
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
        guards: Vec::new(),
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
pub struct Unloadable {
    pub errors: Vec<LoadError>,
    pub foreign_helpers: Vec<ForeignHelper>,
}

/// A helper of another dialect, called where it is not one.
pub struct ForeignHelper {
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

    fn walk(&mut self, template: &Template, source: &TemplateSource) -> Template {
        let mut out = Template::new();
        out.name = template.name.clone();
        for (i, element) in template.elements.iter().enumerate() {
            let mapping = template.mapping.get(i).cloned();
            let loc = Self::loc(source, mapping.as_ref());
            // The template's own elements are bounded by its file's size;
            // what its partials add each time they are called is budgeted.
            if self.partial_stack.is_empty() {
                self.outer_loc = Some(loc.clone());
            } else {
                self.expanded += 1;
            }
            if self.expanded > MAX_EXPANDED_ELEMENTS {
                if !self.exhausted {
                    self.exhausted = true;
                    self.errors.push(LoadError::at(
                        self.outer_loc.as_ref().unwrap_or(&loc),
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
            match element {
                TemplateElement::Expression(ht) | TemplateElement::HtmlExpression(ht) => {
                    let escaped = matches!(element, TemplateElement::Expression(_));
                    match self.token(ht, escaped, loc) {
                        Some(index) => {
                            self.outline.push_str(&open_marker(index));
                            self.outline.push_str(&close_marker());
                            push(&mut out, TemplateElement::RawString(open_marker(index)));
                            push(&mut out, self.printed(ht, escaped));
                            push(&mut out, TemplateElement::RawString(close_marker()));
                        }
                        None => push(&mut out, element.clone()),
                    }
                }
                TemplateElement::HelperBlock(ht) => {
                    if self.block_depth >= super::syntax::MAX_DEPTH {
                        // Deep only through partials: each file alone is
                        // within the limit (checked before compiling).
                        self.errors.push(LoadError::at(
                            &loc,
                            format!(
                                "the template nests more than {} deep here, counting the blocks and `{{{{else if}}}}` branches of the partials that include this one; end some blocks sooner",
                                super::syntax::MAX_DEPTH
                            ),
                        ));
                        continue;
                    }
                    self.block_depth += 1;
                    let block = self.block(ht, source, loc);
                    self.block_depth -= 1;
                    push(&mut out, TemplateElement::HelperBlock(Box::new(block)));
                }
                TemplateElement::PartialExpression(dt)
                    if dt.params.is_empty() && dt.hash.is_empty() =>
                {
                    match self.inline_partial(&dt.name, loc) {
                        Some(key) => {
                            let mut copy = (**dt).clone();
                            copy.name = Parameter::Name(key);
                            push(&mut out, TemplateElement::PartialExpression(Box::new(copy)));
                        }
                        None => push(&mut out, element.clone()),
                    }
                }
                TemplateElement::PartialExpression(dt) | TemplateElement::PartialBlock(dt) => {
                    self.partial_with_arguments(dt, source, loc);
                    let mut copy = (**dt).clone();
                    if let Some(inner) = &dt.template {
                        copy.template = Some(self.walk(inner, source));
                    }
                    let e = if matches!(element, TemplateElement::PartialBlock(_)) {
                        TemplateElement::PartialBlock(Box::new(copy))
                    } else {
                        TemplateElement::PartialExpression(Box::new(copy))
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
                    push(&mut out, element.clone());
                }
                TemplateElement::RawString(text) => {
                    self.outline.push_str(text);
                    push(&mut out, element.clone());
                }
                TemplateElement::Comment(text) => {
                    self.inline_allow(text, loc);
                    push(&mut out, element.clone());
                }
                other => push(&mut out, other.clone()),
            }
        }
        out
    }

    /// Reads `mergeproof-allow RULE: reason`; a comment that says
    /// mergeproof-allow but not that is a load error, so an allow is never
    /// silently ignored.
    fn inline_allow(&mut self, comment: &str, loc: SourceLoc) {
        let Some(rest) = comment.trim().strip_prefix("mergeproof-allow") else {
            return;
        };
        let (rule, reason) = rest.split_once(':').unwrap_or((rest, ""));
        let (rule, reason) = (rule.trim(), reason.trim());
        let Some(id) = crate::rule_id::RuleId::parse(rule) else {
            let hint = crate::source::hint_suffix(rule, &crate::rule_id::RuleId::names());
            self.errors.push(LoadError::at(
                &loc,
                format!("`mergeproof-allow` names no rule `{rule}`{hint}; write `{{{{!-- mergeproof-allow RULE: reason --}}}}`"),
            ));
            return;
        };
        if reason.is_empty() {
            self.errors.push(LoadError::at(
                &loc,
                format!("`mergeproof-allow {rule}` needs a reason after a colon: `{{{{!-- mergeproof-allow {rule}: why --}}}}`"),
            ));
            return;
        }
        self.analysis.allows.push(InlineAllow {
            rule: id,
            reason: reason.to_string(),
            loc,
            next_token: None,
        });
    }

    /// The element that prints a value. Postmark (Mustachio) prints only
    /// text, numbers and booleans, its own way: a field is printed through
    /// its print helper.
    fn printed(&self, ht: &HelperTemplate, escaped: bool) -> TemplateElement {
        let wrap = |ht: HelperTemplate| {
            if escaped {
                TemplateElement::Expression(Box::new(ht))
            } else {
                TemplateElement::HtmlExpression(Box::new(ht))
            }
        };
        let name_only = ht.params.is_empty() && ht.hash.is_empty();
        let is_helper = parameter_name(&ht.name).is_some_and(|n| self.dialect.knows(&n));
        if self.dialect.dialect != crate::dialect::Dialect::Postmark || !name_only || is_helper {
            return wrap(ht.clone());
        }
        let path = match &ht.name {
            Parameter::Name(n) => HbPath::parse(n).ok().map(Parameter::Path),
            other => Some(other.clone()),
        };
        let Some(path) = path else {
            return wrap(ht.clone());
        };
        let mut call = ht.clone();
        call.name = Parameter::Name(super::helpers::PRINT.to_string());
        call.params = vec![path];
        wrap(call)
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
        for allow in self
            .analysis
            .allows
            .iter_mut()
            .filter(|a| a.next_token.is_none())
        {
            allow.next_token = Some(loc.clone());
        }
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
            guarded_by: self.guards.iter().flat_map(|g| g.paths.clone()).collect(),
            loc,
            in_loop: self.loop_depth > 0,
            shadowed_field,
            // Read from the outline once the template is lowered.
            place: Place::Text,
        });
        Some(index)
    }

    fn read(&self, path: String, by_default: bool) -> Read {
        let block_guard = self.guards.iter().rev().find(|g| g.paths.contains(&path));
        let fallback = if by_default {
            Some(Fallback::Default)
        } else if let Some(g) = block_guard {
            Some(Fallback::Guard { loc: g.loc.clone() })
        } else if self.audience.is_some_and(|a| a.guarantees_present(&path)) {
            Some(Fallback::Audience)
        } else {
            None
        };
        let positive_guard = self.guards.iter().any(|g| g.positive.contains(&path))
            || self.audience.is_some_and(|a| a.guarantees_positive(&path));
        Read {
            path,
            fallback,
            positive_guard,
        }
    }

    fn check_helper(&mut self, name: &str, loc: &SourceLoc) {
        if self.dialect.knows(name) {
            return;
        }
        // A helper of another platform: the campaign is written for it, and
        // the fix is the dialect, said once for the campaign (see
        // `super::one_error_for_another_dialect`). Names as common as
        // `upper` are a team's to declare under `helpers:` instead.
        let platform_own = |d: &Dialect| {
            !matches!(d, Dialect::Mergeproof | Dialect::Handlebars)
                && *d != self.dialect.dialect
                && d.helper(name).is_some()
        };
        if Dialect::Mergeproof.helper(name).is_none()
            && let Some(dialect) = Dialect::ALL.into_iter().find(platform_own)
        {
            self.foreign_helpers.push(ForeignHelper {
                name: name.to_string(),
                dialect,
                loc: loc.clone(),
            });
            return;
        }
        let known = self.dialect.known();
        let hint = hint_prefix(name, &known);
        self.errors.push(LoadError::at(
            loc,
            format!(
                "unknown helper `{name}` in the {dialect} dialect: {hint}its helpers: {}; a team's own helper is declared under `helpers:` in mergeproof.yaml",
                known.join(", "),
                dialect = self.dialect.dialect.name(),
            ),
        ));
    }

    /// Collects the paths a helper call reads. Inside `default`, every argument
    /// but the last has a fallback (the last one is the fallback).
    fn collect_call(
        &mut self,
        helper: &str,
        params: &[Parameter],
        hash: &std::collections::HashMap<String, Parameter>,
        inside_default: bool,
        out: &mut Collected,
        loc: &SourceLoc,
    ) {
        let fallback = self.dialect.row(helper).and_then(|row| row.fallback);
        let is_default = fallback == Some(FallbackArgs::AllButLast);
        let last = params.len().saturating_sub(1);
        // SendGrid's `{{insert name "default=there"}}` prints its default in
        // place of a missing value.
        let inserts_default = fallback == Some(FallbackArgs::FirstWithDefaultText)
            && params.iter().any(
                |p| matches!(p, Parameter::Literal(Value::String(s)) if s.starts_with("default=")),
            );
        for (i, p) in params.iter().enumerate() {
            let guarded = inside_default || (is_default && i < last) || (inserts_default && i == 0);
            self.collect_param(p, guarded, out, loc);
        }
        for p in hash.values() {
            self.collect_param(p, inside_default, out, loc);
        }
    }

    /// The paths a condition only lets through when they are above zero:
    /// `(gt path 0)`, `(gte path 1)`, and either side of an `and`.
    fn positive_paths(&self, helper: &str, params: &[Parameter]) -> Vec<String> {
        let row = self.dialect.row(helper);
        let above = row.and_then(|r| r.above);
        // What a positive comparison inside it guards: the whole of an
        // `and`, the block of an `if` or a `with`.
        let passes_through = row.is_some_and(|r| {
            r.conjunction
                || (matches!(r.block, BlockRole::Guard | BlockRole::Scope) && r.above.is_none())
        });
        match (above, params.first(), params.get(1)) {
            (Some(above), Some(Parameter::Path(p)), Some(Parameter::Literal(v))) => {
                let n = v.as_f64();
                let positive = match above {
                    Above::Strictly => n.is_some_and(|n| n >= 0.0),
                    Above::OrEqual => n.is_some_and(|n| n > 0.0),
                };
                if positive {
                    self.resolve(p).into_iter().collect()
                } else {
                    Vec::new()
                }
            }
            // Mailchimp Transactional: ``{{#if `points > 0`}}``.
            (None, Some(Parameter::Literal(Value::String(text))), None)
                if helper == "if" && self.dialect.dialect == crate::dialect::Dialect::Mandrill =>
            {
                let Some(c) = super::helpers::parse_comparison(text) else {
                    return Vec::new();
                };
                let bound = match &c.right {
                    super::helpers::Operand::Literal(v) => v.as_f64(),
                    super::helpers::Operand::Path(_) => None,
                };
                let positive = match c.op {
                    ">" => bound.is_some_and(|n| n >= 0.0),
                    ">=" => bound.is_some_and(|n| n > 0.0),
                    _ => false,
                };
                match (&c.left, positive) {
                    (super::helpers::Operand::Path(p), true) => {
                        self.resolve_raw(p).into_iter().collect()
                    }
                    _ => Vec::new(),
                }
            }
            _ if passes_through => params
                .iter()
                .filter_map(|p| match p {
                    Parameter::Subexpression(sub) => Some(
                        self.positive_paths(sub.name(), &sub.params().cloned().unwrap_or_default()),
                    ),
                    _ => None,
                })
                .flatten()
                .collect(),
            _ => Vec::new(),
        }
    }

    fn collect_param(
        &mut self,
        p: &Parameter,
        by_default: bool,
        out: &mut Collected,
        loc: &SourceLoc,
    ) {
        match p {
            Parameter::Path(path) => {
                if let Some(resolved) = self.resolve(path) {
                    out.paths.push((resolved, by_default));
                }
            }
            Parameter::Name(n) => {
                if let Some(resolved) = self.resolve_raw(n) {
                    out.paths.push((resolved, by_default));
                }
            }
            Parameter::Literal(Value::String(text))
                if self.dialect.dialect == crate::dialect::Dialect::Mandrill =>
            {
                // ``{{#if `purchases > 3`}}`` reads `purchases`, compared with 3.
                match super::helpers::parse_comparison(text) {
                    Some(c) => {
                        for operand in [&c.left, &c.right] {
                            match operand {
                                super::helpers::Operand::Path(p) => {
                                    if let Some(resolved) = self.resolve_raw(p) {
                                        out.paths.push((resolved, by_default));
                                    }
                                }
                                super::helpers::Operand::Literal(v) => out.literals.push(v.clone()),
                            }
                        }
                    }
                    None => out.literals.push(Value::String(text.clone())),
                }
            }
            Parameter::Literal(v) => out.literals.push(v.clone()),
            Parameter::Subexpression(sub) => {
                let name = sub.name().to_string();
                self.check_helper(&name, loc);
                let params = sub.params().cloned().unwrap_or_default();
                let hash = sub.hash().cloned().unwrap_or_default();
                let mut inner = Collected::default();
                self.collect_call(&name, &params, &hash, by_default, &mut inner, loc);
                out.paths.extend(inner.paths);
                out.literals.extend(inner.literals);
            }
            _ => {}
        }
    }

    fn block(
        &mut self,
        ht: &HelperTemplate,
        source: &TemplateSource,
        loc: SourceLoc,
    ) -> HelperTemplate {
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
        let frame = || GuardFrame {
            paths: paths.clone(),
            positive: positive.clone(),
            loc: loc.clone(),
        };

        let mut copy = ht.clone();
        if section {
            copy.name = Parameter::Name(super::helpers::SECTION.to_string());
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
        if let Some(main) = &ht.template {
            if guard_main {
                self.guards.push(frame());
            }
            if let Some((prefix, is_loop)) = &scope {
                self.scopes.push(Scope {
                    prefix: prefix.clone(),
                    param: block_param_name(ht.block_param.as_ref()),
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
        if let Some(inverse) = &ht.inverse {
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

    /// `{{> footer}}`: the partial analysed with the guards and scope of the
    /// place that calls it, into a marked copy for this call; returns the
    /// copy's name. A partial that includes itself (threaded comments)
    /// renders as written from the inner call on, as deep as the data goes.
    fn inline_partial(&mut self, name: &Parameter, loc: SourceLoc) -> Option<String> {
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
        let walked = self.walk(&template, &source);
        self.partial_stack.pop();
        self.partial_depths.pop();
        let key = format!("{}\u{0}{name}#{}", self.key, self.copies.len());
        self.copies.push((key.clone(), walked));
        Some(key)
    }

    /// A partial called with a context or hash arguments renders from the
    /// registry as written; record what it reads.
    fn partial_with_arguments(
        &mut self,
        dt: &handlebars::template::DecoratorTemplate,
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
        let _ = self.walk(&partial.template, partial.source);
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

    fn resolve(&self, path: &HbPath) -> Option<String> {
        match path {
            HbPath::Relative((_, raw)) => self.resolve_raw(raw),
            HbPath::Local(_) => None,
        }
    }

    /// Turns a path as written (`../first_name`, `this.name`, `@root.tier`,
    /// `account/balance`) into a dotted path from the profile's root.
    fn resolve_raw(&self, raw: &str) -> Option<String> {
        let mut rest = raw.trim();
        if rest.starts_with('@') && !rest.starts_with("@root") {
            return None;
        }
        let mut depth = self.scopes.len() - 1;
        if let Some(r) = rest.strip_prefix("@root") {
            depth = 0;
            rest = r.trim_start_matches(['.', '/']);
        }
        while let Some(r) = rest.strip_prefix("../") {
            depth = depth.saturating_sub(1);
            rest = r;
        }
        for prefix in ["this.", "this/", "./"] {
            if let Some(r) = rest.strip_prefix(prefix) {
                rest = r;
            }
        }
        if rest == "this" || rest == "." {
            rest = "";
        }
        let segments: Vec<String> = rest
            .split(['.', '/'])
            .filter(|s| !s.is_empty())
            .map(|s| s.trim_start_matches('[').trim_end_matches(']').to_string())
            .collect();
        // A name a partial's hash binds reads what the caller passed.
        if let Some(first) = segments.first()
            && let Some((_, bound)) = self.scopes[depth].hash.iter().find(|(n, _)| n == first)
        {
            // A literal (`buttonText='Share'`) reads no data.
            return bound.as_ref().map(|path| {
                std::iter::once(path.as_str())
                    .chain(segments[1..].iter().map(String::as_str))
                    .collect::<Vec<_>>()
                    .join(".")
            });
        }
        // A block parameter names the item of its scope.
        let (base, segments) = match segments.first() {
            Some(first) => match self.scopes[..=depth]
                .iter()
                .rev()
                .find(|s| s.param.as_deref() == Some(first.as_str()))
            {
                Some(scope) => (scope.prefix.clone(), segments[1..].to_vec()),
                None => (self.scopes[depth].prefix.clone(), segments),
            },
            None => (self.scopes[depth].prefix.clone(), segments),
        };
        let joined = std::iter::once(base)
            .chain(segments)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(".");
        if joined.is_empty() && (!raw.trim().starts_with('@') || raw.trim() == "@root") {
            self.reads_root.set(true);
        }
        (!joined.is_empty()).then_some(joined)
    }
}

fn block_param_name(param: Option<&BlockParam>) -> Option<String> {
    match param? {
        BlockParam::Single(p) | BlockParam::Pair((p, _)) => parameter_name(p),
        _ => None,
    }
}

fn parameter_name(p: &Parameter) -> Option<String> {
    match p {
        Parameter::Name(n) => Some(n.clone()),
        Parameter::Path(HbPath::Relative((_, raw))) => Some(raw.clone()),
        Parameter::Path(HbPath::Local((_, _, raw))) => Some(raw.clone()),
        _ => None,
    }
}

/// The expression as a person wrote it, near enough for a message.
fn expression_text(
    name: &Parameter,
    params: &[Parameter],
    hash: &std::collections::HashMap<String, Parameter>,
) -> String {
    let mut parts = vec![parameter_text(name)];
    parts.extend(params.iter().map(parameter_text));
    let mut pairs: Vec<String> = hash
        .iter()
        .map(|(k, v)| format!("{k}={}", parameter_text(v)))
        .collect();
    pairs.sort();
    parts.extend(pairs);
    parts.join(" ")
}

fn parameter_text(p: &Parameter) -> String {
    match p {
        Parameter::Literal(v) => v.to_string(),
        Parameter::Subexpression(sub) => {
            let params = sub.params().cloned().unwrap_or_default();
            let hash = sub.hash().cloned().unwrap_or_default();
            format!(
                "({})",
                expression_text(&Parameter::Name(sub.name().to_string()), &params, &hash)
            )
        }
        other => parameter_name(other).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::compiled;

    /// A read as the tests compare it: (path, has a fallback, guarded positive).
    type ReadSummary = (String, bool, bool);
    /// A token as the tests compare it: its expression and its reads.
    type TokenSummary = (String, Vec<ReadSummary>);

    /// The body's tokens of the first variant: (expression, [(path, fallback?, positive?)]).
    fn tokens(body: &str) -> Vec<TokenSummary> {
        tokens_with_audience(body, None)
    }

    fn tokens_with_audience(body: &str, audience: Option<&str>) -> Vec<TokenSummary> {
        let audience = audience
            .map(|a| format!("    audience: {a}\n"))
            .unwrap_or_default();
        let yaml = format!(
            "variants:\n  - id: v\n{audience}    subject: s\n    body: {}\n",
            serde_json::to_string(body).unwrap()
        );
        let c = compiled(&yaml);
        c.variants[0]
            .body
            .analysis
            .tokens
            .iter()
            .map(|t| {
                let reads = t
                    .reads
                    .iter()
                    .map(|r| (r.path.clone(), r.fallback.is_some(), r.positive_guard))
                    .collect();
                (t.expression.clone(), reads)
            })
            .collect()
    }

    fn read(path: &str, fallback: bool) -> ReadSummary {
        (path.to_string(), fallback, false)
    }

    #[test]
    fn plain_tokens_have_no_fallback() {
        assert_eq!(
            tokens("Hi {{first_name}}"),
            vec![("{{first_name}}".into(), vec![read("first_name", false)])]
        );
        assert_eq!(tokens("{{{bio}}}")[0].0, "{{{bio}}}");
    }

    #[test]
    fn default_gives_every_argument_but_the_last_a_fallback() {
        assert_eq!(
            tokens("{{default first_name \"there\"}}")[0].1,
            vec![read("first_name", true)]
        );
        assert_eq!(
            tokens("{{default first_name nickname}}")[0].1,
            vec![read("first_name", true), read("nickname", false)]
        );
        assert_eq!(
            tokens("{{upper (default first_name \"x\")}}")[0].1,
            vec![read("first_name", true)]
        );
    }

    #[test]
    fn blocks_guard_the_branch_they_protect() {
        let t = tokens("{{#if first_name}}Hi {{first_name}}{{else}}Hi {{first_name}}{{/if}}");
        assert_eq!(t[0].1, vec![read("first_name", true)]);
        assert_eq!(t[1].1, vec![read("first_name", false)]);
        let t = tokens("{{#unless nickname}}x{{else}}{{nickname}}{{/unless}}");
        assert_eq!(t[0].1, vec![read("nickname", true)]);
        let t = tokens("{{#if (and first_name last_name)}}{{first_name}} {{last_name}}{{/if}}");
        assert!(t.iter().all(|(_, r)| r[0].1), "{t:?}");
    }

    #[test]
    fn comparisons_guard_positive_values() {
        let t = tokens(
            "{{#if (gt loyalty.points 0)}}{{loyalty.points}}{{/if}}{{#if loyalty.points}}{{loyalty.points}}{{/if}}",
        );
        assert_eq!(t[0].1, vec![("loyalty.points".to_string(), true, true)]);
        assert_eq!(t[1].1, vec![("loyalty.points".to_string(), true, false)]);
        let t = tokens(
            "{{#if (gte account.balance 1)}}{{account.balance}}{{/if}}{{#if (gt account.balance -5)}}{{account.balance}}{{/if}}",
        );
        assert!(t[0].1[0].2);
        assert!(!t[1].1[0].2);
    }

    #[test]
    fn audiences_guard_what_they_require() {
        let t = tokens_with_audience(
            "{{first_name}} {{account.balance}} {{last_name}}",
            Some(
                "{ all: [ { field: first_name, exists: true }, { field: account.balance, gt: 0 } ] }",
            ),
        );
        assert_eq!(t[0].1, vec![read("first_name", true)]);
        assert_eq!(t[1].1, vec![("account.balance".to_string(), true, true)]);
        assert_eq!(t[2].1, vec![read("last_name", false)]);
    }

    #[test]
    fn paths_resolve_through_scopes() {
        let t = tokens(
            "{{#with account}}{{balance}} {{../first_name}} {{@root.last_name}}{{/with}}{{#each orders}}{{sku}} {{this.qty}}{{/each}}{{#each items as |item|}}{{item.name}}{{/each}}",
        );
        let paths: Vec<&str> = t.iter().map(|(_, r)| r[0].0.as_str()).collect();
        assert_eq!(
            paths,
            [
                "account.balance",
                "first_name",
                "last_name",
                "orders.[].sku",
                "orders.[].qty",
                "items.[].name"
            ]
        );
    }

    #[test]
    fn tokens_carry_their_position_in_the_file() {
        let c = compiled(
            "variants:\n  - id: v\n    subject: \"Hi {{first_name}}\"\n    body: |\n      <p>Hello</p>\n      <p>{{last_name}}</p>\n",
        );
        let subject = &c.variants[0].subject.as_ref().unwrap().analysis.tokens[0];
        assert_eq!((subject.loc.line, subject.loc.column), (3, 18));
        let body = &c.variants[0].body.analysis.tokens[0];
        assert_eq!((body.loc.line, body.loc.column), (6, 10));
    }

    #[test]
    fn tokens_in_url_attributes_are_marked() {
        let c = compiled(
            "variants:\n  - id: v\n    subject: s\n    body: \"<a class=x href='https://x.example/{{a}}?q={{b}}'>{{c}}</a><img data-src=\\\"{{d}}\\\" src={{e}}>\"\n",
        );
        let in_url: Vec<bool> = c.variants[0]
            .body
            .analysis
            .tokens
            .iter()
            .map(|t| t.place.is_url())
            .collect();
        assert_eq!(in_url, [true, true, false, false, true]);
        assert_eq!(
            c.variants[0].body.analysis.tokens[3].place,
            crate::template::place::Place::Attribute {
                element: "img".into(),
                name: "data-src".into(),
                url: false
            }
        );
    }

    #[test]
    fn loops_are_marked() {
        let c = compiled(
            "variants:\n  - id: v\n    subject: s\n    body: \"{{#each orders}}{{sku}}{{/each}}{{first_name}}\"\n",
        );
        let t = &c.variants[0].body.analysis.tokens;
        assert!(t[0].in_loop);
        assert!(!t[1].in_loop);
        let lists: Vec<&str> = c.variants[0]
            .body
            .analysis
            .blocks
            .iter()
            .map(|b| b.paths[0].as_str())
            .collect();
        assert_eq!(lists, ["orders"]);
    }
}
