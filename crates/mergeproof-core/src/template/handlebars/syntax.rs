//! The template syntax errors a producer makes most, found by scanning the
//! text: a block opened and never closed, a block closed by the wrong name, a
//! closing tag with no opener, a `{{` with no `}}`. Handlebars reports these
//! as its grammar's expectations at the end of the template; this says what
//! is wrong and where.

/// One problem and its 1-based line and column in the template text.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Problem {
    pub position: (usize, usize),
    pub message: String,
}

struct Open<'a> {
    name: &'a str,
    at: usize,
    /// `{{else if …}}` branches of this block so far: Handlebars reads each
    /// as a block inside the `{{else}}` of the one before.
    chained: usize,
}

/// How deep a template may nest, everything counted together: see
/// [`crate::limits::MAX_DEPTH`].
pub(super) const MAX_DEPTH: usize = crate::limits::MAX_DEPTH;

/// The first block or brace problem in `text`, if there is one.
pub(super) fn find_problem(text: &str) -> Option<Problem> {
    scan(text, false)
}

/// A template nested deeper than [`MAX_DEPTH`], where it first is: checked
/// before a template is compiled. Blocks, `{{else if}}` branches and
/// subexpressions count together, since Handlebars reads and renders each of
/// them one level deeper. Blocks closed by the wrong name do not stop the
/// count (they are the compiler's to report): the depth is checked whatever
/// else is wrong before it.
pub(super) fn too_deep(text: &str) -> Option<Problem> {
    scan(text, true).filter(|p| p.message.starts_with(TOO_DEEP))
}

const TOO_DEEP: &str = "the template nests more than";

fn too_deep_message() -> String {
    format!(
        "{TOO_DEEP} {MAX_DEPTH} deep here (blocks, `{{{{else if}}}}` branches and `(…)` subexpressions count together); mergeproof reads at most {MAX_DEPTH} levels: end some blocks sooner, write a long `{{{{else if}}}}` chain as separate `{{{{#if}}}}` blocks, or split the expression"
    )
}

/// How deep the parentheses of one tag nest, outside its quoted texts.
fn subexpression_depth(inner: &str) -> usize {
    let (mut depth, mut deepest, mut quote) = (0usize, 0usize, None);
    for c in inner.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '(') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ')') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Whether a tag is a chained `{{else if …}}` (or `{{else each …}}`): an
/// `else` followed by a helper name.
fn is_chained_else(tag: &str) -> bool {
    tag.strip_prefix("else").is_some_and(|after| {
        after.starts_with(char::is_whitespace)
            && !after.trim().trim_end_matches('~').trim().is_empty()
    })
}

/// The first problem; with `depth_only`, closing tags that do not match are
/// passed over so that only the depth can stop the scan early.
fn scan(text: &str, depth_only: bool) -> Option<Problem> {
    let problem = |at: usize, message: String| {
        Some(Problem {
            position: line_column(text, at),
            message,
        })
    };
    let mut open: Vec<Open<'_>> = Vec::new();
    // The open blocks and their chained branches, counted as Handlebars nests them.
    let mut depth = 0usize;
    let mut from = 0;
    while let Some(found) = text[from..].find("{{") {
        let at = from + found;
        let rest = &text[at..];
        // Comments may hold anything, braces included.
        if let Some(after) = rest.strip_prefix("{{!--") {
            match after.find("--}}") {
                Some(end) => {
                    from = at + 5 + end + 4;
                    continue;
                }
                None => {
                    return problem(
                        at,
                        "the comment `{{!--` opened here is never closed with `--}}`".into(),
                    );
                }
            }
        }
        // A raw block `{{{{raw}}}} … {{{{/raw}}}}` is printed as written.
        if rest.starts_with("{{{{") {
            let close = rest
                .find("{{{{/")
                .and_then(|c| rest[c..].find("}}}}").map(|e| c + e + 4));
            match close {
                Some(end) => {
                    from = at + end;
                    continue;
                }
                None => {
                    return problem(
                        at,
                        "the raw block `{{{{` opened here is never closed with `{{{{/…}}}}`".into(),
                    );
                }
            }
        }
        let Some(len) = rest[2..].find("}}") else {
            return problem(at, "`{{` opened here is never closed with `}}`".into());
        };
        let inner = &rest[2..2 + len];
        if inner.contains("{{") {
            return problem(
                at,
                "`{{` opened here is never closed with `}}` before the next `{{`".into(),
            );
        }
        from = at + 2 + len + 2;
        let tag = inner.trim_start_matches(['{', '~']).trim_start();
        if tag.starts_with('!') {
            continue;
        }
        if let Some(opener) = tag.strip_prefix('#').or_else(|| tag.strip_prefix('^')) {
            let name = block_name(opener.trim_start_matches(['>', '*']));
            if !name.is_empty() {
                open.push(Open {
                    name,
                    at,
                    chained: 0,
                });
                depth += 1;
            }
        } else if is_chained_else(tag) {
            if let Some(block) = open.last_mut() {
                block.chained += 1;
                depth += 1;
            }
        } else if let Some(closer) = tag.strip_prefix('/') {
            let name = block_name(closer);
            let closed = open.pop();
            if let Some(o) = &closed {
                depth -= 1 + o.chained;
            }
            match closed {
                Some(o) if o.name == name => {}
                _ if depth_only => {}
                Some(o) => {
                    let (line, column) = line_column(text, o.at);
                    return problem(
                        at,
                        format!(
                            "`{{{{/{name}}}}}` closes `{{{{#{}}}}}`, opened at line {line}, column {column}; close it with `{{{{/{}}}}}` first",
                            o.name, o.name
                        ),
                    );
                }
                None => {
                    return problem(
                        at,
                        format!("`{{{{/{name}}}}}` closes a block that was never opened"),
                    );
                }
            }
            continue;
        }
        if depth + subexpression_depth(inner) > MAX_DEPTH {
            return problem(at, too_deep_message());
        }
    }
    let unclosed = open.pop()?;
    problem(
        unclosed.at,
        format!(
            "`{{{{#{name}}}}}` opened here is never closed; add `{{{{/{name}}}}}` where the block ends",
            name = unclosed.name
        ),
    )
}

/// The helper or partial name at the start of a block tag.
/// The first `{{…}}` that Handlebars cannot read on its own, with where it
/// starts: what a syntax error names. Block tags are tried as the expression
/// they open (`{{#each . }}` as `{{each . }}`); closing tags, `{{else}}`,
/// comments, raw blocks and partials are left to the block checks.
pub(super) fn unreadable_tag(text: &str) -> Option<Problem> {
    let mut from = 0;
    while let Some(open) = text[from..].find("{{").map(|i| i + from) {
        let escaped = text[..open].ends_with('\\');
        let rest = &text[open..];
        let close = rest.find("}}")?;
        let mut end = close + 2;
        // `{{{x}}}`: the third brace belongs to the tag.
        if rest.starts_with("{{{") && rest[end..].starts_with('}') {
            end += 1;
        }
        let tag = &rest[..end];
        from = open + end;
        let inner = tag
            .trim_start_matches('{')
            .trim_start_matches('~')
            .trim_start();
        if escaped
            || inner.starts_with(['/', '!', '>', '*'])
            || inner.starts_with("else")
            || tag.starts_with("{{{{")
            || inner.starts_with('^') && inner.trim_start_matches('^').trim_start().starts_with('}')
        {
            continue;
        }
        // A block opener is tried with its closing tag.
        let probe = match inner.strip_prefix(['#', '^']) {
            Some(body) => {
                let name = block_name(body.trim_start_matches(['>', '*']).trim_start());
                format!("{tag}{{{{/{name}}}}}")
            }
            None => tag.to_string(),
        };
        if handlebars::template::Template::compile(&probe).is_err() {
            return Some(Problem {
                position: line_column(text, open),
                message: format!("Handlebars cannot read `{}`", shortened(tag)),
            });
        }
    }
    None
}

/// A tag for a message: at most 60 characters, shown safely.
fn shortened(tag: &str) -> String {
    let shown = crate::sanitize::visible(tag);
    match shown.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &shown[..at]),
        None => shown,
    }
}

fn block_name(tag: &str) -> &str {
    let tag = tag.trim_start();
    let end = tag
        .find(|c: char| c.is_whitespace() || matches!(c, '}' | '~' | '(' | ')'))
        .unwrap_or(tag.len());
    &tag[..end]
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, at: usize) -> (usize, usize) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_tag_it_cannot_read() {
        let p = super::unreadable_tag("<p>{{first_name}}</p>\n<p>{{ user..name }}</p>").unwrap();
        assert_eq!(p.position, (2, 4));
        assert_eq!(p.message, "Handlebars cannot read `{{ user..name }}`");
        let p =
            super::unreadable_tag("{{#each items as |x|}}{{/each}}{{#if (gt a}}x{{/if}}").unwrap();
        assert!(p.message.contains("{{#if (gt a}}"), "{}", p.message);
        assert!(super::unreadable_tag("{{#each . }}{{.}}{{/each}}{{^x}}y{{/x}}\\{{no").is_none());
    }

    use super::*;

    fn problem(text: &str) -> Option<((usize, usize), String)> {
        find_problem(text).map(|p| (p.position, p.message))
    }

    #[test]
    fn depth_is_counted_past_a_mismatched_close() {
        let deep = "{{/with}}{{#if a}}{{/each}}".to_string() + &"{{#if a}}".repeat(150);
        let problem = too_deep(&deep).expect("too deep");
        assert!(
            problem
                .message
                .starts_with("the template nests more than 128"),
            "{problem:?}"
        );
        assert!(too_deep("{{#if a}}{{/with}}").is_none());
        // find_problem still reports the first mistake.
        assert!(
            find_problem(&deep)
                .unwrap()
                .message
                .contains("never opened")
        );
    }

    #[test]
    fn an_unclosed_block_is_reported_at_its_opener() {
        let (pos, message) =
            problem("<p>Hello{{#if first_name}} {{first_name}},</p>\n<p>Take 20% off.</p>\n")
                .unwrap();
        assert_eq!(pos, (1, 9));
        assert_eq!(
            message,
            "`{{#if}}` opened here is never closed; add `{{/if}}` where the block ends"
        );
    }

    #[test]
    fn the_innermost_unclosed_block_is_reported() {
        let (pos, message) = problem("{{#each items}}\n  {{#if x}}{{x}}\n{{/each}}").unwrap();
        assert_eq!(pos, (3, 1));
        assert!(
            message.contains("`{{/each}}` closes `{{#if}}`, opened at line 2, column 3"),
            "{message}"
        );
    }

    #[test]
    fn stray_closers_and_braces() {
        let (pos, message) = problem("Hi {{/if}}").unwrap();
        assert_eq!(pos, (1, 4));
        assert!(message.contains("never opened"), "{message}");
        let (pos, message) = problem("Hi {{first_name}, and {{last_name}}").unwrap();
        assert_eq!(pos, (1, 4));
        assert!(message.contains("never closed with `}}`"), "{message}");
        let (pos, _) = problem("Hi\n  {{first_name").unwrap();
        assert_eq!(pos, (2, 3));
    }

    #[test]
    fn well_formed_templates_have_no_problem() {
        for text in [
            "Hi {{#if a}}{{a}}{{else}}there{{/if}}",
            "{{~#each list as |item|~}}{{item}}{{~/each~}}",
            "{{!-- {{#if}} in a comment --}}{{! short }}ok",
            "{{{{raw}}}}{{#if}}{{{{/raw}}}}",
            "{{#> layout}}x{{/layout}}",
            "{{^if a}}no{{/if}}",
            "{{{first_name}}} {{#with (lookup a b)}}{{c}}{{/with}}",
        ] {
            assert_eq!(problem(text), None, "{text}");
        }
    }
}
