//! The `iterable` dialect against Iterable's documentation: no engine of
//! Iterable's runs offline, so each case is what its Handlebars page shows
//! a helper doing, cited beside it; what the page leaves open follows
//! Handlebars.js and is listed in the README as unverified.

mod common;

use std::collections::BTreeMap;

use mergeproof_core::engine::compile_project;
use mergeproof_core::project::load_project_from_memory;
use mergeproof_core::rule_id::RuleId;

const HANDLEBARS: &str = "https://support.iterable.com/hc/en-us/articles/205480365";
const FAQ: &str = "https://support.iterable.com/hc/en-us/articles/360031118392";

fn files(body: &str, profiles: &str) -> BTreeMap<String, String> {
    common::one_variant_project("iterable", "", body, profiles)
}

/// What the HTML body `template` renders to for a user with `data` (YAML).
fn render(template: &str, data: &str) -> String {
    common::first_body(&files(template, data))
}

fn case(template: &str, data: &str, want: &str, source: &str) {
    assert_eq!(
        render(template, data),
        want,
        "{template} with {data} ({source})"
    );
}

#[test]
fn default_if_empty_falls_back_for_a_missing_or_empty_value() {
    let t = "Hi {{defaultIfEmpty firstName \"there\"}}";
    case(t, "{ id: p, firstName: Ana }", "Hi Ana", FAQ);
    case(t, "{ id: p }", "Hi there", FAQ);
    case(t, "{ id: p, firstName: \"\" }", "Hi there", FAQ);
    case(t, "{ id: p, firstName: null }", "Hi there", HANDLEBARS);
}

#[test]
fn block_comparisons_choose_the_copy() {
    let t = "{{#ifEq tier \"gold\"}}Gold{{else}}Other{{/ifEq}}";
    case(t, "{ id: p, tier: gold }", "Gold", HANDLEBARS);
    case(t, "{ id: p, tier: silver }", "Other", HANDLEBARS);
    case(t, "{ id: p }", "Other", HANDLEBARS);
    let t = "{{#gt points 100}}many{{else}}few{{/gt}}|{{#lt name \"m\"}}a-l{{else}}m-z{{/lt}}";
    case(
        t,
        "{ id: p, points: 250, name: ana }",
        "many|a-l",
        HANDLEBARS,
    );
    case(t, "{ id: p, points: 5, name: zoe }", "few|m-z", HANDLEBARS);
    let t = "{{#ifContainsStr email \"@example.com\"}}staff{{else}}customer{{/ifContainsStr}}";
    case(t, "{ id: p, email: a@example.com }", "staff", HANDLEBARS);
    case(t, "{ id: p, email: a@mail.test }", "customer", HANDLEBARS);
}

#[test]
fn string_helpers() {
    case(
        "{{capitalizeFirst name}} {{capitalize city}} {{upper tier}} {{lower code}}",
        "{ id: p, name: ana maria, city: new york, tier: gold, code: ABC }",
        "Ana maria New York GOLD abc",
        HANDLEBARS,
    );
    case(
        "{{abbreviate title 10}}|{{abbreviate short 10}}|{{substring name 0 1}}|{{cut phone \"-\"}}|{{replace s \"a\" \"o\"}}|{{length name}}",
        "{ id: p, title: Spring linens are here, short: Linens, name: Ana, phone: 555-0100, s: banana }",
        "Spring ...|Linens|A|5550100|bonono|3",
        HANDLEBARS,
    );
    // `{{#urlEncode}}` percent-encodes what its block renders.
    case(
        "<a href=\"https://x.example/?q={{#urlEncode}}{{name}} & co{{/urlEncode}}\">x</a>",
        "{ id: p, name: Zoë Ng }",
        "<a href=\"https://x.example/?q=Zo%C3%AB%20Ng%20%26%20co\">x</a>",
        HANDLEBARS,
    );
    // `{{ }}` escapes HTML; `{{{ }}}` prints a field's HTML as it is.
    case(
        "{{bio}} {{{bio}}}",
        "{ id: p, bio: \"<b>hi</b>\" }",
        "&lt;b&gt;hi&lt;/b&gt; <b>hi</b>",
        HANDLEBARS,
    );
}

#[test]
fn a_helper_iterable_lacks_does_not_load() {
    let project = load_project_from_memory(&files("{{default firstName \"x\"}}", "{ id: p }"));
    let (_, _, errors) = compile_project(&project);
    let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("unknown helper `default`")),
        "{messages:?}"
    );
}

/// `Hi {{firstName}},` for a user without a first name is reported;
/// `defaultIfEmpty` and `{{#if}}` are fallbacks; `{{#gt points 0}}` guards
/// a balance.
#[test]
fn fallbacks_and_guards_are_known_to_the_rules() {
    let rules = |body: &str| -> Vec<RuleId> {
        let people = "- { id: nameless, points: 0 }\n- { id: ana, firstName: Ana, points: 5 }\n";
        common::findings_without_edge_cases(&files(body, people))
            .into_iter()
            .map(|f| f.rule)
            .collect()
    };
    let bare = rules("<p>Hi {{firstName}},</p><p>Your order shipped.</p>");
    assert!(bare.contains(&RuleId::MissingFallback), "{bare:?}");
    for body in [
        "<p>Hi {{defaultIfEmpty firstName \"there\"}},</p><p>Your order shipped.</p>",
        "<p>Hi{{#if firstName}} {{firstName}}{{/if}},</p><p>Your order shipped.</p>",
        "{{#gt points 0}}<p>You have {{points}} points to spend.</p>{{/gt}}",
    ] {
        assert!(rules(body).is_empty(), "{body}: {:?}", rules(body));
    }
    let balance = rules("<p>You have {{points}} points to spend.</p>");
    assert!(balance.contains(&RuleId::ZeroBalance), "{balance:?}");
}
