//! Django's template syntax as Klaviyo writes it, read into a tree with
//! positions: `{{ var|filter:arg }}`, `{% tag … %}`, `{# comment #}`.
//! A tag never spans lines (Django's `tag_re` has no DOTALL): a `{{` with
//! no `}}` on its line is text, as Django prints it.
//! <https://docs.djangoproject.com/en/5.2/ref/templates/language/>,
//! <https://developers.klaviyo.com/en/docs/django_message_design>

use super::value::Py;
use crate::dialect::Language;
use crate::source::{LoadError, SourceLoc};

/// A value an expression starts from: a literal or a dotted lookup.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Operand {
    /// A number or a quoted text (a quoted text is safe: Django does not
    /// escape the template's own words).
    Literal(Py),
    /// `person.first_name`, `event.Items.0`: the names in order.
    Lookup(Vec<String>),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Filter {
    pub name: String,
    pub arg: Option<Operand>,
}

/// `var|filter:arg|filter`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Filtered {
    pub operand: Operand,
    pub filters: Vec<Filter>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    In,
    NotIn,
    Is,
    IsNot,
}

/// An `{% if %}` condition, as Django's `smartif` reads it.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Condition {
    Value(Filtered),
    Not(Box<Condition>),
    And(Box<Condition>, Box<Condition>),
    Or(Box<Condition>, Box<Condition>),
    Compare(Op, Filtered, Filtered),
}

/// A platform tag Klaviyo fills at send time.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PlatformTag {
    pub name: &'static str,
    pub prints: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    Text(String),
    Output {
        filtered: Filtered,
        index: u32,
        written: String,
        loc: SourceLoc,
    },
    If {
        branches: Vec<(Condition, Vec<Node>, SourceLoc)>,
        otherwise: Option<Vec<Node>>,
    },
    For {
        names: Vec<String>,
        list: Filtered,
        reversed: bool,
        body: Vec<Node>,
        empty: Option<Vec<Node>>,
        loc: SourceLoc,
    },
    With {
        bindings: Vec<(String, Filtered)>,
        body: Vec<Node>,
    },
    Platform(PlatformTag),
    /// `{# mergeproof-allow RULE: reason #}` (or any comment).
    Comment {
        text: String,
        loc: SourceLoc,
    },
}

/// Klaviyo's tags that print a link the platform makes for each
/// recipient. <https://help.klaviyo.com/hc/en-us/articles/115005084927>
const PLATFORM_TAGS: &[PlatformTag] = &[
    PlatformTag {
        name: "unsubscribe",
        prints: "<a href=\"https://manage.kmail-lists.com/subscriptions/unsubscribe\">Unsubscribe</a>",
    },
    PlatformTag {
        name: "unsubscribe_url",
        prints: "https://manage.kmail-lists.com/subscriptions/unsubscribe",
    },
    PlatformTag {
        name: "manage_preferences",
        prints: "<a href=\"https://manage.kmail-lists.com/subscriptions/manage\">Manage Preferences</a>",
    },
    PlatformTag {
        name: "manage_preferences_url",
        prints: "https://manage.kmail-lists.com/subscriptions/manage",
    },
    PlatformTag {
        name: "web_view",
        prints: "<a href=\"https://www.klaviyo.com/view\">View in browser</a>",
    },
    PlatformTag {
        name: "web_view_url",
        prints: "https://www.klaviyo.com/view",
    },
];

/// One piece of the template: text, an output, a tag or a comment.
enum Piece<'t> {
    Text(&'t str),
    Output(&'t str, SourceLoc),
    Tag(&'t str, SourceLoc),
    Comment(&'t str, SourceLoc),
}

/// Splits a template as Django's lexer does: `{{…}}`, `{%…%}` and
/// `{#…#}` each within one line, the shortest match.
fn pieces<'t>(text: &'t str, position: &dyn Fn(u32, u32) -> SourceLoc) -> Vec<Piece<'t>> {
    let mut out = Vec::new();
    let mut text_from = 0;
    let mut at = 0;
    let (mut line, mut line_start) = (1u32, 0usize);
    let bytes = text.as_bytes();
    while at + 1 < bytes.len() {
        if bytes[at] == b'\n' {
            line += 1;
            line_start = at + 1;
            at += 1;
            continue;
        }
        let close = match (bytes[at], bytes[at + 1]) {
            (b'{', b'{') => "}}",
            (b'{', b'%') => "%}",
            (b'{', b'#') => "#}",
            _ => {
                at += 1;
                continue;
            }
        };
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i);
        let Some(end) = text[at + 2..line_end].find(close).map(|i| at + 2 + i) else {
            at += 1;
            continue;
        };
        if text_from < at {
            out.push(Piece::Text(&text[text_from..at]));
        }
        let column = text[line_start..at].chars().count() as u32 + 1;
        let loc = position(line, column);
        let inner = &text[at + 2..end];
        out.push(match close {
            "}}" => Piece::Output(inner, loc),
            "%}" => Piece::Tag(inner, loc),
            _ => Piece::Comment(inner, loc),
        });
        at = end + 2;
        text_from = at;
    }
    if text_from < text.len() {
        out.push(Piece::Text(&text[text_from..]));
    }
    out
}

/// A block being read: its opening and what it holds so far.
enum Open {
    If {
        /// Finished branches, then the one being read: its condition (`None`
        /// when it did not parse) and where it starts.
        branches: Vec<(Condition, Vec<Node>, SourceLoc)>,
        test: (Option<Condition>, SourceLoc),
        /// In the `{% else %}`.
        otherwise: bool,
    },
    For {
        /// `None` when its header did not parse.
        header: Option<(Vec<String>, Filtered, bool)>,
        /// The loop's body, once `{% empty %}` came.
        body: Option<Vec<Node>>,
    },
    With {
        bindings: Option<Vec<(String, Filtered)>>,
    },
    /// `{% comment %}`: everything up to `{% endcomment %}` is left out.
    Comment,
}

impl Open {
    fn name(&self) -> &'static str {
        match self {
            Open::If { .. } => "if",
            Open::For { .. } => "for",
            Open::With { .. } => "with",
            Open::Comment => "comment",
        }
    }

    fn end(&self) -> &'static str {
        match self {
            Open::If { .. } => "endif",
            Open::For { .. } => "endfor",
            Open::With { .. } => "endwith",
            Open::Comment => "endcomment",
        }
    }
}

/// Parses a template: its nodes and how many outputs it has. Blocks are
/// read with a stack of their own, not by recursion, so no nesting can
/// exhaust the call stack; past [`crate::limits::MAX_DEPTH`] it is an error.
pub(crate) fn parse(
    text: &str,
    position: &dyn Fn(u32, u32) -> SourceLoc,
) -> Result<(Vec<Node>, u32), Vec<LoadError>> {
    let mut errors = Vec::new();
    let mut error = |loc: &SourceLoc, message: String| errors.push(LoadError::at(loc, message));
    let mut outputs = 0;
    // The open blocks, each with its opening's place and the nodes read
    // into it so far; the template's own nodes at the bottom.
    let mut stack: Vec<(Open, SourceLoc, Vec<Node>)> = Vec::new();
    let mut top: Vec<Node> = Vec::new();
    for piece in pieces(text, position) {
        let in_comment = matches!(stack.last(), Some((Open::Comment, ..)));
        let nodes = stack.last_mut().map_or(&mut top, |(_, _, nodes)| nodes);
        match piece {
            Piece::Text(_) | Piece::Output(..) | Piece::Comment(..) if in_comment => {}
            Piece::Text(t) => nodes.push(Node::Text(t.to_string())),
            Piece::Comment(t, loc) => nodes.push(Node::Comment {
                text: t.trim().to_string(),
                loc,
            }),
            Piece::Output(inner, loc) => {
                let inner = inner.trim();
                if inner.is_empty() {
                    error(
                        &loc,
                        "empty `{{ }}`: write the variable to print inside it".into(),
                    );
                    continue;
                }
                match parse_filtered(inner) {
                    Ok(filtered) => {
                        nodes.push(Node::Output {
                            filtered,
                            index: outputs,
                            written: inner.to_string(),
                            loc,
                        });
                        outputs += 1;
                    }
                    Err(e) => error(&loc, e),
                }
            }
            Piece::Tag(inner, loc) => {
                let inner = inner.trim();
                let name = inner.split_whitespace().next().unwrap_or("");
                let rest = inner[name.len()..].trim();
                if in_comment && name != "endcomment" {
                    continue;
                }
                let open = match name {
                    "if" => Some(Open::If {
                        branches: Vec::new(),
                        test: (condition_or_error(rest, &loc, &mut error), loc.clone()),
                        otherwise: false,
                    }),
                    "for" => Some(Open::For {
                        header: for_header(rest).map_err(|e| error(&loc, e)).ok(),
                        body: None,
                    }),
                    "with" => Some(Open::With {
                        bindings: with_bindings(rest).map_err(|e| error(&loc, e)).ok(),
                    }),
                    "comment" => Some(Open::Comment),
                    _ => None,
                };
                if let Some(open) = open {
                    if stack.len() >= crate::limits::MAX_DEPTH {
                        error(
                            &loc,
                            format!(
                                "blocks nest more than {} deep here; flatten the template",
                                crate::limits::MAX_DEPTH
                            ),
                        );
                        return Err(errors);
                    }
                    stack.push((open, loc, Vec::new()));
                    continue;
                }
                match (name, stack.last_mut()) {
                    (
                        "elif",
                        Some((
                            Open::If {
                                branches,
                                test,
                                otherwise: false,
                            },
                            _,
                            nodes,
                        )),
                    ) => {
                        let body = std::mem::take(nodes);
                        if let Some(c) = test.0.take() {
                            branches.push((c, body, test.1.clone()));
                        }
                        *test = (condition_or_error(rest, &loc, &mut error), loc.clone());
                    }
                    (
                        "else",
                        Some((
                            Open::If {
                                branches,
                                test,
                                otherwise,
                            },
                            _,
                            nodes,
                        )),
                    ) if !*otherwise => {
                        let body = std::mem::take(nodes);
                        if let Some(c) = test.0.take() {
                            branches.push((c, body, test.1.clone()));
                        }
                        *otherwise = true;
                    }
                    ("empty", Some((Open::For { body, .. }, _, nodes))) if body.is_none() => {
                        *body = Some(std::mem::take(nodes));
                    }
                    (end, Some((open, _, _))) if end == open.end() => {
                        let (open, opened_at, nodes) = stack.pop().expect("a block is open");
                        let node = close(open, opened_at, nodes);
                        let parent = stack.last_mut().map_or(&mut top, |(_, _, n)| n);
                        parent.extend(node);
                    }
                    (
                        "elif" | "else" | "empty" | "endif" | "endfor" | "endwith" | "endcomment",
                        open,
                    ) => {
                        let hint = match open {
                            Some((open, _, _)) => format!(
                                "; the open block is `{{% {} %}}`, closed by `{{% {} %}}`",
                                open.name(),
                                open.end()
                            ),
                            None => String::new(),
                        };
                        error(
                            &loc,
                            format!("`{{% {inner} %}}` closes no open block here{hint}; remove it"),
                        );
                    }
                    ("", _) => error(&loc, "empty `{% %}`: write a tag inside it".into()),
                    _ => {
                        if let Some(tag) = PLATFORM_TAGS.iter().find(|t| t.name == name) {
                            let nodes = stack.last_mut().map_or(&mut top, |(_, _, n)| n);
                            nodes.push(Node::Platform(tag.clone()));
                            continue;
                        }
                        let known: Vec<&str> = ["if", "for", "with", "comment"]
                            .into_iter()
                            .chain(PLATFORM_TAGS.iter().map(|t| t.name))
                            .collect();
                        let hint = match crate::template::tag_twin(Language::Django, name) {
                            Some(twin) => format!(": {twin}"),
                            None => crate::source::hint_suffix(name, &known),
                        };
                        error(
                            &loc,
                            format!(
                                "`{{% {name} %}}` is not a tag Klaviyo's templates take{hint}; the tags read here are {}",
                                known.join(", ")
                            ),
                        );
                    }
                }
            }
        }
    }
    for (open, loc, _) in stack.iter().rev() {
        error(
            loc,
            format!(
                "`{{% {} %}}` is never closed: add `{{% {} %}}`",
                open.name(),
                open.end()
            ),
        );
    }
    if errors.is_empty() {
        Ok((top, outputs))
    } else {
        Err(errors)
    }
}

fn condition_or_error(
    text: &str,
    loc: &SourceLoc,
    error: &mut impl FnMut(&SourceLoc, String),
) -> Option<Condition> {
    parse_condition(text).map_err(|e| error(loc, e)).ok()
}

/// The node a closed block makes; none when its opening did not parse
/// (that error is reported already) or for a comment.
fn close(open: Open, opened_at: SourceLoc, nodes: Vec<Node>) -> Option<Node> {
    match open {
        Open::If {
            mut branches,
            test,
            otherwise,
        } => {
            let otherwise = if otherwise {
                Some(nodes)
            } else {
                if let Some(c) = test.0 {
                    branches.push((c, nodes, test.1));
                }
                None
            };
            Some(Node::If {
                branches,
                otherwise,
            })
        }
        Open::For { header, body } => {
            let (names, list, reversed) = header?;
            let (body, empty) = match body {
                Some(body) => (body, Some(nodes)),
                None => (nodes, None),
            };
            Some(Node::For {
                names,
                list,
                reversed,
                body,
                empty,
                loc: opened_at,
            })
        }
        Open::With { bindings } => Some(Node::With {
            bindings: bindings?,
            body: nodes,
        }),
        Open::Comment => None,
    }
}

/// `item in list`, `k, v in d.items`, `x in list reversed`.
fn for_header(spec: &str) -> Result<(Vec<String>, Filtered, bool), String> {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let reversed = words.last() == Some(&"reversed");
    let words = &words[..words.len() - usize::from(reversed)];
    let Some(in_at) = words.iter().rposition(|w| *w == "in") else {
        return Err(format!(
            "`{{% for {spec} %}}` needs `in`: write `{{% for item in list %}}`"
        ));
    };
    let names: Vec<String> = words[..in_at]
        .join(" ")
        .split(',')
        .map(|n| n.trim().to_string())
        .collect();
    if names.iter().any(|n| !is_name(n)) || in_at + 1 >= words.len() {
        return Err(format!(
            "`{{% for {spec} %}}` is not `{{% for item in list %}}`"
        ));
    }
    let list = parse_filtered(&words[in_at + 1..].join(" "))?;
    Ok((names, list, reversed))
}

/// `name=value …` or `value as name`.
fn with_bindings(spec: &str) -> Result<Vec<(String, Filtered)>, String> {
    let words = split_words(spec);
    if let [value, as_, name] = words.as_slice()
        && as_ == "as"
    {
        return Ok(vec![(name.clone(), parse_filtered(value)?)]);
    }
    if words.is_empty() {
        return Err("`{% with %}` binds nothing: write `{% with name=value %}`".to_string());
    }
    words
        .iter()
        .map(|w| {
            let (name, value) = w
                .split_once('=')
                .filter(|(n, _)| is_name(n))
                .ok_or_else(|| format!("`{w}` in `{{% with %}}` is not `name=value`"))?;
            Ok((name.to_string(), parse_filtered(value)?))
        })
        .collect()
}

fn is_name(word: &str) -> bool {
    !word.is_empty()
        && !word.starts_with('_')
        && word.chars().all(|c| c.is_alphanumeric() || c == '_')
        && !word.starts_with(|c: char| c.is_ascii_digit())
}

/// Words split on spaces outside quotes, as Django's `smart_split`.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut escaped = false;
    for c in text.chars() {
        match quote {
            Some(q) => {
                word.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                }
                word.push(c);
            }
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A quoted text at the start of `text`: its value and its length.
fn quoted(text: &str) -> Option<(String, usize)> {
    let quote = text.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let mut value = String::new();
    let mut chars = text.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            // Django unescapes only the quote and the backslash.
            match chars.next() {
                Some((_, n)) if n == quote || n == '\\' => value.push(n),
                Some((_, n)) => {
                    value.push('\\');
                    value.push(n);
                }
                None => return None,
            }
        } else if c == quote {
            return Some((value, i + 1));
        } else {
            value.push(c);
        }
    }
    None
}

/// A variable (`a.b.0`) or number at the start of `text`, and its length.
fn operand(text: &str) -> Result<(Operand, usize), String> {
    if let Some((value, len)) = quoted(text) {
        return Ok((Operand::Literal(Py::Str(value)), len));
    }
    let len = text
        .char_indices()
        .find(|(i, c)| {
            !(c.is_alphanumeric()
                || *c == '_'
                || *c == '.'
                || (*i == 0 && (*c == '-' || *c == '+')))
        })
        .map_or(text.len(), |(i, _)| i);
    let word = &text[..len];
    if word.is_empty() {
        let hint = crate::template::handlebars_in(Language::Django, text)
            .map(|hint| format!("; {hint}"))
            .unwrap_or_default();
        return Err(format!(
            "`{text}` does not start with a variable or a value{hint}"
        ));
    }
    let numeric = word.trim_start_matches(['-', '+', '.']);
    if numeric.starts_with(|c: char| c.is_ascii_digit()) {
        let number = if let Ok(i) = word.parse::<i64>() {
            Py::Int(i.into())
        } else if let Ok(f) = word.parse::<f64>() {
            Py::Float(f)
        } else {
            return Err(format!("`{word}` is not a number"));
        };
        return Ok((Operand::Literal(number), len));
    }
    if word.starts_with('_') || word.contains("._") {
        return Err(format!(
            "`{word}`: variables and attributes may not begin with an underscore"
        ));
    }
    let names: Vec<String> = word.split('.').map(str::to_string).collect();
    if names.iter().any(String::is_empty) || word.starts_with(['-', '+']) {
        return Err(format!("`{word}` is not a variable: write `name.field`"));
    }
    Ok((Operand::Lookup(names), len))
}

/// `var|filter:arg|filter`, as Django's `FilterExpression` reads it.
pub(crate) fn parse_filtered(text: &str) -> Result<Filtered, String> {
    let text = text.trim();
    let (start, mut at) = operand(text)?;
    let mut filters = Vec::new();
    loop {
        let rest = &text[at..];
        let trimmed = rest.trim_start();
        if trimmed.is_empty() {
            break;
        }
        let Some(after_bar) = trimmed.strip_prefix('|') else {
            return Err(format!(
                "could not read `{}` in `{text}`: a filter starts with `|`",
                rest.trim()
            ));
        };
        let after_bar_trimmed = after_bar.trim_start();
        let name_len = after_bar_trimmed
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(after_bar_trimmed.len());
        if name_len == 0 {
            return Err(format!("`|` with no filter name in `{text}`"));
        }
        let name = after_bar_trimmed[..name_len].to_string();
        at = text.len() - after_bar_trimmed.len() + name_len;
        let arg = match text[at..].strip_prefix(':') {
            Some(arg_text) => {
                let (arg, len) = operand(arg_text)
                    .map_err(|_| format!("`{name}:` in `{text}` needs a value after the colon (no space): `{name}:'text'`"))?;
                at += 1 + len;
                Some(arg)
            }
            None => None,
        };
        super::filters::check(&name, arg.is_some())?;
        filters.push(Filter { name, arg });
    }
    Ok(Filtered {
        operand: start,
        filters,
    })
}

/// The most words an `{% if %}` condition may have.
const MAX_CONDITION_WORDS: usize = 4 * crate::limits::MAX_DEPTH;

/// An `{% if %}` condition, as Django's `smartif` parses it: `or` binds
/// loosest, then `and`, `not`, then the comparisons.
pub(crate) fn parse_condition(text: &str) -> Result<Condition, String> {
    let words = split_words(text);
    if words.is_empty() {
        return Err("`{% if %}` has no condition: write `{% if first_name %}`".into());
    }
    // Conditions nest as they chain (`a and b and …`, `not not …`), and are
    // read and tested by recursion: a budget keeps any line from
    // exhausting the stack.
    if words.len() > MAX_CONDITION_WORDS {
        return Err(format!(
            "this condition has {} words, more than {MAX_CONDITION_WORDS}: split it with `{{% if %}}` inside `{{% if %}}`",
            words.len()
        ));
    }
    let mut at = 0;
    let condition = or(&words, &mut at)?;
    if at < words.len() {
        return Err(format!(
            "unused `{}` at the end of `{{% if {text} %}}`",
            words[at..].join(" ")
        ));
    }
    Ok(condition)
}

fn or(words: &[String], at: &mut usize) -> Result<Condition, String> {
    let mut left = and(words, at)?;
    while words.get(*at).is_some_and(|w| w == "or") {
        *at += 1;
        left = Condition::Or(Box::new(left), Box::new(and(words, at)?));
    }
    Ok(left)
}

fn and(words: &[String], at: &mut usize) -> Result<Condition, String> {
    let mut left = not(words, at)?;
    while words.get(*at).is_some_and(|w| w == "and") {
        *at += 1;
        left = Condition::And(Box::new(left), Box::new(not(words, at)?));
    }
    Ok(left)
}

fn not(words: &[String], at: &mut usize) -> Result<Condition, String> {
    if words.get(*at).is_some_and(|w| w == "not") {
        *at += 1;
        return Ok(Condition::Not(Box::new(not(words, at)?)));
    }
    compare(words, at)
}

fn compare(words: &[String], at: &mut usize) -> Result<Condition, String> {
    let left = value(words, at)?;
    let word = |i: usize| words.get(i).map(String::as_str);
    let op = match (word(*at), word(*at + 1)) {
        (Some("=="), _) => Some((Op::Eq, 1)),
        (Some("!="), _) => Some((Op::Ne, 1)),
        (Some("<"), _) => Some((Op::Lt, 1)),
        (Some(">"), _) => Some((Op::Gt, 1)),
        (Some("<="), _) => Some((Op::Le, 1)),
        (Some(">="), _) => Some((Op::Ge, 1)),
        (Some("in"), _) => Some((Op::In, 1)),
        (Some("not"), Some("in")) => Some((Op::NotIn, 2)),
        (Some("is"), Some("not")) => Some((Op::IsNot, 2)),
        (Some("is"), _) => Some((Op::Is, 1)),
        _ => None,
    };
    let Some((op, len)) = op else {
        return Ok(Condition::Value(left));
    };
    *at += len;
    let right = value(words, at)?;
    Ok(Condition::Compare(op, left, right))
}

fn value(words: &[String], at: &mut usize) -> Result<Filtered, String> {
    let Some(word) = words.get(*at) else {
        return Err("a condition ends where a value should be".into());
    };
    if matches!(
        word.as_str(),
        "and" | "or" | "not" | "in" | "is" | "==" | "!=" | "<" | ">" | "<=" | ">="
    ) {
        return Err(format!("`{word}` where a value should be"));
    }
    *at += 1;
    parse_filtered(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(text: &str) -> Vec<Node> {
        parse(text, &|l, c| SourceLoc::new("t.html", l, c))
            .unwrap()
            .0
    }

    #[test]
    fn filters_take_arguments_after_a_colon() {
        let f = parse_filtered("person|lookup:'Loyalty Points'|default:0").unwrap();
        assert_eq!(f.operand, Operand::Lookup(vec!["person".into()]));
        assert_eq!(f.filters[0].name, "lookup");
        assert_eq!(
            f.filters[0].arg,
            Some(Operand::Literal(Py::Str("Loyalty Points".into())))
        );
        assert_eq!(f.filters[1].arg, Some(Operand::Literal(Py::Int(0))));
        assert!(parse_filtered("x|default: 'a'").is_err());
        assert!(parse_filtered("x y").is_err());
        assert!(parse_filtered("_private").is_err());
    }

    #[test]
    fn handlebars_blocks_are_told_in_klaviyo_words() {
        let open = parse_filtered("#if first_name").unwrap_err();
        assert!(
            open.contains("Klaviyo writes a block as a tag: `{% if … %}…{% endif %}`"),
            "{open}"
        );
        let close = parse_filtered("/if").unwrap_err();
        assert!(
            close.contains("`{{/if}}` closes a Handlebars block"),
            "{close}"
        );
        // Klaviyo's templates take no partials: nothing to point to.
        let partial = parse_filtered("> footer").unwrap_err();
        assert!(!partial.contains("Handlebars"), "{partial}");
    }

    #[test]
    fn a_tag_stays_within_its_line() {
        let n = nodes("Hi {{ first_name\n}} and {{ x }}");
        assert!(matches!(&n[0], Node::Text(t) if t == "Hi {{ first_name\n}} and "));
        assert!(
            matches!(&n[1], Node::Output { index: 0, loc, .. } if loc.line == 2 && loc.column == 8)
        );
    }

    #[test]
    fn conditions_bind_as_django_binds_them() {
        let c = parse_condition("not a and b or c > 0").unwrap();
        assert!(matches!(c, Condition::Or(..)));
        assert!(parse_condition("a >").is_err());
        assert!(parse_condition("x>0").is_err());
    }

    #[test]
    fn a_condition_past_its_budget_is_an_error_not_a_stack_overflow() {
        let long = vec!["not"; 200_000].join(" ") + " x";
        assert!(parse_condition(&long).unwrap_err().contains("more than"));
        let chain = vec!["a"; 5_000].join(" and ");
        assert!(parse_condition(&chain).is_err());
        let fine = vec!["a"; 100].join(" and ");
        assert!(parse_condition(&fine).is_ok());
    }

    #[test]
    fn blocks_nested_past_the_limit_are_an_error() {
        let at = |l, c| SourceLoc::new("t.html", l, c);
        let deep = "{% if a %}".repeat(300) + "x" + &"{% endif %}".repeat(300);
        let errors = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || parse(&deep, &at).unwrap_err())
            .unwrap()
            .join()
            .unwrap();
        assert!(errors.iter().any(|e| e.message.contains("nest more than")));
    }

    #[test]
    fn unclosed_and_unknown_tags_are_errors() {
        let at = |l, c| SourceLoc::new("t.html", l, c);
        let errors = parse("{% if a %}x", &at).unwrap_err();
        assert!(errors[0].message.contains("endif"));
        let errors = parse("{% iff a %}{% endif %}", &at).unwrap_err();
        assert!(errors.iter().any(|e| e.message.contains("did you mean")));
    }
}
