//! Lowering a Liquid template to the template model, in Liquid's terms:
//! only `nil` and `false` are falsy, so `{% if first_name %}` guards
//! nothing against `""`; `{% if first_name != blank %}` and `| default:`
//! are fallbacks; a variable assigned or captured from a field reads that
//! field; what a partial prints counts as read.

use std::collections::HashMap;
use std::sync::Arc;

use super::expr::{Condition, Expr, Filtered, Op, Step};
use super::flavor::Flavor;
use super::parse::{ForLoop, Node};
use super::value;
use crate::dialect::BlockRole;
use crate::markers::{close_marker, open_marker};
use crate::source::{LoadError, SourceLoc};
use crate::template::model::{Analysis, BlockRead, Guard, Guards, InlineAllow, Read, Token};

/// Partials within partials are followed this deep when lowering (a
/// partial that renders itself is bounded by its data when rendering).
const MAX_PARTIAL_LOWERING: usize = 8;

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

pub(super) struct Lowering<'n> {
    flavor: Flavor,
    /// The variant's audience: what it admits only with a value is there.
    audience: Option<&'n crate::audience::Condition>,
    /// Allow comments that do not say what they allow.
    errors: Vec<LoadError>,
    analysis: Analysis,
    outline: String,
    names: Vec<Named>,
    guards: Guards,
    in_loop: usize,
    partials: &'n HashMap<String, Arc<Vec<Node>>>,
    partial_depth: usize,
}

impl<'n> Lowering<'n> {
    pub(super) fn new(
        flavor: Flavor,
        audience: Option<&'n crate::audience::Condition>,
        partials: &'n HashMap<String, Arc<Vec<Node>>>,
    ) -> Self {
        Lowering {
            flavor,
            audience,
            errors: Vec::new(),
            analysis: Analysis::default(),
            outline: String::new(),
            names: Vec::new(),
            guards: Guards::default(),
            in_loop: 0,
            partials,
            partial_depth: 0,
        }
    }

    /// The analysis of a template's nodes and its outline, or the errors
    /// of its allow comments.
    pub(super) fn lower(mut self, nodes: &[Node]) -> Result<(Analysis, String), Vec<LoadError>> {
        self.nodes(nodes);
        if self.errors.is_empty() {
            Ok((self.analysis, self.outline))
        } else {
            Err(self.errors)
        }
    }

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
            tested: paths,
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
                        tested: paths.clone(),
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
            Node::For(ForLoop {
                variable,
                collection,
                body,
                otherwise,
                loc,
                ..
            }) => {
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
                    guards: Guards::default(),
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
        self.analysis.token_follows(loc);
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
            .map(|path| self.guards.read(path, has_default, self.audience))
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
            guarded_by: self.guards.tested(),
        });
        self.outline.push_str(&open_marker(index));
        self.outline.push_str(&close_marker());
    }
}
