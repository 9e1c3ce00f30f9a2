//! `render-artifact`: what the customer reads holds template debris, junk from
//! the data, or punctuation left dangling by a token that printed nothing.
//!
//! What counts, and why:
//! - template syntax anywhere in the rendered text (`{{`, `}}`, and `{%`, the
//!   tags of Liquid and of Klaviyo's Django syntax: a condition pasted from
//!   another platform is sent as text), merge tags of other tools
//!   (`{FNAME}`, `*|FNAME|*`, `%%Name%%`) and `[object Object]`: no
//!   copywriter writes these on purpose. Code a template prints on purpose
//!   (Handlebars's `\{{ … }}` and raw blocks, Liquid's `{% raw %}`) is the
//!   author's; the same code from data is still debris;
//! - `null` and `undefined` (in any case, as the checks and `default` read
//!   them: `audience::is_blank`), `NaN` and `None` (exactly: "Nan" is a name,
//!   "none" a word) only
//!   where a token printed them: the same words written in the copy are the
//!   producer's own ("null and void");
//! - a token that printed nothing (or only spaces) with a space before it and
//!   a space or `, ; : . ! ?` after it ("Hi , …", "Dear  Smith"), and, where
//!   no token is to blame, a space before a comma or a line that starts with
//!   a comma;
//!
//! A template that failed to render is `send-failure`'s, not debris.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::dialect::Language;
use crate::finding::Severity;
use crate::source::SourceLoc;
use crate::template::{CompiledTemplate, Found, RenderedField, RenderedText};

use super::text::{Folded, excerpt_keeping_spaces, loc_of_literal, word_matches};
use crate::rule_id::RuleId;

use super::{CellContext, Draft, Rule, RuleDoc, Words};

pub(super) struct RenderArtifact;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::RenderArtifact,
    default_severity: Severity::Error,
    summary: "The rendered text holds template debris ({{, {% %}, {FNAME}, *|FNAME|*, %%Name%%), junk data (null, undefined, NaN, [object Object]) or punctuation left dangling by an empty token.",
    why: "\"Hi ,\", \"Dear {FNAME}\" and \"Hello null\" tell the customer the email was sent by a machine that does not know them. Debris in a subject line is seen before the email is even opened, and screenshots of it travel.",
    example: "subject: \"{{first_name}}, your gold picks\"\nprofile: { last_name: Okafor }   # no first_name\nrenders: \", your gold picks\"\n\nbody: \"Dear *|FNAME|*,\"   # a Mailchimp tag pasted into a Handlebars template\nrenders: \"Dear *|FNAME|*,\"",
    fix: "Give an empty token the fallback its dialect spells (each finding's fix shows the one for its campaign; `mergeproof explain render-artifact --dialect D` too) or put the words around it inside a guard, so no punctuation is left behind; write merge tags of other tools as tokens of your platform; clean `null`/`undefined` out of the data at the source.",
    fix_in: Some(super::fix::fallback_in),
    accept: "When the text is right as it renders (a product literally named \"{Brace}\"), add to the variant:\n  allow:\n    - { rule: render-artifact, reason: \"…why…\" }\nor waive the finding in the TUI with a reason.",
};

const OBJECT_DEBRIS: &str = "[object Object]";
/// Punctuation that reads as dangling after a gap.
const DANGLING: &[char] = &[',', ';', ':', '.', '!', '?'];
/// How far a merge tag may stretch between its delimiters.
const MAX_TAG: usize = 48;

/// One problem found in a rendered field.
struct Artifact {
    range: Range<usize>,
    message: String,
    loc: SourceLoc,
    /// The token whose value left it, when one did: its fallback is the fix.
    token: Option<u32>,
    /// Template code (`{{ }}`, `{% %}`), which a template may write out on
    /// purpose.
    code: bool,
}

impl Rule for RenderArtifact {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        let tags = cx.literal_tags();
        for (field, template, rendered) in cx.fields() {
            // A field that did not render is `send-failure`'s.
            if rendered.error.is_some() {
                continue;
            }
            let text = &rendered.plain;
            let mut found = Vec::new();
            empty_tokens(template, text, &mut found);
            junk_from_data(template, text, &mut found);
            let language = cx.campaign.dialect.table().language;
            debris(
                template,
                text,
                Delimiters::in_field(rendered),
                language,
                &mut found,
            );
            if let Some(prefix) = cx.campaign.dialect.table().inline_error {
                engine_errors(template, text, prefix, &mut found);
            }
            // `\{{ … }}` and raw blocks are the author's: they print
            // template code on purpose (a template that teaches its own
            // syntax). Code that came from data is still debris.
            if template.prints_code {
                found.retain(|a| !a.code || text.holds_data_in(&a.range));
            }
            stray_punctuation(template, rendered, &mut found);
            // Placeholders a later stage fills (`literal_tags:` and the
            // dialect's own) are meant to be there.
            if !tags.is_empty() {
                let literal = crate::dialect::literal_ranges(tags, &text.text);
                found.retain(|a| {
                    !literal.iter().any(|r| {
                        r.start < a.range.end.max(a.range.start + 1) && a.range.start < r.end
                    })
                });
            }
            // Each place once: the most specific explanation was pushed first.
            // Reported places never overlap, so the one starting last before
            // a new place ends is the only one that can overlap it.
            let mut reported: BTreeMap<usize, usize> = BTreeMap::new();
            for a in found {
                // An empty place still occupies its position.
                let (start, end) = (a.range.start, a.range.end.max(a.range.start + 1));
                let overlaps = reported
                    .range(..end)
                    .next_back()
                    .is_some_and(|(_, &reported_end)| reported_end > start);
                if overlaps {
                    continue;
                }
                reported.insert(start, end);
                out.push(cx.draft(DOC.id, field, a.loc.clone(), || {
                    let excerpt =
                        excerpt_keeping_spaces(&text.text, a.range.start, a.range.end, 20);
                    let fix = fix_of(cx, template, text, &a);
                    Words::new(a.message, excerpt).with_fix(fix)
                }));
            }
        }
    }
}

/// The fix of an artifact a token's value left: the field a helper
/// shadows read instead, else the dialect's fallback for the first value
/// it read that holds nothing; for a merge tag of another platform, where
/// to name it.
fn fix_of(
    cx: &CellContext<'_>,
    template: &CompiledTemplate,
    rendered: &RenderedText,
    artifact: &Artifact,
) -> Option<std::sync::Arc<crate::finding::Fix>> {
    artifact
        .token
        .and_then(|index| template.token(index))
        .and_then(|token| {
            if let Some(field) = token.shadowed_field.as_deref() {
                return Some(super::fix::read_the_field(token, field).into());
            }
            // The first value it read that holds nothing; in a loop, what
            // this occurrence printed told.
            let read = token
                .reads
                .iter()
                .position(|r| crate::audience::is_blank(cx.value(&r.path)))
                .or((!token.reads.is_empty()).then_some(0))?;
            Some(cx.fallback_fix(token, read))
        })
        .or_else(|| {
            // Code the template wrote as text (not code the data held): the
            // campaign is read in another dialect than the one it is in.
            (artifact.code && !rendered.holds_data_in(&artifact.range)).then(|| {
                std::sync::Arc::new(crate::finding::Fix::advice(format!(
                    "This campaign is read as `dialect: {}` ({}), which does not run this code: write it in that dialect's syntax, or set `dialect:` to the platform that sends the campaign (`mergeproof explain render-artifact --dialect D` shows each one's).",
                    cx.campaign.dialect.table().name,
                    cx.campaign.dialect.platform()
                )))
            })
        })
        .or_else(|| {
            artifact.message.contains("merge tag").then(|| {
                std::sync::Arc::new(crate::finding::Fix::advice(format!(
                    "Write this field as a {} token, or name the tag's pattern under `literal_tags:` in mergeproof.yaml when a later stage fills it in.",
                    cx.campaign.dialect.platform()
                )))
            })
        })
}

/// Where the run of spaces that ends at a position starts, for positions
/// asked in increasing order: each stretch of text is scanned once, so a body
/// of thousands of tokens that all printed nothing stays linear.
#[derive(Default)]
struct SpaceRuns {
    /// The last position asked, and where its run of spaces starts.
    last: usize,
    last_start: usize,
    /// A stretch known to be all space up to its end, where a non-space
    /// character (or the text's end) follows.
    ahead: Range<usize>,
}

impl SpaceRuns {
    fn start_before(&mut self, text: &str, at: usize) -> usize {
        let start = if self.last <= at {
            // On from the last position: the run there goes on if all
            // between is space.
            let trimmed = text[self.last..at].trim_end_matches([' ', '\u{a0}']);
            if trimmed.is_empty() {
                self.last_start
            } else {
                self.last + trimmed.len()
            }
        } else {
            text[..at].trim_end_matches([' ', '\u{a0}']).len()
        };
        self.last = at;
        self.last_start = start;
        start
    }

    /// Where the run of spaces that starts at a position ends.
    fn end_after(&mut self, text: &str, at: usize) -> usize {
        if self.ahead.start <= at && at <= self.ahead.end && !self.ahead.is_empty() {
            return self.ahead.end;
        }
        let rest = &text[at..];
        let end = at + (rest.len() - rest.trim_start_matches([' ', '\u{a0}']).len());
        self.ahead = at..end;
        end
    }
}

/// A token that printed nothing, where the words around it show the gap.
fn empty_tokens(template: &CompiledTemplate, text: &RenderedText, out: &mut Vec<Artifact>) {
    let t = &text.text;
    let mut spaces = SpaceRuns::default();
    for span in &text.spans {
        if !crate::whitespace::is_blank(text.span_text(span)) {
            continue;
        }
        let Some(token) = template.token(span.token) else {
            continue;
        };
        let after = &t[span.end..];
        let gap_start = spaces.start_before(t, span.start);
        let space_before = gap_start < span.start;
        let line_start = gap_start == 0 || t[..gap_start].ends_with('\n');
        let after_gap = &t[spaces.end_after(t, span.end)..];
        let punctuation = after_gap.chars().next().filter(|c| DANGLING.contains(c));
        if let Some(p) = punctuation.filter(|_| space_before || line_start) {
            let end = span.end + (after.len() - after_gap.len()) + p.len_utf8();
            let what = if line_start && !space_before {
                format!("the line now starts with \"{p}\"")
            } else {
                format!("\"{p}\" is left after a space")
            };
            out.push(Artifact {
                range: gap_start..end,
                message: format!("`{}` printed nothing here and {what}", token.expression),
                loc: token.loc.clone(),
                token: Some(span.token),
                code: false,
            });
        } else if space_before && after.starts_with([' ', '\u{a0}']) && !after_gap.is_empty() {
            let next_space = after.chars().next().map_or(0, char::len_utf8);
            out.push(Artifact {
                range: gap_start..span.end + next_space,
                message: format!(
                    "`{}` printed nothing here and left a double space",
                    token.expression
                ),
                loc: token.loc.clone(),
                token: Some(span.token),
                code: false,
            });
        }
    }
}

/// Words exports write for a missing value, matched in any case.
const PLACEHOLDERS: &[&str] = &["null", "undefined"];
/// Matched exactly: JavaScript's `NaN` and Python's `None` (an export
/// script's missing value); "none" and "Nan" are words and names.
const EXACT_PLACEHOLDERS: &[&str] = &["NaN", "None"];

/// `null`, `undefined`, `NaN` as printed by a token.
fn junk_from_data(template: &CompiledTemplate, text: &RenderedText, out: &mut Vec<Artifact>) {
    for span in &text.spans {
        let printed = text.span_text(span);
        if !may_hold_placeholder(printed) {
            continue;
        }
        let Some(token) = template.token(span.token) else {
            continue;
        };
        if let Some(hit) = placeholder_in(printed) {
            out.push(Artifact {
                message: format!(
                    "`{}` printed `{}`: the data holds a placeholder, not a value",
                    token.expression,
                    &printed[hit.clone()]
                ),
                range: span.start + hit.start..span.start + hit.end,
                loc: token.loc.clone(),
                token: Some(span.token),
                code: false,
            });
        }
    }
}

/// The first placeholder word in `printed`, as a word: `null` or
/// `undefined` in any case, else `NaN` or `None`.
fn placeholder_in(printed: &str) -> Option<Range<usize>> {
    let folded = Folded::new(printed);
    PLACEHOLDERS
        .iter()
        .find_map(|w| word_matches(&folded.text, w).next())
        .map(|m| folded.original(m))
        .or_else(|| {
            EXACT_PLACEHOLDERS
                .iter()
                .find_map(|w| word_matches(printed, w).next())
        })
}

/// Whether [`placeholder_in`] may find a word: each is in the text as it
/// was printed, in some ASCII case, wherever the folded text holds it (no
/// other character lowercases to one of their letters; `İ`'s `i` comes
/// with a combining dot). Most names and numbers are ruled out here,
/// without folding them.
fn may_hold_placeholder(text: &str) -> bool {
    let bytes = text.as_bytes();
    let holds = |word: &str, any_case: bool| {
        bytes.windows(word.len()).any(|w| {
            if any_case {
                w.eq_ignore_ascii_case(word.as_bytes())
            } else {
                w == word.as_bytes()
            }
        })
    };
    PLACEHOLDERS.iter().any(|w| holds(w, true))
        || EXACT_PLACEHOLDERS.iter().any(|w| holds(w, false))
}

/// Errors the template engine prints where the failing output or tag was,
/// going on after them (Liquid's `Liquid error: divided by 0`), each
/// starting with the dialect's `prefix`. An output's error is what the
/// output printed; a tag's runs to the end of its line.
fn engine_errors(
    template: &CompiledTemplate,
    rendered: &RenderedText,
    prefix: &str,
    out: &mut Vec<Artifact>,
) {
    let text = rendered.text.as_str();
    for at in occurrences(text, prefix) {
        let output = rendered.spans.iter().find(|s| s.start == at);
        let (range, message, loc, token) = match output
            .and_then(|s| Some((s, template.token(s.token)?)))
        {
            Some((span, token)) => (
                span.start..span.end,
                format!(
                    "`{}` printed `{}`, an error Liquid prints in place of the content",
                    token.expression,
                    &text[span.start..span.end]
                ),
                token.loc.clone(),
                Some(span.token),
            ),
            None => {
                let end = text[at..].find(['\n', '<']).map_or(text.len(), |i| at + i);
                let found = &text[at..end];
                (
                    at..end,
                    format!(
                        "the rendered text holds `{found}`, an error Liquid printed in place of the content"
                    ),
                    loc_of_literal(template, found),
                    None,
                )
            }
        };
        out.push(Artifact {
            message,
            loc,
            range,
            token,
            code: false,
        });
    }
}

/// Texts this short are looked through in one pass for delimiters
/// ([`Delimiters::in_text`]).
const SHORT_TEXT: usize = 256;

/// Which of the delimiters debris starts with a text holds: `{` or `}`,
/// `[`, `*|`, `%%`. Where it holds none of one, [`debris`] has nothing of
/// that kind to find.
#[derive(Clone, Copy, Default, PartialEq, Eq, Debug)]
struct Delimiters {
    braces: bool,
    brackets: bool,
    pipes: bool,
    percents: bool,
}

impl Delimiters {
    fn in_text(text: &str) -> Delimiters {
        let bytes = text.as_bytes();
        // A subject or preheader is read in one pass: shorter than what
        // making the two-byte searchers costs.
        if bytes.len() <= SHORT_TEXT {
            let mut found = Delimiters::default();
            let mut previous = 0u8;
            for &byte in bytes {
                match byte {
                    b'{' | b'}' => found.braces = true,
                    b'[' => found.brackets = true,
                    b'|' if previous == b'*' => found.pipes = true,
                    b'%' if previous == b'%' => found.percents = true,
                    _ => {}
                }
                previous = byte;
            }
            return found;
        }
        Delimiters::searched(bytes)
    }

    /// [`Delimiters::in_text`] with a search for each.
    fn searched(bytes: &[u8]) -> Delimiters {
        Delimiters {
            braces: memchr::memchr2(b'{', b'}', bytes).is_some(),
            brackets: memchr::memchr(b'[', bytes).is_some(),
            pipes: memchr::memmem::find(bytes, b"*|").is_some(),
            percents: memchr::memmem::find(bytes, b"%%").is_some(),
        }
    }

    /// Each kind as a number, for a skeleton's kept search.
    fn kinds(self) -> impl Iterator<Item = usize> {
        [self.braces, self.brackets, self.pipes, self.percents]
            .into_iter()
            .enumerate()
            .filter_map(|(kind, present)| present.then_some(kind))
    }

    fn with(mut self, other: Delimiters) -> Delimiters {
        self.braces |= other.braces;
        self.brackets |= other.brackets;
        self.pipes |= other.pipes;
        self.percents |= other.percents;
        self
    }

    fn with_kind(mut self, kind: usize) -> Delimiters {
        match kind {
            0 => self.braces = true,
            1 => self.brackets = true,
            2 => self.pipes = true,
            _ => self.percents = true,
        }
        self
    }

    /// Those in a field's plain text. One read from its body's skeleton
    /// holds a delimiter where the skeleton's text does (looked at once per
    /// skeleton) or where it touches an output, so within a byte of one
    /// (every delimiter is one or two ASCII bytes): the text of every
    /// customer is not scanned whole four times for marks it rarely holds.
    fn in_field(field: &RenderedField) -> Delimiters {
        let text = &field.plain.text;
        let Some(source) = field.plain_source.0.as_ref() else {
            return Delimiters::in_text(text);
        };
        // Kinds of the skeleton's text, where no customer's output changes
        // them (a placeholder is no ASCII byte).
        let in_skeleton = source
            .between_outputs("render-artifact/debris", |skeleton, _| {
                Delimiters::in_text(skeleton)
                    .kinds()
                    .map(|kind| (kind, 0..0))
                    .collect()
            })
            .into_iter()
            .fold(Delimiters::default(), |found, (kind, _)| {
                found.with_kind(kind)
            });
        in_skeleton.around_outputs(text, source.outputs())
    }

    /// These, the skeleton's, and those within a byte of each of `outputs`
    /// in `text`.
    fn around_outputs(self, text: &str, outputs: &[Range<usize>]) -> Delimiters {
        let mut found = self;
        for output in outputs {
            let start = floor_char_boundary(text, output.start.saturating_sub(1));
            let end = ceil_char_boundary(text, output.end + 1);
            let window = &text[start..end];
            // Most outputs (names, numbers, ids) hold none of these bytes.
            if window
                .bytes()
                .any(|b| matches!(b, b'{' | b'}' | b'[' | b'|' | b'%'))
            {
                found = found.with(Delimiters::in_text(window));
            }
        }
        found
    }
}

/// The nearest character boundary of `text` at or before `at`.
fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// The nearest character boundary of `text` at or after `at`.
fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// Template syntax and merge tags of other tools, wherever they came from:
/// only of the kinds `present` says the text may hold.
fn debris(
    template: &CompiledTemplate,
    rendered: &RenderedText,
    present: Delimiters,
    language: Language,
    out: &mut Vec<Artifact>,
) {
    let text = rendered.text.as_str();
    let Delimiters {
        braces,
        brackets,
        pipes,
        percents,
    } = present;
    let mut push = |range: Range<usize>, kind: &str, code: bool| {
        let found = &text[range.clone()];
        out.push(Artifact {
            message: format!("the rendered text holds `{found}`, {kind}"),
            loc: loc_of_literal(template, found),
            range,
            token: None,
            code,
        });
    };
    if braces {
        template_debris(text, language, &mut |range, kind| push(range, kind, true));
        for range in delimited(text, "{", "}", is_identifier_char) {
            let lone = !text[..range.start].ends_with('{') && !text[range.end..].starts_with('}');
            if lone {
                push(
                    range,
                    "a single-brace merge tag that nothing filled in",
                    false,
                );
            }
        }
    }
    if brackets {
        for at in occurrences(text, OBJECT_DEBRIS) {
            push(
                at..at + OBJECT_DEBRIS.len(),
                "a data object printed as text",
                false,
            );
        }
    }
    if pipes {
        let mailchimp = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
        for range in delimited(text, "*|", "|*", mailchimp) {
            push(range, "a Mailchimp merge tag that nothing filled in", false);
        }
    }
    if percents {
        for range in delimited(text, "%%", "%%", is_tag_char) {
            push(
                range,
                "a merge tag of another email tool that nothing filled in",
                false,
            );
        }
    }
}

/// Where `needle` starts in `text`, left to right, without overlaps (as
/// `str::match_indices`): by memchr's SIMD search, since every cell's text
/// is searched for each delimiter.
fn occurrences<'a>(text: &'a str, needle: &'a str) -> impl Iterator<Item = usize> + 'a {
    memchr::memmem::find_iter(text.as_bytes(), needle.as_bytes())
}

/// Template code: `{{…}}` and a lone `}}`, and `{%…%}` (Liquid's and
/// Django's tags, Klaviyo's among them), each called by the name a reader of
/// a template in `language` knows it by.
fn template_debris(text: &str, language: Language, push: &mut impl FnMut(Range<usize>, &str)) {
    let (output_code, tag_code) = match language {
        Language::Handlebars => ("Handlebars code", "a Liquid or Klaviyo tag"),
        Language::Liquid => ("Liquid code", "a Liquid tag"),
        Language::Mailchimp => ("template code", "a Liquid or Klaviyo tag"),
        Language::Django => ("template code", "a template tag"),
    };
    for at in occurrences(text, "{{") {
        push(
            at..tag_end(text, at, "{{", "}}"),
            &format!("{output_code} that never rendered"),
        );
    }
    for at in occurrences(text, "}}") {
        push(
            at..at + 2,
            &format!("the end of {output_code} that never rendered"),
        );
    }
    // A lone `%}` is left alone: "up to 100%}" is a typo, not code.
    for at in occurrences(text, "{%") {
        push(
            at..tag_end(text, at, "{%", "%}"),
            &format!("{tag_code} that never ran"),
        );
    }
}

/// Where the tag `open` starts at `at` ends: after `close` when it closes on
/// the same line within [`MAX_TAG`] bytes before another opens, else just
/// after `open`.
fn tag_end(text: &str, at: usize, open: &str, close: &str) -> usize {
    let from = at + open.len();
    let rest = &text[from..];
    rest.char_indices()
        .take_while(|(i, c)| *i < MAX_TAG && *c != '\n' && !rest[*i..].starts_with(open))
        .map(|(i, _)| i)
        .find(|i| rest[*i..].starts_with(close))
        .map_or(from, |i| from + i + close.len())
}

/// `%%First Name%%` may hold spaces; `{FNAME}` may not, so that prose in
/// braces is left alone.
fn is_tag_char(c: char) -> bool {
    is_identifier_char(c) || c == ' '
}

fn is_identifier_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// `open NAME close` where NAME starts with a letter or `_` and is made of
/// `name_char`s, within [`MAX_TAG`] bytes.
fn delimited<'a>(
    text: &'a str,
    open: &'a str,
    close: &'a str,
    name_char: fn(char) -> bool,
) -> impl Iterator<Item = Range<usize>> + 'a {
    occurrences(text, open).filter_map(move |at| {
        let inner_start = at + open.len();
        let rest = &text[inner_start..];
        let len = crate::dialect::find_within(rest, close, MAX_TAG).filter(|l| *l > 0)?;
        let name = rest[..len].trim();
        let first = name.chars().next()?;
        let well_formed = (first.is_alphabetic() || first == '_') && name.chars().all(name_char);
        well_formed.then(|| at..inner_start + len + close.len())
    })
}

/// What [`stray_punctuation`] finds (as the pattern of a [`Found`]): a
/// space before a comma, and a line that starts with a comma or semicolon.
const SPACE_BEFORE_COMMA: usize = 0;
const LINE_STARTS_WITH_MARK: usize = 1;

/// A space before a comma, or a line starting with one, with no empty token
/// to blame (a partial that printed nothing, say). A space the data itself
/// ends with ("Loren ") is the data's, not debris of the template.
///
/// A body read from its skeleton is looked at whole once per skeleton
/// ([`marks_apart_from_outputs`]), and per customer only where an output
/// can change the answer: in each output and up to the first character
/// after it that is not white space ([`marks_in_order`]).
fn stray_punctuation(template: &CompiledTemplate, field: &RenderedField, out: &mut Vec<Artifact>) {
    let rendered = &field.plain;
    let found = match field.plain_source.0.as_ref() {
        None => marks_in_order(
            rendered,
            Vec::new(),
            std::iter::once(0..rendered.text.len()),
        ),
        Some(source) => marks_in_order(
            rendered,
            source.between_outputs(
                "render-artifact/stray-punctuation",
                marks_apart_from_outputs,
            ),
            source.outputs().iter().cloned(),
        ),
    };
    for (what, range) in found {
        let (message, loc) = if what == SPACE_BEFORE_COMMA {
            (
                "the rendered text has a space before a comma, where something printed nothing",
                loc_of_literal(template, " ,"),
            )
        } else {
            (
                "a line of the rendered text starts with a comma, where something printed nothing",
                template.source.start(),
            )
        };
        out.push(Artifact {
            range,
            message: message.into(),
            loc,
            token: None,
            code: false,
        });
    }
}

/// The stray marks of the rendered text: `known`, those found apart from
/// the outputs, and those in each of `outputs` and up to the first
/// character after it that is not white space or ends the line. Spaces
/// before commas first, then lines, each in reading order.
fn marks_in_order(
    rendered: &RenderedText,
    mut known: Vec<Found>,
    outputs: impl IntoIterator<Item = Range<usize>>,
) -> Vec<Found> {
    let text = &rendered.text;
    for output in outputs {
        let rest = &text[output.end..];
        let tail = rest
            .char_indices()
            .find(|&(_, c)| c == '\n' || !c.is_whitespace())
            .map_or(rest.len(), |(i, c)| i + c.len_utf8());
        marks_in(rendered, output.start..output.end + tail, &mut known);
    }
    known.sort_by_key(|(what, at)| (*what, at.start));
    known.dedup();
    known
}

/// Whether a line starts at `at` as far as the text from `from` shows:
/// nothing but white space since the line's start; `None` when only
/// white space lies between `from` and `at`, and what comes before decides.
fn starts_a_line(text: &str, from: usize, at: usize) -> Option<bool> {
    text[from..at]
        .chars()
        .rev()
        .find(|&c| c == '\n' || !c.is_whitespace())
        .map(|c| c == '\n')
}

/// The stray marks in `region` of the rendered text.
fn marks_in(rendered: &RenderedText, region: Range<usize>, found: &mut Vec<Found>) {
    let text = rendered.text.as_str();
    // Spans are in reading order and never overlap.
    let from_data = |at: usize| {
        let i = rendered.spans.partition_point(|s| s.end <= at);
        rendered.spans.get(i).is_some_and(|s| s.start <= at)
    };
    let bytes = text.as_bytes();
    // Commas are rarer than letters or line breaks: only they are looked
    // at, found by memchr, not every line of the text.
    for at in memchr::memchr2_iter(b',', b';', &bytes[region.clone()]).map(|i| region.start + i) {
        if bytes[at] == b',' && at > 0 && bytes[at - 1] == b' ' && !from_data(at - 1) {
            found.push((SPACE_BEFORE_COMMA, at - 1..at + 1));
        }
        if starts_a_line(text, 0, at) != Some(false) {
            found.push((LINE_STARTS_WITH_MARK, at..at + 1));
        }
    }
}

/// The stray marks of a skeleton's text that are there whatever its
/// outputs print. The text between two placeholders is the same for every
/// customer; a mark there is decided by it, unless only white space (and
/// no line break) lies between it and the output before: then it is the
/// first mark after that output, which [`stray_punctuation`] looks at for
/// each customer. A placeholder stands for one output, so no text between
/// them is data.
fn marks_apart_from_outputs(text: &str, placeholders: &[Range<usize>]) -> Vec<Found> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut from = 0;
    for (i, until) in placeholders
        .iter()
        .map(|p| p.start)
        .chain(std::iter::once(text.len()))
        .enumerate()
    {
        for at in memchr::memchr2_iter(b',', b';', &bytes[from..until]).map(|j| from + j) {
            let line = match starts_a_line(text, from, at) {
                Some(line) => line,
                // After an output: looked at for each customer.
                None if i > 0 => continue,
                // At the start of the text.
                None => true,
            };
            if bytes[at] == b',' && at > from && bytes[at - 1] == b' ' {
                found.push((SPACE_BEFORE_COMMA, at - 1..at + 1));
            }
            if line {
                found.push((LINE_STARTS_WITH_MARK, at..at + 1));
            }
        }
        from = placeholders.get(i).map_or(text.len(), |p| p.end);
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn occurrences_are_what_match_indices_finds() {
        for (text, needle) in [
            ("%%%%a%%", "%%"),
            ("*|*|X|*|*", "*|"),
            ("{{{{ }}}}}", "}}"),
            ("héllo {{x}} wörld {{", "{{"),
            ("", "{{"),
        ] {
            let expected: Vec<usize> = text.match_indices(needle).map(|(i, _)| i).collect();
            assert_eq!(
                super::occurrences(text, needle).collect::<Vec<_>>(),
                expected,
                "{text}"
            );
        }
    }

    use super::SpaceRuns;
    use super::{
        Delimiters, LINE_STARTS_WITH_MARK, SPACE_BEFORE_COMMA, marks_apart_from_outputs,
        marks_in_order,
    };
    use crate::template::{DataSpan, Found, RenderedText};
    use proptest::prelude::*;

    /// The marks a skeleton of `pieces` (every other one an output, the
    /// first template text) finds apart from its outputs, moved into the
    /// rendered text, and then those around the outputs; and the marks
    /// found by looking at the whole rendered text.
    fn marks_both_ways(pieces: &[String]) -> (Vec<Found>, Vec<Found>) {
        let placeholder = '\u{10_0000}';
        let (mut skeleton, mut placeholders) = (String::new(), Vec::new());
        let (mut text, mut spans, mut outputs) = (String::new(), Vec::new(), Vec::new());
        // Where each piece of template text starts in the skeleton and in
        // the rendered text.
        let mut segments = Vec::new();
        for (i, piece) in pieces.iter().enumerate() {
            if i % 2 == 0 {
                segments.push((skeleton.len(), text.len()));
                skeleton.push_str(piece);
            } else {
                let at = skeleton.len();
                skeleton.push(placeholder);
                placeholders.push(at..skeleton.len());
                spans.push(DataSpan {
                    start: text.len(),
                    end: text.len() + piece.len(),
                    token: 0,
                });
                outputs.push(text.len()..text.len() + piece.len());
            }
            text.push_str(piece);
        }
        let rendered = RenderedText { text, spans };
        let moved = |at: usize| {
            let &(from, to) = segments.iter().rev().find(|(from, _)| *from <= at).unwrap();
            to + at - from
        };
        let known = marks_apart_from_outputs(&skeleton, &placeholders)
            .into_iter()
            .map(|(what, at)| (what, moved(at.start)..moved(at.start) + at.len()))
            .collect();
        let whole = marks_in_order(
            &rendered,
            Vec::new(),
            std::iter::once(0..rendered.text.len()),
        );
        (marks_in_order(&rendered, known, outputs), whole)
    }

    /// Texts of up to seven pieces of `alphabet`'s strings, every other
    /// piece an output's (the first template text).
    fn pieces(alphabet: Vec<&'static str>) -> impl Strategy<Value = Vec<String>> {
        prop::collection::vec(
            prop::collection::vec(prop::sample::select(alphabet), 0..5).prop_map(|p| p.concat()),
            1..8,
        )
    }

    proptest! {
        #![proptest_config(crate::testkit::property_config())]

        /// Stray marks found once per skeleton and around each output are
        /// those found in the whole text, in the same order.
        #[test]
        fn marks_found_per_skeleton_are_those_of_the_whole_text(
            pieces in pieces(vec![" ", ",", ";", "\n", "a", "\u{a0}", "\t", " ,", "é"])
        ) {
            let (per_skeleton, whole) = marks_both_ways(&pieces);
            prop_assert_eq!(per_skeleton, whole);
        }

        /// A short text read in one pass holds the delimiters a search
        /// for each finds.
        #[test]
        fn a_short_text_holds_the_delimiters_a_search_finds(text in "[{}\\[\\]*|% a]{0,40}") {
            prop_assert_eq!(Delimiters::in_text(&text), Delimiters::searched(text.as_bytes()));
        }

        /// The delimiters a skeleton's text holds and those around its
        /// outputs are those the whole text holds: a `*|` or `%%` that an
        /// output starts, ends or (printing nothing) joins is found.
        #[test]
        fn delimiters_per_skeleton_are_those_of_the_whole_text(
            pieces in pieces(vec!["{", "}", "[", "*", "|", "%", "a", "é", " "])
        ) {
            let placeholder = '\u{10_0000}';
            let (mut skeleton, mut text, mut outputs) = (String::new(), String::new(), Vec::new());
            for (i, piece) in pieces.iter().enumerate() {
                if i % 2 == 0 {
                    skeleton.push_str(piece);
                } else {
                    skeleton.push(placeholder);
                    outputs.push(text.len()..text.len() + piece.len());
                }
                text.push_str(piece);
            }
            prop_assert_eq!(
                Delimiters::in_text(&skeleton).around_outputs(&text, &outputs),
                Delimiters::in_text(&text)
            );
        }
    }

    #[test]
    fn a_mark_after_an_output_is_decided_by_what_it_printed() {
        let pieces = |output: &str| {
            [
                "Hi ".to_string(),
                output.to_string(),
                " , and\n ;".to_string(),
            ]
        };
        // An output that printed nothing leaves "Hi  ," (a space before the
        // comma); one that printed a name leaves "Hi Loren ,", the same.
        for output in ["", "Loren", "  "] {
            let (per_skeleton, whole) = marks_both_ways(&pieces(output));
            assert_eq!(per_skeleton, whole, "{output:?}");
            assert!(
                per_skeleton
                    .iter()
                    .any(|(what, _)| *what == SPACE_BEFORE_COMMA)
            );
            // The `;` starts its line whatever the output printed.
            assert!(
                per_skeleton
                    .iter()
                    .any(|(what, _)| *what == LINE_STARTS_WITH_MARK)
            );
        }
        // A line that starts with the output: it printed nothing, so the
        // line starts with the comma; it printed a name, so it does not.
        let line = |output: &str| {
            let (per_skeleton, whole) =
                marks_both_ways(&["x\n".to_string(), output.to_string(), ", hi".to_string()]);
            assert_eq!(per_skeleton, whole, "{output:?}");
            per_skeleton
                .iter()
                .any(|(what, _)| *what == LINE_STARTS_WITH_MARK)
        };
        assert!(line(""));
        assert!(line(" "));
        assert!(!line("Loren"));
    }

    use crate::finding::Field;
    use crate::testkit::{check_cell_with, one_variant};

    fn found(subject: &str, body: &str, profile: &str) -> Vec<crate::rules::Draft> {
        check_cell_with("render-artifact", &one_variant(subject, body), profile)
    }

    #[test]
    fn space_runs_agree_with_scanning_every_time() {
        let text = "a  b\u{a0} \u{a0}c   d e  ,  ";
        let mut runs = SpaceRuns::default();
        let positions: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        for &at in &positions {
            let start = text[..at].trim_end_matches([' ', '\u{a0}']).len();
            let rest = &text[at..];
            let end = at + rest.len() - rest.trim_start_matches([' ', '\u{a0}']).len();
            assert_eq!(runs.start_before(text, at), start, "start before {at}");
            assert_eq!(runs.end_after(text, at), end, "end after {at}");
        }
        // Out of order too.
        assert_eq!(runs.start_before(text, 3), 1);
    }

    #[test]
    fn fires_on_a_comma_left_by_an_empty_name() {
        let f = found(
            "{{first_name}}, your gold picks",
            "<p>Hello</p>",
            "last_name: Ng",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].field, Field::Subject);
        assert!(
            f[0].message.contains("`{{first_name}}` printed nothing"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].excerpt, ", your gold picks");
        assert_eq!((f[0].loc.line, f[0].loc.column), (3, 15));
    }

    #[test]
    fn fires_on_space_comma_and_double_space() {
        let f = found(
            "Hi {{first_name}}, welcome",
            "<p>Dear {{title}} {{last_name}},</p>",
            "last_name: Ng\ntitle: ''",
        );
        assert_eq!(f.len(), 2, "{f:?}");
        assert!(
            f[0].message.contains("\",\" is left after a space"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].excerpt, "Hi , welcome");
        assert_eq!(f[1].field, Field::Body);
        assert!(f[1].message.contains("double space"), "{}", f[1].message);
        assert_eq!(f[1].excerpt, "Dear  Ng,");
    }

    #[test]
    fn fires_on_merge_tags_of_other_tools_and_debris() {
        for (body, tag) in [
            ("<p>Dear {FNAME},</p>", "{FNAME}"),
            ("<p>Dear *|FNAME|*,</p>", "*|FNAME|*"),
            ("<p>Dear %%First Name%%,</p>", "%%First Name%%"),
            ("<p>Total: [object Object]</p>", "[object Object]"),
            // Broken syntax: a closing pair with nothing to close.
            ("<p>Dear first_name}},</p>", "}}"),
        ] {
            let f = found("Hello", body, "first_name: Ann");
            assert_eq!(f.len(), 1, "{body}: {f:?}");
            assert!(f[0].message.contains(tag), "{body}: {}", f[0].message);
        }
    }

    #[test]
    fn literal_tags_are_placeholders_not_debris() {
        // Ghost fills `%%{…}%%` per member after rendering.
        let body = "<p>You are a %%{status}%% subscriber to Harbour Weekly. %%{email}%%</p>";
        let campaign = crate::testkit::one_variant("Hi", body);
        assert!(!check_cell_with("render-artifact", &campaign, "x: 1").is_empty());
        let config = crate::config::Config {
            literal_tags: vec!["%%{*}%%".into()],
            ..Default::default()
        };
        let f =
            crate::testkit::check_cell_with_config("render-artifact", &campaign, "x: 1", &config);
        assert!(f.is_empty(), "{f:?}");
        // A real defect beside them is still found.
        let with_name = crate::testkit::one_variant(
            "Hi",
            "<p>Hi {{first_name}}, you are a %%{status}%% subscriber</p>",
        );
        let f = crate::testkit::check_cell_with_config(
            "render-artifact",
            &with_name,
            "first_name: \"null\"",
            &config,
        );
        assert_eq!(f.len(), 1, "{f:?}");
        // Mailchimp's own merge tags in the mandrill dialect.
        let mandrill = "dialect: mandrill\nvariants:\n  - id: a\n    subject: Hi\n    body: \"<a href=x>*|UNSUB|*</a>\"\n";
        assert!(check_cell_with("render-artifact", mandrill, "x: 1").is_empty());
    }

    #[test]
    fn syntax_the_template_escaped_is_not_debris() {
        // Postmark's `example` template shows its reader the syntax.
        let f = found(
            "Hi",
            "<p>Write \\\\{{ something }} to print a field</p>",
            "x: 1",
        );
        assert!(f.is_empty(), "{f:?}");
        let f = found("Hi", "{{{{raw}}}}<p>{{ name }}</p>{{{{/raw}}}}", "x: 1");
        assert!(f.is_empty(), "{f:?}");
        // Beside it, code that came from data is still found.
        let f = found(
            "Hi",
            "<p>Write \\\\{{ something }} to print {{first_name}}</p>",
            "first_name: \"{{FNAME}}\"",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("{{FNAME}}"), "{}", f[0].message);
    }

    #[test]
    fn fires_on_tags_of_another_dialect() {
        // A Liquid condition pasted into a Handlebars template is sent as text.
        let f = found(
            "Hi",
            "<p>{% if loyalty.points > 0 %}You have points.{% endif %}</p>",
            "x: 1",
        );
        let held: Vec<&str> = f.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(f.len(), 2, "{held:?}");
        assert!(held[0].contains("`{% if loyalty.points > 0 %}`, a Liquid or Klaviyo tag"));
        assert!(held[1].contains("`{% endif %}`"), "{held:?}");
        let fix = f[0].fix.as_ref().expect("a fix").text.as_str();
        assert!(fix.contains("`dialect: mergeproof`"), "{fix}");
        // In Mailchimp's merge-tag language too; one that does not close
        // within a tag's length is reported by its opening.
        let mailchimp = crate::testkit::in_dialect(
            "mailchimp",
            "<p>Hi *|FNAME|*, {% for item in customer.orders_of_the_last_ninety_days %}</p>",
        );
        let f = check_cell_with("render-artifact", &mailchimp, "FNAME: Ann");
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("holds `{%`,"), "{}", f[0].message);
    }

    #[test]
    fn a_percent_before_a_brace_is_no_tag() {
        let f = found(
            "Hi",
            "<p>Save up to 100%} on {{first_name}}'s picks</p>",
            "first_name: Ann",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn liquid_raw_blocks_print_code_on_purpose() {
        let raw = "<p>Hi {{ first_name }}, write {% raw %}{{ first_name }} or {% if vip %}{% endraw %} in your templates</p>";
        for dialect in ["liquid", "braze", "customerio"] {
            let f = check_cell_with(
                "render-artifact",
                &crate::testkit::in_dialect(dialect, raw),
                "first_name: Ann",
            );
            assert!(f.is_empty(), "{dialect}: {f:?}");
        }
        // Code that came from data is still found, named as Liquid's.
        let f = check_cell_with(
            "render-artifact",
            &crate::testkit::in_dialect("liquid", raw),
            "first_name: \"{% if x %}\"",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("a Liquid tag that never ran"),
            "{}",
            f[0].message
        );
        assert!(f[0].fix.is_none(), "the data is to blame: {:?}", f[0].fix);
        let f = check_cell_with(
            "render-artifact",
            &crate::testkit::in_dialect("liquid", "<p>Hi {{ first_name }}</p>"),
            "first_name: \"{{ name }}\"",
        );
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(
            f[0].message.contains("Liquid code that never rendered"),
            "{}",
            f[0].message
        );
        // Without a raw block, Liquid code in the text is found.
        let f = check_cell_with(
            "render-artifact",
            &crate::testkit::in_dialect(
                "liquid",
                "<p>{% comment %}x{% endcomment %}{{ '{% if' }}</p>",
            ),
            "x: 1",
        );
        assert_eq!(f.len(), 1, "{f:?}");
    }

    #[test]
    fn fires_on_placeholders_printed_from_data() {
        for value in ["null", "NULL", "Undefined", "NaN", "None"] {
            let f = found(
                "Hi {{first_name}}",
                "<p>x</p>",
                &format!("first_name: \"{value}\""),
            );
            assert_eq!(f.len(), 1, "{value}: {f:?}");
            assert!(f[0].message.contains(&format!("printed `{value}`")));
        }
        // Debris inside data is still debris.
        let f = found("Hi {{first_name}}", "<p>x</p>", "first_name: \"{{FNAME}}\"");
        assert_eq!(f.len(), 1, "{f:?}");
    }

    fn title_case(word: &str) -> String {
        let mut chars = word.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    }

    #[test]
    fn placeholders_print_as_the_platform_prints_them() {
        let profile = "first_name: \"null\"\n";
        // SendGrid's `insert` replaces a missing or empty value, not the
        // word `null`: the customer reads "Hi null".
        let sendgrid = "dialect: sendgrid\nvariants:\n  - id: a\n    subject: \"Hi {{insert first_name 'default=there'}}\"\n    body: x\n";
        let f = check_cell_with("render-artifact", sendgrid, profile);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].message.contains("printed `null`"), "{}", f[0].message);
        let missing = check_cell_with("render-artifact", sendgrid, "last_name: Ng\n");
        assert!(missing.is_empty(), "{missing:?}");
        // An inverted section is Postmark's fallback: it replaces a missing
        // value, and `null` text is a value.
        let postmark = "dialect: postmark\nvariants:\n  - id: a\n    subject: \"Hi {{#first_name}}{{.}}{{/first_name}}{{^first_name}}there{{/first_name}}\"\n    body: x\n";
        assert_eq!(
            check_cell_with("render-artifact", postmark, profile).len(),
            1
        );
        assert!(check_cell_with("render-artifact", postmark, "last_name: Ng\n").is_empty());
    }

    #[test]
    fn a_fallback_covers_the_placeholders_it_flags() {
        // `default` and the checks read these words as missing: behind a
        // fallback they never print.
        for value in ["null", "Null", "UNDEFINED"] {
            let profile = format!("first_name: \"{value}\"");
            assert_eq!(found("Hi {{first_name}}", "<p>x</p>", &profile).len(), 1);
            let f = found("Hi {{default first_name \"there\"}}", "<p>x</p>", &profile);
            assert!(f.is_empty(), "{value}: {f:?}");
        }
    }

    #[test]
    fn the_quick_filter_lets_every_placeholder_through() {
        for word in super::PLACEHOLDERS {
            for spelling in [word.to_string(), word.to_uppercase(), title_case(word)] {
                assert!(super::may_hold_placeholder(&spelling), "{spelling}");
            }
        }
        for word in super::EXACT_PLACEHOLDERS {
            assert!(super::may_hold_placeholder(word), "{word}");
        }
        assert!(!super::may_hold_placeholder("Loren 42"));
        assert!(!super::may_hold_placeholder("Nguyen"));
    }

    proptest! {
        #![proptest_config(crate::testkit::property_config())]

        /// The quick filter lets through every text the full search finds
        /// a placeholder in, whatever its case and its letters that fold.
        #[test]
        fn the_quick_filter_lets_through_whatever_the_search_finds(
            text in prop::collection::vec(
                prop::sample::select(vec![
                    "n", "N", "u", "U", "l", "L", "i", "İ", "\u{212a}", " ", "-", "'",
                    "null", "NULL", "nUlL", "undefined", "UNDEFINED", "undef\u{130}ned",
                    "NaN", "nan", "None", "NONE",
                ]),
                0..6,
            )
            .prop_map(|p| p.concat())
        ) {
            prop_assert!(
                super::placeholder_in(&text).is_none() || super::may_hold_placeholder(&text)
            );
        }
    }

    #[test]
    fn leaves_a_failed_render_to_send_failure() {
        let compiled = crate::testkit::compiled(&one_variant("Hi", "<p>x</p>"));
        let p = crate::testkit::profile("first_name: Ann");
        let mut cell = compiled.render(0, &p);
        cell.body.error = Some(crate::template::RenderFailure {
            message: "boom".into(),
            position: None,
            too_large: false,
            aborted: false,
            token: None,
        });
        let config = crate::config::Config::default();
        let cx = crate::rules::CellContext {
            config: &config,
            campaign: &compiled,
            variant: &compiled.campaign.variants[0],
            compiled: &compiled.variants[0],
            profile: &p,
            cell: &cell,
            facts: &Default::default(),
            reviewed_texts: crate::rules::ReviewedTexts::copied(),
            sms_baseline: None,
        };
        let mut out = Vec::new();
        crate::rules::Rule::check_cell(&super::RenderArtifact, &cx, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn does_not_fire_on_clean_text() {
        for (subject, body, profile) in [
            (
                "{{first_name}}, your picks",
                "<p>Hi {{first_name}},</p>",
                "first_name: Ann",
            ),
            (
                "{{default first_name \"Hi\"}}, picks",
                "<p>x</p>",
                "last_name: Ng",
            ),
            // The guard takes the comma with the name.
            (
                "Picks{{#if first_name}} for {{first_name}}{{/if}}!",
                "<p>x</p>",
                "last_name: Ng",
            ),
            // The producer's own words and real names.
            (
                "Null and void",
                "<p>Our offer is not null. Nan says hi.</p>",
                "x: 1",
            ),
            ("Hi {{first_name}}", "<p>x</p>", "first_name: Nan"),
            (
                "50% off, 20% more",
                "<p>Save 50%% today {braces are fine}</p>",
                "x: 1",
            ),
            (
                "Sale ends.  Shop now",
                "<p>{{first_name}}</p>",
                "first_name: \"\"",
            ),
            // Data that ends with a space is the data's own.
            (
                "Hi {{first_name}}, picks",
                "<p>x</p>",
                "first_name: \"Ann \"",
            ),
        ] {
            let f = found(subject, body, profile);
            assert!(f.is_empty(), "{subject} / {body}: {f:?}");
        }
    }

    #[test]
    fn an_empty_token_between_words_and_line_breaks_is_fine() {
        // "Hi" then nothing then a paragraph break: no gap a reader sees.
        let f = found(
            "Hello",
            "<p>Hi{{first_name}}</p><p>Welcome</p>",
            "first_name: \"\"",
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn a_liquid_error_printed_inline_is_debris_at_its_output() {
        let campaign = crate::testkit::in_dialect(
            "liquid",
            "<p>Each pays {{ total | divided_by: people }} dollars.</p>",
        );
        let found = check_cell_with("render-artifact", &campaign, "total: 10\npeople: 0");
        assert_eq!(found.len(), 1, "{found:#?}");
        assert!(
            found[0]
                .message
                .contains("printed `Liquid error: divided by 0`"),
            "{}",
            found[0].message
        );
        assert!(check_cell_with("render-artifact", &campaign, "total: 10\npeople: 2").is_empty());
        // Only a dialect whose engine prints its errors has them: in
        // Handlebars the words are copy.
        let copy = one_variant("Hi", "<p>Liquid error: our quiz answer</p>");
        assert!(check_cell_with("render-artifact", &copy, "x: 1").is_empty());
        // Customer.io does not send past the error: nothing to read.
        let cio = crate::testkit::in_dialect(
            "customerio",
            "<p>Each pays {{ customer.total | divided_by: customer.people }}</p>",
        );
        assert!(check_cell_with("render-artifact", &cio, "total: 10\npeople: 0").is_empty());
        assert!(!check_cell_with("send-failure", &cio, "total: 10\npeople: 0").is_empty());
    }
}
