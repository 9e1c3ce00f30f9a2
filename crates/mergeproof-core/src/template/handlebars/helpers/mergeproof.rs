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
    let written = params
        .get(1)
        .and_then(|v| v.as_str())
        .unwrap_or("USD")
        .trim();
    // Codes are mostly written in capitals already.
    let code: std::borrow::Cow<'_, str> = if written.bytes().all(|b| b.is_ascii_uppercase()) {
        written.into()
    } else {
        written.to_uppercase().into()
    };
    let (symbol, decimals) = match &*code {
        "USD" | "CAD" | "AUD" | "NZD" => ("$", 2),
        "EUR" => ("€", 2),
        "GBP" => ("£", 2),
        "JPY" => ("¥", 0),
        "INR" => ("₹", 2),
        _ => ("", 2),
    };
    let sign = if amount < 0.0 { "-" } else { "" };
    // The amount as the export wrote it, or a number's shortest digits.
    let shortest;
    let amount_text = match params.first() {
        Some(Value::String(s)) => Some(s.trim()),
        Some(Value::Number(n)) => {
            shortest = n.to_string();
            Some(shortest.as_str())
        }
        _ => None,
    };
    let fixed = match amount_text.filter(|_| decimals == 2).and_then(as_cents) {
        Some(cents) => cents,
        None => format!("{:.*}", decimals, amount.abs()).into(),
    };
    let number = crate::template::render::group_thousands(&fixed);
    // `{sign}{symbol}{number}`, or `{sign}{number} {code}`, without the
    // formatting machinery: a customer's every balance passes here.
    let mut shown =
        String::with_capacity(sign.len() + symbol.len() + number.len() + code.len() + 1);
    shown.push_str(sign);
    shown.push_str(symbol);
    shown.push_str(&number);
    if symbol.is_empty() {
        shown.push(' ');
        shown.push_str(&code);
    }
    Value::String(shown)
}

/// `text`, an amount written with at most two decimals and fifteen digits
/// (its sign left out), as `format!("{:.2}")` prints the number it parses
/// to without its sign: the same digits with the cents filled in (a
/// double keeps fifteen significant digits, so the number is within a
/// thousandth of what is written). `None` for any other text (a leading
/// zero, an exponent, more decimals), which is parsed and printed.
/// Exports mostly write balances so, and printing a float to two decimals
/// costs more than the rest of the helper.
fn as_cents(text: &str) -> Option<std::borrow::Cow<'_, str>> {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let (whole, cents) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let plain = !whole.is_empty()
        && whole.len() <= 13
        && cents.len() <= 2
        && digits(whole)
        && digits(cents)
        && (!whole.starts_with('0') || whole.len() == 1);
    if !plain {
        return None;
    }
    Some(if cents.len() == 2 {
        unsigned.into()
    } else {
        format!("{whole}.{cents:0<2}").into()
    })
}

/// `{{date renewal_date}}` → `March 4, 2027`; `{{date d "short"}}` → `Mar 4`;
/// `{{date d "iso"}}` → `2027-03-04`. Text that is not an ISO date prints as is.
fn date(params: &[&Value]) -> Value {
    let text = match params.first() {
        Some(Value::String(s)) => s.trim(),
        Some(Value::Null) | None => return Value::Null,
        Some(other) => return Value::String(other.to_string()),
    };
    let style = params.get(1).and_then(|v| v.as_str()).unwrap_or("long");
    match text.get(..10).and_then(|day| written_plainly(day, style)) {
        Some(written) => Value::String(written),
        None => by_calendar(text, style),
    }
}

/// `text` (trimmed) in `style`, read and written with the calendar; as it
/// is when it does not start with a day of the calendar.
fn by_calendar(text: &str, style: &str) -> Value {
    let Some(date) = text
        .get(..10)
        .and_then(|d| d.parse::<jiff::civil::Date>().ok())
    else {
        return Value::String(text.to_string());
    };
    Value::String(match style {
        "short" => date.strftime("%b %-d").to_string(),
        "iso" => date.to_string(),
        _ => date.strftime("%B %-d, %Y").to_string(),
    })
}

/// The months as the calendar's `%B` writes them (`%b` is their first three
/// letters).
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// `day`, written `YYYY-MM-DD` with a year from 1000, in `style`, as the
/// calendar writes it; `None` for any other text and for a day the
/// calendar does not have (then the calendar's parser decides). Exports
/// mostly write dates so, and parsing and formatting with the calendar
/// costs more than the rest of a customer's outputs.
fn written_plainly(day: &str, style: &str) -> Option<String> {
    let b = day.as_bytes();
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day_of_month) = (number(&b[..4])?, number(&b[5..7])?, number(&b[8..])?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    if year < 1000 || day_of_month == 0 || day_of_month > days {
        return None;
    }
    let name = MONTHS[month as usize - 1];
    if style == "iso" {
        return Some(day.to_string());
    }
    // `{month} {day}` or `{month} {day}, {year}`, written without the
    // formatting machinery: the day without its leading zero.
    let mut written = String::with_capacity(18);
    written.push_str(if style == "short" { &name[..3] } else { name });
    written.push(' ');
    let day_digits = &day[8..];
    written.push_str(day_digits.strip_prefix('0').unwrap_or(day_digits));
    if style != "short" {
        written.push_str(", ");
        written.push_str(&day[..4]);
    }
    Some(written)
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

    /// Amounts as exports write them (text with cents, or not; numbers),
    /// and codes in any case: what parsing and printing every amount
    /// printed, before amounts with cents were taken as written.
    #[test]
    fn amounts_and_codes_print_as_parsed_and_printed() {
        let cases = [
            (json!("198.42"), "USD", json!("$198.42")),
            (json!(" 1234.50 "), "usd", json!("$1,234.50")),
            (json!("-0.00"), "USD", json!("$0.00")),
            (json!("-3.10"), "EUR", json!("-€3.10")),
            (json!("007.50"), "Gbp", json!("£7.50")),
            (json!("1.005"), "USD", json!("$1.00")),
            (json!("12."), "u\u{17f}d", json!("$12.00")),
            (
                json!("9999999999999.99"),
                " eur ",
                json!("€9,999,999,999,999.99"),
            ),
            (json!("12.3456"), "CHF", json!("12.35 CHF")),
            (json!("1e3"), "JPY", json!("¥1,000")),
            (json!("+4.00"), "USD", json!("$4.00")),
            (json!("inf"), "USD", Value::Null),
            (json!("5."), "", json!("5.00 ")),
            (json!(7.5), "USD", json!("$7.50")),
            (json!(-0.0), "USD", json!("$0.00")),
            (json!(1234567.891), "INR", json!("₹1,234,567.89")),
            (json!(29), "JPY", json!("¥29")),
            (json!(0.1), "XYZ", json!("0.10 XYZ")),
        ];
        for (amount, code, printed) in cases {
            assert_eq!(
                currency(&[&amount, &json!(code)]),
                printed,
                "{amount} {code}"
            );
        }
    }

    proptest::proptest! {
        /// An amount taken as written is what printing the number it
        /// parses to with two decimals gives.
        #[test]
        fn amounts_taken_as_written_print_as_parsed(text in "[-+ ]?[0-9]{0,16}([.][0-9]{0,4})?") {
            let text = text.trim();
            if let Some(cents) = as_cents(text) {
                let parsed: f64 = text.parse().expect("taken as written, so a number");
                proptest::prop_assert_eq!(cents, format!("{:.2}", parsed.abs()));
            }
        }

        /// So are a number's shortest digits: decimals as a CSV export's
        /// are read, whole numbers, and any float.
        #[test]
        fn numbers_taken_as_written_print_as_parsed(
            cents in -20_000_000_000i64..20_000_000_000,
            scale in 0u32..6,
            float in proptest::num::f64::ANY,
        ) {
            let decimal = cents as f64 / 10f64.powi(scale as i32);
            for number in [json!(decimal), json!(cents), json!(float)] {
                let Value::Number(n) = &number else { continue };
                if let Some(taken) = as_cents(&n.to_string()) {
                    let printed = format!("{:.2}", n.as_f64().unwrap_or_default().abs());
                    proptest::prop_assert_eq!(taken, printed, "{}", number);
                }
            }
        }
    }

    proptest::proptest! {
        /// A day written plainly prints as the calendar reads and writes it.
        #[test]
        fn any_day_prints_as_the_calendar_prints_it(
            day in "[0-9]{4}-[0-9]{2}-[0-9]{2}|(1[0-9]|20|09|00)[0-9]{2}-(0[0-9]|1[0-3])-([0-3][0-9])(T10:00:00Z)?",
            style in proptest::sample::select(vec!["long", "short", "iso", "%B %-d"]),
        ) {
            proptest::prop_assert_eq!(date(&[&json!(day), &json!(style)]), by_calendar(&day, style));
        }
    }

    #[test]
    fn days_of_leap_years_print_as_the_calendar_prints_them() {
        for day in [
            "2028-02-29",
            "2027-02-29",
            "1900-02-29",
            "2000-02-29",
            "2027-04-31",
            "2027-12-31",
            "2027-00-10",
            "2027-13-01",
            "0999-01-01",
            "1000-01-01",
        ] {
            for style in ["long", "short", "iso"] {
                assert_eq!(
                    date(&[&json!(day), &json!(style)]),
                    by_calendar(day, style),
                    "{day} {style}"
                );
            }
        }
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
