//! Liquid 5's standard filters, as Shopify's Ruby Liquid computes them
//! (`Liquid::StandardFilters`): numbers with Ruby's integer and
//! BigDecimal arithmetic, `default` that passes over `" "` and `0`, text
//! filters on `to_s`. An error is Liquid's own message, which the template
//! prints inline as `Liquid error: …`.

use std::sync::Arc;

use super::encode::{base64, escape_once, strip_html, unbase64, url_decode, url_encode};
pub(super) use super::encode::{escape_html, percent_encode, url_path};
use super::number::{Arith, Num, arith, ruby_floor_div, ruby_modulo, to_number};
use super::value::Value;

/// Every filter Liquid 5.4 has (`Liquid::StandardFilters`), alphabetically.
pub(crate) const STANDARD: &[&str] = &[
    "abs",
    "append",
    "at_least",
    "at_most",
    "base64_decode",
    "base64_encode",
    "base64_url_safe_decode",
    "base64_url_safe_encode",
    "capitalize",
    "ceil",
    "compact",
    "concat",
    "date",
    "default",
    "divided_by",
    "downcase",
    "escape",
    "escape_once",
    "first",
    "floor",
    "h",
    "join",
    "last",
    "lstrip",
    "map",
    "minus",
    "modulo",
    "newline_to_br",
    "plus",
    "prepend",
    "remove",
    "remove_first",
    "remove_last",
    "replace",
    "replace_first",
    "replace_last",
    "reverse",
    "round",
    "rstrip",
    "size",
    "slice",
    "sort",
    "sort_natural",
    "split",
    "strip",
    "strip_html",
    "strip_newlines",
    "times",
    "truncate",
    "truncatewords",
    "uniq",
    "upcase",
    "url_decode",
    "url_encode",
    "where",
];

fn arg(args: &[Value], i: usize) -> Value {
    args.get(i).cloned().unwrap_or(Value::Nil)
}

fn text(v: &Value) -> String {
    v.to_text()
}

fn to_integer(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i) => Ok(*i),
        other => {
            let t = other.to_text();
            t.trim().parse().map_err(|_| "invalid integer".to_string())
        }
    }
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.as_ref().clone(),
        Value::Nil => Vec::new(),
        other => vec![other.clone()],
    }
}

fn array(items: Vec<Value>) -> Value {
    Value::Array(Arc::new(items))
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    }
}

fn property(item: &Value, name: &str) -> Value {
    match item {
        Value::Hash(_) => item.get(name).cloned().unwrap_or(Value::Nil),
        _ => Value::Nil,
    }
}

/// Ruby's `<=>` on two values a sort compares, `None` where Ruby raises.
fn compare(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Str(x), Value::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// Applies filter `name` to `input`. An `Err` is the message Liquid prints
/// after `Liquid error: `.
pub(crate) fn apply(
    name: &str,
    input: Value,
    args: &[Value],
    keywords: &[(String, Value)],
) -> Result<Value, String> {
    let a0 = || arg(args, 0);
    Ok(match name {
        "size" => match &input {
            // Ruby's Integer#size is its width in bytes.
            Value::Int(_) => Value::Int(8),
            other => Value::Int(other.size().unwrap_or(0)),
        },
        "downcase" => Value::str(&text(&input).to_lowercase()),
        "upcase" => Value::str(&text(&input).to_uppercase()),
        "capitalize" => Value::str(&capitalize(&text(&input))),
        "escape" | "h" => match input {
            Value::Nil => Value::Nil,
            other => Value::str(&escape_html(&text(&other))),
        },
        "escape_once" => Value::str(&escape_once(&text(&input))),
        "url_encode" => match input {
            Value::Nil => Value::Nil,
            other => Value::str(&url_encode(&text(&other))),
        },
        "url_decode" => match input {
            Value::Nil => Value::Nil,
            other => Value::str(&url_decode(&text(&other))),
        },
        "strip" => Value::str(text(&input).trim_matches(|c: char| c.is_whitespace() || c == '\0')),
        "lstrip" => Value::str(text(&input).trim_start()),
        "rstrip" => {
            Value::str(text(&input).trim_end_matches(|c: char| c.is_whitespace() || c == '\0'))
        }
        "strip_html" => Value::str(&strip_html(&text(&input))),
        "strip_newlines" => Value::str(&text(&input).replace("\r\n", "").replace('\n', "")),
        "newline_to_br" => {
            Value::str(&text(&input).replace("\r\n", "\n").replace('\n', "<br />\n"))
        }
        "append" => Value::str(&(text(&input) + &text(&a0()))),
        "prepend" => Value::str(&(text(&a0()) + &text(&input))),
        "remove" => Value::str(&text(&input).replace(&text(&a0()), "")),
        "remove_first" => Value::str(&text(&input).replacen(&text(&a0()), "", 1)),
        "replace" => Value::str(&text(&input).replace(&text(&a0()), &text(&arg(args, 1)))),
        "replace_first" => {
            Value::str(&text(&input).replacen(&text(&a0()), &text(&arg(args, 1)), 1))
        }
        "truncate" => {
            if matches!(input, Value::Nil) {
                return Ok(Value::Nil);
            }
            let s = text(&input);
            let length = if args.is_empty() {
                50
            } else {
                to_integer(&a0())?
            };
            let ellipsis = if args.len() > 1 {
                text(&arg(args, 1))
            } else {
                "...".into()
            };
            let keep = (length - ellipsis.chars().count() as i64).max(0) as usize;
            if s.chars().count() as i64 > length {
                Value::str(&(s.chars().take(keep).collect::<String>() + &ellipsis))
            } else {
                Value::str(&s)
            }
        }
        "truncatewords" => {
            if matches!(input, Value::Nil) {
                return Ok(Value::Nil);
            }
            let s = text(&input);
            let words = if args.is_empty() {
                15
            } else {
                to_integer(&a0())?.max(1)
            } as usize;
            let ellipsis = if args.len() > 1 {
                text(&arg(args, 1))
            } else {
                "...".into()
            };
            let list: Vec<&str> = s.split_whitespace().collect();
            if list.len() <= words {
                input
            } else {
                Value::str(&(list[..words].join(" ") + &ellipsis))
            }
        }
        "split" => {
            let s = text(&input);
            let pattern = text(&a0());
            let mut parts: Vec<Value> = if pattern == " " {
                s.split_whitespace().map(Value::str).collect()
            } else if pattern.is_empty() {
                s.chars().map(|c| Value::str(&c.to_string())).collect()
            } else {
                s.split(pattern.as_str()).map(Value::str).collect()
            };
            while parts.last().is_some_and(|p| p == &Value::str("")) {
                parts.pop();
            }
            array(parts)
        }
        "join" => {
            let glue = if args.is_empty() {
                " ".into()
            } else {
                text(&a0())
            };
            let items: Vec<String> = list(&input).iter().map(text).collect();
            Value::str(&items.join(&glue))
        }
        "first" => match &input {
            Value::Array(a) => a.first().cloned().unwrap_or(Value::Nil),
            _ => Value::Nil,
        },
        "last" => match &input {
            Value::Array(a) => a.last().cloned().unwrap_or(Value::Nil),
            _ => Value::Nil,
        },
        "reverse" => {
            let mut items = list(&input);
            items.reverse();
            array(items)
        }
        "compact" => array(
            list(&input)
                .into_iter()
                .filter(|i| !matches!(i, Value::Nil))
                .collect(),
        ),
        "uniq" => {
            let mut seen: Vec<Value> = Vec::new();
            for i in list(&input) {
                if !seen.contains(&i) {
                    seen.push(i);
                }
            }
            array(seen)
        }
        "concat" => match a0() {
            Value::Array(b) => {
                let mut items = list(&input);
                items.extend(b.iter().cloned());
                array(items)
            }
            _ => return Err("concat filter requires an array argument".into()),
        },
        "map" => {
            let key = text(&a0());
            array(list(&input).iter().map(|i| property(i, &key)).collect())
        }
        "where" => {
            let key = text(&a0());
            let target = args.get(1);
            array(
                list(&input)
                    .into_iter()
                    .filter(|i| match target {
                        None => property(i, &key).truthy(),
                        Some(t) => &property(i, &key) == t,
                    })
                    .collect(),
            )
        }
        "sort" | "sort_natural" => {
            let mut items = list(&input);
            let key = args.first().map(text);
            let natural = name == "sort_natural";
            let of = |v: &Value| match &key {
                Some(k) => property(v, k),
                None => v.clone(),
            };
            let mut failed = false;
            items.sort_by(|a, b| {
                let (a, b) = (of(a), of(b));
                match (&a, &b) {
                    (Value::Nil, Value::Nil) => std::cmp::Ordering::Equal,
                    (Value::Nil, _) => std::cmp::Ordering::Greater,
                    (_, Value::Nil) => std::cmp::Ordering::Less,
                    _ if natural => text(&a).to_lowercase().cmp(&text(&b).to_lowercase()),
                    _ => compare(&a, &b).unwrap_or_else(|| {
                        failed = true;
                        std::cmp::Ordering::Equal
                    }),
                }
            });
            if failed {
                return Err("comparison of values failed".into());
            }
            array(items)
        }
        "replace_last" | "remove_last" => {
            let input = text(&input);
            let find = text(&a0());
            let with = if name == "remove_last" {
                String::new()
            } else {
                text(&arg(args, 1))
            };
            match input.rfind(&find) {
                Some(at) => Value::str(&format!(
                    "{}{}{}",
                    &input[..at],
                    with,
                    &input[at + find.len()..]
                )),
                None => Value::str(&input),
            }
        }
        "slice" => {
            let offset = to_integer(&a0())?;
            let length = if args.len() > 1 {
                to_integer(&arg(args, 1))?
            } else {
                1
            };
            let slice = |len: i64| -> Option<(usize, usize)> {
                let start = if offset < 0 { len + offset } else { offset };
                if start < 0 || start > len || length < 0 {
                    return None;
                }
                Some((start as usize, (start + length).min(len) as usize))
            };
            match &input {
                Value::Array(a) => match slice(a.len() as i64) {
                    Some((s, e)) => array(a[s..e].to_vec()),
                    None => Value::Nil,
                },
                other => {
                    let chars: Vec<char> = text(other).chars().collect();
                    match slice(chars.len() as i64) {
                        Some((s, e)) => Value::str(&chars[s..e].iter().collect::<String>()),
                        None => Value::str(""),
                    }
                }
            }
        }
        "default" => {
            let allow_false = keywords
                .iter()
                .any(|(k, v)| k == "allow_false" && v.truthy());
            let fallback = if args.is_empty() {
                Value::str("")
            } else {
                a0()
            };
            let absent = if allow_false {
                matches!(input, Value::Nil)
            } else {
                !input.truthy()
            };
            if absent || input.empty() == Some(true) {
                fallback
            } else {
                input
            }
        }
        "plus" => arith(to_number(&input), to_number(&a0()), Arith::Add),
        "minus" => arith(to_number(&input), to_number(&a0()), Arith::Sub),
        "times" => arith(to_number(&input), to_number(&a0()), Arith::Mul),
        "divided_by" | "modulo" => {
            let (x, y) = (to_number(&input), to_number(&a0()));
            let modulo = name == "modulo";
            match (x, y) {
                (_, Num::Int(0)) => return Err("divided by 0".into()),
                (Num::Int(a), Num::Int(b)) => Value::Int(if modulo {
                    ruby_modulo(a, b)
                } else {
                    ruby_floor_div(a, b)
                }),
                _ if y.f64() == 0.0 => return Err("divided by 0".into()),
                _ => {
                    let (a, b) = (x.f64(), y.f64());
                    Value::Float(if modulo {
                        a - b * (a / b).floor()
                    } else {
                        a / b
                    })
                }
            }
        }
        "abs" => match to_number(&input) {
            Num::Int(i) => Value::Int(i.abs()),
            n => Value::Float(n.f64().abs()),
        },
        "ceil" => Value::Int(to_number(&input).f64().ceil() as i64),
        "floor" => Value::Int(to_number(&input).f64().floor() as i64),
        "round" => {
            let places = if args.is_empty() {
                0
            } else {
                to_integer(&a0()).unwrap_or(0)
            };
            match to_number(&input) {
                Num::Int(i) if places >= 0 => Value::Int(i),
                n => {
                    let factor = 10f64.powi(places as i32);
                    let rounded = (n.f64() * factor).round() / factor;
                    if places == 0 {
                        Value::Int(rounded as i64)
                    } else {
                        Value::Float(rounded)
                    }
                }
            }
        }
        "at_least" | "at_most" => {
            let (x, y) = (to_number(&input), to_number(&a0()));
            let pick_y = if name == "at_least" {
                y.f64() > x.f64()
            } else {
                y.f64() < x.f64()
            };
            if pick_y { y.value() } else { x.value() }
        }
        "date" => return Ok(date(input, args)),
        "base64_encode" | "base64_url_safe_encode" => {
            Value::str(&base64(text(&input).as_bytes(), name != "base64_encode"))
        }
        "base64_decode" | "base64_url_safe_decode" => {
            match unbase64(&text(&input), name != "base64_decode") {
                Some(bytes) => Value::str(&String::from_utf8_lossy(&bytes)),
                None => return Err("invalid base64 provided to base64_decode".into()),
            }
        }
        other => return Err(format!("undefined filter {other}")),
    })
}

/// `date`: a time (an epoch number, `now`, an ISO 8601 text) formatted with
/// strftime; what cannot be read as a time prints as it is.
fn date(input: Value, args: &[Value]) -> Value {
    let format = match args.first() {
        Some(f) if !text(f).is_empty() => text(f),
        _ => return input,
    };
    let utc = |t: jiff::Timestamp| jiff::tz::Offset::UTC.to_datetime(t);
    let parsed: Option<jiff::civil::DateTime> = match &input {
        Value::Int(n) => jiff::Timestamp::from_second(*n).ok().map(utc),
        Value::Str(s) => {
            let s = s.trim();
            if s.is_empty() {
                None
            } else if s.bytes().all(|b| b.is_ascii_digit()) {
                s.parse::<i64>()
                    .ok()
                    .and_then(|n| jiff::Timestamp::from_second(n).ok())
                    .map(utc)
            } else if s.eq_ignore_ascii_case("now") || s.eq_ignore_ascii_case("today") {
                Some(utc(jiff::Timestamp::now()))
            } else {
                crate::template::render::parse_instant(s).map(utc)
            }
        }
        _ => None,
    };
    match parsed {
        Some(time) => match jiff::fmt::strtime::format(format.as_str(), time) {
            Ok(s) => Value::str(&s),
            Err(_) => input,
        },
        None => input,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str, input: Value, args: &[Value]) -> String {
        apply(name, input, args, &[]).unwrap().to_text()
    }

    #[test]
    fn decimals_add_exactly_as_big_decimal_does() {
        assert_eq!(f("plus", Value::Float(0.1), &[Value::Float(0.2)]), "0.3");
        assert_eq!(f("plus", Value::Int(1), &[Value::Int(2)]), "3");
        assert_eq!(f("times", Value::str("1.5"), &[Value::Int(2)]), "3.0");
        assert_eq!(f("minus", Value::str("abc"), &[Value::Int(2)]), "-2");
    }

    #[test]
    fn integer_division_floors() {
        assert_eq!(f("divided_by", Value::Int(-7), &[Value::Int(2)]), "-4");
        assert_eq!(f("divided_by", Value::Int(7), &[Value::Int(2)]), "3");
        assert_eq!(f("modulo", Value::Int(-7), &[Value::Int(3)]), "2");
        assert_eq!(
            apply("divided_by", Value::Int(1), &[Value::Int(0)], &[]).unwrap_err(),
            "divided by 0"
        );
    }

    #[test]
    fn default_passes_over_spaces_and_zero() {
        let x = || [Value::str("x")];
        assert_eq!(f("default", Value::Nil, &x()), "x");
        assert_eq!(f("default", Value::str(""), &x()), "x");
        assert_eq!(f("default", Value::str(" "), &x()), " ");
        assert_eq!(f("default", Value::Int(0), &x()), "0");
        assert_eq!(f("default", Value::Bool(false), &x()), "x");
    }

    #[test]
    fn text_filters() {
        assert_eq!(
            f("capitalize", Value::str("hELLO world"), &[]),
            "Hello world"
        );
        assert_eq!(
            f("truncate", Value::str("Ground control"), &[Value::Int(8)]),
            "Groun..."
        );
        assert_eq!(f("url_encode", Value::str("a b&c"), &[]), "a+b%26c");
        assert_eq!(
            f("escape_once", Value::str("1 &lt; 2 & 3"), &[]),
            "1 &lt; 2 &amp; 3"
        );
        assert_eq!(
            f("base64_encode", Value::str("one two"), &[]),
            "b25lIHR3bw=="
        );
    }
}
