//! The tree of a Liquid template's tags, each node with where it is; the
//! expressions inside them are read by [`super::expr`].

use super::expr::{Condition, Expr, Filtered, Parser};
use super::flavor::Flavor;
use super::lex::Piece;
use super::value::Value;
use crate::dialect::Language;
use crate::source::{LoadError, SourceLoc};

/// `{% for variable in collection limit: … offset: … reversed %}`, its body
/// and its `{% else %}` for an empty collection.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ForLoop {
    pub variable: String,
    pub collection: Expr,
    pub limit: Option<Expr>,
    pub offset: Option<Expr>,
    pub reversed: bool,
    pub body: Vec<Node>,
    pub otherwise: Option<Vec<Node>>,
    pub loc: SourceLoc,
}

/// One node of a template's tree.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    Text(String),
    /// `{{ }}` or `{% echo %}`: prints; `index` is its token's.
    Output {
        value: Filtered,
        index: u32,
        markup: String,
        loc: SourceLoc,
    },
    If {
        /// `unless`: the first branch renders when its condition is false.
        unless: bool,
        branches: Vec<(Condition, Vec<Node>, SourceLoc)>,
        otherwise: Option<Vec<Node>>,
    },
    Case {
        subject: Expr,
        whens: Vec<(Vec<Expr>, Vec<Node>)>,
        otherwise: Option<Vec<Node>>,
        loc: SourceLoc,
    },
    For(ForLoop),
    Break,
    Continue,
    Assign {
        name: String,
        value: Filtered,
    },
    Capture {
        name: String,
        body: Vec<Node>,
    },
    Increment {
        name: String,
        down: bool,
    },
    Cycle {
        group: Option<Expr>,
        values: Vec<Expr>,
    },
    /// `{% comment %}…{% endcomment %}` or `{% # … %}`: prints nothing;
    /// kept for `mergeproof-allow`.
    Comment {
        text: String,
        loc: SourceLoc,
    },
    /// Braze's `{% abort_message %}`: the platform sends nothing.
    Abort {
        reason: Option<Expr>,
    },
    /// `{% render 'name', key: value %}` or `include`: the partial's nodes,
    /// parsed once it is known.
    Partial {
        name: String,
        arguments: Vec<(String, Expr)>,
        /// `with x` / `for x as y`.
        with: Option<(Expr, bool, Option<String>)>,
        isolated: bool,
        loc: SourceLoc,
    },
}

/// Builds the node tree of a template's pieces. `next_index` numbers the
/// outputs in order.
pub(crate) struct TreeBuilder<'p> {
    pieces: std::iter::Peekable<std::vec::IntoIter<Piece>>,
    pub next_index: u32,
    /// The platform's Liquid: its tags and filters.
    flavor: Flavor,
    /// The filters a template may call.
    filters: &'p [&'p str],
    /// Outputs nested past this depth are an error, not a stack overflow.
    depth: usize,
    pub errors: Vec<LoadError>,
}

const MAX_NESTING: usize = crate::limits::MAX_DEPTH;

/// The tags that open a block closed by `end…`.
const BLOCKS: &[&str] = &["if", "unless", "case", "for", "capture", "comment", "raw"];

/// Where blocks first nest past [`MAX_NESTING`], found without recursion
/// so that no later stage recurses that deep.
pub(crate) fn too_deep(pieces: &[Piece]) -> Option<SourceLoc> {
    let mut depth = 0usize;
    for piece in pieces {
        if let Piece::Tag { name, loc, .. } = piece {
            if BLOCKS.contains(&name.as_str()) {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(loc.clone());
                }
            } else if name.starts_with("end") {
                depth = depth.saturating_sub(1);
            }
        }
    }
    None
}

/// How a block's body ended.
struct Ended {
    tag: String,
    markup: String,
    loc: SourceLoc,
}

impl<'p> TreeBuilder<'p> {
    pub(crate) fn new(pieces: Vec<Piece>, flavor: Flavor, filters: &'p [&'p str]) -> Self {
        TreeBuilder {
            pieces: pieces.into_iter().peekable(),
            next_index: 0,
            flavor,
            filters,
            depth: 0,
            errors: Vec::new(),
        }
    }

    /// The whole template.
    pub(crate) fn build(mut self) -> Result<(Vec<Node>, u32), Vec<LoadError>> {
        let (nodes, ended) = self.body(&[]);
        if let Some(end) = ended {
            self.errors.push(LoadError::at(
                &end.loc,
                format!("`{{% {} %}}` closes no open tag", end.tag),
            ));
        }
        if self.errors.is_empty() {
            Ok((nodes, self.next_index))
        } else {
            Err(self.errors)
        }
    }

    fn error(&mut self, loc: &SourceLoc, message: String) {
        self.errors.push(LoadError::at(loc, message));
    }

    /// Nodes up to one of `ends` (returned) or the end of the template.
    fn body(&mut self, ends: &[&str]) -> (Vec<Node>, Option<Ended>) {
        let mut nodes = Vec::new();
        while let Some(piece) = self.pieces.next() {
            match piece {
                Piece::Text(t) => nodes.push(Node::Text(t)),
                Piece::Output {
                    markup,
                    written,
                    loc,
                } => {
                    if let Some(node) = self.output(&markup, &written, &loc) {
                        nodes.push(node);
                    }
                }
                Piece::Tag { name, markup, loc } => {
                    if ends.contains(&name.as_str()) || name.starts_with("end") {
                        return (
                            nodes,
                            Some(Ended {
                                tag: name,
                                markup,
                                loc,
                            }),
                        );
                    }
                    if let Some(node) = self.tag(&name, &markup, &loc) {
                        nodes.push(node);
                    }
                }
            }
        }
        (nodes, None)
    }

    fn output(&mut self, markup: &str, written: &str, loc: &SourceLoc) -> Option<Node> {
        if markup.is_empty() {
            return None;
        }
        let known = self.filters;
        match Parser::new(markup).and_then(|mut p| {
            let f = p.filtered_of(known)?;
            p.end()?;
            Ok(f)
        }) {
            Ok(value) => {
                let index = self.next_index;
                self.next_index += 1;
                Some(Node::Output {
                    value,
                    index,
                    markup: written.to_string(),
                    loc: loc.clone(),
                })
            }
            Err(e) => {
                let hint = crate::template::handlebars_in(Language::Liquid, written)
                    .map(|hint| format!("; {hint}"))
                    .unwrap_or_default();
                self.error(loc, format!("in `{{{{ {written} }}}}`: {e}{hint}"));
                None
            }
        }
    }

    /// A block's body up to `end{name}`, with its middle tags.
    fn block(
        &mut self,
        name: &str,
        middles: &[&str],
        loc: &SourceLoc,
    ) -> Vec<(Vec<Node>, Option<Ended>)> {
        self.depth += 1;
        let end = format!("end{name}");
        let mut ends: Vec<&str> = middles.to_vec();
        ends.push(&end);
        let mut parts = Vec::new();
        if self.depth > MAX_NESTING {
            self.nested_too_deep(loc);
            self.depth -= 1;
            return parts;
        }
        loop {
            let (nodes, ended) = self.body(&ends);
            match ended {
                Some(e) if e.tag == end => {
                    parts.push((nodes, None));
                    break;
                }
                Some(e) if middles.contains(&e.tag.as_str()) => {
                    parts.push((nodes, Some(e)));
                }
                Some(e) => {
                    self.misplaced(&e, name, &end);
                    parts.push((nodes, None));
                    break;
                }
                None => {
                    self.never_closed(name, &end, loc);
                    parts.push((nodes, None));
                    break;
                }
            }
        }
        self.depth -= 1;
        parts
    }

    // The errors a block reports, apart from it: a deep template stacks one
    // frame of `block` a level, and their formatting would swell each.
    #[cold]
    #[inline(never)]
    fn nested_too_deep(&mut self, loc: &SourceLoc) {
        self.error(
            loc,
            format!("tags are nested more than {MAX_NESTING} deep; flatten the template"),
        );
        // The rest cannot be read as the producer meant it.
        self.pieces.by_ref().for_each(drop);
    }

    #[cold]
    #[inline(never)]
    fn misplaced(&mut self, e: &Ended, name: &str, end: &str) {
        self.error(
            &e.loc,
            format!(
                "`{{% {} %}}` inside `{{% {name} %}}`, which needs `{{% {end} %}}` first",
                e.tag
            ),
        );
    }

    #[cold]
    #[inline(never)]
    fn never_closed(&mut self, name: &str, end: &str, loc: &SourceLoc) {
        self.error(
            loc,
            format!("`{{% {name} %}}` is never closed: add `{{% {end} %}}`"),
        );
    }

    fn tag(&mut self, name: &str, markup: &str, loc: &SourceLoc) -> Option<Node> {
        let result = self.tag_inner(name, markup, loc);
        match result {
            Ok(node) => node,
            Err(message) => {
                self.error(loc, format!("in `{{% {name} {markup} %}}`: {message}"));
                None
            }
        }
    }

    /// A tag: the blocks, whose bodies nest, each in its own function, so
    /// that the frames a deep template stacks up stay small; every other tag
    /// in [`Self::leaf_tag`].
    fn tag_inner(
        &mut self,
        name: &str,
        markup: &str,
        loc: &SourceLoc,
    ) -> Result<Option<Node>, String> {
        match name {
            "if" | "unless" => self.if_tag(name, markup, loc).map(Some),
            "case" => self.case_tag(name, markup, loc).map(Some),
            "for" => self.for_tag(name, markup, loc).map(Some),
            "capture" => self.capture_tag(markup, loc).map(Some),
            "liquid" => self.liquid_tag(markup, loc).map(Some),
            _ => self.leaf_tag(name, markup, loc),
        }
    }

    /// A tag without a body of tags.
    #[inline(never)]
    fn leaf_tag(
        &mut self,
        name: &str,
        markup: &str,
        loc: &SourceLoc,
    ) -> Result<Option<Node>, String> {
        let p = Parser::new(markup);
        Ok(Some(match name {
            "break" => Node::Break,
            "continue" => Node::Continue,
            "assign" => {
                let (name, value) = markup
                    .split_once('=')
                    .ok_or("an assignment is written `{% assign name = value %}`")?;
                let mut vp = Parser::new(value)?;
                let value = vp.filtered_of(self.filters)?;
                vp.end()?;
                Node::Assign {
                    name: name.trim().to_string(),
                    value,
                }
            }
            "increment" | "decrement" => Node::Increment {
                name: p?.id()?,
                down: name == "decrement",
            },
            "echo" => return Ok(self.output(markup, markup, loc)),
            "comment" => Node::Comment {
                text: self.skip_raw("comment", loc),
                loc: loc.clone(),
            },
            "#" => Node::Comment {
                text: markup.to_string(),
                loc: loc.clone(),
            },
            "raw" => {
                // The lexer hands the body over as one text.
                let text = match self.pieces.next_if(|p| matches!(p, Piece::Text(_))) {
                    Some(Piece::Text(t)) => t,
                    _ => String::new(),
                };
                match self.pieces.next() {
                    Some(Piece::Tag { name, .. }) if name == "endraw" => {}
                    _ => return Err("`{% raw %}` is never closed: add `{% endraw %}`".into()),
                }
                Node::Text(text)
            }
            "cycle" => {
                let mut p = p?;
                let mut values = vec![p.expr()?];
                let mut group = None;
                if p.colon() {
                    group = values.pop();
                    values.push(p.expr()?);
                }
                while p.comma() {
                    values.push(p.expr()?);
                }
                Node::Cycle { group, values }
            }
            "render" | "include" => {
                let mut p = p?;
                let partial = match p.expr()? {
                    Expr::Literal(Value::Str(s)) => s.to_string(),
                    _ => return Err("name the partial in quotes: `{% render 'footer' %}`".into()),
                };
                let mut with = None;
                if p.eat_id("with") || p.eat_id("for") {
                    let each = markup.contains(" for ");
                    let value = p.expr()?;
                    let alias = if p.eat_id("as") { Some(p.id()?) } else { None };
                    with = Some((value, each, alias));
                }
                let mut arguments = Vec::new();
                while !p.done() {
                    p.comma();
                    match p.keyword()? {
                        Some(kv) => arguments.push(kv),
                        None => return Err("arguments are written `key: value`".into()),
                    }
                }
                Node::Partial {
                    name: partial,
                    arguments,
                    with,
                    isolated: name == "render",
                    loc: loc.clone(),
                }
            }
            other if self.flavor.aborts(other) => {
                // `{% abort_message %}`, `abort_message()` or with a reason.
                let reason = markup
                    .trim()
                    .trim_start_matches('(')
                    .trim_end_matches(')')
                    .trim();
                let reason = if reason.is_empty() {
                    None
                } else {
                    Some(Parser::new(reason)?.expr()?)
                };
                Node::Abort { reason }
            }
            // Customer.io's `{% cio_link url: "…" %}` prints the link (the
            // platform adds its URL parameters to it).
            "cio_link" if self.flavor == Flavor::Customerio => {
                let mut p = Parser::new(markup)?;
                let Some((key, url)) = p.keyword()? else {
                    return Err("a link is written `{% cio_link url: \"https://…\" %}`".into());
                };
                if key != "url" {
                    return Err(format!("`{key}` is not an argument of cio_link (url)"));
                }
                let index = self.next_index;
                self.next_index += 1;
                Node::Output {
                    value: Filtered {
                        expr: url,
                        filters: Vec::new(),
                    },
                    index,
                    markup: format!("cio_link {markup}"),
                    loc: loc.clone(),
                }
            }
            other => {
                if let Some(printed) = self.flavor.simple_tag(other) {
                    return Ok(Some(Node::Text(printed.to_string())));
                }
                let known = [
                    "if",
                    "unless",
                    "case",
                    "for",
                    "assign",
                    "capture",
                    "increment",
                    "decrement",
                    "echo",
                    "comment",
                    "raw",
                    "cycle",
                    "render",
                    "include",
                    "liquid",
                    "break",
                    "continue",
                ];
                if let Some(twin) = crate::template::tag_twin(Language::Liquid, other) {
                    return Err(format!("`{other}` is not a Liquid tag: {twin}"));
                }
                let hint = crate::source::hint_prefix(other, &known);
                return Err(format!("{hint}`{other}` is not a Liquid tag"));
            }
        }))
    }

    #[inline(never)]
    fn if_tag(&mut self, name: &str, markup: &str, loc: &SourceLoc) -> Result<Node, String> {
        let first = Parser::new(markup)?.condition_all()?;
        let parts = self.block(name, &["elsif", "else"], loc);
        let mut branches = vec![];
        let mut otherwise = None;
        let mut condition = Some((first, loc.clone()));
        for (nodes, ended) in parts {
            match condition.take() {
                Some((c, l)) => branches.push((c, nodes, l)),
                None => otherwise = Some(nodes),
            }
            if let Some(e) = ended
                && e.tag == "elsif"
            {
                condition = Some((Parser::new(&e.markup)?.condition_all()?, e.loc));
            }
        }
        Ok(Node::If {
            unless: name == "unless",
            branches,
            otherwise,
        })
    }

    #[inline(never)]
    fn case_tag(&mut self, name: &str, markup: &str, loc: &SourceLoc) -> Result<Node, String> {
        let mut p = Parser::new(markup)?;
        let subject = p.expr()?;
        p.end()?;
        let parts = self.block(name, &["when", "else"], loc);
        let mut whens = Vec::new();
        let mut otherwise = None;
        // The nodes before the first `when` render nothing.
        let mut pending: Option<Option<Vec<Expr>>> = None;
        for (nodes, ended) in parts {
            match pending.take() {
                Some(Some(values)) => whens.push((values, nodes)),
                Some(None) => otherwise = Some(nodes),
                None => {}
            }
            if let Some(e) = ended {
                pending = Some(if e.tag == "when" {
                    let mut wp = Parser::new(&e.markup)?;
                    let mut values = vec![wp.expr()?];
                    while wp.comma() {
                        values.push(wp.expr()?);
                    }
                    Some(values)
                } else {
                    None
                });
            }
        }
        Ok(Node::Case {
            subject,
            whens,
            otherwise,
            loc: loc.clone(),
        })
    }

    #[inline(never)]
    fn for_tag(&mut self, name: &str, markup: &str, loc: &SourceLoc) -> Result<Node, String> {
        let mut p = Parser::new(markup)?;
        let variable = p.id()?;
        if !p.eat_id("in") {
            return Err("a loop is written `{% for item in list %}`".into());
        }
        let collection = p.expr()?;
        let reversed = p.eat_id("reversed");
        let (mut limit, mut offset) = (None, None);
        while !p.done() {
            p.comma();
            let key = p.id()?;
            if !p.colon() {
                return Err(format!("`{key}` needs a value: `{key}: 3`"));
            }
            match key.as_str() {
                "limit" => limit = Some(p.expr()?),
                "offset" => offset = Some(p.expr()?),
                _ => return Err(format!("`{key}` is not a loop option (limit, offset)")),
            }
        }
        let mut parts = self.block(name, &["else"], loc).into_iter();
        let body = parts.next().map(|(n, _)| n).unwrap_or_default();
        let otherwise = parts.next().map(|(n, _)| n);
        Ok(Node::For(ForLoop {
            variable,
            collection,
            limit,
            offset,
            reversed,
            body,
            otherwise,
            loc: loc.clone(),
        }))
    }

    #[inline(never)]
    fn capture_tag(&mut self, markup: &str, loc: &SourceLoc) -> Result<Node, String> {
        let name = Parser::new(markup)?.id()?;
        let body = self
            .block("capture", &[], loc)
            .into_iter()
            .next()
            .map(|(n, _)| n)
            .unwrap_or_default();
        Ok(Node::Capture { name, body })
    }

    #[inline(never)]
    fn liquid_tag(&mut self, markup: &str, loc: &SourceLoc) -> Result<Node, String> {
        // Each line is a tag without delimiters.
        let lines: Vec<Piece> = markup
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let split = line
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '#'))
                    .unwrap_or(line.len());
                Piece::Tag {
                    name: line[..split].to_string(),
                    markup: line[split..].trim().to_string(),
                    loc: loc.clone(),
                }
            })
            .collect();
        let mut inner = TreeBuilder::new(lines, self.flavor, self.filters);
        inner.next_index = self.next_index;
        inner.depth = self.depth;
        let (nodes, ended) = inner.body(&[]);
        self.next_index = inner.next_index;
        self.errors.append(&mut inner.errors);
        if let Some(e) = ended {
            self.error(&e.loc, format!("`{}` closes no open tag", e.tag));
        }
        Ok(Node::If {
            unless: false,
            branches: vec![(
                Condition {
                    left: Expr::Literal(Value::Bool(true)),
                    compare: None,
                    rest: None,
                },
                nodes,
                loc.clone(),
            )],
            otherwise: None,
        })
    }

    /// The raw text up to `{% end{name} %}` (a comment's or a raw block's).
    fn skip_raw(&mut self, name: &str, loc: &SourceLoc) -> String {
        let end = format!("end{name}");
        let mut text = String::new();
        let mut depth = 0;
        for piece in self.pieces.by_ref() {
            match piece {
                Piece::Tag { name: n, .. } if n == end && depth == 0 => return text,
                Piece::Tag {
                    name: n, markup, ..
                } => {
                    if n == name {
                        depth += 1;
                    } else if n == end {
                        depth -= 1;
                    }
                    text.push_str(&format!("{{% {n} {markup} %}}"));
                }
                Piece::Output { written, .. } => text.push_str(&format!("{{{{{written}}}}}")),
                Piece::Text(t) => text.push_str(&t),
            }
        }
        self.error(
            loc,
            format!("`{{% {name} %}}` is never closed: add `{{% {end} %}}`"),
        );
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Result<Vec<Node>, Vec<LoadError>> {
        let pieces = super::super::lex::pieces(source, &|l, c| SourceLoc::new("t", l, c), false)
            .expect("closed");
        if let Some(loc) = too_deep(&pieces) {
            return Err(vec![LoadError::at(&loc, "too deep")]);
        }
        TreeBuilder::new(pieces, Flavor::Shopify, super::super::filters::STANDARD)
            .build()
            .map(|(n, _)| n)
    }

    #[test]
    fn filters_take_positional_and_keyword_arguments() {
        let mut p = Parser::new("a.b[0] | default: 'x', allow_false: true | upcase").unwrap();
        let f = p.filtered().unwrap();
        assert_eq!(f.filters.len(), 2);
        assert_eq!(f.filters[0].args.len(), 1);
        assert_eq!(f.filters[0].keywords[0].0, "allow_false");
    }

    #[test]
    fn conditions_chain_from_the_right() {
        let c = Parser::new("a and b or c")
            .unwrap()
            .condition_all()
            .unwrap();
        let (and, rest) = c.rest.unwrap();
        assert!(and);
        assert!(matches!(rest.rest, Some((false, _))));
    }

    #[test]
    fn an_unclosed_block_names_its_end_tag() {
        let errors = parse("{% if a %}x").unwrap_err();
        assert!(
            errors[0].message.contains("{% endif %}"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn an_unknown_tag_gets_a_did_you_mean() {
        let errors = parse("{% fro x in y %}{% endfor %}").unwrap_err();
        assert!(errors[0].message.contains("for"), "{}", errors[0].message);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let source = "{% if a %}".repeat(5000);
        assert!(parse(&source).is_err());
    }
}
