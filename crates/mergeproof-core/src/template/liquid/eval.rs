//! Rendering a Liquid template for one profile, as Shopify's Ruby Liquid
//! renders it (lax error mode: an error prints `Liquid error: …` where it
//! happened and rendering goes on), each output between the span markers.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value as Json;

use super::expr::{Condition, Expr, Filtered, Op, Step};
use super::flavor::Flavor;
use super::parse::{ForLoop, Node};
use super::value::{Value, ruby_class, ruby_eq, ruby_inspect_for_error, step_into};
use crate::markers;

/// The budgets one render keeps to.
const MAX_OUTPUT: usize = crate::limits::MAX_CELL_BYTES;
const MAX_PARTIAL_DEPTH: usize = 100;
/// Loop iterations in one render, all loops together.
const MAX_STEPS: usize = 1_000_000;

pub(crate) struct Renderer<'a> {
    root: &'a Json,
    /// `assign` and `capture` write the outermost; loops push their own.
    scopes: Vec<HashMap<String, Value>>,
    counters: HashMap<String, i64>,
    /// What each `capture` rendered, with the markers of the outputs inside
    /// it: printed as it is, the data it holds keeps its spans.
    captured: HashMap<String, String>,
    cycles: HashMap<String, usize>,
    partials: &'a HashMap<String, Arc<Vec<Node>>>,
    /// Inside `render`: the profile's data is out of reach.
    isolated: bool,
    depth: usize,
    steps: usize,
    flavor: Flavor,
    pub stopped: Option<Stop>,
}

/// Why a render stopped before its end.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Stop {
    /// Past [`MAX_OUTPUT`].
    TooLarge,
    /// Loops ran past [`MAX_STEPS`].
    TooLong,
    /// Braze's `abort_message`, with its reason.
    Aborted(String),
    /// Customer.io: an output printed a variable the person lacks: as
    /// written, where, and its token when it is the template's own (not a
    /// partial's).
    Missing {
        markup: String,
        loc: crate::source::SourceLoc,
        token: Option<u32>,
    },
    /// Customer.io: a Liquid error, which it does not send past.
    Error(String),
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::TooLarge => f.write_str("too large"),
            Stop::TooLong => write!(f, "loops ran past {MAX_STEPS} steps"),
            Stop::Aborted(reason) if reason.is_empty() => f.write_str("aborted by abort_message"),
            Stop::Aborted(reason) => write!(f, "aborted by abort_message: {reason}"),
            Stop::Error(message) => write!(
                f,
                "Liquid error: {message}: Customer.io does not send the message"
            ),
            Stop::Missing { markup, .. } => write!(
                f,
                "`{{{{ {markup} }}}}` prints a variable this person does not have: Customer.io does not send the message"
            ),
        }
    }
}

/// Why an output prints nothing of its own.
enum Printed {
    /// A variable the person lacks, which the platform will not send.
    Lacking,
    /// A Liquid error, printed in its place.
    Error(String),
}

enum Flow {
    Normal,
    Break,
    Continue,
}

impl<'a> Renderer<'a> {
    pub(crate) fn new(
        root: &'a Json,
        partials: &'a HashMap<String, Arc<Vec<Node>>>,
        flavor: Flavor,
    ) -> Self {
        Renderer {
            root,
            scopes: vec![HashMap::new()],
            counters: HashMap::new(),
            captured: HashMap::new(),
            cycles: HashMap::new(),
            partials,
            isolated: false,
            depth: 0,
            steps: 0,
            flavor,
            stopped: None,
        }
    }

    pub(crate) fn render(&mut self, nodes: &[Node], out: &mut String) {
        self.nodes(nodes, out, true);
    }

    fn nodes(&mut self, nodes: &[Node], out: &mut String, marked: bool) -> Flow {
        for node in nodes {
            if self.stopped.is_some() {
                return Flow::Break;
            }
            if out.len() > MAX_OUTPUT {
                self.stopped = Some(Stop::TooLarge);
                return Flow::Break;
            }
            match self.node(node, out, marked) {
                Flow::Normal => {}
                other => return other,
            }
        }
        Flow::Normal
    }

    fn node(&mut self, node: &Node, out: &mut String, marked: bool) -> Flow {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Abort { reason } => {
                let reason = reason
                    .as_ref()
                    .map(|r| self.expr(r).to_text())
                    .unwrap_or_default();
                self.stopped = Some(Stop::Aborted(reason));
                return Flow::Break;
            }
            Node::Output { value, index, .. }
                if marked && let Some(text) = self.captured_text(value) =>
            {
                out.push_str(&markers::open_marker(*index));
                out.push_str(&text);
                out.push(markers::CLOSE);
            }
            Node::Output {
                value,
                index,
                markup,
                loc,
            } => match self.printed(value) {
                Ok(v) => {
                    if marked {
                        out.push_str(&markers::open_marker(*index));
                    }
                    v.print(out);
                    if marked {
                        out.push(markers::CLOSE);
                    }
                }
                // Customer.io does not send a variable the person lacks.
                Err(Printed::Lacking) => {
                    self.stopped = Some(Stop::Missing {
                        markup: markup.clone(),
                        loc: loc.clone(),
                        token: marked.then_some(*index),
                    });
                    return Flow::Break;
                }
                // The error prints where the output would have: it is what
                // the output printed.
                Err(Printed::Error(e)) => {
                    if marked {
                        out.push_str(&markers::open_marker(*index));
                    }
                    self.liquid_error(out, &e);
                    if marked {
                        out.push(markers::CLOSE);
                    }
                }
            },
            Node::If {
                unless,
                branches,
                otherwise,
            } => return self.if_node(*unless, branches, otherwise, out, marked),
            Node::Case {
                subject,
                whens,
                otherwise,
                ..
            } => return self.case_node(subject, whens, otherwise, out, marked),
            Node::For(each) => return self.for_loop(each, out, marked),
            Node::Comment { .. } => {}
            Node::Break => return Flow::Break,
            Node::Continue => return Flow::Continue,
            Node::Assign { name, value } => match self.filtered(value) {
                Ok(v) => {
                    self.captured.remove(name);
                    self.scopes[0].insert(name.clone(), v);
                }
                Err(e) => self.liquid_error(out, &e),
            },
            Node::Capture { name, body } => {
                let mut captured = String::new();
                self.nodes(body, &mut captured, marked);
                self.scopes[0].insert(name.clone(), Value::str(&markers::strip(&captured)));
                if marked {
                    self.captured.insert(name.clone(), captured);
                } else {
                    self.captured.remove(name);
                }
            }
            Node::Increment { name, down } => {
                let counter = self.counters.entry(name.clone()).or_insert(0);
                if *down {
                    *counter -= 1;
                    out.push_str(&counter.to_string());
                } else {
                    out.push_str(&counter.to_string());
                    *counter += 1;
                }
            }
            Node::Cycle { group, values } => {
                let key = match group {
                    Some(g) => self.expr(g).to_text(),
                    None => format!("{values:?}"),
                };
                let at = self.cycles.entry(key).or_insert(0);
                let pick = *at % values.len().max(1);
                *at += 1;
                if let Some(v) = values.get(pick) {
                    let v = self.expr(v);
                    v.print(out);
                }
            }
            Node::Partial {
                name,
                arguments,
                with,
                isolated,
                ..
            } => self.partial(name, arguments, with, *isolated, out),
        }
        Flow::Normal
    }

    /// `if`/`elsif`/`else` and `unless`: the first branch that holds.
    #[inline(never)]
    fn if_node(
        &mut self,
        unless: bool,
        branches: &[(Condition, Vec<Node>, crate::source::SourceLoc)],
        otherwise: &Option<Vec<Node>>,
        out: &mut String,
        marked: bool,
    ) -> Flow {
        for (i, (condition, body, _)) in branches.iter().enumerate() {
            match self.condition(condition) {
                Ok(holds) => {
                    let holds = if unless && i == 0 { !holds } else { holds };
                    if holds {
                        return self.nodes(body, out, marked);
                    }
                }
                Err(e) => {
                    self.liquid_error(out, &e);
                    return Flow::Normal;
                }
            }
        }
        if let Some(body) = otherwise {
            return self.nodes(body, out, marked);
        }
        Flow::Normal
    }

    /// `case`/`when`/`else`: every `when` that matches.
    #[inline(never)]
    fn case_node(
        &mut self,
        subject: &Expr,
        whens: &[(Vec<Expr>, Vec<Node>)],
        otherwise: &Option<Vec<Node>>,
        out: &mut String,
        marked: bool,
    ) -> Flow {
        let subject = self.expr(subject);
        let mut matched = false;
        for (values, body) in whens {
            if values.iter().any(|v| ruby_eq(&subject, &self.expr(v))) {
                matched = true;
                if let flow @ (Flow::Break | Flow::Continue) = self.nodes(body, out, marked) {
                    return flow;
                }
            }
        }
        if !matched && let Some(body) = otherwise {
            return self.nodes(body, out, marked);
        }
        Flow::Normal
    }

    fn for_loop(&mut self, each: &ForLoop, out: &mut String, marked: bool) -> Flow {
        let ForLoop {
            variable,
            collection,
            limit,
            offset,
            reversed,
            body,
            otherwise,
            ..
        } = each;
        let items = self.expr(collection).items();
        let from = match offset {
            Some(o) => match integer(&self.expr(o)) {
                Ok(n) => n.max(0) as usize,
                Err(e) => {
                    self.liquid_error(out, &e);
                    return Flow::Normal;
                }
            },
            None => 0,
        };
        let to = match limit {
            Some(l) => match integer(&self.expr(l)) {
                Ok(n) => Some(from.saturating_add(n.max(0) as usize)),
                Err(e) => {
                    self.liquid_error(out, &e);
                    return Flow::Normal;
                }
            },
            None => None,
        };
        let end = to.unwrap_or(items.len()).min(items.len());
        let mut items: Vec<Value> = items.get(from.min(end)..end).unwrap_or_default().to_vec();
        if *reversed {
            items.reverse();
        }
        if items.is_empty() {
            if let Some(body) = otherwise {
                return self.nodes(body, out, marked);
            }
            return Flow::Normal;
        }
        let length = items.len();
        let parent = self.lookup_name("forloop");
        self.scopes.push(HashMap::new());
        for (i, item) in items.into_iter().enumerate() {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                self.stopped = Some(Stop::TooLong);
                break;
            }
            let forloop = Value::Hash(Arc::new(vec![
                ("parentloop".into(), parent.clone()),
                ("length".into(), Value::Int(length as i64)),
                ("index".into(), Value::Int(i as i64 + 1)),
                ("index0".into(), Value::Int(i as i64)),
                ("rindex".into(), Value::Int((length - i) as i64)),
                ("rindex0".into(), Value::Int((length - i - 1) as i64)),
                ("first".into(), Value::Bool(i == 0)),
                ("last".into(), Value::Bool(i + 1 == length)),
            ]));
            if let Some(scope) = self.scopes.last_mut() {
                scope.insert(variable.to_string(), item);
                scope.insert("forloop".into(), forloop);
            }
            if let Flow::Break = self.nodes(body, out, marked) {
                break;
            }
        }
        self.scopes.pop();
        Flow::Normal
    }

    fn partial(
        &mut self,
        name: &str,
        arguments: &[(String, Expr)],
        with: &Option<(Expr, bool, Option<String>)>,
        isolated: bool,
        out: &mut String,
    ) {
        // A partial's outputs are not the template's tokens: it renders
        // unmarked, and the lowering counts what it reads.
        let marked = false;
        let Some(nodes) = self.partials.get(name).cloned() else {
            self.liquid_error(out, &format!("Could not find partial '{name}'"));
            return;
        };
        if self.depth >= MAX_PARTIAL_DEPTH {
            self.liquid_error(out, "Nesting too deep");
            return;
        }
        let mut scope = HashMap::new();
        for (k, v) in arguments {
            scope.insert(k.clone(), self.expr(v));
        }
        let with_value = with.as_ref().map(|(e, each, alias)| {
            (
                self.expr(e),
                *each,
                alias.clone().unwrap_or_else(|| name.to_string()),
            )
        });
        // `render` sees only its arguments; `include` sees the caller's
        // variables too, and its `assign`s stay after it.
        let saved = isolated.then(|| std::mem::take(&mut self.scopes));
        let now_isolated = self.isolated || isolated;
        let was_isolated = std::mem::replace(&mut self.isolated, now_isolated);
        self.scopes.push(scope);
        self.depth += 1;
        match with_value {
            Some((Value::Array(items), true, alias)) => {
                for item in items.iter() {
                    if let Some(scope) = self.scopes.last_mut() {
                        scope.insert(alias.clone(), item.clone());
                    }
                    self.nodes(&nodes, out, marked);
                }
            }
            Some((value, _, alias)) => {
                if let Some(scope) = self.scopes.last_mut() {
                    scope.insert(alias, value);
                }
                self.nodes(&nodes, out, marked);
            }
            None => {
                self.nodes(&nodes, out, marked);
            }
        }
        self.depth -= 1;
        self.isolated = was_isolated;
        match saved {
            Some(outer) => self.scopes = outer,
            None => {
                self.scopes.pop();
            }
        }
    }

    fn filtered(&mut self, f: &Filtered) -> Result<Value, String> {
        let value = self.expr(&f.expr);
        self.through_filters(value, f)
    }

    /// `value` through `f`'s filters.
    fn through_filters(&mut self, mut value: Value, f: &Filtered) -> Result<Value, String> {
        for filter in &f.filters {
            let args: Vec<Value> = filter.args.iter().map(|a| self.expr(a)).collect();
            let keywords: Vec<(String, Value)> = filter
                .keywords
                .iter()
                .map(|(k, e)| (k.clone(), self.expr(e)))
                .collect();
            value = self.flavor.apply(&filter.name, value, &args, &keywords)?;
        }
        Ok(value)
    }

    /// An error, printed where it happened as Liquid prints it; where the
    /// platform stops on errors instead (Customer.io), the send fails.
    fn liquid_error(&mut self, out: &mut String, message: &str) {
        if self.flavor.missing_fails() {
            self.stopped = Some(Stop::Error(message.to_string()));
            return;
        }
        out.push_str(crate::dialect::LIQUID_ERROR);
        out.push_str(message);
    }

    /// The marked text of a captured variable that `value` prints as it is
    /// (no filter, and no loop variable of the same name in the way).
    fn captured_text(&self, value: &Filtered) -> Option<String> {
        let Expr::Lookup { root, steps } = &value.expr else {
            return None;
        };
        let Step::Key(name) = root.as_ref() else {
            return None;
        };
        if !value.filters.is_empty() || !steps.is_empty() {
            return None;
        }
        let text = self.captured.get(name)?;
        (self.lookup_name(name) == Value::str(&markers::strip(text))).then(|| text.clone())
    }

    /// What an output prints: its expression through its filters; where
    /// the platform refuses a variable the person lacks (Customer.io), that
    /// refusal when the variable is nil and no `default` stands in.
    fn printed(&mut self, value: &Filtered) -> Result<Value, Printed> {
        let raw = self.expr(&value.expr);
        if self.flavor.missing_fails()
            && raw == Value::Nil
            && matches!(value.expr, Expr::Lookup { .. })
            && !value.filters.iter().any(|f| f.name == "default")
        {
            return Err(Printed::Lacking);
        }
        self.through_filters(raw, value).map_err(Printed::Error)
    }

    fn lookup_name(&self, name: &str) -> Value {
        match self.variable(name) {
            Ok(value) => value,
            Err(json) => json.map(Value::from_json).unwrap_or(Value::Nil),
        }
    }

    /// A variable the template set (`Ok`), or else where the profile's data
    /// holds it (`Err`), so that a lookup walks the data and converts only
    /// what it reaches. Customer.io's `customer` is the person: the
    /// profile itself.
    fn variable(&self, name: &str) -> Result<Value, Option<&'a Json>> {
        for scope in self.scopes.iter().rev() {
            if let Some(v) = scope.get(name) {
                return Ok(v.clone());
            }
        }
        if let Some(n) = self.counters.get(name) {
            return Ok(Value::Int(*n));
        }
        if self.isolated {
            return Err(None);
        }
        if self.flavor.person_scope() == Some(name) {
            return Err(Some(self.root));
        }
        Err(self.root.get(name))
    }

    pub(crate) fn expr(&mut self, expr: &Expr) -> Value {
        match expr {
            Expr::Literal(v) => v.clone(),
            Expr::Empty | Expr::Blank => Value::str(""),
            Expr::Range(a, b) => {
                let from = integer(&self.expr(a)).unwrap_or(0);
                let to = integer(&self.expr(b)).unwrap_or(0);
                Value::Range(from, to)
            }
            Expr::Lookup { root, steps } => {
                let name = match root.as_ref() {
                    Step::Key(name) => name.clone(),
                    Step::Index(e) => self.expr(e).to_text(),
                };
                let (mut value, steps) = match self.variable(&name) {
                    Ok(value) => (value, &steps[..]),
                    Err(json) => {
                        // Walk the data by its keys as far as they go.
                        let mut json = json;
                        let mut walked = 0;
                        for step in steps {
                            let next = match (json, step) {
                                (Some(Json::Object(map)), Step::Key(k)) if map.contains_key(k) => {
                                    map.get(k)
                                }
                                (Some(Json::Object(_)), Step::Key(k))
                                    if !matches!(k.as_str(), "size" | "first" | "last") =>
                                {
                                    None
                                }
                                _ => break,
                            };
                            json = next;
                            walked += 1;
                        }
                        let value = json.map(Value::from_json).unwrap_or(Value::Nil);
                        (value, &steps[walked..])
                    }
                };
                for step in steps {
                    value = match step {
                        Step::Key(k) => step_into(&value, &Value::str(k), true),
                        Step::Index(e) => {
                            let key = self.expr(e);
                            step_into(&value, &key, false)
                        }
                    };
                }
                value
            }
        }
    }

    fn condition(&mut self, c: &Condition) -> Result<bool, String> {
        let holds = match &c.compare {
            None => self.expr(&c.left).truthy(),
            Some((op, right)) => {
                let l = self.expr(&c.left);
                let r = self.expr(right);
                compare(&c.left, &l, *op, right, &r)?
            }
        };
        match &c.rest {
            Some((true, rest)) if holds => self.condition(rest),
            Some((false, rest)) if !holds => self.condition(rest),
            _ => Ok(holds),
        }
    }
}

fn integer(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        other => other
            .to_text()
            .trim()
            .parse()
            .map_err(|_| "invalid integer".to_string()),
    }
}

fn method_literal(expr: &Expr, other: &Value) -> Option<bool> {
    match expr {
        Expr::Empty => Some(other.empty().unwrap_or(false)),
        Expr::Blank => Some(other.blank()),
        _ => None,
    }
}

fn compare(
    left_expr: &Expr,
    l: &Value,
    op: Op,
    right_expr: &Expr,
    r: &Value,
) -> Result<bool, String> {
    let eq = || {
        method_literal(left_expr, r)
            .or_else(|| method_literal(right_expr, l))
            .unwrap_or_else(|| ruby_eq(l, r))
    };
    Ok(match op {
        Op::Eq => eq(),
        Op::Ne => !eq(),
        Op::Contains => match (l, r) {
            (Value::Nil, _) | (_, Value::Nil) => false,
            (Value::Str(s), other) => s.contains(other.to_text().as_str()),
            (Value::Array(items), other) => items.iter().any(|i| ruby_eq(i, other)),
            (Value::Hash(_), Value::Str(k)) => l.get(k).is_some(),
            _ => false,
        },
        Op::Lt | Op::Gt | Op::Le | Op::Ge => {
            let ordering = match (l, r) {
                (Value::Str(a), Value::Str(b)) => Some(a.as_bytes().cmp(b.as_bytes())),
                (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => l
                    .as_f64()
                    .and_then(|a| r.as_f64().and_then(|b| a.partial_cmp(&b))),
                // nil, true and false have no `<`: the comparison is nil.
                (Value::Nil | Value::Bool(_) | Value::Hash(_), _) | (_, Value::Hash(_)) => {
                    return Ok(false);
                }
                (a, b) => {
                    return Err(format!(
                        "comparison of {} with {} failed",
                        ruby_class(a),
                        ruby_inspect_for_error(b)
                    ));
                }
            };
            let Some(o) = ordering else { return Ok(false) };
            match op {
                Op::Lt => o.is_lt(),
                Op::Gt => o.is_gt(),
                Op::Le => o.is_le(),
                _ => o.is_ge(),
            }
        }
    })
}
