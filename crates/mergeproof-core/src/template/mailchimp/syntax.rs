//! Mailchimp's merge tags: `*|FNAME|*`, function tags (`*|UPPER:FNAME|*`,
//! `*|HTML:BIO|*`, `*|DATE:d/m/Y|*`), conditional blocks (`*|IF:FNAME|*`,
//! `*|IF:TIER=gold|*`, `*|ELSEIF:…|*`, `*|ELSE:|*`, `*|END:IF|*`,
//! `*|IFNOT:FNAME|*`) and the system tags the platform fills at send time
//! (`*|UNSUB|*`, `*|LIST:COMPANY|*`), read into a tree with positions.
//! <https://mailchimp.com/help/all-the-merge-tags-cheat-sheet/>,
//! <https://mailchimp.com/help/use-conditional-merge-tag-blocks/>

use crate::source::{LoadError, SourceLoc};

/// How a merge field's value is changed before it prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Function {
    /// `*|FNAME|*`: escaped for HTML.
    Plain,
    /// `*|HTML:FNAME|*`: as it is.
    Html,
    Upper,
    Lower,
    Title,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Ge,
    Le,
}

/// `TAG`, or `TAG<op>value`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Test {
    pub tag: String,
    pub compare: Option<(Op, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    Text(String),
    /// A merge field printed, `index` its token's.
    Field {
        tag: String,
        function: Function,
        index: u32,
        written: String,
        loc: SourceLoc,
    },
    /// `*|DATE:format|*`: today's date.
    Date {
        format: String,
    },
    /// A tag the platform fills at send time, printed as written.
    System(String),
    /// `*|IF:…|*` (or `*|IFNOT:…|*` when `not`) with its `ELSEIF`s, then
    /// `ELSE`.
    If {
        branches: Vec<Branch>,
        otherwise: Option<Vec<Node>>,
    },
}

/// The tags Mailchimp fills itself (its "system" and list merge tags):
/// left in the template as written.
const SYSTEM: &[&str] = &[
    "UNSUB",
    "ARCHIVE",
    "ARCHIVE_LINK_SHORT",
    "UPDATE_PROFILE",
    "FORWARD",
    "EMAIL",
    "REWARDS",
    "REWARDS_TEXT",
    "CURRENT_YEAR",
    "MC_PREVIEW_TEXT",
    "MC_LANGUAGE",
    "ABOUT_LIST",
    "LIST_ADDRESS_HTML",
    "MC_SUBJECT",
];

/// Prefixes of the platform's own tags (`*|LIST:COMPANY|*`, `*|MC:SUBJECT|*`).
const SYSTEM_PREFIXES: &[&str] = &["LIST:", "MC:", "USER:", "TWITTER:", "FACEBOOK:", "SOCIAL:"];

/// A branch of a conditional block: `IFNOT` or not, its test, its body,
/// where it opens.
type Branch = (bool, Test, Vec<Node>, SourceLoc);

/// A block being read: the nodes before it, its branches so far, and its
/// `ELSE` once seen.
type Open = (Vec<Node>, Vec<Branch>, Option<Vec<Node>>);

/// One piece: text, or a tag's content with where the tag starts.
enum Piece {
    Text(String),
    Tag(String, SourceLoc),
}

/// Tags longer than this are not tags (a stray `*|` in prose).
const MAX_TAG: usize = 200;

fn pieces(source: &str, position: &dyn Fn(u32, u32) -> SourceLoc) -> Vec<Piece> {
    let mut out = Vec::new();
    let (mut line, mut column) = (1u32, 1u32);
    let mut counted = 0;
    let mut advance = |to: usize, line: &mut u32, column: &mut u32| {
        for c in source[counted..to].chars() {
            if c == '\n' {
                *line += 1;
                *column = 1;
            } else {
                *column += 1;
            }
        }
        counted = to;
    };
    let mut rest_from = 0;
    let mut search = 0;
    while let Some(offset) = source[search..].find("*|") {
        let at = search + offset;
        let inner = at + 2;
        let close = crate::dialect::find_within(&source[inner..], "|*", MAX_TAG)
            .filter(|len| !source[inner..inner + len].contains('\n'));
        let Some(len) = close else {
            search = inner;
            continue;
        };
        if at > rest_from {
            out.push(Piece::Text(source[rest_from..at].to_string()));
        }
        advance(at, &mut line, &mut column);
        out.push(Piece::Tag(
            source[inner..inner + len].to_string(),
            position(line, column),
        ));
        rest_from = inner + len + 2;
        search = rest_from;
    }
    if rest_from < source.len() {
        out.push(Piece::Text(source[rest_from..].to_string()));
    }
    out
}

fn test(text: &str) -> Test {
    for (written, op) in [
        ("!=", Op::Ne),
        (">=", Op::Ge),
        ("<=", Op::Le),
        ("=", Op::Eq),
        (">", Op::Gt),
        ("<", Op::Lt),
    ] {
        if let Some((tag, value)) = text.split_once(written) {
            return Test {
                tag: tag.trim().to_string(),
                compare: Some((op, value.trim().to_string())),
            };
        }
    }
    Test {
        tag: text.trim().to_string(),
        compare: None,
    }
}

/// The tree of a template: its nodes and how many fields it prints, or
/// every syntax error.
pub(crate) fn parse(
    source: &str,
    position: &dyn Fn(u32, u32) -> SourceLoc,
) -> Result<(Vec<Node>, u32), Vec<LoadError>> {
    let mut errors = Vec::new();
    let mut index = 0u32;
    // Open blocks: the node being built and the branch being filled.
    let mut stack: Vec<Open> = Vec::new();
    let mut current: Vec<Node> = Vec::new();
    for piece in pieces(source, position) {
        let (content, loc) = match piece {
            Piece::Text(t) => {
                current.push(Node::Text(t));
                continue;
            }
            Piece::Tag(content, loc) => (content, loc),
        };
        let (head, arg) = match content.split_once(':') {
            Some((h, a)) => (h.trim(), Some(a)),
            None => (content.trim(), None),
        };
        match (head, arg) {
            ("IF" | "IFNOT", Some(cond)) => {
                if stack.len() >= crate::limits::MAX_DEPTH {
                    errors.push(LoadError::at(&loc, format!(
                            "conditions nest more than {} deep; flatten the template",
                            crate::limits::MAX_DEPTH
                        )));
                    break;
                }
                let outer = std::mem::take(&mut current);
                stack.push((outer, vec![(head == "IFNOT", test(cond), Vec::new(), loc)], None));
            }
            ("ELSEIF", Some(cond)) => match stack.last_mut() {
                Some((_, branches, None)) => {
                    if let Some(last) = branches.last_mut() {
                        last.2 = std::mem::take(&mut current);
                    }
                    branches.push((false, test(cond), Vec::new(), loc));
                }
                _ => errors.push(LoadError::at(&loc, "`*|ELSEIF:…|*` outside an `*|IF:…|*` block (or after its `*|ELSE:|*`)")),
            },
            ("ELSE", _) => match stack.last_mut() {
                Some((_, branches, otherwise @ None)) => {
                    if let Some(last) = branches.last_mut() {
                        last.2 = std::mem::take(&mut current);
                    }
                    *otherwise = Some(Vec::new());
                }
                _ => errors.push(LoadError::at(&loc, "`*|ELSE:|*` outside an `*|IF:…|*` block, or a second one")),
            },
            ("END", Some(what)) if what.trim() == "IF" => match stack.pop() {
                Some((outer, mut branches, otherwise)) => {
                    let body = std::mem::take(&mut current);
                    let otherwise = match otherwise {
                        Some(_) => Some(body),
                        None => {
                            if let Some(last) = branches.last_mut() {
                                last.2 = body;
                            }
                            None
                        }
                    };
                    current = outer;
                    current.push(Node::If {
                        branches,
                        otherwise,
                    });
                }
                None => errors.push(LoadError::at(&loc, "`*|END:IF|*` closes no `*|IF:…|*`")),
            },
            ("DATE", format) => current.push(Node::Date {
                format: format.unwrap_or("d/m/Y").to_string(),
            }),
            (name, Some(tag)) if matches!(name, "HTML" | "UPPER" | "LOWER" | "TITLE") => {
                let function = match name {
                    "HTML" => Function::Html,
                    "UPPER" => Function::Upper,
                    "LOWER" => Function::Lower,
                    _ => Function::Title,
                };
                current.push(Node::Field {
                    tag: tag.trim().to_string(),
                    function,
                    index,
                    written: format!("*|{content}|*"),
                    loc,
                });
                index += 1;
            }
            (name, None)
                if SYSTEM.contains(&name)
                    || SYSTEM_PREFIXES.iter().any(|p| content.starts_with(p)) =>
            {
                current.push(Node::System(format!("*|{content}|*")));
            }
            (_, Some(_)) if SYSTEM_PREFIXES.iter().any(|p| content.starts_with(p)) => {
                current.push(Node::System(format!("*|{content}|*")));
            }
            (name, None)
                if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_') =>
            {
                current.push(Node::Field {
                    tag: name.to_string(),
                    function: Function::Plain,
                    index,
                    written: format!("*|{content}|*"),
                    loc,
                });
                index += 1;
            }
            _ => errors.push(LoadError::at(&loc, format!(
                    "`*|{content}|*` is not a merge tag Mailchimp knows: a field is `*|FNAME|*` (letters, digits and `_`), a condition `*|IF:FNAME|*`…`*|END:IF|*`"
                ))),
        }
    }
    for (_, branches, _) in &stack {
        if let Some((_, _, _, loc)) = branches.first() {
            errors.push(LoadError::at(
                loc,
                "this `*|IF:…|*` is never closed: add `*|END:IF|*`",
            ));
        }
    }
    if errors.is_empty() {
        Ok((current, index))
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(source: &str) -> Result<Vec<Node>, Vec<LoadError>> {
        parse(source, &|l, c| SourceLoc::new("t", l, c)).map(|(n, _)| n)
    }

    #[test]
    fn fields_conditions_and_system_tags() {
        let nodes = tree("Dear *|FNAME|*,\n*|IF:TIER=gold|*G*|ELSEIF:TIER!=silver|*X*|ELSE:|*S*|END:IF|* *|UNSUB|*")
            .unwrap();
        assert!(
            matches!(&nodes[1], Node::Field { tag, function: Function::Plain, .. } if tag == "FNAME")
        );
        let Node::If {
            branches,
            otherwise,
        } = &nodes[3]
        else {
            panic!("{nodes:?}")
        };
        assert_eq!(branches.len(), 2);
        assert_eq!(branches[0].1.compare, Some((Op::Eq, "gold".into())));
        assert_eq!(branches[1].1.compare, Some((Op::Ne, "silver".into())));
        assert!(otherwise.is_some());
        assert!(matches!(&nodes[5], Node::System(t) if t == "*|UNSUB|*"));
    }

    #[test]
    fn an_unclosed_condition_names_where_it_opens() {
        let errors = tree("a\n*|IF:FNAME|*x").unwrap_err();
        assert_eq!((errors[0].line, errors[0].column), (2, 1));
        assert!(errors[0].message.contains("END:IF"));
    }

    #[test]
    fn a_stray_star_pipe_is_text() {
        let nodes = tree("5 *| 3 and a *|lone").unwrap();
        assert!(
            nodes.iter().all(|n| matches!(n, Node::Text(_))),
            "{nodes:?}"
        );
    }
}
