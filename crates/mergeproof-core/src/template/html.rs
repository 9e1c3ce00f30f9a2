//! HTML as a mail client reads it: rendered HTML through an HTML5 tokenizer
//! (html5gum, WHATWG's tokenization with every named and numeric entity),
//! into the words a reader sees, the inbox preview line, what only Outlook
//! shows, and the links, images and URL attributes the checks look at.
//!
//! The span markers pass through (they are characters of the text and of
//! attribute values), so every part keeps the spans that came from data.
//!
//! - `<head>`, `<title>`, `<style>`, `<script>` and comments are no text;
//! - `<!--[if mso]>…<![endif]-->` is read on its own, as Outlook-only text;
//!   `<!--[if !mso]><!-->…<!--<![endif]-->` is ordinary content;
//! - an element hidden with `display:none`, `mso-hide:all`,
//!   `visibility:hidden` or `hidden` is out of the body text; the first one
//!   that holds text is the preheader clients show after the subject;
//! - block elements start a line, table cells are separated by a space, runs
//!   of spaces fold, and invisible characters (zero-width joiners, soft
//!   hyphens) are dropped.

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::{Readable, Reader as Input, Span, Tokenizer};

use crate::markers::{CLOSE, OPEN};

/// Rendered HTML read for the checks and the preview; every text still holds
/// the span markers.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ReadHtml {
    /// The words a reader sees in the body.
    pub text: String,
    /// The hidden preheader: the inbox preview line after the subject.
    pub preheader: String,
    /// Text inside `<!--[if mso]>` blocks, which only Outlook shows.
    pub outlook_only: String,
    /// `<a href>` in the body, in order, with where their text ends in `text`.
    pub links: Vec<Link>,
    /// `<img>` in the body, in order, with where they sit in `text`.
    pub images: Vec<Image>,
    /// Every attribute that holds a URL, Outlook-only ones included.
    pub(crate) urls: Vec<UrlAttribute>,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    /// Byte offset in the unmarked text where the link's text ends.
    pub at: usize,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Image {
    pub src: String,
    pub alt: String,
    /// Byte offset in the unmarked text where the image sits.
    pub at: usize,
}

/// `href="…"` of an `<a>`, `src="…"` of an `<img>`, and the like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UrlAttribute {
    pub tag: ElementName,
    /// One of [`URL_ATTRIBUTES`].
    pub attribute: &'static str,
    pub value: String,
}

/// The name of the element a URL attribute is on. The elements emails link
/// from are named by a static name, which every customer's reading of a
/// skeleton copies as it is; any other name is shared, and each customer's
/// reading takes a count of it (a write every core of an audit makes in
/// turn).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ElementName {
    Known(&'static str),
    Other(std::sync::Arc<str>),
}

/// Elements that carry a URL in emails, Outlook's VML buttons and
/// backgrounds among them.
const LINKING_ELEMENTS: &[&str] = &[
    "a",
    "img",
    "table",
    "td",
    "th",
    "tr",
    "tbody",
    "body",
    "div",
    "span",
    "area",
    "link",
    "image",
    "source",
    "video",
    "audio",
    "iframe",
    "input",
    "embed",
    "track",
    "script",
    "v:roundrect",
    "v:rect",
    "v:fill",
    "v:image",
    "v:imagedata",
];

impl ElementName {
    pub(crate) fn of(name: &str) -> ElementName {
        match LINKING_ELEMENTS.iter().find(|known| **known == name) {
            Some(known) => ElementName::Known(known),
            None => ElementName::Other(name.into()),
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        match self {
            ElementName::Known(name) => name,
            ElementName::Other(name) => name,
        }
    }
}

impl std::fmt::Display for ElementName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Attributes whose value is a URL (or, `srcset`, a list of them).
pub(crate) const URL_ATTRIBUTES: &[&str] = &["href", "src", "srcset", "background"];

/// Elements that start a new line of text (a `match`: every start and end
/// tag of every body read asks).
fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "br"
            | "div"
            | "li"
            | "ul"
            | "ol"
            | "tr"
            | "table"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "hr"
            | "section"
            | "header"
            | "footer"
            | "blockquote"
            | "center"
            | "article"
            | "aside"
            | "nav"
            | "main"
            | "address"
            | "pre"
            | "dl"
            | "dt"
            | "dd"
            | "figure"
            | "figcaption"
    )
}

/// Elements whose content is never text.
fn holds_no_text(name: &str) -> bool {
    matches!(
        name,
        "head" | "title" | "style" | "script" | "template" | "noscript" | "xml"
    )
}

/// Elements that have no end tag.
fn is_void(name: &str) -> bool {
    matches!(
        name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// How deep Outlook-only blocks may nest inside one another's comments.
const MAX_CONDITIONAL_DEPTH: usize = 4;

/// Text with the five characters HTML gives meaning to escaped, as Ruby's
/// `CGI.escapeHTML` does (`'` as `&#39;`). Not `handlebars::html_escape`:
/// it also escapes `=`, which would grow every email's `srcdoc` by a sixth.
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    escape_into(s, "&#39;", &mut out);
    out
}

/// `s` with `& < > " '` escaped onto `out`, the apostrophe as the platform
/// writes it (`&#39;` in Ruby, `&#x27;` in Django).
pub(crate) fn escape_into(s: &str, apostrophe: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str(apostrophe),
            c => out.push(c),
        }
    }
}

pub(crate) fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

pub fn read(html: &str) -> ReadHtml {
    read_observing(html, |_| {})
}

/// [`read`], handing `observe` each event of the tokenizer's pass over
/// `html` as well (not those of Outlook-only blocks read again): what else
/// is learnt of the same text costs no second pass.
pub(crate) fn read_observing(html: &str, observe: impl FnMut(&CallbackEvent<'_>)) -> ReadHtml {
    // The text is at most about as long as the HTML: sized once, not
    // doubled a dozen times.
    let mut reader = Reader {
        text: String::with_capacity(html.len()),
        ..Reader::default()
    };
    reader.read_with(html, 0, observe);
    reader.finish()
}

/// A reading kept so that the reading of another HTML that starts with the
/// same text can be taken up where they part ([`read_resuming`]): the
/// reader as it ended, before its texts were trimmed, and where it could
/// have been stopped and started again.
pub(crate) struct Resumable {
    reader: Reader,
    points: Vec<ResumePoint>,
}

/// A place right after a tag where the tokenizer goes on reading text, and
/// the reader's state there in numbers: what it had written then is the
/// start of what it wrote in the end. Only places outside any link, any
/// element left out of the text and any hidden element are kept; most
/// places of a body are.
///
/// Kept in 32-bit numbers: an email's reading has a place every few dozen
/// bytes, and a place past 4 GiB (never reached within a cell's budget) is
/// left out.
#[derive(Clone, Copy, Debug)]
struct ResumePoint {
    /// The byte of the HTML after the tag's `>`.
    at: u32,
    /// How long the text was, and how many of its last bytes were spaces
    /// (a block element's tag trims those later).
    text: u32,
    trailing_spaces: u32,
    outlook_only: u32,
    links: u32,
    images: u32,
    urls: u32,
    /// Whether the preheader had been found (it is then the one kept).
    preheader: bool,
}

impl Resumable {
    /// The byte after the last place of this reading at or before `at`, and
    /// that place's index.
    pub(crate) fn point_before(&self, at: usize) -> Option<(usize, usize)> {
        let index = self
            .points
            .partition_point(|p| p.at as usize <= at)
            .checked_sub(1)?;
        Some((self.points[index].at as usize, index))
    }

    /// About how many bytes it holds.
    pub(crate) fn size(&self) -> usize {
        let reader = &self.reader;
        reader.text.len()
            + reader.outlook_only.len()
            + reader.preheader.len()
            + (reader.links.len() + reader.images.len() + reader.urls.len()) * 64
            + self.points.len() * std::mem::size_of::<ResumePoint>()
    }

    /// The reader as it was at its `index`th place.
    fn reader_at(&self, index: usize, capacity: usize) -> Reader {
        let point = self.points[index];
        let kept = &self.reader;
        let spaces = point.trailing_spaces as usize;
        let mut text = String::with_capacity(capacity);
        text.push_str(&kept.text[..point.text as usize - spaces]);
        text.extend(std::iter::repeat_n(' ', spaces));
        Reader {
            text,
            preheader: if point.preheader {
                kept.preheader.clone()
            } else {
                String::new()
            },
            outlook_only: kept.outlook_only[..point.outlook_only as usize].to_string(),
            links: kept.links[..point.links as usize].to_vec(),
            images: kept.images[..point.images as usize].to_vec(),
            urls: kept.urls[..point.urls as usize].to_vec(),
            ..Reader::default()
        }
    }
}

/// [`read_observing`], taken up at the `index`th place of `from` when it is
/// given (the HTML it was read from is `html` up to that place), and kept
/// to be taken up again. The reading is the whole of `html`'s; the events
/// observed are those after the place.
pub(crate) fn read_resuming(
    html: &str,
    from: Option<(&Resumable, usize)>,
    mut observe: impl FnMut(&CallbackEvent<'_>),
) -> (ReadHtml, Resumable) {
    let (mut reader, mut points) = match from {
        Some((resumable, index)) => (
            resumable.reader_at(index, html.len()),
            resumable.points[..=index].to_vec(),
        ),
        None => (
            Reader {
                text: String::with_capacity(html.len()),
                ..Reader::default()
            },
            Vec::new(),
        ),
    };
    let start = points.last().map_or(0, |p| p.at as usize);
    let mut tag = StartTag::default();
    let read = std::cell::Cell::new(start);
    let counting = Counting {
        inner: html[start..].to_reader(),
        read: &read,
    };
    tokenize_from(counting, |event| {
        observe(&event);
        // The tokenizer reads text after every end tag, and after a start
        // tag unless it reads what follows as raw text (`<style>`).
        let resumes = match event {
            CallbackEvent::EndTag { .. } => true,
            CallbackEvent::CloseStartTag { .. } => {
                html5gum::naive_next_state(tag.name.as_bytes()).is_none()
            }
            _ => false,
        };
        reader.on_event(event, &mut tag, 0);
        if resumes && let Some(point) = reader.resume_point(read.get()) {
            debug_assert_eq!(html.as_bytes()[point.at as usize - 1], b'>');
            points.push(point);
        }
    });
    let read = reader.finish_keeping();
    (read, Resumable { reader, points })
}

/// What is being left out of the body text, and until which end tag.
struct Skip {
    tag: String,
    depth: usize,
    /// Hidden text that may be the preheader (not `<style>` or `<head>`).
    hidden: bool,
}

#[derive(Default)]
struct Reader {
    text: String,
    preheader: String,
    outlook_only: String,
    skip: Option<Skip>,
    /// Text of the hidden element being read, for the preheader.
    hidden_text: String,
    /// Links whose `</a>` has not come yet: (index in `links`).
    open_links: Vec<usize>,
    /// Marked positions of links and images in `text`, to map at the end.
    links: Vec<(String, usize)>,
    images: Vec<(String, String, usize)>,
    urls: Vec<UrlAttribute>,
    /// Room for a tag's style without its white space ([`StartTag::is_hidden`]).
    squeezed_style: String,
}

/// Bytes the tokenizer hands over as text: the input is text, so they are
/// (a replacement character stands in for anything that is not).
pub(crate) fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    // The input is a `&str`, so events hold UTF-8 and the lossy path is
    // only a guard; `from_utf8` checks ASCII a word at a time, where
    // `from_utf8_lossy` walks its chunks.
    std::str::from_utf8(bytes).map_or_else(|_| String::from_utf8_lossy(bytes), Into::into)
}

/// An ASCII byte [`push_char`] puts in as it is: any but the white space
/// it folds (a test holds the two to each other).
fn goes_in_as_it_is(byte: u8) -> bool {
    byte.is_ascii() && !matches!(byte, b'\n' | b'\r' | b'\t' | b' ' | 0x0c)
}

/// One character of text into `out`: white space as one space between
/// words, invisible characters left out, any other as it is.
fn push_char(out: &mut String, c: char) {
    match c {
        '\n' | '\r' | '\t' | ' ' | '\u{a0}' | '\u{c}' => {
            if !out.ends_with([' ', '\n']) && !out.is_empty() {
                out.push(' ');
            }
        }
        // Invisible: zero-width spaces and joiners, the word joiner,
        // the byte-order mark, soft hyphens, the combining grapheme
        // joiner (preheader padding is made of them).
        '\u{200b}'..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}' | '\u{34f}' => {}
        c => out.push(c),
    }
}

/// The attributes the reader looks at: the URL attributes (a test holds
/// them here) and those links, images and hidden elements need.
const READ_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "srcset",
    "background",
    "alt",
    "style",
    "hidden",
];

/// Where each attribute the reader asks for is in [`READ_ATTRIBUTES`] (a
/// test holds them to it): a tag's attributes are asked for by place, not
/// by name.
const HREF: usize = 0;
const SRC: usize = 1;
const ALT: usize = 4;
const STYLE: usize = 5;
const HIDDEN: usize = 6;

/// The start tag being read: its name and the attributes of
/// [`READ_ATTRIBUTES`] it has (the first of each, as HTML keeps), buffers
/// kept from tag to tag.
#[derive(Default)]
struct StartTag {
    name: String,
    self_closing: bool,
    /// Each attribute's value, where `present` says the tag has it: the
    /// strings are kept from tag to tag, not made again for every tag.
    values: [String; READ_ATTRIBUTES.len()],
    present: [bool; READ_ATTRIBUTES.len()],
    /// The attribute whose value comes next, when it is one to keep.
    pending: Option<usize>,
}

impl StartTag {
    fn open(&mut self, name: &[u8]) {
        self.name.clear();
        self.name.push_str(&text(name));
        self.self_closing = false;
        self.present = [false; READ_ATTRIBUTES.len()];
        self.pending = None;
    }

    fn attribute_name(&mut self, name: &[u8]) {
        self.pending = READ_ATTRIBUTES
            .iter()
            .position(|a| a.as_bytes() == name)
            .filter(|&i| !self.present[i]);
        if let Some(i) = self.pending {
            // An attribute without a value has the empty one.
            self.present[i] = true;
            self.values[i].clear();
        }
    }

    fn attribute_value(&mut self, value: &[u8]) {
        if let Some(i) = self.pending {
            self.values[i].push_str(&text(value));
        }
    }

    /// The value of `READ_ATTRIBUTES[index]`, if the tag has it.
    fn attribute(&self, index: usize) -> Option<&str> {
        self.present[index].then(|| self.values[index].as_str())
    }

    /// Whether the element is hidden; `squeezed` is room for its style
    /// without white space, kept from tag to tag (most tags of an email
    /// have a style).
    fn is_hidden(&self, squeezed: &mut String) -> bool {
        if self.attribute(HIDDEN).is_some() {
            return true;
        }
        let Some(style) = self.attribute(STYLE) else {
            return false;
        };
        squeezed.clear();
        squeezed.extend(style.chars().filter(|c| !c.is_whitespace()));
        squeezed.make_ascii_lowercase();
        ["display:none", "mso-hide:all", "visibility:hidden"]
            .iter()
            .any(|h| squeezed.contains(h))
    }
}

/// Runs html5gum over `html`, handing `on_event` each of its events (which
/// borrow its buffers), with `<style>`, `<script>` and `<title>` read as
/// raw text, not tags. Every reading of HTML goes through here (public for
/// the render floor's `--read-html`, which runs the tokenizer as a reading
/// does and keeps nothing).
pub fn tokenize(html: &str, on_event: impl FnMut(CallbackEvent<'_>)) {
    tokenize_from(html.to_reader(), on_event);
}

fn tokenize_from<'a>(reader: impl Input + 'a, mut on_event: impl FnMut(CallbackEvent<'_>)) {
    let mut emitter = CallbackEmitter::new(
        |event: CallbackEvent<'_>, _: Span<()>| -> Option<std::convert::Infallible> {
            on_event(event);
            None
        },
    );
    emitter.naively_switch_states(true);
    Tokenizer::new_with_emitter(reader, WithoutErrors(emitter)).for_each(drop);
}

/// html5gum's reader of a string, counting the bytes it hands the
/// tokenizer: when a tag's end is read (the tokenizer reads no further
/// before it says so), where the tag ends. html5gum's own spans would say
/// it too, at a cost on every byte of every event.
struct Counting<'a, 'c> {
    inner: html5gum::StringReader<'a>,
    read: &'c std::cell::Cell<usize>,
}

impl Input for Counting<'_, '_> {
    type Error = std::convert::Infallible;

    #[inline(always)]
    fn read_byte(&mut self) -> Result<Option<u8>, Self::Error> {
        let byte = self.inner.read_byte()?;
        self.read.set(self.read.get() + usize::from(byte.is_some()));
        Ok(byte)
    }

    #[inline(always)]
    fn try_read_string(&mut self, s: &[u8], case_sensitive: bool) -> Result<bool, Self::Error> {
        let matched = self.inner.try_read_string(s, case_sensitive)?;
        if matched {
            self.read.set(self.read.get() + s.len());
        }
        Ok(matched)
    }

    #[inline(always)]
    fn read_until<'b>(
        &'b mut self,
        needle: &[u8],
        char_buf: &'b mut [u8; 4],
    ) -> Result<Option<&'b [u8]>, Self::Error> {
        let chunk = self.inner.read_until(needle, char_buf)?;
        if let Some(chunk) = chunk {
            self.read.set(self.read.get() + chunk.len());
        }
        Ok(chunk)
    }
}

/// An emitter that asks for no parse errors. html5gum checks every byte of
/// the input for control characters and noncharacters to report them, as
/// long as its emitter wants errors, and the callback emitter always does;
/// a reading ignores them (a mail client shows what it can), and that
/// check was a sixth of the work of reading a body.
struct WithoutErrors<E>(E);

impl<E: html5gum::Emitter> html5gum::ForwardingEmitter for WithoutErrors<E> {
    type Token = E::Token;

    fn inner(&mut self) -> &mut impl html5gum::Emitter<Token = Self::Token> {
        &mut self.0
    }

    fn should_emit_errors(&mut self) -> bool {
        false
    }
}

impl Reader {
    /// Reads HTML into the body text (`depth` 0) or, inside an Outlook-only
    /// block, into `outlook_only`. The tokenizer's events borrow its
    /// buffers: nothing is copied but what is kept.
    fn read(&mut self, html: &str, depth: usize) {
        self.read_with(html, depth, |_| {});
    }

    fn read_with(&mut self, html: &str, depth: usize, mut observe: impl FnMut(&CallbackEvent<'_>)) {
        let mut tag = StartTag::default();
        tokenize(html, |event| {
            observe(&event);
            self.on_event(event, &mut tag, depth);
        });
    }

    fn on_event(&mut self, event: CallbackEvent<'_>, tag: &mut StartTag, depth: usize) {
        match event {
            CallbackEvent::OpenStartTag { name } => tag.open(name),
            CallbackEvent::AttributeName { name } => tag.attribute_name(name),
            CallbackEvent::AttributeValue { value } => tag.attribute_value(value),
            CallbackEvent::CloseStartTag { self_closing } => {
                tag.self_closing = self_closing;
                self.start_tag(tag, depth);
            }
            CallbackEvent::EndTag { name } => self.end_tag(&text(name), depth),
            CallbackEvent::String { value } => self.push_text(&text(value), depth),
            CallbackEvent::Comment { value } => self.comment(&text(value), depth),
            CallbackEvent::Doctype { .. } | CallbackEvent::Error(_) => {}
        }
    }

    fn out(&mut self, depth: usize) -> &mut String {
        if depth > 0 {
            &mut self.outlook_only
        } else if self.skip.as_ref().is_some_and(|s| s.hidden) {
            &mut self.hidden_text
        } else {
            &mut self.text
        }
    }

    fn start_tag(&mut self, tag: &StartTag, depth: usize) {
        let name = tag.name.as_str();
        // The URL attributes are the first of those read (a test holds
        // them so).
        for (index, attr) in URL_ATTRIBUTES.iter().enumerate() {
            if let Some(value) = tag.attribute(index) {
                self.urls.push(UrlAttribute {
                    tag: ElementName::of(name),
                    attribute: attr,
                    value: value.to_string(),
                });
            }
        }
        // Any element that does not belong in `<head>` ends it, as a
        // browser's parser does: an unclosed `<head>` never hides the body.
        const HEAD_CONTENT: &[&str] = &[
            "title", "style", "script", "meta", "link", "base", "noscript", "template",
        ];
        if self
            .skip
            .as_ref()
            .is_some_and(|s| s.tag == "head" && !HEAD_CONTENT.contains(&name))
        {
            self.skip = None;
        }
        if let Some(skip) = &mut self.skip {
            if skip.tag == name && !is_void(name) {
                skip.depth += 1;
            }
            if !skip.hidden {
                return;
            }
        } else if name == "body" {
            return;
        } else if holds_no_text(name) {
            self.skip = Some(Skip {
                tag: name.to_string(),
                depth: 1,
                hidden: false,
            });
            return;
        } else if tag.is_hidden(&mut self.squeezed_style) && !is_void(name) && !tag.self_closing {
            self.skip = Some(Skip {
                tag: name.to_string(),
                depth: 1,
                hidden: true,
            });
            self.hidden_text.clear();
        }
        let in_body = depth == 0 && self.skip.is_none();
        if name == "a" && in_body {
            self.links.push((
                tag.attribute(HREF).unwrap_or_default().to_string(),
                self.text.len(),
            ));
            self.open_links.push(self.links.len() - 1);
        }
        if name == "img" && in_body {
            self.images.push((
                tag.attribute(SRC).unwrap_or_default().to_string(),
                tag.attribute(ALT).unwrap_or_default().to_string(),
                self.text.len(),
            ));
        }
        self.separate(name, depth);
    }

    fn end_tag(&mut self, name: &str, depth: usize) {
        if let Some(skip) = &mut self.skip {
            // `<body>` ends a `<head>` that was never closed.
            if skip.tag == name || (skip.tag == "head" && name == "body") {
                skip.depth -= 1;
                if skip.depth == 0 || name == "body" {
                    let hidden = skip.hidden;
                    self.skip = None;
                    if hidden && self.preheader.is_empty() {
                        let text = std::mem::take(&mut self.hidden_text);
                        self.preheader = text;
                    }
                    return;
                }
            }
            if !skip.hidden {
                return;
            }
        }
        if name == "a"
            && depth == 0
            && self.skip.is_none()
            && let Some(index) = self.open_links.pop()
        {
            let at = self.text.trim_end().len();
            if let Some(link) = self.links.get_mut(index) {
                link.1 = at;
            }
        }
        self.separate(name, depth);
    }

    fn separate(&mut self, name: &str, depth: usize) {
        let out = self.out(depth);
        if is_block(name) {
            let trimmed = out.trim_end_matches(' ').len();
            out.truncate(trimmed);
            if !out.ends_with('\n') && !out.is_empty() {
                out.push('\n');
            }
        } else if (name == "td" || name == "th") && !out.ends_with([' ', '\n']) && !out.is_empty() {
            out.push(' ');
        }
    }

    fn comment(&mut self, comment: &str, depth: usize) {
        // `[if mso]>…<![endif]`, `[if gte mso 9]>…`: Outlook only.
        let Some(condition) = comment.strip_prefix("[if ") else {
            return;
        };
        let Some((condition, rest)) = condition.split_once("]>") else {
            return;
        };
        if !condition.contains("mso") || condition.contains('!') {
            return;
        }
        let inner = rest.strip_suffix("<![endif]").unwrap_or(rest);
        // In `<head>` or `<style>`: Outlook's settings, never text.
        let in_no_text = self.skip.as_ref().is_some_and(|s| !s.hidden);
        if depth < MAX_CONDITIONAL_DEPTH && !in_no_text {
            let skip = self.skip.take();
            self.read(inner, depth + 1);
            self.skip = skip;
            if !self.outlook_only.ends_with('\n') && !self.outlook_only.is_empty() {
                self.outlook_only.push('\n');
            }
        }
    }

    fn push_text(&mut self, text: &str, depth: usize) {
        if self.skip.as_ref().is_some_and(|s| !s.hidden) {
            return;
        }
        let out = self.out(depth);
        let mut rest = text;
        while !rest.is_empty() {
            // What goes in as it is goes in a run at a time.
            let run = rest
                .bytes()
                .position(|b| !goes_in_as_it_is(b))
                .unwrap_or(rest.len());
            out.push_str(&rest[..run]);
            rest = &rest[run..];
            let Some(c) = rest.chars().next() else { break };
            rest = &rest[c.len_utf8()..];
            push_char(out, c);
        }
    }

    /// Where the reading could be taken up again at `at`, right after a
    /// tag at depth 0: `None` inside a link, an element left out of the
    /// text or a hidden one (their state is not kept in numbers).
    fn resume_point(&self, at: usize) -> Option<ResumePoint> {
        if self.skip.is_some() || !self.open_links.is_empty() {
            return None;
        }
        let number = |n: usize| u32::try_from(n).ok();
        Some(ResumePoint {
            at: number(at)?,
            text: number(self.text.len())?,
            trailing_spaces: number(self.text.len() - self.text.trim_end_matches(' ').len())?,
            outlook_only: number(self.outlook_only.len())?,
            links: number(self.links.len())?,
            images: number(self.images.len())?,
            urls: number(self.urls.len())?,
            preheader: !self.preheader.is_empty(),
        })
    }

    /// The reading: texts trimmed, and link and image positions in the text
    /// without its markers.
    fn finish(mut self) -> ReadHtml {
        let links = std::mem::take(&mut self.links);
        let images = std::mem::take(&mut self.images);
        let urls = std::mem::take(&mut self.urls);
        self.finish_with(links, images, urls)
    }

    /// [`Reader::finish`], the reader left as it is to be taken up again
    /// ([`read_resuming`]).
    fn finish_keeping(&self) -> ReadHtml {
        self.finish_with(self.links.clone(), self.images.clone(), self.urls.clone())
    }

    /// The reading of this reader's texts, with its links, images and URL
    /// attributes handed over.
    fn finish_with(
        &self,
        links: Vec<(String, usize)>,
        images: Vec<(String, String, usize)>,
        urls: Vec<UrlAttribute>,
    ) -> ReadHtml {
        let lead = self.text.len() - self.text.trim_start().len();
        let text = self.text.trim().to_string();
        // Positions in the text without markers, after the leading trim.
        let mut positions: Vec<usize> = links
            .iter()
            .map(|l| l.1)
            .chain(images.iter().map(|i| i.2))
            .chain([lead + text.len()])
            .collect();
        let mut mapped = unmarked_offsets(&self.text, &mut positions, lead);
        // A link or image in the trailing blanks the trim took off sits at
        // the end of the text.
        let end = mapped.pop().unwrap_or_default();
        mapped.iter_mut().for_each(|at| *at = (*at).min(end));
        let (link_at, image_at) = mapped.split_at(links.len());
        let links = links
            .into_iter()
            .zip(link_at)
            .map(|((href, _), at)| Link { href, at: *at })
            .collect();
        let images = images
            .into_iter()
            .zip(image_at)
            .map(|((src, alt, _), at)| Image { src, alt, at: *at })
            .collect();
        ReadHtml {
            text,
            preheader: self.preheader.trim().to_string(),
            outlook_only: self.outlook_only.trim().to_string(),
            links,
            images,
            urls,
        }
    }
}

/// For byte positions in marked text (in any order), the positions in the
/// text once the markers are out and `lead` bytes trimmed from its start:
/// an open marker, the index character after it and a close marker are
/// taken out where they start before the position. The markers are found
/// by their UTF-8 lead byte: a body's text between them is not walked.
fn unmarked_offsets(marked: &str, positions: &mut [usize], lead: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..positions.len()).collect();
    order.sort_by_key(|&i| positions[i]);
    let mut result = vec![0; positions.len()];
    let bytes = marked.as_bytes();
    let mut removed = 0usize;
    // Where the walk is (a character's start), and whether the character
    // there is an open marker's index.
    let mut at = 0usize;
    let mut index_next = false;
    for i in order {
        let target = positions[i].min(marked.len());
        while at < target {
            if !index_next {
                match memchr::memchr(crate::markers::MARKER_LEAD, &bytes[at..target]) {
                    Some(offset) => at += offset,
                    None => {
                        at = target;
                        break;
                    }
                }
            }
            let Some(c) = marked[at..].chars().next() else {
                break;
            };
            if index_next || c == OPEN || c == CLOSE {
                removed += c.len_utf8();
            }
            index_next = !index_next && c == OPEN;
            at += c.len_utf8();
        }
        result[i] = target.saturating_sub(removed).saturating_sub(lead);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markers::{close_marker, open_marker};

    /// [`unmarked_offsets`] a character at a time: what it is held to.
    fn unmarked_offsets_by_char(marked: &str, positions: &[usize], lead: usize) -> Vec<usize> {
        positions
            .iter()
            .map(|&position| {
                let target = position.min(marked.len());
                let mut removed = 0;
                let mut index_next = false;
                let chars = marked.char_indices().take_while(|(at, _)| *at < target);
                for c in chars.map(|(_, c)| c) {
                    if index_next || c == OPEN || c == CLOSE {
                        removed += c.len_utf8();
                    }
                    index_next = !index_next && c == OPEN;
                }
                target.saturating_sub(removed).saturating_sub(lead)
            })
            .collect()
    }

    #[test]
    fn the_bytes_that_go_in_as_they_are_are_what_push_char_keeps() {
        // After a space, white space folds into it: only what goes in as
        // it is comes out.
        for byte in 0..=u8::MAX {
            let mut out = String::from("a ");
            if byte.is_ascii() {
                push_char(&mut out, char::from(byte));
            }
            let kept = out == format!("a {}", char::from(byte));
            assert_eq!(goes_in_as_it_is(byte), kept, "{byte:#x}");
        }
    }

    proptest::proptest! {
        /// Markers found by their lead byte are the markers met walking
        /// the text: open markers with and without an index after them,
        /// markers back to back, other characters with the same lead byte.
        #[test]
        fn offsets_without_markers_are_found_by_the_lead_byte(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(OPEN.to_string()),
                    proptest::strategy::Just(CLOSE.to_string()),
                    proptest::strategy::Just(open_marker(3)),
                    proptest::strategy::Just(close_marker()),
                    "[a \u{fdd2}\u{f000}\u{ffff}é😀]{0,3}",
                ],
                0..12,
            ),
            picks in proptest::collection::vec(0usize..200, 0..6),
            lead in 0usize..3,
        ) {
            let marked: String = pieces.concat();
            let mut positions: Vec<usize> = picks
                .iter()
                .map(|p| {
                    let mut at = (*p).min(marked.len() + 2);
                    while at < marked.len() && !marked.is_char_boundary(at) {
                        at += 1;
                    }
                    at
                })
                .collect();
            let expected = unmarked_offsets_by_char(&marked, &positions, lead);
            proptest::prop_assert_eq!(unmarked_offsets(&marked, &mut positions, lead), expected);
        }

        /// Text goes in a run at a time as it would a character at a time,
        /// whatever was written before it.
        #[test]
        fn text_in_runs_is_text_by_character(
            before in "[a \n\u{a0}]{0,2}",
            text in "[a-c \t\n\r\u{c}\u{1}\u{a0}\u{ad}\u{200b}\u{feff}é😀]{0,24}|\\PC{0,24}",
        ) {
            let mut reader = Reader::default();
            reader.text.push_str(&before);
            reader.push_text(&text, 0);
            let mut by_char = before.clone();
            text.chars().for_each(|c| push_char(&mut by_char, c));
            proptest::prop_assert_eq!(reader.text, by_char);
        }
    }

    #[test]
    fn a_link_in_the_trailing_blanks_is_at_the_end_of_the_text() {
        // Found by the property test: the link's place was past the end of
        // the trimmed text.
        let r = read("Hi <a href=\"https://x.example/\"><!--[if mso]>");
        assert_eq!(r.text, "Hi");
        assert_eq!(r.links[0].at, 2);
    }

    #[test]
    fn entities_comments_and_quoted_brackets() {
        let r = read(
            "<p>&copy; 2026 Harbor&nbsp;&amp;&nbsp;Pine &mdash; it&rsquo;s here&hellip;</p><!-- note --><p title=\"a > b\">after</p>",
        );
        assert_eq!(r.text, "© 2026 Harbor & Pine — it’s here…\nafter");
    }

    #[test]
    fn head_style_script_and_title_are_no_text() {
        let r = read(
            "<html><head><title>Receipt</title><style>p { color: red }</style></head><body><script>x()</script><p>Hi</p></body></html>",
        );
        assert_eq!(r.text, "Hi");
    }

    #[test]
    fn outlook_only_blocks_are_read_apart() {
        let r = read(
            "<head><!--[if mso]><style>td{}</style><![endif]--></head><!--[if mso]><xml><o:OfficeDocumentSettings><o:PixelsPerInch>96</o:PixelsPerInch></o:OfficeDocumentSettings></xml><![endif]--><!--[if mso]><table><tr><td>Outlook button</td></tr></table><![endif]--><!--[if !mso]><!--><a href=\"https://x.example/\">Button</a><!--<![endif]-->",
        );
        assert_eq!(r.text, "Button");
        assert_eq!(r.outlook_only, "Outlook button");
        assert_eq!(r.links.len(), 1);
    }

    #[test]
    fn hidden_preheader_is_the_preview_line() {
        let r = read(
            "<body><span style=\"display: none; max-height:0\">Your points expire soon&zwnj;&nbsp;&zwnj;&nbsp;</span><div hidden>also hidden</div><p>Hello</p><div style=\"mso-hide:all\">x</div></body>",
        );
        assert_eq!(r.preheader, "Your points expire soon");
        assert_eq!(r.text, "Hello");
    }

    #[test]
    fn every_url_attribute_is_one_the_reader_keeps_and_asks_for_by_place() {
        // The URL attributes first, in their order; then the named places.
        assert_eq!(&READ_ATTRIBUTES[..URL_ATTRIBUTES.len()], URL_ATTRIBUTES);
        for (index, name) in [
            (HREF, "href"),
            (SRC, "src"),
            (ALT, "alt"),
            (STYLE, "style"),
            (HIDDEN, "hidden"),
        ] {
            assert_eq!(READ_ATTRIBUTES[index], name);
        }
    }

    #[test]
    fn an_attribute_is_its_first_occurrence_and_may_have_no_value() {
        let r = read(
            "<a href=\"\" href=\"https://x.example\">Track</a> <a HREF>Open</a> <img alt=\"A\" ALT=\"B\" src=x><div hidden>gone</div><p style=\"DISPLAY: none\">pre</p>shown",
        );
        let hrefs: Vec<&str> = r.links.iter().map(|l| l.href.as_str()).collect();
        assert_eq!(hrefs, ["", ""]);
        assert_eq!(r.images[0].alt, "A");
        assert_eq!(r.text, "Track Open shown");
        assert_eq!(r.preheader, "gone");
    }

    #[test]
    fn links_images_and_url_attributes() {
        let r = read(
            "<p>See <a href=\"https://shop.example/picks?id=7&amp;x=1\">your picks</a> <img src=\"https://cdn.example/a.png\" alt=\"Linen\"> now</p><table background=\"bg.png\"><tr><td>x</td></tr></table>",
        );
        assert_eq!(r.text, "See your picks now\nx");
        assert_eq!(r.links[0].href, "https://shop.example/picks?id=7&x=1");
        assert_eq!(&r.text[..r.links[0].at], "See your picks");
        assert_eq!(r.images[0].alt, "Linen");
        let attrs: Vec<(&str, &str)> = r
            .urls
            .iter()
            .map(|u| (u.tag.as_str(), u.attribute))
            .collect();
        assert_eq!(
            attrs,
            [("a", "href"), ("img", "src"), ("table", "background")]
        );
    }

    #[test]
    fn markers_survive_in_text_and_attributes() {
        let (o, c) = (open_marker(0), close_marker());
        let html =
            format!("<p>Hi <b>{o}Zoë{c}</b>, <a href=\"https://x.example/{o}7{c}\">track</a></p>");
        let r = read(&html);
        let text = crate::template::render::extract_spans(&r.text);
        assert_eq!(text.text, "Hi Zoë, track");
        assert_eq!(text.span_text(&text.spans[0]), "Zoë");
        let href = crate::template::render::extract_spans(&r.links[0].href);
        assert_eq!(href.text, "https://x.example/7");
        assert_eq!(href.span_text(&href.spans[0]), "7");
        // Positions count the text without markers.
        assert_eq!(&text.text[..r.links[0].at], "Hi Zoë, track");
    }

    #[test]
    fn unbalanced_markup_does_not_swallow_the_body() {
        let r = read("<head><meta charset=utf-8><body><p>Hi</p>");
        assert_eq!(r.text, "Hi");
        let r = read("<p>a <b>b<p>c</div> & d < e");
        assert_eq!(r.text, "a b\nc\n& d < e");
    }
}
