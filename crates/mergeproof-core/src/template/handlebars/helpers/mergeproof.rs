//! The `mergeproof` dialect's own helpers. Handlebars itself brings `if`,
//! `unless`, `each`, `with`, `lookup` and the comparisons `eq ne gt gte lt lte
//! and or not`; mergeproof adds formatting helpers an email team expects.

use handlebars::Handlebars;
use serde_json::Value;

use super::Simple;

/// The helpers this module adds to the crate's (`eq`, `and`… are the
/// crate's own).
const OWN: &[&str] = &["default", "currency", "upper", "lower", "title", "date"];

pub(super) fn register(registry: &mut Handlebars<'static>) {
    for name in OWN {
        register_named(registry, name);
    }
}

/// One of mergeproof's own helpers, by name, for a project that borrows it
/// (`like: mergeproof`); the crate's helpers are kept instead of registered.
pub(super) fn register_named(registry: &mut Handlebars<'static>, name: &str) {
    let helper: fn(&[&Value]) -> Value = match name {
        "default" => default_value,
        "currency" => currency,
        "upper" => |p| map_text(p, |s| s.to_uppercase()),
        "lower" => |p| map_text(p, |s| s.to_lowercase()),
        "title" => |p| map_text(p, title_case),
        "date" => date,
        _ => return,
    };
    registry.register_helper(name, Box::new(Simple(helper)));
}

/// Blank as `default` sees it: the same as the checks (`audience::is_blank`).
fn blank(v: &Value) -> bool {
    crate::audience::is_blank(Some(v))
}

/// `{{default first_name "there"}}`: the first argument that is not blank.
fn default_value(params: &[&Value]) -> Value {
    params
        .iter()
        .find(|v| !blank(v))
        .or(params.last())
        .map(|v| (*v).clone())
        .unwrap_or(Value::Null)
}

pub(super) fn map_text(params: &[&Value], f: fn(&str) -> String) -> Value {
    match params.first() {
        Some(Value::String(s)) => Value::String(f(s)),
        Some(Value::Null) | None => Value::Null,
        Some(other) => Value::String(f(&other.to_string())),
    }
}

pub(super) fn title_case(s: &str) -> String {
    crate::template::render::title_case(s)
}

/// `{{currency account.balance account.currency}}` → `$1,234.50`. A missing
/// amount prints nothing, so the checks still see it missing.
fn currency(params: &[&Value]) -> Value {
    let amount = match params.first() {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(f) => Some(f),
            Err(_) => return Value::String(s.clone()),
        },
        _ => None,
    };
    let Some(amount) = amount.filter(|a| a.is_finite()) else {
        return Value::Null;
    };
    let code = params
        .get(1)
        .and_then(|v| v.as_str())
        .unwrap_or("USD")
        .trim()
        .to_uppercase();
    let (symbol, decimals) = match code.as_str() {
        "USD" | "CAD" | "AUD" | "NZD" => ("$", 2),
        "EUR" => ("€", 2),
        "GBP" => ("£", 2),
        "JPY" => ("¥", 0),
        "INR" => ("₹", 2),
        _ => ("", 2),
    };
    let sign = if amount < 0.0 { "-" } else { "" };
    let number =
        crate::template::render::group_thousands(&format!("{:.*}", decimals, amount.abs()));
    Value::String(if symbol.is_empty() {
        format!("{sign}{number} {code}")
    } else {
        format!("{sign}{symbol}{number}")
    })
}

/// `{{date renewal_date}}` → `March 4, 2027`; `{{date d "short"}}` → `Mar 4`;
/// `{{date d "iso"}}` → `2027-03-04`. Text that is not an ISO date prints as is.
fn date(params: &[&Value]) -> Value {
    let text = match params.first() {
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Null) | None => return Value::Null,
        Some(other) => return Value::String(other.to_string()),
    };
    let Some(date) = text
        .get(..10)
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    else {
        return Value::String(text);
    };
    let style = params.get(1).and_then(|v| v.as_str()).unwrap_or("long");
    Value::String(match style {
        "short" => date.strftime("%b %-d").to_string(),
        "iso" => date.to_string(),
        _ => date.strftime("%B %-d, %Y").to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn default_skips_blank_values() {
        assert_eq!(
            default_value(&[&json!("Loren"), &json!("there")]),
            json!("Loren")
        );
        assert_eq!(
            default_value(&[&json!("  "), &json!("there")]),
            json!("there")
        );
        assert_eq!(
            default_value(&[&Value::Null, &json!("there")]),
            json!("there")
        );
        assert_eq!(default_value(&[&json!(0), &json!("x")]), json!(0));
        assert_eq!(
            default_value(&[&json!("null"), &json!("there")]),
            json!("there")
        );
    }

    #[test]
    fn currency_formats_amounts() {
        assert_eq!(currency(&[&json!(1234.5)]), json!("$1,234.50"));
        assert_eq!(currency(&[&json!(0)]), json!("$0.00"));
        assert_eq!(currency(&[&json!(-5), &json!("EUR")]), json!("-€5.00"));
        assert_eq!(
            currency(&[&json!(1000000), &json!("JPY")]),
            json!("¥1,000,000")
        );
        assert_eq!(currency(&[&json!(12), &json!("CHF")]), json!("12.00 CHF"));
        assert_eq!(currency(&[&Value::Null]), Value::Null);
    }

    #[test]
    fn text_helpers() {
        assert_eq!(
            map_text(&[&json!("zoë")], |s| s.to_uppercase()),
            json!("ZOË")
        );
        assert_eq!(title_case("mary-jane o'neil"), "Mary-Jane O'neil");
        assert_eq!(date(&[&json!("2027-03-04")]), json!("March 4, 2027"));
        assert_eq!(
            date(&[&json!("2027-03-04"), &json!("short")]),
            json!("Mar 4")
        );
        assert_eq!(date(&[&json!("soon")]), json!("soon"));
        // Not a day of the calendar: printed as written, never "February 30".
        assert_eq!(date(&[&json!("2027-02-30")]), json!("2027-02-30"));
        assert_eq!(
            date(&[&json!("2028-02-29T10:00:00Z")]),
            json!("February 29, 2028")
        );
    }
}
