//! Lowering a Klaviyo template to the template model, in Django's terms:
//! Python's truth, so `{% if first_name %}` guards against a missing,
//! null or empty name (not one of spaces) and `{% if points %}` against
//! zero; `|default:` is a fallback (`|default_if_none:` is not: a missing
//! variable prints `""`, which it keeps); `person.x` and
//! `person|lookup:'x'` read the profile's `x`.

use super::eval::PERSON;
use super::filters;
use super::syntax::{Condition, Filtered, Node, Op, Operand};
use super::value::Py;
use crate::dialect::BlockRole;
use crate::markers::{close_marker, open_marker};
use crate::source::{LoadError, SourceLoc};
use crate::template::model::{Analysis, BlockRead, Guard, Guards, InlineAllow, Read, Token};

/// What a name bound by `{% for %}` or `{% with %}` stands for.
struct Named {
    name: String,
    /// The path it is (`orders.[]` for a loop's item).
    path: Option<String>,
    /// The fields a computed value read.
    reads: Vec<String>,
}

pub(super) struct Lowering<'a> {
    audience: Option<&'a crate::audience::Condition>,
    html: bool,
    errors: Vec<LoadError>,
    analysis: Analysis,
    outline: String,
    names: Vec<Named>,
    guards: Guards,
    in_loop: usize,
}

impl<'a> Lowering<'a> {
    pub(super) fn new(audience: Option<&'a crate::audience::Condition>, html: bool) -> Self {
        Lowering {
            audience,
            html,
            errors: Vec::new(),
            analysis: Analysis::default(),
            outline: String::new(),
            names: Vec::new(),
            guards: Guards::default(),
            in_loop: 0,
        }
    }

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

    /// The data path a lookup reads (`person.first_name` → `first_name`),
    /// if it reads one.
    fn lookup_path(&self, names: &[String]) -> Option<String> {
        let (first, rest) = names.split_first()?;
        let mut path = match self.names.iter().rev().find(|n| &n.name == first) {
            Some(named) => named.path.clone()?,
            None if first == PERSON => String::new(),
            None if matches!(first.as_str(), "True" | "False" | "None") => return None,
            None => first.clone(),
        };
        for step in rest {
            // A dict's `items`, `keys` and `values` read the dict.
            if matches!(step.as_str(), "items" | "keys" | "values") {
                break;
            }
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(step);
        }
        (!path.is_empty()).then_some(path)
    }

    /// The path a filtered expression reads, following `|lookup:'key'`.
    fn path(&self, f: &Filtered) -> Option<String> {
        let Operand::Lookup(names) = &f.operand else {
            return None;
        };
        let mut path = match self.lookup_path(names) {
            Some(p) => p,
            // `person|lookup:'x'` starts from the root.
            None if names.len() == 1 && names[0] == PERSON => String::new(),
            None => return None,
        };
        for filter in &f.filters {
            match (&filter.name[..], &filter.arg) {
                ("lookup", Some(Operand::Literal(key))) => {
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(&key.str());
                }
                _ => break,
            }
        }
        (!path.is_empty()).then_some(path)
    }

    fn operand_reads(&self, operand: &Operand, out: &mut Vec<String>) {
        let Operand::Lookup(names) = operand else {
            return;
        };
        match self.names.iter().rev().find(|n| n.name == names[0]) {
            Some(named) if named.path.is_none() => out.extend(named.reads.iter().cloned()),
            _ => out.extend(self.lookup_path(names)),
        }
    }

    /// Every field a filtered expression reads.
    fn reads(&self, f: &Filtered) -> Vec<String> {
        let mut reads = Vec::new();
        match self.path(f) {
            Some(p) => reads.push(p),
            None => self.operand_reads(&f.operand, &mut reads),
        }
        for filter in &f.filters {
            if let Some(arg) = &filter.arg {
                self.operand_reads(arg, &mut reads);
            }
        }
        reads.dedup();
        reads
    }

    /// The paths a condition tests.
    fn tested(&self, c: &Condition, out: &mut Vec<String>) {
        match c {
            Condition::Value(f) => out.extend(self.reads(f)),
            Condition::Not(inner) => self.tested(inner, out),
            Condition::And(a, b) | Condition::Or(a, b) => {
                self.tested(a, out);
                self.tested(b, out);
            }
            Condition::Compare(_, a, b) => {
                out.extend(self.reads(a));
                out.extend(self.reads(b));
            }
        }
    }

    /// The paths that have a value, and those above zero, wherever the
    /// branch renders (`negated`: the branch renders when `c` is false).
    fn proven(
        &self,
        c: &Condition,
        negated: bool,
        present: &mut Vec<String>,
        positive: &mut Vec<String>,
    ) {
        match (c, negated) {
            (Condition::Value(f), false) => {
                // Python's truth rules out missing, None and "" (and 0).
                if let Some(p) = self.path(f).filter(|_| plain_read(f)) {
                    present.push(p);
                }
            }
            (Condition::Not(inner), _) => self.proven(inner, !negated, present, positive),
            (Condition::And(a, b), false) | (Condition::Or(a, b), true) => {
                self.proven(a, negated, present, positive);
                self.proven(b, negated, present, positive);
            }
            (Condition::Compare(op, left, right), _) => {
                let (Some(path), Operand::Literal(bound)) = (self.path(left), &right.operand)
                else {
                    return;
                };
                let Some(bound) = bound.to_float().filter(|_| !matches!(bound, Py::Str(_))) else {
                    return;
                };
                let above_zero = match (op, negated) {
                    (Op::Gt, false) | (Op::Le, true) => bound >= 0.0,
                    (Op::Ge, false) | (Op::Lt, true) => bound > 0.0,
                    _ => false,
                };
                if above_zero && plain_read(left) {
                    present.push(path.clone());
                    positive.push(path);
                }
            }
            _ => {}
        }
    }

    fn literals(c: &Condition, out: &mut Vec<serde_json::Value>) {
        match c {
            Condition::Not(inner) => Self::literals(inner, out),
            Condition::And(a, b) | Condition::Or(a, b) => {
                Self::literals(a, out);
                Self::literals(b, out);
            }
            Condition::Compare(_, _, right) => match &right.operand {
                Operand::Literal(Py::Int(i)) => out.push(serde_json::json!(*i as i64)),
                Operand::Literal(Py::Float(f)) => out.push(serde_json::json!(*f)),
                Operand::Literal(Py::Str(s)) => out.push(s.as_str().into()),
                _ => {}
            },
            Condition::Value(_) => {}
        }
    }

    fn guarded(&mut self, c: &Condition, negated: bool, loc: &SourceLoc, body: &[Node]) {
        let mut paths = Vec::new();
        self.tested(c, &mut paths);
        let (mut present, mut positive) = (Vec::new(), Vec::new());
        self.proven(c, negated, &mut present, &mut positive);
        let mut literals = Vec::new();
        Self::literals(c, &mut literals);
        self.analysis.blocks.push(BlockRead {
            role: if negated {
                BlockRole::Unless
            } else {
                BlockRole::Guard
            },
            written: "{% if %}".into(),
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
            Node::Platform(tag) => self.outline.push_str(tag.prints),
            Node::Comment { text, loc } => match InlineAllow::read(text, loc.clone(), "{# {} #}") {
                Some(Ok(allow)) => self.analysis.allows.push(allow),
                Some(Err(error)) => self.errors.push(error),
                None => {}
            },
            Node::Output {
                filtered,
                index,
                written,
                loc,
            } => self.output(filtered, *index, written, loc),
            Node::If {
                branches,
                otherwise,
            } => {
                for (c, body, loc) in branches {
                    self.guarded(c, false, loc, body);
                }
                if let Some(body) = otherwise {
                    // The else of a lone `{% if not x %}` renders only
                    // where `x` has a value.
                    match branches.as_slice() {
                        [(c, _, loc)] => self.guarded(c, true, loc, body),
                        _ => self.nodes(body),
                    }
                }
            }
            Node::For {
                names,
                list,
                body,
                empty,
                loc,
                ..
            } => {
                let path = self.path(list);
                self.analysis.blocks.push(BlockRead {
                    role: BlockRole::Loop,
                    written: "{% for %}".into(),
                    paths: self.reads(list),
                    literals: Vec::new(),
                    loc: loc.clone(),
                });
                let bound = names.len() + 1;
                for name in names {
                    self.names.push(Named {
                        name: name.clone(),
                        path: match names.len() {
                            1 => path.as_ref().map(|p| format!("{p}.[]")),
                            _ => None,
                        },
                        reads: path.iter().cloned().collect(),
                    });
                }
                self.names.push(Named {
                    name: "forloop".into(),
                    path: None,
                    reads: Vec::new(),
                });
                self.in_loop += 1;
                self.nodes(body);
                self.in_loop -= 1;
                self.names.truncate(self.names.len() - bound);
                if let Some(body) = empty {
                    self.nodes(body);
                }
            }
            Node::With { bindings, body } => {
                let named: Vec<Named> = bindings
                    .iter()
                    .map(|(name, value)| Named {
                        name: name.clone(),
                        path: value.filters.is_empty().then(|| self.path(value)).flatten(),
                        reads: self.reads(value),
                    })
                    .collect();
                let bound = named.len();
                self.names.extend(named);
                self.nodes(body);
                self.names.truncate(self.names.len() - bound);
            }
        }
    }

    fn output(&mut self, value: &Filtered, index: u32, written: &str, loc: &SourceLoc) {
        self.analysis.token_follows(loc);
        let has_default = value.filters.iter().any(|f| filters::is_fallback(&f.name));
        let reads: Vec<Read> = self
            .reads(value)
            .into_iter()
            .map(|path| self.guards.read(path, has_default, self.audience))
            .collect();
        let escaped = !value.filters.iter().any(|f| f.name == "safe");
        let escapes = value.filters.iter().any(|f| filters::escapes(&f.name));
        let written_path = (value.filters.is_empty()
            && matches!(value.operand, Operand::Lookup(_)))
        .then(|| written.to_string());
        self.analysis.tokens.push(Token {
            index,
            expression: format!("{{{{ {written} }}}}"),
            helper: value
                .filters
                .iter()
                .find(|f| f.name != "lookup")
                .map(|f| f.name.clone()),
            formats_money: false,
            reads,
            escaped,
            escapes_data: (escaped && self.html) || escapes,
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

/// The value as read, or only looked up further (`|lookup:`): a condition
/// on it says what the field holds.
fn plain_read(f: &Filtered) -> bool {
    f.filters.iter().all(|f| f.name == "lookup")
}
