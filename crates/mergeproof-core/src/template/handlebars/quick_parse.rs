//! Compiling the Handlebars that email templates are written in without the
//! crate's pest grammar, into the very `Template` the crate would make.
//!
//! The crate reads a template at about 130 ns a byte through its PEG parser:
//! on a project of many small campaigns that is a sixth of `lint`'s time, and
//! the same again on every reload of the terminal UI. This reader goes
//! through the text once, tag by tag, and builds the crate's elements as its
//! `Template::compile2` builds them from pest's pairs: the same raw strings
//! (standalone lines, `~` whitespace control and the whitespace the grammar
//! skips between elements treated alike), the same positions, the same
//! paths, literals, subexpressions, hashes, block parameters and `{{else}}`
//! chains.
//!
//! It takes the common syntax only: text (with `\{{` escapes), `{{expr}}`,
//! `{{{expr}}}`, blocks named by an identifier or a dotted path, `{{else}}`
//! and `{{else if …}}`, `{{> partial}}` and comments. Anything else — a
//! backslash before an escape (`\\{{`), raw blocks, inverted sections,
//! decorators, partial blocks, `[segment]` paths, array and object literals,
//! tokens written without a space between them,
//! a template the crate would refuse — answers `None`, and the crate
//! compiles it (and reports its errors). Whatever this reader returns, the
//! crate returns too: debug builds compile every template both ways and
//! require equal results, and the tests below hold generated templates to
//! it.

use std::collections::HashMap;

use ::handlebars::template::{
    BlockParam, DecoratorTemplate, ExpressionSpec, HelperTemplate, Parameter, Subexpression,
    Template, TemplateElement, TemplateMapping,
};
use ::handlebars::{JsonValue, Path, PathSeg};

/// The crate's `Template::compile(source)`, where the source keeps to the
/// common syntax; `None` where it does not (then ask the crate).
pub(super) fn compile(source: &str) -> Option<Template> {
    Compiler::new(source).run()
}

/// How deep subexpressions may nest here; deeper ones go to the crate
/// (which the syntax check bounds before).
const MAX_SUBEXPRESSION_DEPTH: usize = 32;

/// The grammar's `WHITESPACE`, skipped between the tokens of a tag and
/// between elements.
fn is_grammar_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

/// The grammar's `symbol_char`: what identifiers and path steps are made of.
fn is_symbol_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$' | ':') || !c.is_ascii()
}

/// The grammar's `partial_symbol_char`.
fn is_partial_symbol_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '@' | '/' | '.') || !c.is_ascii()
}

fn is_identifier(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_symbol_char)
}

/// What the grammar's `ends_with_empty_line` and `starts_with_empty_line`
/// call whitespace on a line.
const LINE_SPACE: [char; 2] = [' ', '\t'];

/// A template this reader leaves to the crate.
struct Unread;

/// An expression as the crate's `parse_expression` gives it.
struct Expression {
    name: Parameter,
    params: Vec<Parameter>,
    hash: HashMap<String, Parameter>,
    block_param: Option<BlockParam>,
    omit_before: bool,
    omit_after: bool,
}

impl Expression {
    fn spec(self) -> ExpressionSpec {
        ExpressionSpec::new(self.name, self.params, self.hash, self.block_param)
    }
}

/// What the name of a tag may be.
#[derive(Clone, Copy, PartialEq)]
enum NameKind {
    /// `{{…}}`, `{{{…}}}`: an identifier with arguments, or a path alone.
    Expression,
    /// `{{#…}}`: an identifier, or a path that starts with one and a step.
    Block,
    /// `{{else …}}`: an identifier.
    Chain,
    /// `{{> …}}`: a partial's name.
    Partial,
}

/// One open `{{#block}}`: the helper, the templates of its branches so far
/// and the `{{else if}}` branches, as `compile2` keeps them.
struct OpenBlock {
    helper: HelperTemplate,
    /// The text and tags before the first `{{else}}`.
    first: Option<Template>,
    /// Each `{{else name …}}`: its helper and, once the next branch starts,
    /// its template.
    chain: Vec<(HelperTemplate, Option<Template>)>,
    /// A plain `{{else}}` was met (no other branch may follow).
    plain_else: bool,
}

impl OpenBlock {
    /// `revert_chain_and_set` of the crate, given the last branch's template.
    fn close(mut self, last: Template) -> HelperTemplate {
        let mut helper = self.helper;
        if self.chain.is_empty() {
            match self.first {
                Some(first) => {
                    helper.template = Some(first);
                    helper.inverse = Some(last);
                }
                None => helper.template = Some(last),
            }
            return helper;
        }
        helper.template = self.first;
        let mut after: Option<Template> = None;
        if self.plain_else {
            after = Some(last);
        } else if let Some((_, template)) = self.chain.last_mut() {
            *template = Some(last);
        }
        for (mut node, template) in self.chain.into_iter().rev() {
            node.template = template;
            node.inverse = after;
            let mut holder = Template::new();
            holder
                .elements
                .push(TemplateElement::HelperBlock(Box::new(node)));
            after = Some(holder);
        }
        helper.inverse = after;
        helper
    }
}

/// Lines and columns as the crate counts them: lines at `\n`, columns in
/// characters from 1. Positions are asked in order.
struct Positions {
    at: usize,
    line: usize,
    column: usize,
}

impl Positions {
    fn of(&mut self, source: &str, position: usize) -> (usize, usize) {
        if position < self.at {
            *self = Positions {
                at: 0,
                line: 1,
                column: 1,
            };
        }
        let passed = &source.as_bytes()[self.at..position];
        match memchr::memrchr(b'\n', passed) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', passed).count();
                self.column = 1 + chars_in(&passed[last + 1..]);
            }
            None => self.column += chars_in(passed),
        }
        self.at = position;
        (self.line, self.column)
    }
}

fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

struct Compiler<'s> {
    source: &'s str,
    bytes: &'s [u8],
    /// The templates being filled, innermost last.
    templates: Vec<Template>,
    blocks: Vec<OpenBlock>,
    /// The last tag ended with `~}}`: the text after it loses its leading
    /// whitespace (until a later tag says otherwise, as in the crate).
    omit_after: bool,
    /// The last tag stood on its own line: the text after it loses the rest
    /// of that line.
    trim_line: bool,
    /// Where the last element ended.
    previous_end: usize,
    positions: Positions,
}

impl<'s> Compiler<'s> {
    fn new(source: &'s str) -> Self {
        Compiler {
            source,
            bytes: source.as_bytes(),
            templates: vec![Template::new()],
            blocks: Vec::new(),
            omit_after: false,
            trim_line: false,
            previous_end: 0,
            positions: Positions {
                at: 0,
                line: 1,
                column: 1,
            },
        }
    }

    fn run(mut self) -> Option<Template> {
        let mut at = 0;
        // The backslashes of `\{{` in the text being read: the grammar's
        // `escape`, which the crate takes out of the text.
        let mut escapes = Vec::new();
        loop {
            let tag = self.next_tag(at, &mut escapes).ok()?;
            let text_end = tag.unwrap_or(self.bytes.len());
            // Between elements the grammar skips whitespace, except before the
            // first: text that is only whitespace is no element of its own
            // but the gap before the next one.
            let skipped = if at == 0 {
                0
            } else {
                self.bytes[at..text_end]
                    .iter()
                    .take_while(|&&b| is_grammar_space(b))
                    .count()
            };
            if at + skipped < text_end {
                self.raw_text(at, at + skipped, text_end, &escapes);
            }
            escapes.clear();
            let Some(tag) = tag else { break };
            at = self.tag(tag)?;
        }
        if !self.blocks.is_empty() {
            return None;
        }
        // The end of input is an element too: whitespace before it is a gap.
        self.gap(self.bytes.len());
        let root = self.templates.pop()?;
        self.templates.is_empty().then_some(root)
    }

    fn front(&mut self) -> &mut Template {
        self.templates.last_mut().expect("the root template")
    }

    fn push(&mut self, element: TemplateElement, start: usize) {
        let (line, column) = self.positions.of(self.source, start);
        let template = self.front();
        template.elements.push(element);
        template.mapping.push(TemplateMapping::new(line, column));
    }

    /// Where the next tag from `from` starts (`None`: the text runs to the
    /// end), passing over escaped ones (`\{{`), whose backslashes go to
    /// `escapes`. A backslash before an escape (`\\{{`, the grammar's other
    /// escape) leaves the template to the crate.
    fn next_tag(&self, from: usize, escapes: &mut Vec<usize>) -> Result<Option<usize>, Unread> {
        let mut search = from;
        loop {
            let Some(tag) = memchr::memmem::find(&self.bytes[search..], b"{{").map(|i| search + i)
            else {
                return Ok(None);
            };
            if tag == 0 || self.bytes[tag - 1] != b'\\' {
                return Ok(Some(tag));
            }
            if tag >= 2 && self.bytes[tag - 2] == b'\\' {
                return Err(Unread);
            }
            escapes.push(tag - 1);
            // The escape takes `{{`, and a second `{{` right after it.
            search = tag + 2;
            if self.bytes[search..].starts_with(b"{{") {
                search += 2;
            }
        }
    }

    /// Text the grammar read as `raw_text` from `start`, after the
    /// whitespace skipped from `from`, without its escapes' backslashes.
    fn raw_text(&mut self, from: usize, start: usize, end: usize, escapes: &[usize]) {
        let text = if escapes.is_empty() {
            std::borrow::Cow::Borrowed(&self.source[from..end])
        } else {
            // The text without each escape's backslash, as the crate takes it out.
            let mut kept = String::with_capacity(end - from);
            let mut piece = from;
            for &backslash in escapes {
                kept.push_str(&self.source[piece..backslash]);
                piece = backslash + 1;
            }
            kept.push_str(&self.source[piece..end]);
            std::borrow::Cow::Owned(kept)
        };
        let text = raw_string(&text, self.omit_after, self.trim_line);
        self.push(TemplateElement::RawString(text), start);
        self.trim_line = false;
        self.previous_end = end;
    }

    /// Whitespace skipped before an element starting at `start` becomes a
    /// raw string of its own (unless the tag before ended with `~`).
    fn gap(&mut self, start: usize) {
        if start != self.previous_end && !self.omit_after {
            let text = raw_string(
                &self.source[self.previous_end..start],
                false,
                self.trim_line,
            );
            self.push(TemplateElement::RawString(text), start);
            self.trim_line = false;
        }
    }

    /// `remove_previous_whitespace`: `{{~`.
    fn trim_before(&mut self) {
        if let Some(TemplateElement::RawString(text)) = self.front().elements.last_mut() {
            *text = text.trim_end().to_owned();
        }
    }

    /// `process_standalone_statement`: whether the tag from `start` to
    /// `end` stands on its own line, having taken the whitespace before it
    /// on that line off the text before.
    fn standalone(&mut self, start: usize, end: usize) -> bool {
        let after = &self.source[end..];
        let ends_line = after.is_empty()
            || after
                .trim_start_matches(LINE_SPACE)
                .starts_with(['\n', '\r']);
        if !ends_line {
            return false;
        }
        let before = self.source[..start].trim_end_matches(LINE_SPACE);
        let starts_line = before.is_empty() || before.ends_with(['\n', '\r']);
        if starts_line
            && let Some(TemplateElement::RawString(text)) = self.front().elements.last_mut()
        {
            *text = text.trim_end_matches(LINE_SPACE).to_owned();
        }
        start == 0 || starts_line
    }

    /// Reads the tag at `start` and returns where it ends.
    fn tag(&mut self, start: usize) -> Option<usize> {
        let rest = &self.bytes[start..];
        if rest.starts_with(b"{{{{") {
            return None;
        }
        if rest.starts_with(b"{{!") {
            return self.comment(start);
        }
        let mut reader = Reader {
            source: self.source,
            at: start + 2,
        };
        let triple = rest.starts_with(b"{{{");
        if triple {
            reader.at += 1;
        }
        reader.skip_space();
        let omit_before = reader.eat(b'~');
        reader.skip_space();
        if triple {
            let expression = reader.expression(NameKind::Expression, omit_before)?;
            let end = reader.close(b"}}}")?;
            return Some(self.expression(start, end, expression, true));
        }
        match reader.peek()? {
            b'#' => {
                reader.at += 1;
                reader.skip_space();
                if matches!(reader.peek()?, b'>' | b'*') {
                    return None;
                }
                let expression = reader.expression(NameKind::Block, omit_before)?;
                let end = reader.close(b"}}")?;
                Some(self.open_block(start, end, expression))
            }
            b'/' => {
                reader.at += 1;
                reader.skip_space();
                let name = reader.end_name()?;
                let omit_after = reader.tilde_before_close();
                let end = reader.close(b"}}")?;
                self.close_block(start, end, name, omit_before, omit_after)
            }
            b'>' => {
                reader.at += 1;
                reader.skip_space();
                let expression = reader.expression(NameKind::Partial, omit_before)?;
                let end = reader.close(b"}}")?;
                Some(self.partial(start, end, expression))
            }
            b'^' | b'&' | b'*' | b'{' | b'!' => None,
            _ if reader.at_word(b"else") => {
                reader.at += 4;
                reader.skip_space();
                if matches!(reader.peek()?, b'~' | b'}') {
                    let omit_after = reader.tilde_before_close();
                    let end = reader.close(b"}}")?;
                    self.plain_else(start, end, omit_before, omit_after)
                } else {
                    let expression = reader.expression(NameKind::Chain, omit_before)?;
                    let end = reader.close(b"}}")?;
                    self.chained_else(start, end, expression)
                }
            }
            _ => {
                if reader.starts_with_word(b"else") {
                    return None; // `{{elsewhere}}`: the grammar reads an `{{else}}` chain
                }
                let expression = reader.expression(NameKind::Expression, omit_before)?;
                let end = reader.close(b"}}")?;
                Some(self.expression(start, end, expression, false))
            }
        }
    }

    fn comment(&mut self, start: usize) -> Option<usize> {
        let rest = &self.source[start..];
        let end = if rest[3..].starts_with("--") {
            start + 5 + memchr::memmem::find(&self.bytes[start + 5..], b"--}}")? + 4
        } else {
            if rest[3..]
                .trim_start_matches([' ', '\t', '\n', '\r'])
                .starts_with("--")
            {
                return None; // `{{! --`: the grammar reads a long comment
            }
            start + 3 + memchr::memmem::find(&self.bytes[start + 3..], b"}}")? + 2
        };
        let span = &self.source[start..end];
        let text = if rest[3..].starts_with("--") {
            span.trim_start_matches("{{!--").trim_end_matches("--}}")
        } else {
            span.trim_start_matches("{{!").trim_end_matches("}}")
        };
        self.gap(start);
        self.trim_line = self.standalone(start, end);
        self.push(TemplateElement::Comment(text.to_owned()), start);
        self.previous_end = end;
        Some(end)
    }

    /// What every tag but a comment does first: the gap before it, its `~`s.
    fn begin_tag(&mut self, start: usize, omit_before: bool, omit_after: bool) {
        self.gap(start);
        if omit_before {
            self.trim_before();
        }
        self.omit_after = omit_after;
    }

    fn expression(
        &mut self,
        start: usize,
        end: usize,
        expression: Expression,
        html: bool,
    ) -> usize {
        self.begin_tag(start, expression.omit_before, expression.omit_after);
        let helper = Box::new(HelperTemplate::new(expression.spec(), false, false));
        let element = if html {
            TemplateElement::HtmlExpression(helper)
        } else {
            TemplateElement::Expression(helper)
        };
        self.push(element, start);
        self.previous_end = end;
        end
    }

    fn partial(&mut self, start: usize, end: usize, expression: Expression) -> usize {
        let omit_before = expression.omit_before;
        self.begin_tag(start, omit_before, expression.omit_after);
        self.trim_line = self.standalone(start, end);
        let indent = (!omit_before)
            .then(|| {
                let before = &self.source[..start];
                let kept = before.trim_end_matches(LINE_SPACE).len();
                (kept < before.len()).then(|| before[kept..].to_owned())
            })
            .flatten();
        let mut partial = DecoratorTemplate::new(expression.spec(), self.trim_line && !omit_before);
        partial.indent = indent;
        self.push(TemplateElement::PartialExpression(Box::new(partial)), start);
        self.previous_end = end;
        end
    }

    fn open_block(&mut self, start: usize, end: usize, expression: Expression) -> usize {
        let omit_before = expression.omit_before;
        self.begin_tag(start, omit_before, expression.omit_after);
        self.trim_line = self.standalone(start, end);
        let helper = HelperTemplate::new(expression.spec(), true, self.trim_line && !omit_before);
        let (line, column) = self.positions.of(self.source, start);
        self.front()
            .mapping
            .push(TemplateMapping::new(line, column));
        self.blocks.push(OpenBlock {
            helper,
            first: None,
            chain: Vec::new(),
            plain_else: false,
        });
        self.templates.push(Template::new());
        self.previous_end = end;
        end
    }

    /// The template of the branch an `{{else}}` ends.
    fn end_branch(&mut self) -> Option<()> {
        let template = self.templates.pop()?;
        let block = self.blocks.last_mut()?;
        if block.plain_else {
            return None;
        }
        match block.chain.last_mut() {
            Some((_, branch)) => *branch = Some(template),
            None => block.first = Some(template),
        }
        Some(())
    }

    fn plain_else(
        &mut self,
        start: usize,
        end: usize,
        omit_before: bool,
        omit_after: bool,
    ) -> Option<usize> {
        if self.blocks.is_empty() {
            return None;
        }
        self.begin_tag(start, omit_before, omit_after);
        self.trim_line = self.standalone(start, end);
        self.end_branch()?;
        self.blocks.last_mut()?.plain_else = true;
        self.templates.push(Template::new());
        self.previous_end = end;
        Some(end)
    }

    fn chained_else(&mut self, start: usize, end: usize, expression: Expression) -> Option<usize> {
        if self.blocks.is_empty() {
            return None;
        }
        let omit_before = expression.omit_before;
        self.begin_tag(start, omit_before, expression.omit_after);
        self.trim_line = self.standalone(start, end);
        let node =
            HelperTemplate::new_chain(expression.spec(), true, self.trim_line && !omit_before);
        self.end_branch()?;
        let block = self.blocks.last_mut()?;
        block.helper.chain = true;
        block.chain.push((node, None));
        self.templates.push(Template::new());
        self.previous_end = end;
        Some(end)
    }

    fn close_block(
        &mut self,
        start: usize,
        end: usize,
        name: &str,
        omit_before: bool,
        omit_after: bool,
    ) -> Option<usize> {
        self.begin_tag(start, omit_before, omit_after);
        self.trim_line = self.standalone(start, end);
        let block = self.blocks.pop()?;
        if block.helper.name.as_name() != Some(name) {
            return None; // the crate reports the mismatch
        }
        let last = self.templates.pop()?;
        let helper = block.close(last);
        self.front()
            .elements
            .push(TemplateElement::HelperBlock(Box::new(helper)));
        self.previous_end = end;
        Some(end)
    }
}

/// `Template::raw_string` of the crate: text after a `~}}` loses its leading
/// whitespace, after a standalone tag the rest of its line.
fn raw_string(text: &str, trim_start: bool, trim_line: bool) -> String {
    if trim_start {
        text.trim_start().to_owned()
    } else if trim_line {
        let text = text.trim_start_matches(LINE_SPACE);
        let text = text
            .strip_prefix("\r\n")
            .or_else(|| text.strip_prefix('\n'))
            .unwrap_or(text);
        text.to_owned()
    } else {
        text.to_owned()
    }
}

/// The inside of one tag.
struct Reader<'s> {
    source: &'s str,
    at: usize,
}

/// A token where an argument may stand.
enum Argument {
    Positional(Parameter),
    Hash(String, Parameter),
    /// `as |…|`
    BlockParams(BlockParam),
    /// Nothing more: the tag or the subexpression closes here.
    End,
}

impl<'s> Reader<'s> {
    fn bytes(&self) -> &'s [u8] {
        self.source.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(is_grammar_space) {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> bool {
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn next_char(&self) -> Option<char> {
        self.source[self.at..].chars().next()
    }

    /// The word `word` starts here and no symbol character follows it.
    fn at_word(&self, word: &[u8]) -> bool {
        self.starts_with_word(word)
            && self.source[self.at + word.len()..]
                .chars()
                .next()
                .is_none_or(|c| !is_symbol_char(c))
    }

    fn starts_with_word(&self, word: &[u8]) -> bool {
        self.bytes()[self.at..].starts_with(word)
    }

    /// `~` before the closing braces, with the whitespace around it.
    fn tilde_before_close(&mut self) -> bool {
        self.skip_space();
        let found = self.eat(b'~');
        self.skip_space();
        found
    }

    /// The closing braces; returns where the tag ends.
    fn close(&mut self, braces: &[u8]) -> Option<usize> {
        self.skip_space();
        self.bytes()[self.at..]
            .starts_with(braces)
            .then(|| self.at + braces.len())
    }

    /// The characters of a path or an identifier from here.
    fn run(&mut self) -> &'s str {
        let start = self.at;
        while let Some(c) = self.next_char() {
            if is_symbol_char(c) || matches!(c, '.' | '/' | '@') {
                self.at += c.len_utf8();
            } else {
                break;
            }
        }
        &self.source[start..self.at]
    }

    /// The token after a run must be separated from it (or close).
    fn separated(&self) -> bool {
        self.peek()
            .is_none_or(|b| is_grammar_space(b) || matches!(b, b'~' | b'}' | b')'))
    }

    /// An expression's name and arguments, up to its `~` and closing braces.
    fn expression(&mut self, kind: NameKind, omit_before: bool) -> Option<Expression> {
        let (name, params, hash, block_param) = self.call(kind, 0)?;
        let omit_after = self.tilde_before_close();
        Some(Expression {
            name,
            params,
            hash,
            block_param,
            omit_before,
            omit_after,
        })
    }

    #[allow(clippy::type_complexity)]
    fn call(
        &mut self,
        kind: NameKind,
        depth: usize,
    ) -> Option<(
        Parameter,
        Vec<Parameter>,
        HashMap<String, Parameter>,
        Option<BlockParam>,
    )> {
        let run = if kind == NameKind::Partial {
            let start = self.at;
            while let Some(c) = self.next_char().filter(|&c| is_partial_symbol_char(c)) {
                self.at += c.len_utf8();
            }
            &self.source[start..self.at]
        } else {
            self.run()
        };
        if run.is_empty() || !self.separated() {
            return None;
        }
        // The grammar names a block by a path where its identifier is
        // followed by a separator, even after a space: `{{#if ../x}}` is
        // named by the path `if`.
        let block_named_by_path = kind == NameKind::Block && {
            let rest = &self.bytes()[self.at..];
            let space = rest.iter().take_while(|&&b| is_grammar_space(b)).count();
            matches!(rest.get(space), Some(b'.' | b'/'))
        };
        let mut params = Vec::new();
        let mut hash = HashMap::new();
        let mut block_param = None;
        loop {
            match self.argument(kind == NameKind::Block || kind == NameKind::Chain, depth)? {
                Argument::Positional(param) if block_param.is_none() => params.push(param),
                Argument::Hash(key, value) if block_param.is_none() => {
                    hash.insert(key, value);
                }
                Argument::BlockParams(params) if block_param.is_none() => {
                    block_param = Some(params)
                }
                Argument::End => break,
                _ => return None,
            }
        }
        let has_arguments = !params.is_empty() || !hash.is_empty() || block_param.is_some();
        let name = match kind {
            NameKind::Partial => Parameter::Name(run.to_owned()),
            NameKind::Expression if is_identifier(run) && has_arguments => {
                Parameter::Name(run.to_owned())
            }
            // `{{path}}` alone; a path with arguments is no expression.
            NameKind::Expression if !has_arguments => Parameter::Path(path(run)?),
            NameKind::Expression => return None,
            NameKind::Block if is_identifier(run) && block_named_by_path => {
                Parameter::Path(path(run)?)
            }
            NameKind::Block | NameKind::Chain if is_identifier(run) => {
                Parameter::Name(run.to_owned())
            }
            NameKind::Block => {
                // A dotted block name: an identifier, a step, then a path.
                let first = run.find(['.', '/'])?;
                if !is_identifier(&run[..first]) {
                    return None;
                }
                Parameter::Path(path(run)?)
            }
            NameKind::Chain => return None,
        };
        Some((name, params, hash, block_param))
    }

    fn argument(&mut self, block: bool, depth: usize) -> Option<Argument> {
        self.skip_space();
        match self.peek()? {
            b'~' | b'}' | b')' => return Some(Argument::End),
            b'"' | b'\'' => return self.string().map(Argument::Positional),
            b'(' => return self.subexpression(depth).map(Argument::Positional),
            _ => {}
        }
        let start = self.at;
        let run = self.run();
        if run.is_empty() {
            return None;
        }
        if is_identifier(run) {
            let after_name = self.at;
            self.skip_space();
            if self.eat(b'=') {
                self.skip_space();
                let value = match self.argument(false, depth)? {
                    Argument::Positional(value) => value,
                    _ => return None,
                };
                return Some(Argument::Hash(run.to_owned(), value));
            }
            self.at = after_name;
        }
        if !self.separated() {
            return None;
        }
        if is_keyword_start(run) {
            // `as |…|` closes a block's arguments; anything else the
            // grammar refuses.
            if !block || run != "as" {
                return None;
            }
            return self.block_params().map(Argument::BlockParams);
        }
        self.at = start;
        let param = self.word_parameter()?;
        Some(Argument::Positional(param))
    }

    /// A number, `true`, `false`, `null` or a path.
    fn word_parameter(&mut self) -> Option<Parameter> {
        let run = self.run();
        if let Some(length) = number_length(run) {
            if length != run.len() {
                return None; // `1/2`: a number, then something else
            }
            return serde_json::from_str::<JsonValue>(run)
                .ok()
                .map(Parameter::Literal);
        }
        for word in ["true", "false", "null"] {
            if let Some(after) = run.strip_prefix(word)
                && !after.starts_with(is_symbol_char)
            {
                if !after.is_empty() {
                    return None;
                }
                return serde_json::from_str::<JsonValue>(run)
                    .ok()
                    .map(Parameter::Literal);
            }
        }
        path(run).map(Parameter::Path)
    }

    /// A quoted text, as JSON.
    fn string(&mut self) -> Option<Parameter> {
        let quote = self.peek()?;
        let start = self.at;
        self.at += 1;
        loop {
            match self.peek()? {
                b if b == quote => break,
                b'\\' => {
                    self.at += 1;
                    match self.peek()? {
                        b'u' => {
                            let hex = self.bytes().get(self.at + 1..self.at + 5)?;
                            if !hex.iter().all(u8::is_ascii_hexdigit) {
                                return None;
                            }
                            self.at += 5;
                        }
                        b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                        b if b == quote => self.at += 1,
                        _ => return None,
                    }
                }
                _ => self.at += self.next_char()?.len_utf8(),
            }
        }
        self.at += 1;
        if !self.separated() {
            return None;
        }
        let span = &self.source[start..self.at];
        let json = if quote == b'"' {
            serde_json::from_str::<JsonValue>(span)
        } else {
            let inner = &span[1..span.len() - 1];
            serde_json::from_str::<JsonValue>(&format!(
                "\"{}\"",
                inner.replace("\\'", "'").replace('"', "\\\"")
            ))
        };
        json.ok().map(Parameter::Literal)
    }

    fn subexpression(&mut self, depth: usize) -> Option<Parameter> {
        if depth >= MAX_SUBEXPRESSION_DEPTH {
            return None;
        }
        self.at += 1;
        self.skip_space();
        let (name, params, hash, _) = self.call(NameKind::Expression, depth + 1)?;
        self.skip_space();
        if !self.eat(b')') || !self.separated() {
            return None;
        }
        Some(Parameter::Subexpression(Subexpression::new(
            name, params, hash,
        )))
    }

    /// `|a|` or `|a b|` after `as`.
    fn block_params(&mut self) -> Option<BlockParam> {
        self.skip_space();
        if !self.eat(b'|') {
            return None;
        }
        let mut names = Vec::new();
        loop {
            self.skip_space();
            if self.eat(b'|') {
                break;
            }
            let start = self.at;
            while let Some(c) = self.next_char().filter(|&c| is_symbol_char(c)) {
                self.at += c.len_utf8();
            }
            if start == self.at {
                return None;
            }
            names.push(Parameter::Name(self.source[start..self.at].to_owned()));
        }
        self.skip_space();
        if !matches!(self.peek()?, b'~' | b'}') {
            return None;
        }
        let mut names = names.into_iter();
        match (names.next(), names.next(), names.next()) {
            (Some(one), None, None) => Some(BlockParam::Single(one)),
            (Some(one), Some(two), None) => Some(BlockParam::Pair((one, two))),
            _ => None,
        }
    }

    /// The name after `{{/`: an identifier or a dotted name.
    fn end_name(&mut self) -> Option<&'s str> {
        let start = self.at;
        while let Some(c) = self
            .next_char()
            .filter(|&c| is_symbol_char(c) || c == '.' || c == '/')
        {
            self.at += c.len_utf8();
        }
        let name = &self.source[start..self.at];
        let steps_named = name.split(['.', '/']).all(is_identifier);
        (steps_named && self.separated()).then_some(name)
    }
}

/// `as` or `else` as a whole word: never an argument.
fn is_keyword_start(run: &str) -> bool {
    ["as", "else"].iter().any(|word| {
        run.strip_prefix(word)
            .is_some_and(|after| !after.starts_with(is_symbol_char))
    })
}

/// The length of the grammar's `number_literal` at the start of `run`
/// (`-`? digits `.`? digits (`E` `-`? digits)?, and no symbol character
/// after it), if one is there.
fn number_length(run: &str) -> Option<usize> {
    let bytes = run.as_bytes();
    let digits = |from: usize| {
        bytes[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = usize::from(bytes.first() == Some(&b'-'));
    let whole = digits(at);
    if whole == 0 {
        return None;
    }
    at += whole;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
    }
    at += digits(at);
    if bytes.get(at) == Some(&b'E') {
        let sign = usize::from(bytes.get(at + 1) == Some(&b'-'));
        let exponent = digits(at + 1 + sign);
        if exponent > 0 {
            at += 1 + sign + exponent;
        }
    }
    let next = run[at..].chars().next();
    (!next.is_some_and(is_symbol_char)).then_some(at)
}

/// A path as the grammar's `path_inline` reads it and the crate's
/// `parse_json_path_from_iter` steps it; `None` where it would not read the
/// whole of `raw`.
fn path(raw: &str) -> Option<Path> {
    if raw == "." {
        return Some(Path::from_segs(raw, Vec::new()));
    }
    let mut rest = raw;
    let mut segs = Vec::new();
    for current in ["this.", "this/", "./"] {
        if let Some(after) = rest.strip_prefix(current)
            && after.starts_with(is_symbol_char)
        {
            rest = after;
            break;
        }
    }
    if let Some(after) = rest
        .strip_prefix("@root.")
        .or_else(|| rest.strip_prefix("@root/"))
    {
        segs.push(PathSeg::root());
        rest = after;
    }
    if let Some(after) = rest.strip_prefix('@') {
        segs.push(PathSeg::local());
        rest = after;
    }
    while let Some(after) = rest.strip_prefix("../") {
        segs.push(PathSeg::up());
        rest = after;
    }
    for step in rest.split(['.', '/']) {
        if !is_identifier(step) {
            return None;
        }
        if step != "this" {
            segs.push(PathSeg::Named(step.to_owned()));
        }
    }
    Some(Path::from_segs(raw, segs))
}

#[cfg(test)]
mod tests;
