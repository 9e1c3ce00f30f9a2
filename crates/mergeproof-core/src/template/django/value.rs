//! Values as Django holds them: Python's `None`, `bool`, `int`, `float`,
//! `str`, `list` and `dict`, read from the profile's JSON, printed,
//! compared and tested for truth as Python does.

use std::cmp::Ordering;

use serde_json::Value as Json;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Py {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    List(Vec<Py>),
    Dict(Vec<(String, Py)>),
}

impl Py {
    pub(crate) fn of(json: &Json) -> Py {
        match json {
            Json::Null => Py::None,
            Json::Bool(b) => Py::Bool(*b),
            Json::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => Py::Int(i.into()),
                (_, Some(u)) => Py::Int(u.into()),
                _ => Py::Float(n.as_f64().unwrap_or(0.0)),
            },
            Json::String(s) => Py::Str(s.clone()),
            Json::Array(items) => Py::List(items.iter().map(Py::of).collect()),
            Json::Object(map) => {
                Py::Dict(map.iter().map(|(k, v)| (k.clone(), Py::of(v))).collect())
            }
        }
    }

    /// Python's truth: `None`, `False`, zero, `""`, `[]` and `{}` are false.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Py::None => false,
            Py::Bool(b) => *b,
            Py::Int(i) => *i != 0,
            Py::Float(f) => *f != 0.0,
            Py::Str(s) => !s.is_empty(),
            Py::List(l) => !l.is_empty(),
            Py::Dict(d) => !d.is_empty(),
        }
    }

    /// As a number, where Python compares it as one (a bool is an int).
    fn number(&self) -> Option<f64> {
        match self {
            Py::Bool(b) => Some(f64::from(u8::from(*b))),
            Py::Int(i) => Some(*i as f64),
            Py::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// `==`.
    pub(crate) fn equals(&self, other: &Py) -> bool {
        match (self, other) {
            (Py::Int(a), Py::Int(b)) => a == b,
            (Py::None, Py::None) => true,
            (Py::Str(a), Py::Str(b)) => a == b,
            (Py::List(a), Py::List(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.equals(y))
            }
            (Py::Dict(a), Py::Dict(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v.equals(v2)))
            }
            _ => match (self.number(), other.number()) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            },
        }
    }

    /// `<` and the rest; `None` where Python raises `TypeError` (Django's
    /// `{% if %}` then takes the comparison as false).
    pub(crate) fn compare(&self, other: &Py) -> Option<Ordering> {
        match (self, other) {
            (Py::Int(a), Py::Int(b)) => Some(a.cmp(b)),
            (Py::Str(a), Py::Str(b)) => Some(a.cmp(b)),
            (Py::List(a), Py::List(b)) => {
                for (x, y) in a.iter().zip(b) {
                    if !x.equals(y) {
                        return x.compare(y);
                    }
                }
                Some(a.len().cmp(&b.len()))
            }
            _ => self.number()?.partial_cmp(&other.number()?),
        }
    }

    /// `needle in self`; `None` where Python raises.
    pub(crate) fn contains(&self, needle: &Py) -> Option<bool> {
        match (self, needle) {
            (Py::Str(hay), Py::Str(n)) => Some(hay.contains(n.as_str())),
            (Py::Str(_), _) => None,
            (Py::List(items), n) => Some(items.iter().any(|i| i.equals(n))),
            (Py::Dict(_), Py::List(_) | Py::Dict(_)) => None,
            (Py::Dict(map), Py::Str(k)) => Some(map.iter().any(|(key, _)| key == k)),
            (Py::Dict(_), _) => Some(false),
            _ => None,
        }
    }

    /// `str(value)`, as a filter that takes text reads it.
    pub(crate) fn str(&self) -> String {
        match self {
            Py::Str(s) => s.clone(),
            other => other.repr(),
        }
    }

    /// `repr(value)`: how Python writes a value inside a list or a dict.
    pub(crate) fn repr(&self) -> String {
        match self {
            Py::None => "None".into(),
            Py::Bool(true) => "True".into(),
            Py::Bool(false) => "False".into(),
            Py::Int(i) => i.to_string(),
            Py::Float(f) => float_repr(*f),
            Py::Str(s) => str_repr(s),
            Py::List(items) => {
                let inner: Vec<String> = items.iter().map(Py::repr).collect();
                format!("[{}]", inner.join(", "))
            }
            Py::Dict(map) => {
                let inner: Vec<String> = map
                    .iter()
                    .map(|(k, v)| format!("{}: {}", str_repr(k), v.repr()))
                    .collect();
                format!("{{{}}}", inner.join(", "))
            }
        }
    }

    /// What `{{ value }}` prints before escaping: Django localizes numbers
    /// (a float Python would write with an exponent is written out in full).
    pub(crate) fn printed(&self) -> String {
        match self {
            Py::Float(f) => float_positional(*f),
            other => other.str(),
        }
    }

    /// The number a text or number holds, as Python's `float()` reads it.
    pub(crate) fn to_float(&self) -> Option<f64> {
        match self {
            Py::Str(s) => s.trim().replace('_', "").parse::<f64>().ok(),
            other => other.number(),
        }
    }
}

/// The shortest digits that read back as `f` and the exponent of the
/// first: `(digits, exponent)`, `1.5e20` → `("15", 20)`.
fn shortest_digits(f: f64) -> (String, i32) {
    let scientific = format!("{:e}", f.abs());
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exponent.parse().unwrap_or(0))
}

/// `digits` (a first digit at 10^`exponent`) written out with a point.
fn positional(digits: &str, exponent: i32, negative: bool) -> String {
    let sign = if negative { "-" } else { "" };
    if exponent < 0 {
        let zeros = "0".repeat((-exponent - 1) as usize);
        format!("{sign}0.{zeros}{digits}")
    } else {
        let int_len = exponent as usize + 1;
        if digits.len() <= int_len {
            format!("{sign}{digits}{}.0", "0".repeat(int_len - digits.len()))
        } else {
            format!("{sign}{}.{}", &digits[..int_len], &digits[int_len..])
        }
    }
}

/// Python's `repr(float)`: positional from 1e-4 up to 1e16, else with an
/// exponent (`1e+16`, `1.5e-05`).
pub(crate) fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    let (digits, exponent) = shortest_digits(f);
    let negative = f.is_sign_negative();
    if (-4..16).contains(&exponent) {
        positional(&digits, exponent, negative)
    } else {
        let sign = if negative { "-" } else { "" };
        let mantissa = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits.clone()
        };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.abs())
    }
}

/// A float as Django prints it: Python's repr, written out in full where
/// the repr has an exponent (Django's `numberformat` reads it as a
/// `Decimal`), so `1e-07` prints `0.0000001` and `1e+16` prints
/// `10000000000000000`.
pub(crate) fn float_positional(f: f64) -> String {
    let repr = float_repr(f);
    if !repr.contains('e') {
        return repr;
    }
    let (digits, exponent) = shortest_digits(f);
    let written = positional(&digits, exponent, f.is_sign_negative());
    // A Decimal written from `1e+16` has no fraction to print.
    match written.strip_suffix(".0") {
        Some(whole) if exponent >= 0 => whole.to_string(),
        _ => written,
    }
}

/// Python's `repr(str)`: single quotes unless the text holds one and no
/// double quote.
pub(crate) fn str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Django's `escape`: `& < > " '`, the apostrophe as `&#x27;`.
pub(crate) fn escape(s: &str, out: &mut String) {
    crate::template::html::escape_into(s, "&#x27;", out);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_python_and_django_print_them() {
        assert_eq!(float_repr(10.0), "10.0");
        assert_eq!(float_repr(1e16), "1e+16");
        assert_eq!(float_repr(1.5e-5), "1.5e-05");
        assert_eq!(float_repr(0.0001), "0.0001");
        assert_eq!(float_repr(-0.0), "-0.0");
        assert_eq!(float_positional(1e-7), "0.0000001");
        assert_eq!(float_positional(1.5e20), "150000000000000000000");
        assert_eq!(float_positional(12345678.9), "12345678.9");
    }

    #[test]
    fn lists_print_as_python_writes_them() {
        let v = Py::of(&serde_json::json!([1, "a'", {"k": null}, 2.5, true]));
        assert_eq!(v.repr(), "[1, \"a'\", {'k': None}, 2.5, True]");
    }

    #[test]
    fn truth_and_comparison_follow_python() {
        assert!(!Py::Int(0).truthy() && Py::Str(" ".into()).truthy());
        assert!(Py::Int(1).equals(&Py::Float(1.0)) && Py::Bool(true).equals(&Py::Int(1)));
        assert_eq!(Py::Int(1).compare(&Py::Str("a".into())), None);
        assert_eq!(Py::Str("cat".into()).contains(&Py::Int(1)), None);
    }
}
