//! Liquid's expressions: `customer.orders[0].total | money`, their
//! filters with positional and keyword arguments, and conditions
//! (`a == 1 and b contains "x"`, chained from the right as Shopify chains
//! them), read by a lexer of Liquid 5's strict grammar.

use super::value::Value;
use crate::dialect::Language;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Step {
    Key(String),
    /// `[expression]`.
    Index(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Expr {
    Literal(Value),
    /// `empty` or `blank` as a value to compare with.
    Empty,
    Blank,
    /// A variable and the steps into it: `customer.first_name`,
    /// `items[0]`, `[key]`.
    Lookup {
        root: Box<Step>,
        steps: Vec<Step>,
    },
    Range(Box<Expr>, Box<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Filter {
    pub name: String,
    pub args: Vec<Expr>,
    /// `allow_false: true` and other keyword arguments.
    pub keywords: Vec<(String, Expr)>,
}

/// An expression and its filters: what `{{ }}`, `assign` and `echo` hold.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Filtered {
    pub expr: Expr,
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
    Contains,
}

/// `left [op right] [and|or rest]`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Condition {
    pub left: Expr,
    pub compare: Option<(Op, Expr)>,
    /// `true` for `and`.
    pub rest: Option<(bool, Box<Condition>)>,
}

#[derive(Clone, Debug, PartialEq)]
enum Lexeme {
    Id(String),
    Str(String),
    Int(i64),
    Float(f64),
    Compare(Op),
    DotDot,
    Dot,
    Pipe,
    Colon,
    Comma,
    OpenSquare,
    CloseSquare,
    OpenRound,
    CloseRound,
}

fn lexemes(markup: &str) -> Result<Vec<Lexeme>, String> {
    let chars: Vec<char> = markup.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
        let op = match two.as_str() {
            "==" => Some((Op::Eq, 2)),
            "!=" | "<>" => Some((Op::Ne, 2)),
            "<=" => Some((Op::Le, 2)),
            ">=" => Some((Op::Ge, 2)),
            _ if c == '<' => Some((Op::Lt, 1)),
            _ if c == '>' => Some((Op::Gt, 1)),
            _ => None,
        };
        if let Some((op, len)) = op {
            out.push(Lexeme::Compare(op));
            i += len;
            continue;
        }
        if c == '"' || c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&d| d == c)
                .ok_or_else(|| format!("the text starting `{c}` is never closed"))?;
            out.push(Lexeme::Str(chars[i + 1..i + 1 + end].iter().collect()));
            i += end + 2;
            continue;
        }
        if c.is_ascii_digit() || (c == '-' && next.is_some_and(|n| n.is_ascii_digit())) {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let is_float =
                chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit());
            if is_float {
                i += 1;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
            }
            let text: String = chars[start..i].iter().collect();
            out.push(if is_float {
                Lexeme::Float(
                    text.parse()
                        .map_err(|_| format!("`{text}` is not a number"))?,
                )
            } else {
                match text.parse() {
                    Ok(n) => Lexeme::Int(n),
                    Err(_) => Lexeme::Float(text.parse().unwrap_or(f64::MAX)),
                }
            });
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '-')
            {
                i += 1;
            }
            if chars.get(i) == Some(&'?') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if word == "contains" {
                out.push(Lexeme::Compare(Op::Contains));
            } else {
                out.push(Lexeme::Id(word));
            }
            continue;
        }
        let lexeme = match c {
            '.' if next == Some('.') => {
                i += 1;
                Lexeme::DotDot
            }
            '.' => Lexeme::Dot,
            '|' => Lexeme::Pipe,
            ':' => Lexeme::Colon,
            ',' => Lexeme::Comma,
            '[' => Lexeme::OpenSquare,
            ']' => Lexeme::CloseSquare,
            '(' => Lexeme::OpenRound,
            ')' => Lexeme::CloseRound,
            other => return Err(format!("`{other}` has no meaning here")),
        };
        out.push(lexeme);
        i += 1;
    }
    Ok(out)
}

/// Reads lexemes one at a time.
pub(crate) struct Parser {
    lexemes: Vec<Lexeme>,
    at: usize,
}

impl Parser {
    pub(crate) fn new(markup: &str) -> Result<Parser, String> {
        Ok(Parser {
            lexemes: lexemes(markup)?,
            at: 0,
        })
    }

    fn peek(&self) -> Option<&Lexeme> {
        self.lexemes.get(self.at)
    }

    fn eat(&mut self, lexeme: &Lexeme) -> bool {
        if self.peek() == Some(lexeme) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn eat_id(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Lexeme::Id(w)) if w == word) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn id(&mut self) -> Result<String, String> {
        match self.lexemes.get(self.at) {
            Some(Lexeme::Id(w)) => {
                self.at += 1;
                Ok(w.clone())
            }
            other => Err(format!("expected a name, found {}", describe(other))),
        }
    }

    pub(crate) fn done(&self) -> bool {
        self.at >= self.lexemes.len()
    }

    pub(crate) fn end(&self) -> Result<(), String> {
        match self.peek() {
            None => Ok(()),
            other => Err(format!("unexpected {} at the end", describe(other))),
        }
    }

    pub(crate) fn expr(&mut self) -> Result<Expr, String> {
        let lexeme = self.peek().cloned();
        self.at += 1;
        let expr = match lexeme {
            Some(Lexeme::Str(s)) => Expr::Literal(Value::str(&s)),
            Some(Lexeme::Int(n)) => Expr::Literal(Value::Int(n)),
            Some(Lexeme::Float(f)) => Expr::Literal(Value::Float(f)),
            Some(Lexeme::OpenRound) => {
                let from = self.expr()?;
                if !self.eat(&Lexeme::DotDot) {
                    return Err("a range is written `(1..5)`".into());
                }
                let to = self.expr()?;
                if !self.eat(&Lexeme::CloseRound) {
                    return Err("a range is written `(1..5)`: `)` is missing".into());
                }
                Expr::Range(Box::new(from), Box::new(to))
            }
            Some(Lexeme::Id(word)) => match word.as_str() {
                "nil" | "null" => Expr::Literal(Value::Nil),
                "true" => Expr::Literal(Value::Bool(true)),
                "false" => Expr::Literal(Value::Bool(false)),
                "empty" => Expr::Empty,
                "blank" => Expr::Blank,
                _ => {
                    let steps = self.steps()?;
                    Expr::Lookup {
                        root: Box::new(Step::Key(word)),
                        steps,
                    }
                }
            },
            Some(Lexeme::OpenSquare) => {
                let key = self.expr()?;
                if !self.eat(&Lexeme::CloseSquare) {
                    return Err("`[` is never closed".into());
                }
                let steps = self.steps()?;
                Expr::Lookup {
                    root: Box::new(Step::Index(key)),
                    steps,
                }
            }
            other => {
                self.at -= 1;
                return Err(format!(
                    "expected a value, found {}",
                    describe(other.as_ref())
                ));
            }
        };
        Ok(expr)
    }

    fn steps(&mut self) -> Result<Vec<Step>, String> {
        let mut steps = Vec::new();
        loop {
            if self.eat(&Lexeme::Dot) {
                steps.push(Step::Key(self.id()?));
            } else if self.eat(&Lexeme::OpenSquare) {
                let key = self.expr()?;
                if !self.eat(&Lexeme::CloseSquare) {
                    return Err("`[` is never closed".into());
                }
                steps.push(Step::Index(key));
            } else {
                return Ok(steps);
            }
        }
    }

    /// An expression and its filters, up to the end; every filter one of
    /// `known`.
    pub(crate) fn filtered_of(&mut self, known: &[&str]) -> Result<Filtered, String> {
        let f = self.filtered()?;
        for filter in &f.filters {
            let name = filter.name.as_str();
            if !known.contains(&name) {
                if let Some(twin) = crate::template::filter_twin(Language::Liquid, name, known) {
                    return Err(format!(
                        "`{name}` is not a Liquid filter: Liquid's is `{twin}` (`{name}` is Klaviyo's)"
                    ));
                }
                let hint = crate::source::hint_prefix(name, known);
                return Err(format!("{hint}`{name}` is not a Liquid filter"));
            }
        }
        Ok(f)
    }

    /// An expression and its filters, up to the end.
    pub(crate) fn filtered(&mut self) -> Result<Filtered, String> {
        let expr = self.expr()?;
        let mut filters = Vec::new();
        while self.eat(&Lexeme::Pipe) {
            let name = self.id()?;
            let mut filter = Filter {
                name,
                args: Vec::new(),
                keywords: Vec::new(),
            };
            if self.eat(&Lexeme::Colon) {
                loop {
                    let keyword = match (self.lexemes.get(self.at), self.lexemes.get(self.at + 1)) {
                        (Some(Lexeme::Id(k)), Some(Lexeme::Colon)) => Some(k.clone()),
                        _ => None,
                    };
                    if let Some(k) = keyword {
                        self.at += 2;
                        filter.keywords.push((k, self.expr()?));
                    } else {
                        filter.args.push(self.expr()?);
                    }
                    if !self.eat(&Lexeme::Comma) {
                        break;
                    }
                }
            }
            filters.push(filter);
        }
        Ok(Filtered { expr, filters })
    }

    /// `a == b and c or d`: Shopify chains from the right.
    pub(crate) fn condition(&mut self) -> Result<Condition, String> {
        let left = self.expr()?;
        let compare = match self.peek() {
            Some(Lexeme::Compare(op)) => {
                let op = *op;
                self.at += 1;
                Some((op, self.expr()?))
            }
            _ => None,
        };
        let rest = if self.eat_id("and") {
            Some((true, Box::new(self.condition()?)))
        } else if self.eat_id("or") {
            Some((false, Box::new(self.condition()?)))
        } else {
            None
        };
        Ok(Condition {
            left,
            compare,
            rest,
        })
    }

    pub(crate) fn comma(&mut self) -> bool {
        self.eat(&Lexeme::Comma) || self.eat_id("or")
    }

    pub(crate) fn colon(&mut self) -> bool {
        self.eat(&Lexeme::Colon)
    }

    /// A `key: value` argument, if one comes next.
    pub(crate) fn keyword(&mut self) -> Result<Option<(String, Expr)>, String> {
        if let (Some(Lexeme::Id(k)), Some(Lexeme::Colon)) =
            (self.lexemes.get(self.at), self.lexemes.get(self.at + 1))
        {
            let k = k.clone();
            self.at += 2;
            return Ok(Some((k, self.expr()?)));
        }
        Ok(None)
    }
}

fn describe(lexeme: Option<&Lexeme>) -> String {
    match lexeme {
        None => "the end".into(),
        Some(Lexeme::Id(w)) => format!("`{w}`"),
        Some(Lexeme::Str(s)) => format!("\"{s}\""),
        Some(Lexeme::Int(n)) => format!("`{n}`"),
        Some(Lexeme::Float(f)) => format!("`{f}`"),
        Some(Lexeme::Compare(_)) => "a comparison".into(),
        Some(Lexeme::DotDot) => "`..`".into(),
        Some(Lexeme::Dot) => "`.`".into(),
        Some(Lexeme::Pipe) => "`|`".into(),
        Some(Lexeme::Colon) => "`:`".into(),
        Some(Lexeme::Comma) => "`,`".into(),
        Some(Lexeme::OpenSquare) => "`[`".into(),
        Some(Lexeme::CloseSquare) => "`]`".into(),
        Some(Lexeme::OpenRound) => "`(`".into(),
        Some(Lexeme::CloseRound) => "`)`".into(),
    }
}

impl Parser {
    /// A whole condition, up to the end of the markup.
    pub(crate) fn condition_all(&mut self) -> Result<Condition, String> {
        let c = self.condition()?;
        self.end()?;
        Ok(c)
    }
}
