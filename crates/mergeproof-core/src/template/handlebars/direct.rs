//! Direct evaluation of the marked templates: the compiled `Template`s of a
//! registry turned, once per campaign, into plans that mergeproof walks
//! itself, writing to the same [`Output`] as the crate's render.
//!
//! The crate's render builds, for every output of every customer, a
//! `Helper` with its parameters' paths copied as strings, and resolves each
//! path by copying the block's base path and the path's steps into a new
//! list: that work, not what an email prints, is most of a render. A plan
//! resolves a path by walking the data from the block's value, and calls
//! the helpers that only compute a value ([`HelperKind`]) as functions.
//!
//! It covers what emails are mostly made of: template text, values,
//! `{{{triple}}}` values, helpers that compute a value (the dialect's and
//! the crate's comparisons, as subexpressions too), `if`, `unless`, `each`
//! (block parameters, `@index`, `@first`, `@last`, `@key`, `../`,
//! `@root`), `with`, the comparisons as blocks, and partials called without
//! arguments, indented as the crate indents them ([`Lines`]). A template
//! that holds anything else (`lookup`, sections, declared helpers, hash
//! arguments, inline partials, partial blocks, a partial called with a
//! context) has no plan and is rendered by the crate. So is a body whose
//! render stops: a plan that meets what it does not follow at render time
//! (past the partial depth, a loop over a computed list, the cell's budget)
//! gives up, and the crate renders it again from the start, failing as it
//! fails. Both print the same bytes and follow the same template text: the
//! unit tests below render generated templates both ways, and the
//! Handlebars.js differential cases (`tests/differential.rs`) run through
//! plans.

use std::borrow::Cow;

use ::handlebars::template::{
    BlockParam, DecoratorTemplate, HelperTemplate, Parameter, Template, TemplateElement,
};
use ::handlebars::{
    EscapeKind, Handlebars, HelperKind, JsonRender, JsonTruthy, Output, PathPart, Walked,
};
use serde_json::Value;

/// The plans of one registry's templates, by name.
#[derive(Default)]
pub(super) struct Plans {
    /// Hashed with foldhash: every render of every customer looks its
    /// template up here.
    by_name: foldhash::HashMap<String, usize>,
    /// `None` for a template that has no plan.
    plans: Vec<Option<Box<[Node]>>>,
}

/// A step of a plan.
enum Node {
    /// Template text (never empty: the crate writes nothing for empty text).
    Text(Box<str>),
    /// A value, HTML-escaped by the registry's escape or not (`{{{…}}}`).
    Print { value: Arg, escape: bool },
    /// What the crate's comparison helpers print when called as a value:
    /// `true` or `false`, which they write straight to the output, neither
    /// escaped nor indented, and which the crate's line state does not see
    /// (`helpers/helper_extras.rs`).
    PrintTest(Call),
    /// `if`/`unless`, or a comparison as a block.
    Branch {
        standalone: bool,
        test: Arg,
        positive: bool,
        then: Option<Box<[Node]>>,
        otherwise: Option<Box<[Node]>>,
    },
    Each {
        standalone: bool,
        list: PathRef,
        item_param: Option<Box<str>>,
        key_param: Option<Box<str>>,
        body: Option<Box<[Node]>>,
        otherwise: Option<Box<[Node]>>,
    },
    /// `with`: the body in the value's block, or the `{{else}}`.
    With {
        standalone: bool,
        value: Arg,
        item_param: Option<Box<str>>,
        body: Option<Box<[Node]>>,
        otherwise: Option<Box<[Node]>>,
    },
    /// A partial called without arguments, by its plan's index, and the
    /// white space before it on its line, which its lines are indented by.
    Partial {
        index: usize,
        indent: Option<Box<str>>,
        standalone: bool,
    },
}

enum Arg {
    Path(PathRef),
    Literal(Value),
    Call(Call),
}

struct Call {
    helper: Computes,
    args: Box<[Arg]>,
}

#[derive(Clone, Copy)]
enum Computes {
    Value(fn(&[&Value]) -> Value),
    Binary(fn(&Value, &Value) -> bool),
    Unary(fn(&Value) -> bool),
    Truthy { all: bool },
}

impl Computes {
    /// The value the helper computes of `values` (as many as the plan
    /// checked it takes).
    fn compute(self, values: &[&Value]) -> Value {
        match self {
            Computes::Value(f) => f(values),
            Computes::Binary(f) => Value::Bool(f(values[0], values[1])),
            Computes::Unary(f) => Value::Bool(f(values[0])),
            Computes::Truthy { all: true } => {
                Value::Bool(values.iter().all(|v| v.is_truthy(false)))
            }
            Computes::Truthy { all: false } => {
                Value::Bool(values.iter().any(|v| v.is_truthy(false)))
            }
        }
    }

    /// Whether it is one of the crate's comparisons, which answer `true`
    /// or `false`.
    fn tests(self) -> bool {
        !matches!(self, Computes::Value(_))
    }
}

enum PathRef {
    /// `@index`, `../@first`: a block's local variable.
    Local { level: usize, name: Box<str> },
    Relative {
        /// `../` steps before the first name.
        up: usize,
        root: bool,
        /// Whether the first name may be a block parameter.
        head_may_be_param: bool,
        names: Box<[Box<str>]>,
    },
}

/// The template holds something a plan does not follow.
struct Unplanned;

impl Plans {
    /// Plans for every template of `registry` that a plan can follow.
    pub(super) fn of(registry: &Handlebars<'static>) -> Plans {
        let mut plans = Plans::default();
        // The crate calls a missing value's `helperMissing` hook.
        if registry.helper_kind("helperMissing").is_some() {
            return plans;
        }
        for name in registry.get_templates().keys() {
            plans.plan(registry, name);
        }
        plans
    }

    /// The plan of the template registered as `name`.
    fn plan(&mut self, registry: &Handlebars<'static>, name: &str) -> Option<usize> {
        if let Some(&index) = self.by_name.get(name) {
            return Some(index);
        }
        let template = registry.get_template(name)?;
        // Named before its steps are planned, so that a partial that
        // includes itself finds its own index.
        let index = self.plans.len();
        self.plans.push(None);
        self.by_name.insert(name.to_string(), index);
        self.plans[index] = Planner {
            registry,
            plans: self,
        }
        .template(template)
        .ok();
        Some(index)
    }

    /// The plan of the template named `key`, if it has one.
    pub(super) fn get(&self, key: &str) -> Option<usize> {
        let index = *self.by_name.get(key)?;
        self.plans[index].is_some().then_some(index)
    }

    /// Renders plan `index` for `data` into `out`. `Err` when the plan
    /// gave up: what it wrote is to be thrown away and the template
    /// rendered by the crate.
    pub(super) fn render(
        &self,
        index: usize,
        data: &Value,
        registry: &Handlebars<'static>,
        out: &mut impl Output,
    ) -> Result<(), GaveUp> {
        // What an output prints is made in one buffer kept by the thread
        // from one render to the next (a customer's every output passes
        // through it).
        thread_local! {
            static PRINTED: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
        }
        let mut walk = Walk {
            plans: self,
            escape: match registry.escape_kind() {
                EscapeKind::Html => Escape::Html,
                EscapeKind::Nothing => Escape::Nothing,
                EscapeKind::Other => Escape::By(registry.get_escape_fn()),
            },
            printed: PRINTED.take(),
            root: data,
            scopes: Vec::with_capacity(8),
            partial_depth: 0,
            lines: Lines::default(),
        };
        let nodes = self
            .plans
            .get(index)
            .and_then(Option::as_ref)
            .ok_or(GaveUp)?;
        walk.scopes.push(Scope::of(data));
        let result = walk.nodes(nodes, out);
        // A long value's buffer is let go rather than kept.
        if walk.printed.capacity() <= 1 << 12 {
            PRINTED.set(walk.printed);
        }
        result
    }

    #[cfg(test)]
    fn planned(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
}

struct Planner<'p> {
    registry: &'p Handlebars<'static>,
    plans: &'p mut Plans,
}

impl Planner<'_> {
    fn template(&mut self, template: &Template) -> Result<Box<[Node]>, Unplanned> {
        let mut nodes = Vec::with_capacity(template.elements.len());
        for element in &template.elements {
            match element {
                TemplateElement::RawString(text) => {
                    if !text.is_empty() {
                        nodes.push(Node::Text(text.as_str().into()));
                    }
                }
                TemplateElement::Comment(_) => {}
                TemplateElement::Expression(ht) => nodes.push(self.print(ht, true)?),
                TemplateElement::HtmlExpression(ht) => nodes.push(self.print(ht, false)?),
                TemplateElement::HelperBlock(ht) => nodes.push(self.block(ht)?),
                TemplateElement::PartialExpression(dt) => nodes.push(self.partial(dt)?),
                TemplateElement::DecoratorExpression(_)
                | TemplateElement::DecoratorBlock(_)
                | TemplateElement::PartialBlock(_) => return Err(Unplanned),
                _ => return Err(Unplanned),
            }
        }
        Ok(nodes.into_boxed_slice())
    }

    fn branch(&mut self, template: Option<&Template>) -> Result<Option<Box<[Node]>>, Unplanned> {
        template.map(|t| self.template(t)).transpose()
    }

    /// `{{name}}`, `{{helper args}}`, and their `{{{…}}}` forms.
    fn print(&mut self, ht: &HelperTemplate, escape: bool) -> Result<Node, Unplanned> {
        if ht.block {
            return Err(Unplanned);
        }
        let name = helper_name(&ht.name)?;
        let value = match self.registry.helper_kind(name) {
            Some(kind) => Arg::Call(self.call(kind, ht)?),
            None if ht.params.is_empty() && ht.hash.is_empty() => match &ht.name {
                Parameter::Path(path) => Arg::Path(path_ref(path)?),
                _ => return Err(Unplanned),
            },
            // The crate calls `helperMissing` (checked absent) or fails.
            None => return Err(Unplanned),
        };
        Ok(match value {
            Arg::Call(call) if call.helper.tests() => Node::PrintTest(call),
            value => Node::Print { value, escape },
        })
    }

    /// A call of a helper that computes a value, with its arguments.
    fn call(&mut self, kind: HelperKind, ht: &HelperTemplate) -> Result<Call, Unplanned> {
        if !ht.hash.is_empty() || ht.block_param.is_some() {
            return Err(Unplanned);
        }
        let helper = match kind {
            HelperKind::Value(f) => Computes::Value(f),
            // Fewer than two arguments is an error in the crate.
            HelperKind::Binary(f) if ht.params.len() >= 2 => Computes::Binary(f),
            HelperKind::Unary(f) if !ht.params.is_empty() => Computes::Unary(f),
            HelperKind::Truthy { all } => Computes::Truthy { all },
            _ => return Err(Unplanned),
        };
        let args = ht
            .params
            .iter()
            .map(|p| self.arg(p))
            .collect::<Result<_, _>>()?;
        Ok(Call { helper, args })
    }

    fn arg(&mut self, param: &Parameter) -> Result<Arg, Unplanned> {
        match param {
            Parameter::Path(path) => Ok(Arg::Path(path_ref(path)?)),
            Parameter::Literal(value) => Ok(Arg::Literal(value.clone())),
            Parameter::Subexpression(sub) => match sub.element.as_ref() {
                TemplateElement::Expression(ht) => {
                    let name = helper_name(&ht.name)?;
                    let kind = self.registry.helper_kind(name).ok_or(Unplanned)?;
                    Ok(Arg::Call(self.call(kind, ht)?))
                }
                _ => Err(Unplanned),
            },
            _ => Err(Unplanned),
        }
    }

    /// `{{#if}}`, `{{#unless}}`, `{{#each}}`, a comparison as a block.
    fn block(&mut self, ht: &HelperTemplate) -> Result<Node, Unplanned> {
        let name = helper_name(&ht.name)?;
        let kind = self.registry.helper_kind(name).ok_or(Unplanned)?;
        let then = self.branch(ht.template.as_ref())?;
        let otherwise = self.branch(ht.inverse.as_ref())?;
        let standalone = ht.indent_before_write();
        match kind {
            HelperKind::If { positive } => {
                if ht.params.is_empty() || !ht.hash.is_empty() || ht.block_param.is_some() {
                    return Err(Unplanned);
                }
                Ok(Node::Branch {
                    standalone,
                    test: self.arg(&ht.params[0])?,
                    positive,
                    then,
                    otherwise,
                })
            }
            HelperKind::Binary(_) | HelperKind::Unary(_) | HelperKind::Truthy { .. } => {
                Ok(Node::Branch {
                    standalone,
                    test: Arg::Call(self.call(kind, ht)?),
                    positive: true,
                    then,
                    otherwise,
                })
            }
            HelperKind::Each => {
                let [Parameter::Path(path)] = ht.params.as_slice() else {
                    return Err(Unplanned);
                };
                if !ht.hash.is_empty() {
                    return Err(Unplanned);
                }
                let param_name = |p: &Parameter| match p {
                    Parameter::Name(n) => Ok(Box::<str>::from(n.as_str())),
                    _ => Err(Unplanned),
                };
                let (item_param, key_param) = match &ht.block_param {
                    None => (None, None),
                    Some(BlockParam::Single(item)) => (Some(param_name(item)?), None),
                    Some(BlockParam::Pair((item, key))) => {
                        (Some(param_name(item)?), Some(param_name(key)?))
                    }
                    Some(_) => return Err(Unplanned),
                };
                Ok(Node::Each {
                    standalone,
                    list: path_ref(path)?,
                    item_param,
                    key_param,
                    body: then,
                    otherwise,
                })
            }
            HelperKind::With => {
                let [param] = ht.params.as_slice() else {
                    return Err(Unplanned);
                };
                let item_param = match &ht.block_param {
                    None => None,
                    Some(BlockParam::Single(Parameter::Name(n))) => Some(n.as_str().into()),
                    Some(_) => return Err(Unplanned),
                };
                if !ht.hash.is_empty() {
                    return Err(Unplanned);
                }
                Ok(Node::With {
                    standalone,
                    value: self.arg(param)?,
                    item_param,
                    body: then,
                    otherwise,
                })
            }
            _ => Err(Unplanned),
        }
    }

    /// `{{> name}}` without a context or hash.
    fn partial(&mut self, dt: &DecoratorTemplate) -> Result<Node, Unplanned> {
        let name = helper_name(&dt.name)?;
        if !dt.params.is_empty() || !dt.hash.is_empty() || dt.template.is_some() {
            return Err(Unplanned);
        }
        let index = self.plans.plan(self.registry, name).ok_or(Unplanned)?;
        Ok(Node::Partial {
            index,
            indent: dt.indent.as_deref().map(Box::from),
            standalone: dt.indent_before_write(),
        })
    }
}

fn helper_name(name: &Parameter) -> Result<&str, Unplanned> {
    match name {
        Parameter::Name(n) => Ok(n),
        Parameter::Path(p) => Ok(p.raw()),
        _ => Err(Unplanned),
    }
}

fn path_ref(path: &::handlebars::Path) -> Result<PathRef, Unplanned> {
    if let Some((level, name)) = path.local_variable() {
        return Ok(PathRef::Local {
            level,
            name: name.into(),
        });
    }
    let parts = path.relative_parts().ok_or(Unplanned)?;
    let (mut up, mut root, mut names, mut head_may_be_param) = (0, false, Vec::new(), false);
    for part in parts {
        match part {
            // As the crate reads a path: `../` and `@root` count before
            // the first name, and only names are followed after it.
            PathPart::Name(name) => {
                head_may_be_param |= names.is_empty() && !root;
                names.push(name.into());
            }
            PathPart::Up if names.is_empty() && !root => up += 1,
            PathPart::Root if names.is_empty() && up == 0 => root = true,
            PathPart::Up | PathPart::Root => {}
            PathPart::Other => return Err(Unplanned),
        }
    }
    Ok(PathRef::Relative {
        up,
        root,
        head_may_be_param,
        names: names.into_boxed_slice(),
    })
}

/// The plan gave up; the crate renders the template instead.
#[derive(Debug)]
pub(super) struct GaveUp;

impl From<std::io::Error> for GaveUp {
    fn from(_: std::io::Error) -> GaveUp {
        GaveUp
    }
}

/// A block of the render, as the crate's block context: the value paths
/// are read from, its local variables and its block parameters.
#[derive(Clone)]
struct Scope<'d, 'p> {
    base: &'d Value,
    first: Option<bool>,
    last: Option<bool>,
    index: Option<usize>,
    key: Option<&'d str>,
    item_param: Option<&'p str>,
    key_param: Option<&'p str>,
    /// A partial's block: block parameters of the blocks outside are not
    /// seen through it.
    partial: bool,
}

impl<'d> Scope<'d, '_> {
    fn of(base: &'d Value) -> Self {
        Scope {
            base,
            first: None,
            last: None,
            index: None,
            key: None,
            item_param: None,
            key_param: None,
            partial: false,
        }
    }

    fn local(&self, name: &str) -> Option<Value> {
        match name {
            "first" => self.first.map(Value::Bool),
            "last" => self.last.map(Value::Bool),
            "index" => self.index.map(Value::from),
            "key" => self.key.map(Value::from),
            _ => None,
        }
    }

    /// The value of the key block parameter (`as |item key|`): the index
    /// of a list's item, the key of an object's.
    fn key_value(&self) -> Value {
        match self.key {
            Some(key) => Value::from(key),
            None => Value::from(self.index.unwrap_or(0)),
        }
    }
}

/// What a path or argument reads.
enum Read<'d> {
    Found(&'d Value),
    Computed(Value),
    Missing,
}

impl Read<'_> {
    fn owned(self) -> Read<'static> {
        match self {
            Read::Found(v) => Read::Computed(v.clone()),
            Read::Computed(v) => Read::Computed(v),
            Read::Missing => Read::Missing,
        }
    }

    fn value(&self) -> &Value {
        const NULL: &Value = &Value::Null;
        match self {
            Read::Found(v) => v,
            Read::Computed(v) => v,
            Read::Missing => NULL,
        }
    }
}

/// How a registry escapes what `{{…}}` prints.
enum Escape<'e> {
    /// As the crate's `html_escape` ([`escape_html_into`]).
    Html,
    /// Not at all (`no_escape`).
    Nothing,
    By(&'e dyn Fn(&str) -> String),
}

struct Walk<'d, 'p, 'e> {
    plans: &'p Plans,
    escape: Escape<'e>,
    /// What an output prints, kept from one output to the next.
    printed: String,
    root: &'d Value,
    /// Innermost last.
    scopes: Vec<Scope<'d, 'p>>,
    partial_depth: usize,
    lines: Lines<'p>,
}

/// Where the render stands in its lines, as the crate's `RenderContext`
/// keeps it (`indent_aware` in its `render.rs`): inside a partial called
/// after white space on its line, every line it writes starts with that
/// white space (Handlebars.js's partial indentation), and whether the next
/// line is to be indented depends on what was written before.
#[derive(Default)]
struct Lines<'p> {
    /// The white space the lines being written start with: the partials'
    /// around, outermost first.
    indent: Option<Cow<'p, str>>,
    indent_before_write: bool,
    trailing_newline: bool,
    content_produced: bool,
}

/// What a block or partial restores when it writes nothing.
struct Before {
    indent_before_write: bool,
    content_produced: bool,
}

impl<'p> Lines<'p> {
    /// Writes `text` as the crate's `indent_aware` does: `template` for the
    /// template's own text, written whole where no partial indents it.
    fn write(&mut self, text: &str, template: bool, out: &mut impl Output) -> Result<(), GaveUp> {
        if text.is_empty() {
            return Ok(());
        }
        self.content_produced = true;
        // '\n' and '\r' are ASCII: a byte equal to one is that character.
        let is_newline = |byte: Option<&u8>| matches!(byte, Some(b'\n' | b'\r'));
        match &self.indent {
            Some(indent) => {
                if self.indent_before_write && !is_newline(text.as_bytes().first()) {
                    out.write(indent)?;
                }
                ::handlebars::write_indented(text, indent, out)?;
            }
            None if template => out.write_template(text)?,
            None => out.write(text)?,
        }
        self.trailing_newline = is_newline(text.as_bytes().last());
        self.indent_before_write = self.trailing_newline;
        Ok(())
    }

    fn before(&self) -> Before {
        Before {
            indent_before_write: self.indent_before_write,
            content_produced: self.content_produced,
        }
    }

    /// Before a block helper: one that stands on its own line indents what
    /// it writes first if the line before ended.
    fn enter_block(&mut self, standalone: bool) -> Before {
        let before = self.before();
        self.content_produced = false;
        self.indent_before_write |= standalone && self.trailing_newline;
        before
    }

    /// Before a partial called with `indent` before it on its line: what
    /// [`Lines::leave_partial`] restores.
    fn enter_partial(
        &mut self,
        standalone: bool,
        indent: Option<&'p str>,
    ) -> (Before, Option<Cow<'p, str>>) {
        let before = self.before();
        self.indent_before_write = standalone && (self.trailing_newline || indent.is_some());
        self.content_produced = false;
        let inner = match (&self.indent, indent) {
            (None, None) => None,
            (Some(outer), None) => Some(outer.clone()),
            (None, Some(own)) => Some(Cow::Borrowed(own)),
            (Some(outer), Some(own)) => Some(Cow::Owned(format!("{outer}{own}"))),
        };
        (before, std::mem::replace(&mut self.indent, inner))
    }

    /// After a partial: the indent of the lines around it again.
    fn leave_partial(&mut self, (before, outer_indent): (Before, Option<Cow<'p, str>>)) {
        self.indent = outer_indent;
        self.leave(before);
    }

    /// After a block or partial: as it left the lines if it wrote
    /// anything, else as they were.
    fn leave(&mut self, before: Before) {
        if self.content_produced {
            self.indent_before_write = self.trailing_newline;
        } else {
            self.content_produced = before.content_produced;
            self.indent_before_write = before.indent_before_write;
        }
    }
}

impl<'d, 'p> Walk<'d, 'p, '_> {
    fn nodes(&mut self, nodes: &'p [Node], out: &mut impl Output) -> Result<(), GaveUp> {
        for node in nodes {
            self.node(node, out)?;
        }
        Ok(())
    }

    fn branch(&mut self, nodes: Option<&'p [Node]>, out: &mut impl Output) -> Result<(), GaveUp> {
        match nodes {
            Some(nodes) => self.nodes(nodes, out),
            None => Ok(()),
        }
    }

    fn node(&mut self, node: &'p Node, out: &mut impl Output) -> Result<(), GaveUp> {
        match node {
            Node::Text(text) => self.lines.write(text, true, out)?,
            Node::Print { value, escape } => {
                let read = self.arg(value)?;
                if matches!(read, Read::Missing) {
                    return Ok(());
                }
                self.printed.clear();
                let escapes_by_hand = *escape && matches!(self.escape, Escape::By(_));
                if let (Value::Number(n), false) = (read.value(), escapes_by_hand)
                    && let Some(whole) = js_safe_integer(n)
                {
                    // Digits and a sign, which no escaping changes: written
                    // into the buffer, not made into a string first.
                    use std::fmt::Write;
                    let _ = write!(self.printed, "{whole}");
                } else {
                    let text = match read.value() {
                        Value::String(text) => Cow::Borrowed(text.as_str()),
                        other => Cow::Owned(other.render()),
                    };
                    match (&self.escape, *escape) {
                        (Escape::Html, true) => escape_html_into(&mut self.printed, &text),
                        (Escape::By(f), true) => self.printed.push_str(&f(&text)),
                        (Escape::Nothing, _) | (_, false) => self.printed.push_str(&text),
                    }
                }
                self.lines.write(&self.printed, false, out)?;
            }
            Node::PrintTest(call) => {
                // As the crate: `as_bool().unwrap_or(false)`.
                let holds = matches!(self.call(call)?.value(), Value::Bool(true));
                out.write(if holds { "true" } else { "false" })?;
            }
            Node::Branch {
                standalone,
                test,
                positive,
                then,
                otherwise,
            } => {
                let holds = self.arg(test)?.value().is_truthy(false) == *positive;
                let taken = if holds { then } else { otherwise };
                let before = self.lines.enter_block(*standalone);
                self.branch(taken.as_deref(), out)?;
                self.lines.leave(before);
            }
            Node::Each {
                standalone,
                list,
                item_param,
                key_param,
                body,
                otherwise,
            } => {
                let before = self.lines.enter_block(*standalone);
                self.each(
                    list,
                    item_param.as_deref(),
                    key_param.as_deref(),
                    body.as_deref(),
                    otherwise.as_deref(),
                    out,
                )?;
                self.lines.leave(before);
            }
            Node::With {
                standalone,
                value,
                item_param,
                body,
                otherwise,
            } => {
                let read = self.arg(value)?;
                let before = self.lines.enter_block(*standalone);
                self.with(
                    read,
                    item_param.as_deref(),
                    body.as_deref(),
                    otherwise.as_deref(),
                    out,
                )?;
                self.lines.leave(before);
            }
            Node::Partial {
                index,
                indent,
                standalone,
            } => {
                if self.partial_depth >= ::handlebars::MAX_PARTIAL_DEPTH {
                    return Err(GaveUp);
                }
                let nodes = self.plans.plans[*index].as_deref().ok_or(GaveUp)?;
                let before = self.lines.enter_partial(*standalone, indent.as_deref());
                let outer = self.scopes.last().ok_or(GaveUp)?;
                let scope = Scope {
                    item_param: None,
                    key_param: None,
                    partial: true,
                    ..outer.clone()
                };
                self.scopes.push(scope);
                self.partial_depth += 1;
                let result = self.nodes(nodes, out);
                self.partial_depth -= 1;
                self.scopes.pop();
                result?;
                self.lines.leave_partial(before);
            }
        }
        Ok(())
    }

    /// `{{#with}}`: `body` in the block of the value `read`, or `otherwise`.
    fn with(
        &mut self,
        read: Read<'d>,
        item_param: Option<&'p str>,
        body: Option<&'p [Node]>,
        otherwise: Option<&'p [Node]>,
        out: &mut impl Output,
    ) -> Result<(), GaveUp> {
        if !read.value().is_truthy(false) {
            return self.branch(otherwise, out);
        }
        // A value the render computed has no place in the data.
        let Read::Found(base) = read else {
            return Err(GaveUp);
        };
        let outer = self.scopes.last().ok_or(GaveUp)?;
        let scope = Scope {
            base,
            item_param,
            key_param: None,
            partial: false,
            ..outer.clone()
        };
        self.scopes.push(scope);
        let result = self.branch(body, out);
        self.scopes.pop();
        result
    }

    fn each(
        &mut self,
        list: &'p PathRef,
        item_param: Option<&'p str>,
        key_param: Option<&'p str>,
        body: Option<&'p [Node]>,
        otherwise: Option<&'p [Node]>,
        out: &mut impl Output,
    ) -> Result<(), GaveUp> {
        let Some(body) = body else {
            return Ok(());
        };
        let read = self.path(list);
        let items: Vec<(Option<&'d str>, &'d Value)> = match &read {
            Read::Found(Value::Array(items)) if !items.is_empty() || otherwise.is_none() => {
                items.iter().map(|v| (None, v)).collect()
            }
            Read::Found(Value::Object(fields)) if !fields.is_empty() || otherwise.is_none() => {
                fields.iter().map(|(k, v)| (Some(k.as_str()), v)).collect()
            }
            // A list computed by the render has no place in the data.
            Read::Computed(Value::Array(_) | Value::Object(_)) => return Err(GaveUp),
            _ => return self.branch(otherwise, out),
        };
        let last = items.len().saturating_sub(1);
        self.scopes.push(Scope::of(self.root));
        let mut result = Ok(());
        for (i, (key, item)) in items.into_iter().enumerate() {
            if let Some(scope) = self.scopes.last_mut() {
                *scope = Scope {
                    base: item,
                    first: Some(i == 0),
                    last: Some(i == last),
                    index: Some(i),
                    key,
                    item_param,
                    key_param,
                    partial: false,
                };
            }
            // The crate writes an empty segment a step (the cell's budget
            // counts it).
            result = out.write("").map_err(GaveUp::from);
            if result.is_ok() {
                result = self.nodes(body, out);
            }
            if result.is_err() {
                break;
            }
        }
        self.scopes.pop();
        result
    }

    fn arg(&mut self, arg: &'p Arg) -> Result<Read<'d>, GaveUp> {
        match arg {
            Arg::Path(path) => Ok(self.path(path)),
            Arg::Literal(value) => Ok(Read::Computed(value.clone())),
            Arg::Call(call) => self.call(call),
        }
    }

    /// What a helper that computes a value makes of its arguments.
    fn call(&mut self, call: &'p Call) -> Result<Read<'d>, GaveUp> {
        // Most helpers take a few arguments: they are read into arrays, not
        // two vectors per call, and a literal is read from the plan, not
        // copied.
        const FEW: usize = 4;
        const NULL: &Value = &Value::Null;
        let n = call.args.len();
        if n > FEW {
            let reads = call
                .args
                .iter()
                .map(|a| self.arg(a))
                .collect::<Result<Vec<_>, _>>()?;
            let values: Vec<&Value> = reads.iter().map(Read::value).collect();
            return Ok(Read::Computed(call.helper.compute(&values)));
        }
        let mut reads: [Read<'d>; FEW] = [const { Read::Missing }; FEW];
        for (read, arg) in reads.iter_mut().zip(&call.args) {
            if !matches!(arg, Arg::Literal(_)) {
                *read = self.arg(arg)?;
            }
        }
        let mut values = [NULL; FEW];
        for ((value, read), arg) in values.iter_mut().zip(&reads).zip(&call.args) {
            *value = match arg {
                Arg::Literal(literal) => literal,
                _ => read.value(),
            };
        }
        Ok(Read::Computed(call.helper.compute(&values[..n])))
    }

    /// What `path` reads, as the crate's `Context::navigate` reads it.
    fn path(&self, path: &PathRef) -> Read<'d> {
        match path {
            PathRef::Local { level, name } => self
                .scope_at(*level)
                .and_then(|s| s.local(name))
                .map_or(Read::Missing, Read::Computed),
            PathRef::Relative {
                up,
                root,
                head_may_be_param,
                names,
            } => {
                if *head_may_be_param && let Some(read) = self.block_param(&names[0], &names[1..]) {
                    return read;
                }
                let base = if *up > 0 {
                    // Past the outermost block, the innermost: as the crate.
                    self.scope_at(*up)
                        .or_else(|| self.scopes.last())
                        .map_or(self.root, |s| s.base)
                } else if *root {
                    self.root
                } else {
                    self.scopes.last().map_or(self.root, |s| s.base)
                };
                walk(base, names)
            }
        }
    }

    /// The block `level` blocks out from the innermost.
    fn scope_at(&self, level: usize) -> Option<&Scope<'d, 'p>> {
        self.scopes.iter().rev().nth(level)
    }

    /// `name` as a block parameter of the blocks around, up to the
    /// innermost partial's, followed by `rest`.
    fn block_param(&self, name: &str, rest: &[Box<str>]) -> Option<Read<'d>> {
        for scope in self.scopes.iter().rev() {
            if scope.item_param == Some(name) {
                return Some(walk(scope.base, rest));
            }
            if scope.key_param == Some(name) {
                let key = scope.key_value();
                return Some(walk(&key, rest).owned());
            }
            if scope.partial {
                break;
            }
        }
        None
    }
}

/// Follows `names` from `base` as the crate's own `context::walk` does: a
/// list's item by its index, an object's field, and a last `length` of a
/// list or text as JavaScript counts it. Objects' fields (most steps of a
/// customer's paths) are found here, as the crate finds them (names are
/// unique in an object, and an object's `length` is its field); any other
/// step is the crate's.
fn walk<'d>(base: &'d Value, names: &[Box<str>]) -> Read<'d> {
    let mut current = base;
    for (at, name) in names.iter().enumerate() {
        let Value::Object(map) = current else {
            return walk_by_crate(current, &names[at..]);
        };
        match crate::audience::field(map, name) {
            Some(value) => current = value,
            None => return Read::Missing,
        }
    }
    Read::Found(current)
}

/// What is left of a path from a step that is no object's field (a list's
/// item, a text's or list's `length`, nothing), with the crate's own walk.
fn walk_by_crate<'d>(base: &'d Value, names: &[Box<str>]) -> Read<'d> {
    match ::handlebars::walk_path(base, names) {
        Walked::Found(value) => Read::Found(value),
        Walked::Length(length) => Read::Computed(Value::from(length)),
        Walked::Missing => Read::Missing,
    }
}

/// `n` when JavaScript prints it as the whole number it is (`js_number`):
/// at most 2^53 either side of zero, where a double holds every integer.
fn js_safe_integer(n: &serde_json::Number) -> Option<i64> {
    const SAFE: u64 = 1 << 53;
    n.as_i64().filter(|i| i.unsigned_abs() <= SAFE)
}

/// Appends `text` escaped as the crate's `html_escape` escapes it (as
/// Handlebars.js does): the seven characters it replaces are ASCII, so the
/// text between them is copied whole.
fn escape_html_into(out: &mut String, text: &str) {
    let mut rest = 0;
    for (at, byte) in text.bytes().enumerate() {
        let entity = match byte {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'&' => "&amp;",
            b'\'' => "&#x27;",
            b'`' => "&#x60;",
            b'=' => "&#x3D;",
            _ => continue,
        };
        out.push_str(&text[rest..at]);
        out.push_str(entity);
        rest = at + 1;
    }
    out.push_str(&text[rest..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{Dialect, TemplateDialect};
    use crate::template::splice::KeyTrace;
    use proptest::prelude::*;

    proptest! {
        /// Paths read as the crate reads them, through objects (small and
        /// large, with a field named `length`), lists, text and null.
        #[test]
        fn paths_read_as_the_crate_reads_them(
            names in prop::collection::vec(
                prop::sample::select(vec!["a", "b", "length", "0", "1", "f13", "x"]),
                0..5,
            ),
        ) {
            let mut large = serde_json::Map::new();
            for i in 0..20 {
                large.insert(format!("f{i}"), Value::from(i));
            }
            large.insert("a".into(), serde_json::json!({"length": 7, "b": "text"}));
            let data = serde_json::json!({
                "a": {"b": ["zero", {"a": null}], "length": "own", "x": "héllo"},
                "b": large,
                "x": [1, 2, 3],
                "0": null,
            });
            let names: Vec<Box<str>> = names.into_iter().map(Into::into).collect();
            let read = |r: Read<'_>| match r {
                Read::Found(v) => Some(v.clone()),
                Read::Computed(v) => Some(v),
                Read::Missing => None,
            };
            prop_assert_eq!(read(walk(&data, &names)), read(walk_by_crate(&data, &names)));
        }
    }

    /// A whole number is printed as the crate prints it, either side of
    /// where a double stops holding every integer.
    #[test]
    fn safe_integers_print_as_javascript_prints_them() {
        let safe = 1i128 << 53;
        for n in [
            0,
            1,
            -1,
            29,
            safe,
            safe + 1,
            -safe,
            -safe - 1,
            i128::from(u64::MAX),
            i128::from(i64::MIN),
        ] {
            let number: serde_json::Number = serde_json::from_str(&n.to_string()).unwrap();
            match js_safe_integer(&number) {
                Some(whole) => assert_eq!(
                    whole.to_string(),
                    ::handlebars::JsonRender::render(&Value::Number(number.clone())),
                    "{n}"
                ),
                None => assert!(n.abs() > safe, "{n}"),
            }
        }
    }

    /// A registry as a campaign's: the dialect's helpers, and for an HTML
    /// body its escaping; `templates` by name (the first is rendered).
    fn registry(dialect: Dialect, html: bool, templates: &[(&str, &str)]) -> Handlebars<'static> {
        try_registry(dialect, html, templates).expect("compiles")
    }

    fn try_registry(
        dialect: Dialect,
        html: bool,
        templates: &[(&str, &str)],
    ) -> Option<Handlebars<'static>> {
        let declared = Default::default();
        let merge_fields = Default::default();
        let dialect = TemplateDialect {
            dialect,
            declared: &declared,
            merge_fields: &merge_fields,
        };
        let no_partials = super::super::Partials {
            templates: Default::default(),
            hold_reserved: false,
        };
        let mut registry = super::super::new_registry(html, &no_partials, dialect);
        for (name, text) in templates {
            let mut template = Template::compile(text).ok()?;
            template.name = Some(name.to_string());
            registry.register_template(name, template);
        }
        Some(registry)
    }

    /// What a render printed, whether it failed, and where its outputs'
    /// texts are (the skeleton key's contents; its digest names the
    /// template text by address, which differs between the two).
    type Rendered = (String, bool, Option<Vec<std::ops::Range<usize>>>);

    fn by_crate(registry: &Handlebars<'static>, data: &Value, leave_out: bool) -> Rendered {
        let mut trace = KeyTrace::default();
        trace.leave_template_text_out(leave_out);
        trace.start();
        let mut out = String::new();
        let mut too_large = false;
        let input = super::super::Input::of(data);
        let failed = super::super::render_into(
            registry,
            "t",
            &input,
            &mut out,
            Some(&mut trace),
            &mut too_large,
        )
        .is_err();
        (out, failed, trace.key().map(|k| k.contents))
    }

    fn by_plan(registry: &Handlebars<'static>, data: &Value, leave_out: bool) -> Option<Rendered> {
        let plans = Plans::of(registry);
        let plan = plans.get("t")?;
        let mut trace = KeyTrace::default();
        trace.leave_template_text_out(leave_out);
        trace.start();
        let mut out = String::new();
        let mut buffer = super::super::StringBuffer {
            out: &mut out,
            spent: 0,
            too_large: false,
            trace: Some(&mut trace),
        };
        let failed = plans.render(plan, data, registry, &mut buffer).is_err();
        Some((out, failed, trace.key().map(|k| k.contents)))
    }

    /// Renders template `t` both ways, HTML and text, template text
    /// written and left out, and requires the same; returns the HTML
    /// render.
    fn same(templates: &[(&str, &str)], data: &Value) -> String {
        for html in [true, false] {
            let registry = registry(Dialect::Mergeproof, html, templates);
            for leave_out in [false, true] {
                let planned = by_plan(&registry, data, leave_out)
                    .unwrap_or_else(|| panic!("no plan for {templates:?}"));
                let rendered = by_crate(&registry, data, leave_out);
                // A plan that gave up is rendered by the crate.
                if !planned.1 {
                    assert_eq!(planned, rendered, "{templates:?} on {data}");
                }
            }
        }
        by_crate(&registry(Dialect::Mergeproof, true, templates), data, false).0
    }

    fn profile() -> Value {
        serde_json::json!({
            "first_name": "Ana <&>",
            "tier": "gold",
            "points": 1200,
            "balance": 0.5,
            "empty": "",
            "tags": {"a": "x", "length": "odd", "b": 2},
            "orders": [
                {"id": 7, "total": 12.5, "items": ["mug", "cup"]},
                {"id": 8, "total": 0, "items": []},
            ],
            "location": {"city": "Porto"},
        })
    }

    #[test]
    fn a_plan_prints_what_the_crate_prints() {
        let data = profile();
        let cases: &[&str] = &[
            "Hi {{first_name}}, {{{first_name}}} {{missing}}{{empty}}.",
            "{{points}} {{balance}} {{tags}} {{orders}} {{orders.length}} {{first_name.length}}",
            "{{orders.0.id}} {{orders.[1].total}} {{location.city}} {{this.tier}} {{./tier}}",
            "{{#each orders}}{{@index}}{{@first}}{{@last}}:{{id}}/{{../tier}}/{{@root.points}}|{{/each}}",
            "{{#each orders as |o i|}}{{i}}={{o.id}}{{#each o.items as |it|}}[{{it}}{{../o.id}}{{@../index}}]{{/each}}{{/each}}",
            "{{#each tags}}{{@key}}={{this}}{{@index}},{{/each}}{{#each tags as |v k|}}{{k}}:{{v}};{{/each}}",
            "{{#each nothing}}x{{else}}none{{/each}}{{#each empty}}x{{else}}text{{/each}}",
            "{{#each orders}}{{#each items}}{{this}}{{../id}}{{../../tier}}{{else}}-{{/each}}{{/each}}",
            "{{#if points}}yes{{else if tier}}tier{{else}}no{{/if}}{{#unless empty}}blank{{/unless}}",
            "{{#if (gt points 1000)}}big{{/if}}{{#if (and tier (not empty))}}a{{/if}}{{#or empty 0}}o{{else}}n{{/or}}",
            "{{eq tier \"gold\"}} {{gte points \"1200\"}} {{lt balance 1}} {{and}} {{or}}",
            "{{default empty \"there\"}} {{upper tier}} {{title (lower first_name)}} {{currency balance \"EUR\"}}",
            "{{#with location}}{{city}} {{../tier}} {{@index}}{{/with}}{{#with nothing}}x{{else}}no place{{/with}}",
            "{{#with location as |l|}}{{l.city}}{{city}}{{/with}}{{#each orders}}{{#with this}}{{id}}{{@index}}{{/with}}{{/each}}",
            "{{! a comment }}{{!-- another --}}<p>{{#if orders}}{{#each orders}}<b>{{total}}</b>{{/each}}{{/if}}</p>",
            "a\n  {{#if tier}}\n  b\n  {{/if}}\nc {{~first_name~}} d",
        ];
        for case in cases {
            same(&[("t", case)], &data);
        }
        let printed = same(&[("t", cases[3])], &data);
        assert_eq!(printed, "0truefalse:7/gold/1200|1falsetrue:8/gold/1200|");
    }

    #[test]
    fn values_are_escaped_as_the_registry_escapes() {
        let data = serde_json::json!({"a": "<b> & \"c\" = 'd' `e`", "n": 1.5});
        let template = [("t", "{{a}}|{{{a}}}|{{n}}")];
        let kinds = [
            (Dialect::Mergeproof, true, EscapeKind::Html),
            (Dialect::Mergeproof, false, EscapeKind::Nothing),
            (Dialect::Postmark, true, EscapeKind::Other),
        ];
        for (dialect, html, kind) in kinds {
            let registry = registry(dialect, html, &template);
            assert_eq!(registry.escape_kind(), kind);
            let planned = by_plan(&registry, &data, false).expect("planned");
            assert_eq!(
                planned,
                by_crate(&registry, &data, false),
                "{dialect:?} {html}"
            );
        }
    }

    #[test]
    fn partials_are_planned_in_their_callers_block() {
        let data = profile();
        let printed = same(
            &[
                (
                    "t",
                    "{{> head}}{{#each orders}}{{> row}}{{/each}}\n{{> head}}",
                ),
                ("head", "<h1>{{first_name}}</h1>"),
                (
                    "row",
                    "{{id}}{{@index}}{{../tier}}{{#each items}}{{> item}}{{/each}};",
                ),
                ("item", "{{this}}{{@index}}"),
            ],
            &data,
        );
        // `../` in a partial reads the block it was called in (the loop's).
        assert!(
            printed.contains("<h1>Ana &lt;&amp;&gt;</h1>70mug0cup1;81;"),
            "{printed}"
        );
        // A partial does not see the block parameters of its caller's blocks.
        let printed = same(
            &[
                ("t", "{{#each orders as |o i|}}{{> row}}{{o.id}}{{/each}}"),
                ("row", "[{{o.id}}{{i}}{{id}}]"),
            ],
            &data,
        );
        assert_eq!(printed, "[7]7[8]8");
        // A partial that includes itself, as deep as the data goes.
        let nested = serde_json::json!({"c": [{"t": "a", "c": [{"t": "b", "c": []}]}]});
        same(
            &[
                ("t", "{{#each c}}{{> thread}}{{/each}}"),
                ("thread", "({{t}}{{#each c}}{{> thread}}{{/each}})"),
            ],
            &nested,
        );
    }

    #[test]
    fn an_indented_partial_indents_each_of_its_lines() {
        let data = profile();
        let printed = same(
            &[
                (
                    "t",
                    "<table>\n  <tr>\n    {{> cell}}\n  </tr>\n</table>\n{{#each orders}}\n  {{> cell}}\n{{/each}}",
                ),
                (
                    "cell",
                    "<td>\n  {{#if id}}\n  {{id}}\n  {{/if}}\n  {{> note}}\n</td>\n",
                ),
                ("note", "{{tier}}\n{{first_name}}"),
            ],
            &data,
        );
        // The cell's lines start with the four spaces before its call, the
        // note's with those and the cell's own two.
        assert!(
            printed.starts_with("<table>\n  <tr>\n    <td>\n      gold\n      Ana"),
            "{printed}"
        );
        // In the loop, two spaces; the note prints nothing for an order.
        assert!(
            printed.ends_with("\n  <td>\n    7\n\n  </td>\n  <td>\n    8\n\n  </td>\n"),
            "{printed}"
        );
        // A block that wrote on the line, whose last block wrote nothing,
        // still ended the line's indentation.
        let printed = same(
            &[
                ("t", "<td>\n  {{> p}}\n</td>"),
                ("p", "{{#if tier}}\na{{#if empty}}b{{/if}}{{/if}}c\n"),
            ],
            &data,
        );
        assert_eq!(printed, "<td>\n  ac\n</td>");
        // The comparisons print `true` or `false` straight to the output:
        // not indented, and not content the line state sees.
        let printed = same(
            &[
                ("t", "\n  {{> row}}"),
                ("row", "{{#with location}}{{gt points 10}}{{/with}}"),
            ],
            &serde_json::json!({"location": 1}),
        );
        assert_eq!(printed, "\nfalse");
    }

    #[test]
    fn what_a_plan_does_not_follow_is_left_to_the_crate() {
        let planned = |text: &str| {
            let registry = registry(Dialect::Mergeproof, true, &[("t", text), ("p", "{{x}}")]);
            Plans::of(&registry).planned("t")
        };
        assert!(planned("{{x}} {{#if x}}{{> p}}{{/if}}"));
        assert!(planned("<td>\n  {{> p}}\n</td>"));
        for text in [
            "{{lookup orders 0}}",
            "{{#each orders key=1}}x{{/each}}",
            "{{> p x}}",
            "{{> p a=1}}",
            "{{#> p}}x{{/p}}",
            "{{#*inline \"q\"}}x{{/inline}}{{> q}}",
            "{{> nowhere}}",
            "{{nohelper x}}",
            "{{#default x}}y{{/default}}",
            "{{eq x}}",
            "{{default x a=1}}",
        ] {
            assert!(!planned(text), "{text}");
        }
        // Helpers a dialect replaces are the crate's to render.
        let mandrill = registry(Dialect::Mandrill, true, &[("t", "{{#if x}}y{{/if}}")]);
        assert!(!Plans::of(&mandrill).planned("t"));
    }

    #[test]
    fn a_plan_that_meets_what_it_does_not_follow_gives_up() {
        let data = serde_json::json!({"n": [1, 2]});
        // Past the partial depth the crate fails; the plan gives up first.
        let endless = registry(Dialect::Mergeproof, true, &[("t", "{{> t}}")]);
        assert!(by_plan(&endless, &data, false).expect("planned").1);
        assert!(by_crate(&endless, &data, false).1);
        // A list of a literal has no place in the data.
        let literal = registry(
            Dialect::Mergeproof,
            true,
            &[("t", "{{#with \"a\"}}{{this}}{{/with}}")],
        );
        assert!(by_plan(&literal, &data, false).expect("planned").1);
    }

    const PIECES: &[&str] = &[
        "Hi ",
        "<p>",
        "</p>\n",
        "{{first_name}}",
        "{{{first_name}}}",
        "{{tier}}",
        "{{points}}",
        "{{this.tier}}",
        "{{../tier}}",
        "{{../../points}}",
        "{{@root.first_name}}",
        "{{@index}}",
        "{{@first}}",
        "{{@last}}",
        "{{@key}}",
        "{{@../index}}",
        "{{this}}",
        "{{id}}",
        "{{items.length}}",
        "{{o.id}}",
        "{{i}}",
        "{{default first_name \"there\"}}",
        "{{upper tier}}",
        "{{currency total}}",
        "{{gt points 10}}",
        "{{title (default nickname first_name)}}",
        "<a href=\"https://x.example/?id={{id}}&t={{tier}}\">",
        "{{> row}}",
        "{{~tier}}",
        "{{tier~}}",
        "\n  ",
        "\n",
        "\t",
    ];

    const BLOCKS: &[(&str, &str)] = &[
        ("{{#if first_name}}", "{{/if}}"),
        ("{{#if (gt points 100)}}", "{{/if}}"),
        ("{{#unless tier}}", "{{/unless}}"),
        ("{{#each orders}}", "{{/each}}"),
        ("{{#each orders as |o i|}}", "{{/each}}"),
        ("{{#each items}}", "{{/each}}"),
        ("{{#each tags}}", "{{/each}}"),
        ("{{#with location}}", "{{/with}}"),
        ("{{#with this as |o|}}", "{{/with}}"),
        ("{{#eq tier \"gold\"}}", "{{/eq}}"),
        ("{{#if (and first_name (not nickname))}}", "{{/if}}"),
    ];

    fn template() -> impl Strategy<Value = String> {
        let leaf = prop::sample::select(PIECES).prop_map(str::to_string);
        leaf.prop_recursive(4, 40, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(|p| p.concat()),
                (
                    prop::sample::select(BLOCKS),
                    inner.clone(),
                    prop::option::of(inner)
                )
                    .prop_map(|((open, close), body, otherwise)| match otherwise {
                        Some(o) => format!("{open}{body}{{{{else}}}}{o}{close}"),
                        None => format!("{open}{body}{close}"),
                    }),
            ]
        })
    }

    /// Templates of lines, indented or not, where blocks and partials stand
    /// on their own lines or follow text: what partial indentation reads.
    fn lined() -> impl Strategy<Value = String> {
        let indent = prop::sample::select(vec!["", " ", "  ", "\t", " \t"]);
        let line = prop::sample::select(vec![
            "<td>",
            "{{first_name}}",
            "{{nickname}}",
            "{{> row}}",
            "x {{> row}}",
            "{{> row}} y",
            "{{#if tier}}a{{/if}}",
            "{{#each orders}}{{id}}{{/each}}",
            "{{gt points 10}}",
            "",
        ]);
        let leaf = (indent.clone(), line).prop_map(|(i, l)| format!("{i}{l}"));
        leaf.prop_recursive(4, 32, 5, move |inner| {
            let lines = prop::collection::vec(inner.clone(), 0..4).prop_map(|l| l.join("\n"));
            prop_oneof![
                (lines.clone(), any::<bool>()).prop_map(|(l, end)| if end { l + "\n" } else { l }),
                (
                    indent.clone(),
                    prop::sample::select(BLOCKS),
                    lines.clone(),
                    prop::option::of(lines),
                )
                    .prop_map(
                        |(i, (open, close), body, otherwise)| match otherwise {
                            Some(o) =>
                                format!("{i}{open}\n{body}\n{i}{{{{else}}}}\n{o}\n{i}{close}"),
                            None => format!("{i}{open}\n{body}\n{i}{close}"),
                        }
                    ),
            ]
        })
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-5i64..2000).prop_map(Value::from),
            (-10.0f64..10.0).prop_map(Value::from),
            "[a-z<&\" ]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map(
                    prop::sample::select(vec!["id", "total", "items", "tier", "city", "length"]),
                    inner,
                    0..4
                )
                .prop_map(|m| Value::Object(
                    m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
                )),
            ]
        })
    }

    fn data() -> impl Strategy<Value = Value> {
        prop::collection::btree_map(
            prop::sample::select(vec![
                "first_name",
                "nickname",
                "tier",
                "points",
                "orders",
                "items",
                "tags",
                "location",
                "total",
                "id",
            ]),
            value(),
            0..10,
        )
        .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_string(), v)).collect()))
    }

    proptest! {
        /// Any text is escaped as the crate escapes it.
        #[test]
        fn text_is_escaped_as_the_crate_escapes_it(text in "(?s).{0,40}") {
            let mut escaped = String::from("kept:");
            escape_html_into(&mut escaped, &text);
            prop_assert_eq!(escaped, format!("kept:{}", ::handlebars::html_escape(&text)));
        }
    }

    proptest! {
        #![proptest_config(crate::testkit::property_config())]

        /// Any template of these pieces, on any data: the plan prints what
        /// the crate prints, its outputs in the same places, whether the
        /// template text is written or left out.
        #[test]
        fn any_planned_template_prints_what_the_crate_prints(
            body in template(),
            row in template(),
            data in data(),
        ) {
            prints_what_the_crate_prints(&body, &row, &data)?;
        }

        /// The same for templates of lines, where partials called after
        /// white space indent their lines.
        #[test]
        fn indented_partials_print_what_the_crate_prints(
            body in lined(),
            row in lined(),
            data in data(),
        ) {
            prints_what_the_crate_prints(&body, &row, &data)?;
        }
    }

    /// `body`, which may call `row`, has a plan, and the plan prints what
    /// the crate prints, its outputs in the same places, whether the
    /// template text is written or left out.
    fn prints_what_the_crate_prints(
        body: &str,
        row: &str,
        data: &Value,
    ) -> Result<(), TestCaseError> {
        let templates = [("t", body), ("row", row)];
        for html in [true, false] {
            // Pieces that do not compile together are left out.
            let Some(registry) = try_registry(Dialect::Mergeproof, html, &templates) else {
                return Ok(());
            };
            for leave_out in [false, true] {
                let rendered = by_crate(&registry, data, leave_out);
                // Every piece is one a plan follows.
                let planned = by_plan(&registry, data, leave_out);
                prop_assert!(planned.is_some(), "no plan");
                if let Some(planned) = planned.filter(|p| !p.1) {
                    prop_assert_eq!(&planned, &rendered);
                }
            }
        }
        Ok(())
    }
}
