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

mod eval;
mod filters;
mod flavor;
mod lex;
mod parse;
mod value;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::model::{Analysis, BlockRead, Fallback, InlineAllow, Read, Token};
use super::{RenderFailure, RenderInput, Renderer};
use crate::dialect::{BlockRole, TemplateDialect};
use crate::markers::{close_marker, open_marker};
use crate::project::{Partial, TemplateSource};
use crate::source::{LoadError, SourceLoc};
use flavor::Flavor;
use parse::{Condition, Expr, Filtered, Node, Op, Step};

/// Partials within partials are followed this deep when lowering (a
/// partial that renders itself is bounded by its data when rendering).
const MAX_PARTIAL_LOWERING: usize = 8;

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
    parse::TreeBuilder::new(pieces, flavor, &filters)
        .build()
        .map_err(|errors| {
            errors
                .into_iter()
                .map(|e| LoadError::at(&e.loc, e.message))
                .collect()
        })
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
        let mut lowering = Lowering {
            flavor: self.flavor,
            audience,
            errors: Vec::new(),
            analysis: Analysis::default(),
            outline: String::new(),
            names: Vec::new(),
            guards: Vec::new(),
            in_loop: 0,
            partials: &self.partials.nodes,
            partial_depth: 0,
        };
        lowering.nodes(&nodes);
        if !lowering.errors.is_empty() {
            return Err(lowering.errors);
        }
        self.templates
            .insert(key.to_string(), (nodes, source.clone()));
        Ok((lowering.analysis, lowering.outline))
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
                let position = match &stop {
                    eval::Stop::Missing(_, loc) => within(source, loc),
                    _ => None,
                };
                Err(RenderFailure {
                    message: stop.to_string(),
                    position,
                    too_large,
                    aborted: matches!(stop, eval::Stop::Aborted(_)),
                })
            }
            None => Ok(()),
        }
    }
}

/// Where `loc` (in the template's file) is within the template's own text,
/// as a render failure gives it; `None` for a place outside it.
fn within(source: &TemplateSource, loc: &SourceLoc) -> Option<(usize, usize)> {
    let line = loc.line.checked_sub(source.line)? + 1;
    let shift = if line == 1 {
        source.first_line_shift
    } else {
        0
    };
    let column = loc.column.checked_sub(source.column + shift)? + 1;
    Some((line as usize, column as usize))
}

/// What a name stands for while lowering: a loop's item, or a variable
/// assigned from fields.
#[derive(Clone)]
struct Named {
    name: String,
    /// The path it stands for (`orders[]` for a loop over `orders`).
    path: Option<String>,
    /// The fields an assignment or capture read.
    reads: Vec<String>,
    /// Set by `capture`: printed as it is, it is the template's own text
    /// with the captured outputs' data inside, each its own token.
    captured: bool,
}

/// What a condition proves where its branch renders.
struct Proven {
    tested: Vec<String>,
    present: Vec<String>,
    positive: Vec<String>,
}

/// A condition around the outputs being lowered.
struct Guard {
    /// Paths it tests.
    paths: Vec<String>,
    /// Paths that have a value whenever its branch renders, blank or not as
    /// Liquid sees it: `x != blank`, `x != empty and x` in the branch;
    /// `x == blank` in the `else`.
    present: Vec<String>,
    /// Paths above zero whenever its branch renders: `x > 0`.
    positive: Vec<String>,
    loc: SourceLoc,
}

struct Lowering<'n> {
    flavor: Flavor,
    /// The variant's audience: what it admits only with a value is there.
    audience: Option<&'n crate::audience::Condition>,
    /// Allow comments that do not say what they allow.
    errors: Vec<LoadError>,
    analysis: Analysis,
    outline: String,
    names: Vec<Named>,
    guards: Vec<Guard>,
    in_loop: usize,
    partials: &'n HashMap<String, Arc<Vec<Node>>>,
    partial_depth: usize,
}

impl Lowering<'_> {
    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            self.node(node);
        }
    }

    /// The data path an expression reads, if it reads one.
    fn path(&self, expr: &Expr) -> Option<String> {
        let Expr::Lookup { root, steps } = expr else {
            return None;
        };
        let Step::Key(root) = root.as_ref() else {
            return None;
        };
        let mut path = match self.names.iter().rev().find(|n| &n.name == root) {
            Some(named) => named.path.clone()?,
            // Customer.io's `customer.first_name` is the profile's `first_name`.
            None if self.flavor.person_scope() == Some(root.as_str()) => String::new(),
            None => root.clone(),
        };
        for step in steps {
            match step {
                // A list's `first` is its item 0; its `size` and `last`
                // read the list (a missing list prints nothing for both).
                Step::Key(k) if k == "first" => path.push_str(".0"),
                Step::Key(k) if k == "size" || k == "last" => break,
                Step::Key(k) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                }
                Step::Index(Expr::Literal(v)) => {
                    path.push('.');
                    path.push_str(&v.to_text());
                }
                Step::Index(_) => path.push_str(".[]"),
            }
        }
        Some(path)
    }

    /// Every field an expression reads: its own path, or what the variable
    /// it names was assigned from.
    fn reads_of(&self, expr: &Expr, out: &mut Vec<String>) {
        match expr {
            Expr::Lookup { root, steps } => {
                if let Step::Key(name) = root.as_ref()
                    && let Some(named) = self.names.iter().rev().find(|n| &n.name == name)
                    && named.path.is_none()
                {
                    out.extend(named.reads.iter().cloned());
                } else if let Some(p) = self.path(expr) {
                    out.push(p);
                }
                for step in steps {
                    if let Step::Index(e) = step {
                        self.reads_of(e, out);
                    }
                }
            }
            Expr::Range(a, b) => {
                self.reads_of(a, out);
                self.reads_of(b, out);
            }
            _ => {}
        }
    }

    fn filtered_reads(&self, f: &Filtered) -> Vec<String> {
        let mut reads = Vec::new();
        self.reads_of(&f.expr, &mut reads);
        for filter in &f.filters {
            for a in filter
                .args
                .iter()
                .chain(filter.keywords.iter().map(|(_, e)| e))
            {
                self.reads_of(a, &mut reads);
            }
        }
        reads.dedup();
        reads
    }

    /// The paths a condition tests, those it proves present, and those it
    /// proves above zero, where its branch renders (`negated`: the branch
    /// renders when the condition is false).
    fn condition(&self, c: &Condition, negated: bool) -> Proven {
        let mut tested = Vec::new();
        let mut present = Vec::new();
        let mut positive = Vec::new();
        let mut at = Some(c);
        let mut all_and = true;
        while let Some(c) = at {
            let mut reads = Vec::new();
            self.reads_of(&c.left, &mut reads);
            if let Some((_, right)) = &c.compare {
                self.reads_of(right, &mut reads);
            }
            tested.extend(reads.iter().cloned());
            // `x != blank` (or `x == blank` when the branch is its else)
            // proves `x` has a value; a comparison with a number proves it
            // is a number, and `x > 0` (or the else of `x <= 0`) that it is
            // above zero.
            if let (Some((op, right)), Some(path)) = (&c.compare, self.path(&c.left)) {
                let against_blank = matches!(right, Expr::Blank);
                let bound = match right {
                    Expr::Literal(v) => v.as_f64(),
                    _ => None,
                };
                let above_zero = match (op, bound, negated) {
                    (Op::Gt, Some(b), false) | (Op::Le, Some(b), true) => b >= 0.0,
                    (Op::Ge, Some(b), false) | (Op::Lt, Some(b), true) => b > 0.0,
                    _ => false,
                };
                let proves = match op {
                    Op::Ne => against_blank && !negated,
                    Op::Eq => against_blank && negated,
                    _ => above_zero,
                };
                if proves {
                    present.push(path.clone());
                }
                if above_zero {
                    positive.push(path);
                }
            }
            match &c.rest {
                Some((and, rest)) => {
                    all_and &= *and;
                    at = Some(rest);
                }
                None => at = None,
            }
        }
        // Under `or` no single test holds in the branch.
        if !all_and {
            present.clear();
            positive.clear();
        }
        Proven {
            tested,
            present,
            positive,
        }
    }

    fn literal_values(c: &Condition, out: &mut Vec<serde_json::Value>) {
        let mut at = Some(c);
        while let Some(c) = at {
            if let Some((_, Expr::Literal(v))) = &c.compare {
                match v {
                    value::Value::Int(i) => out.push((*i).into()),
                    value::Value::Float(f) => out.push((*f).into()),
                    value::Value::Str(s) => out.push(s.as_ref().into()),
                    _ => {}
                }
            }
            at = c.rest.as_ref().map(|(_, r)| r.as_ref());
        }
    }

    fn guarded(
        &mut self,
        c: &Condition,
        negated: bool,
        loc: &SourceLoc,
        written: &str,
        body: &[Node],
    ) {
        let Proven {
            tested: paths,
            present,
            positive,
        } = self.condition(c, negated);
        let mut literals = Vec::new();
        Self::literal_values(c, &mut literals);
        self.analysis.blocks.push(BlockRead {
            role: if negated {
                BlockRole::Unless
            } else {
                BlockRole::Guard
            },
            written: written.to_string(),
            paths: paths.clone(),
            literals,
            loc: loc.clone(),
        });
        self.guards.push(Guard {
            paths,
            present,
            positive,
            loc: loc.clone(),
        });
        self.nodes(body);
        self.guards.pop();
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::Text(t) => self.outline.push_str(t),
            Node::Output {
                value,
                index,
                markup,
                loc,
            } => self.output(value, *index, markup, loc),
            Node::If {
                unless,
                branches,
                otherwise,
            } => {
                let written = if *unless { "{% unless %}" } else { "{% if %}" };
                for (i, (c, body, loc)) in branches.iter().enumerate() {
                    self.guarded(c, *unless && i == 0, loc, written, body);
                }
                if let Some(body) = otherwise {
                    // The else of `if x == blank` (or of `unless x != blank`)
                    // renders only when `x` has a value.
                    match branches.first() {
                        Some((c, _, loc)) if branches.len() == 1 => {
                            self.guarded(c, !*unless, loc, written, body)
                        }
                        _ => self.nodes(body),
                    }
                }
            }
            Node::Case {
                subject,
                whens,
                otherwise,
                loc,
            } => {
                let mut paths = Vec::new();
                self.reads_of(subject, &mut paths);
                let mut literals = Vec::new();
                for (values, _) in whens {
                    for v in values {
                        if let Expr::Literal(value::Value::Str(s)) = v {
                            literals.push(s.as_ref().into());
                        } else if let Expr::Literal(value::Value::Int(i)) = v {
                            literals.push((*i).into());
                        }
                    }
                }
                self.analysis.blocks.push(BlockRead {
                    role: BlockRole::Guard,
                    written: "{% case %}".into(),
                    paths: paths.clone(),
                    literals,
                    loc: loc.clone(),
                });
                for (_, body) in whens {
                    self.guards.push(Guard {
                        paths: paths.clone(),
                        present: paths.clone(),
                        positive: Vec::new(),
                        loc: loc.clone(),
                    });
                    self.nodes(body);
                    self.guards.pop();
                }
                if let Some(body) = otherwise {
                    self.nodes(body);
                }
            }
            Node::For {
                variable,
                collection,
                body,
                otherwise,
                loc,
                ..
            } => {
                let path = self.path(collection);
                let mut paths = Vec::new();
                self.reads_of(collection, &mut paths);
                self.analysis.blocks.push(BlockRead {
                    role: BlockRole::Loop,
                    written: "{% for %}".into(),
                    paths,
                    literals: Vec::new(),
                    loc: loc.clone(),
                });
                self.names.push(Named {
                    name: variable.clone(),
                    path: path.as_ref().map(|p| format!("{p}.[]")),
                    reads: Vec::new(),
                    captured: false,
                });
                self.names.push(Named {
                    name: "forloop".into(),
                    path: None,
                    reads: Vec::new(),
                    captured: false,
                });
                self.in_loop += 1;
                self.nodes(body);
                self.in_loop -= 1;
                self.names.pop();
                self.names.pop();
                if let Some(body) = otherwise {
                    self.nodes(body);
                }
            }
            Node::Assign { name, value } => {
                let reads = self.filtered_reads(value);
                // `assign x = customer` names the path; with filters it is
                // a new value that read those fields.
                let path = if value.filters.is_empty() {
                    self.path(&value.expr)
                } else {
                    None
                };
                self.names.push(Named {
                    name: name.clone(),
                    path,
                    reads,
                    captured: false,
                });
            }
            Node::Capture { name, body } => {
                let first = self.analysis.tokens.len();
                let outline_len = self.outline.len();
                self.nodes(body);
                // What a capture prints is printed where the variable is.
                self.outline.truncate(outline_len);
                let reads: Vec<String> = self.analysis.tokens[first..]
                    .iter()
                    .flat_map(|t| t.reads.iter().map(|r| r.path.clone()))
                    .collect();
                self.names.push(Named {
                    name: name.clone(),
                    path: None,
                    reads,
                    captured: true,
                });
            }
            Node::Partial {
                name,
                arguments,
                isolated,
                ..
            } => {
                // A partial renders unmarked; what it reads counts as read.
                let Some(nodes) = self.partials.get(name).cloned() else {
                    return;
                };
                if self.partial_depth >= MAX_PARTIAL_LOWERING {
                    return;
                }
                let mut names = if *isolated {
                    Vec::new()
                } else {
                    self.names.clone()
                };
                for (key, expr) in arguments {
                    let mut reads = Vec::new();
                    self.reads_of(expr, &mut reads);
                    names.push(Named {
                        name: key.clone(),
                        path: self.path(expr),
                        reads,
                        captured: false,
                    });
                }
                let mut inner = Lowering {
                    flavor: self.flavor,
                    audience: self.audience,
                    errors: Vec::new(),
                    analysis: Analysis::default(),
                    outline: String::new(),
                    names,
                    guards: Vec::new(),
                    in_loop: self.in_loop,
                    partials: self.partials,
                    partial_depth: self.partial_depth + 1,
                };
                inner.nodes(&nodes);
                let reads = inner
                    .analysis
                    .tokens
                    .iter()
                    .flat_map(|t| t.reads.iter().map(|r| r.path.clone()))
                    .chain(inner.analysis.other_reads);
                self.analysis.other_reads.extend(reads);
                self.analysis.reads_root |= inner.analysis.reads_root;
            }
            Node::Break
            | Node::Continue
            | Node::Increment { .. }
            | Node::Cycle { .. }
            | Node::Abort { .. } => {}
            Node::Comment { text, loc } => {
                match InlineAllow::read(text, loc.clone(), "{% # {} %}") {
                    Some(Ok(allow)) => self.analysis.allows.push(allow),
                    Some(Err(error)) => self.errors.push(error),
                    None => {}
                }
            }
        }
    }

    fn output(&mut self, value: &Filtered, index: u32, markup: &str, loc: &SourceLoc) {
        for allow in self
            .analysis
            .allows
            .iter_mut()
            .filter(|a| a.next_token.is_none())
        {
            allow.next_token = Some(loc.clone());
        }
        // A capture printed as it is prints the template's text; the data
        // in it are the captured outputs' own tokens.
        let prints_capture = value.filters.is_empty()
            && matches!(&value.expr, Expr::Lookup { root, steps } if steps.is_empty()
                && matches!(root.as_ref(), Step::Key(name)
                    if self.names.iter().rev().find(|n| &n.name == name).is_some_and(|n| n.captured)));
        let reads = if prints_capture {
            Vec::new()
        } else {
            self.filtered_reads(value)
        };
        let has_default = value.filters.iter().any(|f| f.name == "default");
        let reads: Vec<Read> = reads
            .into_iter()
            .map(|path| {
                let guard = self.guards.iter().rev().find(|g| g.present.contains(&path));
                let fallback = if has_default {
                    Some(Fallback::Default)
                } else if let Some(g) = guard {
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
            })
            .collect();
        let escapes = value.filters.iter().any(|f| self.flavor.escapes(&f.name));
        let written_path = (value.filters.is_empty())
            .then(|| match &value.expr {
                Expr::Lookup { .. } => Some(markup.trim().to_string()),
                _ => None,
            })
            .flatten();
        self.analysis.tokens.push(Token {
            index,
            expression: format!("{{{{ {markup} }}}}"),
            helper: value.filters.first().map(|f| f.name.clone()),
            formats_money: value.filters.iter().any(|f| f.name.starts_with("money")),
            reads,
            escaped: false,
            escapes_data: escapes,
            loc: loc.clone(),
            in_loop: self.in_loop > 0,
            shadowed_field: None,
            written_path,
            place: Default::default(),
            guarded_by: self
                .guards
                .iter()
                .flat_map(|g| g.paths.iter().cloned())
                .collect(),
        });
        self.outline.push_str(&open_marker(index));
        self.outline.push_str(&close_marker());
    }
}

#[cfg(test)]
mod tests;
