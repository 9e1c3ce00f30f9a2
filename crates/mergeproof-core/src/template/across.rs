//! What a template in one language wrote in another's syntax, told in its
//! own: teams move templates from one platform to another (a Shopify
//! notification into Klaviyo, a SendGrid email into Braze), and a load error
//! that names how this language writes the same thing is the fix.

use crate::dialect::Language;

/// How a template in `language` writes what an output written as
/// Handlebars meant (`written`, what stood between the braces of
/// `{{#if x}}`, `{{/if}}` or `{{> footer}}`), for a load error to say:
/// templates are moved from one platform to another.
pub(crate) fn handlebars_in(language: Language, written: &str) -> Option<String> {
    let (who, partial) = match language {
        Language::Liquid => ("Liquid", true),
        Language::Django => ("Klaviyo", false),
        Language::Handlebars | Language::Mailchimp => return None,
    };
    let written = written.trim();
    let sigil = written.chars().next()?;
    let name = written[sigil.len_utf8()..]
        .split_whitespace()
        .next()
        .unwrap_or("");
    match sigil {
        '#' | '^' => Some(format!(
            "`{{{{{sigil}{name} …}}}}` opens a Handlebars block; {who} writes a block as a tag: `{{% if … %}}…{{% endif %}}`, `{{% for item in list %}}…{{% endfor %}}`"
        )),
        '/' => Some(format!(
            "`{{{{/{name}}}}}` closes a Handlebars block; {who} closes a tag with its end tag (`{{% endif %}}`, `{{% endfor %}}`)"
        )),
        '>' if partial => Some(format!(
            "`{{{{> {name}}}}}` is a Handlebars partial; {who} renders a snippet with `{{% render '{name}' %}}`"
        )),
        _ => None,
    }
}

/// Filters that Liquid and Klaviyo's Django syntax both have, under other
/// names: (Liquid's, Klaviyo's). A filter a template in one of them does not
/// know is most often the other one's name, from a template moved across.
const FILTER_TWINS: &[(&str, &str)] = &[
    ("upcase", "upper"),
    ("downcase", "lower"),
    ("size", "length"),
    ("capitalize", "capfirst"),
    ("truncate", "truncatechars"),
    ("url_encode", "urlencode"),
    ("strip_html", "striptags"),
    ("newline_to_br", "linebreaksbr"),
    ("plus", "add"),
];

/// The name a template in `language` gives the filter the other of Liquid
/// and Klaviyo calls `name`, when `known` (the dialect's filters) has it.
pub(crate) fn filter_twin(language: Language, name: &str, known: &[&str]) -> Option<&'static str> {
    FILTER_TWINS
        .iter()
        .find_map(|&(liquid, klaviyo)| match language {
            Language::Liquid if klaviyo == name => Some(liquid),
            Language::Django if liquid == name => Some(klaviyo),
            _ => None,
        })
        .filter(|twin| known.contains(twin))
}

/// How a template in `language` writes what the other of Liquid and
/// Klaviyo writes with the tag `name`, for a load error to say.
pub(crate) fn tag_twin(language: Language, name: &str) -> Option<String> {
    let (theirs, writes) = match (language, name) {
        (Language::Django, "unless") => ("Liquid's", "Klaviyo writes `{% if not … %}`"),
        (Language::Django, "endunless") => ("Liquid's", "Klaviyo closes with `{% endif %}`"),
        (Language::Django, "elsif") => ("Liquid's", "Klaviyo writes `{% elif … %}`"),
        (Language::Django, "assign") => (
            "Liquid's",
            "Klaviyo names a value for a block with `{% with name=… %}…{% endwith %}`",
        ),
        (Language::Liquid, "elif") => ("Klaviyo's", "Liquid writes `{% elsif … %}`"),
        (Language::Liquid, "with") => ("Klaviyo's", "Liquid writes `{% assign name = … %}`"),
        (Language::Liquid, "empty") => (
            "Klaviyo's",
            "Liquid writes `{% else %}` inside `{% for %}` for an empty list",
        ),
        _ => return None,
    };
    Some(format!("`{name}` is {theirs}; {writes}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_twin_is_named_only_where_the_dialect_has_it() {
        assert_eq!(
            filter_twin(Language::Django, "upcase", &["upper"]),
            Some("upper")
        );
        assert_eq!(
            filter_twin(Language::Liquid, "upper", &["upcase"]),
            Some("upcase")
        );
        assert_eq!(filter_twin(Language::Django, "upcase", &["lower"]), None);
        // A language's own name is not its twin's.
        assert_eq!(filter_twin(Language::Liquid, "upcase", &["upcase"]), None);
        assert_eq!(
            filter_twin(Language::Handlebars, "upper", &["upcase"]),
            None
        );
    }

    #[test]
    fn a_tag_is_told_by_how_the_other_language_writes_it() {
        let unless = tag_twin(Language::Django, "unless").expect("Liquid's");
        assert!(unless.contains("`{% if not … %}`"), "{unless}");
        let elif = tag_twin(Language::Liquid, "elif").expect("Klaviyo's");
        assert!(elif.contains("`{% elsif … %}`"), "{elif}");
        let empty = tag_twin(Language::Liquid, "empty").expect("Klaviyo's");
        assert!(empty.contains("`{% else %}` inside `{% for %}`"), "{empty}");
        assert_eq!(tag_twin(Language::Liquid, "unless"), None);
        assert_eq!(tag_twin(Language::Handlebars, "elif"), None);
    }

    #[test]
    fn handlebars_is_told_only_in_other_languages() {
        assert!(handlebars_in(Language::Liquid, "#each items").is_some());
        assert!(handlebars_in(Language::Handlebars, "#each items").is_none());
        assert!(handlebars_in(Language::Mailchimp, "#each items").is_none());
        assert!(handlebars_in(Language::Liquid, "first_name").is_none());
        assert!(handlebars_in(Language::Liquid, "").is_none());
    }
}
