//! `broken-link`: an `href`, `src`, `srcset` or `background` built with data
//! that comes out broken for this profile.
//!
//! Broken, read with the WHATWG URL standard (the `url` crate, as browsers
//! and mail clients parse links):
//! - empty or blank;
//! - holding placeholder text from the data (`null`, `undefined`, `NaN`,
//!   `None`);
//! - not a valid URL where the template wrote an absolute one
//!   (`https://…{{…}}`), or not a full URL where the data gives all of it
//!   (an email has no page to resolve a relative link against);
//! - a host or a path segment lost to empty data (`https:///orders`,
//!   `https://shop.example//orders`), or a query value lost (`?order=`);
//! - `mailto:` or `tel:` with nothing after it.
//!
//! Only attributes a token printed into are checked: a link the template
//! writes out whole is the copywriter's. Guards and fallbacks count because
//! the check reads what was rendered: a link inside `{{#if url}}` is not there
//! for a profile without one.

use crate::finding::{Field, Severity};
use crate::rule_id::RuleId;
use crate::template::RenderedText;

use super::{CellContext, Draft, Rule, RuleDoc, Words};

pub(super) struct BrokenLink;

static DOC: RuleDoc = RuleDoc {
    id: RuleId::BrokenLink,
    default_severity: Severity::Error,
    summary: "A link or image URL built with data comes out empty, with placeholder text, invalid, or missing its host, a path segment or a query value.",
    why: "The \"Track your order\" button is the one thing a shipping email is for. When the order id is missing it points at https://shop.example/orders/ or at nothing at all, and the customer who clicks it calls support instead. Images built from data show as broken boxes.",
    example: "body: <a href=\"https://shop.example/orders/{{order.id}}\">Track your order</a>\nprofile: { }            # no order\nrenders: https://shop.example/orders/",
    fix: "Guard the link with the field it needs ({{#if order.id}}…{{/if}}; in Postmark {{#order.id}}…{{/order.id}}) and give the rest a link that works without it, or restrict the variant's audience to profiles that have the field.",
    fix_in: Some(super::fix::link_guard_in),
    accept: "When the URL is right as it renders (a later stage fills it in), add to the variant:\n  allow:\n    - { rule: broken-link, reason: \"…why…\" }",
};

impl Rule for BrokenLink {
    fn doc(&self) -> &'static RuleDoc {
        &DOC
    }

    fn check_cell(&self, cx: &CellContext<'_>, out: &mut Vec<Draft>) {
        let template = &cx.compiled.body;
        let Some(html) = cx.cell.body.html.as_deref() else {
            return;
        };
        let tags = cx.literal_tags();
        for url in &html.urls {
            if url.value.spans.is_empty() {
                continue;
            }
            let problem_of = |candidate: &str| {
                // A placeholder a later stage fills makes a valid link.
                let filled_later = || !crate::dialect::literal_ranges(tags, candidate).is_empty();
                problem(candidate, &url.value, filled_later)
            };
            let problem = if url.attribute == "srcset" {
                url.value
                    .text
                    .split(',')
                    .map(|c| c.split_whitespace().next().unwrap_or(""))
                    .find_map(problem_of)
            } else {
                problem_of(&url.value.text)
            };
            if let Some((problem, span)) = problem {
                let Some(token) = template.token(span) else {
                    continue;
                };
                out.push(cx.draft(DOC.id, Field::Body, token.loc.clone(), || {
                    let shown = if url.value.text.trim().is_empty() {
                        format!("{}=\"{}\"", url.attribute, url.value.text)
                    } else {
                        url.value.text.clone()
                    };
                    let fix = token
                        .reads
                        .first()
                        .map(|read| super::fix::guard_link(cx.campaign.dialect, token, &read.path));
                    Words::new(
                        format!(
                            "`{}` of `<{}>`, built with `{}`, {problem}",
                            url.attribute, url.tag, token.expression
                        ),
                        shown,
                    )
                    .with_fix(fix)
                }));
            }
        }
    }
}

/// Placeholder words exports write for a missing value.
fn is_placeholder(text: &str) -> bool {
    let t = crate::whitespace::trimmed(text);
    t.eq_ignore_ascii_case("null")
        || t.eq_ignore_ascii_case("undefined")
        || t == "NaN"
        || t == "None"
}

/// What is wrong with one URL of the attribute, if anything, and the token
/// to blame (the index of a token whose span is in the value).
/// `filled_later` says whether a later stage fills a placeholder in it;
/// asked only of a link whose data printed something and that is no plain
/// web address.
fn problem(
    candidate: &str,
    value: &RenderedText,
    filled_later: impl FnOnce() -> bool,
) -> Option<(String, u32)> {
    let first = value.spans.first()?.token;
    let text = crate::whitespace::trimmed(candidate);
    if text.is_empty() {
        return Some(("comes out empty".into(), first));
    }
    if let Some(span) = value
        .spans
        .iter()
        .find(|s| is_placeholder(value.span_text(s)))
    {
        return Some((
            format!(
                "holds `{}` from the data, not a value",
                value.span_text(span).trim()
            ),
            span.token,
        ));
    }
    for scheme in ["mailto:", "tel:", "sms:"] {
        // (Compared in place: every link of every customer passes here.)
        if let Some(rest) = text
            .get(..scheme.len())
            .filter(|start| start.eq_ignore_ascii_case(scheme))
            .map(|_| &text[scheme.len()..])
            && rest.split('?').next().unwrap_or("").trim().is_empty()
        {
            return Some((format!("is `{scheme}` with no address after it"), first));
        }
    }
    // Where the data printed nothing, what is left around it.
    for span in value
        .spans
        .iter()
        .filter(|s| crate::whitespace::is_blank(value.span_text(s)))
    {
        let before = &value.text[..span.start];
        let after = &value.text[span.end..];
        let blame = |message: String| Some((message, span.token));
        if before.ends_with("://") {
            return blame("lost its host: the data before the path printed nothing".into());
        }
        let after_host = before
            .find("://")
            .is_some_and(|i| before[i + 3..].contains('/'));
        if before.ends_with('/')
            && after_host
            && (after.is_empty() || after.starts_with(['/', '.', '?', '#']))
        {
            return blame(if after.starts_with('/') {
                "lost a path segment: the data printed nothing between two slashes".into()
            } else {
                "lost a path segment: the data printed nothing after the last slash".into()
            });
        }
        if before.ends_with('=')
            && before.contains('?')
            && (after.is_empty() || after.starts_with(['&', '#']))
        {
            let name = before[..before.len() - 1]
                .rsplit(['?', '&'])
                .next()
                .unwrap_or("");
            return blame(format!("lost the value of `{name}` in its query"));
        }
    }
    // A plain web address is valid whether or not a later stage fills a
    // placeholder in it, and telling one is cheaper than looking for tags.
    if is_plain_web_address(text) || filled_later() {
        return None;
    }
    let starts_with_data = value.spans.first().is_some_and(|s| s.start == 0);
    let written_absolute = !starts_with_data && has_scheme(text);
    match url::Url::parse(text) {
        Ok(parsed) => {
            if parsed.cannot_be_a_base() || !matches!(parsed.scheme(), "http" | "https") {
                return None;
            }
            if parsed.host_str().is_none_or(str::is_empty) {
                return Some(("has no host".into(), first));
            }
            None
        }
        Err(e) if written_absolute || (starts_with_data && has_scheme(text)) => {
            Some((format!("is not a valid URL ({e})"), first))
        }
        Err(_) if starts_with_data && !text.starts_with('#') => Some((
            format!(
                "is not a full URL (`{}`): a mail client has no page to resolve it against",
                shortened(text)
            ),
            first,
        )),
        Err(_) => None,
    }
}

/// `http://` or `https://`, a host name that cannot fail to parse, then a
/// path, query or fragment or nothing: what [`url::Url::parse`] accepts with
/// that host, since after the host the WHATWG parser only percent-encodes,
/// never fails. Most links of an email are of this form, and a customer's
/// links are read for every customer of a list: they are told apart
/// without building a `Url`.
///
/// The host is ASCII letters, digits and hyphens in non-empty labels, none
/// starting `xn--` (punycode, which IDNA decodes and may reject), the last
/// starting with a letter (so never read as an IPv4 address); a port, user
/// or anything else goes to the parser.
fn is_plain_web_address(text: &str) -> bool {
    let Some(rest) = after_web_scheme(text) else {
        return false;
    };
    // One pass over the host's bytes: every link of every customer of a
    // list passes here.
    let host = rest.as_bytes();
    let mut label_start = 0;
    for (at, &byte) in host.iter().enumerate() {
        match byte {
            b'/' | b'?' | b'#' => return plain_host_ends(host, label_start, at),
            b'.' => {
                if at == label_start {
                    return false;
                }
                label_start = at + 1;
            }
            // A label's fourth byte ends its `xn--` (punycode) if it has one.
            b if b == b'-' || b.is_ascii_alphanumeric() => {
                if at == label_start + 3 && host[label_start..=at].eq_ignore_ascii_case(b"xn--") {
                    return false;
                }
            }
            _ => return false,
        }
    }
    plain_host_ends(host, label_start, host.len())
}

/// What follows `https://` or `http://`, written in lower case, if either
/// starts `text`.
fn after_web_scheme(text: &str) -> Option<&str> {
    text.strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"))
}

/// Whether a host whose labels before `last_label` were plain ends well at
/// `end`: the last label is not empty and starts with a letter.
fn plain_host_ends(host: &[u8], last_label: usize, end: usize) -> bool {
    last_label < end && host[last_label].is_ascii_alphabetic()
}

/// `https:`, `mailto:`: a scheme as WHATWG reads one.
fn has_scheme(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

fn shortened(text: &str) -> String {
    match text.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use crate::testkit::check_cell_with;
    use proptest::prelude::*;

    /// What the parser says of a link `problem` lets through as a plain web
    /// address: valid, web, with a host.
    fn parser_accepts(text: &str) -> bool {
        url::Url::parse(text).is_ok_and(|u| {
            !u.cannot_be_a_base()
                && matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty())
        })
    }

    /// `is_plain_web_address` as first written, label by label: the one
    /// pass over the host's bytes must say what it says.
    fn plain_by_labels(text: &str) -> bool {
        let Some(rest) = super::after_web_scheme(text) else {
            return false;
        };
        let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let host = &rest[..host_end];
        let mut labels = host.split('.');
        let well_formed = labels.clone().all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label
                    .get(..4)
                    .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
        });
        well_formed
            && labels
                .next_back()
                .and_then(|last| last.bytes().next())
                .is_some_and(|b| b.is_ascii_alphabetic())
    }

    #[test]
    fn plain_web_addresses_are_what_the_parser_accepts() {
        for text in [
            "https://shop.example/orders/123/track",
            "http://a.b?x=1#y",
            "https://Shop-1.Example",
            "https://shop.example/ä ö/<>\\%zz?q=\"é\"#frag ment",
            "https://shop.example//orders",
        ] {
            assert!(super::is_plain_web_address(text), "{text}");
            assert!(parser_accepts(text), "{text}");
        }
        // Left to the parser: each could fail or mean something else.
        for text in [
            "https://1.2.3.256/x",
            "https://0x7f.1/",
            "https://xn--zz.example/",
            "https://shop..example/",
            "https://user@shop.example/",
            "https://shop.example:99999/",
            "https:///orders",
            "HTTPS://shop.example/",
            "https://shop_example.com/",
            "https://shöp.example/",
            "https://shop.example.123/",
        ] {
            assert!(!super::is_plain_web_address(text), "{text}");
        }
    }

    proptest! {
        /// Hosts of labels that are and are not plain (`xn--`, empty, a
        /// digit first, a hyphen), joined by dots.
        #[test]
        fn one_pass_and_labels_agree_on_hosts_of_labels(
            labels in prop::collection::vec(
                prop::sample::select(vec!["xn--a", "XN--b", "xn-", "axn--", "a", "9", "-", "", "ab-c", "x9"]),
                0..5,
            ),
            end in prop::sample::select(vec!["", "/", "?q", "#f", ".", ":80"]),
        ) {
            let text = format!("https://{}{end}", labels.join("."));
            prop_assert_eq!(super::is_plain_web_address(&text), plain_by_labels(&text), "{}", text);
        }

        #[test]
        fn every_plain_web_address_parses(
            scheme in prop::sample::select(vec!["http://", "https://", "ftp://", "https:/"]),
            host in "[a-zA-Z0-9.\\-_:@xn]{0,20}",
            rest in "([/?#][ -~ä€\\\\]{0,20})?",
        ) {
            let text = format!("{scheme}{host}{rest}");
            prop_assert_eq!(super::is_plain_web_address(&text), plain_by_labels(&text), "{}", text);
            if super::is_plain_web_address(&text) {
                prop_assert!(parser_accepts(&text), "{}", text);
            }
        }
    }

    fn campaign(body: &str) -> String {
        crate::testkit::one_variant("Your order", body)
    }

    fn fires(body: &str, profile: &str) -> Vec<String> {
        check_cell_with("broken-link", &campaign(body), profile)
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    #[test]
    fn each_broken_form_fires() {
        let track = "<a href=\"https://shop.example/orders/{{order.id}}/track\">Track</a>";
        let cases = [
            ("<a href=\"{{url}}\">Go</a>", "x: 1", "comes out empty"),
            (
                "<a href=\"{{url}}\">Go</a>",
                "url: \"  \"",
                "comes out empty",
            ),
            (
                "<a href=\"{{url}}\">Go</a>",
                "url: \"null\"",
                "holds `null`",
            ),
            (
                "<img src=\"{{img}}\" alt=\"\">",
                "img: None",
                "holds `None`",
            ),
            (track, "x: 1", "lost a path segment"),
            (
                "<img src=\"https://cdn.example/p/{{sku}}.jpg\">",
                "x: 1",
                "nothing after the last slash",
            ),
            (
                "<a href=\"https://{{host}}/orders\">x</a>",
                "x: 1",
                "lost its host",
            ),
            (
                "<a href=\"https://shop.example/t?order={{order.id}}&utm=mail\">x</a>",
                "x: 1",
                "lost the value of `order`",
            ),
            (
                "<a href=\"mailto:{{email}}\">Write</a>",
                "x: 1",
                "`mailto:` with no address",
            ),
            (
                "<a href=\"tel:{{phone}}\">Call</a>",
                "phone: \"\"",
                "`tel:`",
            ),
            (
                "<a href=\"MailTo:{{email}}\">Write</a>",
                "x: 1",
                "`mailto:` with no address",
            ),
            (
                "<a href=\"https://shop.example:{{port}}/\">x</a>",
                "port: abc",
                "is not a valid URL",
            ),
            (
                "<a href=\"{{url}}\">x</a>",
                "url: shop.example/x",
                "is not a full URL",
            ),
            (
                "<img srcset=\"https://cdn.example/a.png 1x, {{retina}} 2x\">",
                "retina: \"null\"",
                "holds `null`",
            ),
            (
                "<!--[if mso]><v:roundrect href=\"{{url}}\"></v:roundrect><![endif]-->",
                "x: 1",
                "comes out empty",
            ),
        ];
        for (body, profile, want) in cases {
            let found = fires(body, profile);
            assert_eq!(found.len(), 1, "{body} / {profile}: {found:?}");
            assert!(found[0].contains(want), "{body}: {}", found[0]);
        }
    }

    #[test]
    fn names_the_element_a_link_is_on_whatever_it_is() {
        // An element emails link from, Outlook's button, and one of the
        // team's own (named by a shared name, not a static one).
        for (body, named) in [
            ("<a href=\"{{url}}\">Go</a>", "`href` of `<a>`"),
            (
                "<!--[if mso]><v:roundrect href=\"{{url}}\"></v:roundrect><![endif]-->",
                "`href` of `<v:roundrect>`",
            ),
            (
                "<promo-card background=\"{{url}}\">x</promo-card>",
                "`background` of `<promo-card>`",
            ),
        ] {
            let found = fires(body, "x: 1");
            assert_eq!(found.len(), 1, "{body}: {found:?}");
            assert!(found[0].contains(named), "{body}: {}", found[0]);
        }
    }

    #[test]
    fn correct_guarded_and_literal_links_do_not_fire() {
        let ok = [
            (
                "<a href=\"https://shop.example/orders/{{order.id}}/track\">Track</a>",
                "order: { id: A-17 }",
            ),
            (
                "{{#if order.id}}<a href=\"https://shop.example/orders/{{order.id}}\">Track</a>{{/if}}",
                "x: 1",
            ),
            (
                "<a href=\"{{default url 'https://shop.example/'}}\">Go</a>",
                "x: 1",
            ),
            ("<a href=\"\">literal, no data</a>", "x: 1"),
            (
                "<a href=\"mailto:{{email}}?subject=Hi\">Write</a>",
                "email: a@b.example",
            ),
            (
                "<a href=\"{{url}}\">x</a>",
                "url: \"https://shop.example/a b?q=1\"",
            ),
            ("<a href=\"#{{anchor}}\">x</a>", "anchor: top"),
            (
                "<a href=\"https://shop.example/?utm_source=mail&ref={{ref}}\">x</a>",
                "ref: 7",
            ),
            ("<p>{{url}}</p>", "x: 1"),
        ];
        for (body, profile) in ok {
            let found = fires(body, profile);
            assert!(found.is_empty(), "{body} / {profile}: {found:?}");
        }
    }

    #[test]
    fn a_literal_tag_makes_a_valid_link() {
        let body = "<a href=\"{{base}}<%asm_group_unsubscribe_raw_url%>\">Unsubscribe</a>";
        let sendgrid = format!(
            "dialect: sendgrid\n{}",
            crate::testkit::one_variant("Hi", body)
        );
        assert!(check_cell_with("broken-link", &sendgrid, "base: \"\"").is_empty());
        // Elsewhere the same link is data that is not a URL.
        assert_eq!(fires(body, "base: \"\"").len(), 1);
    }

    #[test]
    fn subjects_and_sms_have_no_links() {
        let sms =
            "channel: sms\nvariants:\n  - id: a\n    body: \"<a href=\\\"{{url}}\\\">x</a>\"\n";
        assert!(check_cell_with("broken-link", sms, "x: 1").is_empty());
    }
}
