//! The Handlebars front end: everything that knows the handlebars crate.
//! It compiles each template (mapping syntax errors to where the producer
//! has to look), lowers it to the template model ([`lower`]), registers the
//! marked copy that renders with the dialect's helpers ([`helpers`]), and
//! renders it for a profile within the cell budget.

mod direct;
mod helpers;
mod lower;
mod quick_parse;
mod syntax;

use std::collections::BTreeMap;

use ::handlebars::template::Template;
use ::handlebars::{Context, Handlebars};

use super::model::Analysis;
use super::splice::KeyTrace;
use super::{RenderFailure, RenderInput, Renderer};
use crate::audience::Condition;
use crate::dialect::{Dialect, TemplateDialect};
use crate::project::{Partial, TemplateSource};
use crate::source::LoadError;

/// The `.hbs` partials, compiled once per project.
pub(super) struct Partials<'a> {
    templates: BTreeMap<String, lower::PartialTemplate<'a>>,
    /// Some partial's own text holds a marker or placeholder character:
    /// no body that may call it is keyed as it renders.
    hold_reserved: bool,
}

pub(super) fn compile_partials(
    partials: &BTreeMap<String, Partial>,
    dialect: Dialect,
) -> (Partials<'_>, Vec<LoadError>) {
    let mut errors = Vec::new();
    let mut templates = BTreeMap::new();
    for (name, partial) in partials {
        if partial.source.file.ends_with(".liquid") {
            continue;
        }
        match compile_in(&partial.source, dialect) {
            Ok(template) => {
                templates.insert(
                    name.clone(),
                    lower::PartialTemplate {
                        source: &partial.source,
                        template,
                    },
                );
            }
            Err(e) => errors.push(e),
        }
    }
    let hold_reserved = templates
        .values()
        .any(|p| super::splice::holds_reserved(&p.source.text));
    (
        Partials {
            templates,
            hold_reserved,
        },
        errors,
    )
}

/// Compiles template text, mapping a syntax error to its place in the file.
///
/// Handlebars reports most syntax errors as the list of what its grammar
/// expected ("expected escape, expression, html_expression, …"), at the end
/// of the template. The usual causes are found by scanning the text instead,
/// and reported where the producer has to look: the `{{#if}}` that is never
/// closed, the `{{/each}}` that closes the wrong block, the `{{` without `}}`.
///
/// The text is read as its dialect reads it (Mailchimp Transactional's
/// backtick comparisons become quoted ones, at the same positions).
fn compile_in(source: &TemplateSource, dialect: Dialect) -> Result<Template, LoadError> {
    if dialect == Dialect::Mandrill {
        let rewritten = helpers::rewrite_comparisons(&source.text);
        if let std::borrow::Cow::Owned(text) = rewritten {
            let source = TemplateSource {
                text,
                ..source.clone()
            };
            return compile_text(&source);
        }
    }
    compile_text(source)
}

fn compile_text(source: &TemplateSource) -> Result<Template, LoadError> {
    if let Some(problem) = syntax::too_deep(&source.text) {
        let (line, column) = problem.position;
        return Err(LoadError::at(
            &source.position(
                u32::try_from(line).unwrap_or(1),
                u32::try_from(column).unwrap_or(1),
            ),
            format!("template does not compile: {}", problem.message),
        ));
    }
    if let Some(template) = quick_parse::compile(&source.text) {
        // Every test's template is held to the crate's own reading.
        #[cfg(debug_assertions)]
        assert_eq!(
            Some(&template),
            Template::compile(&source.text).ok().as_ref(),
            "the quick reading of {:?} differs from the crate's",
            source.text
        );
        return Ok(template);
    }
    Template::compile(&source.text).map_err(|e| {
        let at = |(line, column): (usize, usize)| {
            source.position(
                u32::try_from(line).unwrap_or(1),
                u32::try_from(column).unwrap_or(1),
            )
        };
        if let Some(problem) = syntax::find_problem(&source.text) {
            return LoadError::at(
                &at(problem.position),
                format!("template does not compile: {}", problem.message),
            );
        }
        if let ::handlebars::TemplateErrorReason::InvalidSyntax(_) = e.reason()
            && let Some(problem) = syntax::unreadable_tag(&source.text)
        {
            return LoadError::at(
                &at(problem.position),
                format!(
                    "template does not compile: {}; look for a stray brace or an expression it does not understand (a helper call needs spaces between its arguments, a subexpression needs parentheses, a text needs quotes)",
                    problem.message
                ),
            );
        }
        let loc = at(e.pos().unwrap_or((1, 1)));
        let message = match e.reason() {
            ::handlebars::TemplateErrorReason::InvalidSyntax(_) => {
                "template does not compile: Handlebars cannot read the template here; look for a `{{` without `}}`, a stray brace, or an expression it does not understand (a helper call needs spaces between its arguments, a subexpression needs parentheses)".to_string()
            }
            other => format!("template does not compile: {other}"),
        };
        LoadError::at(&loc, message)
    })
}

fn new_registry(
    html: bool,
    partials: &Partials<'_>,
    dialect: TemplateDialect<'_>,
) -> Handlebars<'static> {
    let mut registry = Handlebars::new();
    if !html {
        registry.register_escape_fn(::handlebars::no_escape);
    }
    helpers::register(&mut registry, dialect, html);
    for (name, partial) in &partials.templates {
        let mut template = partial.template.clone();
        template.name = Some(name.clone());
        registry.register_template(name, template);
    }
    registry
}

/// Lowers a campaign's templates, one by one, and registers the marked copy
/// of each to render: plain text for subject and preheader, HTML-escaping
/// for email bodies.
pub(super) struct FrontEnd<'a> {
    partials: &'a Partials<'a>,
    dialect: TemplateDialect<'a>,
    text_registry: Handlebars<'static>,
    html_registry: Handlebars<'static>,
    foreign_helpers: Vec<lower::ForeignHelper>,
    /// No template or partial text holds a marker or placeholder character
    /// of its own: bodies' skeleton keys are made as they render.
    traceable: bool,
}

impl<'a> FrontEnd<'a> {
    pub(super) fn new(partials: &'a Partials<'a>, dialect: TemplateDialect<'a>) -> FrontEnd<'a> {
        FrontEnd {
            partials,
            dialect,
            text_registry: new_registry(false, partials, dialect),
            html_registry: new_registry(true, partials, dialect),
            foreign_helpers: Vec::new(),
            traceable: !partials.hold_reserved,
        }
    }

    /// Compiles and lowers one template, registered as `key`: its analysis
    /// and its outline (its literal text with each output's markers where it
    /// prints); its errors otherwise.
    pub(super) fn lower(
        &mut self,
        key: &str,
        html: bool,
        source: &TemplateSource,
        audience: Option<&Condition>,
    ) -> Result<(Analysis, String), Vec<LoadError>> {
        let template = compile_in(source, self.dialect.dialect).map_err(|e| vec![e])?;
        self.traceable &= !super::splice::holds_reserved(&source.text);
        match lower::lower(
            template,
            source,
            &self.partials.templates,
            audience,
            self.dialect,
            key,
        ) {
            Ok((analysis, marked)) => {
                let registry = if html {
                    &mut self.html_registry
                } else {
                    &mut self.text_registry
                };
                // Named, so that a render error says which text its line
                // and column are in (the field's, or a partial's).
                let mut template = marked.template;
                template.name = Some(key.to_string());
                registry.register_template(key, template);
                for (name, mut copy) in marked.partials {
                    copy.name = Some(name.clone());
                    registry.register_template(&name, copy);
                }
                Ok((analysis, marked.outline))
            }
            Err(e) => {
                self.foreign_helpers.extend(e.foreign_helpers);
                Err(e.errors)
            }
        }
    }

    /// The renderer of the templates lowered, and the one error that says
    /// the campaign is written for another platform, if it is.
    pub(super) fn finish(self) -> (Box<dyn Renderer>, Option<LoadError>) {
        let other_dialect =
            one_error_for_another_dialect(&self.foreign_helpers, self.dialect.dialect);
        let renderer = HandlebarsRenderer {
            text_plans: direct::Plans::of(&self.text_registry),
            html_plans: direct::Plans::of(&self.html_registry),
            text_registry: self.text_registry,
            html_registry: self.html_registry,
            traceable: self.traceable,
        };
        (Box::new(renderer), other_dialect)
    }
}

struct HandlebarsRenderer {
    text_registry: Handlebars<'static>,
    html_registry: Handlebars<'static>,
    /// The templates of each registry that mergeproof renders itself
    /// ([`direct`]); the crate renders the others.
    text_plans: direct::Plans,
    html_plans: direct::Plans,
    traceable: bool,
}

impl Renderer for HandlebarsRenderer {
    fn render(
        &self,
        key: &str,
        html: bool,
        input: &RenderInput,
        out: &mut String,
    ) -> Result<(), RenderFailure> {
        self.render_with(key, html, input, out, None)
    }

    fn render_traced(
        &self,
        key: &str,
        html: bool,
        input: &RenderInput,
        out: &mut String,
        trace: &mut KeyTrace,
    ) -> Result<(), RenderFailure> {
        let trace = self.traceable.then(|| {
            trace.start();
            trace
        });
        self.render_with(key, html, input, out, trace)
    }

    fn traces(&self) -> bool {
        self.traceable
    }
}

impl HandlebarsRenderer {
    fn render_with(
        &self,
        key: &str,
        html: bool,
        input: &RenderInput,
        out: &mut String,
        mut trace: Option<&mut KeyTrace>,
    ) -> Result<(), RenderFailure> {
        let (registry, plans) = if html {
            (&self.html_registry, &self.html_plans)
        } else {
            (&self.text_registry, &self.text_plans)
        };
        if let Some(plan) = plans.get(key) {
            let start = out.len();
            let mut buffer = StringBuffer {
                out,
                spent: 0,
                too_large: false,
                trace: trace.as_deref_mut(),
            };
            if plans
                .render(plan, input.data(), registry, &mut buffer)
                .is_ok()
            {
                return Ok(());
            }
            // The crate renders it again from the start, and fails as it
            // fails if it does.
            out.truncate(start);
            if let Some(trace) = trace.as_deref_mut() {
                trace.start();
            }
        }
        let mut too_large = false;
        render_into(registry, key, &input.handlebars, out, trace, &mut too_large).map_err(|e| {
            // The budget's own buffer can be 8 MiB: let it go now.
            if too_large {
                *out = String::new();
            }
            let position = match (e.template_name.as_deref(), e.line_no, e.column_no) {
                (Some(name), Some(line), Some(column)) if name == key => Some((line, column)),
                _ => None,
            };
            RenderFailure {
                message: match e.reason() {
                    ::handlebars::RenderErrorReason::PartialNotFound(name) => {
                        format!("no partial named `{name}` in campaigns/partials/")
                    }
                    reason => reason.to_string().trim().to_string(),
                },
                position,
                too_large,
                aborted: false,
                token: None,
            }
        })
    }
}

/// A profile's data as Handlebars holds it.
pub(super) struct Input(Context);

impl Input {
    pub(super) fn of(data: &serde_json::Value) -> Input {
        Input(Context::from(data.clone()))
    }

    /// Holds `data` without copying it; [`Input::into_data`] gives it back.
    pub(super) fn owning(data: serde_json::Value) -> Input {
        Input(Context::from(data))
    }

    pub(super) fn into_data(mut self) -> serde_json::Value {
        std::mem::take(self.0.data_mut())
    }

    pub(super) fn data(&self) -> &serde_json::Value {
        self.0.data()
    }
}

/// A campaign written for another platform (SendGrid's `insert` and
/// `equals` in a project without `dialect: sendgrid`) is one error, at its
/// first such helper, naming the dialect to set: not one error per token.
fn one_error_for_another_dialect(
    helpers: &[lower::ForeignHelper],
    current: Dialect,
) -> Option<LoadError> {
    let first = helpers.iter().min_by(|a, b| {
        (&a.loc.file, a.loc.line, a.loc.column).cmp(&(&b.loc.file, b.loc.line, b.loc.column))
    })?;
    // The dialect of the first, and each of its helpers once, in the order met.
    let mut named: Vec<String> = Vec::new();
    for h in helpers.iter().filter(|h| h.dialect == first.dialect) {
        let name = format!("`{}`", h.name);
        if !named.contains(&name) {
            named.push(name);
        }
    }
    Some(LoadError::at(
        &first.loc,
        format!(
            "this campaign calls {}, helpers of {}, not of the {} dialect it is read in: set `dialect: {}` in the campaign (or in mergeproof.yaml for the whole project)",
            named.join(", "),
            first.dialect.platform(),
            current.name(),
            first.dialect.name()
        ),
    ))
}

/// What `Handlebars::render_with_context` does, into a buffer the caller
/// reuses: it would allocate a fresh 8 KiB string for every field.
/// `too_large` is set when the output ran past
/// [`crate::limits::MAX_CELL_BYTES`] and the render was stopped there.
fn render_into(
    registry: &Handlebars<'static>,
    key: &str,
    input: &Input,
    out: &mut String,
    trace: Option<&mut KeyTrace>,
    too_large: &mut bool,
) -> Result<(), ::handlebars::RenderError> {
    use ::handlebars::{RenderContext, RenderErrorReason, Renderable};
    let Some(template) = registry.get_template(key) else {
        return Err(RenderErrorReason::TemplateNotFound(key.to_owned()).into());
    };
    let mut rc = RenderContext::new(template.name.as_ref());
    let mut buffer = StringBuffer {
        out,
        spent: 0,
        too_large: false,
        trace,
    };
    let result = template.render(registry, &input.0, &mut rc, &mut buffer);
    *too_large = buffer.too_large;
    result
}

/// A `::handlebars::Output` that appends to a borrowed string, up to the cell
/// budget: loops and partials are counted by what they write, so a long list
/// in the data or a partial called many times stops at the same size.
/// Each `{{#each}}` step writes an empty segment (vendor/handlebars/PATCH.md),
/// counted as one byte, so loops that print nothing are bounded too.
struct StringBuffer<'a> {
    out: &'a mut String,
    /// Bytes written, and a byte for each empty segment.
    spent: usize,
    too_large: bool,
    /// Follows what is written, to know the body's skeleton by it.
    trace: Option<&'a mut KeyTrace>,
}

impl StringBuffer<'_> {
    fn room_for(&mut self, bytes: usize) -> Result<(), std::io::Error> {
        self.spent += bytes.max(1);
        if self.spent > crate::limits::MAX_CELL_BYTES {
            self.too_large = true;
            return Err(std::io::Error::other(format!(
                "it renders past {} MiB",
                crate::limits::MAX_CELL_BYTES >> 20
            )));
        }
        Ok(())
    }
}

impl ::handlebars::Output for StringBuffer<'_> {
    fn write(&mut self, seg: &str) -> Result<(), std::io::Error> {
        self.room_for(seg.len())?;
        self.out.push_str(seg);
        if let Some(trace) = self.trace.as_deref_mut() {
            trace.computed(seg);
        }
        Ok(())
    }

    fn write_template(&mut self, seg: &str) -> Result<(), std::io::Error> {
        // Counted whether or not it is written: the cell's budget is the
        // same either way.
        self.room_for(seg.len())?;
        let at = self.out.len();
        match self.trace.as_deref_mut() {
            Some(trace) => {
                if trace.writes(seg) {
                    self.out.push_str(seg);
                }
                trace.template_text(seg, at);
            }
            None => self.out.push_str(seg),
        }
        Ok(())
    }

    fn write_fmt(&mut self, args: std::fmt::Arguments<'_>) -> Result<(), std::io::Error> {
        let start = self.out.len();
        std::fmt::Write::write_fmt(self.out, args).map_err(std::io::Error::other)?;
        let written = self.out.len() - start;
        self.room_for(written)
            .inspect_err(|_| self.out.truncate(start))?;
        if let Some(trace) = self.trace.as_deref_mut() {
            trace.computed(&self.out[start..]);
        }
        Ok(())
    }
}
