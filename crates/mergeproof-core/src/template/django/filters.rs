//! The filters Klaviyo's templates take: Django's built-ins that its
//! glossary lists, written as Django 5.2 writes them
//! (`django/template/defaultfilters.py`), and Klaviyo's own `lookup`,
//! `concat` and `append`, whose behaviour beyond the glossary's examples
//! is unverified (README "Dialects").
//! <https://developers.klaviyo.com/en/docs/glossary_of_variable_filters>

use super::value::{Py, escape};
use crate::dialect::Language;

/// A value with Django's mark of text that is not to be escaped again.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Val {
    pub py: Py,
    pub safe: bool,
}

impl Val {
    pub(crate) fn plain(py: Py) -> Val {
        Val { py, safe: false }
    }
    fn safe(py: Py) -> Val {
        Val { py, safe: true }
    }
}

/// Whether a filter takes an argument: always, never or when given.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arg {
    Required,
    None,
    Optional,
}

/// Every filter, with its argument.
const FILTERS: &[(&str, Arg)] = &[
    ("default", Arg::Required),
    ("default_if_none", Arg::Required),
    ("upper", Arg::None),
    ("lower", Arg::None),
    ("title", Arg::None),
    ("capfirst", Arg::None),
    ("length", Arg::None),
    ("first", Arg::None),
    ("last", Arg::None),
    ("join", Arg::Required),
    ("floatformat", Arg::Optional),
    ("add", Arg::Required),
    ("truncatechars", Arg::Required),
    ("truncatewords", Arg::Required),
    ("urlencode", Arg::Optional),
    ("cut", Arg::Required),
    ("yesno", Arg::Optional),
    ("pluralize", Arg::Optional),
    ("escape", Arg::None),
    ("safe", Arg::None),
    ("lookup", Arg::Required),
    ("concat", Arg::Required),
    ("append", Arg::Required),
];

/// The names, for messages.
pub(crate) fn names() -> Vec<&'static str> {
    FILTERS.iter().map(|(n, _)| *n).collect()
}

/// Why `name` with (or without) an argument does not load, if it does not.
pub(crate) fn check(name: &str, has_arg: bool) -> Result<(), String> {
    let Some((_, arg)) = FILTERS.iter().find(|(n, _)| *n == name) else {
        let known = names();
        let hint = match crate::template::filter_twin(Language::Django, name, &known) {
            Some(twin) => format!(": Klaviyo's is `{twin}` (`{name}` is Liquid's)"),
            None => crate::source::hint_suffix(name, &known),
        };
        return Err(format!(
            "`{name}` is not a filter Klaviyo's templates take{hint}"
        ));
    };
    match (arg, has_arg) {
        (Arg::Required, false) => Err(format!("`{name}` needs an argument: `|{name}:'…'`")),
        (Arg::None, true) => Err(format!("`{name}` takes no argument: write `|{name}`")),
        _ => Ok(()),
    }
}

/// Whether the filter's output has data escaped for HTML (or URL-encoded).
pub(crate) fn escapes(name: &str) -> bool {
    matches!(name, "escape" | "urlencode")
}

/// The filter is a fallback: it prints its argument where the value is
/// falsy (Django's `default`: `value or arg`).
pub(crate) fn is_fallback(name: &str) -> bool {
    name == "default"
}

/// Python's `int()` of a value, where it has one.
fn int_of(py: &Py) -> Option<i128> {
    match py {
        Py::Bool(b) => Some(i128::from(*b)),
        Py::Int(i) => Some(*i),
        Py::Float(f) if f.is_finite() => Some(f.trunc() as i128),
        Py::Str(s) => s.trim().replace('_', "").parse().ok(),
        _ => None,
    }
}

/// Python's `len()`, where it has one.
fn len_of(py: &Py) -> Option<usize> {
    match py {
        Py::Str(s) => Some(s.chars().count()),
        Py::List(l) => Some(l.len()),
        Py::Dict(d) => Some(d.len()),
        _ => None,
    }
}

/// `value[0]` or `value[-1]`: `""` for an empty text or list, an error
/// where Python raises one.
fn end_item(value: &Py, last: bool, name: &str) -> Result<Py, String> {
    match value {
        Py::Str(s) => Ok(Py::Str(
            if last {
                s.chars().last()
            } else {
                s.chars().next()
            }
            .map(String::from)
            .unwrap_or_default(),
        )),
        Py::List(l) => Ok(if last { l.last() } else { l.first() }
            .cloned()
            .unwrap_or(Py::Str(String::new()))),
        other => Err(format!("`{name}` of {}", other.repr())),
    }
}

/// Python's `str.title()` and Django's mends to it.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut previous_cased = false;
    for c in s.chars() {
        let cased = c.is_lowercase() || c.is_uppercase();
        if cased && !previous_cased {
            out.extend(c.to_uppercase());
        } else if cased {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        previous_cased = cased;
    }
    // Django lowers a letter after `a'` (`Don'T` → `Don't`) and after a
    // digit (`3Rd` → `3rd`).
    let chars: Vec<char> = out.chars().collect();
    let mut mended = String::with_capacity(out.len());
    for (i, c) in chars.iter().enumerate() {
        let after_apostrophe = i >= 2 && chars[i - 1] == '\'' && chars[i - 2].is_ascii_lowercase();
        let after_digit = i >= 1 && chars[i - 1].is_ascii_digit();
        if c.is_ascii_uppercase() && (after_apostrophe || after_digit) {
            mended.push(c.to_ascii_lowercase());
        } else {
            mended.push(*c);
        }
    }
    mended
}

/// Python's `urllib.parse.quote(text, safe)`.
fn quote(text: &str, safe: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || safe.as_bytes().contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(percent_encoding::percent_encode_byte(b));
        }
    }
    out
}

/// A number as Django's `floatformat` reads it: a decimal
/// (`negative`, `digits`, `exponent`) worth digits × 10^exponent.
struct Decimal {
    negative: bool,
    digits: Vec<u8>,
    exponent: i64,
}

impl Decimal {
    fn parse(text: &str) -> Option<Decimal> {
        let t = text.trim();
        let (negative, t) = match t.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, t.strip_prefix('+').unwrap_or(t)),
        };
        let (mantissa, exp) = match t.find(['e', 'E']) {
            Some(i) => (&t[..i], t[i + 1..].parse::<i64>().ok()?),
            None => (t, 0),
        };
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
            || exp.abs() > 400
        {
            return None;
        }
        let digits = int.bytes().chain(frac.bytes()).map(|b| b - b'0').collect();
        Some(Decimal {
            negative,
            digits,
            exponent: exp - frac.len() as i64,
        })
    }

    /// The digits before the point and after it (at least `places`).
    fn split(&self, places: usize) -> (Vec<u8>, Vec<u8>) {
        let point = self.digits.len() as i64 + self.exponent;
        let mut int = Vec::new();
        let mut frac = Vec::new();
        for i in point.min(0)..point.max(self.digits.len() as i64) {
            let d = usize::try_from(i)
                .ok()
                .and_then(|i| self.digits.get(i))
                .copied()
                .unwrap_or(0);
            if i < point {
                int.push(d);
            } else {
                frac.push(d);
            }
        }
        while frac.len() < places {
            frac.push(0);
        }
        (int, frac)
    }

    fn has_fraction(&self) -> bool {
        self.split(0).1.iter().any(|d| *d != 0)
    }

    /// Rounded half away from zero to `places` decimals, written out.
    fn rounded(&self, places: usize) -> String {
        let (mut int, mut frac) = self.split(places + 1);
        let round_up = frac[places] >= 5;
        frac.truncate(places);
        if round_up {
            let mut carry = true;
            for d in frac.iter_mut().rev().chain(int.iter_mut().rev()) {
                if !carry {
                    break;
                }
                *d += 1;
                carry = *d == 10;
                if carry {
                    *d = 0;
                }
            }
            if carry {
                int.insert(0, 1);
            }
        }
        let int: String = int.iter().map(|d| char::from(b'0' + d)).collect();
        let int = int.trim_start_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        let frac: String = frac.iter().map(|d| char::from(b'0' + d)).collect();
        let zero = int == "0" && frac.bytes().all(|b| b == b'0');
        let sign = if self.negative && !zero { "-" } else { "" };
        if places == 0 {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac}")
        }
    }
}

/// Django's `floatformat`.
fn floatformat(value: &Py, arg: Option<&Py>) -> Val {
    let mut group = false;
    let places = match arg {
        None => -1,
        Some(Py::Str(s)) => {
            let mut s = s.as_str();
            for suffix in ["gu", "ug", "g", "u"] {
                if let Some(rest) = s.strip_suffix(suffix) {
                    group = suffix.contains('g');
                    s = rest;
                    break;
                }
            }
            if s.is_empty() {
                -1
            } else {
                match s.trim().parse::<i64>() {
                    Ok(p) => p,
                    Err(_) => return Val::plain(Py::Str(value.str())),
                }
            }
        }
        Some(other) => match int_of(other) {
            Some(p) => p as i64,
            None => return Val::plain(Py::Str(value.str())),
        },
    };
    let input = value.str();
    let decimal = Decimal::parse(&input).or_else(|| {
        let f = match value {
            Py::Str(_) => None,
            other => other.to_float(),
        }?;
        Decimal::parse(&super::value::float_repr(f))
    });
    let Some(decimal) = decimal else {
        return Val::plain(Py::Str(String::new()));
    };
    // A whole number prints whole unless the places asked are positive.
    let text = if !decimal.has_fraction() && places <= 0 {
        decimal.rounded(0)
    } else {
        decimal.rounded(places.unsigned_abs().min(400) as usize)
    };
    Val::safe(Py::Str(if group {
        crate::template::render::group_thousands(&text)
    } else {
        text
    }))
}

/// Applies filter `name` to `value`; an error where Django raises one.
pub(crate) fn apply(
    name: &str,
    value: Val,
    arg: Option<Val>,
    autoescape: bool,
) -> Result<Val, String> {
    let arg_py = arg.as_ref().map(|a| &a.py);
    let text = || value.py.str();
    Ok(match name {
        "default" => {
            if value.py.truthy() {
                value
            } else {
                arg.unwrap_or(Val::plain(Py::Str(String::new())))
            }
        }
        "default_if_none" => {
            if value.py == Py::None {
                arg.unwrap_or(Val::plain(Py::Str(String::new())))
            } else {
                value
            }
        }
        "upper" => Val::plain(Py::Str(text().to_uppercase())),
        "lower" => Val {
            py: Py::Str(text().to_lowercase()),
            safe: value.safe,
        },
        "title" => Val {
            py: Py::Str(title(&text())),
            safe: value.safe,
        },
        "capfirst" => {
            let t = text();
            let mut chars = t.chars();
            let capped = match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect(),
                None => String::new(),
            };
            Val {
                py: Py::Str(capped),
                safe: value.safe,
            }
        }
        "length" => Val::plain(Py::Int(len_of(&value.py).unwrap_or(0) as i128)),
        "first" | "last" => Val::plain(end_item(&value.py, name == "last", name)?),
        "join" => {
            let separator = arg_py.map(Py::str).unwrap_or_default();
            let items: Vec<Val> = match &value.py {
                Py::List(items) => items.iter().cloned().map(Val::plain).collect(),
                Py::Str(s) => s
                    .chars()
                    .map(|c| Val {
                        py: Py::Str(c.to_string()),
                        safe: value.safe,
                    })
                    .collect(),
                Py::Dict(map) => map
                    .iter()
                    .map(|(k, _)| Val::plain(Py::Str(k.clone())))
                    .collect(),
                _ => return Ok(value),
            };
            if autoescape {
                let esc = |v: &Val| {
                    let mut out = String::new();
                    if v.safe {
                        out.push_str(&v.py.str());
                    } else {
                        escape(&v.py.str(), &mut out);
                    }
                    out
                };
                let sep = arg.as_ref().map(esc).unwrap_or_default();
                let joined: Vec<String> = items.iter().map(esc).collect();
                Val::safe(Py::Str(joined.join(&sep)))
            } else if items.iter().all(|i| matches!(i.py, Py::Str(_))) {
                let joined: Vec<String> = items.iter().map(|i| i.py.str()).collect();
                Val::safe(Py::Str(joined.join(&separator)))
            } else {
                value
            }
        }
        "floatformat" => floatformat(&value.py, arg_py),
        "add" => {
            let sum = match (int_of(&value.py), arg_py.and_then(int_of)) {
                (Some(a), Some(b)) => Some(Py::Int(a + b)),
                _ => match (&value.py, arg_py) {
                    (Py::Str(a), Some(Py::Str(b))) => Some(Py::Str(format!("{a}{b}"))),
                    (Py::List(a), Some(Py::List(b))) => {
                        Some(Py::List(a.iter().chain(b).cloned().collect()))
                    }
                    (Py::Float(a), Some(Py::Float(b))) => Some(Py::Float(a + b)),
                    _ => None,
                },
            };
            Val::plain(sum.unwrap_or(Py::Str(String::new())))
        }
        "truncatechars" => {
            let Some(length) = arg_py.and_then(int_of) else {
                return Ok(value);
            };
            let t = text();
            let cut = if length <= 0 {
                String::new()
            } else if t.chars().count() as i128 > length {
                let keep: String = t.chars().take(length as usize - 1).collect();
                format!("{keep}…")
            } else {
                t
            };
            Val {
                py: Py::Str(cut),
                safe: value.safe,
            }
        }
        "truncatewords" => {
            let Some(length) = arg_py.and_then(int_of) else {
                return Ok(value);
            };
            let t = text();
            let words: Vec<&str> = t.split_whitespace().collect();
            let cut = if length <= 0 {
                String::new()
            } else if words.len() as i128 > length {
                format!("{} …", words[..length as usize].join(" "))
            } else {
                words.join(" ")
            };
            Val {
                py: Py::Str(cut),
                safe: value.safe,
            }
        }
        "urlencode" => {
            let safe = arg_py.map_or_else(|| "/".to_string(), Py::str);
            Val::plain(Py::Str(quote(&text(), &safe)))
        }
        "cut" => {
            let Some(Py::Str(remove)) = arg_py else {
                return Err("`cut` takes a text".into());
            };
            Val {
                py: Py::Str(text().replace(remove.as_str(), "")),
                safe: value.safe && remove != ";",
            }
        }
        "yesno" => {
            let words = arg_py.map_or_else(|| "yes,no,maybe".to_string(), Py::str);
            let bits: Vec<&str> = words.split(',').collect();
            if bits.len() < 2 {
                return Ok(value);
            }
            let (yes, no, maybe) = match bits.as_slice() {
                [y, n, m] => (*y, *n, *m),
                _ => (bits[0], bits[1], bits[1]),
            };
            let chosen = if value.py == Py::None {
                maybe
            } else if value.py.truthy() {
                yes
            } else {
                no
            };
            Val::plain(Py::Str(chosen.to_string()))
        }
        "pluralize" => {
            let suffixes = arg_py.map_or_else(|| "s".to_string(), Py::str);
            let suffixes = if suffixes.contains(',') {
                suffixes
            } else {
                format!(",{suffixes}")
            };
            let bits: Vec<&str> = suffixes.split(',').collect();
            if bits.len() > 2 {
                return Ok(Val::plain(Py::Str(String::new())));
            }
            let one = match &value.py {
                Py::Str(_) => value.py.to_float().map(|f| f == 1.0),
                Py::List(_) | Py::Dict(_) => len_of(&value.py).map(|n| n == 1),
                Py::None => None,
                other => other.to_float().map(|f| f == 1.0),
            };
            let suffix = match (&value.py, one) {
                (_, Some(true)) => bits[0],
                (_, Some(false)) => bits[1],
                _ => "",
            };
            Val::plain(Py::Str(suffix.to_string()))
        }
        "escape" => {
            if value.safe {
                value
            } else {
                let mut out = String::new();
                escape(&text(), &mut out);
                Val::safe(Py::Str(out))
            }
        }
        "safe" => Val::safe(Py::Str(text())),
        "lookup" => {
            let found = match (&value.py, arg_py) {
                (Py::Dict(map), Some(key)) => {
                    let key = key.str();
                    map.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone())
                }
                (Py::List(items), Some(key)) => int_of(key)
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| items.get(i).cloned()),
                _ => None,
            };
            Val::plain(found.unwrap_or(Py::Str(String::new())))
        }
        "concat" | "append" => Val::plain(Py::Str(format!(
            "{}{}",
            text(),
            arg_py.map(Py::str).unwrap_or_default()
        ))),
        other => return Err(format!("unknown filter `{other}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_liquid_filter_is_told_by_its_klaviyo_name() {
        let upcase = check("upcase", false).unwrap_err();
        assert!(
            upcase.contains("Klaviyo's is `upper` (`upcase` is Liquid's)"),
            "{upcase}"
        );
        // By name, not by spelling: `size` is not `safe`.
        let size = check("size", false).unwrap_err();
        assert!(size.contains("Klaviyo's is `length`"), "{size}");
        // A typo is still a typo.
        let typo = check("uper", false).unwrap_err();
        assert!(typo.ends_with("did you mean `upper`?"), "{typo}");
    }

    fn run(name: &str, value: Py, arg: Option<Py>) -> String {
        apply(name, Val::plain(value), arg.map(Val::safe), true)
            .unwrap()
            .py
            .str()
    }

    #[test]
    fn floatformat_rounds_as_django() {
        let f = |v: Py, a: Option<Py>| run("floatformat", v, a);
        assert_eq!(f(Py::Float(34.23234), None), "34.2");
        assert_eq!(f(Py::Float(34.0), None), "34");
        assert_eq!(f(Py::Float(34.0), Some(Py::Int(2))), "34.00");
        assert_eq!(f(Py::Str("12.5".into()), Some(Py::Int(0))), "13");
        assert_eq!(f(Py::Float(1.005), Some(Py::Int(2))), "1.01");
        assert_eq!(f(Py::Float(-0.4), Some(Py::Int(0))), "0");
        assert_eq!(f(Py::Float(-0.4), Some(Py::Int(2))), "-0.40");
        assert_eq!(f(Py::Float(1234.5), Some(Py::Str("2g".into()))), "1,234.50");
        assert_eq!(f(Py::Str("abc".into()), None), "");
        assert_eq!(f(Py::None, None), "");
    }

    #[test]
    fn default_replaces_every_falsy_value() {
        let there = || Some(Py::Str("there".into()));
        assert_eq!(run("default", Py::Int(0), there()), "there");
        assert_eq!(run("default", Py::Str(" ".into()), there()), " ");
        assert_eq!(run("default_if_none", Py::Str(String::new()), there()), "");
        assert_eq!(run("default_if_none", Py::None, there()), "there");
    }

    #[test]
    fn text_filters_follow_python() {
        assert_eq!(
            title("o'neil mcdonald-smith 3rd x's"),
            "O'Neil Mcdonald-Smith 3rd X'S"
        );
        assert_eq!(title("don't"), "Don't");
        assert_eq!(
            run("urlencode", Py::Str("a b&c/é".into()), None),
            "a%20b%26c/%C3%A9"
        );
        assert_eq!(
            run(
                "truncatechars",
                Py::Str("hello world".into()),
                Some(Py::Int(5))
            ),
            "hell…"
        );
        assert_eq!(run("pluralize", Py::Str("x".into()), None), "");
        assert_eq!(
            run("pluralize", Py::Int(2), Some(Py::Str("y,ies".into()))),
            "ies"
        );
        assert!(check("defualt", true).unwrap_err().contains("default"));
        assert!(check("default", false).is_err());
    }
}
