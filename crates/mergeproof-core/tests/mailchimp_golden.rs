//! The `mailchimp` dialect against Mailchimp's documentation: no engine of
//! Mailchimp's runs offline, so each case is what a page of its
//! documentation shows, cited beside it.

mod common;

const CHEAT_SHEET: &str = "https://mailchimp.com/help/all-the-merge-tags-cheat-sheet/";
const CONDITIONS: &str = "https://mailchimp.com/help/use-conditional-merge-tag-blocks/";
const DEFAULTS: &str = "https://mailchimp.com/help/set-default-merge-values/";

/// The HTML body `template` renders to for a subscriber with `data` (YAML),
/// under `config` (mergeproof.yaml).
fn render(config: &str, template: &str, data: &str) -> String {
    common::first_body(&common::one_variant_project(
        "mailchimp",
        config,
        template,
        data,
    ))
}

fn case(template: &str, data: &str, want: &str, source: &str) {
    let got = render("", template, data);
    assert_eq!(got, want, "{template} with {data} ({source})");
}

#[test]
fn a_merge_tag_prints_its_field() {
    case("Dear *|FNAME|*,", "FNAME: Ana", "Dear Ana,", CHEAT_SHEET);
    // No value and no default merge value: nothing ("Dear ,").
    case("Dear *|FNAME|*,", "LNAME: Ng", "Dear ,", DEFAULTS);
    case("Dear *|FNAME|*,", "FNAME: \"\"", "Dear ,", DEFAULTS);
}

#[test]
fn a_blank_field_prints_the_default_merge_value() {
    let config = "merge_field_defaults: { FNAME: valued customer }\n";
    assert_eq!(
        render(config, "Dear *|FNAME|*,", "LNAME: Ng"),
        "Dear valued customer,"
    );
    assert_eq!(render(config, "Dear *|FNAME|*,", "FNAME: Ana"), "Dear Ana,");
    // A merge tag reads the profile field `merge_tags:` names for it.
    let mapped = "merge_tags: { FNAME: first_name }\n";
    assert_eq!(
        render(mapped, "Dear *|FNAME|*,", "first_name: Ana"),
        "Dear Ana,"
    );
}

#[test]
fn conditional_blocks() {
    let greeting = "*|IF:FNAME|*Hi *|FNAME|*!*|ELSE:|*Hello!*|END:IF|*";
    case(greeting, "FNAME: Ana", "Hi Ana!", CONDITIONS);
    case(greeting, "LNAME: Ng", "Hello!", CONDITIONS);
    // A condition on a field with no value is false.
    let tier = "*|IF:TIER=gold|*G*|ELSEIF:TIER=silver|*S*|ELSE:|*other*|END:IF|*";
    case(tier, "TIER: silver", "S", CONDITIONS);
    case(tier, "TIER: bronze", "other", CONDITIONS);
    case(tier, "FNAME: Ana", "other", CONDITIONS);
    case(
        "*|IF:TIER!=gold|*not gold*|END:IF|*",
        "TIER: silver",
        "not gold",
        CONDITIONS,
    );
    case(
        "*|IFNOT:FNAME|*no name*|ELSE:|*named*|END:IF|*",
        "LNAME: Ng",
        "no name",
        CONDITIONS,
    );
    case(
        "*|IFNOT:FNAME|*no name*|ELSE:|*named*|END:IF|*",
        "FNAME: Ana",
        "named",
        CONDITIONS,
    );
    case(
        "*|IF:TIER=gold|**|IF:POINTS>100|*many*|ELSE:|*few*|END:IF|**|END:IF|*",
        "{ TIER: gold, POINTS: 250 }",
        "many",
        CONDITIONS,
    );
}

#[test]
fn functions_escaping_and_system_tags() {
    case(
        "*|UPPER:FNAME|* *|LOWER:FNAME|* *|TITLE:FNAME|*",
        "FNAME: aNA maria",
        "ANA MARIA ana maria Ana Maria",
        CHEAT_SHEET,
    );
    // Merge values are escaped in HTML; `*|HTML:…|*` prints one as it is.
    case(
        "*|BIO|*|*|HTML:BIO|*",
        "BIO: \"<b>O'Brien & Co</b>\"",
        "&lt;b&gt;O&#39;Brien &amp; Co&lt;/b&gt;|<b>O'Brien & Co</b>",
        CHEAT_SHEET,
    );
    // Tags the platform fills at send time stay as written.
    case(
        "<a href=\"*|UNSUB|*\">Unsubscribe</a> *|LIST:COMPANY|*",
        "FNAME: Ana",
        "<a href=\"*|UNSUB|*\">Unsubscribe</a> *|LIST:COMPANY|*",
        CHEAT_SHEET,
    );
}

/// `Dear *|FNAME|*` for a subscriber without a first name: `missing-fallback`
/// with no default merge value; clean with one.
#[test]
fn a_missing_first_name_is_reported_unless_the_audience_has_a_default() {
    use mergeproof_core::rule_id::RuleId;
    let rules = |config: &str| -> Vec<RuleId> {
        let files = common::one_variant_project(
            "mailchimp",
            config,
            "<p>Dear *|FNAME|*,</p><p>Your order shipped.</p>",
            "- { id: nameless, LNAME: Ng }\n- { id: ana, FNAME: Ana }\n",
        );
        common::findings_without_edge_cases(&files)
            .into_iter()
            .map(|f| f.rule)
            .collect()
    };
    let without = rules("");
    assert!(without.contains(&RuleId::MissingFallback), "{without:?}");
    assert!(rules("merge_field_defaults: { FNAME: valued customer }\n").is_empty());
}
