//! Splitting a Liquid template into text, `{{ output }}` and `{% tag %}`,
//! each with where it starts, as Shopify's tokenizer does
//! (`Liquid::Tokenizer`): an output ends at the first `}}` (or a lone `}`),
//! a tag at the first `%}`; `{{-` and `-}}` (and the same on tags) strip the
//! whitespace, newlines included, on their side.

use crate::source::SourceLoc;

/// One piece of a template.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    /// `{{ markup }}`; `written` is the markup as the template writes it
    /// (Braze's `${first_name}`), for messages and fixes.
    Output {
        markup: String,
        written: String,
        loc: SourceLoc,
    },
    /// `{% name markup %}`.
    Tag {
        name: String,
        markup: String,
        loc: SourceLoc,
    },
}

/// A `{{` or `{%` that is never closed, at `loc`.
#[derive(Debug)]
pub(crate) struct Unclosed {
    pub loc: SourceLoc,
    pub tag: bool,
}

/// Line and column (1-based, in characters) in the template of byte `at`.
struct Cursor<'a> {
    source: &'a str,
    at: usize,
    line: u32,
    column: u32,
}

impl Cursor<'_> {
    fn advance_to(&mut self, to: usize) {
        for c in self.source[self.at..to].chars() {
            if c == '\n' {
                self.line += 1;
                self.column = 1;
            } else {
                self.column += 1;
            }
        }
        self.at = to;
    }
}

/// The pieces of `source`; `position` maps a line and column of the
/// template to where they are in its file. With `braze`, Braze's syntax:
/// `${attribute}` inside an output and `{{ }}` nested in outputs and tags
/// (`{% assign b = {{custom_attribute.${balance}}} %}`) are read as Braze
/// reads them, and the markup is handed over in plain Liquid.
pub(crate) fn pieces(
    source: &str,
    position: &dyn Fn(u32, u32) -> SourceLoc,
    braze: bool,
) -> Result<Vec<Piece>, Unclosed> {
    let mut out: Vec<Piece> = Vec::new();
    let mut cursor = Cursor {
        source,
        at: 0,
        line: 1,
        column: 1,
    };
    let mut rest_from = 0;
    let mut strip_next = false;
    while let Some(found) = find_start(source, rest_from) {
        let tag = source[found..].starts_with("{%");
        let mut text = &source[rest_from..found];
        let inner_start = found + 2;
        let trim_left = source[inner_start..].starts_with('-');
        if strip_next {
            text = text.trim_start();
        }
        if trim_left {
            text = text.trim_end();
        }
        if !text.is_empty() {
            out.push(Piece::Text(text.to_string()));
        }
        cursor.advance_to(found);
        let loc = position(cursor.line, cursor.column);
        let (end, close_len) = if tag {
            match source[inner_start..].find("%}") {
                Some(i) => (inner_start + i, 2),
                None => return Err(Unclosed { loc, tag }),
            }
        } else if braze {
            match braze_output_end(source, inner_start) {
                Some(end) => (end, 2),
                None => return Err(Unclosed { loc, tag }),
            }
        } else {
            match source[inner_start..].find('}') {
                Some(i) => {
                    let end = inner_start + i;
                    let len = if source[end..].starts_with("}}") {
                        2
                    } else {
                        1
                    };
                    (end, len)
                }
                None => return Err(Unclosed { loc, tag }),
            }
        };
        let mut inner = &source[inner_start..end];
        if trim_left {
            inner = &inner[1..];
        }
        strip_next = inner.ends_with('-');
        if strip_next {
            inner = &inner[..inner.len() - 1];
        }
        let written = inner.trim().to_string();
        let rewritten;
        if braze {
            rewritten = braze_markup(inner);
            inner = &rewritten;
        }
        if tag {
            let (name, markup) = tag_name(inner);
            out.push(Piece::Tag {
                name: name.to_string(),
                markup: markup.trim().to_string(),
                loc,
            });
        } else {
            out.push(Piece::Output {
                markup: inner.trim().to_string(),
                written,
                loc,
            });
        }
        rest_from = end + close_len;
        // A raw block's body is its text as written, up to `{% endraw %}`.
        if matches!(out.last(), Some(Piece::Tag { name, .. }) if name == "raw") {
            let body_end = end_of_raw(source, rest_from).unwrap_or(source.len());
            if body_end > rest_from {
                out.push(Piece::Text(source[rest_from..body_end].to_string()));
            }
            rest_from = body_end;
            strip_next = false;
        }
    }
    let mut text = &source[rest_from..];
    if strip_next {
        text = text.trim_start();
    }
    if !text.is_empty() {
        out.push(Piece::Text(text.to_string()));
    }
    Ok(out)
}

/// A tag's name and the markup after it, from what stands between its `{%`
/// (and its `-`) and its `%}`: `#` alone names an inline comment.
fn tag_name(inner: &str) -> (&str, &str) {
    let trimmed = inner.trim_start();
    let name_len = if trimmed.starts_with('#') {
        1
    } else {
        trimmed
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(trimmed.len())
    };
    trimmed.split_at(name_len)
}

/// Whether `source` holds a `{% raw %}` tag, whose block prints Liquid code
/// as written (its name read as [`pieces`] reads it).
pub(crate) fn has_raw_block(source: &str) -> bool {
    memchr::memmem::find_iter(source.as_bytes(), b"{%").any(|at| {
        let inner = &source[at + 2..];
        tag_name(inner.strip_prefix('-').unwrap_or(inner)).0 == "raw"
    })
}

/// Where an output that opened before `from` ends (its `}}`), skipping
/// `${…}` and the `{{ }}` nested in it.
fn braze_output_end(source: &str, from: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut depth = 0usize;
    let mut i = from;
    // Byte by byte: the delimiters are ASCII, and a position inside a
    // character (`é`, U+202E) is never sliced as text.
    while i < bytes.len() {
        let rest = &bytes[i..];
        if rest.starts_with(b"${") {
            i += rest.iter().position(|&b| b == b'}')? + 1;
            continue;
        }
        if rest.starts_with(b"{{") {
            depth += 1;
            i += 2;
            continue;
        }
        if rest.starts_with(b"}}") {
            if depth == 0 {
                return Some(i);
            }
            depth -= 1;
            i += 2;
            continue;
        }
        i += 1;
    }
    None
}

/// Braze's markup in plain Liquid: `${first_name}` is the attribute
/// `first_name`, `custom_attribute.${x}` is `custom_attributes.x` (where a
/// Braze user export keeps custom attributes), and `{{ }}` nested inside a
/// tag or an output is the expression it holds.
pub(crate) fn braze_markup(markup: &str) -> String {
    let markup = markup.replace("custom_attribute.${", "custom_attributes.${");
    let mut out = String::with_capacity(markup.len());
    let mut rest = markup.as_str();
    while let Some(at) = rest.find("${") {
        out.push_str(&rest[..at]);
        match rest[at..].find('}') {
            Some(close) => {
                out.push_str(rest[at + 2..at + close].trim());
                rest = &rest[at + close + 1..];
            }
            None => {
                out.push_str(&rest[at..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out.replace("{{", " ").replace("}}", " ")
}

/// Where the `{% endraw %}` that closes a raw block starting at `from` is.
fn end_of_raw(source: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(offset) = source[at..].find("{%") {
        let start = at + offset;
        let close = start + 2 + source[start + 2..].find("%}")?;
        // As Shopify's: `{%- endraw %}` does not close it.
        let inner = source[start + 2..close]
            .trim_start()
            .trim_end_matches(|c: char| c == '-' || c.is_whitespace());
        if inner == "endraw" {
            return Some(start);
        }
        at = start + 2;
    }
    None
}

fn find_start(source: &str, from: usize) -> Option<usize> {
    let bytes = source.as_bytes();
    let mut i = from;
    while let Some(offset) = source[i..].find('{') {
        let at = i + offset;
        if matches!(bytes.get(at + 1), Some(b'{' | b'%')) {
            return Some(at);
        }
        i = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<Piece> {
        pieces(source, &|l, c| SourceLoc::new("t", l, c), false).unwrap()
    }

    #[test]
    fn a_braze_output_with_characters_beyond_ascii_is_read_without_a_panic() {
        let braze = |source: &str| pieces(source, &|l, c| SourceLoc::new("t", l, c), true);
        // The text the property test generated: an output never closed
        // before a right-to-left override.
        let source = "é{{{{^orders}}{{!-- note --}}{{/orders}}\u{202e}{{{first_name}}}<!--[if mso]><!-- {{first_name}} -->";
        let _ = braze(source);
        let read = braze("Hi {{${first_name} | default: 'Zoë'}} \u{202e}é").expect("reads");
        assert!(read.iter().any(
            |p| matches!(p, Piece::Output { markup, .. } if markup.contains("default: 'Zoë'"))
        ));
    }

    #[test]
    fn splits_text_outputs_and_tags_with_positions() {
        let p = texts("Hi {{ name }}!\n{% if a %}x{% endif %}");
        assert_eq!(p[0], Piece::Text("Hi ".into()));
        assert!(
            matches!(&p[1], Piece::Output { markup, loc, .. } if markup == "name" && loc.column == 4)
        );
        assert!(
            matches!(&p[3], Piece::Tag { name, markup, loc } if name == "if" && markup == "a" && loc.line == 2)
        );
    }

    #[test]
    fn whitespace_control_strips_newlines_on_its_side() {
        let p = texts("a  \n {{- x -}} \n b");
        assert_eq!(p[0], Piece::Text("a".into()));
        assert_eq!(p[2], Piece::Text("b".into()));
    }

    #[test]
    fn an_unclosed_tag_is_reported_where_it_opens() {
        let e = pieces("ab\n  {% if x", &|l, c| SourceLoc::new("t", l, c), false).unwrap_err();
        assert_eq!((e.loc.line, e.loc.column, e.tag), (2, 3, true));
    }

    #[test]
    fn a_raw_block_reads_past_a_tag_that_closes_where_it_opens() {
        let p = texts("{% raw %}a{%}b{% endraw %}c");
        assert_eq!(p[1], Piece::Text("a{%}b".into()));
    }

    #[test]
    fn a_lone_brace_is_text() {
        assert_eq!(texts("a { b }"), vec![Piece::Text("a { b }".into())]);
    }

    #[test]
    fn braze_attributes_and_nested_outputs_read_as_plain_liquid() {
        let p = pieces(
            "Hi {{${first_name} | default: 'x'}}! {% assign b = {{custom_attribute.${balance}}} %}{{c | plus: {{b}}}}",
            &|l, c| SourceLoc::new("t", l, c),
            true,
        )
        .unwrap();
        assert!(
            matches!(&p[1], Piece::Output { markup, written, .. } if markup == "first_name | default: 'x'" && written == "${first_name} | default: 'x'")
        );
        assert!(
            matches!(&p[3], Piece::Tag { markup, .. } if markup.split_whitespace().collect::<Vec<_>>() == ["b", "=", "custom_attributes.balance"])
        );
        assert!(
            matches!(&p[4], Piece::Output { markup, .. } if markup.split_whitespace().collect::<Vec<_>>() == ["c", "|", "plus:", "b"])
        );
    }
}

#[cfg(test)]
mod raw_block_tests {
    use super::has_raw_block;

    #[test]
    fn a_raw_tag_is_told_however_it_is_spaced() {
        for text in [
            "{% raw %}x{% endraw %}",
            "{%- raw -%}",
            "{%raw%}",
            "a {%  raw\n%}",
        ] {
            assert!(has_raw_block(text), "{text}");
        }
        for text in [
            "{% rawhide %}",
            "{% endraw %}",
            "{{ raw }}",
            "raw",
            "{% comment %}",
        ] {
            assert!(!has_raw_block(text), "{text}");
        }
    }
}
