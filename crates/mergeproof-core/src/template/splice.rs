//! Reading an HTML body once for every customer who takes the same
//! branches. An email of 20–40 KB differs from one customer to the next only
//! in the dozen outputs that print data; reading all of it with the HTML5
//! tokenizer for each customer costs more than rendering it.
//!
//! The rendered body's **skeleton** is the body with each output's text
//! replaced by a placeholder (one character per output printed, in order).
//! Customers whose bodies have the same skeleton took the same branches and
//! loops: the skeleton is read once ([`super::html::read`]) and each
//! customer's reading is the skeleton's with the outputs' texts put back in
//! place of the placeholders (the parts the checks read: no view reads a body
//! this way).
//!
//! That is the reading of the whole body only where each output's text
//! reads as itself where it prints, which the skeleton's own tokenizing
//! tells: in text, no markup or entity, no run of spaces or other blank the
//! reader folds, no invisible character it drops; in a quoted attribute
//! value (other than `style` and `hidden`, which decide what is hidden),
//! neither quote either; in a comment, nothing that could end it, make it
//! Outlook's or end an unquoted value inside it. An output in a tag's or
//! attribute's name, an unquoted value or a `style` is never put back:
//! that body is read whole, as before. A skeleton is told apart from
//! another by a digest: of its text, walked, or, for a renderer that tells
//! its templates' own text from what it computes, of the pieces of the
//! compiled templates it wrote ([`KeyTrace`]). The equivalence is tested on the
//! shipped examples and on generated templates and values (`tests` below,
//! `tests/properties.rs`, `tests/reading_equivalence.rs`).

use std::ops::Range;

use std::sync::Arc;

use aho_corasick::AhoCorasick;

use super::html::{self, ReadHtml};
use super::render::{DataSpan, RenderedText};
use super::{HtmlParts, RenderedUrl, lock};
use crate::markers::{CLOSE, OPEN};

/// Placeholders are characters of plane 16's private use area; data never
/// reaches the skeleton, and a template whose own text holds one is read
/// whole.
const PLACEHOLDER_BASE: u32 = 0x10_0000;
const MAX_PLACEHOLDERS: u32 = 0xFFFE;
/// Every placeholder's UTF-8 is this long.
const PLACEHOLDER_BYTES: usize = 4;
/// Every placeholder's UTF-8 starts with this byte, as no marker's does.
const PLACEHOLDER_LEAD: u8 = 0xF4;

fn placeholder(n: usize) -> Option<char> {
    u32::try_from(n)
        .ok()
        .filter(|n| *n < MAX_PLACEHOLDERS)
        .and_then(|n| char::from_u32(PLACEHOLDER_BASE + n))
}

fn placeholder_index(c: char) -> Option<usize> {
    let code = c as u32;
    (PLACEHOLDER_BASE..PLACEHOLDER_BASE + MAX_PLACEHOLDERS)
        .contains(&code)
        .then(|| (code - PLACEHOLDER_BASE) as usize)
}

/// A rendered body with each output's text replaced by a placeholder, and
/// where each output's text is in the rendered body.
pub(crate) struct Skeleton {
    pub text: String,
    pub contents: Vec<Range<usize>>,
}

/// The skeleton of a rendered body; `None` when it must be read whole (an
/// output inside an output, markers out of balance, a placeholder
/// character in the template's own text).
pub(crate) fn skeleton(marked: &str) -> Option<Skeleton> {
    let mut text = String::with_capacity(marked.len());
    let contents = walk(marked, |piece| text.push_str(piece))?;
    Some(Skeleton { text, contents })
}

/// What tells one skeleton from another without writing it out: its
/// text's 128-bit XXH3 digest, and where each output's text is in the
/// rendered body.
///
/// Every customer's body is 20–40 KB; writing its skeleton out and
/// comparing it with a kept one cost a copy and a comparison of the whole
/// body per customer. Two different skeletons share a digest with odds of
/// about one in 2^128 per pair (XXH3's 128-bit output is built for
/// identifying content), far below any other failure of the run; the
/// skeletons are the team's own templates, never customers' data, which
/// the placeholders keep out.
pub(crate) struct SkeletonKey {
    pub digest: u128,
    pub contents: Vec<Range<usize>>,
}

impl SkeletonKey {
    /// What the outputs of `marked`, the body this is the key of, printed:
    /// [`super::render::extract_outputs`] without searching the body for
    /// markers, since the key knows where each output's text is (each
    /// right after its open marker and the token index it carries).
    pub(crate) fn outputs(&self, marked: &str) -> RenderedText {
        let mut text = String::with_capacity(self.contents.iter().map(|r| r.len()).sum());
        let spans = self
            .contents
            .iter()
            .map(|range| {
                let index = marked[..range.start]
                    .chars()
                    .next_back()
                    .map_or(0, |c| c as u32);
                let start = text.len();
                text.push_str(&marked[range.clone()]);
                DataSpan {
                    start,
                    end: text.len(),
                    token: index.saturating_sub(crate::markers::INDEX_BASE),
                }
            })
            .collect();
        RenderedText { text, spans }
    }
}

/// [`skeleton`]'s digest, made as the skeleton would be written and
/// equal to the digest of its text.
pub(crate) fn skeleton_key(marked: &str) -> Option<SkeletonKey> {
    let mut digest = xxhash_rust::xxh3::Xxh3Default::new();
    let contents = walk(marked, |piece| digest.update(piece.as_bytes()))?;
    Some(SkeletonKey {
        digest: digest.digest128(),
        contents,
    })
}

/// Whether `text` holds a character a skeleton gives a meaning: a marker
/// or a placeholder. A template whose own text does is read by the walk.
pub(crate) fn holds_reserved(text: &str) -> bool {
    text.contains([OPEN, CLOSE]) || text.chars().any(|c| placeholder_index(c).is_some())
}

/// A body's [`SkeletonKey`] made while it is rendered, by a renderer that
/// tells its templates' own text from what it computes (Handlebars'
/// `Output::write_template`): each piece of template text counts by where
/// it is in the compiled templates (its address and length) instead of by
/// its bytes, so the 20–40 KB of an email are not walked and hashed again
/// for every customer.
///
/// Two bodies made of the same pieces of the same compiled templates, with
/// the same computed text between them and the outputs in the same places,
/// have the same skeleton: the compiled templates are neither changed nor
/// dropped while bodies rendered from them are read ([`super::BodyReads`]
/// serves one campaign, which outlives it). The same skeleton reached two
/// ways gets two keys, which costs a second reading, never a wrong one. The
/// digest is of bytes that start with `0xFF`, which no skeleton's UTF-8
/// does, so it is never the digest of a skeleton's text as such.
#[derive(Default)]
pub(crate) struct KeyTrace {
    /// What the digest is made of: a tag for each piece, then its place in
    /// the templates, its bytes, or its token's index.
    items: Vec<u8>,
    contents: Vec<Range<usize>>,
    /// Where the text of the output being written starts.
    open: Option<usize>,
    /// Something was written that the walk reads in a way not followed
    /// here (a marker in computed text): the walk makes the key.
    broken: bool,
    /// The template text outside the outputs is followed but not written:
    /// the body's text is its outputs with their markers and what the
    /// render computed between them ([`KeyTrace::writes`]).
    leaves_template_text_out: bool,
}

const TRACE_START: u8 = 0xFF;
/// A trace longer than this is given up for the walk: a loop over a long
/// list writes a few bytes of template per item, and a trace of 17 bytes a
/// piece would grow to many times the body (bounded only by the cell's
/// budget). An email's trace is a few kilobytes.
const MAX_TRACE_BYTES: usize = 256 << 10;
const TAG_TEMPLATE: u8 = 1;
const TAG_COMPUTED: u8 = 2;
const TAG_OPEN: u8 = 3;
const TAG_CLOSE: u8 = 4;
/// The most a piece of template text, a marker or a computed text's tag
/// and length adds to a trace: a tag and two 8-byte numbers.
const PIECE_BYTES: usize = 1 + 8 + 8;

impl KeyTrace {
    /// Ready for the next body; keeps its buffers.
    pub(crate) fn start(&mut self) {
        self.items.clear();
        self.items.push(TRACE_START);
        self.contents.clear();
        self.open = None;
        self.broken = false;
    }

    /// Whether the renderer leaves the template text outside the outputs
    /// out of the body it writes (kept from one body to the next). A trace
    /// given up for the walk has no key, and such a body is rendered again
    /// whole.
    /// Writing the 20–40 KB of an email's own text for every customer
    /// costs as much as computing what differs; a body whose skeleton was
    /// read before needs only its outputs' texts, where the key says.
    pub(crate) fn leave_template_text_out(&mut self, leave: bool) {
        self.leaves_template_text_out = leave;
    }

    /// Whether `text`, a piece of template text about to be handed to
    /// [`Self::template_text`], is to be written into the body: always,
    /// unless the template text is left out, and then only the markers
    /// and what prints inside an output (where each output's text is is
    /// then where it is in what was written).
    pub(crate) fn writes(&self, text: &str) -> bool {
        !self.leaves_template_text_out || self.open.is_some() || starts_with_marker(text)
    }

    /// Gives the trace up for the walk, and its memory back.
    fn give_up(&mut self) {
        self.broken = true;
        self.items = Vec::new();
        self.contents = Vec::new();
    }

    /// Whether there is room for `more` bytes of trace; gives up if not.
    fn room_for(&mut self, more: usize) -> bool {
        if self.items.len() + more > MAX_TRACE_BYTES {
            self.give_up();
            return false;
        }
        true
    }

    /// `text`, a piece of a compiled template's own text, was written at
    /// byte `at` of the body. The renderer's markers are such pieces; the
    /// templates' own text holds no marker ([`holds_reserved`]).
    pub(crate) fn template_text(&mut self, text: &str, at: usize) {
        if self.broken || !self.room_for(PIECE_BYTES) {
            return;
        }
        // Most pieces are the templates' own text, which holds no marker:
        // told apart by their first byte, written as one piece of trace.
        if !starts_with_marker(text) {
            if self.open.is_none() {
                let mut piece = [TAG_TEMPLATE; PIECE_BYTES];
                piece[1..9].copy_from_slice(&(text.as_ptr() as usize as u64).to_le_bytes());
                piece[9..].copy_from_slice(&(text.len() as u64).to_le_bytes());
                self.items.extend_from_slice(&piece);
            }
            return;
        }
        if let Some(index) = text.strip_prefix(OPEN) {
            if self.open.is_some() {
                // An output inside an output: read whole.
                self.broken = true;
                return;
            }
            self.items.push(TAG_OPEN);
            self.items.extend_from_slice(index.as_bytes());
            self.open = Some(at + text.len());
        } else if text.starts_with(CLOSE) {
            match self.open.take() {
                Some(start) if text.len() == CLOSE.len_utf8() => {
                    self.contents.push(start..at);
                    self.items.push(TAG_CLOSE);
                }
                _ => self.broken = true,
            }
        }
        // Template text inside an output is the output's, as the walk reads it.
    }

    /// `text`, computed by the render (no template's own text as such),
    /// was written.
    pub(crate) fn computed(&mut self, text: &str) {
        if self.broken || self.open.is_some() || !self.room_for(PIECE_BYTES + text.len()) {
            return;
        }
        // A partial block's content rendered before, with its markers: the
        // walk finds outputs in it that are not followed here.
        if text
            .bytes()
            .any(|b| b == crate::markers::MARKER_LEAD || b == PLACEHOLDER_LEAD)
        {
            self.broken = true;
            return;
        }
        self.items.push(TAG_COMPUTED);
        self.items
            .extend_from_slice(&(text.len() as u64).to_le_bytes());
        self.items.extend_from_slice(text.as_bytes());
    }

    /// The key of the body written since [`Self::start`]; `None` when the
    /// walk has to make it.
    pub(crate) fn key(&self) -> Option<SkeletonKey> {
        (!self.broken && self.open.is_none()).then(|| SkeletonKey {
            digest: xxhash_rust::xxh3::xxh3_128(&self.items),
            contents: self.contents.clone(),
        })
    }
}

/// Whether `text` starts with a marker. Both markers' UTF-8 starts with
/// [`crate::markers::MARKER_LEAD`], which no ASCII text does: most text is
/// told apart by its first byte.
fn starts_with_marker(text: &str) -> bool {
    text.as_bytes().first() == Some(&crate::markers::MARKER_LEAD) && text.starts_with([OPEN, CLOSE])
}

/// Hands `piece` each piece of the skeleton's text in order, and returns
/// where each output's text is in `marked`.
fn walk(marked: &str, mut piece: impl FnMut(&str)) -> Option<Vec<Range<usize>>> {
    let mut contents = Vec::new();
    let mut at = 0;
    // Both markers start with 0xEF, every placeholder with 0xF4: the text
    // between is handed on whole.
    while let Some(found) = memchr::memchr2(
        crate::markers::MARKER_LEAD,
        PLACEHOLDER_LEAD,
        &marked.as_bytes()[at..],
    ) {
        piece(&marked[at..at + found]);
        at += found;
        let c = marked[at..].chars().next()?;
        match c {
            OPEN => {
                let index_char = marked[at + OPEN.len_utf8()..].chars().next()?;
                let start = at + OPEN.len_utf8() + index_char.len_utf8();
                let len = marked[start..].find([OPEN, CLOSE])?;
                if !marked[start + len..].starts_with(CLOSE) {
                    return None;
                }
                for c in [OPEN, index_char, placeholder(contents.len())?, CLOSE] {
                    piece(c.encode_utf8(&mut [0; 4]));
                }
                contents.push(start..start + len);
                at = start + len + CLOSE.len_utf8();
            }
            CLOSE => return None,
            c if placeholder_index(c).is_some() => return None,
            c => {
                piece(&marked[at..at + c.len_utf8()]);
                at += c.len_utf8();
            }
        }
    }
    piece(&marked[at..]);
    Some(contents)
}

/// Where an output prints in the skeleton, as far as putting its text
/// back goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    /// Text: words, a title, a style sheet or script, hidden text.
    Text,
    /// A quoted attribute value.
    Quoted,
    /// A comment, Outlook-only markup included; `in_tag`: inside a tag's
    /// markup there and not in a quoted value, where a space or `=` would
    /// change what the Outlook-only block reads.
    Comment { in_tag: bool },
    /// A tag's or attribute's name, an unquoted value, `style`, `hidden`:
    /// its text may change what the reader reads.
    Never,
}

/// Whether `content` reads as itself in `context`.
fn reads_as_itself(content: &str, context: Context) -> bool {
    if context == Context::Never {
        return false;
    }
    // In a comment: nothing that could end it (`-->`, with what is around
    // the text) or open a conditional one.
    if matches!(context, Context::Comment { .. })
        && (content.contains("--") || content.starts_with('-') || content.ends_with('-'))
    {
        return false;
    }
    characters_read_as_themselves(content, context)
}

/// Whether each character of `content` reads as itself in `context`
/// ([`changes_reading`]), and no run of spaces is folded. Every customer's
/// outputs are read here: ASCII (most of what data holds) is looked up in a
/// table made from the same test, byte by byte.
fn characters_read_as_themselves(content: &str, context: Context) -> bool {
    let in_tag = context == Context::Comment { in_tag: true };
    let ascii = AsciiVerdicts::of(context);
    let bytes = content.as_bytes();
    let mut previous_space = false;
    let mut at = 0;
    while at < bytes.len() {
        let b = bytes[at];
        let (c, changes) = if b.is_ascii() {
            at += 1;
            (char::from(b), ascii.0[usize::from(b)])
        } else {
            let c = content[at..].chars().next().unwrap_or_default();
            at += c.len_utf8().max(1);
            (c, changes_reading(c, context))
        };
        if c == ' ' {
            if previous_space || in_tag {
                return false;
            }
            previous_space = true;
            continue;
        }
        previous_space = false;
        if changes {
            return false;
        }
    }
    true
}

/// Whether a character other than a space, put back in `context`, may read
/// differently than it does as data: folded or trimmed by the reader,
/// markup, a quote that ends a value, what ends or opens a comment.
fn changes_reading(c: char, context: Context) -> bool {
    let in_tag = context == Context::Comment { in_tag: true };
    let folded = matches!(
        c,
        '<' | '&' | '\u{a0}' | '\u{200b}'
            ..='\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}' | '\u{34f}'
    ) || c.is_control()
        || c.is_whitespace();
    let quote = matches!(c, '"' | '\'');
    let in_comment = matches!(c, '>' | '[' | ']');
    folded
        || (context != Context::Text && quote)
        || (matches!(context, Context::Comment { .. }) && in_comment)
        || (in_tag && matches!(c, '=' | '`'))
}

/// [`changes_reading`] of each ASCII character in one context.
struct AsciiVerdicts([bool; 128]);

impl AsciiVerdicts {
    fn of(context: Context) -> &'static AsciiVerdicts {
        static TABLES: std::sync::LazyLock<[AsciiVerdicts; 4]> = std::sync::LazyLock::new(|| {
            [
                Context::Text,
                Context::Quoted,
                Context::Comment { in_tag: false },
                Context::Comment { in_tag: true },
            ]
            .map(|context| {
                AsciiVerdicts(std::array::from_fn(|b| {
                    changes_reading(char::from(b as u8), context)
                }))
            })
        });
        &TABLES[match context {
            // (`reads_as_itself` answers for `Never` before any character.)
            Context::Text | Context::Never => 0,
            Context::Quoted => 1,
            Context::Comment { in_tag: false } => 2,
            Context::Comment { in_tag: true } => 3,
        }]
    }
}

/// An Outlook-only block's markup is read again as HTML (and so on, within
/// blocks, this deep): where a placeholder sits in it matters as it does
/// outside (a `style` there decides what Outlook hides).
const MAX_COMMENT_DEPTH: usize = 4;

/// Where each placeholder of `skeleton` is, as the HTML5 tokenizer reads
/// it with the reader's settings (the markup of an Outlook-only block
/// `depth` deep).
fn contexts_within(skeleton: &str, count: usize, depth: usize) -> Vec<Context> {
    let mut placing = Placing::new(count, depth);
    html::tokenize(skeleton, |event| placing.on_event(&event));
    placing.contexts
}

/// The contexts of `placed`, where the tokenizer put a skeleton's
/// placeholders, refined by their [`surroundings`] from byte `from` on
/// (the byte after a tag's `>`, or the start).
fn refined(mut contexts: Vec<Context>, skeleton: &str, from: usize) -> Vec<Context> {
    // The tokenizer does not say whether a value was quoted: one that was
    // not ends at a space.
    let surroundings = surroundings(skeleton, from, contexts.len());
    for (context, (quoted, in_tag)) in contexts.iter_mut().zip(surroundings) {
        match *context {
            Context::Quoted if !quoted => *context = Context::Never,
            // Inside an Outlook-only block: in its text, or in a quoted
            // value of its markup, a space reads as itself.
            Context::Comment { .. } => {
                *context = Context::Comment {
                    in_tag: !quoted && in_tag,
                }
            }
            _ => {}
        }
    }
    contexts
}

/// The contexts of the placeholders of `prefix`, the start of a skeleton
/// that another one, whose placeholders have `placed`, starts with too.
fn copy_placed(prefix: &str, placed: &[Context], contexts: &mut [Context]) {
    // A placeholder's lead byte is never inside another character.
    for at in memchr::memchr_iter(PLACEHOLDER_LEAD, prefix.as_bytes()) {
        let n = placeholder_index(prefix[at..].chars().next().unwrap_or_default());
        if let (Some(slot), Some(&context)) = (
            n.and_then(|n| contexts.get_mut(n)),
            n.and_then(|n| placed.get(n)),
        ) {
            *slot = context;
        }
    }
}

/// Where each of a skeleton's placeholders is, learnt from the events of
/// the tokenizer's pass over it.
struct Placing {
    contexts: Vec<Context>,
    /// The name of the attribute whose value comes next.
    attribute: Vec<u8>,
    depth: usize,
}

impl Placing {
    fn new(count: usize, depth: usize) -> Placing {
        Placing {
            contexts: vec![Context::Never; count],
            attribute: Vec::new(),
            depth,
        }
    }

    fn set(&mut self, bytes: &[u8], context: Context) {
        if !bytes.contains(&PLACEHOLDER_LEAD) {
            return;
        }
        for c in String::from_utf8_lossy(bytes).chars() {
            if let Some(slot) = placeholder_index(c).and_then(|n| self.contexts.get_mut(n)) {
                *slot = context;
            }
        }
    }

    fn on_event(&mut self, event: &html5gum::emitters::callback::CallbackEvent<'_>) {
        use html5gum::emitters::callback::CallbackEvent;
        match *event {
            CallbackEvent::AttributeName { name } => {
                // The buffer is kept from attribute to attribute.
                self.attribute.clear();
                self.attribute.extend_from_slice(name);
                self.set(name, Context::Never);
            }
            CallbackEvent::AttributeValue { value } => {
                let context = if self.attribute == b"style" || self.attribute == b"hidden" {
                    Context::Never
                } else {
                    Context::Quoted
                };
                self.set(value, context);
            }
            CallbackEvent::String { value } => self.set(value, Context::Text),
            CallbackEvent::Comment { value } => {
                if !value.contains(&PLACEHOLDER_LEAD) {
                    return;
                }
                let content = String::from_utf8_lossy(value);
                let count = self.contexts.len();
                // Where the block's markup read again puts each
                // placeholder: what decides what is read is never put
                // back, the rest is the comment's.
                let inner = (self.depth < MAX_COMMENT_DEPTH)
                    .then(|| contexts_within(&content, count, self.depth + 1));
                for c in content.chars() {
                    if let Some(n) = placeholder_index(c).filter(|n| *n < count) {
                        let never = inner.as_ref().is_none_or(|i| i[n] == Context::Never);
                        self.contexts[n] = if never {
                            Context::Never
                        } else {
                            Context::Comment { in_tag: true }
                        };
                    }
                }
            }
            CallbackEvent::OpenStartTag { name } | CallbackEvent::EndTag { name } => {
                self.set(name, Context::Never)
            }
            _ => {}
        }
    }
}

/// Where each of `count` placeholders of `skeleton` sits, in one pass:
/// (in a quoted value, inside a tag's markup). In a quoted value: the last
/// of `"` `'` `<` `>` before it is a quote right after an `=` (an unquoted
/// value holds no quote, and a closing quote follows the value's text).
/// Inside a tag's markup: the last `<` or `>` before it is a `<`.
fn surroundings(skeleton: &str, from: usize, count: usize) -> Vec<(bool, bool)> {
    // A placeholder never found is neither quoted nor known to be text.
    let mut found = vec![(false, true); count];
    // From the byte after a tag's `>`, when not from the start.
    let mut last_mark = (from > 0).then_some(b'>');
    let mut quote_after_equals = false;
    let mut last_angle = last_mark;
    // Only quotes, angle brackets and placeholders are looked at, a byte
    // at a time: every other character of a skeleton's 20–40 KB passes.
    let bytes = skeleton.as_bytes();
    for (at, &byte) in bytes.iter().enumerate().skip(from) {
        match byte {
            b'"' | b'\'' => {
                // The last character before it that is no white space.
                quote_after_equals = skeleton[..at].trim_end().ends_with('=');
                last_mark = Some(byte);
            }
            b'<' | b'>' => {
                last_mark = Some(byte);
                last_angle = Some(byte);
            }
            PLACEHOLDER_LEAD => {
                let c = skeleton[at..].chars().next().unwrap_or_default();
                if let Some(slot) = placeholder_index(c).and_then(|n| found.get_mut(n)) {
                    let quoted = matches!(last_mark, Some(b'"' | b'\'')) && quote_after_equals;
                    *slot = (quoted, last_angle == Some(b'<'));
                }
            }
            _ => {}
        }
    }
    found
}

/// A skeleton read once: what the reader made of it, placeholders in place.
pub(crate) struct SkeletonRead {
    /// The reading with its markers taken out, as each customer's is handed
    /// on: only the placeholders' texts change from one to the next.
    unmarked: Unmarked,
    /// Where each placeholder is.
    contexts: Vec<Context>,
}

/// Skeletons a campaign read, kept with their readings so that a new
/// skeleton's reading is taken up where it parts from the one it shares
/// the longest start with: skeletons of one template differ where a
/// condition or a loop does, and read alike up to there. They are kept in
/// the order of their texts, where the one sharing the longest start with
/// a text is next to it, before or after; the oldest go first once they
/// hold [`RecentReads::KEPT_BYTES`].
///
/// Only skeletons of emails of the size platforms send are kept. On the
/// real-size benchmark project (20–31 KB emails, 300 new skeletons) taking
/// readings up halves the instructions of reading them (0.62 → 0.32
/// billion, 7% of lint's); on the small one (7,306 skeletons of about a
/// kilobyte, each read by html5gum in microseconds) the copies and lookups
/// cost more time than they saved, 2–3% in paired rounds, though fewer
/// instructions. `audit`'s customers share a handful of skeletons: it reads
/// few.
pub(crate) struct RecentReads {
    kept: std::sync::Mutex<Kept>,
    /// Skeletons shorter than this are read whole and not kept.
    from_bytes: usize,
}

impl Default for RecentReads {
    fn default() -> RecentReads {
        RecentReads {
            kept: Default::default(),
            from_bytes: RecentReads::FROM_BYTES,
        }
    }
}

#[derive(Default)]
struct Kept {
    by_text: std::collections::BTreeMap<Arc<str>, Arc<KeptRead>>,
    oldest_first: std::collections::VecDeque<Arc<str>>,
    bytes: usize,
}

/// A skeleton's reading kept to be taken up again, where the tokenizer put
/// each placeholder, and their contexts once [`surroundings`] refined them.
pub(crate) struct KeptRead {
    resumable: html::Resumable,
    placed: Vec<Context>,
    contexts: Vec<Context>,
}

impl RecentReads {
    /// What the kept readings of one campaign may hold, about: some twenty
    /// of a 40 KB email, every one of a small one.
    const KEPT_BYTES: usize = 4 << 20;

    /// The shortest skeleton kept, by default.
    const FROM_BYTES: usize = 4096;

    /// Every skeleton kept and taken up, however short (the tests').
    #[cfg(test)]
    fn of_every_length() -> RecentReads {
        RecentReads {
            from_bytes: 0,
            ..RecentReads::default()
        }
    }

    /// The kept reading whose text shares the longest start with `text`,
    /// and how long that start is.
    fn closest(&self, text: &str) -> Option<(Arc<KeptRead>, usize)> {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let kept = lock(&self.kept);
        let before = kept
            .by_text
            .range::<str, _>((Unbounded, Included(text)))
            .next_back();
        let after = kept
            .by_text
            .range::<str, _>((Excluded(text), Unbounded))
            .next();
        before
            .into_iter()
            .chain(after)
            .map(|(kept_text, read)| (read.clone(), shared_start(kept_text, text)))
            .max_by_key(|(_, shared)| *shared)
    }

    /// Keeps `read`, the reading of `text`, unless that text is kept (two
    /// cells read the same new skeleton at once).
    fn keep(&self, text: &str, read: KeptRead) {
        let mut kept = lock(&self.kept);
        if kept.by_text.contains_key(text) {
            return;
        }
        let bytes = read.bytes(text);
        while kept.bytes + bytes > Self::KEPT_BYTES
            && let Some(oldest) = kept.oldest_first.pop_front()
        {
            if let Some(gone) = kept.by_text.remove(&oldest) {
                kept.bytes -= gone.bytes(&oldest);
            }
        }
        let text: Arc<str> = text.into();
        kept.by_text.insert(text.clone(), Arc::new(read));
        kept.oldest_first.push_back(text);
        kept.bytes += bytes;
    }
}

impl KeptRead {
    /// About how much it holds, with its skeleton's `text` (kept twice: a
    /// key and its place in line).
    fn bytes(&self, text: &str) -> usize {
        2 * text.len() + self.resumable.size() + 2 * self.contexts.len()
    }
}

/// How many bytes `a` and `b` start with alike, compared eight at a time.
fn shared_start(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let words = a.chunks_exact(8).zip(b.chunks_exact(8));
    let mut alike = 0;
    for (x, y) in words {
        if x != y {
            break;
        }
        alike += 8;
    }
    alike
        + a[alike..]
            .iter()
            .zip(&b[alike..])
            .take_while(|(x, y)| x == y)
            .count()
}

impl SkeletonRead {
    #[cfg(test)]
    pub(crate) fn of(skeleton: &Skeleton) -> SkeletonRead {
        Self::of_after(skeleton, &RecentReads::of_every_length())
    }

    /// The skeleton read from its start, nothing kept.
    fn read_whole(skeleton: &Skeleton) -> SkeletonRead {
        let mut placing = Placing::new(skeleton.contents.len(), 0);
        let read = html::read_observing(&skeleton.text, |event| placing.on_event(event));
        SkeletonRead {
            unmarked: Unmarked::of(&read),
            contexts: refined(placing.contexts, &skeleton.text, 0),
        }
    }

    /// The skeleton read, and where its placeholders are: taken up from
    /// the closest reading `recent` keeps, and kept there in turn, when the
    /// skeleton is long enough (else read whole).
    pub(crate) fn of_after(skeleton: &Skeleton, recent: &RecentReads) -> SkeletonRead {
        let text = skeleton.text.as_str();
        if text.len() < recent.from_bytes {
            return Self::read_whole(skeleton);
        }
        let closest = recent.closest(text);
        let from = closest.as_ref().and_then(|(kept, shared)| {
            let (at, index) = kept.resumable.point_before(*shared)?;
            Some((kept, at, index))
        });
        // One pass of the tokenizer reads the skeleton (from where it
        // parts from the closest one) and places its placeholders; those
        // before the place are where the closest one's are.
        let mut placing = Placing::new(skeleton.contents.len(), 0);
        let start = from.map_or(0, |(kept, at, _)| {
            copy_placed(&text[..at], &kept.placed, &mut placing.contexts);
            at
        });
        let (read, resumable) = html::read_resuming(
            text,
            from.map(|(kept, _, index)| (&kept.resumable, index)),
            |event| placing.on_event(event),
        );
        let placed = placing.contexts.clone();
        // Those before the place are the closest one's.
        let mut contexts = refined(placing.contexts, text, start);
        if let Some((kept, at, _)) = from {
            copy_placed(&text[..at], &kept.contexts, &mut contexts);
        }
        #[cfg(debug_assertions)]
        if from.is_some() {
            // Tests hold the reading taken up to the whole one.
            let mut whole = Placing::new(skeleton.contents.len(), 0);
            let read_whole = html::read_observing(text, |event| whole.on_event(event));
            assert_eq!(read, read_whole, "{text:?}");
            assert_eq!(placed, whole.contexts, "{text:?}");
            assert_eq!(contexts, refined(whole.contexts, text, 0), "{text:?}");
        }
        recent.keep(
            text,
            KeptRead {
                resumable,
                placed,
                contexts: contexts.clone(),
            },
        );
        SkeletonRead {
            unmarked: Unmarked::of(&read),
            contexts,
        }
    }

    /// The reading of `marked`, the body this skeleton was made from with
    /// `contents` its outputs' texts, as [`HtmlParts::from_read`] hands on
    /// the reading of the whole body; `None` where a text would not read as
    /// itself where it prints.
    ///
    /// Only the parts the checks read: no view reads a body from its
    /// skeleton, and an email of thirty products has some ninety links
    /// and images to fill for each customer ([`HtmlParts::for_checks`]).
    pub(crate) fn splice(
        &self,
        marked: &str,
        contents: &[Range<usize>],
    ) -> Option<(RenderedText, HtmlParts, PlainSource)> {
        for (range, context) in contents.iter().zip(&self.contexts) {
            if !reads_as_itself(&marked[range.clone()], *context) {
                return None;
            }
        }
        let fill = |text: &TextWithPlaceholders| text.fill(marked, contents);
        let read = &self.unmarked;
        let parts = HtmlParts {
            preheader: fill(&read.preheader),
            outlook_only: fill(&read.outlook_only),
            links: Vec::new(),
            images: Vec::new(),
            urls: read
                .urls
                .iter()
                .map(|(tag, attribute, value)| RenderedUrl {
                    tag: tag.clone(),
                    attribute,
                    value: fill(value),
                })
                .collect(),
        };
        let (text, outputs, added) = read.text.text.fill_placing(marked, contents);
        let source = PlainSource {
            skeleton: read.text.clone(),
            outputs,
            added,
        };
        Some((text, parts, source))
    }
}

/// How much longer the text is with placeholder `n` put back.
fn growth(n: usize, contents: &[Range<usize>]) -> isize {
    match (contents.get(n), placeholder(n)) {
        (Some(range), Some(c)) => range.len() as isize - c.len_utf8() as isize,
        _ => 0,
    }
}

/// A text of the skeleton's reading without its markers (what
/// [`super::render::extract_spans`] makes of it), and where its placeholders are.
struct TextWithPlaceholders {
    text: RenderedText,
    /// (where in `text`, which placeholder), in order.
    placeholders: Vec<(usize, usize)>,
}

impl TextWithPlaceholders {
    fn of(marked: &str) -> TextWithPlaceholders {
        let text = super::render::extract_spans(marked);
        let mut placeholders = Vec::new();
        let bytes = text.text.as_bytes();
        let mut at = 0;
        while let Some(found) = memchr::memchr(PLACEHOLDER_LEAD, &bytes[at..]) {
            let position = at + found;
            let c = text.text[position..].chars().next().unwrap_or_default();
            if let Some(n) = placeholder_index(c) {
                placeholders.push((position, n));
            }
            at = position + c.len_utf8().max(1);
        }
        TextWithPlaceholders { text, placeholders }
    }

    /// What taking the markers out of this text with the placeholders' texts
    /// put back gives: the text between placeholders copied whole, each
    /// span moved by what the placeholders before its ends add.
    fn fill(&self, marked: &str, contents: &[Range<usize>]) -> RenderedText {
        if self.placeholders.is_empty() {
            return self.text.clone();
        }
        let spans = &self.text.spans;
        let apart = spans.iter().all(|s| s.start <= s.end)
            && spans.windows(2).all(|w| w[0].end <= w[1].start);
        if !apart {
            return self.fill_placing(marked, contents).0;
        }
        // Spans apart and in order (each an output's): one walk over the
        // placeholders moves them all, without the tables of where each
        // output went that only the body's text keeps (a link of every
        // order, filled for every customer).
        let text = self.put_back(marked, contents, |_, _| {});
        let mut next = 0;
        let mut added = 0isize;
        let mut moved = |at: usize| {
            while let Some(&(position, n)) = self.placeholders.get(next)
                && position < at
            {
                added += growth(n, contents);
                next += 1;
            }
            (at as isize + added) as usize
        };
        let spans = spans
            .iter()
            .map(|s| DataSpan {
                start: moved(s.start),
                end: moved(s.end),
                token: s.token,
            })
            .collect();
        RenderedText { text, spans }
    }

    /// The text with each placeholder's text put back, handing `placed`
    /// where each one's text is in it and which placeholder it was.
    fn put_back(
        &self,
        marked: &str,
        contents: &[Range<usize>],
        mut placed: impl FnMut(Range<usize>, usize),
    ) -> String {
        let source = &self.text.text;
        let mut text = String::with_capacity(source.len() + 64);
        let mut copied = 0;
        for &(position, n) in &self.placeholders {
            text.push_str(&source[copied..position]);
            let placeholder_len = source[position..].chars().next().map_or(0, char::len_utf8);
            let start = text.len();
            match contents.get(n) {
                Some(range) => text.push_str(&marked[range.clone()]),
                None => text.push_str(&source[position..position + placeholder_len]),
            }
            placed(start..text.len(), n);
            copied = position + placeholder_len;
        }
        text.push_str(&source[copied..]);
        text
    }

    /// [`Self::fill`], and where each placeholder's text is in the text
    /// made, and what the placeholders before each add (one more than
    /// there are placeholders).
    fn fill_placing(
        &self,
        marked: &str,
        contents: &[Range<usize>],
    ) -> (RenderedText, Vec<Range<usize>>, Vec<isize>) {
        let mut added = Vec::with_capacity(self.placeholders.len() + 1);
        let mut outputs = Vec::with_capacity(self.placeholders.len());
        added.push(0isize);
        let text = self.put_back(marked, contents, |output, n| {
            outputs.push(output);
            added.push(added[added.len() - 1] + growth(n, contents));
        });
        let spans = self
            .text
            .spans
            .iter()
            .map(|s| DataSpan {
                start: self.moved(&added, s.start),
                end: self.moved(&added, s.end),
                token: s.token,
            })
            .collect();
        (RenderedText { text, spans }, outputs, added)
    }

    /// Where a place of this text is once the placeholders' texts are put
    /// back, `added` what those before each add.
    fn moved(&self, added: &[isize], at: usize) -> usize {
        let before = self
            .placeholders
            .partition_point(|&(position, _)| position < at);
        (at as isize + added[before]) as usize
    }
}

/// A skeleton's plain text, shared by every customer read from it, and what
/// searches found in it once.
pub(crate) struct SkeletonText {
    text: TextWithPlaceholders,
    /// By search: the matches in the text between placeholders. Each slot
    /// is set once and then only read: the customers of an audit, on every
    /// core, look their searches up here, and a lock or a shared count
    /// taken per customer would move between the cores with each of them.
    found: [std::sync::OnceLock<KeptSearch>; KEPT_SEARCHES],
}

/// A match: the pattern, and where.
pub(crate) type Found = (usize, Range<usize>);

/// A search's key and what it found between placeholders.
type KeptSearch = (&'static str, Box<[Found]>);

/// The searches a skeleton keeps the finds of: more than the checks make
/// (a search beyond them is made for each text, and is not kept).
const KEPT_SEARCHES: usize = 8;

impl SkeletonText {
    /// What `find` finds in this text, asked the first time `key` is: it
    /// is handed the text and where each placeholder is in it. A core that
    /// asks while another searches for the same slot waits for that search.
    fn kept(
        &self,
        key: &'static str,
        find: impl FnOnce(&str, &[Range<usize>]) -> Vec<Found>,
    ) -> std::borrow::Cow<'_, [Found]> {
        let mut find = Some(find);
        let mut search = || {
            let placeholders: Vec<Range<usize>> = self
                .text
                .placeholders
                .iter()
                .map(|&(p, _)| p..p + PLACEHOLDER_BYTES)
                .collect();
            let find = find.take().expect("a search is made once");
            find(&self.text.text.text, &placeholders)
        };
        for slot in &self.found {
            let (kept_key, found) = slot.get_or_init(|| (key, search().into()));
            if *kept_key == key {
                return std::borrow::Cow::Borrowed(found);
            }
        }
        std::borrow::Cow::Owned(search())
    }
}

/// Where a field's plain text came from when it was read from its body's
/// skeleton: the skeleton's text, and where each output's text is in it.
/// Searching the text searches what lies between outputs once per
/// skeleton, and only around each output for each customer.
#[derive(Clone)]
pub(crate) struct PlainSource {
    skeleton: Arc<SkeletonText>,
    /// Each placeholder's text in this text, in order.
    outputs: Vec<Range<usize>>,
    /// What the placeholders before each add.
    added: Vec<isize>,
}

impl PlainSource {
    /// Where each output's text is in this text, in order.
    pub(crate) fn outputs(&self) -> &[Range<usize>] {
        &self.outputs
    }

    /// What `find` finds in the skeleton's text, handed where each
    /// placeholder is in it: found once per skeleton under `key` (a name
    /// for `find` for the whole run), and moved to where it is in this
    /// text. `find` answers for every text read from the skeleton: only
    /// what lies apart from the placeholders and whatever the outputs
    /// print there.
    pub(crate) fn between_outputs(
        &self,
        key: &'static str,
        find: impl FnOnce(&str, &[Range<usize>]) -> Vec<Found>,
    ) -> Vec<Found> {
        let skeleton = &self.skeleton.text;
        let moved = |p: usize| skeleton.moved(&self.added, p);
        self.skeleton
            .kept(key, find)
            .iter()
            .map(|(pattern, at)| (*pattern, moved(at.start)..moved(at.end)))
            .collect()
    }
}

/// A field's [`PlainSource`], if it has one. Where a text came from says
/// nothing of what it is: two fields are the same when their texts are,
/// whichever way each was read.
#[derive(Clone, Default)]
pub(crate) struct PlainOrigin(pub(crate) Option<PlainSource>);

impl std::fmt::Debug for PlainOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let how = if self.0.is_some() {
            "skeleton"
        } else {
            "whole"
        };
        f.write_str(how)
    }
}

impl PartialEq for PlainOrigin {
    fn eq(&self, _: &PlainOrigin) -> bool {
        true
    }
}

impl Eq for PlainOrigin {}

/// Whether `at` touches one of `outputs` (in order, apart): overlaps a
/// non-empty one, or has an empty one strictly inside.
fn touches_one(outputs: &[Range<usize>], at: &Range<usize>) -> bool {
    // Either way the output ends after `at` starts, and starts before it
    // ends; the first that ends after is the only one to look at.
    let candidate = outputs.partition_point(|o| o.end <= at.start);
    outputs.get(candidate).is_some_and(|o| o.start < at.end)
}

/// An Aho-Corasick search for [`find_overlapping`], and the bytes its
/// patterns are made of. A match that touches an output is made of those
/// bytes only, so around an output only the run of them next to it needs
/// searching: beside a name, a space or a comma ends the search where a
/// pattern's length of text on each side would be searched otherwise.
#[derive(Debug)]
pub(crate) struct OverlapFinder {
    searcher: AhoCorasick,
    /// Whether a byte can be in a match: a byte of a pattern, in either
    /// ASCII case (whether the search ignores case or not).
    in_a_match: [bool; 256],
    /// Whether a byte can start a match: a pattern's first byte, in either
    /// ASCII case. A window without one holds no match, and most windows
    /// (a name, a number) are shorter than starting a search costs.
    starts_a_match: [bool; 256],
}

impl OverlapFinder {
    /// `builder`'s search for `patterns` (overlapping searches need the
    /// standard match kind, `builder`'s default).
    pub(crate) fn build<P: AsRef<[u8]>>(
        builder: &aho_corasick::AhoCorasickBuilder,
        patterns: &[P],
    ) -> Result<OverlapFinder, aho_corasick::BuildError> {
        let either_case = |set: &mut [bool; 256], byte: u8| {
            set[usize::from(byte.to_ascii_lowercase())] = true;
            set[usize::from(byte.to_ascii_uppercase())] = true;
        };
        let (mut in_a_match, mut starts_a_match) = ([false; 256], [false; 256]);
        for pattern in patterns {
            let pattern = pattern.as_ref();
            pattern
                .iter()
                .for_each(|&byte| either_case(&mut in_a_match, byte));
            if let Some(&first) = pattern.first() {
                either_case(&mut starts_a_match, first);
            }
        }
        Ok(OverlapFinder {
            searcher: builder.build(patterns)?,
            in_a_match,
            starts_a_match,
        })
    }

    /// Whether `window` holds a byte a match can start with.
    fn may_hold_a_match(&self, window: &[u8]) -> bool {
        window
            .iter()
            .any(|&byte| self.starts_a_match[usize::from(byte)])
    }

    /// Where in `text` a match touching `output` can lie: the output and
    /// the runs of bytes a match can hold on each side, each at most a
    /// pattern's length less one (a match touching an output holds one of
    /// its bytes, or spans it when it is empty), widened to characters.
    fn window(&self, text: &str, output: &Range<usize>) -> Range<usize> {
        let bytes = text.as_bytes();
        let reach = self.searcher.max_pattern_len().saturating_sub(1);
        let in_a_match = |at: usize| self.in_a_match[usize::from(bytes[at])];
        let farthest_back = output.start.saturating_sub(reach);
        let mut start = output.start;
        while start > farthest_back && in_a_match(start - 1) {
            start -= 1;
        }
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let farthest_on = (output.end + reach).min(text.len());
        let mut end = output.end;
        while end < farthest_on && in_a_match(end) {
            end += 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        start..end
    }
}

/// Every match of `finder` in `text`, overlapping ones included, in order
/// of where they start (then end, then pattern). With `source`, the
/// skeleton's text is searched once and, for this text, only what touches
/// an output; `key` names `finder`'s patterns, which must be the same for
/// the whole run wherever the key is used.
pub(crate) fn find_overlapping(
    text: &str,
    source: Option<&PlainSource>,
    key: &'static str,
    finder: &OverlapFinder,
) -> Vec<Found> {
    let mut found: Vec<Found> = match source {
        None => finder
            .searcher
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start()..m.end()))
            .collect(),
        Some(source) => {
            let mut found = source.between_outputs(key, |text, placeholders| {
                between_placeholders(text, placeholders, finder)
            });
            around_outputs(text, source, finder, |pattern, at| {
                found.push((pattern, at))
            });
            found
        }
    };
    found.sort_by_key(|(pattern, at)| (at.start, at.end, *pattern));
    found.dedup();
    found
}

/// Which of `finder`'s patterns [`find_overlapping`] finds in `text`, by
/// pattern: found as it finds them, without placing or ordering the
/// matches (a check that asks only whether a word is there at all).
pub(crate) fn patterns_in(
    text: &str,
    source: Option<&PlainSource>,
    key: &'static str,
    finder: &OverlapFinder,
) -> Vec<bool> {
    let mut present = vec![false; finder.searcher.patterns_len()];
    match source {
        None => {
            for m in finder.searcher.find_overlapping_iter(text) {
                present[m.pattern().as_usize()] = true;
            }
        }
        Some(source) => {
            let kept = source.skeleton.kept(key, |text, placeholders| {
                between_placeholders(text, placeholders, finder)
            });
            for (pattern, _) in kept.iter() {
                present[*pattern] = true;
            }
            around_outputs(text, source, finder, |pattern, _| present[pattern] = true);
        }
    }
    present
}

/// The matches in a skeleton's text that touch none of its placeholders:
/// the same in every text read from the skeleton.
fn between_placeholders(
    text: &str,
    placeholders: &[Range<usize>],
    finder: &OverlapFinder,
) -> Vec<Found> {
    finder
        .searcher
        .find_overlapping_iter(text)
        .map(|m| (m.pattern().as_usize(), m.start()..m.end()))
        .filter(|(_, at)| !touches_one(placeholders, at))
        .collect()
}

/// Hands `found` each match in `text` (read from `source`'s skeleton) that
/// touches an output (or joins the texts around an empty one): those lie
/// in the output's window. Outputs close together (a name and a surname, a
/// table row of an order) share one window, searched once.
fn around_outputs(
    text: &str,
    source: &PlainSource,
    finder: &OverlapFinder,
    mut found: impl FnMut(usize, Range<usize>),
) {
    let searcher = &finder.searcher;
    let window = |output: &Range<usize>| finder.window(text, output);
    let outputs = &source.outputs;
    let mut first = 0;
    while first < outputs.len() {
        let Range { start, mut end } = window(&outputs[first]);
        let mut last = first + 1;
        while let Some(next) = outputs.get(last).map(window)
            && next.start <= end
        {
            end = end.max(next.end);
            last += 1;
        }
        let group = &outputs[first..last];
        // A window shorter than every pattern, or without a byte a pattern
        // starts with, holds no match.
        if end - start >= searcher.min_pattern_len()
            && finder.may_hold_a_match(&text.as_bytes()[start..end])
        {
            for m in searcher.find_overlapping_iter(&text[start..end]) {
                let at = start + m.start()..start + m.end();
                if touches_one(group, &at) {
                    found(m.pattern().as_usize(), at);
                }
            }
        }
        first = last;
    }
}

/// A skeleton's reading, every text of it without markers.
struct Unmarked {
    text: Arc<SkeletonText>,
    preheader: TextWithPlaceholders,
    outlook_only: TextWithPlaceholders,
    urls: Vec<(html::ElementName, &'static str, TextWithPlaceholders)>,
}

impl Unmarked {
    fn of(read: &ReadHtml) -> Unmarked {
        let of = |s: &str| TextWithPlaceholders::of(s);
        Unmarked {
            text: Arc::new(SkeletonText {
                text: of(&read.text),
                found: Default::default(),
            }),
            preheader: of(&read.preheader),
            outlook_only: of(&read.outlook_only),
            urls: read
                .urls
                .iter()
                .map(|u| (u.tag.clone(), u.attribute, of(&u.value)))
                .filter(|(_, _, value)| !value.text.spans.is_empty())
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markers::{close_marker, open_marker};

    /// [`characters_read_as_themselves`] a character at a time, as before
    /// ASCII had its tables: a double space, or a space in a tag, folds.
    fn by_char(content: &str, context: Context) -> bool {
        let in_tag = context == Context::Comment { in_tag: true };
        let spaces_fold = content.contains("  ") || (in_tag && content.contains(' '));
        !spaces_fold
            && content
                .chars()
                .all(|c| c == ' ' || !changes_reading(c, context))
    }

    /// [`surroundings`] a character at a time, keeping the last character
    /// that is no white space: what it is held to.
    fn surroundings_by_char(skeleton: &str, count: usize) -> Vec<(bool, bool)> {
        let mut found = vec![(false, true); count];
        let (mut last_mark, mut quote_after_equals) = (None, false);
        let (mut last_angle, mut last_visible) = (None, None);
        for c in skeleton.chars() {
            match c {
                '"' | '\'' => {
                    quote_after_equals = last_visible == Some('=');
                    last_mark = Some(c);
                }
                '<' | '>' => {
                    last_mark = Some(c);
                    last_angle = Some(c);
                }
                c => {
                    if let Some(slot) = placeholder_index(c).and_then(|n| found.get_mut(n)) {
                        let quoted = matches!(last_mark, Some('"' | '\'')) && quote_after_equals;
                        *slot = (quoted, last_angle == Some('<'));
                    }
                }
            }
            if !c.is_whitespace() {
                last_visible = Some(c);
            }
        }
        found
    }

    proptest::proptest! {
        /// Placeholders in and out of tags and quoted values, after white
        /// space of any kind, beside other characters of four bytes.
        #[test]
        fn surroundings_by_byte_are_surroundings_by_character(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    "[a=\"'<> \t\u{a0}\u{2003}é]{1,4}",
                    proptest::strategy::Strategy::prop_map(0usize..4, |n| placeholder(n).unwrap().to_string()),
                    proptest::strategy::Just("\u{10ffff}\u{fffff}".to_string()),
                ],
                0..16,
            ),
        ) {
            let skeleton = pieces.concat();
            proptest::prop_assert_eq!(surroundings(&skeleton, 0, 5), surroundings_by_char(&skeleton, 5));
        }
    }

    #[test]
    fn ascii_is_judged_by_its_table_as_by_its_characters() {
        const CONTEXTS: [Context; 4] = [
            Context::Text,
            Context::Quoted,
            Context::Comment { in_tag: false },
            Context::Comment { in_tag: true },
        ];
        let mut pieces: Vec<String> = (0u8..128).map(|b| char::from(b).to_string()).collect();
        pieces.extend(
            [
                "Zoë", "\u{a0}", "\u{200c}", "\u{85}", "\u{2028}", "€", "--", "  ", "日本",
            ]
            .map(String::from),
        );
        let mut next = crate::testkit::xorshift(0x2545_F491_4F6C_DD1D);
        let mut texts: Vec<String> = pieces.clone();
        for _ in 0..5000 {
            let n = next() % 8;
            texts.push(
                (0..n)
                    .map(|_| pieces[(next() % pieces.len() as u64) as usize].as_str())
                    .collect(),
            );
        }
        for text in &texts {
            for context in CONTEXTS {
                assert_eq!(
                    characters_read_as_themselves(text, context),
                    by_char(text, context),
                    "{text:?} in {context:?}"
                );
            }
        }
        // Both answers occur in every context.
        for context in CONTEXTS {
            assert!(
                texts
                    .iter()
                    .any(|t| characters_read_as_themselves(t, context))
            );
            assert!(
                texts
                    .iter()
                    .any(|t| !characters_read_as_themselves(t, context))
            );
        }
    }

    /// The body `template` with `{0}`, `{1}`… replaced by marked outputs of
    /// tokens 0, 1… printing `values`.
    fn marked(template: &str, values: &[&str]) -> String {
        let mut out = template.to_string();
        for (i, v) in values.iter().enumerate() {
            out = out.replace(
                &format!("{{{i}}}"),
                &format!("{}{v}{}", open_marker(i as u32), close_marker()),
            );
        }
        out
    }

    /// Whether the body is read from its skeleton; where it is, the reading
    /// must be the whole body's.
    fn from_skeleton(marked: &str) -> bool {
        let Some(skeleton) = skeleton(marked) else {
            return false;
        };
        read_from(&SkeletonRead::of(&skeleton), marked, &skeleton.contents)
    }

    #[test]
    fn a_skeleton_is_read_on_from_the_last_tag_it_shares_with_one_read_before() {
        let recent = RecentReads::of_every_length();
        let first = marked(
            "<p>Hi {0},</p><p><b>Sale</b> ends {1}</p>",
            &["Ana", "today"],
        );
        let second = marked(
            "<p>Hi {0},</p><p><b>Sale</b> starts {1}</p>",
            &["Ana", "today"],
        );
        let (first, second) = (skeleton(&first).unwrap(), skeleton(&second).unwrap());
        SkeletonRead::of_after(&first, &recent);
        let (kept, shared) = recent.closest(&second.text).unwrap();
        assert_eq!(&second.text[..shared], &first.text[..shared]);
        assert!(second.text[shared..].starts_with("start"));
        // Taken up after `</b>`, the last tag both have.
        let (at, _) = kept.resumable.point_before(shared).unwrap();
        assert!(
            second.text[..at].ends_with("</b>"),
            "{:?}",
            &second.text[..at]
        );
        let read = SkeletonRead::of_after(&second, &recent);
        assert!(read_from(
            &read,
            &marked(
                "<p>Hi {0},</p><p><b>Sale</b> starts {1}</p>",
                &["Ana", "today"]
            ),
            &second.contents
        ));
    }

    #[test]
    fn only_skeletons_of_an_emails_size_are_kept_by_default() {
        let recent = RecentReads::default();
        let short = marked("<p>Hi {0},</p><p>Sale ends {1}</p>", &["Ana", "today"]);
        SkeletonRead::of_after(&skeleton(&short).unwrap(), &recent);
        assert!(lock(&recent.kept).by_text.is_empty());
        let rows = "<tr><td>Linen</td><td>$12</td></tr>".repeat(150);
        for end in ["ends", "starts"] {
            let long = marked(
                &format!("<table>{rows}</table><p>Hi {{0}}, {end} {{1}}</p>"),
                &["Ana", "today"],
            );
            let skeleton = skeleton(&long).unwrap();
            assert!(skeleton.text.len() >= RecentReads::FROM_BYTES);
            let read = SkeletonRead::of_after(&skeleton, &recent);
            assert!(read_from(&read, &long, &skeleton.contents));
        }
        assert_eq!(lock(&recent.kept).by_text.len(), 2);
    }

    #[test]
    fn kept_readings_stay_within_their_bytes_the_oldest_going_first() {
        let recent = RecentReads::of_every_length();
        let filler = "x".repeat(RecentReads::KEPT_BYTES / 6);
        for n in 0..4 {
            let body = marked(&format!("<p>{n}{filler}</p><p>{{0}}</p>"), &["Ana"]);
            SkeletonRead::of_after(&skeleton(&body).unwrap(), &recent);
        }
        let kept = lock(&recent.kept);
        assert!(kept.bytes <= RecentReads::KEPT_BYTES, "{}", kept.bytes);
        assert_eq!(kept.by_text.len(), kept.oldest_first.len());
        assert!(kept.by_text.len() < 4);
        assert!(kept.oldest_first.back().unwrap().starts_with("<p>3"));
    }

    /// Patterns that overlap each other and the texts around outputs.
    static FINDER: std::sync::LazyLock<OverlapFinder> = std::sync::LazyLock::new(|| {
        let patterns = [
            "Hi", "i ", "Hi A", "a", "An", "n", ", ", " ,", "i ,", "y", "<", "&", "e", "ee", "x y",
            "1,2",
        ];
        OverlapFinder::build(&AhoCorasick::builder(), &patterns).unwrap()
    });

    /// Patterns found in any ASCII case, some of them across an output's
    /// edge only in a case they are not written in.
    static ANY_CASE: std::sync::LazyLock<OverlapFinder> = std::sync::LazyLock::new(|| {
        let patterns = ["hI a", "ZO", "cC", "ë", "b B", "I a"];
        OverlapFinder::build(
            AhoCorasick::builder().ascii_case_insensitive(true),
            &patterns,
        )
        .unwrap()
    });

    /// Whether `marked` reads from `read`; where it does, the reading must
    /// be the whole body's, and a search of its text must find what a
    /// search of the whole text finds.
    fn read_from(read: &SkeletonRead, marked: &str, contents: &[Range<usize>]) -> bool {
        let Some((plain, parts, source)) = read.splice(marked, contents) else {
            return false;
        };
        let whole = HtmlParts::from_read(html::read(marked));
        let whole = (whole.0, whole.1.for_checks());
        assert_eq!((&plain, &parts), (&whole.0, &whole.1), "{marked:?}");
        for (key, finder) in [("test", &*FINDER), ("test, any case", &*ANY_CASE)] {
            let found = find_overlapping(&whole.0.text, None, key, finder);
            assert_eq!(
                find_overlapping(&plain.text, Some(&source), key, finder),
                found,
                "{marked:?}"
            );
            // Which patterns are there, from the skeleton and from the
            // whole text, is which the matches are of.
            let mut patterns = vec![false; finder.searcher.patterns_len()];
            found
                .iter()
                .for_each(|(pattern, _)| patterns[*pattern] = true);
            assert_eq!(
                patterns_in(&plain.text, Some(&source), key, finder),
                patterns
            );
            assert_eq!(patterns_in(&whole.0.text, None, key, finder), patterns);
        }
        true
    }

    #[test]
    fn a_skeleton_keeps_a_search_once_and_answers_searches_beyond_its_slots() {
        let body = marked("<p>Hi {0}, cc ZO and ZO</p>", &["Ana"]);
        let read = SkeletonRead::of_after(&skeleton(&body).unwrap(), &RecentReads::default());
        let text = &read.unmarked.text;
        let searches = std::sync::atomic::AtomicUsize::new(0);
        // Each key finds its own pattern: the finds of one are never
        // handed to another, kept or not.
        let keys: Vec<&'static str> = (0..KEPT_SEARCHES + 3)
            .map(|n| &*Box::leak(format!("search {n}").into_boxed_str()))
            .collect();
        for _ in 0..2 {
            for (n, key) in keys.iter().enumerate() {
                let found = text.kept(key, |_, _| {
                    searches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    vec![(n, 0..n)]
                });
                assert_eq!(&*found, &[(n, 0..n)], "{key}");
            }
        }
        // The first rounds' searches, and those beyond the slots again.
        assert_eq!(
            searches.into_inner(),
            keys.len() + (keys.len() - KEPT_SEARCHES)
        );
    }

    #[test]
    fn filling_a_text_moves_its_spans_as_placing_its_outputs_does() {
        let template = "https://x.example/{0}/{1}?u={2}&n={0}";
        for values in [["a", "bb", ""], ["", "", ""], ["Zoë", "1 2", "ccc"]] {
            let marked = marked(template, &values);
            let skeleton = skeleton(&marked).expect("a skeleton");
            let text = TextWithPlaceholders::of(&skeleton.text);
            assert_eq!(text.placeholders.len(), 4);
            let filled = text.fill(&marked, &skeleton.contents);
            assert_eq!(filled, text.fill_placing(&marked, &skeleton.contents).0);
            assert_eq!(
                filled,
                super::super::render::extract_spans(&marked),
                "{values:?}"
            );
        }
    }

    #[test]
    fn a_match_touches_an_output_it_overlaps_or_holds_an_empty_one() {
        // "Hi " 0..3, "Ann" 3..6, "" at 8, "Lee" 10..13.
        let outputs = [3..6, 8..8, 10..13];
        let touches = |at: Range<usize>| touches_one(&outputs, &at);
        assert!(touches(2..4), "overlaps the start of the first");
        assert!(
            touches(5..9),
            "overlaps the first's end and holds the empty one"
        );
        assert!(touches(7..9), "holds the empty one");
        assert!(touches(12..20), "overlaps the last");
        assert!(!touches(0..3), "ends where the first starts");
        assert!(
            !touches(6..8),
            "between the first and the empty one, which it only ends at"
        );
        assert!(!touches(8..10), "starts at the empty one");
        assert!(!touches(13..15), "starts where the last ends");
        assert!(!touches_one(&[], &(0..5)));
    }

    #[test]
    fn a_body_read_from_its_skeleton_is_read_as_whole() {
        let template = "<html><head><style>p{}</style></head><body>\
            <div style=\"display:none\">Hi {0}, your week</div>\
            <p>Hi {0}, your picks: <a href=\"https://x.example/?id={1}\">see them</a></p>\
            <!--[if mso]><a href=\"https://x.example/view/{1}\">View</a><![endif]-->\
            <img src=\"https://x.example/i.png\" alt=\"{2}\"> <p>Bye {0}</p></body></html>";
        for values in [
            ["Ana", "a-17", "Linen duvet cover"],
            ["", "", ""],
            ["Mary Ann", "x", "Oak"],
            [" lead", "q", "trail "],
        ] {
            assert!(from_skeleton(&marked(template, &values)), "{values:?}");
        }
    }

    #[test]
    fn what_would_read_otherwise_is_read_whole() {
        let template = "<p>Hi {0}</p><a href=\"{1}\">x</a>";
        for values in [
            ["<b>Ana</b>", "x"],
            ["O&#x27;Neil", "x"],
            ["a  b", "x"],
            ["a\tb", "x"],
            ["a", "x\"y"],
        ] {
            assert!(!from_skeleton(&marked(template, &values)), "{values:?}");
        }
        // An unquoted value ends at a space; a style decides what is
        // hidden; a comment may be ended.
        assert!(!from_skeleton(&marked("<a href={0}>x</a>", &["a"])));
        assert!(!from_skeleton(&marked(
            "<div style=\"{0}\">x</div>",
            &["display:none"]
        )));
        assert!(!from_skeleton(&marked("<!-- {0} -->", &["a-->"])));
        assert!(!from_skeleton(&marked("<t{0}>x", &["d"])));
        // Outlook reads its block's markup again: a style there decides
        // what it hides, as one outside does.
        assert!(!from_skeleton(&marked(
            "<!--[if mso]><div style=\"{0}\">x</div><![endif]-->",
            &["display:none"]
        )));
        assert!(!from_skeleton(&marked(
            "<!--[if mso]><div style=\"{0}\"><head><title>{1}</title></head>",
            &["display:none", ""]
        )));
    }

    #[test]
    fn a_template_holding_a_placeholder_character_is_read_whole() {
        let text = format!("<p>{}{}</p>", '\u{10_0001}', marked("{0}", &["Ana"]));
        assert!(skeleton(&text).is_none());
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config { cases: 2048, failure_persistence: None, ..Default::default() })]

        /// Bodies that start alike, each read from its skeleton after the
        /// others, its reading taken up where it parts from the closest
        /// one: every reading is the whole body's (and, in a debug build,
        /// the skeleton's reading taken up is the one read from its start).
        #[test]
        fn a_reading_taken_up_from_a_skeleton_read_before_is_the_whole_reading(
            start in proptest::collection::vec(proptest::sample::select(PIECES), 0..16),
            ends in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(PIECES), 0..12),
                1..5,
            ),
            values in proptest::collection::vec(proptest::sample::select(VALUES), 4),
        ) {
            let recent = RecentReads::of_every_length();
            for end in &ends {
                let body = marked(&format!("{}{}", start.concat(), end.concat()), &values);
                if let Some(skeleton) = skeleton(&body) {
                    let read = SkeletonRead::of_after(&skeleton, &recent);
                    read_from(&read, &body, &skeleton.contents);
                }
            }
        }

        /// Any body of these pieces, with any values: its skeleton's key is
        /// the digest of the skeleton written out, and where a skeleton is
        /// read, its reading with the values put back is the whole body's
        /// reading (the parts the checks read).
        #[test]
        fn any_body_reads_the_same_from_its_skeleton(
            pieces in proptest::collection::vec(proptest::sample::select(PIECES), 0..24),
            values in proptest::collection::vec(proptest::sample::select(VALUES), 4),
            others in proptest::collection::vec(proptest::sample::select(VALUES), 4),
        ) {
            let first = marked(&pieces.concat(), &values);
            let key = skeleton_key(&first);
            proptest::prop_assert_eq!(key.is_some(), skeleton(&first).is_some());
            if let (Some(skeleton), Some(key)) = (skeleton(&first), key) {
                // The key is the written skeleton's, made without writing it.
                proptest::prop_assert_eq!(key.digest, xxhash_rust::xxh3::xxh3_128(skeleton.text.as_bytes()));
                proptest::prop_assert_eq!(&key.contents, &skeleton.contents);
                // One reading for both customers: what the first one's
                // search kept of the skeleton serves the second.
                let read = SkeletonRead::of(&skeleton);
                read_from(&read, &first, &skeleton.contents);
                let second = marked(&pieces.concat(), &others);
                if let Some(other) = super::skeleton(&second) {
                    let same_key = skeleton_key(&second).map(|k| k.digest) == Some(key.digest);
                    proptest::prop_assert_eq!(same_key, other.text == skeleton.text);
                    if same_key {
                        read_from(&read, &second, &other.contents);
                    }
                }
            }
        }
    }

    const PIECES: &[&str] = &[
        "<p>",
        "</p>",
        "Hi ",
        "{0}",
        " {0}, ",
        "{0}{0}",
        "<a href=\"https://x.example/{1}?q={1}\">",
        "</a>",
        "<img src=\"https://x.example/{1}.png\" alt=\"{2}\">",
        "<div style=\"display:none\">",
        "</div>",
        "<!--[if mso]>",
        "<![endif]-->",
        "<td>",
        "<br>",
        " ",
        "\n",
        "&amp;",
        "<head><title>{0}</title></head>",
        "<style>p{}</style>",
        "<a href='{1}'>",
        "<b>{0}</b>",
        "\u{200b}",
        "<a href={3}>",
        "<t{3}>",
        "<p {3}>",
        "<div style=\"{3}\">",
        "<!--[if mso]><a href=\"https://x.example/{3}\">{3}</a><![endif]-->",
        "<!-- {3} -->",
        "<!--{3}",
        "-->",
        "<script>{0}</script>",
        "\"",
        "'",
        "=",
        "<!-- {3}->",
        "<!--[if mso]><p {3}>{3}<a href={3}><![endif]-->",
        "->",
        "<!-",
        "<!--[if mso]>{0}",
    ];
    const VALUES: &[&str] = &[
        "",
        "Ana",
        "Mary Ann",
        " x ",
        "Zoë",
        "a-17",
        "https://y.example/p?id=9",
        "\u{5d0}\u{5d1}",
        "1,250",
        "<b>",
        "O&#x27;Neil",
        "a  b",
        "a\tb",
        "\u{a0}",
        "x'y",
        "x\"y",
        "[if mso]>",
        "a-->",
        "a>b",
        "x]",
        "display:none",
        "a=b",
        "</script>",
        "-a",
        "a-",
        "a--b",
        "x y",
        "a`b",
    ];
}
