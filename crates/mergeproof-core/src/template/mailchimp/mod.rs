//! The Mailchimp front end: merge tags (`*|FNAME|*`) and conditional
//! merge tag blocks, lowered to the template model and rendered as
//! Mailchimp documents them. No engine of Mailchimp's runs offline: the
//! behaviour is its documentation's, checked by golden cases
//! (`tests/mailchimp_golden.rs`), and what the documentation leaves open
//! is said in the README.
//!
//! A merge tag reads the profile field `merge_tags:` names for it (by
//! default the field of its own name). Where that field is blank (missing,
//! null or empty) the tag prints the audience's default merge value
//! (`merge_field_defaults:`), else nothing; a condition on a blank field is
//! false.

mod syntax;

use std::collections::HashMap;

use serde_json::Value as Json;

use super::model::{Analysis, BlockRead, Guard, Guards, Token};
use super::{RenderFailure, RenderInput, Renderer};
use crate::dialect::{BlockRole, MergeFields, TemplateDialect};
use crate::markers::{CLOSE, close_marker, open_marker};
use crate::project::TemplateSource;
use crate::source::{LoadError, SourceLoc};
use syntax::{Function, Node, Op, Test};

pub(super) struct FrontEnd {
    merge_fields: MergeFields,
    templates: HashMap<String, (Vec<Node>, bool)>,
}

impl FrontEnd {
    pub(super) fn new(dialect: TemplateDialect<'_>) -> FrontEnd {
        FrontEnd {
            merge_fields: dialect.merge_fields.clone(),
            templates: HashMap::new(),
        }
    }

    /// Parses and lowers one template, kept as `key`: its analysis and its
    /// outline.
    pub(super) fn lower(
        &mut self,
        key: &str,
        html: bool,
        source: &TemplateSource,
        audience: Option<&crate::audience::Condition>,
    ) -> Result<(Analysis, String), Vec<LoadError>> {
        let position = |line: u32, column: u32| source.position(line, column);
        let (nodes, _) = syntax::parse(&source.text, &position)?;
        let mut lowering = Lowering {
            merge_fields: &self.merge_fields,
            audience,
            analysis: Analysis::default(),
            outline: String::new(),
            guards: Guards::default(),
            html,
        };
        lowering.nodes(&nodes);
        let (analysis, outline) = (lowering.analysis, lowering.outline);
        self.templates.insert(key.to_string(), (nodes, html));
        Ok((analysis, outline))
    }

    pub(super) fn finish(self) -> Box<dyn Renderer> {
        Box::new(MailchimpRenderer {
            merge_fields: self.merge_fields,
            templates: self.templates,
        })
    }
}

struct Lowering<'a> {
    merge_fields: &'a MergeFields,
    audience: Option<&'a crate::audience::Condition>,
    analysis: Analysis,
    outline: String,
    guards: Guards,
    html: bool,
}

impl Lowering<'_> {
    fn nodes(&mut self, nodes: &[Node]) {
        for node in nodes {
            self.node(node);
        }
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::Text(t) => self.outline.push_str(t),
            Node::System(t) => self.outline.push_str(t),
            Node::Date { .. } => {}
            Node::Field {
                tag,
                function,
                index,
                written,
                loc,
            } => {
                self.analysis.token_follows(loc);
                let path = self.merge_fields.field(tag).to_string();
                let by_default = self.merge_fields.defaults.contains_key(tag);
                let read = self.guards.read(path, by_default, self.audience);
                let escaped = *function != Function::Html;
                self.analysis.tokens.push(Token {
                    index: *index,
                    expression: written.clone(),
                    helper: match function {
                        Function::Plain => None,
                        Function::Html => Some("HTML".into()),
                        Function::Upper => Some("UPPER".into()),
                        Function::Lower => Some("LOWER".into()),
                        Function::Title => Some("TITLE".into()),
                    },
                    formats_money: false,
                    reads: vec![read],
                    escaped,
                    escapes_data: escaped && self.html,
                    loc: loc.clone(),
                    in_loop: false,
                    shadowed_field: None,
                    written_path: (*function == Function::Plain).then(|| tag.clone()),
                    place: Default::default(),
                    guarded_by: self.guards.tested(),
                });
                self.outline.push_str(&open_marker(*index));
                self.outline.push_str(&close_marker());
            }
            Node::If {
                branches,
                otherwise,
            } => {
                for (not, test, body, loc) in branches {
                    self.branch(test, *not, loc, body);
                }
                if let Some(body) = otherwise {
                    // The else of a single `IFNOT:TAG` (or `IF:TAG!=…`)
                    // renders only where the tag has a value.
                    match branches.as_slice() {
                        [(not, test, _, loc)] => self.branch(test, !not, loc, body),
                        _ => self.nodes(body),
                    }
                }
            }
        }
    }

    /// A branch that renders where `test` holds (fails, when `not`).
    fn branch(&mut self, test: &Test, not: bool, loc: &SourceLoc, body: &[Node]) {
        let path = self.merge_fields.field(&test.tag).to_string();
        // A condition on a blank field is false: where it holds, the field
        // has a value.
        let holds_means_present = !not;
        let positive = match (&test.compare, not) {
            (Some((Op::Gt, v)), false) => v.trim().parse::<f64>().is_ok_and(|b| b >= 0.0),
            (Some((Op::Ge, v)), false) => v.trim().parse::<f64>().is_ok_and(|b| b > 0.0),
            _ => false,
        };
        let literals = test
            .compare
            .iter()
            .map(|(_, v)| match v.trim().parse::<f64>() {
                Ok(n) => serde_json::json!(n),
                Err(_) => Json::String(v.clone()),
            })
            .collect();
        self.analysis.blocks.push(BlockRead {
            role: if not {
                BlockRole::Unless
            } else {
                BlockRole::Guard
            },
            written: if not { "*|IFNOT:…|*" } else { "*|IF:…|*" }.into(),
            paths: vec![path.clone()],
            literals,
            loc: loc.clone(),
        });
        self.guards.push(Guard {
            tested: vec![path.clone()],
            present: if holds_means_present {
                vec![path.clone()]
            } else {
                Vec::new()
            },
            positive: if positive { vec![path] } else { Vec::new() },
            loc: loc.clone(),
        });
        self.nodes(body);
        self.guards.pop();
    }
}

struct MailchimpRenderer {
    merge_fields: MergeFields,
    templates: HashMap<String, (Vec<Node>, bool)>,
}

impl Renderer for MailchimpRenderer {
    fn render(
        &self,
        key: &str,
        _html: bool,
        input: &RenderInput,
        out: &mut String,
    ) -> Result<(), RenderFailure> {
        let Some((nodes, html)) = self.templates.get(key) else {
            return Ok(());
        };
        let render = Render {
            data: input.data(),
            merge_fields: &self.merge_fields,
            html: *html,
        };
        render.nodes(nodes, out);
        if out.len() > crate::limits::MAX_CELL_BYTES {
            *out = String::new();
            return Err(RenderFailure::too_large());
        }
        Ok(())
    }
}

struct Render<'a> {
    data: &'a Json,
    merge_fields: &'a MergeFields,
    html: bool,
}

impl Render<'_> {
    fn nodes(&self, nodes: &[Node], out: &mut String) {
        for node in nodes {
            match node {
                Node::Text(t) | Node::System(t) => out.push_str(t),
                Node::Date { format } => {
                    let today = jiff::tz::Offset::UTC.to_datetime(jiff::Timestamp::now());
                    out.push_str(&super::render::php_date(format, &today.date()));
                }
                Node::Field {
                    tag,
                    function,
                    index,
                    ..
                } => {
                    out.push_str(&open_marker(*index));
                    self.field(tag, *function, out);
                    out.push(CLOSE);
                }
                Node::If {
                    branches,
                    otherwise,
                } => {
                    let taken = branches
                        .iter()
                        .find(|(not, test, _, _)| self.holds(test) != *not)
                        .map(|(_, _, body, _)| body)
                        .or(otherwise.as_ref());
                    if let Some(body) = taken {
                        self.nodes(body, out);
                    }
                }
            }
        }
    }

    /// The subscriber's value of `tag`, as text; `None` when blank.
    fn value(&self, tag: &str) -> Option<String> {
        let value = crate::audience::value_at(self.data, self.merge_fields.field(tag))?;
        let text = match value {
            Json::Null => return None,
            Json::String(s) => s.clone(),
            Json::Number(n) => n.to_string(),
            Json::Bool(b) => b.to_string(),
            other => other.to_string(),
        };
        (!text.is_empty()).then_some(text)
    }

    fn field(&self, tag: &str, function: Function, out: &mut String) {
        let Some(text) = self
            .value(tag)
            .or_else(|| self.merge_fields.defaults.get(tag).cloned())
        else {
            return;
        };
        let text = match function {
            Function::Plain | Function::Html => text,
            Function::Upper => text.to_uppercase(),
            Function::Lower => text.to_lowercase(),
            Function::Title => super::render::title_case(&text),
        };
        if self.html && function != Function::Html {
            out.push_str(&super::html::escape_text(&text));
        } else {
            out.push_str(&text);
        }
    }

    /// A condition on a blank field is false, whatever it compares.
    fn holds(&self, test: &Test) -> bool {
        let Some(value) = self.value(&test.tag) else {
            return false;
        };
        let Some((op, wanted)) = &test.compare else {
            return true;
        };
        let numbers = value
            .trim()
            .parse::<f64>()
            .ok()
            .zip(wanted.parse::<f64>().ok());
        match (op, numbers) {
            (Op::Eq, _) => value == *wanted,
            (Op::Ne, _) => value != *wanted,
            (Op::Gt, Some((a, b))) => a > b,
            (Op::Lt, Some((a, b))) => a < b,
            (Op::Ge, Some((a, b))) => a >= b,
            (Op::Le, Some((a, b))) => a <= b,
            _ => false,
        }
    }
}
