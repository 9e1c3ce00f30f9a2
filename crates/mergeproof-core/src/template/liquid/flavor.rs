//! What each platform adds to Liquid: its own filters and tags, and how it
//! treats a variable the person lacks. Shopify's notification filters,
//! Braze's and Customer.io's are computed here as stand-ins for the
//! platforms' code (which is not here to run): money and number formats as
//! their documentation shows them, URLs the platform fills at send time as
//! fixed placeholders.

use super::filters::{self, STANDARD};
use super::value::Value;
use crate::dialect::Dialect;

/// A platform's Liquid.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// Shopify Liquid 5 with the notification filters.
    Shopify,
    Braze,
    Customerio,
}

/// Shopify's notification and Shopify Email filters.
/// <https://shopify.dev/docs/api/liquid/filters/money>
const SHOPIFY_FILTERS: &[&str] = &[
    "money",
    "money_with_currency",
    "money_without_currency",
    "money_without_trailing_zeros",
    "img_url",
    "image_url",
    "shopify_asset_url",
    "asset_url",
    "file_url",
    "payment_type_img_url",
    "payment_icon_png_url",
    "format_address",
];

/// Braze's filters beyond Shopify's standard ones.
/// <https://www.braze.com/docs/user_guide/personalization_and_dynamic_content/liquid/filters/>
const BRAZE_FILTERS: &[&str] = &[
    "money",
    "number_with_delimiter",
    "json_escape",
    "url_escape",
    "url_param_escape",
    "property_accessor",
];

/// Where a platform fills a URL at send time, the placeholder printed in
/// its place: a link to a fixed page of the platform, so links stay links.
const SHOPIFY_CDN: &str = "https://cdn.shopify.com/s/files/placeholder/";

impl Flavor {
    pub(crate) fn of(dialect: Dialect) -> Flavor {
        match dialect {
            Dialect::Braze => Flavor::Braze,
            Dialect::Customerio => Flavor::Customerio,
            _ => Flavor::Shopify,
        }
    }

    /// Every filter a template may call.
    pub(crate) fn filters(self) -> Vec<&'static str> {
        let extra = match self {
            Flavor::Shopify => SHOPIFY_FILTERS,
            Flavor::Braze => BRAZE_FILTERS,
            Flavor::Customerio => &[],
        };
        STANDARD.iter().chain(extra).copied().collect()
    }

    /// The platform's own tags with no body: what each prints (Customer.io's
    /// unsubscribe link), or nothing (Braze's catalog and cart lookups,
    /// which are never fetched: the variables they would set stay missing
    /// unless a profile holds them).
    pub(crate) fn simple_tag(self, name: &str) -> Option<&'static str> {
        match (self, name) {
            (Flavor::Customerio, "unsubscribe_url") => {
                Some("https://e.customeriomail.com/unsubscribe/placeholder")
            }
            (Flavor::Customerio, "view_in_browser_url") => {
                Some("https://e.customeriomail.com/deliveries/placeholder")
            }
            (Flavor::Customerio, "cio_link_id") => Some("placeholder-link-id"),
            (Flavor::Braze, "connected_content" | "catalog_items" | "shopping_cart") => Some(""),
            _ => None,
        }
    }

    /// Whether what the filter prints has the data HTML-escaped (or is a
    /// URL-encoded value): Liquid's `escape`, and the platform's filters
    /// that build HTML from data and escape it themselves.
    pub(crate) fn escapes(self, name: &str) -> bool {
        matches!(name, "escape" | "h" | "escape_once" | "url_encode")
            || (self == Flavor::Shopify && name == "format_address")
            || (self == Flavor::Braze && matches!(name, "url_escape" | "url_param_escape"))
    }

    /// The variable that stands for the person (Customer.io's `customer`):
    /// the profile itself.
    pub(crate) fn person_scope(self) -> Option<&'static str> {
        (self == Flavor::Customerio).then_some("customer")
    }

    /// Braze's `{% abort_message %}`.
    pub(crate) fn aborts(self, name: &str) -> bool {
        self == Flavor::Braze && name == "abort_message"
    }

    /// Customer.io logs a message as failed when an output prints a
    /// variable the person lacks without `default`, or Liquid fails.
    /// <https://docs.customer.io/journeys/using-liquid/>
    pub(crate) fn missing_fails(self) -> bool {
        self == Flavor::Customerio
    }

    /// Applies a filter: the platform's own, else Liquid's.
    pub(crate) fn apply(
        self,
        name: &str,
        input: Value,
        args: &[Value],
        keywords: &[(String, Value)],
    ) -> Result<Value, String> {
        match (self, name) {
            (
                Flavor::Shopify,
                "money"
                | "money_with_currency"
                | "money_without_currency"
                | "money_without_trailing_zeros",
            ) => Ok(Value::str(&shopify_money(&input, name))),
            (
                Flavor::Shopify,
                "img_url"
                | "image_url"
                | "shopify_asset_url"
                | "asset_url"
                | "file_url"
                | "payment_type_img_url"
                | "payment_icon_png_url",
            ) => Ok(Value::str(&format!(
                "{SHOPIFY_CDN}{}",
                filters::url_path(&input.to_text())
            ))),
            (Flavor::Shopify, "format_address") => Ok(Value::str(&format_address(&input))),
            (Flavor::Braze, "money") => Ok(Value::str(&format!(
                "${}",
                crate::template::render::group_thousands(&format!("{:.2}", number(&input)))
            ))),
            (Flavor::Braze, "number_with_delimiter") => Ok(Value::str(
                &crate::template::render::group_thousands(&input.to_text()),
            )),
            (Flavor::Braze, "json_escape") => {
                let quoted = serde_json::to_string(&input.to_text()).unwrap_or_default();
                Ok(Value::str(
                    &quoted[1..quoted.len().saturating_sub(1).max(1)],
                ))
            }
            (Flavor::Braze, "url_escape") => {
                Ok(Value::str(&filters::percent_encode(&input.to_text(), true)))
            }
            (Flavor::Braze, "url_param_escape") => Ok(Value::str(&filters::percent_encode(
                &input.to_text(),
                false,
            ))),
            (Flavor::Braze, "property_accessor") => Ok(input
                .get(&args.first().map(Value::to_text).unwrap_or_default())
                .cloned()
                .unwrap_or(Value::Nil)),
            _ => filters::apply(name, input, args, keywords),
        }
    }
}

fn number(v: &Value) -> f64 {
    match v {
        Value::Str(s) => s.trim().parse().unwrap_or(0.0),
        other => other.as_f64().unwrap_or(0.0),
    }
}

/// Shopify's money filters read an amount in cents and print it in the
/// shop's format; mergeproof's stand-in shop formats `${{amount}}` in USD.
fn shopify_money(input: &Value, filter: &str) -> String {
    let cents = number(input).round();
    let amount = crate::template::render::group_thousands(&format!("{:.2}", cents / 100.0));
    match filter {
        "money_with_currency" => format!("${amount} USD"),
        "money_without_currency" => amount,
        "money_without_trailing_zeros" => {
            format!("${}", amount.strip_suffix(".00").unwrap_or(&amount))
        }
        _ => format!("${amount}"),
    }
}

/// Shopify's `format_address`: the address's lines, each in a `<br>`-ended
/// line, as the notification shows it.
fn format_address(address: &Value) -> String {
    let field = |k: &str| address.get(k).map(Value::to_text).unwrap_or_default();
    let name = [field("first_name"), field("last_name")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let city_line = [field("city"), field("province_code"), field("zip")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let lines: Vec<String> = [
        name,
        field("company"),
        field("address1"),
        field("address2"),
        city_line,
        field("country"),
    ]
    .into_iter()
    .filter(|l| !l.is_empty())
    .map(|l| filters::escape_html(&l))
    .collect();
    if lines.is_empty() {
        return String::new();
    }
    format!("<p>{}</p>", lines.join("<br>"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shopify_money_is_in_cents_and_braze_money_is_not() {
        let s = |f: &str, v: i64| {
            Flavor::Shopify
                .apply(f, Value::Int(v), &[], &[])
                .unwrap()
                .to_text()
        };
        assert_eq!(s("money", 145), "$1.45");
        assert_eq!(s("money", 123456), "$1,234.56");
        assert_eq!(s("money_with_currency", 145), "$1.45 USD");
        assert_eq!(s("money_without_trailing_zeros", 1000), "$10");
        let b = Flavor::Braze
            .apply("money", Value::Int(145), &[], &[])
            .unwrap();
        assert_eq!(b.to_text(), "$145.00");
    }

    #[test]
    fn braze_number_and_json_filters() {
        let b = |f: &str, v: Value| Flavor::Braze.apply(f, v, &[], &[]).unwrap().to_text();
        assert_eq!(b("number_with_delimiter", Value::Int(1234567)), "1,234,567");
        assert_eq!(b("json_escape", Value::str("a\"b")), "a\\\"b");
    }
}
