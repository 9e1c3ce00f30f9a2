//! Numbers as Ruby Liquid computes with them: Integers with Ruby's floored
//! division and modulo, and what `Utils.to_number` makes a BigDecimal of (a
//! Float, a decimal text) computed exactly, so that `0.1 | plus: 0.2` is
//! `0.3` as it is there.

use super::value::Value;

/// A number as Ruby Liquid computes with it: an Integer, or a BigDecimal
/// (what `Utils.to_number` makes of a Float or a decimal text), held as a
/// mantissa and a count of decimal places so that `0.1 | plus: 0.2` is
/// `0.3`, as it is there.
#[derive(Clone, Copy, Debug)]
pub(super) enum Num {
    Int(i64),
    Dec(i128, u32),
}

pub(super) fn decimal_of(text: &str) -> Option<Num> {
    let text = text.trim();
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let negative = int.starts_with('-');
    let digits = format!("{}{}", int.trim_start_matches('-'), frac);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 36 {
        return None;
    }
    let m: i128 = digits.parse().ok()?;
    Some(Num::Dec(if negative { -m } else { m }, frac.len() as u32))
}

pub(super) fn to_number(v: &Value) -> Num {
    match v {
        Value::Int(i) => Num::Int(*i),
        Value::Float(f) => {
            let text = format!("{f}");
            decimal_of(&text).unwrap_or(Num::Int(*f as i64))
        }
        Value::Str(s) => {
            let t = s.trim();
            let is_decimal = {
                let body = t.strip_prefix('-').unwrap_or(t);
                body.split_once('.').is_some_and(|(a, b)| {
                    !a.is_empty()
                        && !b.is_empty()
                        && a.bytes().all(|c| c.is_ascii_digit())
                        && b.bytes().all(|c| c.is_ascii_digit())
                })
            };
            if is_decimal {
                decimal_of(t).unwrap_or(Num::Int(0))
            } else {
                Num::Int(ruby_to_i(s))
            }
        }
        _ => Num::Int(0),
    }
}

/// Ruby's `String#to_i`: the leading integer, 0 if none.
pub(super) fn ruby_to_i(s: &str) -> i64 {
    let t = s.trim_start();
    let (sign, body) = match t.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let digits: String = body
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '_')
        .filter(|c| *c != '_')
        .collect();
    digits.parse::<i64>().map(|n| sign * n).unwrap_or(0)
}

impl Num {
    pub(super) fn f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Dec(m, s) => decimal_text(m, s).parse().unwrap_or(0.0),
        }
    }

    pub(super) fn value(self) -> Value {
        match self {
            Num::Int(i) => Value::Int(i),
            Num::Dec(..) => Value::Float(self.f64()),
        }
    }

    pub(super) fn scaled(self, scale: u32) -> Option<i128> {
        match self {
            Num::Int(i) => (i as i128).checked_mul(10i128.checked_pow(scale)?),
            Num::Dec(m, s) => m.checked_mul(10i128.checked_pow(scale.checked_sub(s)?)?),
        }
    }

    pub(super) fn scale(self) -> u32 {
        match self {
            Num::Int(_) => 0,
            Num::Dec(_, s) => s,
        }
    }
}

pub(super) fn decimal_text(m: i128, scale: u32) -> String {
    let digits = m.unsigned_abs().to_string();
    let scale = scale as usize;
    let padded = if digits.len() <= scale {
        format!("{}{}", "0".repeat(scale - digits.len() + 1), digits)
    } else {
        digits
    };
    let (int, frac) = padded.split_at(padded.len() - scale);
    let sign = if m < 0 { "-" } else { "" };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

#[derive(Clone, Copy)]
pub(super) enum Arith {
    Add,
    Sub,
    Mul,
}

pub(super) fn arith(a: Num, b: Num, op: Arith) -> Value {
    if let (Num::Int(x), Num::Int(y)) = (a, b) {
        let r = match op {
            Arith::Add => x.checked_add(y),
            Arith::Sub => x.checked_sub(y),
            Arith::Mul => x.checked_mul(y),
        };
        return match r {
            Some(r) => Value::Int(r),
            None => Value::Float(match op {
                Arith::Add => x as f64 + y as f64,
                Arith::Sub => x as f64 - y as f64,
                Arith::Mul => x as f64 * y as f64,
            }),
        };
    }
    let exact = (|| {
        let (m, s) = match op {
            Arith::Add | Arith::Sub => {
                let s = a.scale().max(b.scale());
                let (x, y) = (a.scaled(s)?, b.scaled(s)?);
                let m = if matches!(op, Arith::Add) {
                    x.checked_add(y)?
                } else {
                    x.checked_sub(y)?
                };
                (m, s)
            }
            Arith::Mul => {
                let (x, y) = (a.scaled(a.scale())?, b.scaled(b.scale())?);
                (x.checked_mul(y)?, a.scale() + b.scale())
            }
        };
        Some(Num::Dec(m, s).value())
    })();
    exact.unwrap_or_else(|| {
        Value::Float(match op {
            Arith::Add => a.f64() + b.f64(),
            Arith::Sub => a.f64() - b.f64(),
            Arith::Mul => a.f64() * b.f64(),
        })
    })
}

/// Ruby's Integer `/`: floored.
pub(super) fn ruby_floor_div(a: i64, b: i64) -> i64 {
    let q = a.wrapping_div(b);
    if a.wrapping_rem(b) != 0 && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

/// Ruby's Integer `%`: the sign of the divisor.
pub(super) fn ruby_modulo(a: i64, b: i64) -> i64 {
    let r = a.wrapping_rem(b);
    if r != 0 && ((r < 0) != (b < 0)) {
        r + b
    } else {
        r
    }
}
