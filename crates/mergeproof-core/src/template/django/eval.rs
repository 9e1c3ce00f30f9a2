//! Rendering a Klaviyo template for one profile as Django 5.2 renders it
//! (checked byte for byte against Django, `tests/klaviyo/`), each output
//! between the span markers. A variable the profile lacks prints nothing
//! (Django's `string_if_invalid`); where Django raises an error, the
//! render stops and the message is not sent.

use serde_json::Value as Json;

use super::filters::{self, Val};
use super::syntax::{Condition, Filtered, Node, Op, Operand};
use super::value::{Py, escape};
use crate::markers;

/// Loop iterations in one render, all loops together.
const MAX_STEPS: usize = 1_000_000;

/// The variable that stands for the profile itself (`person.first_name`).
pub(super) const PERSON: &str = "person";

pub(super) struct Render<'a> {
    root: &'a Json,
    /// `{% for %}` and `{% with %}` names, innermost last.
    scopes: Vec<Vec<(String, Py)>>,
    /// An HTML body: printed values are escaped.
    html: bool,
    steps: usize,
    pub stopped: Option<String>,
}

/// A lookup that found nothing.
struct Missing;

impl<'a> Render<'a> {
    pub(super) fn new(root: &'a Json, html: bool) -> Self {
        Render {
            root,
            scopes: Vec::new(),
            html,
            steps: 0,
            stopped: None,
        }
    }

    fn stop(&mut self, why: String) {
        if self.stopped.is_none() {
            self.stopped = Some(why);
        }
    }

    pub(super) fn nodes(&mut self, nodes: &[Node], out: &mut String) {
        for node in nodes {
            if self.stopped.is_some() {
                return;
            }
            if out.len() > crate::limits::MAX_CELL_BYTES {
                self.stop("too large".into());
                return;
            }
            self.node(node, out);
        }
    }

    fn node(&mut self, node: &Node, out: &mut String) {
        match node {
            Node::Text(t) => out.push_str(t),
            Node::Comment { .. } => {}
            Node::Platform(tag) => out.push_str(tag.prints),
            Node::Output {
                filtered, index, ..
            } => {
                out.push_str(&markers::open_marker(*index));
                match self.filtered(filtered, Py::Str(String::new())) {
                    Ok(value) => self.print(&value, out),
                    Err(e) => self.stop(e),
                }
                out.push(markers::CLOSE);
            }
            Node::If {
                branches,
                otherwise,
            } => {
                let taken = branches
                    .iter()
                    .find(|(c, _, _)| self.holds(c))
                    .map(|(_, body, _)| body)
                    .or(otherwise.as_ref());
                if let Some(body) = taken {
                    self.nodes(body, out);
                }
            }
            Node::For {
                names,
                list,
                reversed,
                body,
                empty,
                ..
            } => self.for_loop(names, list, *reversed, body, empty.as_deref(), out),
            Node::With { bindings, body } => {
                let mut scope = Vec::new();
                for (name, value) in bindings {
                    match self.filtered(value, Py::Str(String::new())) {
                        Ok(v) => scope.push((name.clone(), v.py)),
                        Err(e) => return self.stop(e),
                    }
                }
                self.scopes.push(scope);
                self.nodes(body, out);
                self.scopes.pop();
            }
        }
    }

    fn print(&self, value: &Val, out: &mut String) {
        let text = value.py.printed();
        if self.html && !value.safe {
            escape(&text, out);
        } else {
            out.push_str(&text);
        }
    }

    fn for_loop(
        &mut self,
        names: &[String],
        list: &Filtered,
        reversed: bool,
        body: &[Node],
        empty: Option<&[Node]>,
        out: &mut String,
    ) {
        let items = match self.filtered(list, Py::None) {
            Ok(v) => match v.py {
                Py::None => Vec::new(),
                Py::List(items) => items,
                Py::Str(s) => s.chars().map(|c| Py::Str(c.to_string())).collect(),
                Py::Dict(map) => map.into_iter().map(|(k, _)| Py::Str(k)).collect(),
                other => {
                    return self.stop(format!("{} cannot be looped over", other.repr()));
                }
            },
            Err(e) => return self.stop(e),
        };
        if items.is_empty() {
            if let Some(empty) = empty {
                self.nodes(empty, out);
            }
            return;
        }
        let parent = self.lookup(&["forloop".to_string()]).ok();
        let count = items.len();
        let ordered: Box<dyn Iterator<Item = Py>> = if reversed {
            Box::new(items.into_iter().rev())
        } else {
            Box::new(items.into_iter())
        };
        for (i, item) in ordered.enumerate() {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return self.stop(format!("loops ran past {MAX_STEPS} steps"));
            }
            let mut scope = vec![(
                "forloop".to_string(),
                Py::Dict(vec![
                    ("counter".into(), Py::Int(i as i128 + 1)),
                    ("counter0".into(), Py::Int(i as i128)),
                    ("revcounter".into(), Py::Int((count - i) as i128)),
                    ("revcounter0".into(), Py::Int((count - i - 1) as i128)),
                    ("first".into(), Py::Bool(i == 0)),
                    ("last".into(), Py::Bool(i + 1 == count)),
                    (
                        "parentloop".into(),
                        parent.clone().unwrap_or(Py::Dict(Vec::new())),
                    ),
                ]),
            )];
            if let [name] = names {
                scope.push((name.clone(), item));
            } else {
                let parts = match item {
                    Py::List(parts) => parts,
                    Py::Str(s) => s.chars().map(|c| Py::Str(c.to_string())).collect(),
                    _ => Vec::new(),
                };
                if parts.len() != names.len() {
                    return self.stop(format!(
                        "Need {} values to unpack in for loop; got {}.",
                        names.len(),
                        parts.len()
                    ));
                }
                scope.extend(names.iter().cloned().zip(parts));
            }
            self.scopes.push(scope);
            self.nodes(body, out);
            self.scopes.pop();
            if self.stopped.is_some() {
                return;
            }
        }
    }

    /// A dotted lookup: names bound by tags first, then `person`, Django's
    /// `True`/`False`/`None`, then the profile.
    fn lookup(&self, names: &[String]) -> Result<Py, Missing> {
        let (first, rest) = names.split_first().ok_or(Missing)?;
        if let Some(value) = self
            .scopes
            .iter()
            .rev()
            .flat_map(|s| s.iter().rev())
            .find(|(n, _)| n == first)
            .map(|(_, v)| v)
        {
            return rest
                .iter()
                .try_fold(value.clone(), |v, step| step_py(&v, step));
        }
        let root_value = match (first.as_str(), self.root.get(first)) {
            (_, Some(v)) => v,
            (PERSON, None) => self.root,
            ("True", None) => return Ok(Py::Bool(true)),
            ("False", None) => return Ok(Py::Bool(false)),
            ("None", None) => return Ok(Py::None),
            _ => return Err(Missing),
        };
        let mut json = root_value;
        for (i, step) in rest.iter().enumerate() {
            match step_json(json, step) {
                Some(next) => json = next,
                // A dict's method or a text's: the value is read whole.
                // A key the profile lacks is missing, without reading it.
                None if json.is_string()
                    || (json.is_object()
                        && matches!(step.as_str(), "items" | "keys" | "values")) =>
                {
                    let value = Py::of(json);
                    return rest[i..].iter().try_fold(value, |v, s| step_py(&v, s));
                }
                None => return Err(Missing),
            }
        }
        Ok(Py::of(json))
    }

    fn operand(&self, operand: &Operand) -> Result<Val, Missing> {
        match operand {
            Operand::Literal(py) => Ok(Val {
                py: py.clone(),
                safe: matches!(py, Py::Str(_)),
            }),
            Operand::Lookup(names) => self.lookup(names).map(Val::plain),
        }
    }

    /// A filtered expression's value; `missing` stands for a variable the
    /// profile lacks (`""` where Django prints, `None` in a condition).
    fn filtered(&self, f: &Filtered, missing: Py) -> Result<Val, String> {
        let mut value = self
            .operand(&f.operand)
            .unwrap_or_else(|Missing| Val::plain(missing));
        for filter in &f.filters {
            let arg = match &filter.arg {
                Some(a) => Some(self.operand(a).map_err(|Missing| {
                    format!(
                        "the argument of `{}` is a variable the profile lacks",
                        filter.name
                    )
                })?),
                None => None,
            };
            value = filters::apply(&filter.name, value, arg, self.html)?;
        }
        Ok(value)
    }

    /// Whether a condition holds; an error inside it makes it false, as
    /// Django's `{% if %}` takes it.
    fn holds(&self, c: &Condition) -> bool {
        match c {
            Condition::Value(f) => self.filtered(f, Py::None).is_ok_and(|v| v.py.truthy()),
            Condition::Not(inner) => !self.holds(inner),
            Condition::And(a, b) => self.holds(a) && self.holds(b),
            Condition::Or(a, b) => self.holds(a) || self.holds(b),
            Condition::Compare(op, a, b) => {
                let (Ok(a), Ok(b)) = (self.filtered(a, Py::None), self.filtered(b, Py::None))
                else {
                    return false;
                };
                let (a, b) = (&a.py, &b.py);
                use std::cmp::Ordering::*;
                match op {
                    Op::Eq => a.equals(b),
                    Op::Ne => !a.equals(b),
                    Op::Lt => a.compare(b) == Some(Less),
                    Op::Gt => a.compare(b) == Some(Greater),
                    Op::Le => matches!(a.compare(b), Some(Less | Equal)),
                    Op::Ge => matches!(a.compare(b), Some(Greater | Equal)),
                    Op::In => b.contains(a) == Some(true),
                    Op::NotIn => b.contains(a) == Some(false),
                    Op::Is => identical(a, b),
                    Op::IsNot => !identical(a, b),
                }
            }
        }
    }
}

/// Python's `is` between values read from data: `None`, `True` and
/// `False` are themselves; nothing else read twice is the same object.
fn identical(a: &Py, b: &Py) -> bool {
    matches!(
        (a, b),
        (Py::None, Py::None)
            | (Py::Bool(true), Py::Bool(true))
            | (Py::Bool(false), Py::Bool(false))
    )
}

/// One step into JSON: a key, or a list's index.
fn step_json<'j>(json: &'j Json, step: &str) -> Option<&'j Json> {
    match json {
        Json::Object(map) => map.get(step),
        Json::Array(items) => step.parse::<usize>().ok().and_then(|i| items.get(i)),
        _ => None,
    }
}

/// One step into a value, as Django's `Variable._resolve_lookup` takes
/// it: a key, an attribute (a dict's `items`, `keys`, `values`; a text's
/// `upper`, `lower`), a list's index.
fn step_py(value: &Py, step: &str) -> Result<Py, Missing> {
    match value {
        Py::Dict(map) => {
            if let Some((_, v)) = map.iter().find(|(k, _)| k == step) {
                return Ok(v.clone());
            }
            match step {
                "items" => Ok(Py::List(
                    map.iter()
                        .map(|(k, v)| Py::List(vec![Py::Str(k.clone()), v.clone()]))
                        .collect(),
                )),
                "keys" => Ok(Py::List(
                    map.iter().map(|(k, _)| Py::Str(k.clone())).collect(),
                )),
                "values" => Ok(Py::List(map.iter().map(|(_, v)| v.clone()).collect())),
                _ => Err(Missing),
            }
        }
        Py::List(items) => step
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get(i).cloned())
            .ok_or(Missing),
        Py::Str(s) => match step {
            "upper" => Ok(Py::Str(s.to_uppercase())),
            "lower" => Ok(Py::Str(s.to_lowercase())),
            _ => step
                .parse::<usize>()
                .ok()
                .and_then(|i| s.chars().nth(i))
                .map(|c| Py::Str(c.to_string()))
                .ok_or(Missing),
        },
        _ => Err(Missing),
    }
}
