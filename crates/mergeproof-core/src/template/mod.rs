//! Templates: compile each subject, preheader and body once through its
//! language's front end into the template model ([`model`]), and render them
//! for a profile with the spans that came from data.
//!
//! A front end ([`handlebars`], `liquid`, `mailchimp`, `django`) is the only code that knows its
//! template engine: it lowers each template to an [`Analysis`] and leaves a
//! [`Renderer`] that gives the marked text of a template for a profile. All
//! else here, and every stage after this one, reads only the model and the
//! rendered text.

mod across;
mod django;
mod handlebars;
pub mod html;
mod liquid;
mod mailchimp;
pub(crate) mod model;
pub(crate) mod place;
pub(crate) mod render;
mod splice;
pub(crate) use across::{filter_twin, handlebars_in, tag_twin};
pub(crate) use splice::{Found, OverlapFinder};

use std::collections::{BTreeMap, HashMap};

use crate::dialect::{Dialect, Language, TemplateDialect};
use crate::finding::Field;
use crate::project::{Campaign, Partial, Profile, TemplateSource};
use crate::source::LoadError;

/// The largest render buffer a thread keeps between cells.
const KEPT_BUFFER_BYTES: usize = 1 << 20;

pub(crate) use model::{Analysis, Token};
pub use render::{DataSpan, RenderedText};

/// One compiled template with what analysis found in it.
#[derive(Clone, Debug)]
pub struct CompiledTemplate {
    pub field: Field,
    /// Its name in the campaign's registry.
    pub key: String,
    pub source: TemplateSource,
    pub(crate) analysis: Analysis,
    /// HTML-escaped output (an email body), or plain text.
    pub html: bool,
    /// The template prints template code on purpose (`\{{ … }}`, a raw
    /// block `{{{{raw}}}}`): found once here, not in every rendered cell.
    pub(crate) prints_code: bool,
}

impl CompiledTemplate {
    pub(crate) fn token(&self, index: u32) -> Option<&Token> {
        self.analysis.tokens.get(index as usize)
    }
}

#[derive(Clone, Debug)]
pub struct CompiledVariant {
    pub subject: Option<CompiledTemplate>,
    pub preheader: Option<CompiledTemplate>,
    pub body: CompiledTemplate,
}

impl CompiledVariant {
    pub(crate) fn template(&self, field: Field) -> Option<&CompiledTemplate> {
        match field {
            Field::Subject => self.subject.as_ref(),
            Field::Preheader => self.preheader.as_ref(),
            Field::Body => Some(&self.body),
            Field::Audience | Field::Campaign => None,
        }
    }

    pub(crate) fn templates(&self) -> impl Iterator<Item = &CompiledTemplate> {
        self.subject
            .iter()
            .chain(self.preheader.iter())
            .chain(std::iter::once(&self.body))
    }

    fn templates_mut(&mut self) -> impl Iterator<Item = &mut CompiledTemplate> {
        self.subject
            .iter_mut()
            .chain(self.preheader.iter_mut())
            .chain(std::iter::once(&mut self.body))
    }
}

/// A campaign ready to render: every template compiled once, and the
/// renderer its front end left.
pub struct CompiledCampaign {
    pub campaign: Campaign,
    /// The dialect it renders in.
    pub dialect: Dialect,
    pub variants: Vec<CompiledVariant>,
    renderer: Box<dyn Renderer>,
}

/// What a front end leaves to render a campaign: the marked text of the
/// template registered as `key` for one profile, written into `out` (each
/// token's output between the markers of [`crate::markers`]), or why it
/// could not be rendered.
pub(crate) trait Renderer: Send + Sync {
    fn render(
        &self,
        key: &str,
        html: bool,
        input: &RenderInput,
        out: &mut String,
    ) -> Result<(), RenderFailure>;

    /// [`Self::render`], following what is written with `trace` where the
    /// front end can tell its templates' own text from what it computes
    /// ([`Self::traces`]: `trace` then holds the body's skeleton key); the
    /// others leave the key to the walk of the rendered text.
    fn render_traced(
        &self,
        key: &str,
        html: bool,
        input: &RenderInput,
        out: &mut String,
        _trace: &mut splice::KeyTrace,
    ) -> Result<(), RenderFailure> {
        self.render(key, html, input, out)
    }

    /// Whether [`Self::render_traced`] follows the templates' own text
    /// (and can leave it out, [`splice::KeyTrace::leave_template_text_out`]).
    fn traces(&self) -> bool {
        false
    }
}

/// Gives each output of an HTML template its place, read from the outline
/// its front end handed over.
fn place_outputs(analysis: &mut Analysis, outline: &str) {
    let places = place::places(outline, analysis.tokens.len());
    for (token, place) in analysis.tokens.iter_mut().zip(places) {
        token.place = place;
    }
}

/// Partials compiled once per project, for each front end.
pub struct CompiledPartials<'a> {
    handlebars: self::handlebars::Partials<'a>,
    liquid: liquid::Partials,
}

/// Compiles the project's partials in its dialect; their errors beside.
pub fn compile_partials(
    partials: &BTreeMap<String, Partial>,
    dialect: Dialect,
) -> (CompiledPartials<'_>, Vec<LoadError>) {
    let (handlebars, mut errors) = self::handlebars::compile_partials(partials, dialect);
    let (liquid, liquid_errors) = liquid::compile_partials(partials, dialect);
    errors.extend(liquid_errors);
    (CompiledPartials { handlebars, liquid }, errors)
}

/// The front end of a campaign's template language.
enum FrontEnd<'a> {
    Handlebars(Box<self::handlebars::FrontEnd<'a>>),
    Liquid(liquid::FrontEnd<'a>),
    Mailchimp(mailchimp::FrontEnd),
    Django(django::FrontEnd),
}

/// Whether a template in `language` writes template code out on purpose,
/// for a reader to copy: Handlebars's `\{{ … }}` and raw blocks
/// (`{{{{raw}}}}`), Liquid's `{% raw %}` blocks. Klaviyo takes neither
/// Django's `{% verbatim %}` nor `{% templatetag %}`, and Mailchimp's merge
/// tags have no escape.
fn prints_code(language: Language, text: &str) -> bool {
    match language {
        Language::Handlebars => text.contains("\\{{") || text.contains("{{{{"),
        Language::Liquid => liquid::has_raw_block(text),
        Language::Mailchimp | Language::Django => false,
    }
}

/// Compiles and lowers every template of a campaign. All errors of the
/// campaign are returned together.
pub fn compile_campaign(
    campaign: Campaign,
    partials: &CompiledPartials<'_>,
    dialect: TemplateDialect<'_>,
) -> Result<CompiledCampaign, Vec<LoadError>> {
    let mut errors = Vec::new();
    let mut front_end = match dialect.dialect.table().language {
        Language::Liquid => FrontEnd::Liquid(liquid::FrontEnd::new(&partials.liquid, dialect)),
        Language::Mailchimp => FrontEnd::Mailchimp(mailchimp::FrontEnd::new(dialect)),
        Language::Django => FrontEnd::Django(django::FrontEnd::default()),
        Language::Handlebars => FrontEnd::Handlebars(Box::new(self::handlebars::FrontEnd::new(
            &partials.handlebars,
            dialect,
        ))),
    };
    let body_is_html = campaign.channel.body_is_html();
    let mut variants = Vec::new();
    for (vi, variant) in campaign.variants.iter().enumerate() {
        let mut build = |field: Field, source: &TemplateSource| {
            let key = format!("\u{0}{vi}/{field}");
            let html = field == Field::Body && body_is_html;
            let lowered = match &mut front_end {
                FrontEnd::Handlebars(f) => f.lower(&key, html, source, variant.audience.as_ref()),
                FrontEnd::Liquid(f) => f.lower(&key, source, variant.audience.as_ref()),
                FrontEnd::Mailchimp(f) => f.lower(&key, html, source, variant.audience.as_ref()),
                FrontEnd::Django(f) => f.lower(&key, html, source, variant.audience.as_ref()),
            };
            match lowered {
                Ok((mut analysis, outline)) => Some(CompiledTemplate {
                    analysis: {
                        // A plain-text field's outputs are all text.
                        if html {
                            place_outputs(&mut analysis, &outline);
                        }
                        analysis
                    },
                    field,
                    key,
                    prints_code: prints_code(dialect.dialect.table().language, &source.text),
                    source: source.clone(),
                    html,
                }),
                Err(mut e) => {
                    errors.append(&mut e);
                    None
                }
            }
        };
        let subject = variant.subject.as_ref().map(|s| build(Field::Subject, s));
        let preheader = variant
            .preheader
            .as_ref()
            .map(|s| build(Field::Preheader, s));
        let body = build(Field::Body, &variant.body);
        if let Some(body) = body {
            variants.push(CompiledVariant {
                subject: subject.flatten(),
                preheader: preheader.flatten(),
                body,
            });
        }
    }
    let renderer = match front_end {
        FrontEnd::Handlebars(f) => {
            let (renderer, other_dialect) = f.finish();
            errors.extend(other_dialect);
            renderer
        }
        FrontEnd::Liquid(f) => f.finish(),
        FrontEnd::Mailchimp(f) => f.finish(),
        FrontEnd::Django(f) => f.finish(),
    };
    errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    errors.dedup();
    if errors.is_empty() {
        Ok(CompiledCampaign {
            campaign,
            dialect: dialect.dialect,
            variants,
            renderer,
        })
    } else {
        Err(errors)
    }
}

impl std::fmt::Debug for CompiledCampaign {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompiledCampaign")
            .field("campaign", &self.campaign.id)
            .field("variants", &self.variants.len())
            .finish()
    }
}

/// A rendered subject, preheader or body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedField {
    /// What the template produced (HTML for an email body). In a body read
    /// for the checks when none of them reads its HTML, only what its
    /// outputs printed ([`BodyReads::leaving_html_out_of`]).
    pub output: RenderedText,
    /// The words a reader sees: for HTML the text without tags, else the output.
    pub plain: RenderedText,
    /// Why rendering failed, if it did.
    pub error: Option<RenderFailure>,
    /// For an HTML body: the preview line, Outlook-only text, links, images
    /// and URL attributes, as a mail client reads them.
    pub html: Option<Box<HtmlParts>>,
    /// Where `plain` came from, when it was read from the body's skeleton:
    /// what lets a search of it look only around the outputs.
    pub(crate) plain_source: splice::PlainOrigin,
}

/// Why a field did not render for a profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderFailure {
    /// What went wrong, in the engine's words without its internal names.
    pub message: String,
    /// Line and column in the field's own template text, where the engine
    /// knows it (not when the failure is inside a partial).
    pub position: Option<(usize, usize)>,
    /// The field rendered past [`crate::limits::MAX_CELL_BYTES`] and was
    /// stopped there.
    pub too_large: bool,
    /// The template cancelled the send on purpose (Braze's
    /// `abort_message`): not a failure, and the cell has no content.
    pub aborted: bool,
    /// The field's own output whose value the platform would not print (a
    /// variable the person lacks, in Customer.io), which a fallback mends.
    pub token: Option<u32>,
}

impl RenderFailure {
    /// The field rendered past [`crate::limits::MAX_CELL_BYTES`] and was
    /// stopped there.
    pub(crate) fn too_large() -> RenderFailure {
        RenderFailure {
            too_large: true,
            ..RenderFailure::failed("too large".into())
        }
    }

    /// The platform would not render the field, for the reason `message`
    /// gives; where is not known.
    pub(crate) fn failed(message: String) -> RenderFailure {
        RenderFailure {
            message,
            position: None,
            too_large: false,
            aborted: false,
            token: None,
        }
    }
}

/// As the preview and the TUI show it.
impl std::fmt::Display for RenderFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.too_large {
            write!(
                f,
                "renders past {} MiB; stopped there",
                crate::limits::MAX_CELL_BYTES >> 20
            )
        } else {
            f.write_str(&self.message)
        }
    }
}

/// What an HTML body holds besides its text, each with its data spans.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HtmlParts {
    /// The hidden preheader clients show after the subject.
    pub preheader: RenderedText,
    /// Text only Outlook shows (`<!--[if mso]>`).
    pub outlook_only: RenderedText,
    /// The links and images a view lists ([`RenderedField::reading`]);
    /// empty in a cell read for the checks ([`BodyReads`]), which read
    /// neither.
    pub(crate) links: Vec<RenderedLink>,
    pub images: Vec<RenderedImage>,
    /// Every `href`, `src`, `srcset` and `background` a token printed
    /// into, Outlook's included. Those the template writes out whole are
    /// the same for every customer and no rule reads them: not handing
    /// them on spares a copy of each per customer.
    pub(crate) urls: Vec<RenderedUrl>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RenderedLink {
    pub href: RenderedText,
    /// Where the link's text ends in the body's plain text.
    pub at: usize,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedImage {
    pub src: RenderedText,
    pub alt: RenderedText,
    /// Where the image sits in the body's plain text.
    pub at: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RenderedUrl {
    /// Named as every customer's reading of a skeleton names it: a body of
    /// links copies none of these per customer.
    pub tag: html::ElementName,
    /// One of [`html::URL_ATTRIBUTES`].
    pub attribute: &'static str,
    pub value: RenderedText,
}

/// A body as a text browser (w3m, lynx) shows it: each link's text followed
/// by its number (`See your picks [1]`), each image as `[image: alt]`, then
/// the numbered URLs. Spans still mark what came from data, in the text and
/// in each URL.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reading {
    pub text: RenderedText,
    /// The links' URLs, `[1]` first.
    pub links: Vec<RenderedText>,
    /// The images' sources, in the order of their `[image: …]`.
    pub images: Vec<RenderedText>,
}

impl RenderedField {
    /// A field that did not render, and why.
    fn failed(failure: RenderFailure) -> RenderedField {
        RenderedField {
            error: Some(failure),
            ..RenderedField::default()
        }
    }

    /// An HTML body that rendered: its `output`, the words a reader sees
    /// and what a mail client reads in it; `plain_source`, where `plain`
    /// was read from its skeleton.
    fn html(
        output: RenderedText,
        plain: RenderedText,
        parts: HtmlParts,
        plain_source: Option<splice::PlainSource>,
    ) -> RenderedField {
        RenderedField {
            output,
            plain,
            error: None,
            html: Some(Box::new(parts)),
            plain_source: splice::PlainOrigin(plain_source),
        }
    }

    /// Every match of `finder` in the plain text, overlapping ones
    /// included, in order of where they start (then end, then pattern).
    /// `key` names the finder's patterns for the whole run: what lies
    /// between outputs is searched once per skeleton under it.
    pub(crate) fn find_overlapping(
        &self,
        key: &'static str,
        finder: &OverlapFinder,
    ) -> Vec<splice::Found> {
        splice::find_overlapping(&self.plain.text, self.plain_source.0.as_ref(), key, finder)
    }

    /// Which of `finder`'s patterns [`Self::find_overlapping`] finds, by
    /// pattern, without placing the matches.
    pub(crate) fn patterns_in(&self, key: &'static str, finder: &OverlapFinder) -> Vec<bool> {
        splice::patterns_in(&self.plain.text, self.plain_source.0.as_ref(), key, finder)
    }

    /// The field as a reader of its text sees it, links and images marked
    /// where they are; a plain-text field as it is.
    pub fn reading(&self) -> Reading {
        let Some(html) = self.html.as_deref() else {
            return Reading {
                text: self.plain.clone(),
                ..Reading::default()
            };
        };
        // (where, order, text to insert with its own spans), each set apart
        // from the words around it by a space.
        let mut inserts: Vec<(usize, usize, RenderedText)> = Vec::new();
        for (i, image) in html.images.iter().enumerate() {
            let alt = if image.alt.text.trim().is_empty() {
                RenderedText {
                    text: "[image]".into(),
                    spans: Vec::new(),
                }
            } else {
                let mut text = RenderedText {
                    text: format!("[image: {}]", image.alt.text),
                    spans: image.alt.spans.clone(),
                };
                for span in &mut text.spans {
                    span.start += "[image: ".len();
                    span.end += "[image: ".len();
                }
                text
            };
            inserts.push((image.at, i, alt));
        }
        for (i, link) in html.links.iter().enumerate() {
            let number = RenderedText {
                text: format!("[{}]", i + 1),
                spans: Vec::new(),
            };
            inserts.push((link.at, html.images.len() + i, number));
        }
        inserts.sort_by_key(|(at, order, _)| (*at, *order));
        let plain = &self.plain;
        let mut text = String::with_capacity(plain.text.len() + inserts.len() * 8);
        let mut spans = Vec::with_capacity(plain.spans.len());
        let mut from = 0;
        let mut shift = 0;
        let mut next_span = plain.spans.iter().peekable();
        let mut shifted = |upto: usize, shift: usize, spans: &mut Vec<DataSpan>| {
            while let Some(s) = next_span.next_if(|s| s.start < upto || s.end <= upto) {
                spans.push(DataSpan {
                    start: s.start + shift,
                    end: s.end + shift,
                    token: s.token,
                });
            }
        };
        for (at, _, insert) in inserts {
            let at = at.min(plain.text.len());
            let at = (0..=at)
                .rev()
                .find(|i| plain.text.is_char_boundary(*i))
                .unwrap_or(0);
            if at < from {
                continue;
            }
            shifted(at, shift, &mut spans);
            text.push_str(&plain.text[from..at]);
            let before = text.len();
            if !text.is_empty() && !text.ends_with([' ', '\n']) {
                text.push(' ');
            }
            let base = text.len();
            text.push_str(&insert.text);
            spans.extend(insert.spans.iter().map(|s| DataSpan {
                start: s.start + base,
                end: s.end + base,
                token: s.token,
            }));
            if plain.text[at..].starts_with(char::is_alphanumeric) {
                text.push(' ');
            }
            shift += text.len() - before;
            from = at;
        }
        shifted(usize::MAX, shift, &mut spans);
        text.push_str(&plain.text[from..]);
        spans.sort_by_key(|s| (s.start, s.end));
        Reading {
            text: RenderedText { text, spans },
            links: html.links.iter().map(|l| l.href.clone()).collect(),
            images: html.images.iter().map(|i| i.src.clone()).collect(),
        }
    }
}

impl HtmlParts {
    /// Without what only a view shows: the parts a check reads.
    fn for_checks(self) -> HtmlParts {
        HtmlParts {
            links: Vec::new(),
            images: Vec::new(),
            ..self
        }
    }

    fn from_read(read: html::ReadHtml) -> (RenderedText, HtmlParts) {
        let spans = |t: &str| render::extract_spans(t);
        let parts = HtmlParts {
            preheader: spans(&read.preheader),
            outlook_only: spans(&read.outlook_only),
            links: read
                .links
                .iter()
                .map(|l| RenderedLink {
                    href: spans(&l.href),
                    at: l.at,
                })
                .collect(),
            images: read
                .images
                .iter()
                .map(|i| RenderedImage {
                    src: spans(&i.src),
                    alt: spans(&i.alt),
                    at: i.at,
                })
                .collect(),
            urls: read
                .urls
                .into_iter()
                .map(|u| RenderedUrl {
                    tag: u.tag,
                    attribute: u.attribute,
                    value: spans(&u.value),
                })
                .filter(|u| !u.value.spans.is_empty())
                .collect(),
        };
        (spans(&read.text), parts)
    }
}

/// What one profile receives from one variant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RenderedCell {
    pub variant: usize,
    pub subject: Option<RenderedField>,
    pub preheader: Option<RenderedField>,
    pub body: RenderedField,
}

/// What becomes of a cell at send time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Outcome {
    /// The platform sends what rendered.
    #[default]
    Sent,
    /// The template cancelled the send on purpose (Braze's `abort_message`):
    /// the customer gets nothing, as the team meant.
    Aborted,
    /// A field did not render: the platform sends nothing to this customer.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Sent => "sent",
            Outcome::Aborted => "aborted",
            Outcome::Failed => "failed",
        }
    }
}

impl RenderedCell {
    /// Aborted when a field cancelled the send, failed when one did not
    /// render, else sent.
    pub fn outcome(&self) -> Outcome {
        let errors = || {
            [
                self.subject.as_ref(),
                self.preheader.as_ref(),
                Some(&self.body),
            ]
            .into_iter()
            .flatten()
            .filter_map(|f| f.error.as_ref())
        };
        if errors().any(|e| e.aborted) {
            Outcome::Aborted
        } else if errors().next().is_some() {
            Outcome::Failed
        } else {
            Outcome::Sent
        }
    }

    /// Why the template cancelled the send, for an aborted cell.
    pub fn abort_reason(&self) -> Option<String> {
        [
            self.subject.as_ref(),
            self.preheader.as_ref(),
            Some(&self.body),
        ]
        .into_iter()
        .flatten()
        .find_map(|f| f.error.as_ref().filter(|e| e.aborted))
        .map(ToString::to_string)
    }

    pub fn field(&self, field: Field) -> Option<&RenderedField> {
        match field {
            Field::Subject => self.subject.as_ref(),
            Field::Preheader => self.preheader.as_ref(),
            Field::Body => Some(&self.body),
            Field::Audience | Field::Campaign => None,
        }
    }
}

/// HTML bodies already read, for one campaign's run. A body whose outputs'
/// texts read as themselves is read once per skeleton (the body with each
/// output's text left out, [`splice`]): customers who took the same
/// branches share one reading, their texts put back in it. Any other body is
/// kept by its whole marked output: edge profiles that differ only in how a
/// value is absent often render the same body. At most
/// [`BodyReads::CAPACITY`] of each are kept, so memory stays bounded.
///
/// They read bodies for the checks: what only a view shows, the links and
/// images of [`RenderedField::reading`], is left out of their
/// [`HtmlParts`]. A view renders its cell without them.
///
/// One `BodyReads` serves one compiled campaign, which outlives it: the key
/// a Handlebars body is known by names pieces of that campaign's compiled
/// templates by their address ([`splice::KeyTrace`]).
#[derive(Default)]
pub(crate) struct BodyReads {
    /// Skeletons read, and how often a body met one.
    shared: SkeletonReads,
    /// For an audit ([`BodyReads::skeletons_only`]), each worker thread's
    /// own, by its index: every customer takes a count of their skeleton's
    /// reading and of its text, and counts what they met. Shared by the
    /// cores, each of those writes would move its line from one core to
    /// the other for every customer; a worker reads each skeleton once
    /// for itself instead (a handful per campaign).
    by_worker: Box<[SkeletonReads]>,
    whole: std::sync::Mutex<FastMap<(RenderedText, HtmlParts)>>,
    /// Every body read whole, as the equivalence tests compare.
    whole_only: bool,
    /// Keep no body read whole: an audit's customers seldom share one, and
    /// it runs through millions of them in bounded memory.
    skeletons_only: bool,
    /// The bodies (by template key) whose HTML no check reads: their
    /// cells' [`RenderedField::output`] holds only what the outputs
    /// printed, not a copy of the whole body per customer.
    html_unread: std::collections::HashSet<Box<str>, foldhash::fast::FixedState>,
    /// Skeletons read, for a new one to take a reading up from.
    recent: splice::RecentReads,
}

/// Skeletons read, by their digest ([`splice::SkeletonKey`]), and the
/// counts that tell whether rendering without the template text pays
/// ([`SkeletonReads::outputs_only_pays`]). Aligned apart, so that two workers'
/// never share a cache line.
#[derive(Default)]
#[repr(align(128))]
struct SkeletonReads {
    skeletons: std::sync::Mutex<
        HashMap<u128, std::sync::Arc<splice::SkeletonRead>, foldhash::fast::FixedState>,
    >,
    /// Bodies read from a skeleton read before, however they were
    /// rendered; and bodies whose skeleton had not been read, or that were
    /// rendered without their template text in vain (their outputs did
    /// not read as themselves there).
    met: std::sync::atomic::AtomicUsize,
    missed: std::sync::atomic::AtomicUsize,
}

impl SkeletonReads {
    /// Whether rendering a body without its template text first pays: a
    /// body whose skeleton is new is rendered a second time, whole. It is
    /// tried once eight bodies met a skeleton read before, and while at most
    /// one body in nine missed one, whole renders and renders without
    /// template text alike: a campaign whose profiles seldom share a
    /// skeleton (a few hundred profiles, guards that combine many ways)
    /// renders each body once, whole.
    fn outputs_only_pays(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let met = self.met.load(Relaxed);
        met >= 8 && self.missed.load(Relaxed) * 8 <= met
    }

    /// Counts a body that met a skeleton read before, or missed one.
    fn count(&self, met: bool) {
        use std::sync::atomic::Ordering::Relaxed;
        let counter = if met { &self.met } else { &self.missed };
        counter.fetch_add(1, Relaxed);
    }
}

/// Keys of 20–40 KB are hashed for each customer: a fast hash, not a
/// DoS-resistant one (the keys are the team's own templates).
type FastMap<V> = HashMap<Box<str>, V, foldhash::fast::FixedState>;

impl BodyReads {
    pub(crate) const CAPACITY: usize = 4096;

    /// Reads that read every body whole, never from a skeleton.
    pub(crate) fn whole_only() -> BodyReads {
        BodyReads {
            whole_only: true,
            ..BodyReads::default()
        }
    }

    /// Reads that keep only skeletons, at most [`Self::AUDIT_CAPACITY`].
    pub(crate) fn skeletons_only() -> BodyReads {
        BodyReads {
            skeletons_only: true,
            by_worker: (0..rayon::current_num_threads())
                .map(|_| SkeletonReads::default())
                .collect(),
            ..BodyReads::default()
        }
    }

    /// The skeletons this thread reads and counts: its own on a worker of
    /// an audit, else the shared ones.
    fn here(&self) -> &SkeletonReads {
        rayon::current_thread_index()
            .and_then(|worker| self.by_worker.get(worker))
            .unwrap_or(&self.shared)
    }

    /// Keeps only what the outputs printed in [`RenderedField::output`] of
    /// the cells of these bodies (template keys): nothing that reads the
    /// cells reads their HTML between the outputs.
    pub(crate) fn leaving_html_out_of(
        mut self,
        bodies: impl IntoIterator<Item = Box<str>>,
    ) -> Self {
        self.html_unread.extend(bodies);
        self
    }

    /// Skeletons an audit keeps per campaign: the branches its customers
    /// take, not the customers.
    pub(crate) const AUDIT_CAPACITY: usize = 256;

    fn capacity(&self) -> usize {
        if self.skeletons_only {
            Self::AUDIT_CAPACITY
        } else {
            Self::CAPACITY
        }
    }

    /// The reading of a body rendered without its template text, from
    /// its skeleton's reading: `None` when the render made no key, that
    /// skeleton was not read yet, or an output's text does not read as
    /// itself where it prints (the body is then rendered whole and read as
    /// any other).
    fn read_known(
        &self,
        outputs: &str,
        key: Option<&splice::SkeletonKey>,
    ) -> Option<(RenderedText, HtmlParts, splice::PlainSource)> {
        let key = key?;
        let here = self.here();
        let read = lock(&here.skeletons).get(&key.digest).cloned()?;
        // A new skeleton is counted when the body rendered again whole is
        // read ([`Self::read`]); a known one whose outputs do not read as
        // themselves there was rendered without its template text in vain.
        let spliced = read.splice(outputs, &key.contents);
        here.count(spliced.is_some());
        spliced
    }

    /// The reading of `marked` for the checks; `key`, its skeleton's key
    /// if the renderer made it ([`splice::KeyTrace`]).
    fn read(
        &self,
        marked: &str,
        key: Option<splice::SkeletonKey>,
    ) -> (RenderedText, HtmlParts, Option<splice::PlainSource>) {
        if !self.whole_only
            && let Some(key) = key.or_else(|| splice::skeleton_key(marked))
        {
            let here = self.here();
            let known = lock(&here.skeletons).get(&key.digest).cloned();
            here.count(known.is_some());
            // A skeleton not seen yet is written out and read once. Its
            // outputs are where the key says (the walk of the text agrees
            // with the renderer's trace, checked once per skeleton).
            let read = known.or_else(|| {
                let skeleton = splice::skeleton(marked).filter(|s| s.contents == key.contents)?;
                let read =
                    std::sync::Arc::new(splice::SkeletonRead::of_after(&skeleton, &self.recent));
                let mut skeletons = lock(&here.skeletons);
                if skeletons.len() < self.capacity() {
                    skeletons.insert(key.digest, read.clone());
                }
                Some(read)
            });
            if let Some((plain, parts, source)) =
                read.and_then(|read| read.splice(marked, &key.contents))
            {
                return (plain, parts, Some(source));
            }
        }
        let read_whole = || {
            let (plain, parts) = HtmlParts::from_read(html::read(marked));
            (plain, parts.for_checks())
        };
        if self.skeletons_only {
            let (plain, parts) = read_whole();
            return (plain, parts, None);
        }
        if let Some((plain, parts)) = lock(&self.whole).get(marked).cloned() {
            return (plain, parts, None);
        }
        let read = read_whole();
        let mut whole = lock(&self.whole);
        if whole.len() < Self::CAPACITY {
            whole.insert(marked.into(), read.clone());
        }
        (read.0, read.1, None)
    }

    /// How many readings are kept (for the tests of what is kept).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        lock(&self.whole).len()
            + std::iter::once(&self.shared)
                .chain(&self.by_worker)
                .map(|reads| lock(&reads.skeletons).len())
                .sum::<usize>()
    }
}

thread_local! {
    /// The key trace of the thread's body being rendered, its buffers kept
    /// from one body to the next.
    static KEY_TRACE: std::cell::RefCell<splice::KeyTrace> = std::cell::RefCell::default();
}

/// A poisoned lock only means another thread panicked while holding it;
/// the maps are still whole (insertion is one call).
fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// A profile's data as the renderers hold it. Making it copies the data, so
/// a profile rendered for many campaigns has it made once.
pub(crate) struct RenderInput {
    handlebars: self::handlebars::Input,
}

impl RenderInput {
    pub(crate) fn of(profile: &Profile) -> RenderInput {
        RenderInput {
            handlebars: self::handlebars::Input::of(&profile.data),
        }
    }

    /// Lends `profile`'s data to the renderers for `f` and puts it back: a
    /// profile rendered once (a customer of an audit) is not copied.
    pub(crate) fn lending<R>(profile: &mut Profile, f: impl FnOnce(&RenderInput) -> R) -> R {
        let input = RenderInput {
            handlebars: self::handlebars::Input::owning(std::mem::take(&mut profile.data)),
        };
        let result = f(&input);
        profile.data = input.handlebars.into_data();
        result
    }

    /// The profile's data, as every front end reads it.
    fn data(&self) -> &serde_json::Value {
        self.handlebars.data()
    }
}

/// What a campaign renders with once its templates were let go
/// ([`CompiledCampaign::let_go_of_templates`]): every render fails, saying
/// so, rather than printing nothing.
struct TemplatesLetGo;

impl Renderer for TemplatesLetGo {
    fn render(
        &self,
        _key: &str,
        _html: bool,
        _input: &RenderInput,
        _out: &mut String,
    ) -> Result<(), RenderFailure> {
        Err(RenderFailure::failed(
            "this run let go of the campaign's templates once it was checked (a report without views)"
                .into(),
        ))
    }
}

impl CompiledCampaign {
    /// Drops what the campaign renders with and what its checks read (each
    /// template's analysis: its tokens, blocks and allows), keeping what
    /// reports read (its campaign and its variants' sources). A run that no
    /// view renders from again lets go of each campaign's templates once it
    /// is checked, so that its memory holds the campaigns being checked, not
    /// all of them: the analyses of the small benchmark project's 3,000
    /// templates were a fifth of lint's peak memory.
    pub(crate) fn let_go_of_templates(&mut self) {
        self.renderer = Box::new(TemplatesLetGo);
        for template in self
            .variants
            .iter_mut()
            .flat_map(CompiledVariant::templates_mut)
        {
            template.analysis = Analysis::default();
        }
    }

    /// Renders one variant for one profile.
    pub fn render(&self, variant: usize, profile: &Profile) -> RenderedCell {
        self.render_input(variant, &RenderInput::of(profile), None)
    }

    /// [`Self::render`] from the profile's [`RenderInput`]. With `reads`,
    /// an HTML body rendered to the same output as one read before takes
    /// that reading instead of being read again.
    pub(crate) fn render_input(
        &self,
        variant: usize,
        input: &RenderInput,
        reads: Option<&BodyReads>,
    ) -> RenderedCell {
        let Some(compiled) = self.variants.get(variant) else {
            return RenderedCell::default();
        };
        // One buffer for the marked output of every field of the cell, kept
        // by the thread from one cell to the next: grown again for each
        // cell, a 30 KB body took a dozen reallocations.
        thread_local! {
            static MARKED: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
        }
        let mut marked = MARKED.take();
        let mut render = |t: &CompiledTemplate| self.render_field(t, input, &mut marked, reads);
        let subject = compiled.subject.as_ref().map(&mut render);
        let preheader = compiled.preheader.as_ref().map(&mut render);
        let body = render(&compiled.body);
        // A cell of megabytes does not keep its buffer.
        if marked.capacity() <= KEPT_BUFFER_BYTES {
            marked.clear();
            MARKED.set(marked);
        }
        // Without a `preheader:`, the inbox shows the body's hidden preheader
        // (`display:none`, `mso-hide:all`): it is checked as the preheader,
        // its tokens placed in the body's template.
        let preheader = preheader.or_else(|| {
            let hidden = &body.html.as_ref()?.preheader;
            (!hidden.text.trim().is_empty()).then(|| RenderedField {
                output: hidden.clone(),
                plain: hidden.clone(),
                error: None,
                html: None,
                plain_source: Default::default(),
            })
        });
        RenderedCell {
            variant,
            subject,
            preheader,
            body,
        }
    }

    fn render_field(
        &self,
        template: &CompiledTemplate,
        input: &RenderInput,
        marked: &mut String,
        reads: Option<&BodyReads>,
    ) -> RenderedField {
        let html_unread =
            template.html && reads.is_some_and(|r| r.html_unread.contains(template.key.as_str()));
        if html_unread
            && self.renderer.traces()
            && let Some(reads) = reads.filter(|r| !r.whole_only && r.here().outputs_only_pays())
            && let Some(field) = self.render_outputs_only(template, input, marked, reads)
        {
            return field;
        }
        marked.clear();
        // A body read from its skeleton: the key is made as it renders.
        let traced = match reads.filter(|r| template.html && !r.whole_only) {
            Some(_) => self.render_keyed(template, input, marked, false),
            None => self
                .renderer
                .render(&template.key, template.html, input, marked)
                .map(|()| None),
        };
        let key = match traced {
            Ok(key) => key,
            Err(failure) => return RenderedField::failed(failure),
        };
        let output = if html_unread {
            match &key {
                Some(key) => key.outputs(marked),
                None => render::extract_outputs(marked),
            }
        } else {
            render::extract_spans(marked)
        };
        if template.html {
            let (plain, parts, plain_source) = match reads {
                Some(reads) => reads.read(marked, key),
                None => {
                    let (plain, parts) = HtmlParts::from_read(html::read(marked));
                    (plain, parts, None)
                }
            };
            RenderedField::html(output, plain, parts, plain_source)
        } else {
            RenderedField {
                plain: output.clone(),
                output,
                error: None,
                html: None,
                plain_source: Default::default(),
            }
        }
    }

    /// Renders `template` into `out` with the thread's key trace, leaving
    /// its template text out or not (set for every body, so nothing one
    /// render left behind, a panic included, carries over to the next):
    /// the body's skeleton key, if the renderer follows its text.
    fn render_keyed(
        &self,
        template: &CompiledTemplate,
        input: &RenderInput,
        out: &mut String,
        leave_template_text_out: bool,
    ) -> Result<Option<splice::SkeletonKey>, RenderFailure> {
        KEY_TRACE.with_borrow_mut(|trace| {
            trace.leave_template_text_out(leave_template_text_out);
            self.renderer
                .render_traced(&template.key, template.html, input, out, trace)?;
            Ok(self.renderer.traces().then(|| trace.key()).flatten())
        })
    }

    /// A body of [`BodyReads::html_unread`] rendered without its template
    /// text, only its outputs and what the render computed between them,
    /// and read from its skeleton's reading; `None` when that does not do
    /// (a skeleton not read yet, an output that does not read as itself,
    /// a renderer that does not follow its template text) and the body is
    /// to be rendered whole. A render that fails fails the same way whole.
    fn render_outputs_only(
        &self,
        template: &CompiledTemplate,
        input: &RenderInput,
        outputs: &mut String,
        reads: &BodyReads,
    ) -> Option<RenderedField> {
        outputs.clear();
        let key = match self.render_keyed(template, input, outputs, true) {
            Ok(key) => key,
            Err(failure) => return Some(RenderedField::failed(failure)),
        };
        let (plain, parts, source) = reads.read_known(outputs, key.as_ref())?;
        let key = key?;
        Some(RenderedField::html(
            key.outputs(outputs),
            plain,
            parts,
            Some(source),
        ))
    }
}
