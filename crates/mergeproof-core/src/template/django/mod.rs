//! The Klaviyo front end: Django's template syntax as Klaviyo documents
//! it, lowered to the template model and rendered as Django 5.2 renders
//! it, checked byte for byte against Django itself (`tests/klaviyo/`).
//! Where Klaviyo documents a difference from Django it is followed; where
//! it is silent, Django's behaviour is (README "Dialects" lists what is
//! unverified): `None` prints `None`, `default` replaces every falsy
//! value, a zero included, and printed values are HTML-escaped in an
//! email body.
//! <https://developers.klaviyo.com/en/docs/django_message_design>

mod eval;
mod filters;
mod lower;
mod syntax;
mod value;

use std::collections::HashMap;

use super::model::Analysis;
use super::{RenderFailure, RenderInput, Renderer};
use crate::project::TemplateSource;
use crate::source::LoadError;
use syntax::Node;

#[derive(Default)]
pub(super) struct FrontEnd {
    templates: HashMap<String, (Vec<Node>, bool)>,
}

impl FrontEnd {
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
        let lowered = lower::Lowering::new(audience, html).lower(&nodes)?;
        self.templates.insert(key.to_string(), (nodes, html));
        Ok(lowered)
    }

    pub(super) fn finish(self) -> Box<dyn Renderer> {
        Box::new(KlaviyoRenderer {
            templates: self.templates,
        })
    }
}

struct KlaviyoRenderer {
    templates: HashMap<String, (Vec<Node>, bool)>,
}

impl Renderer for KlaviyoRenderer {
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
        let mut render = eval::Render::new(input.data(), *html);
        render.nodes(nodes, out);
        match render.stopped {
            None => Ok(()),
            Some(why) => {
                let too_large = out.len() > crate::limits::MAX_CELL_BYTES;
                *out = String::new();
                Err(if too_large {
                    RenderFailure::too_large()
                } else {
                    RenderFailure::failed(format!("Django error: {why}: the message is not sent"))
                })
            }
        }
    }
}
